"""Saving and loading fitted skspec models; writing result tables.

A model file is a small self-describing container::

    MAGIC (16 bytes) | header length (8 bytes, big-endian) | JSON header | payload

The payload is the :mod:`joblib` serialisation of the estimator. The JSON
header records what is needed to judge the file *before* unpickling it: the
library versions it was written with, the classes, the input width and
wavelength grid, the creation time and the SHA-256 of the payload.

:func:`load_model` checks, in order, the magic bytes, the header, the payload
size and hash, and the skspec version; only then is the payload unpickled.
The hash protects against truncated or corrupted files, **not** against a
malicious author, who can recompute it: as with any pickle, load only model
files from sources you trust.

:func:`write_table` writes a table of results (such as ``skspec predict``'s
rows) as CSV, Parquet, FITS or ECSV, atomically.
"""

import hashlib
import io
import json
import platform
import struct
import warnings
from datetime import datetime, timezone
from pathlib import Path

import joblib
import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._version import __version__
from .utils import DLOGLAM, LOGLAM0, N_PIXELS, atomic_path, atomic_write

__all__ = [
    "FORMAT_VERSION",
    "MAGIC",
    "TABLE_FORMATS",
    "load_model",
    "read_model_metadata",
    "save_model",
    "table_format",
    "write_table",
]

#: First bytes of every skspec model file.
MAGIC = b"\x89SKSPEC-MODEL\r\n\n"
#: Version of the container layout (not of the library).
FORMAT_VERSION = 1
_LEN = struct.Struct(">Q")
# A header is a few kilobytes; anything larger is not ours (or is corrupt).
_MAX_HEADER = 16 * 1024 * 1024


def _library_versions():
    versions = {
        "skspec": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "joblib": joblib.__version__,
    }
    for name in ("sklearn", "torch", "skorch", "scipy"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:  # optional at load time, recorded when present
            versions[name] = None
    return versions


def _jsonable(value):
    """Best-effort conversion of numpy scalars/arrays inside user metadata."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return value


def _estimator_summary(estimator):
    """Classes, input width and class name of a fitted estimator (or pipeline)."""
    final = estimator
    steps = getattr(estimator, "steps", None)
    if steps:
        final = steps[-1][1]
    classes = getattr(estimator, "classes_", getattr(final, "classes_", None))
    return {
        "estimator": f"{type(estimator).__module__}.{type(estimator).__qualname__}",
        "final_estimator": f"{type(final).__module__}.{type(final).__qualname__}",
        "classes": None if classes is None else [_jsonable(c) for c in np.asarray(classes)],
        "n_features_in": _jsonable(getattr(estimator, "n_features_in_", None)),
    }


def save_model(estimator, path, *, metadata=None):
    """Save a fitted estimator to a skspec model file, atomically.

    Parameters
    ----------
    estimator : fitted estimator or Pipeline
        Anything :mod:`joblib` can serialise; it must be fitted.
    path : str or Path
        Destination, conventionally ``*.skspec``. Written through a temporary
        file renamed into place, so an interrupted save never leaves a
        half-written model at ``path``.
    metadata : dict, default=None
        Extra JSON-serialisable information stored in the header under
        ``"user"`` (e.g. how the model was trained).

    Returns
    -------
    header : dict
        The header written to the file (see :func:`read_model_metadata`).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.
    TypeError
        If ``metadata`` is not a dict or is not JSON-serialisable.

    See Also
    --------
    load_model : the inverse operation.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> import tempfile, os
    >>> clf = LogisticRegression().fit([[0.0], [1.0]], ["M0", "M1"])
    >>> path = os.path.join(tempfile.mkdtemp(), "clf.skspec")
    >>> _ = save_model(clf, path, metadata={"note": "toy"})
    >>> print(load_model(path).predict([[0.9]])[0])
    M1
    """
    check_is_fitted(estimator)
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}")

    buffer = io.BytesIO()
    joblib.dump(estimator, buffer)
    payload = buffer.getvalue()

    header = {
        "format": "skspec-model",
        "format_version": FORMAT_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),  # noqa: UP017 (3.10)
        "versions": _library_versions(),
        **_estimator_summary(estimator),
        # Every skspec input lives on this grid; predict checks against it.
        "grid": {"loglam0": LOGLAM0, "dloglam": DLOGLAM, "n_pixels": N_PIXELS},
        "payload_size": len(payload),
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "user": _jsonable(metadata or {}),
    }
    try:
        header_bytes = json.dumps(header, sort_keys=True).encode("utf-8")
    except TypeError as exc:
        raise TypeError(f"model metadata is not JSON-serialisable: {exc}") from None

    with atomic_write(path, "wb") as fh:
        fh.write(MAGIC)
        fh.write(_LEN.pack(len(header_bytes)))
        fh.write(header_bytes)
        fh.write(payload)
    return header


def _read_header(fh, path):
    magic = fh.read(len(MAGIC))
    if magic != MAGIC:
        return None
    raw_len = fh.read(_LEN.size)
    if len(raw_len) != _LEN.size:
        raise ValueError(f"{path}: truncated skspec model file (no header length)")
    (n,) = _LEN.unpack(raw_len)
    if n > _MAX_HEADER:
        raise ValueError(f"{path}: corrupt skspec model file (header length {n} is implausible)")
    raw = fh.read(n)
    if len(raw) != n:
        raise ValueError(f"{path}: truncated skspec model file (header cut short)")
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: corrupt skspec model header ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != "skspec-model":
        raise ValueError(f"{path}: corrupt skspec model header (not a skspec header)")
    if header.get("format_version", 0) > FORMAT_VERSION:
        raise ValueError(
            f"{path}: model file format {header.get('format_version')} is newer than this "
            f"skspec ({__version__}) understands (format {FORMAT_VERSION}); upgrade skspec"
        )
    return header


def read_model_metadata(path):
    """Return the JSON header of a skspec model file without unpickling it.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    header : dict
        ``versions`` (skspec, python, numpy, sklearn, torch, skorch, ...),
        ``classes``, ``n_features_in``, ``grid``, ``created``,
        ``payload_sha256``, ``estimator`` and the user ``metadata`` under
        ``"user"``.

    Raises
    ------
    ValueError
        If the file is not a skspec model file or its header is corrupt.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        header = _read_header(fh, path)
    if header is None:
        raise ValueError(f"{path}: not a skspec model file (bad magic header)")
    return header


def load_model(path, *, allow_version_mismatch=False, trust=False):
    """Load a model saved by :func:`save_model`, verifying it before unpickling.

    Parameters
    ----------
    path : str or Path
        A ``*.skspec`` model file.
    allow_version_mismatch : bool, default=False
        Load a model written by another skspec version (with a warning)
        instead of raising.
    trust : bool, default=False
        Accept a raw joblib/pickle file that is *not* a skspec container.
        Unpickling runs arbitrary code: only for files you vouch for.

    Returns
    -------
    estimator : the fitted estimator

    Raises
    ------
    ValueError
        If the file is not a skspec model (and ``trust=False``), is truncated,
        fails its SHA-256 check, or was written by a different skspec version
        (and ``allow_version_mismatch=False``). Nothing is unpickled then.
    FileNotFoundError
        If ``path`` does not exist.

    See Also
    --------
    save_model, read_model_metadata

    Notes
    -----
    Differences in numpy/scikit-learn/torch/skorch versions only warn: they
    usually load fine, and the skspec version check catches changes in our
    own classes.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        header = _read_header(fh, path)
        if header is None:
            if not trust:
                raise ValueError(
                    f"{path}: not a skspec model file (bad magic header); it was not loaded. "
                    "If it is a joblib/pickle file you trust, pass trust=True."
                )
            fh.seek(0)
            return joblib.load(fh)
        payload = fh.read()

    if len(payload) != header.get("payload_size"):
        raise ValueError(
            f"{path}: truncated or padded skspec model file (payload is "
            f"{len(payload)} bytes, header says {header.get('payload_size')})"
        )
    if hashlib.sha256(payload).hexdigest() != header.get("payload_sha256"):
        raise ValueError(
            f"{path}: skspec model file failed its SHA-256 check "
            "(corrupted or modified); it was not loaded"
        )

    saved = header.get("versions", {})
    if saved.get("skspec") != __version__:
        msg = (
            f"{path}: model was saved by skspec {saved.get('skspec')} but this is "
            f"skspec {__version__}"
        )
        if not allow_version_mismatch:
            raise ValueError(
                msg + "; retrain it or pass allow_version_mismatch=True "
                "(--allow-version-mismatch) to load it anyway"
            )
        warnings.warn(msg, UserWarning, stacklevel=2)
    current = _library_versions()
    differing = [
        f"{k} {saved.get(k)} -> {current.get(k)}"
        for k in ("sklearn", "torch", "skorch")
        if saved.get(k) and current.get(k) and saved.get(k) != current.get(k)
    ]
    if differing:
        warnings.warn(
            f"{path}: library versions differ from the ones the model was saved "
            f"with ({', '.join(differing)}); predictions may change",
            UserWarning,
            stacklevel=2,
        )
    return joblib.load(io.BytesIO(payload))


#: Table formats of :func:`write_table` and the file suffixes that select them.
TABLE_FORMATS = {
    "csv": (".csv",),
    "parquet": (".parquet", ".pq"),
    "fits": (".fits", ".fit", ".fts"),
    "ecsv": (".ecsv",),
}


def table_format(path, format=None):
    """The table format to write ``path`` in: ``format``, else the suffix's, else ``"csv"``.

    Parameters
    ----------
    path : str or Path
    format : {"csv", "parquet", "fits", "ecsv"} or None, default=None

    Returns
    -------
    format : str

    Raises
    ------
    ValueError
        If ``format`` is not one of :data:`TABLE_FORMATS`.

    Examples
    --------
    >>> table_format("out.fits"), table_format("out.txt"), table_format("out.txt", "ecsv")
    ('fits', 'csv', 'ecsv')
    """
    if format is not None:
        if format not in TABLE_FORMATS:
            raise ValueError(
                f"unknown table format {format!r}; choose from {', '.join(TABLE_FORMATS)}"
            )
        return format
    suffix = Path(path).suffix.lower()
    for name, suffixes in TABLE_FORMATS.items():
        if suffix in suffixes:
            return name
    return "csv"


def _check_parquet():
    import importlib.util

    if importlib.util.find_spec("pyarrow") is None:
        raise ImportError(
            "writing Parquet needs pyarrow, which is not installed; "
            "pip install 'skspec[parquet]' (or pyarrow), or choose another format"
        )


def _astropy_table(frame):
    """An astropy Table of ``frame``: text columns as str, None as ""."""
    from astropy.table import Table

    frame = frame.copy()
    for name in frame.columns:
        col = frame[name]
        if col.dtype == object:
            frame[name] = col.where(col.notna(), "").astype(str)
    return Table.from_pandas(frame, index=False)


def write_table(frame, path, *, format=None, meta=None):
    """Write a table atomically as CSV, Parquet, FITS or ECSV.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns of numbers or text (``object`` columns are written as text,
        missing values as ``""``; missing numbers are NaN).
    path : str or Path
        Destination. Written to a temporary file beside it and renamed into
        place, so that an interrupted write never leaves a partial table.
    format : {"csv", "parquet", "fits", "ecsv"} or None, default=None
        None: from the suffix of ``path`` (:func:`table_format`), CSV for
        an unknown suffix. FITS and ECSV go through :class:`astropy.table.Table`
        (FITS: one binary table HDU); Parquet through pandas and needs
        pyarrow (``pip install 'skspec[parquet]'``).
    meta : dict, default=None
        Keywords stored with the table where the format has a place for them
        (the FITS header, ECSV's meta block, Parquet's schema metadata); CSV
        has none.

    Returns
    -------
    format : str
        The format written.

    Raises
    ------
    ValueError
        If ``format`` is unknown.
    ImportError
        For Parquet without pyarrow (nothing is written).

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from astropy.table import Table
    >>> path = os.path.join(tempfile.mkdtemp(), "rows.ecsv")
    >>> write_table(pd.DataFrame({"file": ["a.fits"], "subtype": [1.5]}), path)
    'ecsv'
    >>> float(Table.read(path)["subtype"][0])
    1.5
    """
    fmt = table_format(path, format)
    meta = {str(k): v for k, v in (meta or {}).items()}
    path = Path(path)
    if fmt == "csv":
        with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
            frame.to_csv(fh, index=False)
        return fmt
    if fmt == "parquet":
        _check_parquet()
        frame = frame.copy()
        frame.attrs = dict(meta)
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False, engine="pyarrow")
        return fmt
    table = _astropy_table(frame)
    table.meta.update(meta)
    with atomic_path(path) as tmp:
        table.write(tmp, format="fits" if fmt == "fits" else "ascii.ecsv", overwrite=True)
    return fmt
