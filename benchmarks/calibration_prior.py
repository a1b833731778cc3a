"""EMCCNN's temperature: plain maximum likelihood against a prior centred on 1 (issue 11).

On the accuracy study's data and splits (``make_mdwarf_spectra(6000,
random_state=seed)``, 50/50 per S/N bin) EMCCNN is fitted at its defaults;
the logits of its internal validation split (the one that also chose the
early-stopping epoch) are kept, and the temperature is refitted on them
several ways: plain maximum likelihood (``prior_sd=None``, the method up to
this change), maximum a posteriori with a log-normal prior of each given sd,
and none (T = 1). Each is scored by the expected calibration error (top
label, 15 bins) of the test half. Predictions do not depend on T.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/calibration_prior.py --seeds 0,1,2 > out.jsonl
    OMP_NUM_THREADS=1 python benchmarks/calibration_prior.py --seeds 6 --params ordinal_width=0.5
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from scipy.special import softmax

from skspec.metrics import expected_calibration_error
from skspec.models import EMCCNNClassifier
from skspec.nn._calibration import fit_temperature

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import parse_params  # noqa: E402
from _study import study_splits  # noqa: E402


class _KeepValidationLogits(EMCCNNClassifier):
    """EMCCNN that keeps the logits and labels of its validation split."""

    def _after_training(self, **kwargs):
        valid = self.__dict__.get("_validation_split")
        if valid is not None:
            self.validation_logits_ = (self._logits(valid[0]), np.asarray(valid[1]))
        super()._after_training(**kwargs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--prior-sds", default="1,0.5,0.25")
    parser.add_argument(
        "--params", default=None, help="EMCCNN constructor arguments, e.g. ordinal_width=0.5"
    )
    args = parser.parse_args()
    params = parse_params(args.params)
    prior_sds = [float(s) for s in args.prior_sds.split(",")]
    for seed in (int(s) for s in args.seeds.split(",")):
        for b, X_tr, X_te, y_tr, y_te, _ in study_splits(seed):
            clf = _KeepValidationLogits(**{"random_state": seed, **params}).fit(X_tr, y_tr)
            z_valid, y_valid = clf.validation_logits_
            z_test = clf._logits(X_te)
            row = {
                "seed": seed,
                "bin": b,
                "params": args.params or "",
                "n_valid": len(y_valid),
                "test_acc": round(float(np.mean(clf.classes_[z_test.argmax(1)] == y_te)), 4),
                "T_shipped": round(clf.temperature_, 3),
            }
            for name, sd in (
                [("ml", None)] + [(f"prior{sd:g}", sd) for sd in prior_sds] + [("T1", "none")]
            ):
                t = 1.0 if sd == "none" else fit_temperature(z_valid, y_valid, prior_sd=sd)
                proba = softmax(z_test / t, axis=1)
                row[f"T_{name}"] = round(t, 3)
                row[f"ece_{name}"] = round(
                    expected_calibration_error(y_te, proba, classes=clf.classes_), 4
                )
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
