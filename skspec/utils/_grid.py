"""The SDSS log-linear wavelength grid and conversions onto it.

SDSS and BOSS coadds are sampled on ``log10(lambda) = 3.5 + n * 1e-4`` (vacuum
Angstrom). The EMCCNN paper keeps the 3522 pixels from 4000 to 9000 A, i.e.
``loglam = 3.6021 ... 3.9542``; real files then map onto this grid by integer
index, without interpolation.
"""

import numpy as np

#: log10 of the first wavelength of the paper's grid (vacuum Angstrom).
LOGLAM0 = 3.6021
#: Step of the grid in dex (one pixel is 69.03 km/s).
DLOGLAM = 1e-4
#: Number of pixels of the paper's grid (4000-9000 A).
N_PIXELS = 3522
#: Speed of light in km/s.
C_KMS = 299792.458


def sdss_loglam(n_pixels=N_PIXELS, loglam0=LOGLAM0):
    """Return log10 vacuum wavelengths of the SDSS grid.

    Parameters
    ----------
    n_pixels : int, default=3522
        Number of pixels.
    loglam0 : float, default=3.6021
        log10 of the first wavelength.

    Returns
    -------
    loglam : ndarray of shape (n_pixels,)
    """
    # Round to the grid's own precision so that real files match by index.
    return np.round(loglam0 + DLOGLAM * np.arange(n_pixels), 4)


def sdss_wavelength(n_pixels=N_PIXELS, loglam0=LOGLAM0):
    """Return vacuum wavelengths (Angstrom) of the SDSS grid.

    Parameters
    ----------
    n_pixels : int, default=3522
        Number of pixels.
    loglam0 : float, default=3.6021
        log10 of the first wavelength.

    Returns
    -------
    wavelength : ndarray of shape (n_pixels,)
    """
    return 10.0 ** sdss_loglam(n_pixels, loglam0)


def vacuum_to_air(wavelength):
    """Convert vacuum wavelengths (Angstrom) to air (Morton 2000, IAU standard).

    Parameters
    ----------
    wavelength : array-like
        Vacuum wavelengths in Angstrom.

    Returns
    -------
    ndarray
        Air wavelengths in Angstrom.
    """
    wavelength = np.asarray(wavelength, dtype=float)
    s2 = (1e4 / wavelength) ** 2
    n = 1 + 0.0000834254 + 0.02406147 / (130 - s2) + 0.00015998 / (38.9 - s2)
    return wavelength / n


def air_to_vacuum(wavelength):
    """Convert air wavelengths (Angstrom) to vacuum (Morton 2000 inverse).

    Parameters
    ----------
    wavelength : array-like
        Air wavelengths in Angstrom.

    Returns
    -------
    ndarray
        Vacuum wavelengths in Angstrom.
    """
    wavelength = np.asarray(wavelength, dtype=float)
    s2 = (1e4 / wavelength) ** 2
    n = (
        1
        + 0.00008336624212083
        + 0.02408926869968 / (130.1065924522 - s2)
        + 0.0001599740894897 / (38.92568793293 - s2)
    )
    return wavelength * n


def rebin_to_grid(loglam, flux, weights=None, grid_loglam=None):
    """Average a finely sampled spectrum into the pixels of a log grid.

    Each output pixel is the (weighted) mean of the input samples whose
    ``loglam`` falls within half a step of the pixel centre; this conserves
    mean flux density, as co-adding does. Pixels without samples are NaN.

    Parameters
    ----------
    loglam : array-like of shape (n_samples,)
        log10 wavelengths of the input samples, increasing.
    flux : array-like of shape (n_samples,) or (n_spectra, n_samples)
        Flux samples.
    weights : array-like of the same shape as ``flux``, default=None
        Optional weights (e.g. inverse variances).
    grid_loglam : array-like of shape (n_pixels,), default=None
        Target grid; the paper's 3522-pixel grid when None.

    Returns
    -------
    rebinned : ndarray of shape (n_pixels,) or (n_spectra, n_pixels)
    """
    grid = sdss_loglam() if grid_loglam is None else np.asarray(grid_loglam)
    loglam = np.asarray(loglam, dtype=float)
    flux = np.asarray(flux, dtype=float)
    step = grid[1] - grid[0]
    idx = np.floor((loglam - grid[0]) / step + 0.5).astype(np.int64)
    inside = (idx >= 0) & (idx < grid.size)
    w = np.ones_like(flux) if weights is None else np.asarray(weights, float)
    flat = flux.reshape(-1, flux.shape[-1])
    wflat = np.broadcast_to(w, flux.shape).reshape(-1, flux.shape[-1])
    out = np.empty((flat.shape[0], grid.size))
    for row, (f, ww) in enumerate(zip(flat, wflat)):  # rows are few (templates)
        num = np.bincount(idx[inside], (f * ww)[inside], minlength=grid.size)
        den = np.bincount(idx[inside], ww[inside], minlength=grid.size)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[row] = np.where(den > 0, num / den, np.nan)
    return out.reshape(flux.shape[:-1] + (grid.size,))
