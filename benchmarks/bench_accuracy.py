"""The accuracy study: every model, 1-D and 2-D, per S/N bin; prints a markdown section.

Data: ``make_mdwarf_spectra(6000, random_state=0)``, binned by the measured
S/N into the paper's bins (5-10, 10-15, >15; spectra below 5 are dropped), and
split 50/50 within each bin, stratified by subtype (seed 0). Every model of
``skspec.experiments.MODELS`` is fitted on each bin's training half at its
default (full) size, and scored on both halves. The networks stop early on
an internal 10 % validation split; ``--max-epochs`` caps the epochs to bound
the run time on a CPU.

The per-fit results are also written to ``benchmarks/results/accuracy.csv``.

Usage::

    python benchmarks/bench_accuracy.py                  # the study (about 1 h on 2 cores)
    python benchmarks/bench_accuracy.py --n-samples 900 --quick   # a smoke run
"""

import argparse
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import load_average  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=6000)
    parser.add_argument("--max-epochs", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="quick model settings")
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--models", default=None, help="comma-separated subset")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "accuracy.csv"))
    args = parser.parse_args()

    import sklearn
    import torch

    import skspec
    from skspec.datasets import make_mdwarf_spectra
    from skspec.experiments import run_experiments

    t0 = time.perf_counter()
    load = load_average()
    ds = make_mdwarf_spectra(args.n_samples, random_state=0)
    snr_bin = ds.frame["snr_bin"].to_numpy(dtype=object)
    models = args.models.split(",") if args.models else None
    result = run_experiments(
        ds.data,
        ds.target,
        snr_bin,
        models=models,
        quick=args.quick,
        test_size=0.5,
        random_state=0,
        n_jobs=args.n_jobs,
        max_epochs=args.max_epochs,
        progress=True,
    )
    wall = time.perf_counter() - t0
    scores = result.scores
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    scores.to_csv(out, index=False)

    bins = [b for b in ("5-10", "10-15", ">15") if b in set(scores["bin"])]
    table = scores.pivot_table(index=["label", "dim"], columns=["bin", "split"], values="accuracy")
    within = scores[scores.split == "test"].pivot_table(
        index=["label", "dim"], columns="bin", values="within_one"
    )
    seconds = scores[scores.split == "test"].groupby(["label", "dim"])["fit_seconds"].sum()
    order = (
        table.xs("test", axis=1, level="split")[bins]
        .mean(axis=1)
        .sort_values(ascending=False)
        .index
    )

    counts = pd.crosstab(pd.Series(snr_bin, name="bin"), pd.Series(ds.target, name="subtype"))
    print("## Accuracy study: every model per S/N bin (`benchmarks/bench_accuracy.py`)\n")
    print(
        f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; machine: "
        f"{platform.machine()}, {os.cpu_count()} cores; load average at start "
        f"{load}"
    )
    print(
        f"- versions: skspec {skspec.__version__}, torch {torch.__version__}, "
        f"scikit-learn {sklearn.__version__}"
    )
    print(
        f"- data: make_mdwarf_spectra({args.n_samples}, random_state=0); spectra per bin: "
        + ", ".join(f"{b}: {int(counts.loc[b].sum())}" for b in bins)
        + f" ({int(np.sum(~np.isin(snr_bin, bins)))} below S/N 5 dropped); 50/50 "
        "stratified split per bin, seed 0"
    )
    print(
        f"- models: {'quick' if args.quick else 'default (full-size)'} settings, networks "
        f"capped at {args.max_epochs} epochs with early stopping; joblib workers: "
        f"{result.config['n_jobs']}; total wall time {wall / 60:.1f} min\n"
    )
    header = (
        "| model | "
        + " | ".join(f"{b} train | {b} test" for b in bins)
        + " | test within one ("
        + "/".join(bins)
        + ") | fit s (sum) |"
    )
    print(header)
    print("|---|" + "---:|" * (2 * len(bins) + 2))
    for label, dim in order:
        cells = [
            f"{100 * table.loc[(label, dim), (b, s)]:.1f}" for b in bins for s in ("train", "test")
        ]
        w = "/".join(f"{100 * within.loc[(label, dim), b]:.0f}" for b in bins)
        print(
            f"| {label} {dim.upper()} | "
            + " | ".join(cells)
            + f" | {w} | {seconds[(label, dim)]:.0f} |"
        )
    print(
        f"\nPer-fit rows: `{out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}`."
    )


if __name__ == "__main__":
    main()
