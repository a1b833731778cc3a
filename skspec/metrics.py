"""Scores for spectral classification: subtype arithmetic and per-S/N-bin tables.

Spectral types are ordinal: calling an M2 an M3 is a smaller error than calling
it an M0, and labels from different sources (by-eye typing, the SDSS pipeline,
PyHammer) commonly disagree by one subtype. Besides the exact accuracy the
EMCCNN paper and the reference data therefore call for a *within one subtype*
accuracy, and for scores per S/N bin.
"""

import re

import numpy as np
import pandas as pd
from sklearn.metrics import make_scorer
from sklearn.utils import check_consistent_length

from .utils import snr_bin_labels

__all__ = [
    "per_bin_scores",
    "subtype_to_number",
    "within_one_scorer",
    "within_one_subtype_accuracy",
]

# Numeric position of subtype 0 of each class on one continuous scale with M0 = 0.
# K has the eight subtypes K0-K7 (K7 directly precedes M0, as in Kesseli et al.
# 2017 and PyHammer); every other class has ten.
_CLASS_OFFSET = {"O": -58.0, "B": -48.0, "A": -38.0, "F": -28.0, "G": -18.0,
                 "K": -8.0, "M": 0.0, "L": 10.0, "T": 20.0, "Y": 30.0}
_N_SUBTYPES = {"K": 8.0}
# A class letter, optionally prefixed by "d"/"sd"/"esd" (dwarf, subdwarf), then
# the subtype number; a luminosity class or any note may follow ("M2V", "M1 (204445)").
_SPT = re.compile(r"^\s*(?:e?sd|d)?([OBAFGKMLTY])\s*(\d+(?:\.\d+)?)(?![\d.])")


def _parse_one(label):
    m = _SPT.match(str(label))
    if m is None:
        return None
    letter, sub = m.group(1), float(m.group(2))
    if sub >= _N_SUBTYPES.get(letter, 10.0):
        return None
    return _CLASS_OFFSET[letter] + sub


def subtype_to_number(labels):
    """Map spectral types to numbers on one scale with M0 = 0.

    ``"K7"`` maps to -1, ``"M0"`` to 0, ``"M4.5"`` to 4.5, ``"M9"`` to 9 and
    ``"L0"`` to 10, so that the difference of two numbers counts subtypes.
    K has the eight subtypes K0-K7 (K7 directly precedes M0, as in PyHammer);
    the other classes have ten (``"G9"`` is -9, one below ``"K0"`` = -8).

    Parameters
    ----------
    labels : str or array-like of str or numbers
        Spectral types such as ``"M2"``, ``"M2V"``, ``"dM2"``, ``"M4.5"`` or
        ``"M1 (204445)"`` (the BOSS pipeline's form). An array of numbers is
        taken to be on this scale already and returned as float.

    Returns
    -------
    numbers : float or ndarray of float
        A float for a single label, else an array of the input's shape.

    Raises
    ------
    ValueError
        If a label is not a spectral type (the offending labels are named).

    See Also
    --------
    within_one_subtype_accuracy : Accuracy up to one subtype.

    Examples
    --------
    >>> from skspec.metrics import subtype_to_number
    >>> subtype_to_number(["K7", "M0", "M4.5", "L0"])
    array([-1. ,  0. ,  4.5, 10. ])
    >>> subtype_to_number("M2V")
    2.0
    """
    scalar = isinstance(labels, (str, bytes)) or np.ndim(labels) == 0
    arr = np.asarray(labels, dtype=object if scalar else None)
    if arr.dtype.kind in "biuf":
        out = arr.astype(float)
        if not np.all(np.isfinite(out)):
            raise ValueError("numeric subtypes must be finite")
        return float(out) if scalar else out
    flat = arr.reshape(-1)
    values = [_parse_one(v) for v in flat]
    bad = [v for v, num in zip(flat, values) if num is None]
    if bad:
        shown = ", ".join(repr(b) for b in list(dict.fromkeys(bad))[:5])
        raise ValueError(
            f"cannot parse {len(bad)} label(s) as spectral types, e.g. {shown}; "
            "expected a class letter (OBAFGKMLTY) and a subtype such as 'M2' or 'M4.5'"
        )
    out = np.asarray(values, dtype=float).reshape(arr.shape)
    return float(out) if scalar else out


def within_one_subtype_accuracy(y_true, y_pred, *, tolerance=1.0, sample_weight=None):
    """Fraction of predictions within ``tolerance`` subtypes of the truth.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        Spectral types (``"M0"`` ...) or numbers on the scale of
        :func:`subtype_to_number`.
    tolerance : float, default=1.0
        Largest accepted ``|subtype(y_pred) - subtype(y_true)|``.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    score : float
        In [0, 1].

    Raises
    ------
    ValueError
        For unparseable labels, inputs of different lengths or empty input.

    See Also
    --------
    within_one_scorer : This metric as a scorer for ``GridSearchCV``.
    per_bin_scores : Exact and within-one accuracy per S/N bin.

    Examples
    --------
    >>> from skspec.metrics import within_one_subtype_accuracy
    >>> round(within_one_subtype_accuracy(["M0", "M2", "M4"], ["M1", "M2", "M2"]), 3)
    0.667
    """
    y_true = np.asarray(y_true).reshape(-1) if np.ndim(y_true) else np.asarray([y_true])
    y_pred = np.asarray(y_pred).reshape(-1) if np.ndim(y_pred) else np.asarray([y_pred])
    check_consistent_length(y_true, y_pred, sample_weight)
    if y_true.size == 0:
        raise ValueError("within_one_subtype_accuracy needs at least one sample")
    # A tiny slack so that 4.5 vs 3.5 counts as within one despite rounding.
    close = np.abs(subtype_to_number(y_pred) - subtype_to_number(y_true)) <= tolerance + 1e-9
    return float(np.average(close, weights=sample_weight))


#: :func:`within_one_subtype_accuracy` as a scorer (greater is better), e.g.
#: ``GridSearchCV(est, grid, scoring=within_one_scorer)`` or in a ``scoring`` dict.
within_one_scorer = make_scorer(within_one_subtype_accuracy)


def per_bin_scores(y_true, y_pred, bins, *, bin_order=None):
    """Exact and within-one-subtype accuracy in each S/N (or any other) bin.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        Spectral types or numbers on the scale of :func:`subtype_to_number`.
    bins : array-like of shape (n_samples,)
        Bin of each spectrum, e.g. the ``snr_bin`` column of a dataset's
        ``frame`` (``"5-10"``, ``"10-15"``, ``">15"``).
    bin_order : sequence, default=None
        Rows to report, in this order; bins listed but absent get ``n = 0`` and
        NaN scores, bins present but not listed are dropped. By default the
        present bins, in the order of :func:`skspec.utils.snr_bin_labels` when
        they are all S/N bin names, else sorted.

    Returns
    -------
    scores : pandas.DataFrame
        One row per bin with columns ``bin``, ``n``, ``accuracy`` (exact) and
        ``within_one``.

    See Also
    --------
    within_one_subtype_accuracy : The within-one score of one set.

    Examples
    --------
    >>> from skspec.metrics import per_bin_scores
    >>> per_bin_scores(["M0", "M1", "M3", "M4"], ["M0", "M2", "M3", "M1"],
    ...                [">15", "5-10", ">15", "5-10"])
        bin  n  accuracy  within_one
    0  5-10  2       0.0         0.5
    1   >15  2       1.0         1.0
    """
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    bins = np.asarray(bins).reshape(-1)
    check_consistent_length(y_true, y_pred, bins)
    num_true = subtype_to_number(y_true)
    num_pred = subtype_to_number(y_pred)
    # Compare numbers, so that "M2V" and "M2" (or "M2" and 2.0) count as equal.
    exact = num_pred == num_true
    close = np.abs(num_pred - num_true) <= 1.0 + 1e-9
    present = list(pd.unique(bins))
    if bin_order is None:
        known = snr_bin_labels()
        if all(b in known for b in present):
            bin_order = [b for b in known if b in present]
        else:
            bin_order = sorted(present)
    rows = []
    for b in bin_order:  # a handful of bins
        sel = bins == b
        n = int(sel.sum())
        rows.append({"bin": b, "n": n,
                     "accuracy": float(exact[sel].mean()) if n else np.nan,
                     "within_one": float(close[sel].mean()) if n else np.nan})
    return pd.DataFrame(rows, columns=["bin", "n", "accuracy", "within_one"])
