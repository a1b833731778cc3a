"""Spectral types: one scale, one parser, the paper's classes and S/N bins.

Every module that speaks of spectral types imports them from here: the
generator's type scale, the metrics' subtype arithmetic, the experiments'
classes and bins, the prediction flags.
"""

import re

import numpy as np
import pandas as pd

from ._snr import SNR_EDGES, snr_bin_labels

__all__ = [
    "PAPER_BINS",
    "PAPER_SUBTYPES",
    "SUBTYPE_NUMBER",
    "expected_subtype",
    "map_distinct",
    "normalise_subtypes",
    "subtype_to_number",
]

#: Numerical subtype of each spectral type the generator draws: K7 = -1,
#: M0 = 0, ..., M9 = 9 (the scale of :func:`subtype_to_number`).
SUBTYPE_NUMBER = {"K7": -1.0, **{f"M{i}": float(i) for i in range(10)}}

#: The EMCCNN paper's classes.
PAPER_SUBTYPES = ("M0", "M1", "M2", "M3", "M4")

#: The paper's S/N bins, named as :func:`skspec.utils.snr_bin_labels` names
#: them: ``("5-10", "10-15", ">15")``.
PAPER_BINS = tuple(snr_bin_labels(SNR_EDGES)[1:])

# Numeric position of subtype 0 of each class on one continuous scale with M0 = 0.
# K has the eight subtypes K0-K7 (K7 directly precedes M0, as in Kesseli et al.
# 2017 and PyHammer); every other class has ten.
_CLASS_OFFSET = {
    "O": -58.0,
    "B": -48.0,
    "A": -38.0,
    "F": -28.0,
    "G": -18.0,
    "K": -8.0,
    "M": 0.0,
    "L": 10.0,
    "T": 20.0,
    "Y": 30.0,
}
_N_SUBTYPES = {"K": 8.0}
# A class letter, optionally prefixed by "d"/"sd"/"esd" (dwarf, subdwarf), then
# the subtype number; a luminosity class or any note may follow ("M2V", "M1 (204445)").
_SPT = re.compile(r"^\s*(?:e?sd|d)?([OBAFGKMLTY])\s*(\d+(?:\.\d+)?)(?![\d.])")
# One of the paper's classes: "M2", "M2V", "dM2", "M1 (204445)"; not giants
# ("M1III") nor half types ("M2.5").
_PAPER_SUBTYPE = re.compile(r"^\s*(?:e?sd|d)?M\s*([0-4])(?:\.0+)?\s*V?(?![\w.])", re.IGNORECASE)


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
    skspec.metrics.within_one_subtype_accuracy : Accuracy up to one subtype.

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


def normalise_subtypes(labels):
    """Map labels onto the paper's classes: ``"M0"`` ... ``"M4"``, anything else None.

    ``"M2"``, ``"M2V"``, ``"dM2"`` and ``"M1 (204445)"`` (the BOSS form) are
    dwarfs of the paper's classes; giants (``"M1III"``), half types
    (``"M2.5"``), other subtypes (``"M6"``, ``"K7"``) and missing values
    are not.

    Parameters
    ----------
    labels : array-like
        Spectral types, e.g. the SDSS ``SUBCLASS``.

    Returns
    -------
    classes : ndarray of object of shape (n_labels,)
        ``"M0"`` ... ``"M4"`` or None.

    Examples
    --------
    >>> from skspec.utils._subtypes import normalise_subtypes
    >>> normalise_subtypes(["M2V", "dM3", "M1 (204445)", "M1III", "M2.5", None]).tolist()
    ['M2', 'M3', 'M1', None, None, None]
    """

    def parse(label):
        found = _PAPER_SUBTYPE.search(str(label))
        return None if found is None else "M" + found.group(1)

    return map_distinct(labels, parse, missing=None)


def map_distinct(values, func, missing):
    """``func`` of each distinct value, spread back to every position.

    A survey's text columns (CLASS, SUBCLASS) hold a few dozen distinct
    values over millions of rows: each is looked at once.

    Parameters
    ----------
    values : array-like of hashable
    func : callable
        Called once per distinct non-missing value.
    missing : object
        The result for a missing value (None, NaN, pandas.NA).

    Returns
    -------
    out : ndarray of object of shape (n_values,)
    """
    codes, distinct = pd.factorize(np.asarray(values, dtype=object).reshape(-1))
    # Missing values get code -1, which picks the trailing entry.
    return np.array([func(v) for v in distinct] + [missing], dtype=object)[codes]


def expected_subtype(proba, classes):
    """Continuous subtype from class probabilities: their mean and spread.

    With the classes on the numeric scale of :func:`subtype_to_number`
    (M0 = 0, ..., M4 = 4), the expected subtype of a spectrum is
    ``sum_k p_k s_k`` and its spread the standard deviation
    ``sqrt(sum_k p_k (s_k - mean)**2)`` of that distribution. A one-hot row
    gives the class's own number with spread 0; half M1 and half M2 gives 1.5
    with spread 0.5.

    Parameters
    ----------
    proba : array-like of shape (n_spectra, n_classes)
        Class probabilities, e.g. a classifier's ``predict_proba``; each row
        is non-negative and sums to 1 (within 1e-3; rows are renormalised).
    classes : array-like of shape (n_classes,)
        The spectral type of each column (a classifier's ``classes_``), such
        as ``"M0"`` ... ``"M4"``, or numbers already on that scale.

    Returns
    -------
    subtype : ndarray of shape (n_spectra,)
        Expected subtype, 0 for M0 ... 4 for M4.
    spread : ndarray of shape (n_spectra,)
        Standard deviation of the subtype under ``proba``: the model's own
        uncertainty, in subtypes. It is only as good as the probabilities'
        calibration, and it cannot exceed half the range of ``classes``.

    Raises
    ------
    ValueError
        If ``proba`` is not 2-D with one column per class, has negative or
        non-finite entries or rows that do not sum to 1, or a class is not a
        spectral type.

    See Also
    --------
    subtype_to_number : the numeric scale.
    skspec.preprocessing.index_subtype : a continuous subtype from the
        TiO5, CaH2 and CaH3 band indices instead of a model.

    Notes
    -----
    The mean treats subtypes as an interval scale and is confined to the
    range of the classes: a model of M0-M4 can say 4.0 for an M6 but no more.
    ``skspec predict`` writes it as the ``subtype`` and ``subtype_sd`` columns.

    Examples
    --------
    >>> from skspec.metrics import expected_subtype
    >>> subtype, spread = expected_subtype([[0, 1, 0], [0, 0.5, 0.5]], ["M0", "M1", "M2"])
    >>> subtype.tolist(), spread.tolist()
    ([1.0, 1.5], [0.0, 0.5])
    """
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2:
        raise ValueError(f"proba must be 2-D (n_spectra, n_classes), got shape {proba.shape}")
    numbers = np.asarray(subtype_to_number(np.asarray(classes).reshape(-1)), dtype=np.float64)
    if proba.shape[1] != numbers.size:
        raise ValueError(f"proba has {proba.shape[1]} columns but there are {numbers.size} classes")
    if not np.all(np.isfinite(proba)) or np.any(proba < 0):
        raise ValueError("proba must be finite and non-negative")
    total = proba.sum(axis=1)
    if np.any(np.abs(total - 1) > 1e-3):
        worst = float(total[np.argmax(np.abs(total - 1))])
        raise ValueError(f"every row of proba must sum to 1; one sums to {worst:.6g}")
    proba = proba / total[:, None]
    mean = proba @ numbers
    var = proba @ numbers**2 - mean**2
    # The one-pass variance can dip a rounding error below 0 for a one-hot row.
    spread = np.sqrt(np.clip(var, 0.0, None))
    return mean, spread
