"""Speed of skspec's networks against the SVM baseline; prints a markdown section.

For every network at its default size, 1-D input (3522 SDSS pixels) and, for
the convolutional baselines, 2-D input (resampled to 5000 points and folded
to 50 x 100, as in the paper):

- training: seconds per epoch per 1,000 spectra (EpochTimer of the second
  epoch: the first pays for lazy initialisation);
- prediction: spectra per second (best of two runs).

Both are measured as wall-clock time and as process CPU time. On a shared
machine the wall clock includes time other processes took; with one torch
thread, CPU time is close to the wall time the same work takes on an idle
core. The SVM baseline, ``make_pipeline(StandardScaler(), SVC())``, is timed
on the same spectra in the same run.

Then EMCCNN is trained to early-stopping convergence on 3,000 spectra
(default settings: 10 % held out for early stopping) and scored on unseen
spectra, beside the SVM (raw flux, and flux divided by each spectrum's
median), as a sanity check that it learns something real. This is not the
accuracy study.

Data come from ``skspec.datasets.make_mdwarf_spectra`` when it exists, else
random spectra of the right shape (speed only; accuracies then mean nothing).

Usage::

    python benchmarks/bench_models.py                 # torch's default threads
    python benchmarks/bench_models.py --threads 1
    python benchmarks/bench_models.py --quick         # fewer spectra, no convergence run
"""

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC

from skspec.models import (
    CNNClassifier,
    DNNClassifier,
    EMCCNNClassifier,
    ResNetClassifier,
    VGG16Classifier,
)
from skspec.preprocessing import Folder2D, QuadraticResampler

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import load_average, machine_info  # noqa: E402

MODELS = [  # (name, class, also folded 2-D)
    ("EMCCNN", EMCCNNClassifier, False),
    ("DNN", DNNClassifier, False),
    ("CNN", CNNClassifier, True),
    ("VGG16 (width 0.125)", VGG16Classifier, True),
    ("ResNet18 (width 0.25)", ResNetClassifier, True),
]


def load_data(n, seed):
    """Generated M dwarf spectra, or random ones of the right shape."""
    try:
        from skspec.datasets import make_mdwarf_spectra
    except ImportError:
        try:
            from skspec.datasets._generator import make_mdwarf_spectra
        except ImportError:
            make_mdwarf_spectra = None
    if make_mdwarf_spectra is not None:
        bunch = make_mdwarf_spectra(n, random_state=seed)
        return bunch.data, np.asarray(bunch.target), "make_mdwarf_spectra (S/N 5-40)"
    rng = np.random.default_rng(seed)
    X = rng.lognormal(0.0, 0.1, size=(n, 3522)).astype(np.float32)
    y = np.array([f"M{i}" for i in rng.integers(0, 5, n)], dtype=object)
    return X, y, "random spectra (speed only)"


def run_info(threads):
    """Date, machine (with the load average at start), versions and torch threads."""
    info = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}  # noqa: UP017
    info.update(machine_info(("torch", "skorch", "sklearn", "numpy")))
    info["torch threads"] = threads
    return info


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def bench_predict(model, X, repeats=2):
    best_wall, best_cpu = np.inf, np.inf
    for _ in range(repeats):
        _, wall, cpu = timed(lambda: model.predict_proba(X))
        best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
    return len(X) / best_wall, len(X) / best_cpu


def bench_network(cls, X_train, y_train, X_pred, epochs=2):
    """Seconds per epoch per 1000 spectra (wall, CPU) and predictions per second."""
    model = cls(max_epochs=epochs, validation_fraction=None, random_state=0)
    cpu_marks = []
    from skorch.callbacks import Callback

    class CPUTimer(Callback):
        def on_epoch_begin(self, net, **kwargs):
            cpu_marks.append(time.process_time())

        def on_epoch_end(self, net, **kwargs):
            cpu_marks.append(time.process_time())

    model.set_params(callbacks=[("cpu_timer", CPUTimer())])
    model.fit(X_train, y_train)
    per_k = 1000 / len(X_train)
    epoch_wall = model.history_[-1, "dur"] * per_k
    epoch_cpu = (cpu_marks[-1] - cpu_marks[-2]) * per_k
    pred_wall, pred_cpu = bench_predict(model, X_pred)
    return epoch_wall, epoch_cpu, pred_wall, pred_cpu


def bench_svm(X_train, y_train, X_pred):
    svm = make_pipeline(StandardScaler(), SVC())
    _, fit_wall, fit_cpu = timed(lambda: svm.fit(X_train, y_train))
    best = (np.inf, np.inf)
    for _ in range(2):
        _, wall, cpu = timed(lambda: svm.predict(X_pred))
        best = (min(best[0], wall), min(best[1], cpu))
    per_k = 1000 / len(X_train)
    return fit_wall * per_k, fit_cpu * per_k, len(X_pred) / best[0], len(X_pred) / best[1]


def median_normalised_svm():
    def divide_by_median(X):
        return X / np.median(np.abs(X), axis=1, keepdims=True)

    return make_pipeline(FunctionTransformer(divide_by_median), StandardScaler(), SVC())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--threads", type=int, default=None, help="torch.set_num_threads (default: torch's choice)"
    )
    parser.add_argument(
        "--n-time", type=int, default=1000, help="spectra used to time training and prediction"
    )
    parser.add_argument(
        "--n-converge",
        type=int,
        default=3000,
        help="training spectra of the EMCCNN convergence run",
    )
    parser.add_argument(
        "--n-test", type=int, default=1000, help="unseen spectra scoring the convergence run"
    )
    parser.add_argument(
        "--quick", action="store_true", help="300 spectra for timing, no convergence run"
    )
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.quick:
        args.n_time, args.n_converge = 300, 0
    info = run_info(torch.get_num_threads())

    n_total = max(args.n_time, args.n_converge) + (args.n_test if args.n_converge else 0)
    (X, y, source), gen_wall, _ = timed(lambda: load_data(n_total, seed=0))
    X_time, y_time = X[: args.n_time], y[: args.n_time]
    folded = make_pipeline(QuadraticResampler(5000), Folder2D((50, 100)))
    X_time_2d = folded.fit_transform(X_time)

    rows = []
    for name, cls, two_d in MODELS:
        variants = [("1-D 3522", X_time)] + ([("2-D 50x100", X_time_2d)] if two_d else [])
        for label, Xv in variants:
            rows.append((name, label, *bench_network(cls, Xv, y_time, Xv)))
            print(f"  timed {name} {label}", file=sys.stderr, flush=True)
    svm = bench_svm(X_time, y_time, X_time)

    lines = ["## Network speed (benchmarks/bench_models.py)", ""]
    lines += [f"- {key}: {value}" for key, value in info.items()]
    lines += [
        (f"- data: {source}; {args.n_time} spectra timed ({gen_wall:.0f} s to generate {n_total})"),
        (
            "- wall times include whatever else ran on the cores (see the load averages); "
            "CPU times (process time) count only this process's work. Defaults of every "
            "model; batch size 64."
        ),
        "",
        (
            "| model | input | train s/epoch/1000 (wall) | (CPU) | predict spectra/s (wall) "
            "| (CPU) | train time / SVM fit | SVM predict speed / net |"
        ),
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, label, ew, ec, pw, pc in rows:
        lines.append(
            f"| {name} | {label} | {ew:.2f} | {ec:.2f} | {pw:.0f} | {pc:.0f} "
            f"| {ew / svm[0]:.1f}x | {svm[2] / pw:.2f}x |"
        )
    lines.append(
        f"| SVM (StandardScaler + SVC) | 1-D 3522 | {svm[0]:.2f} (fit) | "
        f"{svm[1]:.2f} (fit) | {svm[2]:.0f} | {svm[3]:.0f} | 1x | 1x |"
    )
    lines.append("")
    lines.append(
        "Ratios: the network's training time per epoch over the SVM's whole fit on "
        "the same spectra; the SVM's prediction speed over the network's (wall)."
    )

    if args.n_converge:
        n = args.n_converge
        X_tr, y_tr = X[:n], y[:n]
        X_te, y_te = X[n : n + args.n_test], y[n : n + args.n_test]
        emccnn = EMCCNNClassifier(random_state=0)
        _, wall, cpu = timed(lambda: emccnn.fit(X_tr, y_tr))
        hist = emccnn.history_
        best_epoch = int(np.argmin(hist[:, "valid_loss"])) + 1
        acc = emccnn.score(X_te, y_te)
        svm_raw = make_pipeline(StandardScaler(), SVC())
        _, svm_wall, _ = timed(lambda: svm_raw.fit(X_tr, y_tr))
        svm_norm = median_normalised_svm().fit(X_tr, y_tr)
        pw, pc = bench_predict(emccnn, X_te)
        lines += [
            "",
            f"### EMCCNN to early-stopping convergence on {n} spectra",
            "",
            (
                f"- `EMCCNNClassifier(random_state=0)` (defaults: Adam, 10 % stratified "
                f"validation, patience 10): {len(hist)} epochs (best at epoch {best_epoch}), "
                f"{wall:.0f} s wall, {cpu:.0f} s CPU (target < 300 s); SVM fit {svm_wall:.0f} s."
            ),
            (
                f"- accuracy on {len(y_te)} unseen spectra: EMCCNN {acc:.3f}; SVM on raw flux "
                f"{svm_raw.score(X_te, y_te):.3f}; SVM on median-normalised flux "
                f"{svm_norm.score(X_te, y_te):.3f}; majority class "
                f"{max(np.mean(y_te == c) for c in np.unique(y_te)):.3f}."
            ),
            (
                f"- EMCCNN predicts {pw:.0f} spectra/s wall ({pc:.0f} per CPU-second) on 3522 "
                "pixels (target >= 2000)."
            ),
        ]
    lines.append(f"- load average at end: {load_average()}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
