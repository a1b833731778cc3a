"""Torch modules of skspec's networks (no skorch here).

The scikit-learn estimators wrapping them live in :mod:`skspec.models`;
these modules are for users who want the bare networks.
"""

from ._blocks import ConvBNAct, MultiScaleBlock, ResidualBlock, SpectrumNormalizer, layer, mlp
from ._cnn import PlainCNN
from ._denoising import DenoisingAutoencoder
from ._dnn import DNN
from ._emccnn import EMCCNN
from ._losses import ClassificationLoss, SupervisedDenoisingLoss
from ._resnet import ResNet18
from ._vgg import VGG16

__all__ = [
                      "DNN",
                      "EMCCNN",
                      "VGG16",
                      "ClassificationLoss",
                      "ConvBNAct",
                      "DenoisingAutoencoder",
                      "MultiScaleBlock",
                      "PlainCNN",
                      "ResNet18",
                      "ResidualBlock",
                      "SpectrumNormalizer",
                      "SupervisedDenoisingLoss",
                      "layer",
                      "mlp",
]
