"""Deprecated alias of :mod:`skspec.nn` (the torch modules moved there in 0.2.0).

Kept for one release so that ``from skspec.models.nn import EMCCNN`` and
model files pickled by skspec 0.1 (which name ``skspec.models.nn._emccnn``
and the other submodules) still load; it will be removed in 0.3.
"""

import importlib
import sys
import warnings

from ...nn import (
    DNN,
    EMCCNN,
    VGG16,
    ClassificationLoss,
    ConvBNAct,
    DenoisingAutoencoder,
    MultiScaleBlock,
    PlainCNN,
    ResidualBlock,
    ResNet18,
    SpectrumNormalizer,
    SupervisedDenoisingLoss,
    layer,
    mlp,
)

warnings.warn(
    "skspec.models.nn is deprecated since skspec 0.2.0 and will be removed in 0.3; "
    "import the torch modules from skspec.nn",
    DeprecationWarning,
    stacklevel=2,
)

# The old submodules (skspec.models.nn._blocks, ...) are the new ones, so that
# pickles naming them resolve to the same classes.
for _name in ("_blocks", "_cnn", "_denoising", "_dnn", "_emccnn", "_losses", "_resnet", "_vgg"):
    _module = importlib.import_module(f"skspec.nn.{_name}")
    sys.modules[f"{__name__}.{_name}"] = _module
    setattr(sys.modules[__name__], _name, _module)
del _name, _module

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
