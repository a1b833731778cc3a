"""ContinuumNormalizer: per-spectrum normalisation by median or continuum."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import ndimage
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline

from skspec.preprocessing import ContinuumNormalizer

METHODS = ["median", "log_median", "running_median", "polynomial"]


def _spectra(n=6, m=1000, seed=0):
    """Sloped continua on different scales, narrow absorption lines, noise."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, m)
    continuum = (0.3 + x + 0.5 * x**2) * rng.uniform(0.01, 100, size=(n, 1))
    lines = 1 - 0.5 * np.exp(-0.5 * ((np.arange(m) - np.array([[300], [700]])) / 2.0) ** 2).sum(0)
    return continuum * lines * (1 + 0.01 * rng.normal(size=(n, m)))


def test_median_divides_by_the_median():
    X = _spectra()
    out = ContinuumNormalizer().fit_transform(X)
    assert_allclose(out, X / np.median(X, axis=1, keepdims=True))
    assert_allclose(np.median(out, axis=1), 1.0)


def test_log_median_clips_non_positive_flux():
    X = np.array([[1.0, 2.0, 4.0, 0.0, -3.0]])
    out = ContinuumNormalizer(method="log_median", floor=1e-2).fit_transform(X)
    assert_allclose(out, np.log([[1.0, 2.0, 4.0, 1e-2, 1e-2]]))  # median 1
    assert np.isfinite(out).all()


def test_running_median_equals_scipy_row_by_row():
    X = _spectra(m=700)
    out = ContinuumNormalizer(method="running_median", window=51).fit_transform(X)
    expected = np.array([r / ndimage.median_filter(r, size=51, mode="nearest") for r in X])
    assert_array_equal(out, expected)


def test_running_median_removes_the_continuum_and_keeps_lines():
    X = _spectra(m=1000)
    out = ContinuumNormalizer(method="running_median", window=101).fit_transform(X)
    far = np.r_[50:250, 350:650, 750:950]
    assert_allclose(np.median(out[:, far], axis=1), 1.0, atol=0.01)
    assert np.all(out[:, 300] < 0.6) and np.all(out[:, 700] < 0.6)


def test_running_median_floors_the_continuum():
    X = np.ones((1, 101))
    X[0, 40:61] = -1.0  # a run wider than half the window: local median < 0
    out = ContinuumNormalizer(method="running_median", window=31, floor=0.1).fit_transform(X)
    assert np.isfinite(out).all()
    assert out[0, 50] == -10.0  # -1 / (0.1 * median 1)


def test_polynomial_removes_a_smooth_log_continuum_exactly():
    u = np.linspace(-1, 1, 400)
    X = 7.0 * np.exp(0.3 + 0.8 * u - 0.5 * u**2 + 0.2 * u**3)[None, :]
    out = ContinuumNormalizer(method="polynomial", degree=3).fit_transform(X)
    assert_allclose(out, 1.0, rtol=1e-10)
    # Degree 1 cannot follow the curvature.
    assert (
        np.abs(ContinuumNormalizer(method="polynomial", degree=1).fit_transform(X) - 1).max() > 0.05
    )


@pytest.mark.parametrize("method", METHODS)
def test_scale_invariance_and_float32(method):
    X = _spectra()
    est = ContinuumNormalizer(method=method, window=51)
    out = est.fit_transform(X)
    assert_allclose(est.transform(X * 123.4), out, rtol=1e-10, atol=1e-12)
    out32 = est.transform(X.astype(np.float32))
    assert out32.dtype == np.float32
    assert_allclose(out32, out, rtol=1e-4, atol=1e-4)


def test_non_positive_median_is_rejected_with_rows():
    X = _spectra(n=4)
    X[1] = -X[1]
    X[3] = 0.0
    with pytest.raises(
        ValueError,
        match=r"2 spectra whose median flux is zero or negative "
        r"\(rows \[1, 3\]\)",
    ):
        ContinuumNormalizer().fit(X).transform(X)


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[1.0, np.nan, 2.0]]), "NaN"),
        (np.array([[1.0, np.inf, 2.0]]), "infinity"),
        (np.ones(10), "Expected 2D array"),
    ],
)
def test_bad_input_is_rejected(X, match):
    with pytest.raises(ValueError, match=match):
        ContinuumNormalizer().fit(X)
    with pytest.raises(ValueError, match=match):
        ContinuumNormalizer().transform(X)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"window": 100}, "window must be odd"),
        ({"window": 0}, "window"),
        ({"method": "mean"}, "method"),
        ({"floor": 0.0}, "floor"),
        ({"degree": -1}, "degree"),
    ],
)
def test_bad_parameters_are_rejected(params, match):
    with pytest.raises(ValueError, match=match):
        ContinuumNormalizer(**params).fit(np.ones((2, 5)))


def test_wrong_width_after_fit_is_rejected():
    est = ContinuumNormalizer().fit(np.ones((2, 5)))
    with pytest.raises(
        ValueError, match="X has 4 features, but ContinuumNormalizer is expecting 5"
    ):
        est.transform(np.ones((2, 4)))


@pytest.mark.parametrize("method", METHODS)
def test_stateless_contract(method):
    """What sklearn's checks test on signed data (see test_common.py)."""
    X = _spectra(n=8, m=300)
    est = ContinuumNormalizer(method=method, window=31)
    unfitted = est.transform(X)
    assert_array_equal(est.fit_transform(X), unfitted)
    assert_array_equal(est.fit(X).fit(X).transform(X), unfitted)
    assert_allclose(est.transform(X[2:5]), unfitted[2:5], rtol=1e-12)
    assert_array_equal(pickle.loads(pickle.dumps(est)).transform(X), unfitted)
    assert_allclose(est.transform(np.asfortranarray(X)), unfitted, rtol=1e-12)
    assert list(est.get_feature_names_out()[:2]) == ["x0", "x1"]


def test_in_pipeline_grid_search_and_cross_val():
    # The classes differ by a line depth, on random flux scales.
    y = np.repeat([0, 1], 20)
    X = _spectra(n=40, m=200, seed=1)
    X[y == 1, 95:105] *= 0.5
    pipe = Pipeline([("norm", ContinuumNormalizer()), ("clf", LogisticRegression(C=100))])
    assert cross_val_score(pipe, X, y, cv=4).min() == 1.0
    search = GridSearchCV(pipe, {"norm__method": ["median", "log_median"]}, cv=4).fit(X, y)
    assert search.best_score_ == 1.0
