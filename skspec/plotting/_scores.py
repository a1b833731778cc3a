"""Accuracy against continuous S/N, with binomial error bars."""

from numbers import Integral

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..metrics import _confidence_bins, _top_label_ece
from ..utils import SNR_EDGES
from ._base import axes_or_new

#: Spectra per S/N bin aimed at by ``bins="auto"``, and the most bins it makes.
AUTO_PER_BIN = 40
AUTO_MAX_BINS = 25


def wilson_interval(k, n, confidence=0.6827):
    """Wilson score interval of a binomial proportion.

    Parameters
    ----------
    k, n : array-like of int
        Successes and trials (``n > 0``).
    confidence : float, default=0.6827
        Coverage; the default is one Gaussian sigma.

    Returns
    -------
    lower, upper : ndarray
        Bounds in [0, 1]. Unlike ``p ± sqrt(p (1 - p) / n)`` the interval
        does not collapse to zero width at 0 or 100 % accuracy.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = norm.ppf(0.5 + confidence / 2.0)
    p = k / n
    denom = 1.0 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    # At 0 % and 100 % rounding can put a bound a few 1e-17 past p itself, which
    # gives a negative error bar (matplotlib refuses those): the interval holds p.
    lower = np.minimum(centre - half, p)
    upper = np.maximum(centre + half, p)
    return np.clip(lower, 0, 1), np.clip(upper, 0, 1)


def _accuracy_errorbar(ax, x, table, **kwargs):
    """Accuracy points of ``table`` at ``x`` with its Wilson interval as error bars."""
    acc = table["accuracy"].to_numpy()
    style = {"fmt": "o-", "ms": 4, "lw": 1, "capsize": 2, "elinewidth": 0.8}
    ax.errorbar(
        x,
        acc,
        yerr=[acc - table["lower"].to_numpy(), table["upper"].to_numpy() - acc],
        **{**style, **kwargs},
    )


def _edges(snr, bins):
    if isinstance(bins, str):
        if bins != "auto":
            raise ValueError(f"bins must be 'auto', an int or an array of edges, got {bins!r}")
        bins = int(np.clip(snr.size // AUTO_PER_BIN, 1, AUTO_MAX_BINS))
    if isinstance(bins, Integral):
        if bins < 1:
            raise ValueError(f"bins must be at least 1, got {bins}")
        # Equal-count bins: every point has about the same error bar.
        edges = np.unique(np.quantile(snr, np.linspace(0, 1, bins + 1)))
        return edges if edges.size > 1 else np.array([snr.min(), snr.max()])
    edges = np.asarray(bins, dtype=float)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("bin edges must be a strictly increasing 1-D array of 2 or more values")
    return edges


def accuracy_by_snr(y_true, y_pred, snr, *, bins="auto", confidence=0.6827):
    """Accuracy in fine S/N bins, with Wilson binomial intervals.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_spectra,)
        True and predicted types.
    snr : array-like of shape (n_spectra,)
        S/N of each spectrum; spectra with NaN S/N are left out.
    bins : "auto", int or array-like, default="auto"
        ``"auto"``: equal-count bins of about 40 spectra (at most 25 bins);
        an int: that many equal-count bins; an array: the bin edges
        (spectra outside them are left out).
    confidence : float, default=0.6827
        Coverage of the interval (one sigma by default).

    Returns
    -------
    table : pandas.DataFrame
        One row per non-empty bin: ``snr_lo``, ``snr_hi``, ``snr_median``,
        ``n``, ``n_correct``, ``accuracy``, ``lower``, ``upper``.

    Examples
    --------
    >>> from skspec.plotting import accuracy_by_snr
    >>> t = accuracy_by_snr(["M0"] * 4, ["M0", "M1", "M0", "M0"], [5, 6, 20, 30], bins=2)
    >>> t[["n", "accuracy"]].to_numpy().tolist()
    [[2.0, 0.5], [2.0, 1.0]]
    """
    y_true = np.asarray(y_true, dtype=object).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=object).reshape(-1)
    snr = np.asarray(snr, dtype=float).reshape(-1)
    if not (y_true.size == y_pred.size == snr.size):
        raise ValueError(
            f"y_true, y_pred and snr have different lengths: {y_true.size}, {y_pred.size}, "
            f"{snr.size}"
        )
    keep = np.isfinite(snr)
    y_true, y_pred, snr = y_true[keep], y_pred[keep], snr[keep]
    columns = ["snr_lo", "snr_hi", "snr_median", "n", "n_correct", "accuracy", "lower", "upper"]
    if snr.size == 0:
        return pd.DataFrame(columns=columns)
    edges = _edges(snr, bins)
    which = np.searchsorted(edges, snr, side="right") - 1
    which[snr == edges[-1]] = edges.size - 2  # the last edge closes the last bin
    inside = (which >= 0) & (which < edges.size - 1)
    correct = y_true == y_pred
    rows = []
    for b in np.unique(which[inside]):  # a loop over bins
        sel = inside & (which == b)
        n, k = int(sel.sum()), int(correct[sel].sum())
        lower, upper = wilson_interval(k, n, confidence)
        rows.append([edges[b], edges[b + 1], float(np.median(snr[sel])), n, k, k / n, lower, upper])
    return pd.DataFrame(rows, columns=columns).astype(float)


def plot_accuracy_vs_snr(
    y_true,
    y_pred,
    snr,
    *,
    bins="auto",
    confidence=0.6827,
    label=None,
    ax=None,
    snr_edges=SNR_EDGES,
    **errorbar_kwargs,
):
    """Plot accuracy against S/N in fine bins, with binomial error bars.

    Each point is one bin of :func:`accuracy_by_snr` at the median S/N of its
    spectra; vertical bars are the Wilson interval, horizontal bars the bin's
    extent. Call it once per model on the same ``ax`` to compare models.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_spectra,)
        True and predicted types.
    snr : array-like of shape (n_spectra,)
        S/N of each spectrum.
    bins : "auto", int or array-like, default="auto"
        As for :func:`accuracy_by_snr`; give the same edges to every model
        drawn on one axes.
    confidence : float, default=0.6827
        Coverage of the error bars (one sigma by default).
    label : str, default=None
        Legend entry.
    ax : matplotlib Axes, default=None
        Draw into it; a new figure when None.
    snr_edges : sequence of float, default=(5, 10, 15)
        S/N drawn as dotted vertical lines (the paper's bins); empty for none.
    **errorbar_kwargs
        Passed to :meth:`~matplotlib.axes.Axes.errorbar`.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skspec.plotting import plot_accuracy_vs_snr
    >>> rng = np.random.default_rng(0)
    >>> snr = rng.uniform(3, 40, 400)
    >>> right = rng.random(400) < snr / 40
    >>> ax = plot_accuracy_vs_snr(np.where(right, "M1", "M2"), ["M1"] * 400, snr)
    >>> ax.get_ylabel()
    'accuracy'
    """
    table = accuracy_by_snr(y_true, y_pred, snr, bins=bins, confidence=confidence)
    ax = axes_or_new(ax, "plot_accuracy_vs_snr", (7, 4.2))
    x = table["snr_median"].to_numpy()
    _accuracy_errorbar(
        ax,
        x,
        table,
        xerr=[x - table["snr_lo"].to_numpy(), table["snr_hi"].to_numpy() - x],
        label=label,
        gid="accuracy",
        **errorbar_kwargs,
    )
    if not getattr(ax, "_skspec_snr_edges", False):  # once per axes
        for edge in snr_edges:
            ax.axvline(edge, color="0.6", lw=0.8, ls=":", zorder=0)
        ax._skspec_snr_edges = True
    ax.set_xlabel("S/N")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.05)
    if label is not None:
        ax.legend(fontsize=8, loc="lower right")
    return ax


def reliability_curve(y_true, y_pred, confidence, *, n_bins=10, confidence_level=0.6827):
    """Accuracy against stated confidence: the table behind a reliability diagram.

    The spectra are put into ``n_bins`` equal-width bins of their confidence
    (the probability of the predicted class); a calibrated model's accuracy
    in each bin equals the bin's mean confidence.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_spectra,)
        True and predicted types.
    confidence : array-like of shape (n_spectra,)
        Probability of the predicted class, in [0, 1] (the row maximum of
        ``predict_proba``).
    n_bins : int, default=10
        Equal-width confidence bins over [0, 1]; empty bins are left out.
    confidence_level : float, default=0.6827
        Coverage of the accuracy's Wilson interval (one sigma).

    Returns
    -------
    table : pandas.DataFrame
        One row per non-empty bin: ``conf_lo``, ``conf_hi``,
        ``mean_confidence``, ``accuracy``, ``lower``, ``upper``, ``n``. The
        expected calibration error is ``sum(n * |accuracy -
        mean_confidence|) / sum(n)`` (as
        :func:`skspec.metrics.expected_calibration_error` with the same bins).
    """
    y_true = np.asarray(y_true, dtype=object)
    y_pred = np.asarray(y_pred, dtype=object)
    confidence = np.asarray(confidence, dtype=float)
    if not (y_true.shape == y_pred.shape == confidence.shape) or confidence.ndim != 1:
        raise ValueError("y_true, y_pred and confidence must be 1-D arrays of one length")
    if not np.all((confidence >= 0) & (confidence <= 1)):
        raise ValueError("confidence must lie in [0, 1] (probabilities; NaN is not allowed)")
    if not isinstance(n_bins, Integral) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    n, hits, conf = _confidence_bins(y_true == y_pred, confidence, n_bins)
    keep = n > 0
    lower, upper = wilson_interval(hits[keep], n[keep], confidence_level)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    return pd.DataFrame(
        {
            "conf_lo": edges[:-1][keep],
            "conf_hi": edges[1:][keep],
            "mean_confidence": conf[keep] / n[keep],
            "accuracy": hits[keep] / n[keep],
            "lower": lower,
            "upper": upper,
            "n": n[keep],
        }
    )


def plot_reliability_diagram(
    y_true, y_pred, confidence, *, n_bins=10, label=None, ax=None, **errorbar_kwargs
):
    """Plot accuracy against confidence, with the diagonal of perfect calibration.

    Points above the diagonal: the model is right more often than it says
    (under-confident); below: over-confident. The legend gives the expected
    calibration error. Call once per model on the same ``ax`` to compare.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_spectra,)
    confidence : array-like of shape (n_spectra,)
        Probability of the predicted class.
    n_bins : int, default=10
    label : str, default=None
        Legend entry (the ECE is appended).
    ax : matplotlib Axes, default=None
    **errorbar_kwargs
        Passed to :meth:`~matplotlib.axes.Axes.errorbar`.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skspec.plotting import plot_reliability_diagram
    >>> rng = np.random.default_rng(0)
    >>> conf = rng.uniform(0.3, 1.0, 500)
    >>> y_pred = np.where(rng.random(500) < conf, "M1", "M2")
    >>> ax = plot_reliability_diagram(y_pred, ["M1"] * 500, conf, label="calibrated")
    >>> ax.get_xlabel()
    'confidence (probability of the predicted type)'
    """
    table = reliability_curve(y_true, y_pred, confidence, n_bins=n_bins)
    ax = axes_or_new(ax, "plot_reliability_diagram", (5, 5))
    ece = _top_label_ece(
        np.asarray(y_true, dtype=object) == np.asarray(y_pred, dtype=object),
        np.asarray(confidence, dtype=float),
        n_bins=n_bins,
    )
    _accuracy_errorbar(
        ax,
        table["mean_confidence"].to_numpy(),
        table,
        label=f"{label + ': ' if label else ''}ECE {ece:.3f}",
        gid="reliability",
        **errorbar_kwargs,
    )
    if not getattr(ax, "_skspec_diagonal", False):
        ax.plot([0, 1], [0, 1], color="0.6", lw=0.8, ls="--", zorder=0)
        ax._skspec_diagonal = True
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("confidence (probability of the predicted type)")
    ax.set_ylabel("accuracy")
    ax.legend(fontsize=8, loc="upper left")
    return ax
