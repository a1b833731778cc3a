"""Synthetic SDSS-like M dwarf spectra: ``make_mdwarf_spectra``.

The model, from the star outwards (every step vectorised over a chunk of
spectra, loops run over a handful of bands or families only):

1. **Photosphere** (rest frame, vacuum, native resolution of SDSS co-adds):
   ``log F = log B(Teff) + colour(s) - sum_k a_k(s, zeta, ...) phi_k``, a
   Planck continuum with a Legendre colour term (blanketing), molecular bands
   with sharp heads and red-degraded tails (TiO, CaH, VO; MgH degraded to the
   blue), and atomic lines with Gaussian cores and Lorentzian wings. The
   amplitudes ``a_k`` are tabulated at integer subtypes (M0-M5, tuned to the
   Kesseli et al. 2017 SDSS templates by ``benchmarks/tune_generator.py``)
   and extrapolated to K7 and M6-M9; a star of continuous subtype ``s``
   interpolates linearly between its neighbours.
2. A weak **pseudo line forest**: random faint lines whose strength follows
   the local molecular opacity (the unresolved TiO/atomic forest).
3. **Activity**: H-alpha and H-beta emission for the active fraction of each
   subtype.
4. **Radial velocity** and **line-spread function**: one FFT per chunk shifts
   each spectrum by its RV and broadens it by its extra LSF width.
5. **Interstellar reddening** (CCM/O'Donnell law), **telluric residuals**,
   **flux-calibration wobble** (Legendre) and an arbitrary **flux scale**.
6. **Sky** (continuum + emission lines): its imperfect subtraction leaves
   residuals, its photons add noise.
7. **Noise** ``sigma^2 = k^2 [(F + S) / (lambda T(lambda)) + r^2 / T^2]``
   with the spectrograph throughput ``T`` and ``k`` set so that the median
   S/N per pixel hits the target; **bad-pixel runs** get ``ivar = 0`` and
   interpolated flux.
"""

import functools
import numbers

import numpy as np
import pandas as pd
from numpy.polynomial import legendre
from scipy.ndimage import gaussian_filter1d
from scipy.special import expit
from sklearn.utils import Bunch, check_random_state

from ..utils import (
    DLOGLAM,
    N_PIXELS,
    air_to_vacuum,
    ccm_extinction,
    interpolate_bad_pixels,
    sdss_loglam,
    sdss_snr,
    snr_bin_label,
)
from ..utils._stats import row_median
from . import _physics as phys

# --- Model grid and basis ------------------------------------------------------------------

#: Model pixels beyond each end of the 3522-pixel grid (room for RV shifts
#: of up to ~+-1500 km/s and for the LSF wings).
PAD = 48
#: Native Gaussian LSF sigma (pixels) of the basis, i.e. of SDSS co-adds.
SIGMA0 = 0.8
#: e-folding lengths (A) of the red tails of a band head. Each head gets one
#: non-negative amplitude per tail, so a band's profile is a positive mixture
#: of exponentials: sharp head, monotonic decline to the red.
TAILS = (12.0, 50.0, 200.0, 800.0)
#: Half width at half maximum (A) of the Lorentzian wings of the
#: pressure-broadened lines.
WING_HWHM = 4.0
#: Legendre degree of the colour (blanketing) term.
COLOUR_DEGREE = 6
#: Spacing and Gaussian sigma (A) of the smooth non-negative opacity bumps
#: that stand for the blanketing by the unresolved molecular forest (the
#: pseudo-continuum between band heads). Far broader than any line: the sharp
#: structure comes from heads and lines only.
BLANKET_SPACING = 30.0
BLANKET_SIGMA = 18.0
#: Centre and half range of log10(lambda) mapped onto [-1, 1] for Legendre terms.
_X0, _XH = 0.5 * (3.6021 + 3.9542), 0.5 * (3.9542 - 3.6021)

# Families of basis columns and how each responds to the star's parameters.
FAMILIES = ("colour", "blanket", "tio", "vo", "cah", "mgh", "metal", "alkali", "caii", "balmer")

_H = 6.62607015e-27
_C = 2.99792458e10
_KB = 1.380649e-16


def model_loglam(pad=PAD):
    """log10 vacuum wavelengths of the model grid: the SDSS grid plus ``pad`` pixels."""
    return sdss_loglam(N_PIXELS + 2 * pad, sdss_loglam()[0] - pad * DLOGLAM)


def log_planck(wavelength, teff):
    """Natural log of the Planck function B_lambda (up to a constant).

    Parameters
    ----------
    wavelength : ndarray of shape (n_pixels,)
        Angstrom.
    teff : ndarray of shape (n,)
        Kelvin.

    Returns
    -------
    ndarray of shape (n, n_pixels)
    """
    x = _H * _C / (wavelength[None, :] * 1e-8 * _KB * np.asarray(teff, float)[:, None])
    return -5.0 * np.log(wavelength)[None, :] - np.log(np.expm1(x))


def legendre_rows(loglam, degree, start=0):
    """Legendre polynomials ``P_start .. P_degree`` of the scaled log wavelength."""
    x = (np.asarray(loglam) - _X0) / _XH
    return np.array([legendre.legval(x, np.eye(degree + 1)[j]) for j in range(start, degree + 1)])


def _head(lam, head, length, width=0.6, red=True):
    """Band head at ``head`` (A, vacuum), degraded to the red (or blue)."""
    d = (lam - head) if red else (head - lam)
    return expit(d / width) * np.exp(-np.clip(d, 0.0, None) / length)


@functools.lru_cache(maxsize=4)
def model_basis(pad=PAD):
    """The basis of the rest-frame log flux on the model grid.

    Returns
    -------
    Bunch
        ``names`` (K,), ``family`` (K,) names from :data:`FAMILIES`, ``matrix``
        (K, n_pixels) float64 with absorbers entering *negatively*, so that
        ``log F = log B + theta @ matrix`` with ``theta >= 0`` for every
        absorber; ``loglam`` and ``wavelength`` of the grid. Columns are
        already convolved with the native LSF (``SIGMA0``).
    """
    loglam = model_loglam(pad)
    lam = 10.0**loglam
    cols, fam, names = [], [], []

    def add(col, family, name, sign=-1.0):
        cols.append(sign * col)
        fam.append(family)
        names.append(name)

    for j, row in enumerate(legendre_rows(loglam, COLOUR_DEGREE)):
        add(row, "colour", f"P{j}", sign=1.0)
    for centre in np.arange(3950.0, 9051.0, BLANKET_SPACING):
        add(np.exp(-0.5 * ((lam - centre) / BLANKET_SIGMA) ** 2), "blanket", f"B{centre:.0f}")
    for heads in phys.TIO_HEADS.values():
        for h in heads:
            for length in TAILS:
                add(_head(lam, air_to_vacuum(h), length), "tio", f"TiO{h:.0f}/{length:.0f}")
    for h in phys.VO_HEADS:
        for length in TAILS[1:]:
            add(_head(lam, air_to_vacuum(h), length), "vo", f"VO{h:.0f}/{length:.0f}")
    for h in phys.CAH_HEADS + (phys.CAH_BAND[0],):
        for length in TAILS:
            add(_head(lam, air_to_vacuum(h), length), "cah", f"CaH{h:.0f}/{length:.0f}")
    lo, hi = air_to_vacuum(phys.CAH_BAND)
    add(expit((lam - lo) / 5.0) * expit((hi - lam) / 5.0), "cah", "CaHbox")
    for h in phys.MGH_HEADS:
        for length in TAILS[:3]:
            add(_head(lam, air_to_vacuum(h), length, red=False), "mgh", f"MgH{h:.0f}/{length:.0f}")
    pixel_width = lam * (10.0**DLOGLAM - 1.0)
    for species, wl, family in phys.ATOMIC_LINES:
        centre = air_to_vacuum(wl)
        core = np.exp(-0.5 * ((lam - centre) / (0.5 * pixel_width)) ** 2)
        add(core, family, f"{species} {wl:.0f}")
        if family in ("alkali", "balmer"):
            wing = WING_HWHM**2 / ((lam - centre) ** 2 + WING_HWHM**2)
            add(wing, family, f"{species} {wl:.0f} wing")
    matrix = gaussian_filter1d(np.array(cols), SIGMA0, axis=1, mode="nearest")
    return Bunch(
        names=np.array(names), family=np.array(fam), matrix=matrix, loglam=loglam, wavelength=lam
    )


# --- Tabulated photosphere and its extrapolation -------------------------------------------

#: Multiplicative step per subtype beyond M5 of each family's amplitudes (a
#: model choice, not a fit: TiO saturates and starts to weaken by M8-M9 as
#: TiO condenses, VO appears, the alkali lines grow and the Ca II triplet
#: fades; see Kirkpatrick et al. 1991). Index 0 is M5 -> M6.
_LATE_STEP = {
    "colour": (1.0, 1.0, 1.0, 1.0),
    "blanket": (1.08, 1.05, 1.0, 1.0),
    "tio": (1.12, 1.08, 0.95, 0.90),
    "vo": (1.8, 1.6, 1.4, 1.2),
    "cah": (1.10, 1.05, 1.05, 1.0),
    "mgh": (1.0, 1.0, 1.0, 1.0),
    "metal": (0.9, 0.9, 0.9, 0.9),
    "alkali": (1.25, 1.25, 1.25, 1.25),
    "caii": (0.85, 0.85, 0.85, 0.85),
    "balmer": (0.7, 0.7, 0.7, 0.7),
}
#: Subtypes of the rows of the extended table: K7 (-1) to M9 (9).
_TABLE_SUBTYPES = np.arange(-1.0, 10.0)


@functools.lru_cache(maxsize=1)
def photosphere_table():
    """Amplitudes of the basis columns tabulated from K7 (row 0) to M9 (row 10).

    M0-M5 are the tuned coefficients; K7 is extrapolated geometrically from
    M0 and M1 (the M0/M1 ratio of each absorber, kept within [0.25, 1]) and
    half a step linearly for the colour term; M6-M9 apply
    :data:`_LATE_STEP` to M5.
    """
    from . import _generator_coefs as coefs

    basis = model_basis()
    if tuple(coefs.NAMES) != tuple(basis.names):
        raise RuntimeError(
            "the generator coefficients do not match the model basis; "
            "rerun benchmarks/tune_generator.py"
        )
    theta = np.asarray(coefs.THETA, dtype=float)
    colour = basis.family == "colour"
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(theta[1] > 0, theta[0] / theta[1], 0.5)
    k7 = np.where(
        colour, theta[0] + 0.5 * (theta[0] - theta[1]), theta[0] * np.clip(ratio, 0.25, 1.0)
    )
    rows = [k7, *theta]
    for step in range(4):
        mult = np.array([_LATE_STEP[f][step] for f in basis.family])
        rows.append(rows[-1] * mult)
    return np.array(rows)


def _interp_table(table, s):
    """Linear interpolation of the table rows at continuous subtypes ``s``."""
    pos = np.clip(s - _TABLE_SUBTYPES[0], 0.0, len(_TABLE_SUBTYPES) - 1.0)
    lo = np.minimum(pos.astype(int), len(_TABLE_SUBTYPES) - 2)
    w = (pos - lo)[:, None]
    return (1.0 - w) * table[lo] + w * table[lo + 1]


def teff_of_subtype(s):
    """Effective temperature (K) at continuous subtypes, interpolating [PM13]."""
    names = ["K7"] + [f"M{i}" for i in range(10)]
    return np.interp(s, [phys.SUBTYPE_NUMBER[n] for n in names], [phys.TEFF[n] for n in names])


# --- Observational ingredients -------------------------------------------------------------

#: Relative throughput of the SDSS/BOSS spectrographs (photons detected per
#: photon, peak 1) at the knots below, as implied by ``ivar`` and ``flux`` of
#: bright public SDSS M dwarf spectra (variance ~ counts); used only to shape
#: the wavelength dependence of the noise (low S/N in the blue, as observed).
_THROUGHPUT_KNOTS = (
    (4000, 4237, 4488, 4754, 5036, 5335, 5651, 5985, 6340, 6716, 7114, 7535, 7982, 8455, 8956),
    (0.38, 0.52, 0.70, 0.80, 0.88, 0.84, 0.77, 0.96, 0.88, 0.88, 0.76, 0.56, 0.51, 0.45, 0.40),
)


@functools.lru_cache(maxsize=1)
def _observation_templates():
    """Fixed observed-frame shapes on the SDSS grid: sky, telluric bands, throughput."""
    loglam = sdss_loglam()
    lam = 10.0**loglam
    pixel = lam * (10.0**DLOGLAM - 1.0)
    lines = np.array(
        [
            np.exp(-0.5 * ((lam - air_to_vacuum(w)) / pixel) ** 2) * peak
            for w, peak in phys.SKY_LINES
        ]
    )
    # Sky continuum (per pixel, arbitrary units): rising slowly to the red.
    continuum = 0.6 + 0.8 * (lam - lam[0]) / (lam[-1] - lam[0])
    telluric = []
    for _, lo, hi in phys.TELLURIC_BANDS:
        lo, hi = air_to_vacuum([lo, hi])
        telluric.append(expit((lam - lo) / 2.0) * expit((hi - lam) / 2.0))
    throughput = np.interp(lam, *_THROUGHPUT_KNOTS)
    return Bunch(
        wavelength=lam,
        sky_lines=lines,
        sky_continuum=continuum,
        telluric=np.array(telluric),
        throughput=throughput,
        extinction=ccm_extinction(lam),
        wobble=legendre_rows(loglam, 3, start=1),
    )


def _shift_and_broaden(flux, shift, sigma):
    """Shift each row by ``shift`` pixels and convolve it with a Gaussian of ``sigma`` pixels.

    One real FFT for the whole batch; the rows are extended by a linear ramp
    back to their first value so that the periodic FFT sees no jump.
    """
    n, m = flux.shape
    size = 1 << int(np.ceil(np.log2(m + 64)))
    ext = np.empty((n, size))
    ext[:, :m] = flux
    ramp = np.linspace(0.0, 1.0, size - m + 2)[1:-1]
    ext[:, m:] = flux[:, -1:] + (flux[:, :1] - flux[:, -1:]) * ramp
    freq = np.fft.rfftfreq(size)
    transfer = np.exp(
        -2.0 * (np.pi * freq[None, :] * sigma[:, None]) ** 2
        - 2j * np.pi * freq[None, :] * shift[:, None]
    )
    return np.fft.irfft(np.fft.rfft(ext, axis=1) * transfer, n=size, axis=1)[:, :m]


def _bad_pixel_mask(rng, n, m):
    """Runs of bad pixels: a few short runs per spectrum, rarely a long one."""
    counts = rng.poisson(0.8, n)
    long_run = rng.random(n) < 0.03
    rows = np.concatenate([np.repeat(np.arange(n), counts), np.flatnonzero(long_run)])
    lengths = np.concatenate(
        [rng.geometric(0.25, counts.sum()), rng.integers(80, 300, long_run.sum())]
    )
    starts = rng.integers(0, m, rows.size)
    ends = np.minimum(starts + lengths, m)
    marks = np.zeros((n, m + 1))
    np.add.at(marks, (rows, starts), 1.0)
    np.add.at(marks, (rows, ends), -1.0)
    return np.cumsum(marks, axis=1)[:, :m] > 0


# --- Population ---------------------------------------------------------------------------

#: Pseudo line forest: lines per model pixel, base strength (log-flux depth of
#: the mean line at 5000 A, falling as lambda^-2.5 like the density of metal
#: lines) and extra strength per unit of local molecular optical depth.
#: Calibrated so the forest's high-pass RMS matches ``FOREST_RMS`` of the
#: templates (see tests/test_realism.py).
_FOREST_DENSITY = 0.4
_FOREST_BASE = 0.035
_FOREST_MOL = 0.02
#: Gaussian scatter (K) of Teff at fixed subtype, beyond the subtype itself.
_TEFF_SCATTER = 50.0
#: Range of E(B-V) (uniform). The tuning dereddens the templates by the mean
#: of this range (they are co-adds of observed, reddened SDSS stars), so the
#: population's average colour is the templates' colour.
EBV_RANGE = (0.0, 0.08)
#: Range of the total LSF sigma (pixels) of SDSS/BOSS spectra (``wdisp``).
_LSF_RANGE = (0.75, 1.15)
#: Standard deviations: flux-calibration Legendre P1-P3 coefficients, telluric
#: residual depth per band (O2 B, O2 A, H2O, H2O), sky-line residual per line,
#: sky continuum residual.
_WOBBLE_SD = 0.05
_TELLURIC_SD = (0.02, 0.04, 0.015, 0.015)
_SKYLINE_SD = 0.04
_SKYCONT_SD = 0.02


def _photosphere(rng, s, teff, zeta, eta, metal, gravity, active, ew_halpha):
    """Rest-frame flux on the model grid (native resolution), one row per star."""
    basis = model_basis()
    fam = basis.family
    theta = _interp_table(photosphere_table(), s)
    mult = np.ones_like(theta)
    mult[:, (fam == "tio") | (fam == "vo") | (fam == "blanket")] = zeta[:, None]
    mult[:, fam == "cah"] = eta[:, None]
    mult[:, (fam == "mgh") | (fam == "metal") | (fam == "caii")] = metal[:, None]
    mult[:, fam == "alkali"] = (metal * gravity)[:, None]
    # Chromospheric filling: active stars lose their Balmer absorption.
    mult[:, fam == "balmer"] = np.where(active, 0.0, 1.0)[:, None]
    coef = theta * mult
    log_flux = coef @ basis.matrix
    log_flux += _planck_table(teff)
    mol = np.isin(fam, ("blanket", "tio", "vo", "cah", "mgh"))
    tau_mol = -(coef[:, mol] @ basis.matrix[mol])
    log_flux -= _forest(rng, tau_mol, basis.wavelength)
    log_flux -= row_median(log_flux)[:, None]
    flux = np.exp(log_flux)
    if np.any(active):
        flux[active] += _emission(flux[active], ew_halpha[active], rng, basis.wavelength)
    return flux


@functools.lru_cache(maxsize=1)
def _planck_grid():
    teff = np.arange(1500.0, 6000.0 + 1.0, 10.0)
    return teff, log_planck(model_basis().wavelength, teff)


def _planck_table(teff):
    """log B on the model grid, linearly interpolated in Teff from a 10 K table."""
    grid, table = _planck_grid()
    pos = np.clip((teff - grid[0]) / (grid[1] - grid[0]), 0.0, grid.size - 1.000001)
    lo = pos.astype(int)
    w = (pos - lo)[:, None]
    return table[lo] + w * (table[lo + 1] - table[lo])


def _forest(rng, tau_mol, lam):
    """Optical depth of random faint lines, stronger where the molecular opacity is."""
    n, m = tau_mol.shape
    per_row = round(_FOREST_DENSITY * m)
    pos = rng.uniform(0.0, m - 1.0, (n, per_row))
    left = pos.astype(np.int64)
    frac = pos - left
    rows = np.repeat(np.arange(n), per_row)
    strength = _FOREST_BASE * (lam[left] / 5000.0) ** -2.5 + _FOREST_MOL * np.take_along_axis(
        tau_mol, left, axis=1
    )
    depth = (rng.exponential(1.0, (n, per_row)) * strength).ravel()
    flat = rows * m + left.ravel()
    tau = np.bincount(flat, depth * (1.0 - frac.ravel()), minlength=n * m) + np.bincount(
        flat + 1, depth * frac.ravel(), minlength=n * m
    )
    # Unit-area lines: scale by the Gaussian peak so "depth" is the line's
    # central optical depth at the native resolution.
    peak = np.sqrt(2.0 * np.pi) * SIGMA0
    tau = gaussian_filter1d(tau.reshape(n, m), SIGMA0, axis=1, mode="nearest") * peak
    # The tuned photosphere is the *average* over the real forest, so the
    # pseudo forest redistributes opacity around it instead of adding to it.
    expected = (
        _FOREST_DENSITY * peak * (_FOREST_BASE * (lam / 5000.0) ** -2.5 + _FOREST_MOL * tau_mol)
    )
    return tau - expected


def _emission(flux, ew, rng, lam):
    """H-alpha (equivalent width ``ew``) and H-beta emission added to rest-frame flux."""
    halpha, hbeta = air_to_vacuum([phys.HALPHA, phys.HBETA])
    near = (lam > halpha - 40.0) & (lam < halpha + 40.0)
    cont = row_median(flux[:, near])
    line_flux = ew * cont
    out = np.zeros_like(flux)
    for centre, ratio in ((halpha, np.ones_like(ew)), (hbeta, rng.uniform(0.3, 0.7, ew.size))):
        width = SIGMA0 * centre * (10.0**DLOGLAM - 1.0)
        profile = np.exp(-0.5 * ((lam - centre) / width) ** 2) / (np.sqrt(2 * np.pi) * width)
        out += (line_flux * ratio)[:, None] * profile[None, :]
    return out


def _physical_star(rng, s, zeta_scatter):
    """The physical photosphere of stars of true subtypes ``s`` (model grid, rest frame)."""
    from . import _generator_coefs as coefs

    n = s.size
    teff = teff_of_subtype(s) + rng.normal(0.0, _TEFF_SCATTER, n)
    zeta = np.clip(rng.normal(1.0, zeta_scatter, n), 0.5, 1.5)
    feh = np.log(zeta) / coefs.FEH_SLOPE_TIO
    metal = np.clip(1.0 + coefs.FEH_SLOPE_METAL * feh + rng.normal(0.0, 0.05, n), 0.3, 2.0)
    eta = np.clip(rng.normal(1.0, 0.05, n), 0.7, 1.3)
    dlogg = rng.normal(0.0, 0.1, n)
    gravity = 10.0 ** (0.5 * dlogg)
    active, ew = _activity(rng, s)
    flux = _photosphere(rng, s, teff, zeta, eta, metal, gravity, active, ew)
    star = {
        "teff": teff,
        "zeta": zeta,
        "feh": feh,
        "dlogg": dlogg,
        "active": active,
        "halpha_ew": ew,
    }
    return flux, star


def _activity(rng, s):
    """Which stars are active (West et al. 2011 fractions) and their H-alpha EW."""
    names = ["K7"] + [f"M{i}" for i in range(10)]
    frac = np.interp(
        s, [phys.SUBTYPE_NUMBER[k] for k in names], [phys.ACTIVE_FRACTION[k] for k in names]
    )
    active = rng.random(s.size) < frac
    ew = np.where(active, np.exp(rng.uniform(*np.log(phys.HALPHA_EW_RANGE), s.size)), 0.0)
    return active, ew


@functools.lru_cache(maxsize=4)
def _library_grid(name):
    """The (subtype, [Fe/H]) grid of a shipped library (see :func:`_grid_from_templates`)."""
    from ._templates import bundled_library

    lib = bundled_library(name)
    if lib.flux.shape[1] != model_loglam().size or lib.pad != PAD:
        raise RuntimeError(
            "the shipped templates do not match the model grid; "
            "rerun benchmarks/build_template_data.py"
        )
    return _grid_from_templates(lib.flux, lib.subtype, lib.feh, name)


def _grid_from_templates(flux, subtype, feh, name):
    """Log flux of a template library on a regular (subtype, [Fe/H]) grid.

    Each subtype's [Fe/H] bins are interpolated linearly in log flux onto the
    union of the library's bins; a bin outside a subtype's own range takes
    its nearest bin (the library says nothing beyond it). Returns the
    subtypes (consecutive integers), the [Fe/H] grid and the table of shape
    (n_subtypes, n_feh, n_model_pixels).
    """
    log_flux = np.log(flux)
    subtypes = np.unique(subtype)
    if not np.array_equal(subtypes, np.arange(subtypes[0], subtypes[-1] + 1)):
        raise ValueError(
            f"the {name} templates must cover consecutive integer subtypes; got {subtypes}"
        )
    grid = np.unique(feh[np.isfinite(feh)]) if np.isfinite(feh).any() else np.zeros(1)
    table = np.empty((subtypes.size, grid.size, log_flux.shape[1]))
    for i, k in enumerate(subtypes):  # a handful of subtypes
        rows = np.flatnonzero(subtype == k)
        if grid.size == 1 or not np.isfinite(feh[rows]).all():
            table[i] = log_flux[rows].mean(axis=0)
            continue
        order = rows[np.argsort(feh[rows])]
        x = feh[order]
        pos = np.interp(grid, x, np.arange(x.size))  # clipped at the ends
        lo = np.minimum(pos.astype(int), x.size - 1)
        hi = np.minimum(lo + 1, x.size - 1)
        w = (pos - lo)[:, None]
        table[i] = (1.0 - w) * log_flux[order[lo]] + w * log_flux[order[hi]]
    return subtypes, grid, table


def _user_library(bunch):
    """A user's templates (a loader's Bunch on the SDSS grid) as a library grid.

    The 3522 pixels are extended by ``PAD`` copies of their end pixels on
    each side: room for the RV shift and the LSF, a few pixels at most.
    """
    try:
        data = np.asarray(bunch["data"], dtype=float)
        target = np.asarray(bunch["target"], dtype=object)
    except (KeyError, TypeError, ValueError):
        raise ValueError(
            "`templates` given as data must be a Bunch/dict with 'data' "
            "(n, 3522) and 'target' (e.g. load_kesseli_templates(path))"
        ) from None
    if data.ndim != 2 or data.shape[1] != N_PIXELS or len(target) != len(data):
        raise ValueError(
            f"templates: 'data' must be (n, {N_PIXELS}) on the SDSS grid with "
            f"one 'target' per row; got {data.shape} and {len(target)} targets"
        )
    if not np.isfinite(data).all() or (data <= 0).any():
        raise ValueError("templates: flux must be finite and positive everywhere")
    try:
        subtype = np.array([phys.SUBTYPE_NUMBER[str(t)] for t in target])
    except KeyError as exc:
        raise ValueError(f"templates: unknown subtype {exc.args[0]!r}; use K7, M0 ... M9") from None
    feh = np.asarray(bunch.get("feh", np.full(len(data), np.nan)), dtype=float)
    flux = np.pad(data / row_median(data)[:, None], ((0, 0), (PAD, PAD)), mode="edge")
    return _grid_from_templates(flux, subtype, feh, "user")


def _library_photospheres(rng, s, library):
    """Log flux interpolated in subtype and [Fe/H] in one library, and the [Fe/H] drawn.

    ``library`` is a shipped library's name or the grid of a user's templates.
    """
    subtypes, grid, table = _library_grid(library) if isinstance(library, str) else library
    n = s.size
    pos = np.clip(s - subtypes[0], -1.0, subtypes.size - 1.0)
    lo = np.clip(np.floor(pos).astype(int), 0, max(subtypes.size - 2, 0))
    w = (pos - lo)[:, None]
    hi = np.minimum(lo + 1, subtypes.size - 1)
    feh = rng.uniform(grid[0], grid[-1], n) if grid.size > 1 else np.full(n, np.nan)
    fpos = np.interp(feh, grid, np.arange(grid.size)) if grid.size > 1 else np.zeros(n)
    flo = np.minimum(fpos.astype(int), max(grid.size - 2, 0))
    fw = (fpos - flo)[:, None]
    fhi = np.minimum(flo + 1, grid.size - 1)

    def at(k):
        return (1.0 - fw) * table[k, flo] + fw * table[k, fhi]

    return (1.0 - w) * at(lo) + w * at(hi), feh


def _empirical_star(rng, s, libraries, offsets=None):
    """Photospheres interpolated between real template spectra (model grid, rest frame).

    The log flux is interpolated bilinearly in subtype and [Fe/H] between a
    library's templates; [Fe/H] is drawn uniformly over the library's bins so
    the population spans the band-strength diversity of real stars at every
    subtype. Below the first subtype the log flux is extrapolated linearly
    (by at most one subtype, e.g. K7 from M0-M1); above the last it is held.
    With several libraries each star takes one at random, so the population
    carries both type scales (each library's labels are its own).
    """
    if isinstance(libraries, str):
        libraries = {libraries: libraries}
    names = list(libraries)
    n = s.size
    which = rng.integers(0, len(names), n) if len(names) > 1 else np.zeros(n, dtype=int)
    log_flux = np.empty((n, model_loglam().size))
    feh = np.full(n, np.nan)
    s_library = np.array(s, dtype=float)
    for j, name in enumerate(names):  # one or two libraries
        rows = np.flatnonzero(which == j)
        s_library[rows] += 0.0 if offsets is None else offsets[name]
        log_flux[rows], feh[rows] = _library_photospheres(rng, s_library[rows], libraries[name])
    log_flux -= row_median(log_flux)[:, None]
    flux = np.exp(log_flux)
    active, ew = _activity(rng, s)
    if np.any(active):
        flux[active] += _emission(flux[active], ew[active], rng, model_basis().wavelength)
    star = {
        "teff": teff_of_subtype(s),
        "zeta": np.full(n, np.nan),
        "feh": feh,
        "dlogg": np.full(n, np.nan),
        "active": active,
        "halpha_ew": ew,
        "library": np.asarray(names, dtype=object)[which],
        "subtype_library": s_library,
    }
    return flux, star


def _simulate(
    rng,
    labels,
    snr_range,
    label_noise,
    zeta_scatter,
    noise,
    library=None,
    offsets=None,
    clean=False,
):
    """Simulate one chunk of spectra of the numeric labels ``labels``.

    ``library`` None draws physical photospheres, library names empirical
    ones, each at its subtype offset in ``offsets``. Returns ``(observed,
    ivar, frame, noiseless)``, ``noiseless`` None unless ``clean``.
    """
    n = labels.size
    # Star.
    s = labels + np.clip(rng.normal(0.0, label_noise, n), -0.95, 0.95)
    s = np.clip(s, -1.0, 9.5)
    if library is None:
        flux, star = _physical_star(rng, s, zeta_scatter)
        ebv_offset = 0.0
    else:
        flux, star = _empirical_star(rng, s, library, offsets)
        # The templates are co-adds of observed, reddened stars: their mean
        # reddening is already in them, the draw scatters around it.
        ebv_offset = -0.5 * (EBV_RANGE[0] + EBV_RANGE[1])
    observed, ivar, obs, noiseless = _observe(rng, flux, snr_range, noise, ebv_offset, clean)
    frame = pd.DataFrame({"subtype_true": s, **star, **obs})
    return observed, ivar, frame, noiseless


def _observe(rng, flux, snr_range, noise, ebv_offset=0.0, clean=False):
    """Observe rest-frame model-grid spectra through RV, instrument, sky and noise.

    With ``clean`` also returns the observation before the random noise (bad
    pixels interpolated the same way), else None in its place; it draws
    nothing from ``rng``, so the other outputs do not depend on it.
    """
    n = flux.shape[0]
    obs = _observation_templates()
    lam = obs.wavelength
    # Doppler shift and instrument.
    rv = rng.normal(0.0, 40.0, n)
    shift = np.log10(1.0 + rv / 299792.458) / DLOGLAM
    lsf = rng.uniform(*_LSF_RANGE, n)
    extra = np.sqrt(np.clip(lsf**2 - SIGMA0**2, 0.0, None))
    flux = _shift_and_broaden(flux, shift, extra)[:, PAD : PAD + N_PIXELS]
    # Interstellar reddening, telluric residuals, flux-calibration wobble.
    ebv = rng.uniform(*EBV_RANGE, n)
    log_mult = -0.4 * np.log(10.0) * (ebv + ebv_offset)[:, None] * obs.extinction[None, :]
    log_mult += (rng.normal(0.0, 1.0, (n, len(_TELLURIC_SD))) * _TELLURIC_SD) @ obs.telluric
    log_mult += rng.normal(0.0, _WOBBLE_SD, (n, obs.wobble.shape[0])) @ obs.wobble
    flux = flux * np.exp(log_mult)
    scale = 10.0 ** rng.uniform(0.0, 2.5, n)
    flux *= (scale / row_median(flux))[:, None]
    flux = np.clip(flux, 0.0, None)
    # Sky: photons (noise) and subtraction residuals (signal-like artefacts).
    snr_target = np.exp(rng.uniform(np.log(snr_range[0]), np.log(snr_range[1]), n))
    sky_ratio = 10.0 ** rng.uniform(-1.3, 0.3, n) * np.sqrt(15.0 / snr_target)
    sky_unit = (sky_ratio * scale)[:, None]
    sky = sky_unit * (obs.sky_continuum + obs.sky_lines.sum(axis=0))[None, :]
    residual = sky_unit * (
        rng.normal(0.0, _SKYLINE_SD, (n, obs.sky_lines.shape[0])) @ obs.sky_lines
        + rng.normal(0.0, _SKYCONT_SD, (n, 1)) * obs.sky_continuum
    )
    # Noise: photon noise of star + sky through the throughput, plus read noise.
    read2 = 10.0 ** rng.uniform(-1.5, -0.5, n) * scale
    photons = obs.throughput * lam / 6500.0
    var_unit = (flux + sky) / photons + read2[:, None] / obs.throughput**2
    k = row_median(flux / np.sqrt(var_unit)) / snr_target
    sigma = k[:, None] * np.sqrt(var_unit)
    observed = flux + residual
    noiseless = observed.copy() if clean else None
    if noise:
        observed = observed + sigma * rng.standard_normal((n, N_PIXELS))
    ivar = 1.0 / sigma**2
    # The SDSS pipeline's BRIGHTSKY bit (an and_mask bit skspec treats as bad):
    # sky above the object's flux + 10 sigma and above 1.25 x the local sky
    # level, i.e. at the bright sky lines of faint or sky-dominated spectra.
    brightsky = (sky > flux + 10.0 * sigma) & (sky > 1.25 * sky_unit * obs.sky_continuum)
    bad = _bad_pixel_mask(rng, n, N_PIXELS) | brightsky
    ivar[bad] = 0.0
    rows = np.flatnonzero(bad.any(axis=1))
    observed[rows] = interpolate_bad_pixels(observed[rows], bad[rows])
    if clean:
        noiseless[rows] = interpolate_bad_pixels(noiseless[rows], bad[rows])
    frame = {
        "rv": rv,
        "ebv": ebv,
        "lsf_sigma": lsf,
        "flux_scale": scale,
        "sky_ratio": sky_ratio,
        "snr_target": snr_target,
        "n_bad_pixels": bad.sum(axis=1),
    }
    return observed, ivar, frame, noiseless


# --- Public API -----------------------------------------------------------------------------

_CHUNK = 1000
#: Labels the generator accepts.
SUBTYPES = tuple(f"M{i}" for i in range(10))


def _as_generator(random_state):
    if isinstance(random_state, np.random.Generator):
        return random_state
    rs = check_random_state(random_state)
    return np.random.default_rng(rs.randint(0, 2**31 - 1, size=4))


def _check_snr(snr):
    if isinstance(snr, numbers.Real) and not isinstance(snr, bool):
        snr = (snr, snr)
    try:
        lo, hi = (float(v) for v in snr)
    except (TypeError, ValueError):
        raise ValueError(f"`snr` must be a number or a (low, high) pair, got {snr!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo <= 0 or hi < lo:
        raise ValueError(f"`snr` must satisfy 0 < low <= high < inf, got {snr!r}")
    return lo, hi


def _describe(subtypes, snr_range, label_noise, zeta_scatter, library=None, offsets=None):
    subtypes_text = ", ".join(subtypes)
    text = _DESCR_TEMPLATE.format(
        **locals(), _TEFF_SCATTER=_TEFF_SCATTER, _LSF_RANGE=_LSF_RANGE, _WOBBLE_SD=_WOBBLE_SD
    )
    if library is None:
        return text
    from ._templates import LIBRARIES

    head, _, rest = text.partition("\nPhotosphere.")
    rest = rest[rest.index("\nObservation.") :]
    return (
        head
        + f"""
Photosphere (empirical, templates: {"+".join(library)}). The rest-frame spectrum is
interpolated linearly in log flux between real template spectra of
{"; ".join(LIBRARIES.get(name, "the user's templates") for name in library)}: in subtype between the two neighbouring subtypes, and
in [Fe/H] between the library's bins, with [Fe/H] drawn uniformly over the
bins (a subtype's own range bounds it; zeta and Teff in ``frame`` are then
informational). Below the first subtype the log flux is extrapolated
linearly. With several libraries each star takes one at random
(``frame.library``) and carries that library's own type scale. A star
labelled k takes the library's spectrum at subtype s + offset
(``frame.subtype_library``), offset {offsets} (the library's type scale
against the types given to real stars). The templates carry their own mean reddening: the E(B-V) drawn
below is applied relative to the middle of its range.
"""
        + rest
    )


_DESCR_TEMPLATE = """Synthetic SDSS-like M dwarf spectra (skspec.datasets.make_mdwarf_spectra)
=========================================================================

Spectra of {subtypes_text} dwarfs on the SDSS grid log10(lambda) =
3.6021 + 1e-4 i (3522 pixels, 4000-9000 A vacuum), flux in arbitrary
multiples of 1e-17 erg/s/cm^2/A, with inverse variances, balanced classes.

Star. The label is an integer subtype; the star's true subtype is the label
plus N(0, {label_noise:g}) (clipped to +-0.95), so labels are realistically
fuzzy and the latent subtype extends half a class past the labelled range
(K7-M5 for M0-M4). Teff follows Pecaut & Mamajek (2013) at the true subtype,
plus N(0, {_TEFF_SCATTER:g} K). zeta ~ N(1, {zeta_scatter:g}) scales the TiO and
VO optical depths (Lepine et al. 2007's metallicity class); ``feh`` is its
[Fe/H] equivalent ln(zeta) / 0.33 (the TiO5 response of the Kesseli templates
to their [Fe/H] bins), which also strengthens the metal lines. Gravity offsets
dlogg ~ N(0, 0.1) dex scale the pressure-broadened alkali lines. A fraction of
stars rising with subtype (5% M0-M2, 15% M3, 30% M4, West et al. 2011) is
active: H-alpha emission with EW log-uniform in 1-10 A, plus H-beta, and no
Balmer absorption.

Photosphere. log F = log B(Teff) + Legendre colour term (blanketing) -
sum of band and line optical depths. TiO (alpha, beta, gamma', gamma, delta
systems), CaH (6382/6389 heads, 6750-7050 band), VO (7334, 7851; from M5) and
MgH heads are sharp on one side and fade with a non-negative mixture of
exponential tails; 46 atomic lines (Na D, Na I 8183/95, K I 7665/99, Ca II
triplet, Ca I 4227, Mg b, Ca I, Fe I, Cr I, Balmer ...) have Gaussian cores
and, for the pressure-broadened ones, Lorentzian wings. Amplitudes are tuned
at M0-M5 to the Kesseli et al. (2017) SDSS templates of all [Fe/H] bins
(benchmarks/tune_generator.py) and extrapolated to K7 and M6-M9. A random
pseudo line forest (strength following the local molecular opacity) stands
for the unresolved fine structure.

Observation. Radial velocity N(0, 40) km/s; Gaussian LSF sigma
U{_LSF_RANGE} pixels; reddening E(B-V) ~ U(0, 0.08) with the
Cardelli/O'Donnell law (R_V = 3.1); telluric residuals in the O2 B/A and H2O
bands; flux-calibration wobble exp(sum c_j P_j), c_j ~ N(0, {_WOBBLE_SD:g}),
j = 1..3; overall flux scale log-uniform in 1-300; sky continuum and emission
lines ([O I], Na D, OH) whose subtraction leaves residuals.

Noise. sigma^2 = k^2 [(F + S) / (lambda T(lambda)) + r^2 / T(lambda)^2] with
sky S, spectrograph throughput T and read noise r; k is set so that the
median per-pixel S/N equals a target drawn log-uniformly in
[{snr_range[0]:g}, {snr_range[1]:g}] (with the default 5-40: about 33% in the
paper's 5-10 bin, 20% in 10-15 and 47% above 15). ``snr`` is then measured
the SDSS way (SN_MEDIAN_ALL) from the returned flux and ivar. Bad pixels
(ivar = 0, flux linearly interpolated): the SDSS BRIGHTSKY rule (sky > F +
10 sigma and > 1.25 x the sky continuum, i.e. bright sky lines) plus short
random runs and rarely a long one.

Bunch fields: data, ivar (float32, (n, 3522)), target (str), wavelength
(vacuum A), snr, frame (per-spectrum truth: subtype, subtype_true, teff, zeta,
feh, dlogg, rv, ebv, lsf_sigma, active, halpha_ew, flux_scale, sky_ratio,
snr_target, n_bad_pixels, snr, snr_bin), DESCR; with return_clean, clean
(float32, (n, 3522): the flux before its random noise).

References: Kesseli et al. 2017 ApJS 230 16; Pecaut & Mamajek 2013 ApJS 208
9; Reid, Hawley & Gizis 1995 AJ 110 1838; Lepine et al. 2007 ApJ 669 1235;
West et al. 2011 AJ 141 97; Kirkpatrick et al. 1991 ApJS 77 417; Cardelli et
al. 1989 ApJ 345 245; O'Donnell 1994 ApJ 422 158; Osterbrock et al. 1996 PASP
108 277.
"""


def make_mdwarf_spectra(
    n_samples=1000,
    *,
    subtypes=("M0", "M1", "M2", "M3", "M4"),
    snr=(5.0, 40.0),
    random_state=None,
    return_X_y=False,
    label_noise=0.28,
    zeta_scatter=0.07,
    noise=True,
    photosphere="empirical",
    templates="kesseli2017",
    type_offset="auto",
    return_clean=False,
):
    """Generate realistic synthetic SDSS spectra of M dwarfs.

    Stellar photospheres, by default interpolated between real SDSS template
    spectra (Kesseli et al. 2017, shipped with skspec) in subtype and [Fe/H],
    or drawn from a physical model (Planck continuum with a colour term,
    TiO/CaH/VO/MgH bands with sharp heads and red tails, atomic lines), with
    activity, observed through radial velocity, LSF, reddening, telluric and
    sky residuals, flux-calibration errors and S/N-controlled noise with bad
    pixels. See ``DESCR`` of the result for every distribution.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of spectra, split as equally as possible over ``subtypes``.
    subtypes : sequence of str, default=("M0", "M1", "M2", "M3", "M4")
        Class labels, each one of ``"M0"`` ... ``"M9"``.
    snr : (float, float) or float, default=(5.0, 40.0)
        Range of the target median S/N per pixel, drawn log-uniformly; a
        single number fixes it.
    random_state : int, RandomState, Generator or None, default=None
        Seed or random generator; an int makes the output reproducible.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    label_noise : float, default=0.28
        Standard deviation (subtypes) of the true subtype around its label.
    zeta_scatter : float, default=0.07
        Standard deviation of zeta, the TiO/VO optical-depth multiplier
        (metallicity class).
    noise : bool, default=True
        Add the random noise. With False the flux is the noiseless
        observation (all other effects kept) and ``ivar`` still describes the
        noise that would have been added.
    photosphere : {"empirical", "physical"}, default="empirical"
        Source of the rest-frame stellar spectra. ``"empirical"``: real
        template spectra of ``templates``, interpolated in subtype and
        [Fe/H] (drawn uniformly over the library's bins), then observed
        through the observation layers (activity, RV, LSF, reddening around
        the templates' own, tellurics, calibration wobble, sky, noise, bad
        pixels); ``zeta_scatter`` does not apply to it. ``"physical"``: the
        parametric model (bands, lines, colour term) tuned to the Kesseli
        templates, which extends to K7 and M9. The default is the one that
        types real spectra from another library best (BENCHMARKS.md, "Real
        spectra"): models trained on the physical photosphere type the
        Bochanski et al. (2007) templates 0.72-0.78 exactly (a quarter
        subtype late), on the empirical one 0.95-1.00.
    templates : {"kesseli2017", "bochanski2007"}, list of them or Bunch, \
            default="kesseli2017"
        Template library of the empirical photosphere (shipped with skspec,
        see :func:`load_kesseli_templates` and
        :func:`load_bochanski_templates`), or a user's own templates as a
        Bunch/dict with ``data`` (n, 3522) on the SDSS grid, ``target``
        (integer subtypes "M0" ... covering consecutive subtypes) and
        optionally ``feh``, e.g. ``load_kesseli_templates("my_dir/")``; their
        edge pixels are repeated to give the model grid its margin. Kesseli et al. (2017) covers
        M0-M5 in four or five [Fe/H] bins each, Bochanski et al. (2007)
        M0-M9 with one template per subtype. A list of both gives each
        star one of them at random.
    type_offset : "auto" or float, default="auto"
        Empirical photosphere only: a star labelled ``k`` (true subtype
        ``s`` around ``k``) takes the library's spectrum at ``s +
        type_offset``, the offset between the library's interpolated type
        scale and the types given to real stars. ``"auto"`` takes each
        library's calibrated value (+0.25 for Kesseli et al. 2017, 0 for
        Bochanski et al. 2007; see ``skspec.datasets._templates.TYPE_OFFSET``
        and BENCHMARKS.md); 0 uses the library's scale as it is.
    return_clean : bool, default=False
        Add ``clean`` to the Bunch: each spectrum as observed but before its
        random noise (every other effect, sky residuals and bad-pixel
        interpolation included), so that ``data - clean`` is the noise that
        was drawn. A network's ``fit(X, y, X_clean=clean)`` re-signs that
        noise every epoch (see :meth:`skspec.models.EMCCNNClassifier.fit`).
        It draws no random numbers: the other outputs are the same with or
        without it. Needs the Bunch (``return_X_y=False``).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` float32 (n_samples, 3522) flux, bad pixels interpolated;
        ``ivar`` float32 (n_samples, 3522), 0 at bad pixels; ``target``
        object array of labels; ``wavelength`` (3522,) vacuum Angstrom;
        ``snr`` (n_samples,) measured like SDSS ``SN_MEDIAN_ALL``; ``frame``
        DataFrame of the per-spectrum truth (true subtype, Teff, zeta,
        [Fe/H] equivalent, RV, E(B-V), activity, target and measured S/N,
        ``snr_bin`` ...); ``DESCR``; with ``return_clean``, ``clean``
        float32 (n_samples, 3522).
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    ValueError
        If ``n_samples < 1``, a subtype is unknown or repeated, the S/N
        range is invalid, or ``return_clean`` comes with ``return_X_y``.

    See Also
    --------
    load_sdss_spectra : real SDSS spectra in the same format.
    load_kesseli_templates : the templates the photosphere is tuned to.
    skspec.preprocessing.SpectralIndices : indices that follow those of the
        templates on these spectra.

    Notes
    -----
    Generation is vectorised over chunks of 1000 spectra (10,000 spectra take
    a few seconds on two cores). The photosphere coefficients live in
    ``skspec/datasets/_generator_coefs.py`` and are reproduced by
    ``benchmarks/tune_generator.py``.

    References
    ----------
    Kesseli, A. Y. et al. 2017, ApJS 230, 16; Pecaut, M. J. & Mamajek, E. E.
    2013, ApJS 208, 9; Lepine, S. et al. 2007, ApJ 669, 1235; West, A. A. et
    al. 2011, AJ 141, 97.

    Examples
    --------
    >>> from skspec.datasets import make_mdwarf_spectra
    >>> data = make_mdwarf_spectra(50, random_state=0)
    >>> data.data.shape, data.data.dtype
    ((50, 3522), dtype('float32'))
    >>> sorted(set(data.target))
    ['M0', 'M1', 'M2', 'M3', 'M4']
    """
    if not isinstance(n_samples, numbers.Integral) or isinstance(n_samples, bool) or n_samples < 1:
        raise ValueError(f"`n_samples` must be an integer >= 1, got {n_samples!r}")
    if isinstance(subtypes, str):
        subtypes = (subtypes,)
    subtypes = tuple(subtypes)
    unknown = [t for t in subtypes if t not in SUBTYPES]
    if not subtypes or unknown:
        raise ValueError(f"unknown subtype(s) {unknown}; choose among {list(SUBTYPES)}")
    if len(set(subtypes)) != len(subtypes):
        raise ValueError(f"`subtypes` contains duplicates: {list(subtypes)}")
    snr_range = _check_snr(snr)
    for name, value in (("label_noise", label_noise), ("zeta_scatter", zeta_scatter)):
        if not isinstance(value, numbers.Real) or not 0 <= value <= 1:
            raise ValueError(f"`{name}` must be a number in [0, 1], got {value!r}")
    if return_clean and return_X_y:
        raise ValueError("`return_clean` adds a field to the Bunch; it needs return_X_y=False")
    if photosphere not in ("physical", "empirical"):
        raise ValueError(f"`photosphere` must be 'physical' or 'empirical', got {photosphere!r}")
    library = offsets = None
    if photosphere == "empirical":
        from ._templates import LIBRARIES, TYPE_OFFSET

        if isinstance(templates, dict):  # a user's templates, e.g. a loader's Bunch
            library = {"user": _user_library(templates)}
        else:
            names = (templates,) if isinstance(templates, str) else tuple(templates)
            if not names or any(not isinstance(t, str) or t not in LIBRARIES for t in names):
                raise ValueError(
                    f"`templates` must be one of {sorted(LIBRARIES)}, a list of "
                    f"them or a Bunch of templates, got {templates!r}"
                )
            library = {name: name for name in names}
        if isinstance(type_offset, str) and type_offset == "auto":
            offsets = {name: TYPE_OFFSET.get(name, 0.0) for name in library}
        elif (
            isinstance(type_offset, numbers.Real)
            and not isinstance(type_offset, bool)
            and abs(type_offset) <= 1
        ):
            offsets = dict.fromkeys(library, float(type_offset))
        else:
            raise ValueError(
                f"`type_offset` must be 'auto' or a number in [-1, 1], got {type_offset!r}"
            )
        for name, spec in library.items():
            covered = (_library_grid(spec) if isinstance(spec, str) else spec)[0]
            outside = [
                t for t in subtypes if not covered[0] <= phys.SUBTYPE_NUMBER[t] <= covered[-1]
            ]
            if outside:
                raise ValueError(
                    f"the {name} templates cover M{covered[0]:g}-M{covered[-1]:g}; "
                    f"subtype(s) {outside} need photosphere='physical' or "
                    "another library"
                )
    rng = _as_generator(random_state)

    per_class = np.full(len(subtypes), n_samples // len(subtypes))
    per_class[: n_samples % len(subtypes)] += 1
    target = rng.permutation(np.repeat(np.array(subtypes, dtype=object), per_class))
    numeric = np.array([phys.SUBTYPE_NUMBER[t] for t in target])

    data = np.empty((n_samples, N_PIXELS), dtype=np.float32)
    ivar = np.empty((n_samples, N_PIXELS), dtype=np.float32)
    snr_measured = np.empty(n_samples)
    want_clean = bool(return_clean)
    clean = np.empty((n_samples, N_PIXELS), dtype=np.float32) if want_clean else None
    frames = []
    for start in range(0, n_samples, _CHUNK):
        stop = min(start + _CHUNK, n_samples)
        flux, iv, frame, noiseless = _simulate(
            rng,
            numeric[start:stop],
            snr_range,
            float(label_noise),
            float(zeta_scatter),
            bool(noise),
            library,
            offsets,
            want_clean,
        )
        data[start:stop] = flux
        if want_clean:
            clean[start:stop] = noiseless
        ivar[start:stop] = iv
        # Per chunk: sdss_snr works in float64, the whole batch would need
        # several times the output's memory.
        snr_measured[start:stop] = sdss_snr(data[start:stop], ivar[start:stop])
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    frame.insert(0, "subtype", target)
    frame["snr"] = snr_measured
    frame["snr_bin"] = snr_bin_label(snr_measured)
    if return_X_y:
        return data, target
    bunch = Bunch(
        data=data,
        target=target,
        ivar=ivar,
        wavelength=10.0 ** sdss_loglam(),
        snr=snr_measured,
        frame=frame,
        DESCR=_describe(subtypes, snr_range, label_noise, zeta_scatter, library, offsets),
    )
    if want_clean:
        bunch.clean = clean
    return bunch
