"""Benchmark: the preprocessing transformers on 10,000 spectra of 3522 pixels.

* ``QuadraticResampler`` (3522 -> 5000 points) against a per-spectrum loop of
  ``scipy.interpolate.interp1d(kind="quadratic")`` (the reference it must beat
  by 10x) and against scipy's own batched ``make_interp_spline(..., axis=1)``;
  the largest difference from the reference is reported too.
* ``SNRBinner``, ``Folder2D`` (on the 5000-point output) and every
  ``ContinuumNormalizer`` method.
* How the flux-only S/N estimate of ``SNRBinner`` (DER_SNR) compares with the
  SDSS ``SN_MEDIAN_ALL`` measure: on the real M dwarfs of the shared reference
  data degraded with white noise, and on ``make_mdwarf_spectra`` output (when
  that generator exists) against the S/N it measured the SDSS way.

The timing input is synthetic float32 flux (smooth continua, absorption
lines, noise at S/N 3-40): only its size matters for the timings. Times are
the best of ``--repeats`` runs, except the slow reference loop (one run).
Prints a markdown section.

Usage::

    python benchmarks/bench_preprocessing.py [--n-spectra 10000] [--repeats 3]
        [--data-dir ../shared/data]
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import load_average, machine_info  # noqa: E402


def _synthetic(n, m, seed=0):
    """Float32 spectra: red continuum, a few broad bands and narrow lines, noise."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, m, dtype=np.float32)
    out = np.empty((n, m), dtype=np.float32)
    for lo in range(0, n, 1000):  # bounded memory while generating
        k = min(1000, n - lo)
        slope = rng.uniform(0.5, 3, (k, 1)).astype(np.float32)
        flux = (0.2 + x) ** slope
        for centre in (0.3, 0.55, 0.8):
            flux *= 1 - 0.3 * np.exp(-0.5 * ((x - centre) / 0.02) ** 2)
        snr = rng.uniform(3, 40, (k, 1)).astype(np.float32)
        noise = rng.standard_normal((k, m), dtype=np.float32)
        out[lo : lo + k] = flux * rng.uniform(1, 100, (k, 1)) + noise * np.median(flux) / snr
    return out


def _best(fn, repeats):
    best, result = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def _reference_loop(X, n_points):
    from scipy.interpolate import interp1d

    x = np.arange(X.shape[1], dtype=float)
    xnew = np.linspace(0.0, X.shape[1] - 1.0, n_points)
    out = np.empty((len(X), n_points), dtype=X.dtype)
    for i, row in enumerate(X):  # the per-spectrum loop being replaced
        out[i] = interp1d(x, row, kind="quadratic")(xnew)
    return out


def _scipy_batched(X, n_points, rows=1000):
    from scipy.interpolate import make_interp_spline

    x = np.arange(X.shape[1], dtype=float)
    xnew = np.linspace(0.0, X.shape[1] - 1.0, n_points)
    out = np.empty((len(X), n_points), dtype=X.dtype)
    for lo in range(0, len(X), rows):
        out[lo : lo + rows] = make_interp_spline(x, X[lo : lo + rows], k=2, axis=1)(xnew)
    return out


def _timings(n, repeats):
    from skspec.preprocessing import ContinuumNormalizer, Folder2D, QuadraticResampler, SNRBinner
    from skspec.utils import N_PIXELS

    X = _synthetic(n, N_PIXELS)
    X64 = X.astype(np.float64)
    resampler = QuadraticResampler(n_points=5000).fit(X)
    resampler.transform(X[:2])  # build the cached plan (once per width and dtype)
    resampler.transform(X64[:2])

    load_before = load_average()
    t_ref, ref = _best(lambda: _reference_loop(X, 5000), 1)
    t_batch, _ = _best(lambda: _scipy_batched(X, 5000), 1)
    t32, out32 = _best(lambda: resampler.transform(X), repeats)
    t64, out64 = _best(lambda: resampler.transform(X64), repeats)
    diff64 = float(np.abs(out64[:200] - _reference_loop(X64[:200], 5000)).max() / np.abs(X64).max())
    diff32 = float(np.abs(out32.astype(float) - ref).max() / np.abs(X64).max())
    del ref

    rows = [
        ("interp1d(kind='quadratic') loop, one spectrum at a time", "float32", t_ref, None),
        ("scipy make_interp_spline(k=2, axis=1), 1000 rows a call", "float32", t_batch, None),
        ("QuadraticResampler(5000)", "float32", t32, t_ref / t32),
        ("QuadraticResampler(5000)", "float64", t64, t_ref / t64),
    ]
    binner = SNRBinner().fit(X)
    rows.append(
        (
            "SNRBinner (DER_SNR + bins)",
            "float32",
            _best(lambda: binner.transform(X), repeats)[0],
            None,
        )
    )
    folder = Folder2D().fit(out32)
    rows.append(
        (
            "Folder2D (5000 -> 50 x 100, a view)",
            "float32",
            _best(lambda: folder.transform(out32), repeats)[0],
            None,
        )
    )
    rows.append(
        (
            "Folder2D.inverse_transform",
            "float32",
            _best(lambda: folder.inverse_transform(folder.transform(out32)), repeats)[0],
            None,
        )
    )
    for method in ("median", "log_median", "running_median", "polynomial"):
        norm = ContinuumNormalizer(method=method).fit(X)
        label = f"ContinuumNormalizer('{method}')" + (
            ", window=201" if method == "running_median" else ""
        )
        rows.append((label, "float32", _best(lambda n=norm: n.transform(X), repeats)[0], None))
    return rows, diff32, diff64, load_before, load_average()


def _degrade(flux, ivar, target, rng, copies):
    """Copies of one spectrum with white noise added to reach SDSS S/N ``target``."""
    from skspec.utils import interpolate_bad_pixels, sdss_snr

    snr0 = sdss_snr(flux[None], ivar[None])[0]
    k = snr0 / np.asarray(target)[:, None]  # noise scale factors, > 1
    good = ivar > 0
    sigma = np.where(good, 1 / np.sqrt(np.where(good, ivar, 1.0)), 0.0)
    noisy = flux + rng.standard_normal((copies, flux.size)) * np.sqrt(k**2 - 1) * sigma
    new_ivar = np.where(good, ivar / k**2, 0.0)
    return interpolate_bad_pixels(noisy, ~good[None].repeat(copies, 0)), new_ivar


def _snr_real(data_dir, rng):
    from skspec.datasets import load_sdss_spectra
    from skspec.preprocessing import SNRBinner
    from skspec.utils import sdss_snr

    spec = Path(data_dir) / "pyhammer_sdss_spec"
    if not spec.is_dir():
        return None
    data = load_sdss_spectra(spec)
    binner = SNRBinner()
    lines = []
    for i in np.flatnonzero([t.startswith("M") and "III" not in t for t in data.target]):
        flux, ivar = data.data[i].astype(float), data.ivar[i].astype(float)
        native_sdss = sdss_snr(flux[None], ivar[None])[0]
        native_der = binner.estimate_snr(flux[None])[0]
        targets = rng.uniform(4.0, min(25.0, 0.95 * native_sdss), 400)
        noisy, new_ivar = _degrade(flux, ivar, targets, rng, len(targets))
        sdss = sdss_snr(noisy, new_ivar)
        der = binner.estimate_snr(noisy)
        ratio = der / sdss
        shift = binner.assign(der) - binner.assign(sdss)
        name = Path(data.frame["path"].iloc[i]).name
        lines.append(
            f"| {name} ({data.target[i]}) | {data.snr[i]:.1f} | {native_der / native_sdss:.2f} "
            f"| {sdss.min():.1f}-{sdss.max():.1f} | {np.median(ratio):.2f} "
            f"({np.percentile(ratio, 5):.2f}-{np.percentile(ratio, 95):.2f}) "
            f"| {np.mean(shift == 0):.2f} | {np.mean(shift < 0):.2f} | {np.mean(shift > 0):.2f} |"
        )
    return lines


def _snr_generated(n):
    try:
        from skspec.datasets import make_mdwarf_spectra
    except ImportError:
        try:  # written concurrently; may not be re-exported yet
            from skspec.datasets._generator import make_mdwarf_spectra
        except ImportError:
            return None
    from skspec.preprocessing import SNRBinner

    data = make_mdwarf_spectra(n, random_state=0)
    binner = SNRBinner()
    der = binner.estimate_snr(data.data)
    ratio = der / data.snr
    shift = binner.assign(der) - binner.assign(data.snr)
    lines = []
    for lo, hi in ((0, 5), (5, 10), (10, 15), (15, 25), (25, np.inf)):
        inside = (data.snr >= lo) & (data.snr < hi)
        if inside.any():
            r = ratio[inside]
            lines.append(
                f"| {lo:g}-{hi:g} | {inside.sum()} | {np.median(r):.2f} "
                f"({np.percentile(r, 5):.2f}-{np.percentile(r, 95):.2f}) "
                f"| {np.mean(shift[inside] == 0):.2f} | {np.mean(shift[inside] < 0):.2f} "
                f"| {np.mean(shift[inside] > 0):.2f} |"
            )
    return lines


def main(argv=None):
    default = Path(
        os.environ.get(
            "SKSPEC_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
        )
    )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-spectra", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    parser.add_argument("--data-dir", type=Path, default=default)
    parser.add_argument(
        "--n-generated", type=int, default=2000, help="generated spectra for the S/N comparison"
    )
    args = parser.parse_args(argv)

    rows, diff32, diff64, load_before, load_after = _timings(args.n_spectra, args.repeats)
    n = args.n_spectra
    print("## Preprocessing transformers (`benchmarks/bench_preprocessing.py`)\n")
    print(
        f"{n:,} synthetic float32 spectra of 3522 pixels (float64 where marked); best of "
        f"{args.repeats} runs, the reference loops one run each. Load average "
        f"(1/5/15 min) {load_before} before, {load_after} after.\n"
    )
    print("| step | dtype | seconds | spectra/s | speed-up vs interp1d loop |")
    print("|---|---|---:|---:|---:|")
    for name, dtype, seconds, ratio in rows:
        speed = f"{ratio:.1f}x" if ratio else ""
        print(f"| {name} | {dtype} | {seconds:.2f} | {n / seconds:,.0f} | {speed} |")
    print(
        f"\nLargest difference from the interp1d reference, relative to the largest "
        f"flux: {diff32:.1e} (float32 output), {diff64:.1e} (float64, first 200 "
        f"spectra).\n"
    )

    rng = np.random.default_rng(0)
    print("### DER_SNR (flux only, `SNRBinner`) vs SDSS S/N (`SN_MEDIAN_ALL` way)\n")
    real = _snr_real(args.data_dir, rng)
    if real is None:
        print(f"Real spectra not found under {args.data_dir}; skipped.\n")
    else:
        print(
            "Real SDSS M dwarfs on the 4000-9000 A grid, each degraded with white noise "
            "to 400 SDSS S/N values drawn uniformly in 4-25 (re-measured with "
            "`sdss_snr`); ratio = DER_SNR / SDSS S/N, median (5th-95th percentile); "
            "'same/lower/higher bin' = fraction that DER_SNR puts in the same, a lower "
            "or a higher bin than the SDSS S/N (paper's edges).\n"
        )
        print(
            "| spectrum | SN_MEDIAN_ALL (file) | ratio at own S/N | degraded S/N "
            "| ratio degraded | same bin | lower bin | higher bin |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        print("\n".join(real) + "\n")
    generated = _snr_generated(args.n_generated)
    if generated is None:
        print("`make_mdwarf_spectra` was not available when this ran.\n")
    else:
        print(
            f"`make_mdwarf_spectra({args.n_generated}, random_state=0)`, against its "
            "SDSS-way `snr`, by SDSS S/N:\n"
        )
        print("| SDSS S/N | spectra | ratio | same bin | lower bin | higher bin |")
        print("|---|---:|---:|---:|---:|---:|")
        print("\n".join(generated) + "\n")
    print("Machine:\n")
    for key, value in machine_info(load=False).items():
        print(f"- {key}: {value}")


if __name__ == "__main__":
    main()
