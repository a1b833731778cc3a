"""The EMCCNN paper's published results, stored as data.

Jiang B., Wei D., Liu J., Wang S., Cheng L., Wang Z., Qu M. (2020),
"Automated Classification of Massive Spectra Based on Enhanced Multi-Scale
Coded Convolutional Neural Network", Universe 6(4), 60,
doi:10.3390/universe6040060.

Every number here must come from the article. Where a value could not be
retrieved from the stored copy of the article available while this module
was written (only its first page, title and abstract, could be read; the
tables could not), it is ``None`` and is shown as "n/a" (not available) in
the reports: nothing is estimated or invented. Filling a value in is a
one-line change in ``PAPER_TABLES`` below; the tables, the verdict and the
tests pick it up.
"""

import pandas as pd

from ..utils._subtypes import PAPER_BINS

__all__ = ["PAPER", "PAPER_BINS", "PAPER_CLAIMS", "PAPER_TABLES", "paper_results"]

PAPER = {
    "authors": "Jiang B., Wei D., Liu J., Wang S., Cheng L., Wang Z., Qu M.",
    "year": 2020,
    "title": ("Automated Classification of Massive Spectra Based on Enhanced "
              "Multi-Scale Coded Convolutional Neural Network"),
    "journal": "Universe 6(4), 60",
    "doi": "10.3390/universe6040060",
    "url": "https://www.mdpi.com/2218-1997/6/4/60/htm",
    "availability": (
        "The paper's table values were not available to us (only the article's first "
        "page and abstract could be retrieved); they are shown as n/a. The abstract's "
        "qualitative claims are checked against our numbers instead."),
}

# PAPER_BINS, the paper's S/N bins ("5-10", "10-15", ">15"), is defined with the
# paper's classes in skspec.utils._subtypes and re-exported here.

#: Qualitative findings stated in the paper's abstract, keyed for the verdict.
PAPER_CLAIMS = {
    "dnn_weak": "the fully connected neural network cannot extract enough features",
    "cnn_overfits": ("a CNN quickly achieves satisfactory results on the training set "
                     "but tends to overfit"),
    "snr_matters": "signal-to-noise ratios also have effects on the network",
    "emccnn_best": "the proposed EMCCNN addresses these problems (the paper's best model)",
    "two_d": "the paper tests whether spectra are easier to classify in 2D (folded) form",
}

_NA = None  # a published value that could not be retrieved: never filled by guesswork


def _per_bin(value=_NA):
    return {b: value for b in PAPER_BINS}


#: Published accuracies, as fractions in [0, 1] (``None``: not available).
#: table1: {model: {split: {bin: acc}}}; table2: {model: {bin: test acc}};
#: table3: {model: {dim: {bin: test acc}}}.
PAPER_TABLES = {
    "table1": {m: {"train": _per_bin(), "test": _per_bin()}
               for m in ("DNN", "CNN", "VGG16", "ResNet", "EMCCNN")},
    "table2": {m: _per_bin() for m in ("SVM", "EMCCNN")},
    "table3": {m: {"1d": _per_bin(), "2d": _per_bin()} for m in ("CNN", "VGG16", "ResNet")},
}


def paper_results():
    """The paper's tables as one tidy DataFrame.

    Returns
    -------
    frame : pandas.DataFrame
        Columns ``table`` ("table1", "table2", "table3"), ``label`` (the
        paper's model name, e.g. "VGG16"), ``dim`` ("1d"/"2d", or ``None``
        where the table does not say), ``bin``, ``split`` ("train"/"test") and
        ``accuracy`` (float, NaN where the value is not available).

    Examples
    --------
    >>> from skspec.experiments import paper_results
    >>> sorted(paper_results()["table"].unique())
    ['table1', 'table2', 'table3']
    """
    rows = []
    for label, splits in PAPER_TABLES["table1"].items():
        for split, per_bin in splits.items():
            rows += [("table1", label, None, b, split, v) for b, v in per_bin.items()]
    for label, per_bin in PAPER_TABLES["table2"].items():
        rows += [("table2", label, None, b, "test", v) for b, v in per_bin.items()]
    for label, dims in PAPER_TABLES["table3"].items():
        for dim, per_bin in dims.items():
            rows += [("table3", label, dim, b, "test", v) for b, v in per_bin.items()]
    frame = pd.DataFrame(rows, columns=["table", "label", "dim", "bin", "split", "accuracy"])
    frame["accuracy"] = pd.to_numeric(frame["accuracy"], errors="coerce").astype(float)
    return frame
