"""Classifiers of spectra: networks, the SVM baseline, template matching, per-S/N-bin models."""

from ._baselines import CNNClassifier, DNNClassifier, ResNetClassifier, VGG16Classifier
from ._binned import SNRBinnedClassifier
from ._emccnn import EMCCNNClassifier
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
    "make_svm_classifier",
]
