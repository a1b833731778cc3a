"""Scores for spectral classification: subtype arithmetic and per-S/N-bin tables.

Spectral types are ordinal: calling an M2 an M3 is a smaller error than calling
it an M0, and labels from different sources (by-eye typing, the SDSS pipeline,
PyHammer) commonly disagree by one subtype. Besides the exact accuracy the
EMCCNN paper and the reference data therefore call for a *within one subtype*
accuracy, and for scores per S/N bin.
"""

import numpy as np
import pandas as pd
from sklearn.metrics import make_scorer
from sklearn.utils import check_consistent_length

from .utils import snr_bin_labels
from .utils._subtypes import expected_subtype, subtype_to_number

__all__ = [
    "expected_calibration_error",
    "expected_subtype",
    "per_bin_scores",
    "subtype_to_number",
    "within_one_scorer",
    "within_one_subtype_accuracy",
]


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
        rows.append(
            {
                "bin": b,
                "n": n,
                "accuracy": float(exact[sel].mean()) if n else np.nan,
                "within_one": float(close[sel].mean()) if n else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=["bin", "n", "accuracy", "within_one"])


def expected_calibration_error(y_true, proba, *, classes=None, n_bins=15):
    """Top-label expected calibration error of class probabilities.

    The spectra are put into ``n_bins`` equal-width bins of their highest
    probability (the confidence); the error is the mean over bins of
    ``|accuracy - mean confidence|``, weighted by the bin's share of the
    spectra (Guo et al. 2017, "On calibration of modern neural networks").
    0 is perfectly calibrated; a model that says 0.9 and is right 80 % of the
    time contributes 0.1.

    Parameters
    ----------
    y_true : array-like of shape (n_spectra,)
        True labels.
    proba : array-like of shape (n_spectra, n_classes)
        Probabilities, e.g. ``predict_proba``; rows sum to 1.
    classes : array-like of shape (n_classes,), default=None
        The label of each column (a fitted classifier's ``classes_``); None
        takes the sorted unique labels of ``y_true``, which must then number
        ``n_classes``.
    n_bins : int, default=15
        Number of confidence bins over [0, 1].

    Returns
    -------
    ece : float

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.metrics import expected_calibration_error
    >>> proba = np.array([[0.9, 0.1], [0.9, 0.1], [0.2, 0.8], [0.2, 0.8]])
    >>> float(expected_calibration_error(["M0", "M1", "M1", "M1"], proba))
    0.3
    """
    proba = np.asarray(proba, dtype=float)
    y_true = np.asarray(y_true)
    if proba.ndim != 2:
        raise ValueError(f"proba must be 2-D (n_spectra, n_classes), got shape {proba.shape}")
    check_consistent_length(y_true, proba)
    if not np.all(np.isfinite(proba)):
        raise ValueError("proba contains NaN or infinite values")
    classes = np.unique(y_true) if classes is None else np.asarray(classes)
    if len(classes) != proba.shape[1]:
        raise ValueError(
            f"proba has {proba.shape[1]} columns but there are {len(classes)} classes; "
            "pass classes= (e.g. the classifier's classes_)"
        )
    if not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    correct = classes[proba.argmax(axis=1)] == y_true
    return _top_label_ece(correct, proba.max(axis=1), n_bins=n_bins)


def _confidence_bins(correct, confidence, n_bins):
    """Counts, hits and summed confidence per equal-width confidence bin over [0, 1].

    The binning shared by :func:`expected_calibration_error` and
    :func:`skspec.plotting.reliability_curve`; inputs are validated there.
    """
    idx = np.minimum((np.asarray(confidence) * n_bins).astype(int), n_bins - 1)
    n = np.bincount(idx, minlength=n_bins)
    hits = np.bincount(idx, weights=np.asarray(correct, dtype=float), minlength=n_bins)
    conf = np.bincount(idx, weights=confidence, minlength=n_bins)
    return n, hits, conf


def _top_label_ece(correct, confidence, *, n_bins=15):
    """Expected calibration error from whether each prediction was right and its confidence.

    ``sum over bins |hits - summed confidence| / n``, the definition of
    :func:`expected_calibration_error`, for callers that hold only the
    predicted class's probability (e.g. stored test predictions).
    """
    _, hits, conf = _confidence_bins(correct, confidence, n_bins)
    return float(np.abs(hits - conf).sum() / len(confidence))
