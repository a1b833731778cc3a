"""EMCCNNClassifier: the paper's Enhanced Multi-scale Coded CNN as an estimator."""

from numbers import Integral, Real

from ..nn import EMCCNN, SupervisedDenoisingLoss
from ..nn._net import (
    CLASSIFIER_ATTRIBUTES_DOC,
    CLASSIFIER_PARAMETERS_DOC,
    DenoisingTargetsMixin,
    SpectrumNetClassifier,
    check_positive_ints,
)
from ..utils._docstring import fill_doc
from ..utils._sklearn_compat import Interval, StrOptions

# EMCCNN trains with the reddening preset (calibration curves, lost ends and
# a colour excess, measured on the real-data check: BENCHMARKS.md "Real
# spectra", "Partial wavelength coverage" and "Robustness to the observing
# conditions") and label smoothing 0.1 (BENCHMARKS.md "Label
# smoothing on top of centring") by default; the baselines use neither.
_EMCCNN_PARAMETERS_DOC = CLASSIFIER_PARAMETERS_DOC.replace(
    'augment : bool, "calibration", "coverage", "reddening" or SpectrumAugmenter, default=False',
    'augment : bool, "calibration", "coverage", "reddening" or SpectrumAugmenter, '
    'default="reddening"',
).replace(
    "label_smoothing : float in [0, 1), default=0.0",
    "label_smoothing : float in [0, 1), default=0.1",
)
assert _EMCCNN_PARAMETERS_DOC.count("default=") == CLASSIFIER_PARAMETERS_DOC.count("default=")
assert 'default="reddening"' in _EMCCNN_PARAMETERS_DOC
assert "label_smoothing : float in [0, 1), default=0.1" in _EMCCNN_PARAMETERS_DOC


@fill_doc(net_parameters=_EMCCNN_PARAMETERS_DOC, net_attributes=CLASSIFIER_ATTRIBUTES_DOC)
class EMCCNNClassifier(DenoisingTargetsMixin, SpectrumNetClassifier):
    """Enhanced Multi-scale Coded CNN classifier of 1-D spectra.

    A supervised denoising encoder codes each (flux-normalised) spectrum;
    parallel convolution branches at several kernel scales read the code,
    and their pooled features are concatenated and weighted by fully
    connected layers. The network is deliberately shallow, as the paper
    argues.

    Parameters
    ----------
    kernel_sizes : tuple of int, default=(3, 7, 15, 31)
        Kernel size of each multi-scale branch, in code pixels (one code
        pixel spans 4 input pixels, so 31 covers about 124 SDSS pixels).
        A plain parameter: ``GridSearchCV(pipe, {"emccnn__kernel_sizes":
        [(3, 7), (3, 7, 15, 31)]})`` works.

    code_channels : int, default=8
        Channels of the denoising code.

    branch_channels : int, default=12
        Channels of each multi-scale branch.

    pool_size : int, default=32
        Each branch is average-pooled to this many positions along the
        wavelength axis, keeping coarse positions for the dense layers.

    hidden_units : int, default=128
        Width of the hidden fully connected layer.

    dropout : float, default=0.3
        Dropout before the dense layers.

    denoising_weight : float, default=1.0
        Weight ``lambda`` of the reconstruction term of the loss; 0 trains a
        plain multi-scale CNN (the encoder is then trained by the
        classification loss only).

    normalization : str or None, default="median+center"
        ``"median+center"``, ``"median"``, ``"mean"``, ``"median+standard"``
        or None (no normalisation).
        Each spectrum is divided by the median (or mean) of its ``|flux|``
        inside the network, so predictions do not depend on the flux scale.
        ``"median+center"`` (the default) then subtracts the per-pixel mean
        of the median-normalised training spectra and divides every pixel by
        one scale (the median of the per-pixel standard deviations): the
        shape all M dwarfs share is removed and the pixels keep their
        relative weights. ``"median+standard"`` divides each pixel by its own
        standard deviation instead (the SVM's input). Both are fitted on the
        training part of the first fit and saved with the module (see
        :class:`~skspec.nn.SpectrumNormalizer`); the denoising targets are
        then class means in that space. Measured (BENCHMARKS.md, 3 seeds):
        centring lifts the accuracy study by 1.3-5.4 points over
        ``"median"`` (which underfits) and types the held-out real library as
        well; per-pixel standardisation types it worse.

    {net_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels seen in fit, sorted.

    {net_attributes}

    denoising_targets_ : ndarray of shape (n_classes, `n_features_in_`)
        Clean target of each class (see Notes).

    See Also
    --------
    skspec.preprocessing.SupervisedDenoiser : The same encoder as a transformer.
    CNNClassifier : The paper's plain CNN baseline.

    Notes
    -----
    **Supervised denoising.** The encoder is trained jointly with the
    classifier: ``loss = classification + denoising_weight * MSE(decoder
    output, T[y])``, where ``T[c]`` is the mean of the normalised training
    spectra of class ``c``, computed in ``fit`` from the training labels
    (validation split excluded). Class means are the cleanest spectra the
    labels alone define (noise falls as 1/sqrt(n) with n spectra per class),
    need no external template library, and drive the code to keep what
    separates the classes while discarding noise and within-class nuisance
    (radial velocity, metallicity, calibration wobble). The decoder is
    only needed for this loss: prediction skips it, and the validation loss
    that drives early stopping is the classification loss alone.

    **Cost.** With the defaults, a 3522-pixel spectrum costs about 3 million
    multiply-adds at inference (the decoder, run only in training, adds 0.4
    million): the encoder folds 4 pixels into channels before its first
    convolution and the branches run at stride 2 on the code. See
    ``benchmarks/bench_models.py`` for measured speeds.

    Examples
    --------
    >>> import numpy as np
    >>> from skspec.models import EMCCNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(1.0, 0.1, size=(40, 200))
    >>> X[20:, 50:60] -= 0.5
    >>> y = np.array(["M0"] * 20 + ["M3"] * 20)
    >>> clf = EMCCNNClassifier(max_epochs=5, validation_fraction=None,
    ...                        random_state=0).fit(X, y)
    >>> clf.classes_.tolist()
    ['M0', 'M3']
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    module = EMCCNN

    _parameter_constraints = {
        "kernel_sizes": [tuple, list],
        "code_channels": [Interval(Integral, 1, None, closed="left")],
        "branch_channels": [Interval(Integral, 1, None, closed="left")],
        "pool_size": [Interval(Integral, 1, None, closed="left")],
        "hidden_units": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "denoising_weight": [Interval(Real, 0, None, closed="left")],
        "normalization": [StrOptions({"median", "mean", "median+standard", "median+center"}), None],
    }

    def __init__(
        self,
        *,
        kernel_sizes=(3, 7, 15, 31),
        code_channels=8,
        branch_channels=12,
        pool_size=32,
        hidden_units=128,
        dropout=0.3,
        denoising_weight=1.0,
        normalization="median+center",
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
        augment="reddening",
        weight_averaging=None,
        calibrate=True,
        label_smoothing=0.1,
        ordinal_width=0.0,
        label_noise=0.28,
        **kwargs,
    ):
        self.kernel_sizes = kernel_sizes
        self.code_channels = code_channels
        self.branch_channels = branch_channels
        self.pool_size = pool_size
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.denoising_weight = denoising_weight
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
        check_positive_ints("kernel_sizes", self.kernel_sizes)

    def _module_params(self):
        return {
            "n_classes": len(self.classes_),
            "kernel_sizes": tuple(self.kernel_sizes),
            "code_channels": self.code_channels,
            "branch_channels": self.branch_channels,
            "pool_size": self.pool_size,
            "hidden_units": self.hidden_units,
            "dropout": self.dropout,
            "normalization": self.normalization,
        }

    def _build_criterion(self):
        return SupervisedDenoisingLoss(
            len(self.classes_),
            self.n_features_in_,
            classification=self._recipe["loss"],
            weight=self.denoising_weight,
            label_smoothing=self.label_smoothing,
            ordinal_width=self.ordinal_width,
            positions=self._class_positions(),
            label_noise=self.label_noise,
        )

    def _normalizer(self):
        return self.module_.denoiser.normalizer
