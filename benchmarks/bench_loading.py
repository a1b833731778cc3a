"""Benchmark: reading real SDSS spectra onto the paper's grid (spectra per second).

Reads the nine shared ``spec-*.fits`` files (three SDSS-legacy, six BOSS)
repeated to about ``--n-reads`` reads, with

* ``load_sdss_spectra`` (all at once),
* ``iter_sdss_spectra`` (chunks of 256, the survey-scale path),
* a naive astropy reader for reference: ``hdul["COADD"].data`` and
  ``hdul[2].data`` column access, the way most scripts do it, without the grid
  mapping (so it is a lower bound on what such a loader costs).

The files are small and read repeatedly, so they come from the page cache:
this measures parsing and mapping, not the disk. Prints a markdown section.

Usage::

    python benchmarks/bench_loading.py [--data-dir ../shared/data] [--n-reads 500]
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import machine_info  # noqa: E402


def _naive_astropy(paths):
    from astropy.io import fits

    for path in paths:
        with fits.open(path, memmap=False) as hdul:
            coadd = hdul["COADD"].data
            np.asarray(coadd["flux"]), np.asarray(coadd["loglam"]), np.asarray(coadd["ivar"])
            np.asarray(coadd["and_mask"])
            meta = hdul[2].data
            meta["SUBCLASS"][0], meta["SN_MEDIAN_ALL"][0], meta["Z"][0]


def _time(fn, repeats):
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None):
    from skspec.datasets import iter_sdss_spectra, load_sdss_spectra

    default = Path(
        os.environ.get(
            "SKSPEC_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
        )
    )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=default)
    parser.add_argument("--n-reads", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    parser.add_argument(
        "--naive-reads", type=int, default=90, help="reads for the (slow) naive astropy reference"
    )
    args = parser.parse_args(argv)

    files = sorted((args.data_dir / "pyhammer_sdss_spec").glob("spec-*.fits"))
    if not files:
        parser.error(f"no spec-*.fits under {args.data_dir / 'pyhammer_sdss_spec'}")
    reps = max(1, round(args.n_reads / len(files)))
    paths = [str(f) for f in files] * reps
    naive_paths = [str(f) for f in files] * max(1, round(args.naive_reads / len(files)))

    load_sdss_spectra(paths[: len(files)])  # warm imports and the page cache
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_load = _time(lambda: load_sdss_spectra(paths), args.repeats)
        t_iter = _time(lambda: [c for c in iter_sdss_spectra(paths, chunk_size=256)], args.repeats)
        t_naive = _time(lambda: _naive_astropy(naive_paths), 1)

    n, n_naive = len(paths), len(naive_paths)
    rows = [
        ("load_sdss_spectra", n, t_load),
        ("iter_sdss_spectra (chunk_size=256)", n, t_iter),
        ("naive astropy (COADD + SPECOBJ .data, no mapping)", n_naive, t_naive),
    ]
    print("## SDSS file loading (`benchmarks/bench_loading.py`)\n")
    print(
        f"{len(files)} shared spec files (3 SDSS-legacy, 6 BOSS) repeated to {n} reads; "
        f"best of {args.repeats} runs (naive reference: one run of {n_naive} reads); files "
        f"are in the page cache, so this is parsing + mapping, not disk.\n"
    )
    print("| reader | reads | seconds | spectra/s | ms/spectrum |")
    print("|---|---:|---:|---:|---:|")
    for name, count, seconds in rows:
        print(
            f"| {name} | {count} | {seconds:.2f} | {count / seconds:.0f} | "
            f"{1e3 * seconds / count:.1f} |"
        )
    print("\nMachine:\n")
    for key, value in machine_info(("numpy", "astropy", "pandas")).items():
        print(f"- {key}: {value}")


if __name__ == "__main__":
    main()
