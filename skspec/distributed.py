"""Scale-out on Dask: distributed grid searches and survey-scale prediction.

Two entry points, both optional (``pip install skspec[dask]``):

* :func:`dask_backend` connects to a Dask cluster and makes it the
  :mod:`joblib` backend, so that everything skspec and scikit-learn run
  through joblib (``GridSearchCV``, ``cross_val_score``, the experiment
  runner with ``n_jobs != 1``) is farmed out to the cluster's workers with no
  other change to the code.
* :func:`predict_files` maps a saved model (:func:`skspec.io.save_model`)
  over many SDSS spectrum files: the file list is cut into partitions, each
  worker streams its partitions through the model in chunks of bounded size
  (:func:`skspec.datasets.iter_sdss_spectra`) and writes one CSV file per
  partition, atomically. Every worker process loads the model once.

Dask is imported only when one of these functions is called, so the rest of
skspec works without it.
"""

import contextlib
import json
import os
import sys
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from numbers import Integral
from pathlib import Path

from ._version import __version__

__all__ = ["PredictionSummary", "dask_backend", "predict_files"]

_EXTRA_HINT = (
    "skspec.distributed needs Dask: install it with "
    "pip install 'skspec[dask]' (or pip install 'dask[distributed]')"
)

#: Output files of :func:`predict_files` besides the partitions.
ERRORS_NAME = "errors.csv"
SUMMARY_NAME = "summary.json"
_PART_PREFIX = "part-"


def _import_distributed():
    """``dask.distributed``, or an ImportError naming the extra to install."""
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError as exc:
        raise ImportError(f"{_EXTRA_HINT} ({exc})") from exc
    return distributed


# ---------------------------------------------------------------------------- client
@contextlib.contextmanager
def _connect(scheduler, client_kwargs):
    """Yield a ``distributed.Client`` for ``scheduler``; close it if we made it."""
    distributed = _import_distributed()
    client_kwargs = dict(client_kwargs or {})
    if isinstance(scheduler, distributed.Client):
        if client_kwargs:
            raise TypeError(
                f"client keyword arguments {sorted(client_kwargs)} cannot apply "
                "to an existing Client"
            )
        yield scheduler
        return
    if scheduler is None:
        try:
            # Inside ``with dask_backend(...)`` (or after the user made a Client):
            # reuse that cluster rather than starting a second one.
            current = distributed.default_client()
        except ValueError:
            current = None
        if current is not None and current.status == "running" and not client_kwargs:
            yield current
            return
        client = distributed.Client(**client_kwargs)  # a new LocalCluster
    elif isinstance(scheduler, (str, os.PathLike)):
        # An address "tcp://host:8786" or a scheduler file written by dask-scheduler.
        text = os.fspath(scheduler)
        if text.endswith(".json") and Path(text).is_file():
            client = distributed.Client(scheduler_file=text, **client_kwargs)
        else:
            client = distributed.Client(text, **client_kwargs)
    elif hasattr(scheduler, "scheduler_address"):  # a LocalCluster, SLURMCluster, ...
        client = distributed.Client(scheduler, **client_kwargs)
    else:
        raise TypeError(
            "scheduler must be None, a scheduler address such as "
            "'tcp://host:8786', a scheduler file, a dask.distributed.Client or a "
            f"Dask cluster object; got {type(scheduler).__name__}"
        )
    try:
        yield client
    finally:
        client.close()


@contextlib.contextmanager
def dask_backend(scheduler=None, **client_kwargs):
    """Run joblib-parallel work (grid searches, cross-validation) on a Dask cluster.

    Inside the ``with`` block, joblib's backend is Dask: scikit-learn's
    ``GridSearchCV``, ``RandomizedSearchCV``, ``cross_validate``,
    ``cross_val_score`` and skspec's experiment runner send their fits to the
    cluster's workers. The estimators are pickled to the workers and the
    fitted ones back, so skorch networks included behave as in one process.

    Parameters
    ----------
    scheduler : str, Client, cluster or None, default=None
        Where to run:

        - a scheduler address (``"tcp://10.0.0.5:8786"``) or the path of a
          scheduler file (``dask scheduler --scheduler-file``);
        - a :class:`dask.distributed.Client`, used as it is and left open;
        - a cluster object (``LocalCluster``, ``dask_jobqueue.SLURMCluster``,
          ...), connected to and left running;
        - None: the current default client if one exists, otherwise a new
          ``LocalCluster`` on this machine, shut down when the block ends.
    **client_kwargs
        Passed to :class:`dask.distributed.Client` (and so to ``LocalCluster``
        when ``scheduler`` is None: ``n_workers``, ``threads_per_worker``,
        ``processes``, ``memory_limit``, ...).

    Yields
    ------
    client : dask.distributed.Client
        The connected client (e.g. for :func:`predict_files` or the dashboard
        link ``client.dashboard_link``).

    Raises
    ------
    ImportError
        If Dask is not installed (``pip install skspec[dask]``).
    TypeError
        If ``scheduler`` is of an unknown kind.

    See Also
    --------
    predict_files : Classify many spectrum files on the cluster.

    Notes
    -----
    Inside the block joblib runs as many tasks at once as the cluster has
    worker threads, whatever ``n_jobs`` says; but code that bypasses joblib
    when ``n_jobs == 1`` (as skspec's experiment runner does) still runs here,
    so give such code ``n_jobs=-1``. A cluster with a single worker thread
    makes joblib run everything in this process (one job at a time needs no
    pool). Every worker must have the same skspec, scikit-learn, torch and
    skorch versions as the client.

    A ``LocalCluster`` starts its workers as new processes, so a script that
    uses ``scheduler=None`` must guard its main code with
    ``if __name__ == "__main__":``.

    Workers started by a Dask nanny run with ``OMP_NUM_THREADS=1`` (and the
    MKL / OpenBLAS equivalents), i.e. one BLAS and torch thread per worker
    thread; parallelism comes from the number of workers.

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skspec.distributed import dask_backend
    >>> search = GridSearchCV(pipeline, {"clf__lr": [1e-3, 1e-4]}, cv=3)  # doctest: +SKIP
    >>> with dask_backend("tcp://scheduler:8786"):  # doctest: +SKIP
    ...     search.fit(X, y)
    """
    import joblib

    with (
        _connect(scheduler, client_kwargs) as client,
        joblib.parallel_config(backend="dask", client=client),
    ):
        yield client


# ---------------------------------------------------------------------------- worker side
# One model per (resolved path, payload SHA-256) per worker process: the
# module is imported once per process, so its globals live as long as the
# worker. A lock makes a multi-threaded worker load each model once.
_MAX_CACHED_MODELS = 2
_MODEL_CACHE = OrderedDict()
_MODEL_CACHE_LOCK = threading.Lock()


def _cached_model(model_path, sha256, allow_version_mismatch):
    """Return ``(model, n_features, loaded_now)`` for a model file, loading it once."""
    from .io import load_model, read_model_metadata

    key = (str(model_path), sha256)
    with _MODEL_CACHE_LOCK:
        if key in _MODEL_CACHE:
            _MODEL_CACHE.move_to_end(key)
            model, n_features = _MODEL_CACHE[key]
            return model, n_features, False
        header = read_model_metadata(model_path)
        if header.get("payload_sha256") != sha256:
            raise ValueError(
                f"{model_path}: the model file changed after the prediction "
                "started (its SHA-256 differs from the one read at submission); "
                "rerun predict_files"
            )
        model = load_model(model_path, allow_version_mismatch=allow_version_mismatch)
        _MODEL_CACHE[key] = (model, header.get("n_features_in"))
        while len(_MODEL_CACHE) > _MAX_CACHED_MODELS:
            _MODEL_CACHE.popitem(last=False)
        return model, header.get("n_features_in"), True


def _peak_rss():
    """Peak resident memory of this process in bytes (None where unknown).

    Linux: ``VmHWM``, the high-water mark of this process's own address
    space. ``ru_maxrss`` would do elsewhere, but on Linux a process started by
    fork + exec (as Dask starts workers) inherits its parent's peak there.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    try:
        import resource
    except ImportError:  # Windows
        try:
            import psutil

            info = psutil.Process().memory_info()
            return int(getattr(info, "peak_wset", info.rss))
        except ImportError:
            return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # bytes on macOS, KiB else


def _worker_name():
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return f"pid-{os.getpid()}"


def _predict_partition(model_path, sha256, allow_version_mismatch, paths, out_path, chunk_size):
    """Classify one partition of files into ``out_path``. Runs on a worker."""
    from ._predict import write_predictions
    from .utils import atomic_write

    t0 = time.perf_counter()
    model, n_features, loaded = _cached_model(model_path, sha256, allow_version_mismatch)
    # The same rows as ``skspec predict`` (one shared writer), atomically per partition.
    with atomic_write(out_path, "w", encoding="utf-8", newline="") as fh:
        n_predicted, errors = write_predictions(
            model, paths, fh, n_features=n_features, chunk_size=chunk_size
        )
    return {
        "n_predicted": n_predicted,
        "errors": errors,
        "loaded_model": loaded,
        "worker": _worker_name(),
        "peak_rss": _peak_rss(),
        "seconds": time.perf_counter() - t0,
    }


# ---------------------------------------------------------------------------- client side
@dataclass
class PredictionSummary:
    """What :func:`predict_files` returns (and writes to ``summary.json``).

    Attributes
    ----------
    out_dir : Path
        The output directory.
    outputs : list of Path
        One CSV file per partition, in input order; concatenated they hold
        the rows of ``skspec predict`` for the same files (see :meth:`read`).
    n_files : int
        Input files after expanding directories and globs.
    n_predicted : int
        Spectra classified.
    errors : list of (str, str)
        ``(path, reason)`` of the files that could not be read.
    errors_path : Path or None
        ``errors.csv`` listing ``errors``, or None when there are none.
    n_partitions : int
        Number of partitions (tasks).
    n_workers : int
        Workers of the cluster when the run started.
    model_loads : int
        Times a worker loaded the model (once per worker process, unless a
        worker restarted).
    worker_peak_rss : dict
        Worker address -> peak resident memory in bytes of its process.
    seconds : float
        Wall time of the run.
    busy_seconds : float
        Time the tasks spent running, summed over partitions;
        ``busy_seconds / (seconds * n_workers)`` is the cluster's utilisation.
    """

    out_dir: Path
    outputs: list
    n_files: int
    n_predicted: int
    errors: list
    errors_path: Path = None
    n_partitions: int = 0
    n_workers: int = 0
    model_loads: int = 0
    worker_peak_rss: dict = field(default_factory=dict)
    seconds: float = 0.0
    busy_seconds: float = 0.0

    def read(self):
        """Concatenate the partition files into one :class:`pandas.DataFrame`."""
        import pandas as pd

        from ._predict import PRED_COLUMNS

        frames = [pd.read_csv(p) for p in self.outputs]
        if not frames:
            return pd.DataFrame(columns=PRED_COLUMNS)
        return pd.concat(frames, ignore_index=True)

    def write_csv(self, path):
        """Join the partition files into one CSV file (one header), atomically.

        Streams line by line, so memory stays flat for any number of rows;
        the file is what ``skspec predict --out path`` writes for the same
        input files given by absolute paths.

        Parameters
        ----------
        path : str or Path
            Destination CSV file.

        Returns
        -------
        path : Path
        """
        from .utils import atomic_write

        path = Path(path)
        with atomic_write(path, "w", encoding="utf-8", newline="") as out:
            for k, part in enumerate(self.outputs):
                with open(part, encoding="utf-8", newline="") as fh:
                    header = fh.readline()
                    if k == 0:
                        out.write(header)
                    for line in fh:
                        out.write(line)
        return path


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _prepare_out_dir(out_dir, overwrite):
    """Create ``out_dir``; refuse (or clear) earlier results of predict_files."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"out_dir {out_dir} exists and is not a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    ours = [
        p
        for p in out_dir.iterdir()
        if (p.name.startswith(_PART_PREFIX) and p.suffix == ".csv")
        or p.name in (ERRORS_NAME, SUMMARY_NAME)
    ]
    if ours and not overwrite:
        raise FileExistsError(
            f"{out_dir} already holds predictions ({len(ours)} files such "
            f"as {ours[0].name}); choose another out_dir or pass "
            "overwrite=True"
        )
    for p in ours:  # only our own files: never touch anything else in the directory
        p.unlink()
    return out_dir


def predict_files(
    model_path,
    paths,
    out_dir,
    *,
    scheduler=None,
    partition_size=1000,
    chunk_size=256,
    format="csv",
    progress=True,
    allow_version_mismatch=False,
    overwrite=False,
    max_in_flight=None,
    client_kwargs=None,
):
    """Classify many SDSS spectrum files with a saved model on a Dask cluster.

    The files are cut into partitions of ``partition_size``; each partition
    is one task, which streams its files through the model in chunks of
    ``chunk_size`` spectra (bounded memory per worker) and writes
    ``out_dir/part-NNNNN.csv`` atomically. Each worker process loads the
    model once and keeps it for all its partitions.

    Parameters
    ----------
    model_path : str or Path
        A model file written by :func:`skspec.io.save_model` (``skspec train``).
        Workers read it (and the spectra) by this path, so on a multi-machine
        cluster it must be on a file system they share.
    paths : str, Path or iterable of them
        Spectrum files, directories (their ``*.fits``, ``*.fit`` and gzipped
        files), glob patterns, or a list mixing those, as for
        :func:`~skspec.datasets.iter_sdss_spectra`.
    out_dir : str or Path
        Directory for the partition files, ``errors.csv`` and ``summary.json``.
    scheduler : str, Client, cluster or None, default=None
        As for :func:`dask_backend`: an address, a scheduler file, a Client,
        a cluster object, or None for the current default client (e.g. inside
        ``with dask_backend(...)``) or else a new ``LocalCluster``.
    partition_size : int, default=1000
        Files per task. Larger partitions mean fewer output files and less
        scheduling overhead (a few ms per task); smaller ones balance the
        load better and lose less work when a worker dies.
    chunk_size : int, default=256
        Spectra read and classified at a time inside a task: the worker's
        memory holds at most this many spectra (about 28 kB each) plus the
        model's working memory.
    format : {"csv"}, default="csv"
        Output format; the columns are those of ``skspec predict``.
    progress : bool, default=True
        Show a progress bar over files (:mod:`tqdm`).
    allow_version_mismatch : bool, default=False
        Passed to :func:`skspec.io.load_model` on the workers.
    overwrite : bool, default=False
        Replace the results of an earlier run in ``out_dir`` (its
        ``part-*.csv``, ``errors.csv`` and ``summary.json``; other files are
        left alone). Without it such files make the call fail.
    max_in_flight : int, default=None
        Most partitions submitted at once; the next one is submitted when one
        finishes, so the scheduler never holds millions of tasks. Default:
        four per worker thread.
    client_kwargs : dict, default=None
        Passed to :class:`dask.distributed.Client` (to ``LocalCluster`` when
        one is started).

    Returns
    -------
    summary : PredictionSummary
        Counts, the unreadable files with their reasons, the output files and
        per-worker peak memory; also written to ``out_dir/summary.json``,
        last, so its presence marks a complete run.

    Raises
    ------
    ImportError
        If Dask is not installed (``pip install skspec[dask]``).
    ValueError
        If ``model_path`` is not a skspec model file, ``paths`` matches no
        file, or a parameter is invalid.
    FileExistsError
        If ``out_dir`` holds results of an earlier run and ``overwrite=False``.
    RuntimeError
        If a partition fails on a worker (e.g. the model cannot be loaded
        there); the remaining tasks are cancelled and the message names the
        partition. Partitions already written stay in ``out_dir`` but no
        ``summary.json`` is written.

    See Also
    --------
    dask_backend : Use the cluster for grid searches.
    skspec.datasets.iter_sdss_spectra : The chunked reader run in each task.
    skspec.io.save_model : Write the model file.

    Notes
    -----
    Unreadable files (corrupt, truncated, not SDSS spectra, missing) never
    fail the run: they are listed in ``summary.errors`` and ``errors.csv``.
    Rows are identical to those of ``skspec predict`` on the same files
    (same columns, flags and rounding), and in the same order once the
    partitions are concatenated in name order; the ``file`` column holds
    absolute paths.

    Examples
    --------
    >>> from skspec.distributed import predict_files
    >>> summary = predict_files("emccnn.skspec", "/data/sdss/spectra/",  # doctest: +SKIP
    ...                         "predictions/", scheduler="tcp://scheduler:8786")
    >>> summary.n_predicted, len(summary.errors)  # doctest: +SKIP
    (1843211, 17)
    >>> df = summary.read()  # doctest: +SKIP
    """
    distributed = _import_distributed()

    from ._predict import write_errors
    from .datasets import expand_paths
    from .io import read_model_metadata
    from .utils import atomic_write

    t0 = time.perf_counter()
    if format != "csv":
        raise ValueError(f"format must be 'csv', got {format!r}")
    partition_size = _check_positive_int("partition_size", partition_size)
    chunk_size = _check_positive_int("chunk_size", chunk_size)
    if max_in_flight is not None:
        max_in_flight = _check_positive_int("max_in_flight", max_in_flight)
    model_path = Path(model_path).resolve()
    header = read_model_metadata(model_path)  # fails early on a non-model file
    sha256 = header["payload_sha256"]
    # Absolute paths: a worker's working directory is not the caller's.
    files = [os.path.abspath(p) for p in expand_paths(paths)]
    if not files:
        raise ValueError(f"no SDSS spectrum file found in {paths!r}")
    out_dir = _prepare_out_dir(out_dir, overwrite)

    partitions = [files[i : i + partition_size] for i in range(0, len(files), partition_size)]
    width = max(5, len(str(len(partitions) - 1)))
    outputs = [out_dir / f"{_PART_PREFIX}{i:0{width}d}.csv" for i in range(len(partitions))]
    results = [None] * len(partitions)
    token = uuid.uuid4().hex[:8]

    with _connect(scheduler, client_kwargs) as client:
        n_workers = len(client.scheduler_info().get("workers", {}))
        n_threads = sum(client.nthreads().values()) or 1
        window = max_in_flight or 4 * n_threads
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(
                total=len(files), unit="file", desc="skspec predict (dask)", dynamic_ncols=True
            )
        pending = iter(range(len(partitions)))
        in_flight = {}  # future key -> (partition index, future)
        completed = distributed.as_completed(loop=client.loop)

        def submit_next():
            i = next(pending, None)
            if i is None:
                return
            future = client.submit(
                _predict_partition,
                str(model_path),
                sha256,
                allow_version_mismatch,
                partitions[i],
                str(outputs[i]),
                chunk_size,
                key=f"skspec-predict-{token}-{i}",
                pure=False,
            )
            in_flight[future.key] = (i, future)
            completed.add(future)

        try:
            for _ in range(window):
                submit_next()
            n_errors = 0
            for future in completed:
                i, _ = in_flight.pop(future.key)
                try:
                    results[i] = future.result()
                except Exception as exc:
                    raise RuntimeError(
                        f"predict_files: partition {i} ({len(partitions[i])} files from "
                        f"{partitions[i][0]}) failed on a worker: {type(exc).__name__}: {exc}"
                    ) from exc
                finally:
                    future.release()
                submit_next()
                if bar is not None:
                    n_errors += len(results[i]["errors"])
                    bar.update(len(partitions[i]))
                    if n_errors:
                        bar.set_postfix_str(f"{n_errors} unreadable")
        except BaseException:
            # Stop the cluster working for a run that is over.
            client.cancel([f for _, f in in_flight.values()])
            raise
        finally:
            if bar is not None:
                bar.close()

    errors = [e for r in results for e in r["errors"]]
    peak = {}
    for r in results:
        if r["peak_rss"] is not None:
            peak[r["worker"]] = max(peak.get(r["worker"], 0), r["peak_rss"])
    errors_path = None
    if errors:
        errors_path = out_dir / ERRORS_NAME
        write_errors(errors, errors_path)
    summary = PredictionSummary(
        out_dir=out_dir,
        outputs=outputs,
        n_files=len(files),
        n_predicted=sum(r["n_predicted"] for r in results),
        errors=errors,
        errors_path=errors_path,
        n_partitions=len(partitions),
        n_workers=n_workers,
        model_loads=sum(bool(r["loaded_model"]) for r in results),
        worker_peak_rss=peak,
        seconds=time.perf_counter() - t0,
        busy_seconds=sum(r["seconds"] for r in results),
    )
    record = asdict(summary)
    record.update(
        out_dir=str(out_dir),
        outputs=[p.name for p in outputs],
        errors_path=None if errors_path is None else errors_path.name,
        model=str(model_path),
        model_sha256=sha256,
        skspec_version=__version__,
    )
    with atomic_write(out_dir / SUMMARY_NAME, "w", encoding="utf-8") as fh:
        json.dump(record, fh, indent=1)
    return summary
