"""Classical M dwarf spectral indices (TiO5, CaH1-3, VO1, PC3) and zeta."""

import functools

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..datasets._physics import INDEX_WINDOWS, TIO5_SOLAR_POLY
from ..utils import DLOGLAM, LOGLAM0, N_PIXELS, air_to_vacuum, sdss_wavelength
from ..utils._sklearn_compat import StrOptions, validate_params
from ..utils._validation import validate_spectra

#: Names accepted in ``indices``.
INDEX_NAMES = tuple(INDEX_WINDOWS) + ("zeta",)
DEFAULT_INDICES = ("TiO5", "CaH1", "CaH2", "CaH3", "VO1", "PC3", "zeta")
_ZETA_NEEDS = ("TiO5", "CaH2", "CaH3")


def _check_indices(indices):
    if isinstance(indices, str) or not isinstance(indices, (list, tuple)):
        raise TypeError(f"indices must be a list or tuple of index names, got {indices!r}")
    if len(indices) == 0:
        raise ValueError("indices must name at least one index")
    unknown = [name for name in indices if name not in INDEX_NAMES]
    if unknown:
        raise ValueError(f"unknown index name(s) {unknown}; choose among {list(INDEX_NAMES)}")
    if len(set(indices)) != len(indices):
        raise ValueError(f"indices contains duplicates: {list(indices)}")
    return tuple(indices)


def _check_wavelength(wavelength, n_features=None):
    """Return ``(wave, edges)``: pixel centres and the n + 1 pixel boundaries.

    ``None`` is the SDSS grid (exactly 3522 pixels); ``"span"`` samples the
    same 4000-9000 A span log-uniformly with ``n_features`` pixels (what
    :class:`~skspec.preprocessing.QuadraticResampler` outputs); otherwise an
    explicit increasing array of vacuum wavelengths.
    """
    if isinstance(wavelength, str):
        if wavelength != "span":
            raise ValueError(f"wavelength must be None, 'span' or an array, got {wavelength!r}")
        if n_features is None:
            n_features = N_PIXELS
        first, last = LOGLAM0, LOGLAM0 + (N_PIXELS - 1) * DLOGLAM
        step = (last - first) / max(n_features - 1, 1)
        loglam = (
            np.linspace(first, last, n_features)
            if n_features > 1
            else np.array([(first + last) / 2])
        )
        half = step / 2 if n_features > 1 else (last - first) / 2 + DLOGLAM / 2
        edges = np.concatenate([loglam - half, [loglam[-1] + half]])
        return 10.0**loglam, 10.0**edges
    if wavelength is None:
        wave = sdss_wavelength()
        if n_features is not None and n_features != wave.size:
            raise ValueError(
                f"X has {n_features} features but spectral indices need spectra on a "
                f"wavelength grid: the default is the SDSS grid of {wave.size} pixels "
                "(4000-9000 A vacuum); pass wavelength='span' for spectra resampled over "
                "the same span, or an array for any other grid"
            )
    else:
        wave = np.asarray(wavelength, dtype=float)
        if wave.ndim != 1 or wave.size < 2:
            raise ValueError(
                f"wavelength must be a 1-D array of at least 2 values, got shape {wave.shape}"
            )
        if not np.all(np.isfinite(wave)) or np.any(np.diff(wave) <= 0) or wave[0] <= 0:
            raise ValueError("wavelength must be finite, positive and strictly increasing")
        if n_features is not None and n_features != wave.size:
            raise ValueError(f"X has {n_features} features but wavelength has {wave.size} values")
    # Geometric midpoints: exact pixel boundaries of a log-linear grid.
    mid = np.sqrt(wave[:-1] * wave[1:])
    edges = np.concatenate([[wave[0] ** 2 / mid[0]], mid, [wave[-1] ** 2 / mid[-1]]])
    return wave, edges


def _window_weights(edges, windows_air, label):
    """Weights (n_pixels,) averaging the flux density over air windows.

    Each pixel counts in proportion to its overlap (in Angstrom) with the
    window converted to vacuum, so the mean of a piecewise-constant spectrum
    is exact whatever the pixel size; several windows are averaged with equal
    weight (the mean of per-window means).
    """
    total = np.zeros(edges.size - 1)
    for lo_air, hi_air in windows_air:
        lo, hi = air_to_vacuum([lo_air, hi_air])
        if lo < edges[0] or hi > edges[-1]:
            raise ValueError(
                f"{label}: window {lo_air:g}-{hi_air:g} A (air) lies outside the wavelength "
                f"grid {edges[0]:.1f}-{edges[-1]:.1f} A (vacuum)"
            )
        overlap = np.clip(np.minimum(edges[1:], hi) - np.maximum(edges[:-1], lo), 0, None)
        total += overlap / overlap.sum()
    return total / len(windows_air)


def index_weights(wavelength=None, indices=DEFAULT_INDICES, n_features=None):
    """Return the matrix that turns spectra into window means.

    Parameters
    ----------
    wavelength : None, "span" or array-like of shape (n_pixels,), default=None
        Vacuum wavelengths (Angstrom) of the pixels; the SDSS 3522-pixel grid
        when None; the SDSS 4000-9000 A span sampled log-uniformly with
        ``n_features`` pixels when ``"span"``.
    indices : sequence of str
        Index names, among ``INDEX_NAMES``.
    n_features : int, default=None
        Number of pixels, checked against the grid (needed for ``"span"``).

    Returns
    -------
    weights : ndarray of shape (n_pixels, 2 * n_ratio)
        Columns come in (numerator, denominator) pairs, one pair per ratio
        index needed (zeta needs TiO5, CaH2 and CaH3). Read-only on the
        named grids (None and ``"span"``): computed once and shared.
    ratios : list of str
        The ratio index of each pair.
    """
    indices = _check_indices(indices)
    if wavelength is None or isinstance(wavelength, str):  # a named grid: computed once
        weights, ratios = _named_grid_weights(wavelength, tuple(indices), n_features)
        return weights, list(ratios)
    return _index_weights(wavelength, indices, n_features)


@functools.lru_cache(maxsize=32)
def _named_grid_weights(wavelength, indices, n_features):
    """:func:`_index_weights` on a named grid, cached; the arrays are read-only."""
    weights, ratios = _index_weights(wavelength, indices, n_features)
    weights.setflags(write=False)
    return weights, tuple(ratios)


def _index_weights(wavelength, indices, n_features):
    _, edges = _check_wavelength(wavelength, n_features)
    ratios = [
        name
        for name in INDEX_WINDOWS
        if name in indices or ("zeta" in indices and name in _ZETA_NEEDS)
    ]
    cols = []
    for name in ratios:
        num, den = INDEX_WINDOWS[name]
        cols.append(_window_weights(edges, num, f"{name} numerator"))
        cols.append(_window_weights(edges, den, f"{name} denominator"))
    return np.column_stack(cols), ratios


def zeta_from_indices(tio5, cah2, cah3):
    """Lepine et al. (2007) zeta = (1 - TiO5) / (1 - [TiO5]_sun(CaH2 + CaH3)).

    Parameters
    ----------
    tio5, cah2, cah3 : array-like
        Index values.

    Returns
    -------
    ndarray
        About 1 for solar metallicity, below 0.825 for subdwarfs. NaN where
        ``[TiO5]_sun`` is 1 (no CaH absorption, outside the calibration).
    """
    c = np.asarray(cah2, dtype=float) + np.asarray(cah3, dtype=float)
    tio5_sun = np.polyval(TIO5_SOLAR_POLY, c)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (1.0 - np.asarray(tio5, dtype=float)) / (1.0 - tio5_sun)
    return np.where(np.isfinite(out), out, np.nan)


def _indices_from_means(means, ratios, indices):
    num, den = means[:, 0::2], means[:, 1::2]
    with np.errstate(divide="ignore", invalid="ignore"):
        values = num / den
    values = np.where(np.isfinite(values), values, np.nan)
    cols = {name: values[:, i] for i, name in enumerate(ratios)}
    if "zeta" in indices:
        cols["zeta"] = zeta_from_indices(cols["TiO5"], cols["CaH2"], cols["CaH3"])
    return np.column_stack([cols[name] for name in indices])


def measure_indices(flux, wavelength=None, indices=DEFAULT_INDICES, *, as_frame=True):
    """Measure M dwarf spectral indices on a batch of spectra.

    Each ratio index is the mean flux density over its numerator window
    divided by the mean over its denominator window(s), windows defined in air
    (Reid et al. 1995; Hawley et al. 2002) and converted to vacuum. Window
    means use fractional pixel overlaps, so the result is exact for a
    piecewise-constant spectrum and invariant to the flux scale.

    Parameters
    ----------
    flux : array-like of shape (n_spectra, n_pixels) or (n_pixels,)
        Flux on the grid ``wavelength``; must be finite (fill bad pixels
        first, e.g. with :func:`skspec.utils.interpolate_bad_pixels`).
    wavelength : None, "span" or array-like of shape (n_pixels,), default=None
        Vacuum wavelengths in Angstrom. None: the SDSS 3522-pixel grid.
        ``"span"``: the same 4000-9000 A span sampled log-uniformly with
        ``n_pixels`` pixels (e.g. after ``QuadraticResampler``).
    indices : sequence of str, default=("TiO5", "CaH1", "CaH2", "CaH3", "VO1", "PC3", "zeta")
        Which indices to measure; ``"zeta"`` is the Lepine et al. (2007)
        TiO/CaH metallicity parameter.
    as_frame : bool, default=True
        Return a :class:`pandas.DataFrame` (one column per index); a dict of
        arrays otherwise.

    Returns
    -------
    DataFrame or dict
        Index values, NaN where a denominator is zero.

    See Also
    --------
    SpectralIndices : The same as a scikit-learn transformer.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.preprocessing import measure_indices
    >>> measure_indices(np.ones((1, 3522)), indices=("TiO5", "CaH2"))
       TiO5  CaH2
    0   1.0   1.0
    """
    indices = _check_indices(indices)
    flux = np.asarray(flux, dtype=float)
    if flux.ndim == 1:
        flux = flux[None, :]
    if flux.ndim != 2:
        raise ValueError(f"flux must be 1-D or 2-D, got shape {flux.shape}")
    if not np.all(np.isfinite(flux)):
        raise ValueError("flux contains NaN or infinite values; fill bad pixels first")
    weights, ratios = index_weights(wavelength, indices, flux.shape[1])
    values = _indices_from_means(flux @ weights, ratios, indices)
    out = {name: values[:, i] for i, name in enumerate(indices)}
    return pd.DataFrame(out) if as_frame else out


class SpectralIndices(TransformerMixin, BaseEstimator):
    """Turn spectra into classical M dwarf spectral indices.

    Computes TiO5, CaH1, CaH2, CaH3 (Reid et al. 1995), VO1, PC3 (Hawley et
    al. 2002) and the metallicity parameter zeta (Lepine et al. 2007): the
    features astronomers type M dwarfs with, as a cheap baseline or as extra
    features beside a network. Window means are one matrix product,
    ``X @ weights_``, with pixel weights from the exact overlap of each pixel
    with each window (air windows converted to vacuum).

    Parameters
    ----------
    wavelength : None, "span" or array-like of shape (n_features,), default=None
        Vacuum wavelengths (Angstrom) of the input pixels. None means the
        SDSS grid ``loglam = 3.6021 + 1e-4 i`` of 3522 pixels (4000-9000 A),
        the grid of :func:`skspec.datasets.make_mdwarf_spectra`; other widths
        are rejected. ``"span"`` means the same 4000-9000 A span sampled
        log-uniformly with however many pixels ``X`` has, the output grid of
        :class:`~skspec.preprocessing.QuadraticResampler` (5000 points in the
        paper); windows narrower than a pixel then take that pixel's value.
    indices : tuple of str, default=("TiO5", "CaH1", "CaH2", "CaH3", "VO1", "PC3", "zeta")
        Indices to compute, in output order.

    Attributes
    ----------
    n_features_in_ : int
        Number of pixels seen in :meth:`fit`.
    indices_ : tuple of str
        The indices computed, in output order.
    wavelength_ : ndarray of shape (`n_features_in_`,)
        The wavelength grid in use.
    weights_ : ndarray of shape (`n_features_in_`, n_windows)
        Window-mean weights, columns in (numerator, denominator) pairs.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the input columns, when ``X`` has string column names.

    See Also
    --------
    measure_indices : Function form, returning a DataFrame.
    skspec.datasets.make_mdwarf_spectra : Spectra on the default grid.

    Notes
    -----
    The indices are ratios of window means, hence invariant to the flux
    scale. Input must be finite: fill bad pixels first. A ratio with a zero
    denominator is returned as NaN. The windows must lie inside the grid:
    ``fit`` raises otherwise.

    References
    ----------
    Reid, Hawley & Gizis 1995, AJ 110, 1838; Hawley et al. 2002, AJ 123,
    3409; Lepine, Rich & Shara 2007, ApJ 669, 1235.

    Examples
    --------
    >>> from skspec.datasets import make_mdwarf_spectra
    >>> from skspec.preprocessing import SpectralIndices
    >>> X, y = make_mdwarf_spectra(10, random_state=0, return_X_y=True)
    >>> SpectralIndices(indices=("TiO5", "CaH2")).fit_transform(X).shape
    (10, 2)
    """

    _parameter_constraints = {
        "wavelength": ["array-like", None, StrOptions({"span"})],
        "indices": [list, tuple],
    }

    def __init__(self, wavelength=None, indices=DEFAULT_INDICES):
        self.wavelength = wavelength
        self.indices = indices

    def fit(self, X, y=None):
        """Check the grid and precompute the window weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Spectra on the grid ``wavelength``.
        y : None
            Ignored.

        Returns
        -------
        self : SpectralIndices
        """
        validate_params(self)
        self.indices_ = _check_indices(self.indices)
        X = validate_spectra(self, X, dtype=[np.float64, np.float32])
        self.wavelength_, _ = _check_wavelength(self.wavelength, X.shape[1])
        self.weights_, self._ratios = index_weights(self.wavelength, self.indices_, X.shape[1])
        return self

    def transform(self, X):
        """Measure the indices.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Spectra on the fitted grid; finite values.

        Returns
        -------
        X_new : ndarray of shape (n_samples, len(indices))
        """
        check_is_fitted(self)
        X = validate_spectra(self, X, dtype=[np.float64, np.float32], reset=False)
        means = X.astype(np.float64, copy=False) @ self.weights_
        return _indices_from_means(means, self._ratios, self.indices_)

    def get_feature_names_out(self, input_features=None):
        """Names of the output features: the index names.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored (validated against ``feature_names_in_`` when given).

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        if (
            input_features is not None
            and hasattr(self, "feature_names_in_")
            and not np.array_equal(np.asarray(input_features, dtype=object), self.feature_names_in_)
        ):
            raise ValueError("input_features is not equal to feature_names_in_")
        return np.asarray(self.indices_, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        return tags
