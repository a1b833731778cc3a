"""Folder2D: spectra to images, row after row, and back."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from skspec.preprocessing import Folder2D, QuadraticResampler


def test_default_folds_5000_points_row_major():
    X = np.arange(2 * 5000, dtype=np.float32).reshape(2, 5000)
    images = Folder2D().fit_transform(X)
    assert images.shape == (2, 50, 100)
    assert images.dtype == np.float32
    # Row r of the image holds pixels r * 100 .. r * 100 + 99.
    assert images[1, 3, 7] == X[1, 3 * 100 + 7]
    assert_array_equal(images[0, 49], X[0, 4900:])


@pytest.mark.parametrize(
    "shape, resolved", [((-1, 100), (50, 100)), ((25, -1), (25, 200)), ([10, 500], (10, 500))]
)
def test_minus_one_is_inferred(shape, resolved):
    X = np.zeros((3, 5000))
    folder = Folder2D(shape=shape).fit(X)
    assert folder.shape_ == resolved
    assert folder.transform(X).shape == (3,) + resolved


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_inverse_transform_round_trip(dtype):
    X = np.arange(4 * 12).reshape(4, 12).astype(dtype)
    folder = Folder2D(shape=(3, 4)).fit(X)
    back = folder.inverse_transform(folder.transform(X))
    assert back.dtype == dtype
    assert_array_equal(back, X)


def test_transform_is_a_view_and_keeps_nan():
    X = np.arange(12.0).reshape(2, 6)
    X[0, 1] = np.nan
    images = Folder2D(shape=(2, 3)).fit_transform(X)
    assert np.shares_memory(images, X)
    assert np.isnan(images[0, 0, 1])


@pytest.mark.parametrize(
    "shape, n_pixels, match",
    [
        ((50, 100), 3522, r"cannot fold 3522 pixels into shape \(50, 100\), which holds 5000"),
        ((7, -1), 3522, "3522 is not a multiple of 7"),
        ((-1, 7), 3522, "3522 is not a multiple of 7"),
        ((0, 10), 10, "two positive integers"),
        ((-1, -1), 10, "two positive integers"),
        ((2, 5, 1), 10, "two positive integers"),
        ((2.0, 5), 10, "two positive integers"),
        ((True, 10), 10, "two positive integers"),
    ],
)
def test_bad_shape_is_rejected(shape, n_pixels, match):
    with pytest.raises(ValueError, match=match):
        Folder2D(shape=shape).fit(np.zeros((2, n_pixels)))


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="Expected 2D array"):
        Folder2D(shape=(2, 3)).fit(np.zeros(6))
    folder = Folder2D(shape=(2, -1)).fit(np.zeros((2, 6)))
    with pytest.raises(ValueError, match="X has 8 features, but Folder2D is expecting 6"):
        folder.transform(np.zeros((2, 8)))
    with pytest.raises(ValueError, match=r"images of shape \(n_spectra, H, W\)"):
        folder.inverse_transform(np.zeros((2, 6)))
    with pytest.raises(ValueError, match=r"images of shape \(2, 4\), got \(4, 2\)"):
        folder.inverse_transform(np.zeros((2, 4, 2)))
    with pytest.raises(ValueError, match="hold 8 pixels, but Folder2D was fitted on 6"):
        folder.inverse_transform(np.zeros((2, 2, 4)))
    with pytest.raises(ValueError, match="shape"):
        Folder2D(shape="50x100").fit(np.zeros((2, 5000)))


def test_stateless_contract():
    X = np.random.default_rng(0).normal(size=(5, 5000))
    folder = Folder2D()
    unfitted = folder.transform(X)
    assert_array_equal(folder.fit(X).transform(X), unfitted)
    assert_array_equal(pickle.loads(pickle.dumps(folder)).transform(X), unfitted)
    assert_array_equal(Folder2D().inverse_transform(unfitted), X)


def _flatten(images):
    return images.reshape(len(images), -1)


def test_in_pipeline_grid_search_and_cross_val():
    # The paper's chain: 3522 pixels -> 5000 points -> 50 x 100 image (then a
    # 2-D network; here a flattening step and a linear model stand in).
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 15)
    X = rng.normal(size=(30, 3522)) + 5.0
    X[y == 1, 1000:1300] += 3.0
    pipe = Pipeline(
        [
            ("resample", QuadraticResampler(n_points=5000)),
            ("fold", Folder2D(shape=(50, 100))),
            ("flatten", FunctionTransformer(_flatten)),
            ("clf", LogisticRegression()),
        ]
    )
    assert cross_val_score(pipe, X, y, cv=3).min() == 1.0
    search = GridSearchCV(pipe, {"fold__shape": [(50, 100), (100, -1)]}, cv=3).fit(X, y)
    # Both foldings hold the same pixels, so both score 1.0 and the tie goes to
    # the first candidate; the second resolved its -1 to 50 columns.
    np.testing.assert_array_equal(search.cv_results_["mean_test_score"], [1.0, 1.0])
    assert search.best_params_ == {"fold__shape": (50, 100)}
    assert search.best_estimator_.named_steps["fold"].shape_ == (50, 100)
    second = clone(pipe).set_params(fold__shape=(100, -1)).fit(X, y)
    assert second.named_steps["fold"].shape_ == (100, 50)
    with pytest.raises(ValueError, match="cannot fold 3522 pixels"):
        pipe.set_params(resample="passthrough").fit(X, y)
