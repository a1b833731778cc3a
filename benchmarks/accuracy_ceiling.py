"""How much accuracy is left in the accuracy study's data? (issue 11)

Four measurements on the accuracy study's own data and splits
(``make_mdwarf_spectra(6000, random_state=seed)``, 50/50 per S/N bin):

1. ``--curve``: the SVM's learning curve per bin. The training half is
   topped up with 1x, 2x, 4x and 8x as many spectra of the same bin from an
   independent draw (``make_mdwarf_spectra(24000, random_state=1000 +
   seed)``); the test half stays the study's. A curve that flattens says the
   bin is near what its spectra allow, not short of training data.
2. ``--borders``: where the SVM's errors lie. Every generated star has a
   continuous subtype (``frame["subtype_true"]``; the label is its nearest
   integer); the script prints the share of errors made on stars within
   0.1 subtype of a class border, the share of such stars in the test half,
   and the accuracy on the rest.
3. ``--oracle``: the accuracy of an oracle that knows each test star's
   continuous subtype exactly and answers the most probable label given it.
   The generator draws the true subtype around the label (``label +
   clip(N(0, label_noise), -0.95, 0.95)``, ``label_noise=0.28``), and the
   spectrum depends on the label only through it, so no classifier of the
   spectra can beat this oracle in expectation: it is the bin's Bayes
   ceiling, whatever the S/N. The most probable label is the nearest one,
   except at the clip's point masses (a subtype exactly 0.95 from a label,
   about 7 stars in 10,000), which belong to that label.
4. ``--clean``: what the spectra carry without their noise. The same
   draws with ``return_clean=True`` (the observation before its random
   noise: RV, resolution, calibration, reddening, activity and the rest
   kept); the SVM is fitted on the noiseless training half, topped up 1x
   and 8x as in ``--curve`` from an independent noiseless draw, and scored
   on the noiseless test half. What it cannot separate there it cannot
   separate at any S/N: a floor on what the generator's nuisances cost.
5. ``--bands``: where EMCCNN and the SVM differ. Both are fitted on the
   same halves (``EMCCNNClassifier(random_state=seed)`` at its defaults,
   ``make_svm_classifier()``), and their test accuracy is printed per band
   of the distance between a star's true subtype and its label.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/accuracy_ceiling.py --seeds 0,1,2 --borders
    OMP_NUM_THREADS=1 python benchmarks/accuracy_ceiling.py --seeds 0 --curve
    python benchmarks/accuracy_ceiling.py --seeds 0,1,2,3,4,5 --oracle
    OMP_NUM_THREADS=1 python benchmarks/accuracy_ceiling.py --seeds 0,1,2 --bands
    OMP_NUM_THREADS=1 python benchmarks/accuracy_ceiling.py --seeds 0,1,2 --clean
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from skspec.datasets import make_mdwarf_spectra
from skspec.models import EMCCNNClassifier, make_svm_classifier

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _study import STUDY_N_SAMPLES, study_splits  # noqa: E402

from skspec.experiments import resolve_bins  # noqa: E402
from skspec.experiments._runner import _split_bin  # noqa: E402

BORDER = 0.1
#: Where the generator clips the true subtype's offset from its label.
CLIP = 0.95


def border_distance(subtype_true, label_index, n_classes):
    """Distance of each star's continuous subtype to the nearest border between classes.

    The outer edges of the first and last class are not borders between
    classes: a star beyond them counts as far from any border (``inf``).
    """
    d = 0.5 - np.abs(subtype_true - label_index)
    outside = ((label_index == 0) & (subtype_true < 0)) | (
        (label_index == n_classes - 1) & (subtype_true > n_classes - 1)
    )
    return np.where(outside, np.inf, d)


def curve(seed, b, X_tr, X_te, y_tr, y_te, extra, *, mults=(1, 2, 4, 8), X_extra=None):
    """The SVM's test accuracy with the training half topped up from ``extra``.

    ``X_extra`` replaces ``extra.data`` as the spectra to top up with (the
    noiseless ones for ``--clean``).
    """
    in_bin = np.asarray(extra.frame["snr_bin"], dtype=object) == b
    X_ex = (extra.data if X_extra is None else X_extra)[in_bin]
    y_ex = np.asarray(extra.target, dtype=object)[in_bin]
    for prev, mult in zip((None, *mults), mults):
        k = (mult - 1) * len(X_tr)
        if k > len(X_ex):
            print(f"seed {seed} bin {b}: only {len(X_ex)} extra spectra, stop at {prev}x")
            break
        t0 = time.perf_counter()
        clf = make_svm_classifier().fit(
            np.vstack([X_tr, X_ex[:k]]), np.concatenate([y_tr, y_ex[:k]])
        )
        acc = np.mean(clf.predict(X_te) == y_te)
        print(
            f"| {seed} | {b} | {mult}x | {len(X_tr) + k} | {len(X_te)} | {100 * acc:.1f} "
            f"| {time.perf_counter() - t0:.0f} |",
            flush=True,
        )


def borders(seed, b, X_tr, X_te, y_tr, y_te, subtype_true):
    classes = np.unique(y_tr)
    index = np.searchsorted(classes, y_te)
    near = border_distance(subtype_true, index, len(classes)) < BORDER
    wrong = make_svm_classifier().fit(X_tr, y_tr).predict(X_te) != y_te
    print(
        f"| {seed} | {b} | {100 * (1 - wrong.mean()):.1f} | {wrong.sum()} "
        f"| {100 * (wrong & near).sum() / max(wrong.sum(), 1):.0f} | {100 * near.mean():.0f} "
        f"| {100 * (1 - wrong[near].mean()):.1f} | {100 * (1 - wrong[~near].mean()):.1f} |",
        flush=True,
    )


def oracle(seed, b, X_tr, X_te, y_tr, y_te, subtype_true):
    """Accuracy of the most probable label given each test star's true subtype.

    Class index = subtype number (M0 = 0): the study's classes are M0-M4.
    """
    classes = np.unique(y_tr)
    index = np.searchsorted(classes, y_te)
    guess = np.round(subtype_true)
    # The clip at +-CLIP puts a point mass there: a density never beats it.
    frac = subtype_true - np.floor(subtype_true)
    guess = np.where(np.isclose(frac, CLIP), np.floor(subtype_true), guess)
    guess = np.where(np.isclose(frac, 1 - CLIP), np.floor(subtype_true) + 1, guess)
    guess = np.clip(guess, 0, len(classes) - 1)
    print(f"| {seed} | {b} | {len(y_te)} | {100 * np.mean(guess == index):.1f} |", flush=True)


#: Bands of |true subtype - label| for ``--bands``.
BANDS = (0.0, 0.2, 0.35, 0.5, 1.0)


def bands(seed, b, X_tr, X_te, y_tr, y_te, subtype_true):
    """EMCCNN's and the SVM's test accuracy per band of |true subtype - label|."""
    classes = np.unique(y_tr)
    offset = np.abs(subtype_true - np.searchsorted(classes, y_te))
    right = {
        "EMCCNN": EMCCNNClassifier(random_state=seed).fit(X_tr, y_tr).predict(X_te) == y_te,
        "SVM": make_svm_classifier().fit(X_tr, y_tr).predict(X_te) == y_te,
    }
    cells = []
    for lo, hi in zip(BANDS[:-1], BANDS[1:]):
        m = (offset >= lo) & (offset < hi)
        cells.append(
            f"{m.sum()}: {100 * right['EMCCNN'][m].mean():.1f} / {100 * right['SVM'][m].mean():.1f}"
        )
    overall = f"{100 * right['EMCCNN'].mean():.1f} / {100 * right['SVM'].mean():.1f}"
    print(f"| {seed} | {b} | {overall} | {' | '.join(cells)} |", flush=True)


def noiseless(seed):
    """The clean ceiling of ``--clean`` for one seed, every bin, 1x and 8x."""
    data = make_mdwarf_spectra(STUDY_N_SAMPLES, random_state=seed, return_clean=True)
    extra = make_mdwarf_spectra(24000, random_state=1000 + seed, return_clean=True)
    y = np.asarray(data.target, dtype=object)
    snr_bin = np.asarray(data.frame["snr_bin"], dtype=object)
    for b in resolve_bins(None):
        rows = np.flatnonzero(snr_bin == b)
        # The study's own split of the bin (same seed, same rows), on the clean spectra.
        _, _, y_tr, y_te, r_tr, r_te = _split_bin(data.data[rows], y[rows], 0.5, seed, rows)
        X_tr, X_te = data.clean[r_tr], data.clean[r_te]
        curve(seed, b, X_tr, X_te, y_tr, y_te, extra, mults=(1, 8), X_extra=extra.clean)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--curve", action="store_true")
    parser.add_argument("--borders", action="store_true")
    parser.add_argument("--oracle", action="store_true")
    parser.add_argument("--bands", action="store_true")
    parser.add_argument("--clean", action="store_true")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    band_heads = " | ".join(
        f"{lo}-{hi}: n, EMCCNN / SVM %" for lo, hi in zip(BANDS[:-1], BANDS[1:])
    )
    per_split = (  # (asked, table head, alignment row, one row per seed and bin)
        (
            args.bands,
            f"| seed | bin | all: EMCCNN / SVM % | {band_heads} |",
            "|---|---|---|" + "---|" * (len(BANDS) - 1),
            bands,
        ),
        (args.oracle, "| seed | bin | n test | oracle test % |", "|---|---|---:|---:|", oracle),
        (
            args.borders,
            f"| seed | bin | SVM test % | errors | % of errors within {BORDER} of a border "
            "| % of test stars there | accuracy there | accuracy elsewhere |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
            borders,
        ),
    )
    for asked, head, rule, row in per_split:
        if asked:
            print(head)
            print(rule)
            for seed in seeds:
                for split in study_splits(seed):
                    row(seed, *split)
    if args.curve:
        print("| seed | bin | training size | n train | n test | SVM test % | fit s |")
        print("|---|---|---|---:|---:|---:|---:|")
        for seed in seeds:
            # One independent draw per seed tops up every bin.
            extra = make_mdwarf_spectra(24000, random_state=1000 + seed)
            for b, X_tr, X_te, y_tr, y_te, _ in study_splits(seed):
                curve(seed, b, X_tr, X_te, y_tr, y_te, extra)
    if args.clean:
        print("| seed | bin | training size | n train | n test | SVM test % (noiseless) | fit s |")
        print("|---|---|---|---:|---:|---:|---:|")
        for seed in seeds:
            noiseless(seed)


if __name__ == "__main__":
    main()
