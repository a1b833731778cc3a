"""Run the paper's experiments: one train/test split and one fit per S/N bin.

The paper trains and scores every model separately in each S/N bin (5-10,
10-15, >15). :func:`run_experiments` does the same: it splits each bin once
(stratified, the same split for every model, so the comparison is paired),
fits a fresh pipeline from :func:`~skspec.experiments.make_model` per
(model, input form, bin) and returns tidy scores, the test predictions and
the networks' training histories. Independent fits run in parallel with
joblib worker processes, one torch thread each.
"""

import contextlib
import logging
import os
import re
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

from ..datasets import expand_paths
from ..metrics import within_one_subtype_accuracy
from ..utils import SNR_EDGES, snr_bin_labels
from ..utils._subtypes import PAPER_BINS, PAPER_SUBTYPES, normalise_subtypes
from ._registry import FIT_COST, MODELS, make_model, resolve_models

__all__ = [
    "DEFAULT_N_SAMPLES",
    "SUBTYPES",
    "ExperimentResult",
    "check_out_dir",
    "load_experiment_data",
    "reproduce",
    "resolve_bins",
    "run_experiments",
]

logger = logging.getLogger("skspec.experiments")

#: The paper's classes.
SUBTYPES = PAPER_SUBTYPES
SCORE_COLUMNS = [
    "model",
    "label",
    "dim",
    "bin",
    "split",
    "accuracy",
    "within_one",
    "fit_seconds",
    "n",
]


#: ``data`` values that generate spectra, and the photosphere of each.
SYNTHETIC_SOURCES = {"synthetic": "empirical", "synthetic-physical": "physical"}


def resolve_bins(bins):
    """Validate S/N bin names ("5-10", "10-15", ">15"; comma-separated or a list)."""
    valid = snr_bin_labels(SNR_EDGES)[1:]
    if bins is None:
        return list(PAPER_BINS)
    if isinstance(bins, str):
        bins = [b.strip() for b in bins.split(",") if b.strip()]
    bins = list(dict.fromkeys(bins))
    unknown = [b for b in bins if b not in valid]
    if unknown or not bins:
        raise ValueError(
            f"unknown S/N bin(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(valid)}"
        )
    return bins


def _bin_edges(label):
    lo, _, hi = label.partition("-")
    if label.startswith(">"):
        return float(label[1:]), 40.0  # the paper's upper range; S/N beyond adds little
    return float(lo), float(hi)


def load_experiment_data(
    data="synthetic", *, n_samples=3000, bins=None, random_state=0, progress=None
):
    """Load the spectra of an experiment: the synthetic set or a directory of SDSS files.

    Parameters
    ----------
    data : "synthetic", "synthetic-physical", "sdss-dr14" or path-like, \
            default="synthetic"
        ``"synthetic"``: :func:`~skspec.datasets.make_mdwarf_spectra`, drawn
        in equal parts per requested S/N bin (the bins are then assigned from
        the *measured* S/N, as for real data), with its default, empirical
        photosphere; ``"synthetic-physical"``: the same with the parametric
        photosphere (``photosphere="physical"``). A directory: every
        ``spec-*.fits``/``spSpec-*.fit`` file in it, read with
        :func:`~skspec.datasets.load_sdss_spectra` (unreadable files skipped
        and reported), labels from SUBCLASS, bins from the S/N.
        ``"sdss-dr14"`` (any ``"sdss-drN"``): the paper's sample fetched with
        :func:`~skspec.datasets.fetch_sdss_mdwarfs` (``n_samples`` split
        evenly over subtypes and bins; cached after the first download).
    n_samples : int, default=3000
        Number of synthetic spectra (ignored for a directory).
    bins : list of str, default=None
        S/N bins to keep; default the paper's three.
    random_state : int, default=0
    progress : bool or None, default=None
        Progress bar of the downloads for ``"sdss-drN"`` (see
        :func:`~skspec.datasets.fetch_sdss_mdwarfs`).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (n, 3522), ``target`` ("M0".."M4"), ``snr``, ``snr_bin``,
        ``wavelength``, ``frame``, ``errors`` (list of (path, reason)),
        ``n_dropped`` (spectra outside M0-M4 or outside the bins) and
        ``source``.
    """
    from .. import datasets

    bins = resolve_bins(bins)
    if isinstance(data, str) and data in SYNTHETIC_SOURCES:
        n_samples = int(n_samples)
        if n_samples < 10 * len(bins):
            raise ValueError(f"n_samples={n_samples} is too small: at least 10 per S/N bin")
        parts = []
        counts = np.full(len(bins), n_samples // len(bins))
        counts[: n_samples % len(bins)] += 1
        seeds = np.random.SeedSequence(random_state).generate_state(len(bins))
        for label, count, seed in zip(bins, counts, seeds):
            parts.append(
                datasets.make_mdwarf_spectra(
                    int(count),
                    subtypes=SUBTYPES,
                    snr=_bin_edges(label),
                    random_state=int(seed),
                    photosphere=SYNTHETIC_SOURCES[data],
                )
            )
        bunch = Bunch(
            data=np.concatenate([p.data for p in parts]),
            target=np.concatenate([np.asarray(p.target, dtype=object) for p in parts]),
            snr=np.concatenate([np.asarray(p.snr, dtype=float) for p in parts]),
            wavelength=parts[0].wavelength,
            frame=pd.concat([p.frame for p in parts], ignore_index=True),
            errors=[],
            source=data,
        )
    elif isinstance(data, str) and re.fullmatch(r"sdss-dr\d+", data):
        # The paper's sample, rebuilt from the SDSS archive (needs network the
        # first time; cached and verified under get_data_home() afterwards).
        loaded = datasets.fetch_sdss_mdwarfs(
            subtypes=SUBTYPES,
            data_release=int(data[len("sdss-dr") :]),
            n_per_class_and_bin=max(1, int(n_samples) // (len(SUBTYPES) * len(bins))),
            random_state=random_state,
            progress=progress,
        )
        bunch = Bunch(
            data=loaded.data,
            target=normalise_subtypes(loaded.target),
            snr=np.asarray(loaded.snr, dtype=float),
            wavelength=loaded.wavelength,
            frame=loaded.frame.reset_index(drop=True),
            errors=list(getattr(loaded, "errors", []) or []),
            source=data,
        )
    else:
        directory = Path(data)
        if not directory.is_dir():
            raise ValueError(
                "--data must be 'synthetic', 'sdss-dr14' or a directory of SDSS "
                f"files, got {str(data)!r}"
            )
        files = expand_paths(directory)
        if not files:
            raise ValueError(f"no SDSS spectrum files (*.fits, *.fit) found in {directory}")
        loaded = datasets.load_sdss_spectra(files, on_error="skip")
        target = loaded.target if "target" in loaded else loaded.frame.get("subclass")
        bunch = Bunch(
            data=loaded.data,
            target=normalise_subtypes(target),
            snr=np.asarray(loaded.snr, dtype=float),
            wavelength=loaded.wavelength,
            frame=loaded.frame.reset_index(drop=True),
            errors=list(getattr(loaded, "errors", []) or []),
            source=str(directory),
        )

    snr_bin = np.asarray(bunch.frame["snr_bin"], dtype=object)
    keep = np.isin(snr_bin, bins) & ~pd.isna(pd.Series(bunch.target, dtype=object)).to_numpy()
    return Bunch(
        data=bunch.data[keep],
        target=np.asarray(bunch.target[keep], dtype=object),
        snr=bunch.snr[keep],
        snr_bin=snr_bin[keep],
        wavelength=bunch.wavelength,
        frame=bunch.frame.loc[keep].reset_index(drop=True),
        errors=bunch.errors,
        n_dropped=int((~keep).sum()),
        source=bunch.source,
        bins=bins,
    )


@dataclass
class ExperimentResult:
    """What :func:`run_experiments` returns.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per (model, dim, bin, split): ``model``, ``label``, ``dim``,
        ``bin``, ``split`` ("train"/"test"), ``accuracy``, ``within_one``,
        ``fit_seconds`` and ``n``.
    predictions : pandas.DataFrame
        Test-set predictions: ``model``, ``dim``, ``bin``, ``row`` (the
        spectrum's row in the data given to :func:`run_experiments`),
        ``y_true``, ``y_pred``, ``snr`` when the S/N was given, and
        ``confidence`` (the predicted class's probability) for models with
        ``predict_proba`` (NaN for the others).
    histories : dict
        ``{(model, dim, bin): list of per-epoch dicts}`` for the networks
        (skorch history: ``epoch``, ``train_loss``, ``valid_loss``, ...).
    skipped : list of str
        Bins or fits that could not run, with the reason.
    config : dict
        The settings of the run.
    """

    scores: pd.DataFrame
    predictions: pd.DataFrame
    histories: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)
    config: dict = field(default_factory=dict)


def _history(estimator):
    """Per-epoch scalars of a skorch net (or nothing for other estimators)."""
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    hist = getattr(final, "history_", None)
    if hist is None:
        hist = getattr(final, "history", None)
    if hist is None:
        return None
    try:
        epochs = list(hist)
    except TypeError:
        return None
    out = []
    for row in epochs:
        if isinstance(row, dict):
            out.append(
                {
                    k: v
                    for k, v in row.items()
                    if isinstance(v, (int, float, np.integer, np.floating, bool))
                }
            )
    return out or None


def _run_job(job, n_threads=None):
    """Fit one pipeline on one bin; score it on train and test. Runs in a worker."""
    if n_threads:
        try:
            import torch

            torch.set_num_threads(n_threads)
        except ImportError:  # pragma: no cover - torch is a dependency
            pass
    est = job["estimator"]
    t0 = time.perf_counter()
    est.fit(job["X_train"], job["y_train"])
    fit_seconds = time.perf_counter() - t0
    rows = []
    test_pred = confidence = None
    for split in ("train", "test"):
        X, y = job[f"X_{split}"], job[f"y_{split}"]
        y_pred = np.asarray(est.predict(X), dtype=object)
        if split == "test":
            test_pred = y_pred
            if hasattr(est, "predict_proba"):
                # Top-class probability: with y_pred, enough for the
                # expected calibration error and a reliability diagram.
                confidence = np.asarray(est.predict_proba(X)).max(axis=1)
        rows.append(
            {
                "model": job["model"],
                "label": job["label"],
                "dim": job["dim"],
                "bin": job["bin"],
                "split": split,
                "accuracy": float(np.mean(y_pred == y)),
                "within_one": float(within_one_subtype_accuracy(y, y_pred)),
                "fit_seconds": fit_seconds,
                "n": len(y),
            }
        )
    preds = pd.DataFrame(
        {
            "model": job["model"],
            "dim": job["dim"],
            "bin": job["bin"],
            "row": job["row_test"],
            "y_true": job["y_test"],
            "y_pred": test_pred,
        }
    )
    if job.get("snr_test") is not None:
        preds["snr"] = job["snr_test"]
    if confidence is not None:
        preds["confidence"] = confidence
    return {
        "key": (job["model"], job["dim"], job["bin"]),
        "rows": rows,
        "predictions": preds,
        "history": _history(est),
    }


def _split_bin(X, y, test_size, random_state, *rest):
    """Stratified split when every class has two members, plain split otherwise.

    ``rest`` (e.g. row numbers) are split alongside; the split depends only on
    ``y``, the sizes and the seed.
    """
    _, counts = np.unique(y, return_counts=True)
    stratify = y if counts.min() >= 2 and len(counts) > 1 else None
    try:
        return train_test_split(
            X, y, *rest, test_size=test_size, random_state=random_state, stratify=stratify
        )
    except ValueError:  # test set smaller than the number of classes
        return train_test_split(X, y, *rest, test_size=test_size, random_state=random_state)


def _dask_backend_active():
    """True inside ``joblib.parallel_config(backend="dask")`` (skspec.distributed)."""
    from joblib.parallel import get_active_backend

    backend, _ = get_active_backend()
    return type(backend).__name__.startswith("Dask")


def run_experiments(
    X,
    y,
    snr_bin,
    *,
    models=None,
    bins=None,
    dims=None,
    quick=False,
    test_size=0.25,
    random_state=0,
    device="cpu",
    n_jobs=None,
    max_epochs=None,
    recipe=None,
    params=None,
    progress=False,
    snr=None,
):
    """Train and score the paper's models separately in each S/N bin.

    Parameters
    ----------
    X : array-like of shape (n_samples, 3522)
        Spectra on the SDSS grid (``Bunch.data``).
    y : array-like of shape (n_samples,)
        Subtypes ("M0".."M4").
    snr_bin : array-like of shape (n_samples,)
        S/N bin name of each spectrum (``frame["snr_bin"]``).
    models : list of str, default=None
        Model names (see :func:`~skspec.experiments.available_models`); all
        by default.
    bins : list of str, default=None
        S/N bins; the paper's three by default.
    dims : dict, default=None
        ``{model: ("1d", "2d")}`` input forms per model; by default those of
        ``MODELS[model].dims``.
    quick : bool, default=False
        Quick model settings.
    test_size : float, default=0.25
        Fraction of each bin held out for testing.
    random_state : int, default=0
        Seed of the splits and of the estimators.
    device : str, default="cpu"
        Torch device of the networks.
    n_jobs : int, default=None
        Fits run in parallel by joblib worker processes, each with
        ``cpu_count // n_jobs`` torch threads; -1 uses every core. None picks
        one worker per core on the CPU and 1 on a GPU. One thread per worker
        matters on a busy machine: torch's own threads spin while waiting for
        each other and waste most of their CPU time when cores are shared;
        independent processes do not. 1 runs the fits in this process.
        Ignored inside :func:`skspec.distributed.dask_backend`: there every
        fit is one task on the Dask cluster.
    max_epochs : int, default=None
        Override the epochs of every network.
    recipe : {"default", "paper"}, default=None
        Training recipe of every network (None: the estimators' default).
    params : dict, default=None
        ``{model: {param: value}}`` extra estimator arguments.
    progress : bool, default=False
        Show a tqdm progress bar (on stderr) of the fits done and left.
    snr : array-like of shape (n_samples,), default=None
        S/N of each spectrum, copied into the ``snr`` column of the
        predictions (for accuracy against continuous S/N); the fits do not
        use it.

    Returns
    -------
    result : ExperimentResult
    """
    models = resolve_models(models if models is not None else list(MODELS))
    bins = resolve_bins(bins)
    X = np.asarray(X)
    y = np.asarray(y, dtype=object)
    snr_bin = np.asarray(snr_bin, dtype=object)
    if not (len(X) == len(y) == len(snr_bin)):
        raise ValueError(
            f"X, y and snr_bin have different lengths: {len(X)}, {len(y)}, {len(snr_bin)}"
        )
    if snr is not None:
        snr = np.asarray(snr, dtype=float)
        if snr.shape != (len(X),):
            raise ValueError(f"snr has shape {snr.shape}; expected ({len(X)},)")
    rows = np.arange(len(X))
    params = params or {}
    dims = dims or {}

    jobs, skipped = [], []
    for b in bins:
        mask = snr_bin == b
        classes = np.unique(y[mask])
        if mask.sum() < 8 or len(classes) < 2:
            skipped.append(
                f"bin {b}: {int(mask.sum())} spectra of {len(classes)} subtype(s), "
                "too few to train and test"
            )
            continue
        X_tr, X_te, y_tr, y_te, _, row_te = _split_bin(
            X[mask], y[mask], test_size, random_state, rows[mask]
        )
        for name in models:
            spec = MODELS[name]
            for dim in dims.get(name, spec.dims):
                est = make_model(
                    name,
                    dim=dim,
                    quick=quick,
                    random_state=random_state,
                    device=device,
                    max_epochs=max_epochs,
                    recipe=recipe,
                    params=params.get(name),
                )
                jobs.append(
                    {
                        "model": name,
                        "label": spec.label,
                        "dim": dim,
                        "bin": b,
                        "estimator": clone(est),
                        "X_train": X_tr,
                        "y_train": y_tr,
                        "X_test": X_te,
                        "y_test": y_te,
                        "row_test": row_te,
                        "snr_test": None if snr is None else snr[row_te],
                    }
                )

    outputs = []
    bar = None
    if progress and jobs:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(jobs), unit="fit", desc="skspec reproduce", dynamic_ncols=True)
    try:
        cores = os.cpu_count() or 1
        on_dask = _dask_backend_active()
        if on_dask:
            # Inside skspec.distributed.dask_backend: every fit is a task on the
            # cluster, whose workers set their own thread counts.
            n_workers, threads = len(jobs), None
        else:
            if n_jobs is None:
                n_jobs = 1 if str(device).startswith("cuda") else cores
            n_workers = min(cores if n_jobs < 0 else n_jobs, len(jobs))
            threads = max(1, cores // max(n_workers, 1))
        if n_workers <= 1 and not on_dask:
            for job in jobs:
                if bar is not None:
                    bar.set_postfix_str(f"fitting {job['model']}-{job['dim']} on S/N {job['bin']}")
                outputs.append(_run_job(job))
                if bar is not None:
                    bar.update()
        else:
            from joblib import Parallel, delayed

            # Longest fits first, so that the workers finish at about the same time.
            queue = sorted(jobs, key=lambda j: -FIT_COST.get((j["model"], j["dim"]), 1))
            parallel = Parallel(
                n_jobs=-1 if on_dask else n_workers, return_as="generator_unordered"
            )
            for out in parallel(delayed(_run_job)(job, threads) for job in queue):
                outputs.append(out)
                if bar is not None:
                    model, dim, b = out["key"]
                    bar.set_postfix_str(f"done {model}-{dim} on S/N {b}")
                    bar.update()
    finally:
        if bar is not None:
            bar.close()

    order = {(j["model"], j["dim"], j["bin"]): i for i, j in enumerate(jobs)}
    outputs.sort(key=lambda o: order[o["key"]])
    scores = pd.DataFrame([r for o in outputs for r in o["rows"]], columns=SCORE_COLUMNS)
    predictions = (
        pd.concat([o["predictions"] for o in outputs], ignore_index=True)
        if outputs
        else pd.DataFrame(columns=["model", "dim", "bin", "row", "y_true", "y_pred"])
    )
    histories = {o["key"]: o["history"] for o in outputs if o["history"]}
    config = {
        "models": models,
        "bins": bins,
        "quick": quick,
        "test_size": test_size,
        "random_state": random_state,
        "device": device,
        "n_jobs": "dask" if on_dask else n_workers,
        "max_epochs": max_epochs,
        "recipe": recipe,
    }
    return ExperimentResult(
        scores=scores, predictions=predictions, histories=histories, skipped=skipped, config=config
    )


#: Synthetic spectra drawn when ``n_samples`` is not given, per setting.
DEFAULT_N_SAMPLES = {"quick": 1080, "full": 9000}


def check_out_dir(out_dir, overwrite=False):
    """Refuse to write into an existing non-empty directory unless ``overwrite``."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise FileExistsError(f"output path {out_dir} exists and is not a directory")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
        raise FileExistsError(
            f"output directory {out_dir} exists and is not empty; "
            "choose another or pass --overwrite (overwrite=True)"
        )
    return out_dir


def _write_csv(frame, path):
    from ..utils import atomic_write

    with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
        frame.to_csv(fh, index=False)


def reproduce(
    out_dir,
    *,
    data="synthetic",
    quick=False,
    models=None,
    bins=None,
    seed=0,
    device="cpu",
    n_jobs=None,
    n_samples=None,
    max_epochs=None,
    recipe=None,
    overwrite=False,
    progress=False,
    log=None,
    scheduler=None,
):
    """Reproduce the paper's Tables 1-3 and figures; write everything to ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        Output directory; an existing non-empty one is refused unless
        ``overwrite``. Written: ``results.csv``, ``predictions.csv``,
        ``tables.md``, ``run.json`` and the ``fig*.png`` figures, each file
        atomically.
    data : "synthetic" or path-like, default="synthetic"
        See :func:`load_experiment_data`.
    quick : bool, default=False
        Quick settings (fewer spectra, narrow networks, few epochs).
    models, bins : list of str, default=None
        Subsets of the models and S/N bins (all by default).
    seed : int, default=0
    device : str, default="cpu"
    n_jobs : int, default=None
        Parallel fits (see :func:`run_experiments`).
    n_samples : int, default=None
        Synthetic spectra; ``DEFAULT_N_SAMPLES`` by default.
    max_epochs : int, default=None
        Override the epochs of every network.
    recipe : {"default", "paper"}, default=None
        Training recipe of every network.
    overwrite : bool, default=False
    progress : bool, default=False
        Show progress bars (on stderr): of the fits, and of the downloads
        for ``data="sdss-dr14"``.
    log : callable, default=None
        Called with one-line status messages (the CLI prints them); by
        default they go to the ``skspec.experiments`` :mod:`logging` logger
        at INFO level.
    scheduler : str, Client, cluster or None, default=None
        Run the per-bin, per-model fits on a Dask cluster: a scheduler address
        (``"tcp://host:8786"``), a scheduler file, a ``Client``, a cluster
        object, or ``"local"`` for a new ``LocalCluster`` on this machine (see
        :func:`skspec.distributed.dask_backend`; needs ``skspec[dask]``).
        ``n_jobs`` is then ignored. None: joblib on this machine.

    Returns
    -------
    report : :class:`~sklearn.utils.Bunch`
        ``result`` (:class:`ExperimentResult`), ``tables`` (dict of markdown
        tables), ``verdict`` (list of str), ``markdown`` (the full report),
        ``paths`` (files written), ``data_errors`` (unreadable input files).
    """
    import json
    import platform

    from .._version import __version__
    from ..utils import atomic_write
    from ._figures import make_figures
    from ._tables import format_tables, make_report, verdict

    say = log or logger.info
    out_dir = check_out_dir(out_dir, overwrite)
    models = resolve_models(models if models is not None else list(MODELS))
    bins = resolve_bins(bins)
    if n_samples is None:
        n_samples = DEFAULT_N_SAMPLES["quick" if quick else "full"]

    t0 = time.perf_counter()
    say(f"loading data ({f'synthetic, {n_samples} spectra' if data == 'synthetic' else data})")
    with warnings.catch_warnings():  # unreadable files are reported through `log`
        warnings.simplefilter("ignore", UserWarning)
        ds = load_experiment_data(
            data, n_samples=n_samples, bins=bins, random_state=seed, progress=progress
        )
    for path, reason in ds.errors:
        say(f"skipped unreadable file {path}: {reason}")
    if len(ds.data) == 0:
        raise ValueError("no M0-M4 spectra in the requested S/N bins to train on")
    counts = pd.crosstab(pd.Series(ds.snr_bin, name="bin"), pd.Series(ds.target, name="subtype"))
    summary = (
        f"Data: {ds.source}, {len(ds.data)} spectra in S/N bins "
        + ", ".join(f"{b}: {int(counts.loc[b].sum()) if b in counts.index else 0}" for b in bins)
        + (f"; {ds.n_dropped} outside M0-M4 or the bins dropped" if ds.n_dropped else "")
        + (f"; {len(ds.errors)} unreadable file(s) skipped" if ds.errors else "")
        + "."
    )
    say(summary)

    backend = contextlib.nullcontext()
    if scheduler is not None:
        from ..distributed import dask_backend

        backend = dask_backend(None if scheduler == "local" else scheduler)
        say(f"fitting on the Dask cluster at {scheduler}")
    with backend:
        result = run_experiments(
            ds.data,
            ds.target,
            ds.snr_bin,
            models=models,
            bins=bins,
            quick=quick,
            random_state=seed,
            device=device,
            n_jobs=n_jobs,
            max_epochs=max_epochs,
            recipe=recipe,
            progress=progress,
            snr=ds.snr,
        )
    for s in result.skipped:
        say(f"not run: {s}")
    if result.scores.empty:
        raise ValueError(
            "no S/N bin has enough spectra to train and test (" + "; ".join(result.skipped) + ")"
        )

    config = {
        "data": ds.source,
        "n_spectra": len(ds.data),
        "quick": quick,
        "models": ",".join(models),
        "bins": ",".join(bins),
        "seed": seed,
        "device": device,
        "n_jobs": result.config["n_jobs"],
        "max_epochs": max_epochs,
        "recipe": recipe,
        "test_size": result.config["test_size"],
    }
    markdown = make_report(
        result.scores, config=config, data_summary=summary, skipped=result.skipped
    )

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "results": out_dir / "results.csv",
        "predictions": out_dir / "predictions.csv",
        "tables": out_dir / "tables.md",
        "run": out_dir / "run.json",
    }
    _write_csv(result.scores, paths["results"])
    _write_csv(result.predictions, paths["predictions"])
    with atomic_write(paths["tables"], "w", encoding="utf-8") as fh:
        fh.write(markdown)
    say("drawing figures")
    paths.update(make_figures(result, ds, out_dir))
    run_info = {
        "skspec": __version__,
        "python": platform.python_version(),
        "config": config,
        "skipped": result.skipped,
        "data_errors": [[str(p), str(r)] for p, r in ds.errors],
        "counts": {
            b: {s: int(v) for s, v in row.items()}
            for b, row in counts.to_dict(orient="index").items()
        },
        "seconds": round(time.perf_counter() - t0, 1),
    }
    with atomic_write(paths["run"], "w", encoding="utf-8") as fh:
        json.dump(run_info, fh, indent=2, default=str)
    return Bunch(
        result=result,
        tables=format_tables(result.scores),
        verdict=verdict(result.scores, data=ds.source),
        markdown=markdown,
        paths=paths,
        data_errors=ds.errors,
        seconds=run_info["seconds"],
    )
