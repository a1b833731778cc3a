"""Fit and predict speed of the classical models: SVM baseline and template matching.

Prints one markdown section (see ``benchmarks/run_all.py``). Usage::

    python benchmarks/bench_classic.py [--n-train 3000] [--n-test 3000] [--repeat 3]

Data: ``skspec.datasets.make_mdwarf_spectra`` when available; otherwise toy
spectra on the 3522-pixel SDSS grid (four classes of band depth, random tilt,
scale and white noise at S/N 5-30), which time the same code paths. Times are
the best of ``--repeat`` runs, wall clock and process CPU time.
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import cpu_name, load_average

from skspec.models import SNRBinnedClassifier, TemplateClassifier, make_svm_classifier
from skspec.utils import N_PIXELS, snr_bin_label


def toy_spectra(n, seed):
    """Band-depth classes on the SDSS grid, with ivar and SDSS-like S/N."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0.0, 1.0, N_PIXELS)
    bands = sum(np.exp(-0.5 * ((x - c) / 0.004) ** 2) for c in np.linspace(0.1, 0.9, 25))
    k = rng.integers(0, 4, n)
    depth = 0.2 + 0.1 * k[:, None] + rng.normal(0, 0.03, (n, 1))
    flux = (1 - depth * bands) * (0.3 + x) ** (1 + 0.2 * k[:, None])
    flux = flux * (1 + rng.normal(0, 0.1, (n, 1)) * (x - 0.5)) * rng.uniform(1, 50, (n, 1))
    snr = rng.uniform(5, 30, n)
    sigma = flux.mean(axis=1, keepdims=True) / snr[:, None]
    data = (flux + rng.normal(size=flux.shape) * sigma).astype(np.float32)
    ivar = np.broadcast_to(1 / sigma**2, flux.shape).astype(np.float32)
    return data, ivar, np.array(["M0", "M1", "M2", "M3"])[k], snr, "toy spectra"


def load(n, seed):
    try:
        from skspec.datasets._generator import make_mdwarf_spectra
    except ImportError:
        return toy_spectra(n, seed)
    b = make_mdwarf_spectra(n_samples=n, random_state=seed)
    return b.data, b.ivar, b.target, b.snr, "`make_mdwarf_spectra`, S/N 5-40"


def best_time(fn, repeat):
    """Best wall-clock and process CPU time of ``repeat`` calls, and the last result."""
    walls, cpus = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus), out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=3000)
    parser.add_argument("--n-test", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    X, ivar, y, snr, source = load(args.n_train, seed=0)
    X_test, ivar_test, y_test, snr_test, _ = load(args.n_test, seed=1)
    models = [
        ("SVM (`make_svm_classifier()`)", make_svm_classifier, {}, {}),
        ("TemplateClassifier, noise-estimate weights", TemplateClassifier, {}, {}),
        (
            "TemplateClassifier, `ivar` weights",
            TemplateClassifier,
            {"ivar": ivar},
            {"ivar": ivar_test},
        ),
        (
            "SNRBinnedClassifier(TemplateClassifier()), SDSS S/N",
            lambda: SNRBinnedClassifier(TemplateClassifier()),
            {"snr": snr},
            {"snr": snr_test},
        ),
    ]
    rows = []
    for name, make, fit_kw, pred_kw in models:
        print(f"timing {name} ...", file=sys.stderr, flush=True)
        t_fit, c_fit, clf = best_time(lambda m=make, kw=fit_kw: m().fit(X, y, **kw), args.repeat)
        t_pred, c_pred, pred = best_time(
            lambda c=clf, kw=pred_kw: c.predict(X_test, **kw), args.repeat
        )
        acc = float(np.mean(pred == y_test))
        rows.append((name, t_fit, c_fit, t_pred, c_pred, args.n_test / t_pred, acc))

    bins = ", ".join(
        f"{b}: {int(np.sum(snr_bin_label(snr) == b))}" for b in ("<5", "5-10", "10-15", ">15")
    )
    print("## Classical models: SVM and template matching\n")
    print(
        f"{args.n_train} training and {args.n_test} test spectra of {X.shape[1]} pixels "
        f"({source}; training S/N bins {bins}). Best of {args.repeat} runs: wall clock, "
        "and the process CPU time (all threads) in brackets.\n"
    )
    print(
        f"Machine: {cpu_name()}, {os.cpu_count()} cores (load average "
        f"{load_average()} at the end), "
        f"Python {platform.python_version()}, numpy {np.__version__}.\n"
    )
    print("| model | fit (s) | predict (s) | predict (spectra/s, wall) | test accuracy |")
    print("|---|---:|---:|---:|---:|")
    for name, t_fit, c_fit, t_pred, c_pred, rate, acc in rows:
        print(
            f"| {name} | {t_fit:.2f} ({c_fit:.2f}) | {t_pred:.2f} ({c_pred:.2f}) "
            f"| {rate:,.0f} | {acc:.3f} |"
        )
    print(
        "\nAccuracy here only shows that the models work (one seed, default "
        "settings); the experiments report accuracy properly."
    )


if __name__ == "__main__":
    main()
