"""Classifiers of spectra: networks, the SVM baseline, template matching, per-S/N-bin models.

:func:`load_pretrained` returns the model bundled with skspec, ready to predict.

The network classifiers are imported on first use, so that the classical
models (``make_svm_classifier``, ``TemplateClassifier``,
``SNRBinnedClassifier``) do not load torch and skorch.
"""

from ._binned import SNRBinnedClassifier
from ._pretrained import PRETRAINED_MODELS, load_pretrained, pretrained_path
from ._svm import make_svm_classifier
from ._template import TemplateClassifier

__all__ = [
    "CNNClassifier",
    "DNNClassifier",
    "EMCCNNClassifier",
    "ResNetClassifier",
    "SNRBinnedClassifier",
    "TemplateClassifier",
    "VGG16Classifier",
    "PRETRAINED_MODELS",
    "load_pretrained",
    "make_svm_classifier",
    "pretrained_path",
]

_BASELINES = frozenset({"CNNClassifier", "DNNClassifier", "ResNetClassifier", "VGG16Classifier"})


def __getattr__(name):
    # PEP 562: the torch-backed classifiers are loaded on first access.
    if name in _BASELINES:
        from . import _baselines

        value = getattr(_baselines, name)
    elif name == "EMCCNNClassifier":
        from ._emccnn import EMCCNNClassifier as value
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
