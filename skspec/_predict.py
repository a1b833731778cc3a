"""Prediction rows of ``skspec predict``, shared by the CLI and skspec.distributed.

One place builds the rows (columns, rounding, flags) and streams files
through a model, so that a single-process ``skspec predict`` and a Dask run of
:func:`skspec.distributed.predict_files` write byte-identical CSV rows.
"""

import warnings

import numpy as np
import pandas as pd

from .utils._subtypes import normalise_subtypes

#: Columns of the prediction CSV files, in order.
PRED_COLUMNS = [
    "file",
    "plate",
    "mjd",
    "fiber",
    "predicted",
    "probability",
    "snr",
    "snr_bin",
    "index_subtype",
    "out_of_scope_score",
    "sdss_class",
    "sdss_subclass",
    "flags",
]

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
    false = pd.Series(np.zeros(n, dtype=bool), index=frame.index)

    def num(name):
        return pd.to_numeric(frame[name], errors="coerce") if name in frame else None

    def text(name):
        if name not in frame:
            return pd.Series([""] * n, index=frame.index)
        col = frame[name]
        return col.where(col.notna(), "").astype(str).str.strip()

    snr, coverage, bad = num("snr"), num("coverage"), num("n_bad_pixels")
    cls, sub = text("class"), text("subclass")
    # The SDSS pipeline's own type, where the file has one: a non-star or a
    # subclass outside M0-M4 dwarfs makes the (forced M0-M4) prediction moot.
    not_m = ~cls.str.upper().isin(["", "STAR"]) | (
        (sub != "") & pd.isna(pd.Series(normalise_subtypes(sub), index=frame.index))
    )
    checks = {
        "low_snr": false if snr is None else ~(snr >= LOW_SNR),  # NaN S/N counts as low
        "partial_coverage": false if coverage is None else coverage < MIN_COVERAGE,
        "many_bad_pixels": false if bad is None else bad > MAX_BAD_FRACTION * n_pixels,
        "out_of_scope": (
            false
            if out_of_scope is None
            else pd.Series(np.asarray(out_of_scope, dtype=bool), index=frame.index)
        ),
        "sdss_not_m0_m4": not_m,
    }
    # One pass over plain Python booleans: a row-wise DataFrame.apply costs ~0.3 ms a row.
    names = list(checks)
    masks = zip(*(checks[name].to_numpy(dtype=bool).tolist() for name in names))
    return [";".join(name for name, on in zip(names, row) if on) for row in masks] if n else []


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
        proba = np.asarray(model.predict_proba(X, **kwargs))
        best = proba.argmax(axis=1)
        predicted, probability = classes[best], proba[np.arange(len(X)), best]
    else:
        predicted = np.asarray(model.predict(X, **kwargs), dtype=object)
        probability = np.nan
    scope = _scope(chunk, X)
    snr = frame.get("snr")
    return pd.DataFrame(
        {
            "file": frame.get("path", pd.Series([None] * len(X))).astype(str),
            "plate": frame.get("plate"),
            "mjd": frame.get("mjd"),
            "fiber": frame.get("fiber"),
            "predicted": predicted,
            "probability": np.round(probability, 4),
            "snr": None if snr is None else pd.to_numeric(snr, errors="coerce").round(2),
            "snr_bin": frame.get("snr_bin"),
            "index_subtype": np.round(scope["index_subtype"].to_numpy(), 2),
            "out_of_scope_score": np.round(scope["out_of_scope_score"].to_numpy(), 2),
            "sdss_class": frame.get("class"),
            "sdss_subclass": frame.get("subclass"),
            "flags": prediction_flags(frame, X.shape[1], scope["out_of_scope"]),
        },
        columns=PRED_COLUMNS,
    )


def write_predictions(model, files, fh, *, n_features=None, chunk_size=256, on_progress=None):
    """Stream ``files`` through ``model`` in chunks, writing CSV rows with a header to ``fh``.

    Unreadable files do not stop the run: they are returned with their reason.
    The reader's warnings (skipped files, partial coverage) are silenced here
    because they reach the caller as the error list and the per-spectrum flags.

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
    from .datasets import iter_sdss_spectra

    n_predicted, errors = 0, []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        pd.DataFrame(columns=PRED_COLUMNS).to_csv(fh, index=False)
        for chunk in (
            iter_sdss_spectra(files, chunk_size=chunk_size, on_error="skip") if len(files) else ()
        ):
            chunk_errors = [(str(p), str(r)) for p, r in (getattr(chunk, "errors", None) or [])]
            errors += chunk_errors
            rows = prediction_rows(model, chunk, n_features)
            if on_progress is not None:
                on_progress(len(chunk_errors) + (0 if rows is None else len(rows)))
            if rows is not None:
                rows.to_csv(fh, index=False, header=False)
                n_predicted += len(rows)
    return n_predicted, errors


def write_errors(errors, path):
    """Write ``(file, reason)`` pairs to a CSV file atomically."""
    from .utils import atomic_write

    with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
        pd.DataFrame(errors, columns=["file", "reason"]).to_csv(fh, index=False)
