"""One model for all S/N bins against one per bin, on the accuracy study's splits.

The accuracy study (``bench_accuracy.py``, ``emccnn_variants.py``) follows
the paper: each S/N bin's model is fitted on that bin's training half only
(562-1,422 spectra). ``skspec train`` fits one model on every bin's spectra
together unless ``--per-bin`` is given. This script fits each model once on
the union of the study's training halves (``_study.study_splits``, the
same rows) and scores it on each bin's own test half, so that its rows
pair with the per-bin fits of the same seed.

Models: ``emccnn`` (``EMCCNNClassifier(random_state=seed)``, its defaults)
and ``svm`` (the study's SVM pipeline, ``make_model("svm")``). One JSON line
per model, seed and bin: test accuracy (%), ECE for EMCCNN, fit seconds.
``--subtype`` fits EMCCNN with the training stars' true subtypes
(``fit(..., subtype=...)``; the SVM takes none), tagging its rows
``emccnn+subtype``.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/pooled_bins.py 0,1,2 --models emccnn,svm
    OMP_NUM_THREADS=1 python benchmarks/pooled_bins.py 0,1,2 --models emccnn --subtype
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from skspec.experiments import make_model
from skspec.metrics import expected_calibration_error
from skspec.models import EMCCNNClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _study import study_splits  # noqa: E402


def build(model, seed):
    """A fresh estimator of the study's kind."""
    if model == "emccnn":
        return EMCCNNClassifier(random_state=seed)
    return make_model("svm", dim="1d", random_state=seed)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", help="comma-separated data seeds, e.g. 0,1,2")
    parser.add_argument("--models", default="emccnn,svm", help="emccnn and/or svm")
    parser.add_argument(
        "--subtype", action="store_true", help="fit EMCCNN with the training stars' subtypes"
    )
    args = parser.parse_args(argv)
    models = args.models.split(",")
    if not set(models) <= {"emccnn", "svm"}:
        sys.exit(f"--models: unknown {sorted(set(models) - {'emccnn', 'svm'})}")
    for seed in (int(s) for s in args.seeds.split(",")):
        splits = list(study_splits(seed, train_subtype=args.subtype))
        X_train = np.concatenate([s[1] for s in splits])
        y_train = np.concatenate([s[3] for s in splits])
        for model in models:
            fit_params, tag = {}, model
            if args.subtype and model == "emccnn":
                fit_params["subtype"] = np.concatenate([s[6] for s in splits])
                tag = "emccnn+subtype"
            t0 = time.perf_counter()
            est = build(model, seed).fit(X_train, y_train, **fit_params)
            seconds = time.perf_counter() - t0
            for b, _, X_te, _, y_te, *_ in splits:
                row = {"model": tag, "seed": seed, "bin": b, "n_train": len(y_train)}
                if hasattr(est, "temperature_"):
                    proba = est.predict_proba(X_te)
                    pred = est.classes_[proba.argmax(1)]
                    row["ece"] = expected_calibration_error(y_te, proba, classes=est.classes_)
                    row["epochs"] = len(est.history_)
                else:
                    pred = est.predict(X_te)
                row["test"] = 100 * float(np.mean(pred == y_te))
                row["fit_s"] = seconds
                print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
