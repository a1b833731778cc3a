"""The EMCCNN paper's published results, stored as data.

Jiang B., Wei D., Liu J., Wang S., Cheng L., Wang Z., Qu M. (2020),
"Automated Classification of Massive Spectra Based on Enhanced Multi-Scale
Coded Convolutional Neural Network", Universe 6(4), 60,
doi:10.3390/universe6040060.

``PAPER_TABLES`` holds every accuracy of the paper's Tables 1-3 as printed
(fractions, one value per table, model, view, S/N bin and split), so that the
package needs nothing beside itself to show them. Two labels of the printed
tables are normalised: Table 2's first row, labelled "DNN" in the paper, is
the SVM (the table's caption and text compare "SVM and EMCCNN"), and the
paper's "MyCNN" is the plain CNN baseline, stored as "CNN".

The numbers are shown beside ours, never used as targets to tune to. The
paper's setup, from its text: SDSS DR14 M dwarfs M0-M4 in the S/N bins 5-10,
10-15 and >15; it gives no sample counts per class in its text, no
train/test split ratio and no epoch count, so its accuracies carry no stated
uncertainty.
"""

import pandas as pd

from ..utils._subtypes import PAPER_BINS

__all__ = ["PAPER", "PAPER_BINS", "PAPER_CLAIMS", "PAPER_TABLES", "paper_accuracy", "paper_results"]

PAPER = {
    "authors": "Jiang B., Wei D., Liu J., Wang S., Cheng L., Wang Z., Qu M.",
    "year": 2020,
    "title": (
        "Automated Classification of Massive Spectra Based on Enhanced "
        "Multi-Scale Coded Convolutional Neural Network"
    ),
    "journal": "Universe 6(4), 60",
    "doi": "10.3390/universe6040060",
    "url": "https://www.mdpi.com/2218-1997/6/4/60/htm",
    "data": "SDSS DR14 M dwarfs, M0-M4",
    "note": (
        "Paper values are the accuracies printed in the paper's Tables 1-3 (Table 2's "
        'first row, printed as "DNN", is the SVM; the paper\'s "MyCNN" is the CNN). '
        "The paper gives no sample sizes or train/test split, so its numbers carry no "
        "stated uncertainty."
    ),
}

# PAPER_BINS, the paper's S/N bins ("5-10", "10-15", ">15"), is defined with the
# paper's classes in skspec.utils._subtypes and re-exported here.

#: Qualitative findings stated in the paper's abstract, keyed for the verdict.
PAPER_CLAIMS = {
    "dnn_weak": "the fully connected neural network cannot extract enough features",
    "cnn_overfits": (
        "a CNN quickly achieves satisfactory results on the training set but tends to overfit"
    ),
    "snr_matters": "signal-to-noise ratios also have effects on the network",
    "emccnn_best": "the proposed EMCCNN addresses these problems (the paper's best model)",
    "two_d": "the paper tests whether spectra are easier to classify in 2D (folded) form",
}

#: Published accuracies, as fractions in [0, 1], exactly as printed in the
#: paper's Tables 1-3: ``{table: {model: {view: {split: {bin: accuracy}}}}}``,
#: with tables "table1".."table3", the paper's model names, views "1d" / "2d"
#: (2D: the spectrum folded into 50 x 100), splits "train" / "test" and the
#: S/N bins of ``PAPER_BINS``. A network that appears in two tables has the same
#: numbers in both (EMCCNN in Tables 1 and 2; CNN, VGG16 and ResNet 1D in
#: Tables 1 and 3).
PAPER_TABLES = {
    # Table 1: the five networks on the 1D spectra.
    "table1": {
        "DNN": {
            "1d": {
                "train": {"5-10": 0.88879, "10-15": 0.90502, ">15": 0.8998},
                "test": {"5-10": 0.88366, "10-15": 0.88456, ">15": 0.87043},
            },
        },
        "CNN": {  # "MyCNN" in the paper
            "1d": {
                "train": {"5-10": 0.9991, "10-15": 0.9967, ">15": 0.9942},
                "test": {"5-10": 0.5999, "10-15": 0.6001, ">15": 0.5221},
            },
        },
        "VGG16": {
            "1d": {
                "train": {"5-10": 0.99, "10-15": 0.9783, ">15": 0.9687},
                "test": {"5-10": 0.8905, "10-15": 0.9033, ">15": 0.6687},
            },
        },
        "ResNet": {
            "1d": {
                "train": {"5-10": 0.9923, "10-15": 0.9965, ">15": 0.999},
                "test": {"5-10": 0.8632, "10-15": 0.8584, ">15": 0.856},
            },
        },
        "EMCCNN": {
            "1d": {
                "train": {"5-10": 0.9914, "10-15": 0.9942, ">15": 0.9659},
                "test": {"5-10": 0.9217, "10-15": 0.9277, ">15": 0.8916},
            },
        },
    },
    # Table 2: SVM vs EMCCNN (the SVM row is labelled "DNN" in the printed table).
    "table2": {
        "SVM": {
            "1d": {
                "train": {"5-10": 1.0, "10-15": 1.0, ">15": 1.0},
                "test": {"5-10": 0.6802, "10-15": 0.7213, ">15": 0.741},
            },
        },
        "EMCCNN": {
            "1d": {
                "train": {"5-10": 0.9914, "10-15": 0.9942, ">15": 0.9659},
                "test": {"5-10": 0.9217, "10-15": 0.9277, ">15": 0.8916},
            },
        },
    },
    # Table 3: CNN, VGG16 and ResNet on the 1D spectra and on the folded 2D images.
    "table3": {
        "CNN": {
            "1d": {
                "train": {"5-10": 0.9991, "10-15": 0.9967, ">15": 0.9942},
                "test": {"5-10": 0.5999, "10-15": 0.6001, ">15": 0.5221},
            },
            "2d": {
                "train": {"5-10": 0.9971, "10-15": 0.9977, ">15": 0.998},
                "test": {"5-10": 0.8288, "10-15": 0.8271, ">15": 0.731},
            },
        },
        "VGG16": {
            "1d": {
                "train": {"5-10": 0.99, "10-15": 0.9783, ">15": 0.9687},
                "test": {"5-10": 0.8905, "10-15": 0.9033, ">15": 0.6687},
            },
            "2d": {
                "train": {"5-10": 0.9846, "10-15": 0.9722, ">15": 0.99},
                "test": {"5-10": 0.9103, "10-15": 0.932, ">15": 0.8504},
            },
        },
        "ResNet": {
            "1d": {
                "train": {"5-10": 0.9923, "10-15": 0.9965, ">15": 0.999},
                "test": {"5-10": 0.8632, "10-15": 0.8584, ">15": 0.856},
            },
            "2d": {
                "train": {"5-10": 0.9949, "10-15": 0.9977, ">15": 0.9938},
                "test": {"5-10": 0.8738, "10-15": 0.8801, ">15": 0.8132},
            },
        },
    },
}


def paper_accuracy(label, dim, b, split="test"):
    """The paper's accuracy of one model, view, S/N bin and split, or None.

    Looks the value up in whichever of the paper's tables has it (a network
    shown in two tables has the same numbers in both).

    Parameters
    ----------
    label : str
        The paper's model name ("EMCCNN", "SVM", "VGG16", ...).
    dim : {"1d", "2d"}
    b : str
        S/N bin ("5-10", "10-15", ">15").
    split : {"train", "test"}, default="test"

    Returns
    -------
    accuracy : float or None
        A fraction in [0, 1]; None where the paper reports no such value.

    Examples
    --------
    >>> from skspec.experiments import paper_accuracy
    >>> paper_accuracy("EMCCNN", "1d", "5-10")
    0.9217
    >>> paper_accuracy("DNN", "2d", "5-10") is None
    True
    """
    for table in PAPER_TABLES.values():
        value = table.get(label, {}).get(dim, {}).get(split, {}).get(b)
        if value is not None:
            return float(value)
    return None


def paper_results():
    """The paper's tables as one tidy DataFrame.

    Returns
    -------
    frame : pandas.DataFrame
        One row per value of ``PAPER_TABLES``: columns ``table`` ("table1",
        "table2", "table3"), ``label`` (the paper's model name, e.g.
        "VGG16"), ``dim`` ("1d"/"2d"), ``bin``, ``split`` ("train"/"test")
        and ``accuracy`` (a fraction in [0, 1]).

    Examples
    --------
    >>> from skspec.experiments import paper_results
    >>> frame = paper_results()
    >>> sorted(frame["table"].unique())
    ['table1', 'table2', 'table3']
    >>> row = frame.query("table == 'table2' and label == 'SVM' and split == 'test'")
    >>> row.set_index("bin")["accuracy"].to_dict()
    {'5-10': 0.6802, '10-15': 0.7213, '>15': 0.741}
    """
    rows = [
        (table, label, dim, b, split, float(acc))
        for table, models in PAPER_TABLES.items()
        for label, views in models.items()
        for dim, splits in views.items()
        for split, per_bin in splits.items()
        for b, acc in per_bin.items()
    ]
    return pd.DataFrame(rows, columns=["table", "label", "dim", "bin", "split", "accuracy"])
