"""The ``skspec`` command: argument parsing and printing only, the work is done below.

Each command calls one library function (:func:`skspec.experiments.reproduce`,
:func:`skspec.experiments.train`, :func:`skspec._predict.write_predictions` or
:func:`skspec.distributed.predict_files`) and prints what it returns.

Commands::

    skspec --version
    skspec reproduce [--quick] [--data synthetic|sdss-dr14|DIR] [--out DIR]
                     [--scheduler ADDRESS] ...
    skspec train --model emccnn --out model.skspec [--data synthetic|sdss-dr14|DIR] ...
    skspec predict FILES_OR_DIR... --out predictions.csv [--model model.skspec]
                   [--format csv|parquet|fits|ecsv] [--overwrite] [--scheduler ADDRESS]
                   [--plots DIR]
    skspec plot FILE --out fig.png [--model model.skspec] [--overwrite]

Exit codes: 0 success; 1 error (one line on stderr, ``--debug`` for the
traceback); 2 usage error, one line on stderr (bad arguments or a bad
combination of them such as ``--model svm --dim 2d``, a ``--data`` directory
or model file that does not exist, an output that exists, no input files);
3 ``predict`` finished but some input files could not be read
(they are listed on stderr and in ``<out>.errors.csv``); 130 interrupted.
"""

import argparse
import contextlib
import re
import sys
import traceback
from pathlib import Path

from ._version import __version__

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_PARTIAL", "EXIT_USAGE", "build_parser", "main"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A problem with the command line the user has to fix (exit code 2)."""


def _err(msg):
    print(msg, file=sys.stderr, flush=True)


def _one_line(exc):
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


# --------------------------------------------------------------------------- types
def _models_arg(text):
    from .experiments import resolve_models

    try:
        return resolve_models(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _bins_arg(text):
    from .experiments import resolve_bins

    try:
        return resolve_bins(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _n_jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value == 0:
        raise argparse.ArgumentTypeError("--n-jobs must be a positive integer or -1 (all cores)")
    return value


def _test_size(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}")
    return value


def _check_data(data):
    """``--data``: 'synthetic', 'sdss-drN' or an existing directory of spectrum files."""
    if data in ("synthetic", "synthetic-physical") or re.fullmatch(r"sdss-dr\d+", data):
        return data
    path = Path(data)
    if not path.exists():
        raise UsageError(
            f"--data {data}: no such directory (expected 'synthetic', "
            "'sdss-dr14' or a directory of SDSS spec-*.fits files)"
        )
    if not path.is_dir():
        raise UsageError(
            f"--data {data}: not a directory (expected 'synthetic', "
            "'sdss-dr14' or a directory of SDSS spec-*.fits files)"
        )
    from .datasets import expand_paths

    if not expand_paths(path):
        raise UsageError(f"--data {data}: no SDSS spectrum files (*.fits, *.fit) found")
    return data


def _check_device(device):
    """``--device``: a torch device this machine has; a usage error before any work otherwise."""
    import torch

    try:
        parsed = torch.device(device)
    except (RuntimeError, ValueError) as exc:
        raise UsageError(
            f"--device {device}: not a torch device ({_one_line(exc)}); use cpu or cuda"
        ) from None
    if parsed.type == "cpu":
        # One CPU device: torch tags tensors saved from "cpu:0" with that name
        # and cannot load them back, so any CPU index means "cpu".
        return "cpu"
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            raise UsageError(
                f"--device {device} requested but no CUDA device is available "
                "(torch.cuda.is_available() is False); use --device cpu"
            )
        count = torch.cuda.device_count()
        if parsed.index is not None and parsed.index >= count:
            raise UsageError(
                f"--device {device}: this machine has {count} CUDA device(s), "
                f"cuda:0 to cuda:{count - 1}"
            )
    return device


# --------------------------------------------------------------------------- reproduce
def _cmd_reproduce(args):
    from .experiments import available_models, check_out_dir, reproduce

    try:
        check_out_dir(args.out, args.overwrite)
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    _check_data(args.data)
    args.device = _check_device(args.device)
    log = (lambda msg: None) if args.quiet else (lambda msg: _err(f"skspec: {msg}"))
    report = reproduce(
        args.out,
        data=args.data,
        quick=args.quick,
        models=args.models or available_models(),
        bins=args.bins,
        seed=args.seed,
        device=args.device,
        n_jobs=args.n_jobs,
        n_samples=args.n_samples,
        max_epochs=args.max_epochs,
        recipe=args.recipe,
        overwrite=args.overwrite,
        progress=not args.quiet,
        log=log,
        scheduler=args.scheduler,
    )
    print(report.markdown)
    _err(f"skspec: wrote {len(report.paths)} files to {args.out} in {report.seconds:.0f} s")
    return EXIT_OK


# --------------------------------------------------------------------------- train
def _cmd_train(args):
    from .experiments import MODELS, train

    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise UsageError(f"{out} exists; choose another --out or pass --overwrite")
    forms = MODELS[args.model].dims
    if args.dim is not None and args.dim not in forms:
        raise UsageError(
            f"--model {args.model} has no --dim {args.dim} form; choose from {', '.join(forms)}"
        )
    _check_data(args.data)
    args.device = _check_device(args.device)

    def say(msg):
        _err(f"skspec train: {msg}")

    # Progress (skorch's epoch table, which it prints on stdout, and its bar)
    # goes to stderr: stdout carries only the result line. With -q there is
    # none, and stdout is left alone.
    progress_to_stderr = (
        contextlib.nullcontext() if args.quiet else contextlib.redirect_stdout(sys.stderr)
    )
    with progress_to_stderr:
        result = train(
            args.model,
            out,
            data=args.data,
            dim=args.dim,
            n_samples=args.n_samples,
            bins=args.bins,
            test_size=args.test_size,
            seed=args.seed,
            quick=args.quick,
            device=args.device,
            max_epochs=args.max_epochs,
            recipe=args.recipe,
            per_bin=args.per_bin,
            overwrite=args.overwrite,
            verbose=0 if args.quiet else 1,
            progress=not args.quiet,
            log=(lambda msg: None) if args.quiet else say,
            warn=say,
        )
    metadata = result.metadata
    summary = (
        f"skspec train: saved {args.model} ({metadata['dim']}"
        f"{', one model per S/N bin' if args.per_bin else ''}) to {out}"
    )
    if "test_accuracy" in metadata:
        summary += (
            f"; held-out accuracy {100 * metadata['test_accuracy']:.1f}% "
            f"(within one subtype {100 * metadata['test_within_one']:.1f}%, "
            f"n={metadata['n_test']})"
        )
    print(summary)
    return EXIT_OK


# --------------------------------------------------------------------------- predict
def _predict_on_dask(args, model_path, files, out, fmt, allow_version_mismatch, meta):
    """``skspec predict --scheduler``: partitions on a Dask cluster, joined into ``out``."""
    import shutil
    import tempfile

    from .distributed import predict_files

    # Partitions go to a scratch directory beside --out (so that the cluster's
    # workers see it wherever they see --out), joined into one file, then removed.
    parts = Path(tempfile.mkdtemp(prefix=f".{out.name}.parts-", dir=out.parent))
    try:
        summary = predict_files(
            model_path,
            [str(f) for f in files],
            parts,
            scheduler=None if args.scheduler == "local" else args.scheduler,
            partition_size=args.partition_size,
            chunk_size=args.chunk_size,
            progress=not args.quiet,
            allow_version_mismatch=allow_version_mismatch,
        )
        if fmt == "csv":
            summary.write_csv(out)
        else:
            import pandas as pd

            from ._predict import read_prediction_csv
            from .io import write_table

            frames = [read_prediction_csv(p) for p in summary.outputs]
            rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
            write_table(rows, out, format=fmt, meta=meta)
    finally:
        shutil.rmtree(parts, ignore_errors=True)
    return summary.n_predicted, list(summary.errors)


def _is_model_file(path):
    """True for an existing skspec model file (by its magic bytes)."""
    from .io import MAGIC

    try:
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def _predict_model(args):
    """``(model path or None for the bundled one, spectrum inputs)`` of ``skspec predict``.

    ``--model FILE`` names the model; without it, a first input that is a
    model file (``*.skspec`` or a skspec model by its magic bytes) is the
    model, as in the older ``skspec predict MODEL FILES`` form; otherwise the
    bundled model (:func:`skspec.models.load_pretrained`) types the files.
    """
    inputs = list(args.inputs)
    if args.model is not None:
        return Path(args.model), inputs
    first = Path(inputs[0])
    if first.suffix.lower() == ".skspec" or _is_model_file(first):
        if len(inputs) == 1:
            raise UsageError(
                f"no FILES_OR_DIR to classify after the model file {inputs[0]} "
                "(usage: skspec predict FILES_OR_DIR... --out OUT [--model FILE])"
            )
        return first, inputs[1:]
    return None, inputs


def _cmd_predict(args):
    from ._predict import collect_predictions, write_errors, write_predictions
    from .datasets import expand_paths
    from .io import load_model, read_model_metadata, table_format, write_table
    from .utils import atomic_write

    out = Path(args.out)
    if out.is_dir():
        raise UsageError(f"--out {out} is a directory; give a file name, e.g. predictions.csv")
    if out.exists() and not args.overwrite:
        raise UsageError(f"{out} exists; choose another --out or pass --overwrite")
    fmt = table_format(out, args.format)
    if fmt == "parquet":
        from .io import _check_parquet

        _check_parquet()  # before any work: an ImportError naming the extra

    model_path, inputs = _predict_model(args)
    bundled = model_path is None
    if bundled:
        from .models import pretrained_path

        model_path = pretrained_path()
    elif not model_path.exists():
        raise UsageError(f"model file {model_path} not found (write one with 'skspec train')")
    elif model_path.is_dir():
        raise UsageError(f"{model_path} is a directory, not a model file written by 'skspec train'")

    def is_glob(text):
        return any(ch in text for ch in "*?[")

    missing = [Path(p) for p in inputs if not Path(p).exists() and not is_glob(p)]
    files = expand_paths([p for p in inputs if Path(p).exists() or is_glob(p)])
    if not files:
        # Nothing to classify is a usage error; a missing path among readable
        # inputs is reported like an unreadable file (exit 3).
        if len(missing) == len(inputs):
            raise UsageError("no such file or directory: " + ", ".join(map(str, missing)))
        raise UsageError("no SDSS spectrum files (*.fits, *.fit) found in " + ", ".join(inputs))
    plot_paths = _plot_paths(args.plots, files, args.overwrite) if args.plots else None
    header = read_model_metadata(model_path)
    # The bundled model loads whatever skspec version wrote it (with a warning).
    allow_mismatch = args.allow_version_mismatch or bundled
    meta = {
        "SKSPEC": __version__,
        "MODEL": "bundled:default" if bundled else model_path.name,
        "MODELSHA": header.get("payload_sha256", ""),
    }
    errors = [(str(p), "file not found") for p in missing]
    errors_path = out.with_name(out.stem + ".errors.csv")

    model = None
    if args.scheduler and files:
        n_done, more = _predict_on_dask(args, model_path, files, out, fmt, allow_mismatch, meta)
        errors += more
    else:
        model = load_model(model_path, allow_version_mismatch=allow_mismatch)
        bar = None
        if not args.quiet and files:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(files), unit="file", desc="skspec predict", dynamic_ncols=True)
        options = {
            "n_features": header.get("n_features_in"),
            "chunk_size": args.chunk_size,
            "on_progress": bar and bar.update,
        }
        try:
            if fmt == "csv":
                # Streamed: memory bounded by --chunk-size whatever the number of files.
                with atomic_write(out, "w", encoding="utf-8", newline="") as fh:
                    n_done, more = write_predictions(model, files, fh, **options)
            else:
                rows, more = collect_predictions(model, files, **options)
                write_table(rows, out, format=fmt, meta=meta)
                n_done = len(rows)
        finally:
            if bar is not None:
                bar.close()
        errors += more

    n_plots = 0
    if plot_paths:
        if model is None:
            model = load_model(model_path, allow_version_mismatch=allow_mismatch)
        failed = {path for path, _ in errors}
        n_plots = _write_plots(plot_paths, model, failed, args.dpi)

    if errors:
        write_errors(errors, errors_path)
        for path, reason in errors:
            _err(f"skspec predict: could not read {path}: {' '.join(reason.split())}")
    elif errors_path.exists():
        errors_path.unlink()  # a stale list from an earlier run would mislead
    print(
        f"skspec predict: classified {n_done} spectra into {out}"
        + (" with the bundled model" if bundled else "")
        + (f"; {n_plots} plot(s) in {args.plots}" if plot_paths else "")
        + (f"; {len(errors)} file(s) failed, listed in {errors_path}" if errors else "")
    )
    return EXIT_PARTIAL if errors else EXIT_OK


def _plot_name(path):
    """``spec-0618-52049-0372.png`` for ``spec-0618-52049-0372.fits(.gz)``."""
    name = path.name
    for suffix in (".gz", ".fits", ".fit", ".fts"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name + ".png"


def _plot_paths(plots, files, overwrite):
    """``{input file: png path}`` for ``predict --plots DIR``, checked before any work."""
    plots = Path(plots)
    if plots.exists() and not plots.is_dir():
        raise UsageError(f"--plots {plots} is a file; give a directory for the figures")
    targets = {}
    for path in files:
        target = plots / _plot_name(Path(path))
        if target in targets.values():
            other = next(p for p, t in targets.items() if t == target)
            raise UsageError(
                f"--plots: {other} and {path} would both be drawn into {target}; "
                "classify them in separate runs"
            )
        targets[path] = target
    existing = [t for t in targets.values() if t.exists()]
    if existing and not overwrite:
        raise UsageError(
            f"--plots: {len(existing)} figure(s) exist, e.g. {existing[0]}; choose another "
            "--plots directory or pass --overwrite"
        )
    return targets


def _write_plots(targets, model, failed, dpi):
    """One plot_spectrum PNG per readable input, each written atomically."""
    from .plotting._base import check_matplotlib

    check_matplotlib("skspec predict --plots")
    from matplotlib.figure import Figure

    from .datasets import read_sdss_spectrum
    from .plotting import plot_spectrum
    from .utils import atomic_path

    n = 0
    for path, target in targets.items():
        if str(path) in failed:
            continue  # unreadable: already reported with the predictions
        try:
            spectrum = read_sdss_spectrum(path)
        except (OSError, ValueError):
            continue  # the same reason is in the predictions' errors
        target.parent.mkdir(parents=True, exist_ok=True)
        fig = Figure(figsize=(10, 5.5), layout="constrained")
        plot_spectrum(spectrum, model=model, fig=fig)
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format="png", dpi=dpi)
        n += 1
    return n


# --------------------------------------------------------------------------- plot
def _cmd_plot(args):
    from .plotting._base import check_matplotlib

    check_matplotlib("skspec plot")
    from matplotlib.figure import Figure

    from .datasets import read_sdss_spectrum
    from .plotting import plot_spectrum
    from .utils import atomic_path

    out = Path(args.out)
    if out.is_dir():
        raise UsageError(f"--out {out} is a directory; give an image file such as fig.png")
    if out.exists() and not args.overwrite:
        raise UsageError(f"{out} exists; choose another --out or pass --overwrite")
    fmt = out.suffix.lower().lstrip(".")
    supported = Figure().canvas.get_supported_filetypes()
    if fmt not in supported:
        raise UsageError(
            f"--out {out}: unknown image format {out.suffix or '(no suffix)'}; "
            f"use one of {', '.join('.' + s for s in sorted(supported))}"
        )
    path = Path(args.file)
    if not path.exists():
        raise UsageError(f"no such file: {path}")
    if path.is_dir():
        raise UsageError(f"{path} is a directory; skspec plot draws one spectrum file")
    model = None
    if args.model is not None:
        from .io import load_model

        model_path = Path(args.model)
        if not model_path.exists():
            raise UsageError(f"model file {args.model} not found (write one with 'skspec train')")
        if model_path.is_dir():
            raise UsageError(f"{args.model} is a directory, not a model file")
        model = load_model(model_path, allow_version_mismatch=args.allow_version_mismatch)
    spectrum = read_sdss_spectrum(path)
    fig = Figure(figsize=(10, 5.5), layout="constrained")
    _, (top, _) = plot_spectrum(spectrum, model=model, fig=fig)
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format=fmt, dpi=args.dpi)
    summary = top.get_title().splitlines()[0]
    print(f"skspec plot: {summary}; wrote {out}")
    return EXIT_OK


# --------------------------------------------------------------------------- parser
def build_parser():
    """The argparse parser of the ``skspec`` command."""
    from .experiments import DEFAULT_N_SAMPLES, MODELS

    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a subcommand's own --debug must not reset one given before it.
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show full tracebacks on errors",
    )
    common.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="no progress bar or status messages",
    )

    parser = argparse.ArgumentParser(
        prog="skspec",
        description="Classify M dwarf spectra (M0-M4) with the EMCCNN paper's "
        "networks and reproduce its tables.",
        epilog="Exit codes: 0 ok, 1 error, 2 usage "
        "error, 3 predict finished with unreadable files.",
    )
    parser.add_argument("--version", action="version", version=f"skspec {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar or status messages"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    models = ", ".join(MODELS)
    rep = sub.add_parser(
        "reproduce",
        parents=[common],
        help="reproduce the paper's tables and figures",
        description="Train and score the paper's models per S/N bin and write Tables 1-3, "
        "results.csv and figures. --quick (1080 spectra, narrow networks, 12 epochs) uses about "
        "5 CPU-minutes: 2 min 49 s measured on an idle 2-core machine. The full run (9000 "
        "spectra, the estimators' default sizes, up to 100 epochs with early stopping) is "
        "estimated at 4-9 CPU-hours, i.e. 2-5 hours on 2 cores, from a measured full-size run "
        "on 6000 spectra (BENCHMARKS.md); use --device cuda where available.",
    )
    rep.add_argument(
        "--data",
        default="synthetic",
        help="'synthetic' (default: generated from real templates), 'synthetic-physical' "
        "(the parametric photosphere), 'sdss-dr14' (the paper's sample, fetched "
        "and cached with astroquery; needs network once) or a directory of "
        "SDSS spec-*.fits files",
    )
    rep.add_argument("--out", default="skspec_out", help="output directory (default skspec_out)")
    rep.add_argument(
        "--quick", action="store_true", help="small data set, narrow networks, few epochs"
    )
    rep.add_argument(
        "--models",
        type=_models_arg,
        default=None,
        help=f"comma-separated subset of: {models} (default all)",
    )
    rep.add_argument(
        "--bins",
        type=_bins_arg,
        default=None,
        help="comma-separated S/N bins among 5-10,10-15,>15 (default all)",
    )
    rep.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    rep.add_argument("--device", default="cpu", help="torch device: cpu (default) or cuda")
    rep.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=None,
        help="fits run in parallel worker processes (default: one per CPU core, "
        "1 with --device cuda; 1: no worker processes)",
    )
    rep.add_argument(
        "--n-samples",
        type=_positive_int,
        default=None,
        help=f"synthetic spectra (default {DEFAULT_N_SAMPLES['quick']} with "
        f"--quick, {DEFAULT_N_SAMPLES['full']} otherwise)",
    )
    rep.add_argument(
        "--recipe",
        choices=["default", "paper"],
        default=None,
        help="training recipe of every network: default (Adam, cross-entropy, "
        "early stopping) or paper (SGD lr 1e-4, MSE)",
    )
    rep.add_argument("--max-epochs", type=_positive_int, default=None, help=argparse.SUPPRESS)
    rep.add_argument(
        "--overwrite", action="store_true", help="write into an existing non-empty --out directory"
    )
    rep.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="farm the per-bin, per-model fits out to a Dask cluster: an address "
        "such as tcp://host:8786, a scheduler file (.json) or 'local' for a "
        "LocalCluster here (needs pip install 'skspec[dask]'; --n-jobs is "
        "then ignored)",
    )
    rep.set_defaults(func=_cmd_reproduce)

    tr = sub.add_parser(
        "train",
        parents=[common],
        help="fit one model and save it",
        description="Fit one of the paper's pipelines and save it as a "
        "skspec model file (with versions, classes and input grid).",
    )
    tr.add_argument("--model", required=True, choices=list(MODELS), help="model to train")
    tr.add_argument(
        "--dim", choices=["1d", "2d"], default=None, help="input form (default: the model's own)"
    )
    tr.add_argument(
        "--data",
        default="synthetic",
        help="'synthetic' (default: generated from real templates), 'synthetic-physical' "
        "(the parametric photosphere), 'sdss-dr14' (the paper's sample, fetched "
        "and cached with astroquery; needs network once) or a directory of "
        "SDSS spec-*.fits files",
    )
    tr.add_argument(
        "--n-samples", type=_positive_int, default=3000, help="synthetic spectra (default 3000)"
    )
    tr.add_argument(
        "--bins",
        type=_bins_arg,
        default=None,
        help="S/N bins of the training spectra (default 5-10,10-15,>15)",
    )
    tr.add_argument(
        "--test-size",
        type=_test_size,
        default=0.2,
        help="fraction held out to report an accuracy (default 0.2; 0: none)",
    )
    tr.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    tr.add_argument("--quick", action="store_true", help="narrow network, few epochs")
    tr.add_argument("--device", default="cpu", help="torch device: cpu (default) or cuda")
    tr.add_argument(
        "--max-epochs",
        type=_positive_int,
        default=None,
        help="training epochs of a network (default: the model's)",
    )
    tr.add_argument(
        "--recipe",
        choices=["default", "paper"],
        default=None,
        help="training recipe of a network (default: the model's)",
    )
    tr.add_argument(
        "--per-bin",
        action="store_true",
        help="the paper's scheme: one model per S/N bin (SNRBinnedClassifier), "
        "each spectrum routed to its bin's model by its S/N at predict time",
    )
    tr.add_argument("--out", required=True, help="model file to write, e.g. model.skspec")
    tr.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    tr.set_defaults(func=_cmd_train)

    pr = sub.add_parser(
        "predict",
        parents=[common],
        help="classify SDSS spectrum files",
        description="Classify SDSS spec-*.fits files in chunks, with the bundled "
        "model (an EMCCNN trained on synthetic spectra from real M dwarf templates) "
        "or a --model of your own. One row per spectrum: ids, position, the type, "
        "every class probability, a continuous subtype, band indices, S/N and flags. "
        "Unreadable files are listed on stderr and in <out>.errors.csv; the exit "
        "code is then 3. The older form 'skspec predict MODEL.skspec FILES...' "
        "still works.",
    )
    pr.add_argument(
        "inputs",
        nargs="+",
        metavar="FILES_OR_DIR",
        help="spectrum files and/or directories of them",
    )
    pr.add_argument(
        "--model",
        default=None,
        metavar="FILE",
        help="model file written by 'skspec train' (default: the bundled model, "
        "skspec.models.load_pretrained())",
    )
    pr.add_argument(
        "--out",
        required=True,
        help="file to write, e.g. predictions.csv, predictions.fits",
    )
    pr.add_argument(
        "--format",
        choices=["csv", "parquet", "fits", "ecsv"],
        default=None,
        help="table format (default: from the --out suffix .csv, .parquet, .fits or "
        ".ecsv; csv otherwise). parquet needs pip install 'skspec[parquet]'",
    )
    pr.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing --out file (and existing figures with --plots)",
    )
    pr.add_argument(
        "--plots",
        default=None,
        metavar="DIR",
        help="also draw each spectrum over its best-matching template (as 'skspec plot' "
        "does) into DIR/<file name>.png",
    )
    pr.add_argument(
        "--dpi", type=_positive_int, default=110, help="resolution of the --plots figures"
    )
    pr.add_argument(
        "--chunk-size",
        type=_positive_int,
        default=256,
        help="spectra read and classified at a time (default 256)",
    )
    pr.add_argument(
        "--allow-version-mismatch",
        action="store_true",
        help="load a model saved by another skspec version",
    )
    pr.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="classify on a Dask cluster, each worker loading the model once: an "
        "address such as tcp://host:8786, a scheduler file (.json) or 'local' "
        "for a LocalCluster here (needs pip install 'skspec[dask]'); workers "
        "must see the model and spectrum files by the same paths",
    )
    pr.add_argument(
        "--partition-size",
        type=_positive_int,
        default=1000,
        help="files per Dask task with --scheduler (default 1000)",
    )
    pr.set_defaults(func=_cmd_predict)
    pl = sub.add_parser(
        "plot",
        parents=[common],
        help="draw one spectrum over its best-matching template",
        description="Draw an SDSS spec-*.fits spectrum over the best-matching template "
        "times the fitted continuum, with the residuals, the TiO5/CaH2/CaH3 windows and "
        "the main lines; type, probability and S/N in the title. The type comes from the "
        "template classifier on the templates shipped with skspec (Kesseli et al. 2017) "
        "unless --model is given.",
    )
    pl.add_argument("file", help="one SDSS spectrum file (spec-*.fits or spSpec-*.fit)")
    pl.add_argument(
        "--out",
        required=True,
        help="image to write; the format follows the suffix (.png, .pdf, .svg, ...)",
    )
    pl.add_argument(
        "--model",
        default=None,
        help="model file written by 'skspec train' for the type and probability "
        "(default: the template classifier on the bundled templates)",
    )
    pl.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    pl.add_argument(
        "--dpi", type=_positive_int, default=110, help="resolution of raster images (default 110)"
    )
    pl.add_argument(
        "--allow-version-mismatch",
        action="store_true",
        help="load a model saved by another skspec version",
    )
    pl.set_defaults(func=_cmd_plot)
    return parser


def main(argv=None):
    """Run the ``skspec`` command; returns the exit code.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    code : int
        See the module docstring.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (argparse prints it)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if getattr(args, "func", None) is None:
        parser.print_usage(sys.stderr)
        _err("skspec: error: a command is required (reproduce, train, predict, plot)")
        return EXIT_USAGE
    name = f"skspec {args.command}"
    try:
        return args.func(args)
    except KeyboardInterrupt:
        _err(f"{name}: interrupted")
        return EXIT_INTERRUPTED
    except UsageError as exc:
        _err(f"{name}: error: {_one_line(exc)}")
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - every failure reaches the user as one line
        if args.debug:
            traceback.print_exc()
        _err(
            f"{name}: error: {_one_line(exc)}"
            + ("" if args.debug else " (run with --debug for the traceback)")
        )
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
