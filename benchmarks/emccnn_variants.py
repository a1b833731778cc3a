"""EMCCNN as the estimator itself (no pipeline), on the accuracy study's data and splits.

``bench_accuracy.py`` runs the registry's pipelines (resampled to 5000
points, epochs capped by ``--max-epochs``). This script fits
``EMCCNNClassifier(random_state=seed, **params)`` directly on the 3522-pixel
spectra, with every other setting at its default (``max_epochs=100`` with
early stopping), per S/N bin of ``make_mdwarf_spectra(6000,
random_state=seed)`` split 50/50 (``_study.study_splits``, the study's own split), and
prints one JSON line per fit: train and test accuracy (%), the test ECE (top
label, 15 bins), epochs run and fit seconds. It is the "``EMCCNNClassifier()``
with default parameters" that issue 11 asks about.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/emccnn_variants.py default 0,1,2
    OMP_NUM_THREADS=1 python benchmarks/emccnn_variants.py ord05 0,1,2 ordinal_width=0.5
    OMP_NUM_THREADS=1 python benchmarks/emccnn_variants.py redraw 0,1,2 --clean

Parameters are ``name=value`` pairs, read as ``--params`` of the ``bench_*.py``
scripts (None, True/False, numbers, else strings). ``--clean`` fits with
``X_clean``, the training spectra's noiseless versions, so that every epoch
re-draws their noise. ``--proba DIR`` saves each fit's test probabilities
as ``DIR/<tag>_<seed>_<bin>.npy`` (rows in the test half's order, columns
in ``classes_`` order), for ensembles scored afterwards. ``--bins B1,B2``
fits only those S/N bins (e.g. ``--bins '>15'``).
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from skspec.metrics import expected_calibration_error
from skspec.models import EMCCNNClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import parse_params  # noqa: E402
from _study import study_splits  # noqa: E402


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag", help="name written in every row")
    parser.add_argument("seeds", help="comma-separated data seeds, e.g. 0,1,2")
    parser.add_argument("params", nargs="*", help="EMCCNNClassifier parameters, name=value")
    parser.add_argument("--clean", action="store_true", help="fit with X_clean")
    parser.add_argument("--proba", metavar="DIR", help="save the test probabilities here")
    parser.add_argument("--bins", help="comma-separated S/N bins to fit (default: all)")
    return parser.parse_intermixed_args(argv)


def main(argv):
    args = parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    params = parse_params(",".join(args.params))
    bins = None if args.bins is None else set(args.bins.split(","))
    if args.proba is not None:
        Path(args.proba).mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        for b, X_tr, X_te, y_tr, y_te, _, *X_clean in study_splits(seed, clean=args.clean):
            if bins is not None and b not in bins:
                continue
            t0 = time.perf_counter()
            clf = EMCCNNClassifier(**{"random_state": seed, **params})
            clf.fit(X_tr, y_tr, **({"X_clean": X_clean[0]} if args.clean else {}))
            proba = clf.predict_proba(X_te)
            if args.proba is not None:
                name = f"{args.tag}_{seed}_{b.replace('>', 'gt')}.npy"
                np.save(Path(args.proba) / name, proba)
            row = {
                "tag": args.tag,
                "seed": seed,
                "bin": b,
                "train": 100 * float(np.mean(clf.predict(X_tr) == y_tr)),
                "test": 100 * float(np.mean(clf.classes_[proba.argmax(1)] == y_te)),
                "ece": expected_calibration_error(y_te, proba, classes=clf.classes_),
                "epochs": len(clf.history_),
                "s": time.perf_counter() - t0,
            }
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
