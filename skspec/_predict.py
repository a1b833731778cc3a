"""Prediction rows of ``skspec predict``, shared by the CLI and skspec.distributed.

One place builds the rows (columns, rounding, flags) and streams files
through a model, so that a single-process ``skspec predict`` and a Dask run of
:func:`skspec.distributed.predict_files` write byte-identical CSV rows.
:func:`skspec.io.write_table` writes them as CSV, Parquet, FITS or ECSV.
"""

import warnings

import numpy as np
import pandas as pd

from .utils._subtypes import expected_subtype, map_distinct, normalise_subtypes

#: Columns of the prediction files, in order, without the per-class
#: probabilities: ``prob_<class>`` (one per class of the model, e.g.
#: ``prob_M0`` ... ``prob_M4``) follow ``probability``; see
#: :func:`prediction_columns`.
PRED_COLUMNS = [
    "file",
    "plate",
    "mjd",
    "fiber",
    "specobjid",
    "ra",
    "dec",
    "z",
    "predicted",
    "probability",
    "subtype",
    "subtype_sd",
    "snr",
    "snr_bin",
    "TiO5",
    "CaH2",
    "CaH3",
    "zeta",
    "index_subtype",
    "out_of_scope_score",
    "sdss_class",
    "sdss_subclass",
    "flags",
]

#: The band indices written per spectrum (as :func:`skspec.preprocessing.measure_indices` names them).
_INDEX_COLUMNS = ("TiO5", "CaH2", "CaH3", "zeta")

#: Flag thresholds.
LOW_SNR = 5.0
MIN_COVERAGE = 0.95
MAX_BAD_FRACTION = 0.10


def prediction_flags(frame, n_pixels, out_of_scope=None):
    """Warnings per spectrum: low S/N, partial coverage, many bad pixels, not an M dwarf.

    Parameters
    ----------
    frame : pandas.DataFrame
        The reader's per-spectrum metadata (``snr``, ``coverage``,
        ``n_bad_pixels``, ``class``, ``subclass``; missing columns raise no flag).
    n_pixels : int
        Pixels per spectrum, for the bad-pixel fraction.
    out_of_scope : array-like of bool, default=None
        :func:`skspec.preprocessing.out_of_scope_score`'s verdict per row.

    Returns
    -------
    flags : list of str
        ``";"``-joined flag names per row, ``""`` when none applies.
    """
    n = len(frame)
    false = np.zeros(n, dtype=bool)

    def num(name):
        if name not in frame:
            return None
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    def per_value(name, test):
        """``test`` of each distinct stripped text of a column, spread to its rows."""
        if name not in frame:
            return false
        # A missing value reads as "".
        return map_distinct(frame[name], lambda v: test(str(v).strip()), test("")).astype(bool)

    snr, coverage, bad = num("snr"), num("coverage"), num("n_bad_pixels")
    # The SDSS pipeline's own type, where the file has one: a non-star or a
    # subclass outside M0-M4 dwarfs makes the (forced M0-M4) prediction moot.
    not_star = per_value("class", lambda text: text.upper() not in ("", "STAR"))
    not_m0_m4 = per_value(
        "subclass", lambda text: text != "" and normalise_subtypes([text])[0] is None
    )
    with np.errstate(invalid="ignore"):
        checks = {
            "low_snr": false if snr is None else ~(snr >= LOW_SNR),  # NaN S/N counts as low
            "partial_coverage": false if coverage is None else coverage < MIN_COVERAGE,
            "many_bad_pixels": false if bad is None else bad > MAX_BAD_FRACTION * n_pixels,
            "out_of_scope": false if out_of_scope is None else np.asarray(out_of_scope, bool),
            "sdss_not_m0_m4": not_star | not_m0_m4,
        }
    # Each row's flags as a bit pattern, looked up in the table of all joined texts.
    names = list(checks)
    table = np.array(
        [
            ";".join(name for k, name in enumerate(names) if code >> k & 1)
            for code in range(2 ** len(names))
        ],
        dtype=object,
    )
    code = sum(np.asarray(checks[name], dtype=np.int64) << k for k, name in enumerate(names))
    return table[code].tolist() if n else []


def prediction_columns(classes=()):
    """The columns of a prediction file for a model with these ``classes_``, in order.

    Parameters
    ----------
    classes : sequence, default=()
        The model's classes; one ``prob_<class>`` column each, after
        ``probability``.

    Returns
    -------
    columns : list of str
    """
    at = PRED_COLUMNS.index("probability") + 1
    return PRED_COLUMNS[:at] + [f"prob_{c}" for c in classes] + PRED_COLUMNS[at:]


def _indices(X):
    """TiO5, CaH2, CaH3 and zeta per spectrum on the SDSS grid (NaN elsewhere)."""
    from .preprocessing import measure_indices
    from .utils import N_PIXELS

    out = {name: np.full(len(X), np.nan) for name in _INDEX_COLUMNS}
    finite = np.isfinite(X).all(axis=1) if X.shape[1] == N_PIXELS else np.zeros(len(X), bool)
    if finite.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            values = measure_indices(X[finite], indices=_INDEX_COLUMNS, as_frame=False)
        for name in _INDEX_COLUMNS:
            out[name][finite] = values[name]
    return out


def _subtype_estimate(proba, classes):
    """:func:`~skspec.utils._subtypes.expected_subtype`, or NaN for classes that are not subtypes."""
    try:
        return expected_subtype(proba, classes)
    except ValueError:
        nan = np.full(len(proba), np.nan)
        return nan, nan


def _routes_by_snr(model):
    from .models import SNRBinnedClassifier

    return isinstance(model, SNRBinnedClassifier)


def _scope(chunk, X):
    """Out-of-scope assessment of a chunk on the SDSS grid (NaN on any other grid)."""
    from .preprocessing import out_of_scope_score
    from .utils import N_PIXELS

    if X.shape[1] != N_PIXELS:
        nan = np.full(len(X), np.nan)
        return pd.DataFrame(
            {
                "index_subtype": nan,
                "out_of_scope_score": nan,
                "out_of_scope": np.zeros(len(X), dtype=bool),
            }
        )
    return out_of_scope_score(X, chunk.get("ivar"))


def prediction_rows(model, chunk, n_features=None):
    """One chunk of read spectra -> a DataFrame of prediction rows (None if empty).

    Parameters
    ----------
    model : classifier
        Fitted, with ``classes_``; ``predict_proba`` gives the probability column.
    chunk : Bunch
        What :func:`skspec.datasets.iter_sdss_spectra` yields.
    n_features : int, default=None
        Pixels the model expects; a different width raises ValueError.
    """
    X = np.asarray(chunk.data)
    frame = chunk.frame.reset_index(drop=True)
    if len(X) == 0:
        return None
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"the model expects {n_features} pixels per spectrum but the reader gave {X.shape[1]}"
        )
    classes = np.asarray(model.classes_, dtype=object)
    kwargs = {}
    if _routes_by_snr(model) and "snr" in frame:
        # A per-bin model routes by the file's own S/N (SN_MEDIAN_ALL), as in training.
        kwargs["snr"] = pd.to_numeric(frame["snr"], errors="coerce").to_numpy(dtype=float)
    if hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(X, **kwargs), dtype=float)
        best = proba.argmax(axis=1)
        predicted, probability = classes[best], proba[np.arange(len(X)), best]
        subtype, subtype_sd = _subtype_estimate(proba, classes)
    else:
        predicted = np.asarray(model.predict(X, **kwargs), dtype=object)
        proba = np.full((len(X), len(classes)), np.nan)
        probability = np.nan
        # Without probabilities the best estimate is the predicted class's
        # own number, of unknown spread.
        subtype = _subtype_estimate(
            (predicted[:, None] == classes[None, :]).astype(float), classes
        )[0]
        subtype_sd = np.full(len(X), np.nan)
    scope = _scope(chunk, X)
    indices = _indices(X)
    snr = frame.get("snr")

    def text(name):
        col = frame.get(name)
        return None if col is None else col.where(col.notna(), "").astype(str)

    columns = {
        "file": frame.get("path", pd.Series([None] * len(X))).astype(str),
        "plate": frame.get("plate"),
        "mjd": frame.get("mjd"),
        "fiber": frame.get("fiber"),
        "specobjid": text("specobjid"),
        "ra": frame.get("ra"),
        "dec": frame.get("dec"),
        "z": frame.get("z"),
        "predicted": predicted,
        "probability": np.round(probability, 4),
        **{f"prob_{c}": np.round(proba[:, k], 4) for k, c in enumerate(classes)},
        "subtype": np.round(subtype, 2),
        "subtype_sd": np.round(subtype_sd, 2),
        "snr": None if snr is None else pd.to_numeric(snr, errors="coerce").round(2),
        "snr_bin": frame.get("snr_bin"),
        **{name: np.round(indices[name], 4) for name in _INDEX_COLUMNS},
        "index_subtype": np.round(scope["index_subtype"].to_numpy(), 2),
        "out_of_scope_score": np.round(scope["out_of_scope_score"].to_numpy(), 2),
        "sdss_class": frame.get("class"),
        "sdss_subclass": frame.get("subclass"),
        "flags": prediction_flags(frame, X.shape[1], scope["out_of_scope"]),
    }
    return pd.DataFrame(columns, columns=prediction_columns(classes))


def iter_predictions(model, files, *, n_features=None, chunk_size=256, on_progress=None):
    """Stream ``files`` through ``model`` in chunks, yielding ``(rows, errors)`` per chunk.

    Unreadable files do not stop the run: they come back with their reason.
    The reader's warnings (skipped files, partial coverage) are silenced here
    because they reach the caller as the error list and the per-spectrum flags.

    Parameters
    ----------
    model : classifier
    files : list of path-like
    n_features : int, default=None
    chunk_size : int, default=256
        Spectra in memory at a time.
    on_progress : callable, default=None
        Called with the number of files done after each chunk.

    Yields
    ------
    rows : pandas.DataFrame or None
        The chunk's prediction rows (:func:`prediction_rows`); None if the
        chunk had no readable file.
    errors : list of (str, str)
        ``(path, reason)`` of the chunk's files that could not be read.
    """
    from .datasets import iter_sdss_spectra

    if not len(files):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for chunk in iter_sdss_spectra(files, chunk_size=chunk_size, on_error="skip"):
            chunk_errors = [(str(p), str(r)) for p, r in (getattr(chunk, "errors", None) or [])]
            rows = prediction_rows(model, chunk, n_features)
            if on_progress is not None:
                on_progress(len(chunk_errors) + (0 if rows is None else len(rows)))
            yield rows, chunk_errors


def write_predictions(model, files, fh, *, n_features=None, chunk_size=256, on_progress=None):
    """Stream ``files`` through ``model`` in chunks, writing CSV rows with a header to ``fh``.

    Memory stays bounded by ``chunk_size`` whatever the number of files (see
    :func:`iter_predictions`, which reads them).

    Parameters
    ----------
    model : classifier
    files : list of path-like
    fh : text file
        Open for writing (e.g. from :func:`skspec.utils.atomic_write`).
    n_features : int, default=None
    chunk_size : int, default=256
        Spectra in memory at a time.
    on_progress : callable, default=None
        Called with the number of files done after each chunk.

    Returns
    -------
    n_predicted : int
    errors : list of (str, str)
        ``(path, reason)`` of the files that could not be read.
    """
    n_predicted, errors = 0, []
    pd.DataFrame(columns=prediction_columns(model.classes_)).to_csv(fh, index=False)
    for rows, chunk_errors in iter_predictions(
        model, files, n_features=n_features, chunk_size=chunk_size, on_progress=on_progress
    ):
        errors += chunk_errors
        if rows is not None:
            rows.to_csv(fh, index=False, header=False)
            n_predicted += len(rows)
    return n_predicted, errors


def collect_predictions(model, files, *, n_features=None, chunk_size=256, on_progress=None):
    """All prediction rows of ``files`` as one DataFrame, for the table formats.

    Parameters
    ----------
    As for :func:`write_predictions`, without ``fh``.

    Returns
    -------
    rows : pandas.DataFrame
        Columns :func:`prediction_columns` of the model's classes.
    errors : list of (str, str)
    """
    frames, errors = [], []
    for rows, chunk_errors in iter_predictions(
        model, files, n_features=n_features, chunk_size=chunk_size, on_progress=on_progress
    ):
        errors += chunk_errors
        if rows is not None:
            frames.append(rows)
    columns = prediction_columns(model.classes_)
    if not frames:
        return pd.DataFrame(columns=columns), errors
    return pd.concat(frames, ignore_index=True)[columns], errors


#: Text columns of a prediction file: read back as text, "" for empty.
_TEXT_COLUMNS = (
    "file",
    "specobjid",
    "predicted",
    "snr_bin",
    "sdss_class",
    "sdss_subclass",
    "flags",
)


def read_prediction_csv(path):
    """Read a prediction CSV back with its types (ids and flags as text, "" not NaN).

    Parameters
    ----------
    path : path-like or file

    Returns
    -------
    rows : pandas.DataFrame
    """
    dtype = dict.fromkeys(_TEXT_COLUMNS, str)
    frame = pd.read_csv(path, dtype=dtype, keep_default_na=False, na_values=[""])
    for name in _TEXT_COLUMNS:
        if name in frame:
            frame[name] = frame[name].fillna("")
    return frame


def write_errors(errors, path):
    """Write ``(file, reason)`` pairs to a CSV file atomically."""
    from .utils import atomic_write

    with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
        pd.DataFrame(errors, columns=["file", "reason"]).to_csv(fh, index=False)
