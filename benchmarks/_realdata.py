"""Real M dwarf spectra degraded to the paper's S/N bins: the sim-to-real test sets.

Shared by ``bench_sim2real.py`` and the slow test ``tests/test_sim2real.py``.
The degradation is written here, independently of the generator's
observation model, so that the check does not score the generator with its
own noise:

* radial velocity ~ N(0, 40) km/s, applied to the finely sampled template
  before it is averaged into the SDSS pixels;
* flux-calibration wobble exp(sum c_j P_j(x)), c_j ~ N(0, 0.05), j = 1..3;
* an arbitrary flux scale, log-uniform over three decades;
* noise shaped like SDSS's: the variance per pixel follows flux x g(lambda),
  g taken from the ivar and flux of a real SDSS M dwarf file (its
  spectrograph throughput and sky), plus a floor, scaled so the median S/N
  per pixel hits a target drawn log-uniformly in the bin (5-10, 10-15,
  15-30);
* bad pixels: a few runs with ivar = 0, flux linearly interpolated (what the
  SDSS loader hands a model).

Real SDSS files are already observed: only noise is added (down to the
target S/N, never below their own noise) with a new flux scale.

``instrument=True`` adds what changes when a star is observed with another
instrument and brought to SDSS's grid (the stress sets, source names ending in
``+instrument``): a colour change, the flux ratio of 8250 A to 5550 A
multiplied by a factor log-uniform in [0.8, 1.25] (a power law in
wavelength; real stars of one type differ from a library's template by
10-20 % in this ratio), and a resolution mismatch, an extra Gaussian
broadening of sigma uniform in [0, 1] SDSS pixel.

``coverage=True`` adds the same copies seen by a spectrograph that covers less
than the SDSS grid (sources ending in ``+coverage``): each copy keeps one of
``COVERAGES`` (a red-arm spectrum starting at 5000, 5500 or 6000 A, one that
stops at 8000 or 8500 A, or 5500-8500 A), the pixels outside it are bad
(ivar = 0) and filled with the nearest good value, as the loaders do.
"""

import os
from pathlib import Path

import numpy as np
from numpy.polynomial import legendre
from scipy.ndimage import median_filter

from skspec.datasets import load_sdss_spectra
from skspec.utils import interpolate_bad_pixels, rebin_to_grid, sdss_loglam

#: The paper's S/N bins, with the upper end of the open bin used here.
SNR_BINS = {"5-10": (5.0, 10.0), "10-15": (10.0, 15.0), ">15": (15.0, 30.0)}
IN_SCOPE = ("M0", "M1", "M2", "M3", "M4")
#: Real SDSS files of the reference data whose type is in scope, with the
#: label used (PyHammer's by-eye type; see ../shared/data/labels.csv).
SDSS_M_DWARFS = {
    "spec-0618-52049-0372.fits": "M1",
    "spec-1079-52621-0509.fits": "M2",
    "spec-5047-55833-0936.fits": "M2",
}
#: Wavelength windows (A) of the ``+coverage`` sets; the SDSS grid spans 4000-9000 A.
COVERAGES = ((5000, 9000), (5500, 9000), (6000, 9000), (4000, 8500), (4000, 8000), (5500, 8500))
#: The SDSS file whose ivar/flux shapes the noise (M1, S/N 50, legacy).
NOISE_SHAPE_FILE = "spec-0618-52049-0372.fits"


def shared_data_dir():
    """The reference data folder: $SKSPEC_SHARED_DATA or ../shared/data beside the checkout."""
    env = os.environ.get("SKSPEC_SHARED_DATA")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    return path if path.is_dir() else None


def read_fine_templates(data_dir):
    """Both real libraries at their native sampling, M0-M4 only.

    Returns a dict library -> list of (label, feh, loglam, flux).
    """
    from astropy.io import fits

    out = {"kesseli2017": [], "bochanski2007": []}
    for path in sorted((data_dir / "pyhammer_templates").glob("M*_Dwarf.fits")):
        label, feh = path.name.split("_")[:2]
        if label not in IN_SCOPE:
            continue
        with fits.open(path, memmap=False) as hdul:
            t = hdul[1].data
            out["kesseli2017"].append(
                (label, float(feh), t["LogLam"].astype(float), t["Flux"].astype(float))
            )
    for path in sorted((data_dir / "bochanski2007_templates").glob("M*_SDSS_bochanski2007.txt.gz")):
        label = "M" + path.name[1]
        if label not in IN_SCOPE:
            continue
        wave, flux = np.loadtxt(path, usecols=(0, 1), unpack=True)
        out["bochanski2007"].append((label, np.nan, np.log10(wave), flux))
    return out


def noise_shape(data_dir):
    """g(lambda) on the SDSS grid: variance per unit flux of a real SDSS M dwarf."""
    ds = load_sdss_spectra(data_dir / "pyhammer_sdss_spec" / NOISE_SHAPE_FILE)
    flux, ivar = ds.data[0].astype(float), ds.ivar[0].astype(float)
    good = (ivar > 0) & (flux > 0)
    g = np.full(flux.size, np.nan)
    g[good] = 1.0 / (ivar[good] * flux[good])
    g = np.interp(np.arange(g.size), np.flatnonzero(good), g[good])
    g = median_filter(g, 31, mode="nearest")
    return g / np.median(g)


def _wobble(rng, n):
    x = np.linspace(-1.0, 1.0, sdss_loglam().size)
    rows = np.array([legendre.legval(x, np.eye(4)[j]) for j in range(1, 4)])
    return np.exp(rng.normal(0.0, 0.05, (n, 3)) @ rows)


def _instrument(rng, clean):
    """Another instrument: a colour change and extra broadening (module docstring)."""
    from scipy.ndimage import gaussian_filter1d

    n = len(clean)
    lam = 10.0 ** sdss_loglam()
    ratio = np.exp(rng.uniform(np.log(0.8), np.log(1.25), n))
    alpha = np.log(ratio) / np.log(8250.0 / 5550.0)
    out = clean * (lam[None, :] / 6800.0) ** alpha[:, None]
    sigma = rng.uniform(0.0, 1.0, n)
    for i in np.flatnonzero(sigma > 0.05):  # a few hundred copies: a loop is fine
        out[i] = gaussian_filter1d(out[i], sigma[i], mode="nearest")
    return out


def _bad_runs(rng, n, m):
    bad = np.zeros((n, m), bool)
    for i in range(n):  # a few runs per spectrum; n is small (test copies)
        for _ in range(rng.poisson(1.0)):
            start = rng.integers(0, m)
            bad[i, start : start + rng.geometric(0.2)] = True
    return bad


def _add_noise(rng, clean, g, snr_lo, snr_hi, own_var=None):
    """Noise with variance k^2 (F g + floor), median S/N log-uniform in [lo, hi]."""
    n, m = clean.shape
    target = np.exp(rng.uniform(np.log(snr_lo), np.log(snr_hi), n))
    flux = np.clip(clean, 0.0, None)
    shape = flux * g[None, :] + 0.05 * np.median(flux, axis=1, keepdims=True)
    k2 = (np.median(flux / np.sqrt(shape), axis=1) / target) ** 2
    var = k2[:, None] * shape
    extra = var if own_var is None else np.clip(var - own_var, 0.0, None)
    noisy = clean + np.sqrt(extra) * rng.standard_normal((n, m))
    ivar = 1.0 / np.maximum(var, extra if own_var is None else own_var + extra)
    bad = _bad_runs(rng, n, m)
    ivar[bad] = 0.0
    noisy = interpolate_bad_pixels(noisy, bad)
    return noisy, ivar


def degrade_templates(
    rng,
    templates,
    g,
    snr_bin,
    copies,
    instrument=False,
    rv_offset=0.0,
    effect=None,
    after_noise=None,
):
    """``copies`` degraded observations of each template in one S/N bin.

    ``rv_offset`` (km/s) is added to every copy's radial velocity;
    ``effect``, a function of the noiseless copies on the SDSS grid
    (an array of shape (n, 3522)), changes them before the calibration
    wobble, the flux scale and the noise; ``after_noise``, a function of
    ``(rng, noisy, ivar)`` returning new noisy flux, changes the observed
    spectra after it (with ``ivar`` as it was: defects the pipeline missed).
    """
    grid = sdss_loglam()
    clean, labels, feh = [], [], []
    for label, fe, loglam, flux in templates:
        rv = rv_offset + rng.normal(0.0, 40.0, copies)
        for v in rv:  # one rebin per copy: tens of templates x tens of copies
            clean.append(
                rebin_to_grid(loglam + np.log10(1.0 + v / 299792.458), flux, grid_loglam=grid)
            )
        labels += [label] * copies
        feh += [fe] * copies
    clean = np.array(clean)
    if instrument:
        clean = _instrument(rng, clean)
    if effect is not None:
        clean = effect(clean)
    clean = clean * _wobble(rng, len(clean)) * 10.0 ** rng.uniform(-1, 2, (len(clean), 1))
    noisy, ivar = _add_noise(rng, clean, g, *SNR_BINS[snr_bin])
    if after_noise is not None:
        noisy = after_noise(rng, noisy, ivar)
    return noisy.astype(np.float32), ivar.astype(np.float32), np.array(labels, dtype=object)


def degrade_sdss(rng, data_dir, g, snr_bin, copies, instrument=False):
    """``copies`` noisier versions of each in-scope real SDSS M dwarf file."""
    paths = [data_dir / "pyhammer_sdss_spec" / name for name in SDSS_M_DWARFS]
    ds = load_sdss_spectra(paths)
    flux = np.repeat(ds.data.astype(float), copies, axis=0)
    if instrument:
        flux = _instrument(rng, flux)
    own_ivar = np.repeat(ds.ivar.astype(float), copies, axis=0)
    with np.errstate(divide="ignore"):
        own_var = np.where(own_ivar > 0, 1.0 / own_ivar, 0.0)
    noisy, ivar = _add_noise(rng, flux, g, *SNR_BINS[snr_bin], own_var=own_var)
    scale = 10.0 ** rng.uniform(-1, 2, (len(noisy), 1))
    labels = np.repeat(np.array(list(SDSS_M_DWARFS.values()), dtype=object), copies)
    return (noisy * scale).astype(np.float32), (ivar / scale**2).astype(np.float32), labels


def cut_coverage(rng, X, ivar):
    """The copies ``X`` seen through one random window of ``COVERAGES`` each."""
    lam = 10.0 ** sdss_loglam()
    lo, hi = np.array(COVERAGES, dtype=float)[rng.integers(0, len(COVERAGES), len(X))].T
    outside = (lam[None, :] < lo[:, None]) | (lam[None, :] > hi[:, None])
    bad = outside | (ivar == 0)
    X = interpolate_bad_pixels(X.astype(float), bad).astype(np.float32)
    return X, np.where(bad, 0.0, ivar).astype(np.float32)


def test_sets(data_dir, *, copies=12, sdss_copies=40, seed=0, instrument=False, coverage=False):
    """Every real test set: {(source, bin): (X, ivar, y)}.

    Sources: ``kesseli2017`` and ``bochanski2007`` (M0-M4 templates) and
    ``sdss`` (the in-scope real SDSS files); with ``instrument``, each again
    as ``<source>+instrument`` with a colour change and extra broadening; with
    ``coverage``, the plain copies again as ``<source>+coverage``, each seen
    through one window of ``COVERAGES`` (drawn last, so the other sets are
    the same with or without it).
    """
    rng = np.random.default_rng(seed)
    g = noise_shape(data_dir)
    fine = read_fine_templates(data_dir)
    out = {}
    for snr_bin in SNR_BINS:
        for lib in ("kesseli2017", "bochanski2007"):
            n_copies = copies if lib == "kesseli2017" else 4 * copies
            out[lib, snr_bin] = degrade_templates(rng, fine[lib], g, snr_bin, n_copies)
        out["sdss", snr_bin] = degrade_sdss(rng, data_dir, g, snr_bin, sdss_copies)
    if instrument:
        for snr_bin in SNR_BINS:
            for lib in ("kesseli2017", "bochanski2007"):
                n_copies = copies if lib == "kesseli2017" else 4 * copies
                out[lib + "+instrument", snr_bin] = degrade_templates(
                    rng, fine[lib], g, snr_bin, n_copies, instrument=True
                )
            out["sdss+instrument", snr_bin] = degrade_sdss(
                rng, data_dir, g, snr_bin, sdss_copies, instrument=True
            )
    if coverage:
        for snr_bin in SNR_BINS:
            for source in ("kesseli2017", "bochanski2007", "sdss"):
                X, ivar, y = out[source, snr_bin]
                out[source + "+coverage", snr_bin] = (*cut_coverage(rng, X, ivar), y)
    return out


def score(y_true, y_pred):
    """Exact, within-one, mean signed subtype error (predicted - true), n."""
    t = np.array([float(str(v)[1:]) for v in y_true])
    p = np.array([float(str(v)[1:]) if str(v).startswith("M") else np.nan for v in y_pred])
    d = p - t
    return {
        "exact": float(np.mean(d == 0)),
        "within1": float(np.mean(np.abs(d) <= 1)),
        "bias": float(np.nanmean(d)),
        "n": int(t.size),
    }
