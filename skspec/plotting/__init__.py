"""Figures to look at results: a spectrum over its template, the index diagram, accuracy by S/N, reliability.

matplotlib is imported only when a function draws, so that ``import skspec``
never needs it; a clear :class:`ImportError` says what to install when it is
missing. Every function draws into a given figure or axes (``fig=``,
``axes=`` or ``ax=``) or, without one, into a new pyplot figure.
"""

from ._diagrams import dwarf_sequence, plot_index_diagram, sequence_subtypes
from ._scores import (
    accuracy_by_snr,
    plot_accuracy_vs_snr,
    plot_reliability_diagram,
    reliability_curve,
    wilson_interval,
)
from ._spectrum import bundled_template_classifier, index_windows_vacuum, plot_spectrum

__all__ = [
    "accuracy_by_snr",
    "bundled_template_classifier",
    "dwarf_sequence",
    "index_windows_vacuum",
    "plot_accuracy_vs_snr",
    "plot_index_diagram",
    "plot_reliability_diagram",
    "plot_spectrum",
    "reliability_curve",
    "sequence_subtypes",
    "wilson_interval",
]
