"""TemplateClassifier's probabilities: the temperature alone against the power calibration.

``TemplateClassifier(calibration="temperature")`` softens the scaled
chi-square excess ``delta`` by one fitted temperature; ``"power"`` (the
default) fits ``-(delta / T) ** g * (S/N / 10) ** -k``. Neither changes a
predicted class, so only the probabilities are compared: the top-label
expected calibration error (15 bins), the mean top probability beside the
accuracy, and the log loss.

Three sets per seed:

* ``study``: the accuracy study's data and splits (``make_mdwarf_spectra(6000,
  random_state=seed)``, one classifier per S/N bin on its training half,
  scored on its test half), as in ``bench_accuracy.py`` but on the 3522-pixel
  spectra;
* ``pooled``: the registry's pipeline (``make_model(name="template")``, as
  ``skspec train`` and the real-data check fit it) on
  ``make_mdwarf_spectra(4000, random_state=seed)``, all S/N together, scored
  per bin on an independent draw of 3000 (``random_state=seed + 100``);
* ``real`` (with ``../shared/data``): that pooled pipeline on the real
  templates and SDSS files of ``bench_sim2real.py``, degraded as there, with
  the ``+instrument`` and ``+coverage`` variants.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/template_calibration.py --seeds 0 > out.md
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from skspec.datasets import make_mdwarf_spectra
from skspec.experiments import make_model
from skspec.metrics import expected_calibration_error
from skspec.models import TemplateClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _realdata import shared_data_dir, test_sets  # noqa: E402
from _study import study_splits  # noqa: E402

CALIBRATIONS = ("temperature", "power")


def _scores(classes, y, proba):
    y = np.asarray(y)
    idx = np.searchsorted(classes, y)
    known = (idx < classes.size) & (classes[np.minimum(idx, classes.size - 1)] == y)
    true_p = np.where(known, proba[np.arange(y.size), np.minimum(idx, classes.size - 1)], 0.0)
    return {
        "acc": float(np.mean(classes[proba.argmax(axis=1)] == y)),
        "conf": float(proba.max(axis=1).mean()),
        "ece": float(expected_calibration_error(y, proba, classes=classes)),
        "nll": float(-np.mean(np.log(np.maximum(true_p, 1e-12)))),
    }


def _params(clf):
    return f"T {clf.temperature_:.1f}, g {clf.exponent_:.2f}, k {clf.snr_exponent_:.2f}"


def _line(seed, where, part, results):
    t, p = results["temperature"], results["power"]
    print(
        f"| {seed} | {where} | {part} | {t['acc']:.3f} | {t['conf']:.3f} / {p['conf']:.3f} "
        f"| {t['ece']:.3f} / {p['ece']:.3f} | {t['nll']:.3f} / {p['nll']:.3f} |",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--sets", default="study,pooled,real", help="comma-separated")
    args = parser.parse_args()
    sets = args.sets.split(",")
    print(
        "| seed | set | bin / source | accuracy | mean top p: temperature / power "
        "| ECE: temperature / power | log loss: temperature / power |"
    )
    print("|---|---|---|---:|---|---|---|")
    fitted = []
    for seed in (int(s) for s in args.seeds.split(",")):
        if "study" in sets:
            for snr_bin, X_tr, X_te, y_tr, y_te, _ in study_splits(seed):
                res = {}
                for cal in CALIBRATIONS:
                    clf = TemplateClassifier(calibration=cal, random_state=seed).fit(X_tr, y_tr)
                    res[cal] = _scores(clf.classes_, y_te, clf.predict_proba(X_te))
                    fitted.append(f"seed {seed}, study {snr_bin}, {cal}: {_params(clf)}")
                _line(seed, "study", snr_bin, res)
        if "pooled" not in sets and "real" not in sets:
            continue
        train = make_mdwarf_spectra(4000, random_state=seed)
        models = {}
        for cal in CALIBRATIONS:
            models[cal] = make_model(
                name="template", random_state=seed, params={"calibration": cal}
            ).fit(train.data, train.target)
            fitted.append(f"seed {seed}, pooled, {cal}: {_params(models[cal][-1])}")
        if "pooled" in sets:
            test = make_mdwarf_spectra(3000, random_state=seed + 100)
            snr_bin = np.asarray(test.frame["snr_bin"])
            y = np.asarray(test.target)
            proba = {cal: m.predict_proba(test.data) for cal, m in models.items()}
            for b in ("5-10", "10-15", ">15"):
                rows = snr_bin == b
                res = {
                    cal: _scores(models[cal].classes_, y[rows], p[rows]) for cal, p in proba.items()
                }
                _line(seed, "pooled", b, res)
        data_dir = shared_data_dir()
        if "real" in sets and data_dir is not None:
            real = test_sets(data_dir, copies=12, instrument=True, coverage=True)
            for (source, b), (X, _ivar, y) in real.items():
                res = {cal: _scores(m.classes_, y, m.predict_proba(X)) for cal, m in models.items()}
                _line(seed, "real", f"{source} {b}", res)
    print("\nFitted calibrations:\n")
    for line in fitted:
        print(f"- {line}")


if __name__ == "__main__":
    main()
