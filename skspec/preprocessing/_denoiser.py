"""SupervisedDenoiser: EMCCNN's denoising encoder as a stand-alone transformer."""

from numbers import Integral

import numpy as np
import torch
from sklearn.base import OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.metaestimators import available_if
from skorch import NeuralNet
from skorch.utils import to_numpy

from ..nn import DenoisingAutoencoder, SupervisedDenoisingLoss
from ..nn._net import (
    NET_ATTRIBUTES_DOC,
    NET_PARAMETERS_DOC,
    DenoisingTargetsMixin,
    SpectrumNetMixin,
)
from ..utils._docstring import fill_doc
from ..utils._sklearn_compat import Interval, StrOptions


def _never(self):
    return False


@fill_doc(net_parameters=NET_PARAMETERS_DOC, net_attributes=NET_ATTRIBUTES_DOC)
class SupervisedDenoiser(
    DenoisingTargetsMixin, OneToOneFeatureMixin, TransformerMixin, SpectrumNetMixin, NeuralNet
):
    """Denoise spectra with a convolutional autoencoder trained towards class templates.

    ``fit(X, y)`` trains the denoising encoder/decoder of
    :class:`~skspec.models.EMCCNNClassifier` (the same torch module) to map
    each training spectrum onto the clean target of its class;
    ``transform(X)`` returns the denoised spectra, same width and flux
    scale as ``X``, so the transformer can sit in front of an SVM or any
    other classifier.

    Parameters
    ----------
    code_channels : int, default=8
        Channels of the code (at a quarter of the input length).

    kernel_size : int, default=9
        Width of the encoder and decoder convolutions.

    normalization : {"median", "mean"} or None, default="median"
        Each spectrum is divided by the median (or mean) of its ``|flux|``
        before encoding, and the output multiplied back by it.

    {net_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels seen in fit.

    {net_attributes}

    denoising_targets_ : ndarray of shape (n_classes, `n_features_in_`)
        The training target of each class, in normalised flux units.

    See Also
    --------
    skspec.models.EMCCNNClassifier : Trains the same encoder jointly with a classifier.

    Notes
    -----
    **Training target.** The clean target of class ``c`` is the mean of the
    normalised training spectra of that class (validation split excluded),
    and the loss is the mean squared error between the reconstruction and
    the target of the spectrum's class. Averaging removes noise; it also
    removes within-class variation, so the output of an ambiguous spectrum
    is pulled towards a class prototype. A classifier fit on denoised
    *training* spectra therefore sees cleaner classes than it will at test
    time: fit the denoiser and the classifier inside one pipeline and judge
    it by cross-validation, never on the training spectra.

    For this transformer ``recipe`` only selects the optimizer and its
    learning rate: the loss is always the reconstruction MSE, and
    ``max_epochs`` defaults to 50.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.preprocessing import SupervisedDenoiser
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(1.0, 0.1, size=(40, 120))
    >>> y = np.repeat(["M0", "M1"], 20)
    >>> den = SupervisedDenoiser(max_epochs=3, validation_fraction=None, random_state=0)
    >>> den.fit_transform(X, y).shape
    (40, 120)
    """

    module = DenoisingAutoencoder
    predict_nonlinearity = None

    _parameter_constraints = {
        "code_channels": [Interval(Integral, 1, None, closed="left")],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "normalization": [StrOptions({"median", "mean"}), None],
    }

    def __init__(
        self,
        *,
        code_channels=8,
        kernel_size=9,
        normalization="median",
        recipe="default",
        lr=None,
        max_epochs=50,
        batch_size=64,
        validation_fraction=0.1,
        patience=10,
        callbacks=None,
        device="cpu",
        verbose=0,
        random_state=None,
        augment=False,
        weight_averaging=None,
        **kwargs,
    ):
        self.code_channels = code_channels
        self.kernel_size = kernel_size
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
            **kwargs,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def _module_params(self):
        return {
            "code_channels": self.code_channels,
            "kernel_size": self.kernel_size,
            "normalization": self.normalization,
        }

    def _build_criterion(self):
        return SupervisedDenoisingLoss(len(self.classes_), self.n_features_in_, classification=None)

    def _normalizer(self):
        return self.module_.normalizer

    def transform(self, X):
        """Denoised spectra.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels)

        Returns
        -------
        X_denoised : ndarray of shape (n_spectra, n_pixels)
            In the flux units of ``X``; float32 for float32 input, else float64.
        """
        dtype = np.float32 if getattr(X, "dtype", None) == np.float32 else np.float64
        X = self._validate_predict_X(X)
        recon = np.concatenate([to_numpy(out[0]) for out in self.forward_iter(X)])
        with torch.no_grad():
            scale = to_numpy(self.module_.normalizer.scale(torch.from_numpy(X)))
        return (recon * scale).astype(dtype, copy=False)

    # NeuralNet's raw-output methods make no sense for a transformer: hide them
    # (hasattr is False) so that scikit-learn treats this as a pure transformer.
    predict = available_if(_never)(NeuralNet.predict)
    predict_proba = available_if(_never)(NeuralNet.predict_proba)
