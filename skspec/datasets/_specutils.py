"""Spectra handed over as specutils objects or astropy Quantities, onto the SDSS grid.

The models of skspec take the SDSS grid: flux density in
1e-17 erg/s/cm^2/A on ``loglam = 3.6021 + 1e-4 i`` (3522 pixels, 4000-9000 A,
vacuum). :func:`from_specutils` and :func:`from_quantity` convert what a user
has in hand (a ``specutils.Spectrum`` read from any format specutils knows,
or flux and spectral-axis Quantities) into the Bunch that
:func:`~skspec.datasets.load_sdss_spectra` returns, so that it goes straight
into a model's ``predict``.

specutils is optional (``pip install skspec[specutils]``); :func:`from_quantity`
needs only astropy.
"""

import math
from numbers import Real

import numpy as np
from astropy import units as u

from ..utils import DLOGLAM, LOGLAM0, N_PIXELS, air_to_vacuum, der_noise, sdss_snr
from ._sdss import _assemble, _Spectrum

__all__ = ["from_quantity", "from_specutils"]

#: The flux unit of SDSS spectra and of the models' input.
SDSS_FLUX_UNIT = u.Unit("1e-17 erg / (s cm2 Angstrom)")

# Input pixels within this fraction of a pixel of the grid map by index,
# exactly (float32 loglam as SDSS stores it is off by ~0.005 pixel); any
# other sampling is rebinned, conserving flux.
_GRID_TOLERANCE = 0.05
# An output pixel is good when good input covers at least this fraction of it.
_MIN_PIXEL_COVER = 0.5

_MEDIA = (None, "vacuum", "air")


def _check_medium(medium):
    if medium not in _MEDIA:
        raise ValueError(f"medium must be None, 'vacuum' or 'air', got {medium!r}")


def _check_min_coverage(min_coverage):
    if isinstance(min_coverage, bool) or not (
        isinstance(min_coverage, (Real, np.floating)) and 0 <= min_coverage <= 1
    ):
        raise ValueError(f"min_coverage must be a number in [0, 1], got {min_coverage!r}")


def _wavelength(spectral_axis):
    """The spectral axis in Angstrom (float64), from any spectral unit."""
    if not isinstance(spectral_axis, u.Quantity):
        raise TypeError(
            "the spectral axis must be an astropy Quantity with a unit (wavelength, "
            f"frequency, energy or wavenumber), got {type(spectral_axis).__name__}"
        )
    try:
        wave = u.Quantity(spectral_axis).to_value(u.AA, equivalencies=u.spectral())
    except u.UnitConversionError:
        raise ValueError(
            f"the spectral axis is in {spectral_axis.unit!s}, not a wavelength, frequency, "
            "energy or wavenumber unit (a pixel axis needs a wavelength solution first)"
        ) from None
    wave = np.asarray(wave, dtype=np.float64)
    if wave.ndim != 1 or wave.size < 2:
        raise ValueError(f"the spectral axis must be 1-D with >= 2 values, got shape {wave.shape}")
    if not np.all(np.isfinite(wave)) or np.any(wave <= 0):
        raise ValueError("the spectral axis holds non-finite or non-positive wavelengths")
    return wave


def _flux_in_sdss_units(flux, wave_aa, what="flux", normalised=False):
    """``flux`` (a Quantity) as a float64 array in SDSS units (or dimensionless)."""
    if not isinstance(flux, u.Quantity):
        raise TypeError(
            f"{what} must be an astropy Quantity with a flux-density unit "
            f"(e.g. 1e-17 erg/s/cm2/AA or Jy), got {type(flux).__name__}"
        )
    unit = flux.unit
    if normalised:
        if unit.physical_type != "dimensionless":
            raise ValueError(
                f"normalised=True expects a dimensionless (continuum-normalised) {what}, "
                f"got {unit!s}"
            )
        return np.asarray(flux.to_value(u.dimensionless_unscaled), dtype=np.float64)
    if unit.physical_type == "dimensionless":
        raise ValueError(
            f"{what} is dimensionless: a continuum-normalised spectrum? Pass "
            "normalised=True to keep it as it is (see the user guide, 'Continuum-"
            "normalised spectra'); a flux-calibrated one needs a flux-density unit"
        )
    try:
        return np.asarray(
            flux.to_value(SDSS_FLUX_UNIT, equivalencies=u.spectral_density(wave_aa * u.AA)),
            dtype=np.float64,
        )
    except u.UnitConversionError:
        raise ValueError(
            f"{what} is in {unit!s} ({unit.physical_type}), which is not a flux density "
            f"convertible to {SDSS_FLUX_UNIT!s} (per wavelength or per frequency); "
            "counts and other uncalibrated units must be flux-calibrated first"
        ) from None


def _ivar_of(uncertainty, flux_unit, wave_aa, normalised):
    """Inverse variance in SDSS units (float64 array) of an uncertainty, or None.

    ``uncertainty`` is a Quantity (standard deviation) or an NDUncertainty
    (StdDev, Variance, InverseVariance; without a unit it is in the flux's,
    as specutils has it). The conversion factor of its flux unit to SDSS
    units is applied per pixel (per-frequency units depend on wavelength).
    NaN marks an invalid value (negative or NaN); 0 a bad pixel.
    """
    if uncertainty is None:
        return None
    if isinstance(uncertainty, u.Quantity):
        kind, values, unit = "std", uncertainty.value, uncertainty.unit
    else:
        from astropy.nddata import InverseVariance, StdDevUncertainty, VarianceUncertainty

        kinds = {StdDevUncertainty: "std", VarianceUncertainty: "var", InverseVariance: "ivar"}
        kind = next((k for cls, k in kinds.items() if isinstance(uncertainty, cls)), None)
        if kind is None:
            raise TypeError(
                "uncertainty must be an astropy Quantity (standard deviation) or a "
                "StdDevUncertainty, VarianceUncertainty or InverseVariance, got "
                f"{type(uncertainty).__name__}"
            )
        values = uncertainty.array
        unit = uncertainty.unit
        if unit is None:
            unit = {"std": flux_unit, "var": flux_unit**2, "ivar": flux_unit**-2}[kind]
    power = {"std": 1, "var": 2, "ivar": -2}[kind]
    try:
        per_flux = u.Unit(unit) ** (1 / power)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"the uncertainty's unit {unit!s} is not a flux unit ({exc})") from None
    factor = _flux_in_sdss_units(
        np.ones(np.shape(values)) * per_flux, wave_aa, "the uncertainty", normalised
    )
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if kind == "ivar":
            ivar = values / factor**2
        elif kind == "var":
            ivar = 1.0 / (values * factor**2)
        else:
            ivar = 1.0 / (values * factor) ** 2
        # negative or NaN uncertainty: invalid (NaN); zero sigma: invalid too
        bad_value = np.isnan(values) | (values < 0) | ((values == 0) & (kind != "ivar"))
        ivar = np.where(bad_value, np.nan, np.where(np.isfinite(ivar), ivar, 0.0))
    return ivar


def _medium_of(spectrum):
    """'air' or 'vacuum' as a specutils object says, None when it does not."""
    wcs = getattr(spectrum, "wcs", None)
    ctype = getattr(getattr(wcs, "wcs", None), "ctype", None)
    if ctype is not None and len(ctype):
        first = str(ctype[0]).upper()
        if first.startswith("AWAV"):
            return "air"
        if first.startswith("WAVE"):
            return "vacuum"
    header = (getattr(spectrum, "meta", None) or {}).get("header")
    if header is not None:
        airorvac = str(header.get("AIRORVAC", "")).strip().lower()
        if airorvac.startswith("air"):
            return "air"
        if airorvac.startswith("vac"):
            return "vacuum"
        vacuum = header.get("VACUUM")
        if isinstance(vacuum, (bool, np.bool_)):
            return "vacuum" if vacuum else "air"
    return None


def _on_grid_index(loglam):
    """Grid index of each input pixel when the input is SDSS-sampled, else None."""
    pos = (loglam - LOGLAM0) / DLOGLAM
    if np.abs(pos).max() > 1e7:
        return None
    index = np.rint(pos)
    if np.abs(pos - index).max() > _GRID_TOLERANCE or np.any(np.diff(index) < 1):
        return None
    return index.astype(np.int64)


def _edges(centres):
    """Pixel edges at the midpoints between increasing centres."""
    mid = 0.5 * (centres[1:] + centres[:-1])
    return np.concatenate(
        ([centres[0] - (mid[0] - centres[0])], mid, [centres[-1] + (centres[-1] - mid[-1])])
    )


def _rebin(loglam, flux, var, good):
    """Flux-conserving rebinning onto the grid (mean flux density per pixel).

    Each grid pixel gets the overlap-weighted mean of the good input pixels
    (weights: overlap in log wavelength) and the variance of that mean,
    ``sum(w^2 var) / sum(w)^2``. Returns ``flux, var, covered, good_out``,
    where ``covered`` is the fraction of each grid pixel inside the input.
    """
    grid = LOGLAM0 + DLOGLAM * np.arange(N_PIXELS)
    out_edges = np.concatenate((grid - DLOGLAM / 2, [grid[-1] + DLOGLAM / 2]))
    in_edges = _edges(loglam)
    lo, hi = in_edges[:-1], in_edges[1:]
    first = np.clip(np.searchsorted(out_edges, lo, side="right") - 1, 0, N_PIXELS - 1)
    last = np.clip(np.searchsorted(out_edges, hi, side="left") - 1, 0, N_PIXELS - 1)
    count = np.maximum(last - first + 1, 0)
    src = np.repeat(np.arange(loglam.size), count)
    dst = np.repeat(first, count) + (
        np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    )
    overlap = np.minimum(hi[src], out_edges[dst + 1]) - np.maximum(lo[src], out_edges[dst])
    overlap = np.clip(overlap, 0.0, None) / DLOGLAM
    covered = np.bincount(dst, overlap, minlength=N_PIXELS)
    w = np.where(good[src], overlap, 0.0)
    f = np.where(good[src], flux[src], 0.0)
    v = np.where(good[src], var[src], 0.0)
    den = np.bincount(dst, w, minlength=N_PIXELS)
    num = np.bincount(dst, w * f, minlength=N_PIXELS)
    vnum = np.bincount(dst, w * w * v, minlength=N_PIXELS)
    ok = den >= _MIN_PIXEL_COVER
    with np.errstate(invalid="ignore", divide="ignore"):
        out_flux = np.where(ok, num / den, np.nan)
        out_var = np.where(ok, vnum / den**2, np.inf)
    return out_flux, out_var, np.minimum(covered, 1.0), ok


def _one(flux, wave_aa, ivar, mask, *, medium, min_coverage, normalised, meta, label):
    """One spectrum onto the grid: a ``_Spectrum`` (flux, ivar, frame row)."""
    flux = np.asarray(flux, dtype=np.float64)
    if flux.shape != wave_aa.shape:
        raise ValueError(
            f"{label}: flux has shape {flux.shape} but the spectral axis {wave_aa.shape}"
        )
    if medium == "air":
        wave_aa = air_to_vacuum(wave_aa)
    order = np.argsort(wave_aa, kind="stable")
    if np.any(np.diff(wave_aa[order]) <= 0):
        raise ValueError(f"{label}: the spectral axis has repeated wavelengths")
    loglam = np.log10(wave_aa[order])
    flux = flux[order]
    has_ivar = ivar is not None
    ivar = np.ones_like(flux) if ivar is None else np.asarray(ivar, np.float64)[order]
    mask = np.zeros(flux.shape, bool) if mask is None else np.asarray(mask, bool)[order]
    # NaN/negative uncertainty (ivar NaN), or NaN flux at a pixel claiming
    # ivar > 0: invalid (counted, as load_sdss_spectra does); ivar 0: bad.
    invalid = ~mask & (np.isnan(ivar) | (~np.isfinite(flux) & (ivar > 0)))
    good = ~mask & np.isfinite(flux) & (ivar > 0)
    with np.errstate(divide="ignore"):
        var = np.where(good, 1.0 / np.where(good, ivar, 1.0), np.inf)
    if not good.any():
        raise ValueError(f"{label}: no good pixel (all masked, NaN or without uncertainty)")
    index = _on_grid_index(loglam)
    if index is not None:  # SDSS-sampled: exact integer mapping, as the FITS reader
        inside = (index >= 0) & (index < N_PIXELS)
        grid_flux = np.full(N_PIXELS, np.nan)
        grid_ivar = np.zeros(N_PIXELS)
        covered = np.zeros(N_PIXELS)
        grid_flux[index[inside]] = np.where(good[inside], flux[inside], np.nan)
        grid_ivar[index[inside]] = np.where(good[inside], ivar[inside], 0.0)
        covered[index[inside]] = 1.0
        ok = grid_ivar > 0
    else:
        grid_flux, grid_var, covered, ok = _rebin(loglam, flux, var, good)
        with np.errstate(divide="ignore"):
            grid_ivar = np.where(ok, 1.0 / grid_var, 0.0)
    coverage = float(np.count_nonzero(covered >= _MIN_PIXEL_COVER)) / N_PIXELS
    if coverage < min_coverage:
        span = f"{wave_aa.min():.0f}-{wave_aa.max():.0f} A (vacuum)"
        missing = []
        grid_aa = 10.0 ** (LOGLAM0 + DLOGLAM * np.arange(N_PIXELS))
        gaps = covered < _MIN_PIXEL_COVER
        if gaps[0]:
            missing.append(f"{grid_aa[0]:.0f}-{grid_aa[np.argmin(gaps)]:.0f} A")
        if gaps[-1]:
            missing.append(
                f"{grid_aa[N_PIXELS - np.argmin(gaps[::-1]) - 1]:.0f}-{grid_aa[-1]:.0f} A"
            )
        raise ValueError(
            f"{label}: the spectrum ({span}) covers {coverage:.1%} of the 4000-9000 A grid, "
            f"below min_coverage={min_coverage:g}; missing "
            + (", ".join(missing) if missing else "pixels inside the range")
            + f" ({1 - coverage:.1%} of the grid)"
        )
    if not ok.any():
        raise ValueError(
            f"{label}: no good pixel inside 4000-9000 A (the spectrum spans "
            f"{wave_aa.min():.0f}-{wave_aa.max():.0f} A, vacuum)"
        )
    if not has_ivar:
        # No uncertainty given: a constant ivar from the DER_SNR noise of the
        # grid flux, so that S/N, the S/N flags and ivar weights mean something.
        filled = np.where(ok, grid_flux, np.nan)
        noise = float(der_noise(filled[None, :])[0])
        grid_ivar = np.where(ok, 1.0 / noise**2 if noise > 0 else 1.0, 0.0)
    row = {
        "path": label,
        "format": meta.pop("format"),
        "instrument": "",
        "plate": -1,
        "mjd": -1,
        "fiber": -1,
        "class": "",
        "subclass": "",
        "target": "",
        "specobjid": "",
        "ra": math.nan,
        "dec": math.nan,
        "z": math.nan,
        "zwarning": -1,
        "snr_source": "computed" if has_ivar else "DER_SNR",
    }
    row.update(meta)
    row["snr"] = float(sdss_snr(grid_flux[None, :], grid_ivar[None, :])[0])
    row["coverage"] = coverage
    row["n_bad_pixels"] = int(np.count_nonzero(grid_ivar == 0))
    row["n_invalid"] = int(np.count_nonzero(invalid))
    return _Spectrum(grid_flux.astype(np.float32), grid_ivar.astype(np.float32), row)


def _header_meta(spectrum):
    """Identifiers of an SDSS-read spectrum from its FITS header, where present."""
    header = (getattr(spectrum, "meta", None) or {}).get("header")
    out = {}
    if header is None:
        return out
    for key, name, cast in (
        ("PLATEID", "plate", int),
        ("MJD", "mjd", int),
        ("FIBERID", "fiber", int),
        ("PLUG_RA", "ra", float),
        ("PLUG_DEC", "dec", float),
    ):
        try:
            out[name] = cast(header[key])
        except (KeyError, TypeError, ValueError):
            continue
    telescope = str(header.get("TELESCOP", "")).strip()
    if telescope:
        out["instrument"] = telescope
    return out


def _labels(names, n, default):
    if names is None:
        return [f"{default}[{i}]" for i in range(n)]
    names = [str(name) for name in ([names] if isinstance(names, str) else names)]
    if len(names) != n:
        raise ValueError(f"names has {len(names)} entries for {n} spectra")
    return names


def _rows(array, n_pixels):
    """A 1-D or 2-D per-spectrum array as a list of rows (None stays None)."""
    if array is None:
        return None
    array = np.asarray(array)
    if array.ndim == 1:
        return [array]
    return list(array.reshape(-1, n_pixels))


def from_quantity(
    flux,
    spectral_axis,
    *,
    uncertainty=None,
    mask=None,
    medium="vacuum",
    min_coverage=0.5,
    normalised=False,
    names=None,
):
    """Put spectra given as astropy Quantities onto the SDSS grid.

    Parameters
    ----------
    flux : astropy.units.Quantity of shape (n_pixels,) or (n_spectra, n_pixels)
        Flux density per wavelength (e.g. ``erg/s/cm2/AA``) or per frequency
        (``Jy``, ``erg/s/cm2/Hz``); converted to 1e-17 erg/s/cm^2/A with
        :func:`astropy.units.spectral_density`. Dimensionless flux (a
        continuum-normalised spectrum) needs ``normalised=True``.
    spectral_axis : astropy.units.Quantity of shape (n_pixels,)
        Wavelength, frequency, energy or wavenumber of each pixel, in the
        observed frame; any order (frequency axes are decreasing in
        wavelength).
    uncertainty : Quantity or astropy.nddata.NDUncertainty, default=None
        A Quantity is a standard deviation in a flux unit;
        ``StdDevUncertainty``, ``VarianceUncertainty`` and ``InverseVariance``
        are converted. Without one, ``ivar`` is constant per spectrum, from
        the DER_SNR noise of the flux (:func:`skspec.utils.der_noise`), and
        ``frame['snr_source']`` says ``"DER_SNR"``.
    mask : array-like of bool, default=None
        True at bad pixels (the specutils convention); they get ivar 0.
    medium : {"vacuum", "air"}, default="vacuum"
        Whether the wavelengths are in vacuum (as SDSS's) or air; air
        wavelengths are converted (:func:`skspec.utils.air_to_vacuum`).
    min_coverage : float, default=0.5
        Smallest fraction of the 4000-9000 A grid the spectrum must cover;
        below it a ``ValueError`` says which wavelengths are missing. Grid
        pixels outside a partly covering spectrum get ivar 0 (and flux
        filled as :func:`load_sdss_spectra` does), with a warning.
    normalised : bool, default=False
        Accept dimensionless, continuum-normalised flux and keep it as it is.
    names : str or list of str, default=None
        Names for ``frame['path']``; ``"quantity[i]"`` when None.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        The fields of :func:`load_sdss_spectra` (``data``, ``ivar``,
        ``target``, ``wavelength``, ``snr``, ``frame``, ``errors``,
        ``DESCR``); ``frame['format']`` is ``"quantity"`` and the
        identifiers (plate, class, ...) are unknown.

    Raises
    ------
    TypeError
        If ``flux`` or ``spectral_axis`` has no unit, or ``uncertainty`` is
        of an unknown kind.
    ValueError
        If a unit cannot be converted (counts, a pixel axis), the shapes
        disagree, the wavelengths repeat, a spectrum has no good pixel or
        covers less than ``min_coverage`` of the grid.

    See Also
    --------
    from_specutils : The same for specutils spectrum objects.

    Notes
    -----
    Spectra sampled on the SDSS log-linear grid (within 0.05 pixel) map by
    pixel index, exactly, as the FITS reader does; any other sampling is
    rebinned conserving flux: each grid pixel is the overlap-weighted mean of
    the input pixels, its variance that of the mean. A grid pixel is bad
    (ivar 0) when good input covers less than half of it. Rebinned pixels are
    correlated when the input is coarser than the grid (69 km/s per pixel).

    Examples
    --------
    >>> import numpy as np
    >>> from astropy import units as u
    >>> from skspec.datasets import from_quantity
    >>> wave = np.linspace(3800, 9200, 6000) * u.AA
    >>> flux = np.full(6000, 2e-3) * u.mJy
    >>> ds = from_quantity(flux, wave, uncertainty=flux / 20)
    >>> ds.data.shape, round(float(ds.snr[0]), 1)  # 20 per input pixel, ~2 per grid pixel
    ((1, 3522), 28.2)
    """
    _check_medium(medium)
    _check_min_coverage(min_coverage)
    if medium is None:
        medium = "vacuum"
    wave = _wavelength(spectral_axis)
    values = _flux_in_sdss_units(flux, wave, normalised=normalised)
    shape = np.shape(getattr(uncertainty, "array", uncertainty))
    if uncertainty is not None and shape != flux.shape:
        raise ValueError(f"uncertainty has shape {shape} but flux {flux.shape}")
    ivar = _ivar_of(uncertainty, flux.unit, wave, normalised)
    if values.ndim not in (1, 2):
        raise ValueError(f"flux must be 1-D or 2-D, got shape {values.shape}")
    if mask is not None and np.shape(mask) != values.shape:
        raise ValueError(f"mask has shape {np.shape(mask)} but flux {values.shape}")
    rows = _rows(values, wave.size)
    ivars = _rows(ivar, wave.size) or [None] * len(rows)
    masks = _rows(mask, wave.size) or [None] * len(rows)
    labels = _labels(names, len(rows), "quantity")
    spectra = [
        _one(
            f,
            wave,
            s,
            m,
            medium=medium,
            min_coverage=min_coverage,
            normalised=normalised,
            meta={"format": "quantity"},
            label=label,
        )
        for f, s, m, label in zip(rows, ivars, masks, labels)
    ]
    return _assemble(spectra, [])


def from_specutils(spectra, *, medium=None, min_coverage=0.5, normalised=False, names=None):
    """Put specutils spectra onto the SDSS grid, ready for a model.

    Parameters
    ----------
    spectra : specutils.Spectrum (Spectrum1D) or list of them
        Each with a flux density Quantity (per wavelength or per frequency),
        a spectral axis in wavelength, frequency, energy or wavenumber, and
        optionally an ``uncertainty`` (``StdDevUncertainty``,
        ``VarianceUncertainty`` or ``InverseVariance``) and a ``mask`` (True =
        bad). A spectrum with 2-D flux is several spectra on one axis.
    medium : {None, "vacuum", "air"}, default=None
        Whether the spectral axis is in vacuum or air. None reads it from the
        object: a FITS WCS ``CTYPE1`` of ``AWAV`` (air) or ``WAVE`` (vacuum),
        else the header's ``AIRORVAC`` or ``VACUUM`` keyword
        (``meta['header']``, as specutils' SDSS readers keep it), else
        vacuum, as SDSS wavelengths are.
    min_coverage, normalised : see :func:`from_quantity`.
    names : str or list of str, default=None
        Names for ``frame['path']``, one per spectrum (rows of a 2-D flux
        count); ``"spectrum[i]"`` when None.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        The fields of :func:`load_sdss_spectra`; ``frame['format']`` is
        ``"specutils"``, and plate, MJD, fiber, RA, Dec and instrument come
        from ``meta['header']`` where an SDSS reader left them.

    Raises
    ------
    TypeError
        If an item is not a spectrum object, or see :func:`from_quantity`.
    ValueError
        See :func:`from_quantity`.

    See Also
    --------
    from_quantity : The same from plain Quantities (no specutils needed).
    load_sdss_spectra : SDSS FITS files directly (no specutils needed).

    Notes
    -----
    The spectral axis is taken as it is, in the observed frame, as
    :func:`load_sdss_spectra` does by default; a specutils ``redshift`` or
    ``radial_velocity`` is not applied. See :func:`from_quantity` for the
    rebinning. Round trip: a spectrum on the SDSS grid in SDSS units comes
    back bit for bit (the data are float32); in other units or sampled
    otherwise, within float32 rounding or the rebinning.

    Examples
    --------
    >>> from specutils import Spectrum  # doctest: +SKIP
    >>> from skspec.datasets import from_specutils
    >>> spec = Spectrum.read("spec-0618-52049-0372.fits")  # doctest: +SKIP
    >>> ds = from_specutils(spec)  # doctest: +SKIP
    >>> model.predict(ds.data)  # doctest: +SKIP
    """
    _check_medium(medium)
    _check_min_coverage(min_coverage)
    items = list(spectra) if isinstance(spectra, (list, tuple)) else [spectra]
    if not items:
        raise ValueError("no spectrum given")
    prepared = []
    for i, spectrum in enumerate(items):
        if not (hasattr(spectrum, "flux") and hasattr(spectrum, "spectral_axis")):
            raise TypeError(
                f"item {i} is a {type(spectrum).__name__}, not a specutils spectrum "
                "(Spectrum/Spectrum1D); use from_quantity for plain Quantities"
            )
        flux = u.Quantity(spectrum.flux)
        if flux.ndim not in (1, 2):
            raise ValueError(f"item {i}: flux must be 1-D or 2-D, got shape {flux.shape}")
        wave = _wavelength(u.Quantity(spectrum.spectral_axis))
        values = _flux_in_sdss_units(flux, wave, normalised=normalised)
        ivar = _ivar_of(spectrum.uncertainty, flux.unit, wave, normalised)
        this_medium = medium or _medium_of(spectrum) or "vacuum"
        meta = _header_meta(spectrum)
        mask = spectrum.mask
        rows = _rows(values, wave.size)
        ivars = _rows(ivar, wave.size) or [None] * len(rows)
        masks = _rows(mask, wave.size) or [None] * len(rows)
        prepared += [(f, wave, s, m, this_medium, meta) for f, s, m in zip(rows, ivars, masks)]
    labels = _labels(names, len(prepared), "spectrum")
    out = [
        _one(
            f,
            wave,
            s,
            m,
            medium=this_medium,
            min_coverage=min_coverage,
            normalised=normalised,
            meta={"format": "specutils", **meta},
            label=label,
        )
        for (f, wave, s, m, this_medium, meta), label in zip(prepared, labels)
    ]
    return _assemble(out, [])
