"""Benchmark: how fast ``make_mdwarf_spectra`` generates 1,000 and 10,000 spectra.

Times the default call (M0-M4, S/N 5-40) at each size (best of ``--repeats``
runs for the small size, ``--repeats-large`` for the large one), reports the
throughput, the growth of the peak resident memory during the large run (the
generator works in chunks of 1000 spectra, so memory is bounded by the
output arrays plus one chunk) and what the 10,000 spectra look like (class
balance and the paper's S/N bins). Prints a markdown section.

Usage::

    python benchmarks/bench_generator.py [--sizes 1000 10000] [--repeats 3]
        [--repeats-large 1]
"""

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _machine import machine_info  # noqa: E402

from skspec.datasets import make_mdwarf_spectra  # noqa: E402


def _peak_rss_mib():
    # ru_maxrss is KiB on Linux, bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0**2 if sys.platform == "darwin" else 1024.0)


def _time(n, repeats):
    best, result = np.inf, None
    for seed in range(repeats):
        start = time.perf_counter()
        result = make_mdwarf_spectra(n, random_state=seed)
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--repeats-large", type=int, default=1)
    args = parser.parse_args(argv)
    machine = machine_info()  # load average at start
    make_mdwarf_spectra(10, random_state=0)  # warm caches (basis, tables)

    rows, last = [], None
    for n in sorted(args.sizes):
        repeats = args.repeats if n <= 1000 else args.repeats_large
        before = _peak_rss_mib()
        seconds, last = _time(n, repeats)
        growth = _peak_rss_mib() - before
        output = (last.data.nbytes + last.ivar.nbytes) / 2**20
        rows.append(
            f"| {n:,} | {repeats} | {seconds:.2f} | {n / seconds:,.0f} | "
            f"{output:,.0f} | {growth:,.0f} |"
        )

    print("## Synthetic M dwarf generator (`benchmarks/bench_generator.py`)\n")
    print(
        "`make_mdwarf_spectra(n, random_state=seed)` with the defaults (M0-M4, target "
        "S/N log-uniform in 5-40), float32 output of 3522 pixels.\n"
    )
    print(
        "| spectra | runs | best seconds | spectra/s | data + ivar (MiB) | peak RSS growth (MiB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows) + "\n")
    if last is not None:
        n = len(last.target)
        classes = last.frame["subtype"].value_counts().sort_index()
        bins = last.frame["snr_bin"].value_counts(normalize=True)
        print(
            f"The last set ({n:,} spectra): classes "
            + ", ".join(f"{k} {v}" for k, v in classes.items())
            + "; measured S/N bins "
            + ", ".join(f"{k} {100 * bins.get(k, 0):.0f}%" for k in ("<5", "5-10", "10-15", ">15"))
            + f"; spectra with bad pixels {100 * (last.frame['n_bad_pixels'] > 0).mean():.0f}%.\n"
        )
    print("Machine:\n")
    for key, value in machine.items():
        print(f"- {key}: {value}")
    print()


if __name__ == "__main__":
    main()
