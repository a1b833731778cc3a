"""Score temperature rules offline, from the fits ``emccnn_variants.py --proba DIR`` saved.

Each fit left its test probabilities (``<tag>_<seed>_<bin>.npy``) and its
validation logits, encoded labels, temperature, test labels and classes
(``..._valid.npz``). This script refits the temperature on those validation
logits under each rule, re-tempers the same test probabilities with it and
prints the test ECE (top label, 15 bins) per fit and per rule, then the
mean and the number of fits at or under 0.03 (issue 11's bar).

Rules: ``plain`` (maximum likelihood, no prior), ``prior at 1`` (the
prior of sd 0.25 on log T centred on T = 1, the networks' rule on the
labels and on the subtypes), ``prior at (0.28/w)^2`` (centred where
subtype targets of width ``w`` on labels scattered by the generator's
0.28 would put the temperature; ``--width``, default 0.5) and
``fixed (0.28/w)^2`` (no fit at all).

Usage::

    python benchmarks/temperature_rules.py /tmp/proba_ln05 --width 0.5
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from skspec.metrics import expected_calibration_error
from skspec.nn._calibration import fit_temperature

sys.path.insert(0, str(Path(__file__).resolve().parent))

from emccnn_variants import _retempered  # noqa: E402

#: The scatter of the generator's subtypes about their labels
#: (``make_mdwarf_spectra(label_noise=0.28)``).
GENERATOR_LABEL_NOISE = 0.28


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="the --proba DIR of emccnn_variants.py")
    parser.add_argument("--width", type=float, default=0.5, help="label_noise of the fits")
    args = parser.parse_args(argv)
    centre = (GENERATOR_LABEL_NOISE / args.width) ** 2
    rules = {
        "plain": lambda z, y: fit_temperature(z, y, prior_sd=None),
        "prior at 1": lambda z, y: fit_temperature(z, y),
        f"prior at {centre:.2f}": lambda z, y: fit_temperature(z, y, prior_centre=centre),
        f"fixed {centre:.2f}": lambda z, y: centre,
    }
    files = sorted(args.directory.glob("*_valid.npz"))
    if not files:
        sys.exit(f"no *_valid.npz files in {args.directory}")
    eces = {rule: [] for rule in rules}
    print("| fit | " + " | ".join(rules) + " |")
    print("|---|" + "---:|" * len(rules))
    for path in files:
        saved = np.load(path)
        proba = np.load(path.with_name(path.name.replace("_valid.npz", ".npy")))
        row = []
        for rule, fit in rules.items():
            t = fit(saved["logits"], saved["y"])
            p = _retempered(proba, float(saved["temperature"]), t)
            ece = expected_calibration_error(saved["y_test"], p, classes=saved["classes"])
            eces[rule].append(ece)
            row.append(f"{ece:.3f}")
        print(f"| {path.name.replace('_valid.npz', '')} | " + " | ".join(row) + " |")
    print("| **mean** | " + " | ".join(f"**{np.mean(v):.3f}**" for v in eces.values()) + " |")
    counts = [f"{int(np.sum(np.array(v) <= 0.03))}/{len(v)}" for v in eces.values()]
    print("| fits ≤ 0.03 | " + " | ".join(counts) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
