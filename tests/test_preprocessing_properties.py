"""Property tests (hypothesis) of the preprocessing transformers."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal

from skspec.preprocessing import ContinuumNormalizer, Folder2D, QuadraticResampler, SNRBinner

# The CI machine is small and shared: no per-example deadline, few examples.
PROPERTY = settings(max_examples=40, deadline=None)

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def fold_cases(draw):
    height = draw(st.integers(1, 8))
    width = draw(st.integers(1, 8))
    n = draw(st.integers(1, 4))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int32]))
    X = draw(arrays(dtype, (n, height * width), elements=st.integers(-100, 100)))
    shape = draw(st.sampled_from([(height, width), (-1, width), (height, -1)]))
    return X, shape, (height, width)


@PROPERTY
@given(fold_cases())
def test_fold_round_trip(case):
    X, shape, (height, width) = case
    folder = Folder2D(shape=shape).fit(X)
    images = folder.transform(X)
    assert images.shape == (len(X), height, width)
    row, col = height - 1, width // 2
    assert_array_equal(images[:, row, col], X[:, row * width + col])
    back = folder.inverse_transform(images)
    assert back.dtype == X.dtype
    assert_array_equal(back, X)


@PROPERTY
@given(
    st.integers(3, 300),  # pixels; the fast path starts above 128
    st.integers(1, 4),  # output points per input interval
    st.sampled_from([np.float32, np.float64]),
    st.integers(0, 2**32 - 1),
)
def test_resampler_exact_at_the_original_points(m, factor, dtype, seed):
    X = np.random.default_rng(seed).normal(scale=100, size=(3, m)).astype(dtype)
    out = QuadraticResampler(n_points=factor * (m - 1) + 1).fit_transform(X)
    assert out.dtype == dtype
    assert_array_equal(out[:, ::factor], X)


@PROPERTY
@given(st.integers(3, 200), st.integers(2, 400), st.integers(0, 2**32 - 1))
def test_resampler_exact_wherever_points_coincide(m, p, seed):
    X = np.random.default_rng(seed).normal(size=(2, m))
    out = QuadraticResampler(n_points=p).fit_transform(X)
    j = np.arange(p)
    hit = j * (m - 1) % (p - 1) == 0
    assert_array_equal(out[:, hit], X[:, j[hit] * (m - 1) // (p - 1)])
    # Values in between stay within a generous bound of the data's range.
    span = np.ptp(X, axis=1, keepdims=True)
    assert np.all(np.abs(out - X.mean(axis=1, keepdims=True)) <= 3 * span + 1e-12)


@PROPERTY
@given(
    arrays(np.float64, (3, 40), elements=st.floats(0.5, 2.0)),
    st.integers(-30, 30),
    st.floats(1e-6, 1e6),
)
def test_snr_estimate_is_scale_invariant(X, power, scale):
    binner = SNRBinner().fit(X)
    snr = binner.estimate_snr(X)
    # A power of two scales every value exactly: the estimate and the bins are unchanged.
    assert_array_equal(binner.estimate_snr(X * 2.0**power), snr)
    assert_array_equal(binner.transform(X * 2.0**power), binner.transform(X))
    assert_allclose(binner.estimate_snr(X * scale), snr, rtol=1e-9)


@PROPERTY
@given(
    arrays(np.float64, (3, 60), elements=st.floats(-0.5, 3.0)).filter(
        lambda X: np.all(np.median(X, axis=1) > 0.05)
    ),
    st.floats(1e-6, 1e6),
    st.sampled_from(["median", "log_median", "running_median", "polynomial"]),
)
def test_continuum_normalisation_is_scale_invariant(X, scale, method):
    est = ContinuumNormalizer(method=method, window=11, degree=2)
    assert_allclose(est.fit_transform(X * scale), est.fit_transform(X), rtol=1e-9, atol=1e-9)


@st.composite
def positive_spectra(draw):
    """Smooth positive spectra on the SDSS grid: a random slope, bands and noise."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(1, 3))
    x = np.linspace(0, 1, 3522)
    slope = rng.uniform(0.2, 3.0, (n, 1))
    bands = 1 - rng.uniform(0, 0.6, (n, 1)) * (np.sin(25 * x) > 0.7)
    return (1 + slope * x) * bands * rng.uniform(0.9, 1.1, (n, 3522))


@settings(max_examples=15, deadline=None)
@given(positive_spectra(), st.integers(-30, 30), st.floats(1e-6, 1e6))
def test_index_values_are_scale_invariant(X, power, scale):
    from skspec.preprocessing import index_subtype, measure_indices

    def indices(flux):
        return np.column_stack(list(measure_indices(flux, as_frame=False).values()))

    ref = indices(X)
    assert_array_equal(indices(X * 2.0**power), ref)
    assert_allclose(indices(X * scale), ref, rtol=1e-9)
    # the out-of-scope subtype and its error too (ivar scales as flux**-2)
    ivar = np.full_like(X, 400.0)
    s, e = index_subtype(X, ivar)
    s2, e2 = index_subtype(X * scale, ivar / scale**2)
    assert_allclose(s2, s, rtol=1e-9, atol=1e-9)
    assert_allclose(e2, e, rtol=1e-6)
