"""Input checks shared by every skspec estimator.

scikit-learn's ``validate_data`` does most of the work; these wrap it so that
the problems astronomers actually hit get a message that names them: text
instead of numbers, spectra of unequal lengths, and NaN/inf flux, with the
rows that hold it and what to do about it.
"""

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import validate_data

__all__ = [
    "check_finite_spectra",
    "check_ivar",
    "check_known_labels",
    "check_spectra_input",
    "validate_spectra",
]

_MAX_ROWS_SHOWN = 10


def _name(estimator, input_name="X"):
    return input_name if estimator is None else f"{type(estimator).__name__}: {input_name}"


def _rows_text(rows):
    shown = ", ".join(str(int(r)) for r in rows[:_MAX_ROWS_SHOWN])
    return shown + (f", ... ({len(rows)} rows)" if len(rows) > _MAX_ROWS_SHOWN else "")


def check_spectra_input(X, *, estimator=None, input_name="X"):
    """Catch text, non-numeric objects and ragged lists before numeric validation.

    Parameters
    ----------
    X : array-like
        Spectra, one per row (lists, arrays, DataFrames and sparse matrices
        are passed on unchanged when they are fine).
    estimator : estimator, default=None
        Named in the messages.
    input_name : str, default="X"
        The argument's name in the messages.

    Returns
    -------
    X : array-like
        ``X``, or an ndarray made from a list.

    Raises
    ------
    TypeError
        If ``X`` holds text or other values that are not numbers.
    ValueError
        If the rows of a nested list have different lengths.
    """
    what = _name(estimator, input_name)
    if sp.issparse(X) or hasattr(X, "iloc"):
        return X
    if not hasattr(X, "dtype"):
        if isinstance(X, (str, bytes)):
            raise TypeError(f"{what} must be an array of spectra, got a {type(X).__name__}")
        rows = list(X) if isinstance(X, (list, tuple)) else None
        if rows and all(hasattr(r, "__len__") and not isinstance(r, (str, bytes)) for r in rows):
            lengths = np.array([len(r) for r in rows])
            if np.any(lengths != lengths[0]):
                odd = np.flatnonzero(lengths != lengths[0])
                raise ValueError(
                    f"{what} has spectra of unequal lengths (row 0 has {lengths[0]} pixels, "
                    f"row {odd[0]} has {lengths[odd[0]]}; {len(odd)} rows differ from row 0); "
                    "put every spectrum on one wavelength grid first, e.g. with "
                    "skspec.utils.rebin_to_grid or by reading them with load_sdss_spectra"
                )
        X = np.asarray(X) if rows is not None else X
    dtype = getattr(X, "dtype", None)
    if isinstance(dtype, np.dtype):
        if dtype.kind in "USV":
            raise TypeError(
                f"{what} holds text (strings, dtype {dtype}), not flux values; spectra "
                "must be numeric arrays (np.asarray(X, dtype=float) converts "
                "text that holds numbers)"
            )
        if dtype.kind == "O":
            try:
                X = np.asarray(X, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                # "argument must be a string or a number" stays in the message
                # (scikit-learn's check_dtype_object looks for it).
                raise TypeError(
                    f"{what} holds values that are not numbers (object dtype): {exc}"
                ) from None
    return X


def check_finite_spectra(X, *, estimator=None):
    """Raise a ValueError naming the rows of ``X`` that hold NaN or inf.

    Parameters
    ----------
    X : ndarray of shape (n_samples, ...)
    estimator : estimator, default=None
        Named in the message.

    Returns
    -------
    X : ndarray
        Unchanged.
    """
    if sp.issparse(X):
        data_ok = np.isfinite(X.data).all()
        if not data_ok:
            raise ValueError(f"{_name(estimator)} contains NaN or infinity (inf) values")
        return X
    X = np.asarray(X)
    if X.dtype.kind not in "fc" or X.size == 0:
        return X
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(X.reshape(len(X), -1)).all(axis=1)
    if not finite.all():
        rows = np.flatnonzero(~finite)
        raise ValueError(
            f"{_name(estimator)} contains NaN or infinity (inf) in the flux of {len(rows)} "
            f"spectra (rows "
            f"{_rows_text(rows)}). Mark such pixels bad and fill them first, e.g. "
            "skspec.preprocessing.BadPixelInterpolator in the pipeline or "
            "skspec.utils.interpolate_bad_pixels(flux, ivar == 0); or drop those rows"
        )
    return X


def validate_spectra(
    estimator, X="no_validation", y="no_validation", *, reset=True, **check_params
):
    """``sklearn.utils.validation.validate_data`` with skspec's messages.

    Parameters
    ----------
    estimator : estimator
    X, y : array-like
        As for ``validate_data``; ``y`` may be omitted.
    reset : bool, default=True
        Set ``n_features_in_`` (fit) or check against it (predict).
    **check_params
        Passed to ``validate_data`` (``dtype``, ``allow_nd``, ...).
        ``ensure_all_finite=False`` lets NaN/inf through unchecked.

    Returns
    -------
    X or (X, y)
        Validated, as ``validate_data`` returns them.
    """
    check_finite = check_params.pop("ensure_all_finite", True)
    X = check_spectra_input(X, estimator=estimator)
    out = validate_data(estimator, X, y, reset=reset, ensure_all_finite=False, **check_params)
    if check_finite:
        check_finite_spectra(out[0] if isinstance(out, tuple) else out, estimator=estimator)
    return out


def check_known_labels(y, classes, *, estimator=None):
    """Warn when true labels hold classes the fitted model never saw.

    Such spectra can only count as wrong in an accuracy; the warning names
    the labels so that a typo ("m3", "M3.0") or a sample outside the model's
    range (M5-M9, K dwarfs) is noticed rather than read as poor accuracy.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
    classes : array-like
        The model's ``classes_``.
    estimator : estimator, default=None
        Named in the warning.

    Returns
    -------
    unknown : ndarray
        The unknown labels (empty when all are known).
    """
    y = np.asarray(y, dtype=object).ravel()
    classes = np.asarray(classes, dtype=object)
    unknown_mask = ~np.isin(y, classes)
    if unknown_mask.any():
        labels, counts = np.unique(y[unknown_mask].astype(str), return_counts=True)
        who = "the model" if estimator is None else type(estimator).__name__
        shown = ", ".join(f"{str(lab)!r} ({n})" for lab, n in zip(labels[:10], counts[:10]))
        warnings.warn(
            f"y holds labels {who} was not trained on: {shown}; those spectra "
            f"count as wrong (known classes: {[str(c) for c in classes]})",
            UserWarning,
            stacklevel=3,
        )
        return labels
    return np.array([], dtype=object)


def check_ivar(ivar, X, *, name="X"):
    """Validate inverse variances against the flux they belong to; return them as float64.

    Parameters
    ----------
    ivar : array-like
        Inverse variances; 0 marks a bad pixel.
    X : ndarray
        The flux, whose shape ``ivar`` must have.
    name : str, default="X"
        How the flux is called in the messages.

    Returns
    -------
    ivar : ndarray of float64

    Raises
    ------
    TypeError
        If ``ivar`` holds something that is not a number.
    ValueError
        If its shape differs from the flux's, or it holds NaN, inf or
        negative values.
    """
    try:
        ivar = np.asarray(ivar, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"ivar must be an array of numbers ({exc})") from exc
    if ivar.shape != X.shape:
        raise ValueError(f"ivar must have the shape of {name} {X.shape}, got {ivar.shape}")
    if not np.all(np.isfinite(ivar)):
        raise ValueError("ivar contains NaN or infinity; use 0 for bad pixels")
    if np.any(ivar < 0):
        raise ValueError("ivar must be non-negative (0 marks a bad pixel)")
    return ivar
