"""EMCCNN as the estimator itself (no pipeline), on the accuracy study's data and splits.

``bench_accuracy.py`` runs the registry's pipelines (resampled to 5000
points, epochs capped by ``--max-epochs``). This script fits
``EMCCNNClassifier(random_state=seed, **params)`` directly on the 3522-pixel
spectra, with every other setting at its default (``max_epochs=100`` with
early stopping), per S/N bin of ``make_mdwarf_spectra(6000,
random_state=seed)`` split 50/50 (``_split_bin``, the study's own split), and
prints one JSON line per fit: train and test accuracy (%), the test ECE (top
label, 15 bins), epochs run and fit seconds. It is the "``EMCCNNClassifier()``
with default parameters" that issue 11 asks about.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/emccnn_variants.py default 0,1,2
    OMP_NUM_THREADS=1 python benchmarks/emccnn_variants.py ord05 0,1,2 ordinal_width=0.5

Parameters are ``name=python-literal`` pairs.
"""

import ast
import json
import sys
import time

import numpy as np

from skspec.datasets import make_mdwarf_spectra
from skspec.experiments import resolve_bins
from skspec.experiments._runner import _split_bin
from skspec.metrics import expected_calibration_error
from skspec.models import EMCCNNClassifier


def main(argv):
    tag, seeds = argv[0], [int(s) for s in argv[1].split(",")]
    params = {k: ast.literal_eval(v) for k, v in (a.split("=", 1) for a in argv[2:])}
    for seed in seeds:
        data = make_mdwarf_spectra(6000, random_state=seed)
        X, y = data.data, np.asarray(data.target, dtype=object)
        snr_bin = np.asarray(data.frame["snr_bin"], dtype=object)
        for b in resolve_bins(None):
            in_bin = snr_bin == b
            X_tr, X_te, y_tr, y_te = _split_bin(X[in_bin], y[in_bin], 0.5, seed)
            t0 = time.perf_counter()
            clf = EMCCNNClassifier(**{"random_state": seed, **params}).fit(X_tr, y_tr)
            proba = clf.predict_proba(X_te)
            row = {
                "tag": tag,
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
