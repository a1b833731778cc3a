"""QuadraticResampler: the batched quadratic spline equals scipy's, row by row."""

import pickle
import tracemalloc

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.interpolate import interp1d
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline

from skspec.preprocessing import QuadraticResampler, _resample
from skspec.utils import sdss_loglam


def _walks(n, m, seed=0, dtype=float):
    """Rough random walks: every pixel matters, the ends included."""
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.normal(size=(n, m)), axis=1).astype(dtype)


def _scipy(X, n_points):
    x = np.arange(X.shape[1])
    xnew = np.linspace(0, X.shape[1] - 1, n_points)
    return np.array([interp1d(x, row, kind="quadratic")(xnew) for row in X])


# Widths above and below the dense-inverse cut (128 pixels), up- and down-sampling.
@pytest.mark.parametrize("m, p", [(3522, 5000), (300, 451), (129, 64), (128, 200), (7, 4), (3, 10)])
def test_equals_scipy_quadratic_interp1d(m, p):
    X = _walks(6, m)
    out = QuadraticResampler(n_points=p).fit_transform(X)
    assert out.shape == (6, p)
    assert_allclose(out, _scipy(X, p), rtol=0, atol=1e-12 * np.abs(X).max())


def test_reproduces_quadratics_exactly():
    # A quadratic spline through samples of a parabola is that parabola,
    # which tests the boundary rows of the spline system.
    x = np.arange(500.0)
    X = np.stack([3.0 - 0.5 * x + 0.01 * x**2, 1.0 + 0 * x])
    xnew = np.linspace(0, 499, 777)
    out = QuadraticResampler(n_points=777).fit_transform(X)
    assert_allclose(out[0], 3.0 - 0.5 * xnew + 0.01 * xnew**2, rtol=1e-12)
    assert_allclose(out[1], 1.0, rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_identity_and_every_other_point_are_exact(dtype):
    X = _walks(4, 300, dtype=dtype)
    same = QuadraticResampler(n_points=300).fit_transform(X)
    assert_array_equal(same, X)
    assert not np.shares_memory(same, X)
    double = QuadraticResampler(n_points=599).fit_transform(X)
    assert double.dtype == dtype
    assert_array_equal(double[:, ::2], X)


def test_dtypes():
    X = _walks(3, 50)
    assert QuadraticResampler(60).fit_transform(X.astype(np.float32)).dtype == np.float32
    assert QuadraticResampler(60).fit_transform(X).dtype == np.float64
    out = QuadraticResampler(60).fit_transform(np.arange(100).reshape(2, 50))
    assert out.dtype == np.float64
    # float32 computation stays close to the float64 one.
    assert_allclose(
        QuadraticResampler(60).fit_transform(X.astype(np.float32)),
        QuadraticResampler(60).fit_transform(X),
        rtol=1e-5,
        atol=1e-5,
    )


def test_chunking_does_not_change_the_result(monkeypatch):
    X = _walks(50, 400)
    whole = QuadraticResampler(n_points=555).fit_transform(X)
    monkeypatch.setattr(_resample, "_CHUNK_ELEMENTS", 1000)  # two rows per chunk
    # Equal up to the rounding of BLAS, which blocks differently by row count.
    assert_allclose(QuadraticResampler(n_points=555).fit_transform(X), whole, rtol=1e-13)


def test_memory_stays_near_the_output_size():
    X = _walks(400, 3522, dtype=np.float32)
    resampler = QuadraticResampler(n_points=5000).fit(X)
    resampler.transform(X[:2])  # build the cached plan outside the measurement
    tracemalloc.start()
    out = resampler.transform(X)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # Output 8 MB; without chunking the float32 temporaries alone would be 3x that.
    assert peak < out.nbytes + 8 * 2**20, peak / 2**20


def test_transform_grid_follows_the_log_grid():
    resampler = QuadraticResampler()
    loglam = sdss_loglam()
    new = resampler.transform_grid(loglam)
    assert new.shape == (5000,)
    assert new[0] == loglam[0] and new[-1] == loglam[-1]
    assert_allclose(np.diff(new), (loglam[-1] - loglam[0]) / 4999)
    with pytest.raises(ValueError, match="evenly spaced"):
        resampler.transform_grid(10**loglam)


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[1.0, np.nan, 2.0, 3.0]]), "NaN"),
        (np.array([[1.0, np.inf, 2.0, 3.0]]), "infinity"),
        (np.ones(10), "Expected 2D array"),
        (np.ones((3, 2)), "at least 3 pixels.*got 2 feature"),
    ],
)
def test_bad_input_is_rejected(X, match):
    with pytest.raises(ValueError, match=match):
        QuadraticResampler().fit(X)
    with pytest.raises(ValueError, match=match):
        QuadraticResampler().transform(X)


def test_bad_parameters_and_width_are_rejected():
    with pytest.raises(ValueError, match="n_points"):
        QuadraticResampler(n_points=1).fit(np.ones((2, 5)))
    with pytest.raises(ValueError, match="n_points"):
        QuadraticResampler(n_points=10.5).fit(np.ones((2, 5)))
    resampler = QuadraticResampler(10).fit(np.ones((2, 5)))
    with pytest.raises(ValueError, match="X has 6 features, but QuadraticResampler is expecting 5"):
        resampler.transform(np.ones((2, 6)))


def test_stateless_contract_and_feature_names():
    X = _walks(8, 40)
    resampler = QuadraticResampler(n_points=30)
    unfitted = resampler.transform(X)
    assert_array_equal(resampler.fit(X).transform(X), unfitted)
    assert_array_equal(resampler.fit(X).fit(X).transform(X), unfitted)
    assert_array_equal(resampler.transform(X[3:5]), unfitted[3:5])
    assert_array_equal(pickle.loads(pickle.dumps(resampler)).transform(X), unfitted)
    names = resampler.get_feature_names_out()
    assert names[0] == "quadraticresampler0" and len(names) == 30
    frame = resampler.set_output(transform="pandas").fit_transform(X)
    assert frame.shape == (8, 30)


def test_in_pipeline_grid_search_and_cross_val():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 20)
    # Class 1 has a narrow bump the resampler must keep.
    X = rng.normal(scale=0.3, size=(40, 60)) + 1.0
    X[y == 1, 28:32] += 2.0
    pipe = Pipeline([("resample", QuadraticResampler()), ("clf", LogisticRegression())])
    search = GridSearchCV(pipe, {"resample__n_points": [10, 119]}, cv=3).fit(X, y)
    assert search.best_params_ == {"resample__n_points": 119}
    assert cross_val_score(pipe.set_params(resample__n_points=119), X, y, cv=3).min() == 1.0
