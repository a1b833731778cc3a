"""Paired differences between ``emccnn_variants.py`` runs, and against the SVM.

Each variant file holds one JSON line per (seed, S/N bin) fit, as
``emccnn_variants.py`` prints them. For every variant and bin this prints
its mean test accuracy and ECE, and its difference from the base variant
and from the SVM on the same splits: mean ± standard error over the seeds
both have, and on how many seeds it is above 0. The SVM's accuracies come
from the accuracy study's CSV files (``bench_accuracy.py``), which hold the
same splits.

Usage::

    python benchmarks/compare_variants.py results/emccnn_variants_subtype.jsonl \\
        --base results/emccnn_variants_ls01.jsonl
"""

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from skspec.experiments import resolve_bins

RESULTS = Path(__file__).resolve().parent / "results"
SVM_FILES = ("accuracy_emccnn_svm_3seeds.csv", "accuracy_svm_s345.csv", "accuracy_svm_s67.csv")


def load_variant(path):
    """{(seed, bin): row} of one ``emccnn_variants.py`` output."""
    with open(path) as fh:
        return {(r["seed"], r["bin"]): r for r in map(json.loads, fh)}


def load_svm():
    """{(seed, bin): test accuracy in %} of the SVM in the accuracy study."""
    frames = [pd.read_csv(RESULTS / name) for name in SVM_FILES if (RESULTS / name).exists()]
    svm = pd.concat(frames)
    svm = svm[(svm.model == "svm") & (svm.split == "test")]
    return {(int(r.seed), r.bin): 100 * r.accuracy for r in svm.itertuples()}


def paired(a, b):
    """'mean ± se (k/n)' of a - b over the keys both have."""
    keys = sorted(set(a) & set(b))
    if not keys:
        return "-"
    d = np.array([a[k] - b[k] for k in keys])
    se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
    return f"{d.mean():+.2f} ± {se:.2f} ({int(np.sum(d > 0))}/{len(d)})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="+", help="emccnn_variants.py outputs (JSON lines)")
    parser.add_argument("--base", help="the variant to pair against")
    args = parser.parse_args(argv)
    svm = load_svm()
    base = load_variant(args.base) if args.base else None
    print("| variant | bin | seeds | test % | ECE | epochs | − base | − SVM |")
    print("|---|---|---:|---:|---:|---:|---|---|")
    for path in args.variants:
        rows = load_variant(path)
        for b in resolve_bins(None):
            test = {k[0]: r["test"] for k, r in rows.items() if k[1] == b}
            if not test:
                continue
            mine = [r for k, r in rows.items() if k[1] == b]
            versus_base = "-"
            if base is not None:
                versus_base = paired(test, {k[0]: r["test"] for k, r in base.items() if k[1] == b})
            versus_svm = paired(test, {k[0]: v for k, v in svm.items() if k[1] == b})
            print(
                f"| {Path(path).stem} | {b} | {len(test)} | {np.mean(list(test.values())):.2f} "
                f"| {np.mean([r['ece'] for r in mine]):.3f} "
                f"| {np.mean([r['epochs'] for r in mine]):.0f} | {versus_base} | {versus_svm} |"
            )


if __name__ == "__main__":
    main()
