"""The torch layer: skspec's networks as plain torch modules, and their losses.

Nothing here imports skorch or anything above :mod:`skspec.utils`: these
modules are for users who want the bare networks, and the floor on which the
scikit-learn estimators are built. The estimators wrapping them live in
:mod:`skspec.models` (classifiers) and :mod:`skspec.preprocessing`
(:class:`~skspec.preprocessing.SupervisedDenoiser`); the skorch base they
share is the private module ``skspec.nn._net``, with its weight-averaging
callback in ``skspec.nn._averaging``.
"""

from ._augment import SpectrumAugmenter
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
    "SpectrumAugmenter",
    "SpectrumNormalizer",
    "SupervisedDenoisingLoss",
    "layer",
    "mlp",
]
