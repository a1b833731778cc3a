"""Test-time averaging for EMCCNN: does predicting on re-observed copies help? (issue 11)

On the accuracy study's data and splits (``_study.study_splits``),
``EMCCNNClassifier(random_state=seed)`` is fitted at its defaults, and its
test probabilities are averaged over copies of each test spectrum that the
network was trained to be indifferent to:

* ``tta_red5``: the spectrum as observed and reddened by E(B-V) = -0.1,
  -0.05, +0.05 and +0.1 (CCM law, the curve of the ``"reddening"``
  augmentation);
* ``tta_cal8``: the spectrum as observed and seven copies through the
  ``"calibration"`` augmentation (each copy re-calibrated by a random
  Legendre curve with the preset's probability of 0.8, else left as
  observed; seeded with the data seed);
* ``tta_both``: all twelve copies.

One JSON line per fit: the test accuracy (%) without averaging and with each
kind. A fit costs what ``emccnn_variants.py`` costs; prediction costs 5, 8
and 12 times as much.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/emccnn_tta.py 0,1,2 > tta.jsonl
    OMP_NUM_THREADS=1 python benchmarks/emccnn_tta.py 0 --bins '>15'
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from skspec.models import EMCCNNClassifier
from skspec.nn._augment import _extinction_per_pixel, make_augmenter

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _study import study_splits  # noqa: E402

#: Colour excesses of the reddened copies (the observed spectrum is the fifth).
EBV_COPIES = (-0.1, -0.05, 0.05, 0.1)
#: Copies through the calibration augmentation (the observed spectrum is the eighth).
N_CALIBRATION_COPIES = 7


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", help="comma-separated data seeds, e.g. 0,1,2")
    parser.add_argument("--bins", help="comma-separated S/N bins to fit (default: all)")
    args = parser.parse_args(argv)
    bins = None if args.bins is None else set(args.bins.split(","))
    for seed in (int(s) for s in args.seeds.split(",")):
        for b, X_tr, X_te, y_tr, y_te, _ in study_splits(seed):
            if bins is not None and b not in bins:
                continue
            t0 = time.perf_counter()
            clf = EMCCNNClassifier(random_state=seed).fit(X_tr, y_tr)
            observed = clf.predict_proba(X_te)
            curve = _extinction_per_pixel(X_te.shape[1])
            reddened = [clf.predict_proba(X_te * 10 ** (-0.4 * e * curve)) for e in EBV_COPIES]
            augmenter = make_augmenter("calibration")
            torch.manual_seed(seed)
            x = torch.as_tensor(X_te, dtype=torch.float32)
            recalibrated = [
                clf.predict_proba(augmenter(x).numpy()) for _ in range(N_CALIBRATION_COPIES)
            ]

            def accuracy(proba):
                return 100 * float(np.mean(clf.classes_[proba.argmax(1)] == y_te))

            row = {
                "seed": seed,
                "bin": b,
                "test": accuracy(observed),
                "tta_red5": accuracy(np.mean([observed, *reddened], axis=0)),
                "tta_cal8": accuracy(np.mean([observed, *recalibrated], axis=0)),
                "tta_both": accuracy(np.mean([observed, *reddened, *recalibrated], axis=0)),
                "s": round(time.perf_counter() - t0, 1),
            }
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
