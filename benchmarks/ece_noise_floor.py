"""How large an ECE does a perfectly calibrated model show on the study's test halves? (issue 11)

The expected calibration error (top label, 15 equal-width bins) measured on
a finite test set is positive even for a perfectly calibrated model: within
each confidence bin the fraction right scatters binomially around the mean
confidence. This script takes the test probabilities saved by
``emccnn_variants.py --proba DIR`` and, for each fit, draws
``--draws`` sets of outcomes from a perfectly calibrated model with exactly
those confidences (each prediction right with probability equal to its
confidence) and computes their ECE. It prints one JSON line per fit: the
measured ECE, the mean and 95th percentile of the perfectly calibrated ECE
(the noise floor), and the fraction of draws at or above the measured ECE
(small: the measured miscalibration is more than the noise).

Usage::

    OMP_NUM_THREADS=1 python benchmarks/emccnn_variants.py default 0,1,2 --proba DIR
    python benchmarks/ece_noise_floor.py DIR default 0,1,2
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from skspec.metrics import _top_label_ece, expected_calibration_error

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _study import study_splits  # noqa: E402


def calibrated_ece(confidence, *, draws, rng, n_bins=15):
    """ECEs of ``draws`` outcome sets of a perfectly calibrated model with these confidences."""
    correct = rng.random((draws, len(confidence))) < confidence
    return np.array([_top_label_ece(c, confidence, n_bins=n_bins) for c in correct])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("proba_dir", help="the --proba DIR of emccnn_variants.py")
    parser.add_argument("tag", help="the tag given to emccnn_variants.py")
    parser.add_argument("seeds", help="comma-separated data seeds")
    parser.add_argument("--draws", type=int, default=2000)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    for seed in (int(s) for s in args.seeds.split(",")):
        for b, _, _, _, y_te, _ in study_splits(seed):
            # emccnn_variants.py's file name: ">15" spelled "gt15"
            path = Path(args.proba_dir) / f"{args.tag}_{seed}_{b.replace('>', 'gt')}.npy"
            if not path.exists():
                continue
            proba = np.load(path)
            classes = np.array(sorted(set(y_te)), dtype=object)
            confidence = proba.max(axis=1)
            measured = expected_calibration_error(y_te, proba, classes=classes)
            floor = calibrated_ece(confidence, draws=args.draws, rng=rng)
            row = {
                "seed": seed,
                "bin": b,
                "n_test": len(y_te),
                "ece": round(measured, 4),
                "floor_mean": round(float(floor.mean()), 4),
                "floor_p95": round(float(np.quantile(floor, 0.95)), 4),
                "p_floor_ge_ece": round(float(np.mean(floor >= measured)), 3),
            }
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
