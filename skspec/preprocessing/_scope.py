"""Is this spectrum an M0-M4 dwarf at all? An out-of-scope score from molecular bands.

Every classifier in skspec answers with one of the classes it was trained
on, so a K star, an A star or an L dwarf fed to an M0-M4 model still gets
"M0" or "M4", often with a high probability. The out-of-scope score asks the
spectrum itself, independently of any model: it estimates a continuous
subtype from the depths of the TiO and CaH bands and measures how far it
lies outside the model's range, in subtypes.
"""

import numpy as np
import pandas as pd

from ..utils import der_noise
from ..utils._validation import check_ivar
from ._indices import _indices_from_means, index_weights

#: ``subtype = c0 + c1 * TiO5 + c2 * (CaH2 + CaH3)`` (M0 = 0, M4 = 4). Least
#: squares on 3000 spectra of ``make_mdwarf_spectra(snr=(30, 60),
#: random_state=5, photosphere="physical")`` against their continuous true
#: subtype (residual 0.30 subtypes); tests/test_scope.py checks the constants
#: against that refit (a snapshot of the recipe, not a validation). On the 20
#: Kesseli et al. (2017) SDSS templates of M0-M4 (all [Fe/H] bins, the
#: generator's tuning target) it gives the template's subtype within 0.5 for
#: 15 of 20, largest error 0.81 (M3, [Fe/H] = -1.0). On the independent
#: Bochanski et al. (2007) library it reads M0-M4 0.4-0.8 subtype late
#: (that library's type scale sits up to half a subtype later than
#: Kesseli's). tests/test_scope.py checks both figures.
INDEX_SUBTYPE_COEF = (9.133, -6.999, -1.679)

#: Scatter of the relation itself (subtypes), on generated spectra at high S/N.
INTRINSIC_SCATTER = 0.30

_INDICES = ("TiO5", "CaH2", "CaH3")


def _typical_variance(ivar, good, in_windows):
    """Median variance of the good pixels per spectrum, shape (n_spectra, 1).

    Only where it matters: a spectrum with a bad pixel inside an index window
    (the pixels ``in_windows``) or with no good pixel at all (inf then).
    Elsewhere the value meets only good window pixels and 0 is returned. The
    median is numpy's, spectrum by spectrum, so the values equal a
    ``nanmedian`` over the whole batch.
    """
    typical = np.zeros((len(ivar), 1))
    needed = np.flatnonzero(~good[:, in_windows].all(axis=1) | ~good.any(axis=1))
    for row in needed:
        values = 1.0 / ivar[row, good[row]]
        typical[row] = np.median(values) if values.size else np.inf
    return typical


def index_subtype(flux, ivar=None, *, wavelength=None):
    """Continuous M subtype from the TiO5, CaH2 and CaH3 band indices, with its error.

    Parameters
    ----------
    flux : array-like of shape (n_spectra, n_pixels)
        Spectra on ``wavelength`` (any flux scale).
    ivar : array-like of shape (n_spectra, n_pixels), default=None
        Inverse variances; 0 marks a bad pixel. When None, the per-spectrum
        DER_SNR noise is used for every pixel.
    wavelength : None, "span" or array-like, default=None
        As for :func:`~skspec.preprocessing.measure_indices` (None: the SDSS
        3522-pixel grid).

    Returns
    -------
    subtype : ndarray of shape (n_spectra,)
        0 for M0 ... 4 for M4; about -1.2 for stars without TiO or CaH bands
        (K and earlier), above 4.5 for later M and L dwarfs.
    error : ndarray of shape (n_spectra,)
        1-sigma measurement error from the noise (linear propagation; the
        scatter of the relation, ``INTRINSIC_SCATTER``, is not included).
    """
    flux = np.asarray(flux, dtype=np.float64)
    if flux.ndim != 2:
        raise ValueError(f"flux must be 2-D (n_spectra, n_pixels), got shape {flux.shape}")
    weights, ratios = index_weights(wavelength, _INDICES, flux.shape[1])
    # Only the few pixels inside the index windows (52 of the 3522 SDSS ones)
    # carry weight: the sums run over them alone.
    in_windows = np.flatnonzero(np.any(weights != 0, axis=1))
    weights = weights[in_windows]
    if ivar is None:
        var = np.broadcast_to(der_noise(flux)[:, None] ** 2, (len(flux), in_windows.size))
    else:
        ivar = check_ivar(ivar, flux, name="flux")
        good = ivar > 0
        ivar_w, good_w = ivar[:, in_windows], good[:, in_windows]
        var = 1.0 / np.where(good_w, ivar_w, 1.0)
        # A filled bad pixel knows nothing: give it four times the typical variance.
        var = np.where(good_w, var, 4 * _typical_variance(ivar, good, in_windows))
    means = flux[:, in_windows] @ weights
    mean_var = var @ weights**2
    values = _indices_from_means(means, ratios, _INDICES)
    num, den = means[:, 0::2], means[:, 1::2]
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = mean_var[:, 0::2] / num**2 + mean_var[:, 1::2] / den**2
    order = [ratios.index(name) for name in _INDICES]
    idx_var = values**2 * rel[:, order]
    c0, c1, c2 = INDEX_SUBTYPE_COEF
    subtype = c0 + c1 * values[:, 0] + c2 * (values[:, 1] + values[:, 2])
    error = np.sqrt(c1**2 * idx_var[:, 0] + c2**2 * (idx_var[:, 1] + idx_var[:, 2]))
    return subtype, error


def out_of_scope_score(flux, ivar=None, *, wavelength=None, subtype_range=(0, 4), threshold=0.5):
    """How far outside M0-M4 a spectrum lies, from its own molecular bands.

    The score is the distance in subtypes between :func:`index_subtype` and
    the range ``subtype_range`` widened by half a subtype on each side
    (M0-0.5 ... M4+0.5); 0 inside. A spectrum is flagged out of scope when
    the score exceeds ``threshold`` (together with the widening, one subtype
    beyond the range: over three times the relation's own scatter of
    ``INTRINSIC_SCATTER``) **and** twice its noise error, so that a noisy M0
    is not thrown out for a noisy index.

    Parameters
    ----------
    flux : array-like of shape (n_spectra, n_pixels)
    ivar : array-like of shape (n_spectra, n_pixels), default=None
        See :func:`index_subtype`.
    wavelength : None, "span" or array-like, default=None
    subtype_range : (float, float), default=(0, 4)
        Subtypes the model covers (M0 = 0).
    threshold : float, default=0.5
        Score (subtypes) above which a significant excursion is flagged.

    Returns
    -------
    scope : pandas.DataFrame
        ``index_subtype``, ``index_subtype_err`` (noise only),
        ``out_of_scope_score`` (subtypes outside the range, >= 0) and
        ``out_of_scope`` (bool).

    Notes
    -----
    Stars of type K and earlier have no TiO or CaH bands: their index subtype
    piles up at about -1.2, some 0.7 subtypes outside the widened range.
    On the shared real SDSS spectra (BENCHMARKS.md) the B2, F4, G8 and K2
    controls (SDSS: A9, F3/F5, G8, K0) score 0.59-0.91 and are flagged; the
    M1, M2 and M4 dwarfs score 0-0.17 (tests/test_scope.py).
    Late K dwarfs (K5-K7, index subtype -1 to -0.5) and M5 dwarfs sit at the
    edges and are flagged only partly. A spectrum with too little signal is
    never flagged (its uncertainty is too large); ``skspec predict`` flags it
    ``low_snr`` instead.

    Examples
    --------
    >>> from skspec.datasets import make_mdwarf_spectra
    >>> from skspec.preprocessing import out_of_scope_score
    >>> ds = make_mdwarf_spectra(20, snr=(30, 40), random_state=0)
    >>> scope = out_of_scope_score(ds.data, ds.ivar)
    >>> int(scope["out_of_scope"].sum())
    0
    """
    subtype, error = index_subtype(flux, ivar, wavelength=wavelength)
    lo, hi = subtype_range
    score = np.clip(np.maximum(lo - 0.5 - subtype, subtype - hi - 0.5), 0, None)
    score = np.where(np.isfinite(subtype), score, np.nan)
    with np.errstate(invalid="ignore"):
        flagged = (score > threshold) & (score > 2 * error)
    return pd.DataFrame(
        {
            "index_subtype": subtype,
            "index_subtype_err": error,
            "out_of_scope_score": score,
            "out_of_scope": flagged,
        }
    )
