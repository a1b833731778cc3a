"""skspec: scikit-learn compatible neural-network classification of spectra.

Subpackages
-----------
datasets
    The synthetic M dwarf generator and the SDSS loaders.
nn
    The torch modules of the networks (no skorch, no scikit-learn).
preprocessing
    Transformers of the EMCCNN paper and of everyday spectroscopy.
models
    Network classifiers (EMCCNN and baselines), SVM, template and per-bin
    meta classifiers.
experiments
    The paper's experiments: ``reproduce`` and ``train``.
"""

from ._version import __version__

__all__ = ["__version__"]
