"""The accuracy study: every model, 1-D and 2-D, per S/N bin; prints a markdown section.

Data: ``make_mdwarf_spectra(6000, random_state=seed)``, binned by the measured
S/N into the paper's bins (5-10, 10-15, >15; spectra below 5 are dropped), and
split 50/50 within each bin, stratified by subtype (the same seed); with
several ``--seeds`` the table shows the mean and the seed-to-seed standard
deviation, and the expected calibration error (ECE, top label, 15 bins) of
the models with ``predict_proba`` on the test halves. Every model of
``skspec.experiments.MODELS`` is fitted on each bin's training half at its
default (full) size, and scored on both halves. The networks stop early on
an internal 10 % validation split; ``--max-epochs`` caps the epochs to bound
the run time on a CPU.

The per-fit results (with each test row's ECE) are also written to
``benchmarks/results/accuracy.csv``.

Usage::

    python benchmarks/bench_accuracy.py                  # the study (about 1 h on 2 cores)
    python benchmarks/bench_accuracy.py --n-samples 900 --quick   # a smoke run
    python benchmarks/bench_accuracy.py --models emccnn,svm --dims 1d --seeds 0,1,2
    python benchmarks/bench_accuracy.py --models emccnn --dims 1d \
        --params normalization=median+standard --out benchmarks/results/accuracy_x.csv
    /tmp/aeonenv/bin/python benchmarks/bench_accuracy.py --models minirocket --dims 1d

``minirocket`` (aeon's MiniRocketClassifier on median-normalised spectra,
``benchmarks/_peers.py``) is the general-purpose peer of issue 11: an optional
benchmark dependency, run only when named in ``--models``, 1-D only, on the
same per-bin splits as the package's models (``_split_bin`` with the same
seed), in this process. Its ``predict_proba`` is one-hot (ridge classifier),
so no ECE is reported for it.
"""

import argparse
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import load_average, parse_params  # noqa: E402
from _peers import PEERS, aeon_version, make_peer  # noqa: E402


def run_peers(names, X, y, snr_bin, *, test_size, random_state):
    """Fit and score the peers per S/N bin on run_experiments' own splits.

    Returns rows with run_experiments' score columns.
    """
    from skspec.experiments import resolve_bins
    from skspec.experiments._runner import _split_bin
    from skspec.metrics import within_one_subtype_accuracy

    X = np.asarray(X)
    y = np.asarray(y, dtype=object)
    snr_bin = np.asarray(snr_bin, dtype=object)
    rows = np.arange(len(X))
    out = []
    for b in resolve_bins(None):
        mask = snr_bin == b
        if mask.sum() < 8 or len(np.unique(y[mask])) < 2:
            continue  # run_experiments skips such a bin too
        X_tr, X_te, y_tr, y_te, _, _ = _split_bin(
            X[mask], y[mask], test_size, random_state, rows[mask]
        )
        for name in names:
            est = make_peer(name, random_state=random_state)
            t0 = time.perf_counter()
            est.fit(X_tr, y_tr)
            fit_seconds = time.perf_counter() - t0
            for split, Xs, ys in (("train", X_tr, y_tr), ("test", X_te, y_te)):
                pred = np.asarray(est.predict(Xs), dtype=object)
                out.append(
                    {
                        "model": name,
                        "label": PEERS[name],
                        "dim": "1d",
                        "bin": b,
                        "split": split,
                        "accuracy": float(np.mean(pred == ys)),
                        "within_one": float(within_one_subtype_accuracy(ys, pred)),
                        "fit_seconds": fit_seconds,
                        "n": len(ys),
                    }
                )
            print(
                f"{PEERS[name]} seed {random_state} bin {b}: fit {fit_seconds:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=6000)
    parser.add_argument("--max-epochs", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="quick model settings")
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--models", default=None, help="comma-separated subset")
    parser.add_argument("--dims", default=None, help="1d, 2d or 1d,2d (default: both)")
    parser.add_argument("--seeds", default="0", help="comma-separated data/split seeds")
    parser.add_argument(
        "--params",
        default=None,
        help="constructor arguments of every network, e.g. "
        "'normalization=median+standard,augment=True'",
    )
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "accuracy.csv"))
    args = parser.parse_args()

    import sklearn
    import torch

    import skspec
    from skspec.datasets import make_mdwarf_spectra
    from skspec.experiments import run_experiments
    from skspec.metrics import _top_label_ece

    t0 = time.perf_counter()
    load = load_average()
    models = args.models.split(",") if args.models else None
    from skspec.experiments import MODELS

    wanted = set(args.dims.split(",")) if args.dims else {"1d", "2d"}
    # Peers (aeon) run only when named, never by default, and only in 1-D.
    peers = [m for m in models or [] if m in PEERS]
    if models is not None:
        models = [m for m in models if m not in PEERS]
    if peers and "1d" not in wanted:
        sys.exit(f"bench_accuracy: {', '.join(peers)} run in 1-D only; add --dims 1d")
    for name in peers:
        try:
            make_peer(name)
        except ImportError as exc:
            sys.exit(f"bench_accuracy: {exc}")
    dims = {
        name: tuple(d for d in spec.dims if d in wanted)
        for name, spec in MODELS.items()
        if models is None or name in models
    }
    seeds = [int(v) for v in args.seeds.split(",")]
    net_params = parse_params(args.params)
    params = {name: net_params for name in dims if MODELS[name].network and net_params}
    all_scores, ece_rows = [], []
    result = None
    for seed in seeds:
        ds = make_mdwarf_spectra(args.n_samples, random_state=seed)
        snr_bin = ds.frame["snr_bin"].to_numpy(dtype=object)
        if peers:
            rows = run_peers(peers, ds.data, ds.target, snr_bin, test_size=0.5, random_state=seed)
            all_scores.append(pd.DataFrame(rows).assign(seed=seed))
        if models == []:
            continue
        result = run_experiments(
            ds.data,
            ds.target,
            snr_bin,
            models=models,
            dims=dims,
            quick=args.quick,
            test_size=0.5,
            random_state=seed,
            n_jobs=args.n_jobs,
            max_epochs=args.max_epochs,
            params=params,
            progress=True,
        )
        all_scores.append(result.scores.assign(seed=seed))
        pred = result.predictions
        if "confidence" in pred:
            for (model, dim, b), g in pred.dropna(subset=["confidence"]).groupby(
                ["model", "dim", "bin"]
            ):
                # Top-label ECE needs only the confidence and whether it was right.
                ece = _top_label_ece(g.y_pred == g.y_true, g.confidence.to_numpy(float))
                ece_rows.append({"model": model, "dim": dim, "bin": b, "seed": seed, "ece": ece})
    wall = time.perf_counter() - t0
    scores = pd.concat(all_scores, ignore_index=True)
    ece_fits = pd.DataFrame(ece_rows, columns=["model", "dim", "bin", "seed", "ece"])
    # Each test row of the CSV carries its fit's ECE (empty for train rows
    # and for models without probabilities).
    per_fit = scores.merge(ece_fits.assign(split="test"), how="left")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    per_fit.to_csv(out, index=False)

    bins = [b for b in ("5-10", "10-15", ">15") if b in set(scores["bin"])]
    table = scores.pivot_table(index=["label", "dim"], columns=["bin", "split"], values="accuracy")
    within = scores[scores.split == "test"].pivot_table(
        index=["label", "dim"], columns="bin", values="within_one"
    )
    test_sd = scores[scores.split == "test"].pivot_table(
        index=["label", "dim"], columns="bin", values="accuracy", aggfunc="std"
    )
    seconds = scores[scores.split == "test"].groupby(["label", "dim"])["fit_seconds"].sum() / len(
        seeds
    )
    labels = scores.drop_duplicates("model").set_index("model")["label"]
    ece = ece_fits.assign(label=ece_fits["model"].map(labels))
    ece = ece.groupby(["label", "dim"])["ece"].mean()
    order = (
        table.xs("test", axis=1, level="split")[bins]
        .mean(axis=1)
        .sort_values(ascending=False)
        .index
    )

    counts = pd.crosstab(pd.Series(snr_bin, name="bin"), pd.Series(ds.target, name="subtype"))
    print("## Accuracy study: every model per S/N bin (`benchmarks/bench_accuracy.py`)\n")
    print(
        f"- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; machine: "
        f"{platform.machine()}, {os.cpu_count()} cores; load average at start "
        f"{load}"
    )
    print(
        f"- versions: skspec {skspec.__version__}, torch {torch.__version__}, "
        f"scikit-learn {sklearn.__version__}, numpy {np.__version__}"
        + (f", aeon {aeon_version()}" if peers else "")
    )
    print(
        f"- data: make_mdwarf_spectra({args.n_samples}, random_state=seed) for seeds "
        f"{args.seeds}; spectra per bin (last seed): "
        + ", ".join(f"{b}: {int(counts.loc[b].sum())}" for b in bins)
        + f" ({int(np.sum(~np.isin(snr_bin, bins)))} below S/N 5 dropped); 50/50 "
        "stratified split per bin with the same seed"
    )
    print(
        f"- models: {'quick' if args.quick else 'default (full-size)'} settings, networks "
        f"capped at {args.max_epochs} epochs with early stopping"
        + (f", network parameters `{args.params}`" if args.params else "")
        + "; joblib workers: "
        f"{result.config['n_jobs'] if result is not None else '-'}"
        + (f" (peers {', '.join(peers)} in this process)" if peers else "")
        + f"; seeds {args.seeds} (accuracy: mean ± sd over seeds); total wall time {wall / 60:.1f} min\n"
    )
    header = (
        "| model | "
        + " | ".join(f"{b} train | {b} test" for b in bins)
        + " | test within one ("
        + "/".join(bins)
        + ") | ECE (test, mean over bins) | fit s (sum over bins) |"
    )
    print(header)
    print("|---|" + "---:|" * (2 * len(bins) + 3))

    def cell(label, dim, b, split):
        text = f"{100 * table.loc[(label, dim), (b, split)]:.1f}"
        sd = test_sd.loc[(label, dim), b] if split == "test" and len(seeds) > 1 else np.nan
        return text + (f" ± {100 * sd:.1f}" if np.isfinite(sd) else "")

    for label, dim in order:
        cells = [cell(label, dim, b, s) for b in bins for s in ("train", "test")]
        e = ece.get((label, dim), np.nan)
        cells_tail = f"{e:.3f}" if np.isfinite(e) else "-"
        w = "/".join(f"{100 * within.loc[(label, dim), b]:.0f}" for b in bins)
        print(
            f"| {label} {dim.upper()} | "
            + " | ".join(cells)
            + f" | {w} | {cells_tail} | {seconds[(label, dim)]:.0f} |"
        )
    print(
        f"\nPer-fit rows: `{out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}`."
    )


if __name__ == "__main__":
    main()
