"""Bad-pixel handling shared by the generator, the loader and the estimators."""

import numpy as np


def interpolate_bad_pixels(flux, bad):
    """Replace bad pixels by linear interpolation between good neighbours.

    Vectorised over the whole batch: the nearest good pixel on each side of
    every pixel comes from one running maximum (and one running minimum) along
    the rows; runs touching an edge take the nearest good value. Spectra with
    no good pixel at all are returned as zeros. The arithmetic is that of
    :func:`numpy.interp` (float64, ``slope * (x - x0) + y0``), so the filled
    values equal those of an ``np.interp`` call on each spectrum.

    Parameters
    ----------
    flux : ndarray of shape (n_spectra, n_pixels)
        Flux; values at bad pixels are ignored (they may be NaN or inf).
    bad : ndarray of bool, same shape
        True where a pixel must not be trusted.

    Returns
    -------
    filled : ndarray, same shape and dtype as ``flux``
    """
    flux = np.asarray(flux)
    bad = np.asarray(bad, dtype=bool) | ~np.isfinite(flux)
    out = flux.copy()
    n_pixels = flux.shape[1]
    flat_bad = bad.ravel()
    bad_at = np.flatnonzero(flat_bad)
    if bad_at.size == 0:
        return out
    good_at = np.flatnonzero(~flat_bad)
    row_start = bad_at - bad_at % n_pixels
    # The good pixels before and after each bad one, in its own spectrum.
    j = np.searchsorted(good_at, bad_at)
    p = good_at[np.maximum(j - 1, 0)] if good_at.size else np.zeros_like(bad_at)
    q = good_at[np.minimum(j, good_at.size - 1)] if good_at.size else np.zeros_like(bad_at)
    has_prev = (j > 0) & (p >= row_start)
    has_next = (j < good_at.size) & (q < row_start + n_pixels)
    values = flux.ravel()
    y0 = values[p].astype(np.float64)
    y1 = values[q].astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        slope = (y1 - y0) / (q - p)
        between = slope * (bad_at - p) + y0
    # Edge runs: the nearest good value; no good pixel at all: 0.
    filled = np.where(has_prev & has_next, between, np.where(has_prev, y0, y1))
    filled[~has_prev & ~has_next] = 0
    out.ravel()[bad_at] = filled
    return out
