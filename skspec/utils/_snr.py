"""Signal-to-noise measures and the paper's S/N bins, shared by every layer."""

import functools
import itertools
import warnings

import numpy as np

from ._stats import row_median

#: Edges of the EMCCNN paper's S/N bins: 5-10, 10-15 and >15.
SNR_EDGES = (5.0, 10.0, 15.0)


def sdss_snr(flux, ivar):
    """S/N measured the SDSS way (``SN_MEDIAN_ALL``).

    The median of ``flux * sqrt(ivar)`` over the pixels with ``ivar > 0``.

    Parameters
    ----------
    flux, ivar : ndarray of shape (n_spectra, n_pixels)

    Returns
    -------
    snr : ndarray of shape (n_spectra,)
        NaN for a spectrum without any good pixel.
    """
    flux = np.asarray(flux, dtype=float)
    ivar = np.asarray(ivar, dtype=float)
    good = ivar > 0
    ratio = np.where(good, flux * np.sqrt(np.where(good, ivar, 0.0)), np.nan)
    out = np.full(ratio.shape[0], np.nan)
    has = good.any(axis=1)
    out[has] = np.nanmedian(ratio[has], axis=1)
    return out


def _finite_median(flux):
    """A per-row median: the fast exact one, or np.nanmedian (slower) when needed."""
    if np.isfinite(flux).all():
        return flux, row_median
    return np.where(np.isfinite(flux), flux, np.nan), functools.partial(np.nanmedian, axis=1)


def der_noise(flux):
    """Per-spectrum noise estimated from the flux alone (the DER_SNR noise).

    ``1.482602 / sqrt(6) * median(|2 f_i - f_{i-2} - f_{i+2}|)`` (Stoehr et al.
    2008), vectorised over the batch; non-finite pixels are ignored.

    Parameters
    ----------
    flux : ndarray of shape (n_spectra, n_pixels)
        At least 5 pixels per spectrum.

    Returns
    -------
    noise : ndarray of shape (n_spectra,)
    """
    flux = np.asarray(flux, dtype=float)
    if flux.ndim != 2 or flux.shape[1] < 5:
        raise ValueError("DER_SNR needs a 2-D array with at least 5 pixels per spectrum")
    flux, median = _finite_median(flux)
    second = np.abs(2.0 * flux[:, 2:-2] - flux[:, :-4] - flux[:, 4:])
    return 1.482602 / np.sqrt(6.0) * median(second)


def der_snr(flux):
    """S/N estimated from the flux alone (DER_SNR, Stoehr et al. 2008).

    ``median(flux) / der_noise(flux)``, vectorised over the batch.
    Non-finite pixels are ignored. Invariant to the flux scale.

    Parameters
    ----------
    flux : ndarray of shape (n_spectra, n_pixels)

    Returns
    -------
    snr : ndarray of shape (n_spectra,)
        0 for a spectrum whose noise estimate is zero and signal is zero;
        ``inf`` when only the noise estimate is zero (or at the rounding
        level of the signal, below about 1e-14 of it).
    """
    return _snr_from_noise(flux, der_noise(flux))


#: Noise below this fraction of the signal is float rounding (64 float64 epsilons).
_ROUNDING_NOISE = 64 * np.finfo(np.float64).eps


def _snr_from_noise(flux, noise):
    flux, median = _finite_median(np.asarray(flux, dtype=float))
    signal = median(flux)
    # A noise estimate at the rounding level of the signal (a noiseless or
    # piecewise-constant spectrum) measures float arithmetic, not noise, and
    # would change with the flux scale: it counts as zero.
    noise = np.where(noise <= _ROUNDING_NOISE * np.abs(signal), 0.0, noise)
    with np.errstate(divide="ignore", invalid="ignore"):
        snr = np.where(noise > 0, signal / noise, np.where(signal == 0, 0.0, np.inf))
    return snr


# DER_SNR compares each pixel with its neighbours two pixels away.
_MIN_DER_PIXELS = 5


def noise_estimate(flux):
    """Per-spectrum noise from the flux alone, for spectra of any width.

    The DER_SNR noise (:func:`der_noise`) for spectra of at least 5 pixels;
    narrower rows (not spectra, e.g. scikit-learn's generic test data) use
    the RMS of their finite flux. The one fallback shared by
    :class:`~skspec.preprocessing.SNRBinner` and
    :class:`~skspec.models.TemplateClassifier`.

    Parameters
    ----------
    flux : ndarray of shape (n_spectra, n_pixels)

    Returns
    -------
    noise : ndarray of shape (n_spectra,)
    """
    flux = np.asarray(flux, dtype=float)
    if flux.ndim == 2 and flux.shape[1] >= _MIN_DER_PIXELS:
        return der_noise(flux)
    if flux.ndim != 2:
        raise ValueError(f"flux must be a 2-D array, got {flux.ndim} dimension(s)")
    if np.isfinite(flux).all():
        return np.sqrt(np.mean(flux * flux, axis=1))
    squares = np.where(np.isfinite(flux), flux * flux, np.nan)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a row without a finite pixel
        return np.sqrt(np.nanmean(squares, axis=1))


def snr_estimate(flux):
    """S/N from the flux alone for spectra of any width: :func:`der_snr`'s
    ``median(flux) / noise`` with the noise of :func:`noise_estimate`."""
    return _snr_from_noise(flux, noise_estimate(flux))


def snr_bin_labels(edges=SNR_EDGES):
    """Names of the S/N bins: ``["<5", "5-10", "10-15", ">15"]`` for the default.

    Index ``i + 1`` of the returned list names bin ``i`` of
    :func:`snr_bin_index`; index 0 names the spectra below the first edge.
    """
    edges = [float(e) for e in edges]

    def fmt(v):
        return f"{v:g}"

    labels = [f"<{fmt(edges[0])}"]
    labels += [f"{fmt(a)}-{fmt(b)}" for a, b in itertools.pairwise(edges)]
    labels.append(f">{fmt(edges[-1])}")
    return labels


def snr_bin_index(snr, edges=SNR_EDGES):
    """Bin index of each S/N: ``-1`` below ``edges[0]``, then ``0`` to ``len(edges) - 1``.

    Bins are closed on the left: S/N 10 falls in "10-15". NaN S/N gets ``-1``.
    """
    edges = np.asarray(edges, dtype=float)
    if edges.ndim != 1 or edges.size < 1 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"S/N bin edges must be a strictly increasing sequence, got {edges}")
    snr = np.asarray(snr, dtype=float)
    idx = np.searchsorted(edges, snr, side="right") - 1
    return np.where(np.isnan(snr), -1, idx)


def snr_bin_label(snr, edges=SNR_EDGES):
    """Bin name ("5-10", ...) of each S/N, as an object array."""
    labels = np.asarray(snr_bin_labels(edges), dtype=object)
    return labels[snr_bin_index(snr, edges) + 1]
