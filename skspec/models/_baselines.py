"""The paper's baseline networks as estimators: DNN, plain CNN, VGG-16, ResNet-18."""

from numbers import Integral, Real

from ..nn import DNN, VGG16, PlainCNN, ResNet18
from ..nn._net import (
    CLASSIFIER_ATTRIBUTES_DOC,
    CLASSIFIER_PARAMETERS_DOC,
    SpectrumNetClassifier,
    check_positive_ints,
)
from ..utils._docstring import fill_doc
from ..utils._sklearn_compat import Interval, StrOptions

_POSITIVE_INT = [Interval(Integral, 1, None, closed="left")]
_FRACTION = [Interval(Real, 0, 1, closed="left")]
_NORMALIZATION = [StrOptions({"median", "mean", "median+standard", "median+center"}), None]
_WIDTH = [Interval(Real, 0, None, closed="neither")]

_NORMALIZATION_DOC = """normalization : {"median", "mean", "median+standard", "median+center"} or None, default="median"
        Each spectrum is divided by the median (or mean) of its ``|flux|``
        inside the network, so predictions do not depend on the flux scale.
        ``"median+standard"`` then standardises each pixel with the mean and
        standard deviation of the median-normalised training spectra (the
        SVM's input); ``"median+center"`` subtracts the same per-pixel mean
        but divides every pixel by one scale (the median of the per-pixel
        standard deviations), keeping the pixels' relative weights. Both are
        fitted on the training part of the first fit and saved with the
        module (see :class:`~skspec.nn.SpectrumNormalizer`)."""

_FOLDED_DOC = """Input may be 1-D spectra ``(n, L)``, which builds ``Conv1d`` layers, or
    spectra folded to ``(n, H, W)`` by :class:`~skspec.preprocessing.Folder2D`,
    which builds ``Conv2d`` layers (the paper's Table 3 compares both)."""

_FILL = {
    "net_parameters": CLASSIFIER_PARAMETERS_DOC,
    "net_attributes": CLASSIFIER_ATTRIBUTES_DOC,
    "normalization": _NORMALIZATION_DOC,
    "folded": _FOLDED_DOC,
}


@fill_doc(**_FILL)
class DNNClassifier(SpectrumNetClassifier):
    """Fully connected network on the whole spectrum (four hidden layers).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(512, 256, 128, 64)
        Width of the hidden layers.

    dropout : float, default=0.2
        Dropout between the dense layers.

    {normalization}

    {net_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)

    {net_attributes}

    See Also
    --------
    EMCCNNClassifier : The paper's network.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.models import DNNClassifier
    >>> X = np.random.default_rng(0).normal(1, 0.1, size=(30, 50))
    >>> y = np.repeat(["M0", "M1", "M2"], 10)
    >>> DNNClassifier(max_epochs=2, validation_fraction=None, random_state=0).fit(X, y).predict(X).shape
    (30,)
    """

    module = DNN
    _parameter_constraints = {
        "hidden_layer_sizes": [tuple, list],
        "dropout": _FRACTION,
        "normalization": _NORMALIZATION,
    }

    def __init__(
        self,
        *,
        hidden_layer_sizes=(512, 256, 128, 64),
        dropout=0.2,
        normalization="median",
        recipe="default",
        lr=None,
        max_epochs=100,
        batch_size=64,
        validation_fraction=0.1,
        patience=10,
        callbacks=None,
        device="cpu",
        verbose=0,
        random_state=None,
        augment=False,
        weight_averaging=None,
        calibrate=True,
        label_smoothing=0.0,
        ordinal_width=0.0,
        label_noise=0.28,
        **kwargs,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.normalization = normalization
        super().__init__(
            recipe=recipe,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            validation_fraction=validation_fraction,
            patience=patience,
            callbacks=callbacks,
            device=device,
            verbose=verbose,
            random_state=random_state,
            augment=augment,
            weight_averaging=weight_averaging,
            calibrate=calibrate,
            label_smoothing=label_smoothing,
            ordinal_width=ordinal_width,
            label_noise=label_noise,
            **kwargs,
        )

    def _check_params(self):
        super()._check_params()
        check_positive_ints("hidden_layer_sizes", self.hidden_layer_sizes)

    def _module_params(self):
        return {
            "n_features": self.n_features_in_,
            "n_classes": len(self.classes_),
            "hidden_layer_sizes": tuple(self.hidden_layer_sizes),
            "dropout": self.dropout,
            "normalization": self.normalization,
        }


@fill_doc(**_FILL)
class CNNClassifier(SpectrumNetClassifier):
    """The paper's plain CNN: convolution blocks, then dense layers.

    Each block is a convolution, batch normalisation, ReLU and 2x max
    pooling; the flattened features go through one hidden dense layer.
    {folded}

    Parameters
    ----------
    channels : tuple of int, default=(16, 32, 64)
        Output channels of each convolution block (one block per entry).

    kernel_size : int, default=5
        Convolution width (``kernel_size x kernel_size`` in 2D).

    hidden_units : int, default=128
        Width of the hidden dense layer.

    dropout : float, default=0.3

    {normalization}

    {net_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)

    {net_attributes}

    See Also
    --------
    EMCCNNClassifier : The paper's network.
    skspec.preprocessing.Folder2D : Folds spectra to 2-D for the 2-D variant.
    """

    module = PlainCNN
    _accepts_folded = True
    _parameter_constraints = {
        "channels": [tuple, list],
        "kernel_size": _POSITIVE_INT,
        "hidden_units": _POSITIVE_INT,
        "dropout": _FRACTION,
        "normalization": _NORMALIZATION,
    }

    def __init__(
        self,
        *,
        channels=(16, 32, 64),
        kernel_size=5,
        hidden_units=128,
        dropout=0.3,
        normalization="median",
        recipe="default",
        lr=None,
        max_epochs=100,
        batch_size=64,
        validation_fraction=0.1,
        patience=10,
        callbacks=None,
        device="cpu",
        verbose=0,
        random_state=None,
        augment=False,
        weight_averaging=None,
        calibrate=True,
        label_smoothing=0.0,
        ordinal_width=0.0,
        label_noise=0.28,
        **kwargs,
    ):
        self.channels = channels
        self.kernel_size = kernel_size
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.normalization = normalization
        super().__init__(
            recipe=recipe,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            validation_fraction=validation_fraction,
            patience=patience,
            callbacks=callbacks,
            device=device,
            verbose=verbose,
            random_state=random_state,
            augment=augment,
            weight_averaging=weight_averaging,
            calibrate=calibrate,
            label_smoothing=label_smoothing,
            ordinal_width=ordinal_width,
            label_noise=label_noise,
            **kwargs,
        )

    def _check_params(self):
        super()._check_params()
        check_positive_ints("channels", self.channels)

    def _module_params(self):
        return {
            "in_shape": self.input_shape_,
            "n_classes": len(self.classes_),
            "channels": tuple(self.channels),
            "kernel_size": self.kernel_size,
            "hidden_units": self.hidden_units,
            "dropout": self.dropout,
            "normalization": self.normalization,
        }


@fill_doc(**_FILL)
class VGG16Classifier(SpectrumNetClassifier):
    """VGG-16 (13 convolutions in 5 pooled stages, 3 dense layers) for spectra.

    {folded}

    Parameters
    ----------
    width : float, default=0.125
        Multiplier of the channels (64 ... 512) and dense widths (4096).
        The default (8 ... 64 channels, 512 dense units) trains on a CPU;
        ``width=1.0, batch_norm=False`` is the original, paper-size VGG-16
        (about 64 times the compute; use a GPU).

    dropout : float, default=0.5
        Dropout between the dense layers.

    batch_norm : bool, default=True
        Batch normalisation after each convolution (VGG-16-BN), which makes
        the deep stack train reliably from scratch.

    {normalization}

    {net_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)

    {net_attributes}

    See Also
    --------
    ResNetClassifier, CNNClassifier, EMCCNNClassifier
    """

    module = VGG16
    _accepts_folded = True
    _parameter_constraints = {
        "width": _WIDTH,
        "dropout": _FRACTION,
        "batch_norm": ["boolean"],
        "normalization": _NORMALIZATION,
    }

    def __init__(
        self,
        *,
        width=0.125,
        dropout=0.5,
        batch_norm=True,
        normalization="median",
        recipe="default",
        lr=None,
        max_epochs=100,
        batch_size=64,
        validation_fraction=0.1,
        patience=10,
        callbacks=None,
        device="cpu",
        verbose=0,
        random_state=None,
        augment=False,
        weight_averaging=None,
        calibrate=True,
        label_smoothing=0.0,
        ordinal_width=0.0,
        label_noise=0.28,
        **kwargs,
    ):
        self.width = width
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.normalization = normalization
        super().__init__(
            recipe=recipe,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            validation_fraction=validation_fraction,
            patience=patience,
            callbacks=callbacks,
            device=device,
            verbose=verbose,
            random_state=random_state,
            augment=augment,
            weight_averaging=weight_averaging,
            calibrate=calibrate,
            label_smoothing=label_smoothing,
            ordinal_width=ordinal_width,
            label_noise=label_noise,
            **kwargs,
        )

    def _module_params(self):
        return {
            "in_shape": self.input_shape_,
            "n_classes": len(self.classes_),
            "width": self.width,
            "dropout": self.dropout,
            "batch_norm": self.batch_norm,
            "normalization": self.normalization,
        }


@fill_doc(**_FILL)
class ResNetClassifier(SpectrumNetClassifier):
    """ResNet-18 (strided stem, 4 stages of 2 residual blocks, global pooling).

    {folded}

    Parameters
    ----------
    width : float, default=0.25
        Multiplier of the stage channels (64, 128, 256, 512). The default
        (16 ... 128 channels) trains on a CPU; ``width=1.0`` is the original,
        paper-size ResNet-18 (about 16 times the compute).

    {normalization}

    {net_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)

    {net_attributes}

    See Also
    --------
    VGG16Classifier, CNNClassifier, EMCCNNClassifier
    """

    module = ResNet18
    _accepts_folded = True
    _parameter_constraints = {"width": _WIDTH, "normalization": _NORMALIZATION}

    def __init__(
        self,
        *,
        width=0.25,
        normalization="median",
        recipe="default",
        lr=None,
        max_epochs=100,
        batch_size=64,
        validation_fraction=0.1,
        patience=10,
        callbacks=None,
        device="cpu",
        verbose=0,
        random_state=None,
        augment=False,
        weight_averaging=None,
        calibrate=True,
        label_smoothing=0.0,
        ordinal_width=0.0,
        label_noise=0.28,
        **kwargs,
    ):
        self.width = width
        self.normalization = normalization
        super().__init__(
            recipe=recipe,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            validation_fraction=validation_fraction,
            patience=patience,
            callbacks=callbacks,
            device=device,
            verbose=verbose,
            random_state=random_state,
            augment=augment,
            weight_averaging=weight_averaging,
            calibrate=calibrate,
            label_smoothing=label_smoothing,
            ordinal_width=ordinal_width,
            label_noise=label_noise,
            **kwargs,
        )

    def _module_params(self):
        return {
            "in_shape": self.input_shape_,
            "n_classes": len(self.classes_),
            "width": self.width,
            "normalization": self.normalization,
        }
