"""EMCCNN's temperature: plain maximum likelihood against a prior centred on 1 (issue 11).

On the accuracy study's data and splits (``make_mdwarf_spectra(6000,
random_state=seed)``, 50/50 per S/N bin) EMCCNN is fitted at its defaults;
the logits of its internal validation split (the one that also chose the
early-stopping epoch) are kept, and the temperature is refitted on them
several ways: plain maximum likelihood (``prior_sd=None``, the method up to
this change), maximum a posteriori with a log-normal prior of each given sd,
and none (T = 1). Each is scored by the expected calibration error (top
label, 15 bins) of the test half. Predictions do not depend on T.

``--subtype`` fits with the training stars' true subtypes
(``fit(..., subtype=...)``). ``--prior-centre C`` (or a comma-separated
list) adds two rules per C: the prior of the first ``--prior-sds`` value
centred on T = C instead of 1 (``prior@C``), and T fixed at C (``fixed@C``;
``fixed`` when one C is given): for targets wider than the
labels' scatter, e.g. C = (0.28 / 0.5)**2 for ``label_noise=0.5`` on the
generator's 0.28 (BENCHMARKS.md, "Wider subtype targets").

Usage::

    OMP_NUM_THREADS=1 python benchmarks/calibration_prior.py --seeds 0,1,2 > out.jsonl
    OMP_NUM_THREADS=1 python benchmarks/calibration_prior.py --seeds 6 --params ordinal_width=0.5
    OMP_NUM_THREADS=1 python benchmarks/calibration_prior.py --seeds 0 --subtype \
        --params label_noise=0.5 --prior-sds 0.25 --prior-centre 0.3136
    OMP_NUM_THREADS=1 python benchmarks/calibration_prior.py --seeds 0,1,2 \
        --prior-sds 0.25 --prior-centre 0.5,0.6,0.7
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
    parser.add_argument(
        "--subtype", action="store_true", help="fit with the training stars' true subtypes"
    )
    parser.add_argument(
        "--prior-centre",
        default=None,
        help="also a prior centred on T = each of these (comma-separated)",
    )
    args = parser.parse_args()
    params = parse_params(args.params)
    prior_sds = [float(s) for s in args.prior_sds.split(",")]
    centres = [float(c) for c in args.prior_centre.split(",")] if args.prior_centre else []
    for seed in (int(s) for s in args.seeds.split(",")):
        for b, X_tr, X_te, y_tr, y_te, _, *train_subtype in study_splits(
            seed, train_subtype=args.subtype
        ):
            fit_params = {"subtype": train_subtype[0]} if args.subtype else {}
            clf = _KeepValidationLogits(**{"random_state": seed, **params})
            clf.fit(X_tr, y_tr, **fit_params)
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
            temperatures = {"ml": fit_temperature(z_valid, y_valid, prior_sd=None)}
            for sd in prior_sds:
                temperatures[f"prior{sd:g}"] = fit_temperature(z_valid, y_valid, prior_sd=sd)
            temperatures["T1"] = 1.0
            for centre in centres:
                temperatures[f"prior@{centre:g}"] = fit_temperature(
                    z_valid, y_valid, prior_sd=prior_sds[0], prior_centre=centre
                )
                # "fixed" alone when one centre is given: the key of earlier runs
                temperatures["fixed" if len(centres) == 1 else f"fixed@{centre:g}"] = centre
            for name, t in temperatures.items():
                proba = softmax(z_test / t, axis=1)
                row[f"T_{name}"] = round(t, 3)
                row[f"ece_{name}"] = round(
                    expected_calibration_error(y_te, proba, classes=clf.classes_), 4
                )
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
