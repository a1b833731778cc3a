"""Bad-pixel handling shared by the generator, the loader and the estimators."""

from numbers import Integral, Real

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


def constant_end_runs(flux, min_run=4, rtol=1e-5):
    """Mask the runs of one repeated value at either end of each spectrum.

    A spectrum whose instrument did not cover both ends of the grid is often
    handed over with the missing ends held at the nearest observed value (the
    convention of :func:`interpolate_bad_pixels`) or set to zero. Either way
    the end is one value repeated, which no observed pixel run does (noise
    makes neighbouring fluxes differ), and it carries no information.

    Parameters
    ----------
    flux : array-like of shape (n_spectra, n_pixels)
        Finite flux.
    min_run : int >= 2, default=4
        Shortest run that counts; a shorter one (two equal pixels by chance
        in a quantised spectrum) is left alone.
    rtol : float >= 0, default=1e-5
        Pixels within ``rtol`` times the row's mean ``|flux|`` of the end
        pixel count as the same value, so that a held end stays one run
        after resampling or a change of float precision (round-off of order
        1e-7), while noise (1e-3 of the flux even at S/N 1000) never does.

    Returns
    -------
    mask : ndarray of bool, same shape
        True on the pixels of such runs. A run held at a non-zero value
        keeps its innermost pixel unmasked: that is the observed pixel whose
        value was held. A run of zeros is masked whole. A constant row is
        one run.

    Raises
    ------
    ValueError
        If ``flux`` is not 2-D or holds NaN or inf, or ``min_run`` or
        ``rtol`` is out of range.
    """
    if isinstance(min_run, bool) or not isinstance(min_run, Integral) or min_run < 2:
        raise ValueError(f"min_run must be an int >= 2, got {min_run!r}")
    if isinstance(rtol, bool) or not isinstance(rtol, Real) or not rtol >= 0:
        raise ValueError(f"rtol must be a number >= 0, got {rtol!r}")
    flux = np.asarray(flux)
    if flux.ndim != 2:
        raise ValueError(f"flux must be 2-D (n_spectra, n_pixels), got {flux.ndim} dimension(s)")
    if not np.isfinite(flux).all():
        raise ValueError("flux holds NaN or inf; mask those pixels first")
    n, m = flux.shape
    mask = np.zeros((n, m), dtype=bool)
    if m < 2 or n == 0:
        return mask
    idx = np.arange(m)
    tol = rtol * np.mean(np.abs(flux), axis=1, keepdims=True)
    # Length of the leading run: the first pixel differing from pixel 0.
    differs = np.abs(flux - flux[:, :1]) > tol
    lead = np.where(differs.any(axis=1), differs.argmax(axis=1), m)
    differs = np.abs(flux - flux[:, -1:]) > tol
    trail = np.where(differs.any(axis=1), differs[:, ::-1].argmax(axis=1), m)
    # Keep the innermost pixel of a held run (the observed one), not of zeros.
    lead_zero = np.abs(flux[:, 0]) <= tol[:, 0]
    trail_zero = np.abs(flux[:, -1]) <= tol[:, 0]
    lead_cut = np.where(lead >= min_run, lead - ~lead_zero, 0)
    # A constant row is one run: its leading run already covers it.
    trail_cut = np.where((trail >= min_run) & (lead < m), trail - ~trail_zero, 0)
    mask |= idx[None, :] < lead_cut[:, None]
    mask |= idx[None, :] >= (m - trail_cut)[:, None]
    return mask
