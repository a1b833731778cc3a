"""Bad-pixel handling shared by the generator, the loader and the estimators."""

import numpy as np


def interpolate_bad_pixels(flux, bad):
    """Replace bad pixels by linear interpolation between good neighbours.

    Vectorised over the whole batch: the spectra are laid end to end and one
    ``np.interp`` call fills every gap; runs touching an edge take the nearest
    good value. Spectra with no good pixel at all are returned as zeros.

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
    if not bad.any():
        return flux.copy()
    n, m = flux.shape
    out = flux.copy()
    good = ~bad
    # Position along a 1-D axis where each spectrum lives in its own segment
    # separated by a gap wider than one spectrum, so that interpolation never
    # borrows a value from the neighbouring spectrum.
    pos = (np.arange(n)[:, None] * (3 * m) + np.arange(m)[None, :]).astype(float)
    has_good = good.any(axis=1)
    # Edge runs take the nearest good value: add per-spectrum anchor points.
    first = np.argmax(good, axis=1)
    last = m - 1 - np.argmax(good[:, ::-1], axis=1)
    rows = np.flatnonzero(has_good)
    anchor_x = np.concatenate([pos[rows, 0] - 1, pos[rows, -1] + 1])
    anchor_y = np.concatenate([flux[rows, first[rows]], flux[rows, last[rows]]])
    xp = np.concatenate([pos[good], anchor_x])
    fp = np.concatenate([flux[good].astype(float), anchor_y.astype(float)])
    order = np.argsort(xp, kind="stable")
    fill = bad & has_good[:, None]
    out[fill] = np.interp(pos[fill], xp[order], fp[order])
    out[~has_good] = 0
    return out
