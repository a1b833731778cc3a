"""The fast per-row median must equal numpy's to the bit (noise estimates, normalisation)."""

import numpy as np
import pytest

from skspec.utils._stats import row_median


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [2, 3, 4, 5, 10, 3522, 4997, 4996])
def test_row_median_equals_numpy(dtype, n):
    rng = np.random.default_rng(n)
    a = rng.normal(size=(6, n)).astype(dtype)
    a[0] = np.round(a[0], 1)  # ties
    a[1] = 1.0  # constant row
    got = row_median(a)
    expected = np.median(a, axis=1)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_row_median_does_not_touch_its_input():
    a = np.random.default_rng(0).normal(size=(3, 100))
    before = a.copy()
    row_median(a)
    np.testing.assert_array_equal(a, before)


def test_row_median_propagates_nan_like_numpy():
    a = np.arange(12.0).reshape(3, 4)
    a[1, 2] = np.nan
    np.testing.assert_array_equal(row_median(a), np.median(a, axis=1))
    assert np.isnan(row_median(a)[1])
