"""The one skorch base wrapper shared by every skspec network.

skorch does the training (``NeuralNet.fit_loop``, callbacks, pickling); this
module adds what a scikit-learn user of spectra expects on top of it:

- constructor parameters are plain and explicit (``get_params`` lists the
  class signature, so ``clone`` and ``GridSearchCV`` work); the skorch
  components that a network fixes (its module, dataset, iterators) are class
  attributes, not parameters; skorch's ``component__param`` convention is
  still accepted as extra keyword arguments;
- input validation before torch ever sees the data: float64 or float32 to
  float32, NaN/inf, 1-D or wrong-width input, string dtype, a single class,
  unseen labels, a CUDA device without CUDA;
- labels of any type: encoded to indices for torch, ``classes_`` are the
  original labels;
- 1-D spectra ``(n, L)`` or, for the convolutional baselines, folded
  spectra ``(n, H, W)`` (see ``Folder2D``);
- seeding: ``random_state`` seeds torch (inside a forked RNG, so the global
  state is untouched), the training DataLoader's generator and the
  stratified validation split, giving bit-identical CPU results;
- training recipes: ``recipe="default"`` (Adam, cross-entropy, early
  stopping, ReduceLROnPlateau) and ``recipe="paper"`` (the EMCCNN paper as
  written: SGD, learning rate 1e-4, MSE on one-hot targets);
- batches are sliced from in-memory tensors (no per-sample Python work) and
  no callback writes a file, so parallel fits never collide.
"""

import contextlib
import math
from numbers import Integral, Real
from types import MappingProxyType

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _num_samples,
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)
from skorch import NeuralNetClassifier
from skorch.callbacks import (
    EarlyStopping,
    EpochScoring,
    EpochTimer,
    LRScheduler,
    PassthroughScoring,
    PrintLog,
    ProgressBar,
)
from skorch.utils import is_dataset, to_numpy, to_tensor
from torch.utils.data import DataLoader

from ..utils._docstring import fill_doc
from ..utils._sklearn_compat import (
    Interval,
    InvalidParameterError,
    SkorchStateDefaults,
    StrOptions,
    reinitialize_callbacks,
    set_skorch_extra_params,
    signature_param_names,
    skorch_extra_params,
    validate_parameter_constraints,
)
from ..utils._subtypes import subtype_to_number
from ..utils._validation import (
    check_finite_spectra,
    check_known_labels,
    check_spectra_input,
    validate_spectra,
)
from ._augment import AUGMENT_PRESETS, SpectrumAugmenter, make_augmenter
from ._averaging import WeightAveraging
from ._blocks import SpectrumNormalizer
from ._calibration import TEMPERATURE_PRIOR_SD, fit_temperature
from ._data import _ArrayDataset, _collate_batch, _RedrawDataset
from ._losses import ClassificationLoss

__all__ = [
    "CLASSIFIER_ATTRIBUTES_DOC",
    "CLASSIFIER_PARAMETERS_DOC",
    "NET_ATTRIBUTES_DOC",
    "NET_PARAMETERS_DOC",
    "RECIPES",
    "DenoisingTargetsMixin",
    "SpectrumNetClassifier",
    "SpectrumNetMixin",
    "check_positive_ints",
    "fill_doc",
]

_FLOAT_DTYPES = (np.float64, np.float32)

#: Training recipes: the library default and the EMCCNN paper as written.
RECIPES = MappingProxyType(
    {
        "default": MappingProxyType(
            {
                "optimizer": torch.optim.Adam,
                "lr": 1e-3,
                "loss": "cross_entropy",
                "lr_schedule": True,
            }
        ),
        "paper": MappingProxyType(
            {"optimizer": torch.optim.SGD, "lr": 1e-4, "loss": "mse", "lr_schedule": False}
        ),
    }
)

NET_PARAMETERS_DOC = """recipe : {"default", "paper"}, default="default"
        Training recipe. ``"default"``: Adam, cross-entropy on logits and,
        with a validation split, early stopping on the validation loss and a
        learning rate halved when the monitored loss stalls
        (ReduceLROnPlateau). ``"paper"``: the EMCCNN paper as written: plain
        SGD with learning rate 1e-4 and mean squared error between softmax
        outputs and one-hot targets, no learning-rate schedule (early
        stopping still applies when ``validation_fraction`` is set). Both
        use ReLU activations.

    lr : float, default=None
        Learning rate; None takes the recipe's (1e-3 for ``"default"``,
        1e-4 for ``"paper"``).

    max_epochs : int, default=100
        Maximum number of passes over the training data (50 for
        SupervisedDenoiser).

    batch_size : int, default=64
        Spectra per mini-batch (training and prediction).

    validation_fraction : float or None, default=0.1
        Fraction of the training spectra held out, stratified by class, to
        monitor the validation loss for early stopping. None or 0 trains on
        all spectra for ``max_epochs`` epochs: use that inside
        ``GridSearchCV`` or ``cross_val_score`` to avoid splitting twice.

    patience : int, default=10
        Epochs without improvement of the validation loss before training
        stops (the best weights are then restored). The learning-rate
        schedule waits ``max(1, patience // 3)`` epochs.

    callbacks : list of skorch callbacks or None, default=None
        Extra callbacks, run after the defaults (timer, losses, validation
        accuracy, early stopping, learning-rate schedule, progress bar and
        log). Replace or disable a default with skorch's syntax, e.g.
        ``callbacks__early_stopping=None``. No default callback writes files.

    device : str, default="cpu"
        Torch device, ``"cpu"`` or ``"cuda"`` (``"cuda:1"`` ...); asking for
        CUDA where it is unavailable raises a ValueError.

    verbose : int, default=0
        0 is silent; 1 prints a table of losses per epoch and shows a
        progress bar.

    augment : bool, "calibration", "coverage", "reddening" or SpectrumAugmenter, default=False
        Training-time re-observation of the spectra: each epoch every
        training spectrum (with probability 0.8) gets a new flux-calibration
        curve, wavelength shift, extra noise, bad-pixel run and flux scale
        (see :class:`skspec.nn.SpectrumAugmenter`; True takes its defaults).
        ``"calibration"`` re-draws only the flux-calibration curve (sd 0.05
        per Legendre coefficient, about +-10 % in colour), so that the
        network does not type a star by a colour that another instrument's
        calibration would change. ``"coverage"`` adds lost ends: a fifth
        of the spectra lose up to half the grid at the blue end and a
        fifth up to 15 % at the red end (filled as the loaders fill
        uncovered pixels), so that a spectrograph covering less than
        4000-9000 A does not shift the type. ``"reddening"`` adds a colour
        excess E(B-V) uniform in -0.15 .. +0.15 (CCM law, laid over the
        pixels as if they spanned the SDSS grid's 4000-9000 A), so that
        interstellar dust does not make a star look later; on another
        wavelength range use ``"coverage"``. Off at prediction and for the validation
        split; drawn from the seeded torch RNG, so ``random_state`` still
        fixes the result. Independently of it, ``fit(X, y, X_clean=...)``
        re-signs each training spectrum's own noise every epoch.

    weight_averaging : float > 0 or None, default=None
        Time constant, in epochs, of an exponential moving average of the
        weights taken after every training batch. The average is what each
        epoch validates, what early stopping keeps and what the trained
        network predicts with; it sits nearer the middle of the valley the
        optimiser wanders in than the last batch's weights. None trains and
        predicts with the raw weights.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, batch shuffling and the
        validation split. An int gives bit-identical results on CPU.

    **kwargs
        skorch-style component parameters with a double underscore, e.g.
        ``optimizer__weight_decay=1e-4`` or ``iterator_train__num_workers=2``;
        any other name raises a ValueError when training starts."""

CALIBRATE_DOC = """calibrate : bool, default=True
        Temperature scaling: after training, the logits are divided by the
        single temperature that best explains the validation split (maximum
        a posteriori, with a normal prior of sd 0.25 on log T, centred on
        T = 1: the split also chose the early-stopping epoch, so on its own
        it would over-sharpen; without the prior when ``ordinal_width``
        softens the targets of a fit without ``subtype``, which makes a
        network under-confident by design), so that ``predict_proba`` is
        calibrated (a
        probability of 0.8 is right about 80 % of the time). Predictions
        are unchanged. Needs ``validation_fraction``; without a split, or
        with False, the temperature is 1."""

LABEL_SMOOTHING_DOC = """label_smoothing : float in [0, 1), default=0.0
        Label smoothing of the classification loss: the target of a spectrum
        is ``1 - label_smoothing`` on its labelled class plus
        ``label_smoothing / n_classes`` on every class, for labels whose
        borders are fuzzy (neighbouring subtypes). Applies to both recipes'
        losses (the paper's MSE then regresses onto the smoothed target).
        0 trains on one-hot targets.

    ordinal_width : float >= 0, default=0.0
        Soft ordinal targets (Diaz & Marathe 2019): the target of a spectrum
        labelled ``c`` is a Gaussian of this width (in subtypes) over the
        classes' positions on the subtype scale (M0 = 0, ..., M4 = 4;
        numeric labels are their own positions, other labels their rank in
        sorted order), normalised. Calling an M2 an M3 then costs less than
        calling it an M4: subtypes are ordered and their borders fuzzy by
        about half a subtype. 0 trains on one-hot targets;
        ``label_smoothing`` applies on top.

    label_noise : float > 0, default=0.28
        Scatter of the stars' own subtypes about their labels (the
        ``label_noise`` of :func:`~skspec.datasets.make_mdwarf_spectra`,
        whose stars have ``subtype = label + N(0, label_noise)``). Read only
        when ``fit`` is given each star's ``subtype``: the training target
        of a spectrum is then the probability of each class given that
        subtype, ``exp(-(p_k - subtype)**2 / (2 * label_noise**2))`` over
        the classes' positions ``p_k``, normalised (the posterior under
        equally frequent classes), in place of the target ``ordinal_width``
        would give."""

TEMPERATURE_DOC = """temperature_ : float
        The fitted temperature that divides the logits (1 when not
        calibrated; above 1 softens an over-confident network)."""

NET_ATTRIBUTES_DOC = """n_features_in_ : int
        Pixels per spectrum seen in fit (``H * W`` for folded input).

    input_shape_ : tuple of int
        Shape of one spectrum seen in fit: ``(L,)`` or ``(H, W)``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when fit on a DataFrame.

    module_ : torch.nn.Module
        The trained network.

    history_ : skorch.History
        Per-epoch losses, scores and durations."""

X_CLEAN_DOC = """X_clean : array-like of the shape of X, default=None
            The same spectra before their random noise, when they are known
            (``make_mdwarf_spectra(..., return_clean=True).clean``). Each
            epoch then re-signs every spectrum's noise, ``X_clean + s * (X -
            X_clean)`` with a random sign ``s`` per pixel (for symmetric
            noise, the noise's own distribution pixel by pixel; the
            magnitudes stay those of the one draw), before ``augment``. The
            validation split and prediction use ``X`` as it is. Give it on
            the input the network sees: in a Pipeline whose earlier steps
            rescale each spectrum by factors computed from its noisy flux,
            ``X_clean`` needs ``X``'s own factors, so pass raw spectra to
            the network or leave ``X_clean`` out."""

SUBTYPE_DOC = """subtype : array-like of shape (n_spectra,), default=None
            Each training star's own subtype, where it is known more finely
            than its label: the generator's ``frame["subtype_true"]``, or a
            catalogue's half subtypes (1.5 for M1.5). It is on the scale of
            the classes' positions (M0 = 0, ..., M4 = 4; numeric labels are
            their own positions, other labels their rank). Each spectrum's
            training target becomes the probability of each label given its
            star's subtype (see ``label_noise``; ``label_smoothing`` applies
            on top), so that a star near a class border teaches both
            classes. The validation loss (early stopping) uses the same
            targets, an estimate of the expected cross-entropy against the
            labels without the noise of their draw; the validation accuracy
            and the temperature use the labels."""

_FIT_DOC = """Train the network from scratch.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels) or (n_spectra, H, W)
            Flux, float64 or float32 (computed in float32). Folded input is
            accepted by the convolutional baselines only.
        y : array-like of shape (n_spectra,)
            Labels of any type (e.g. "M0" ... "M4").
        {x_clean}{subtype}
        **fit_params : dict
            Passed to skorch (forward arguments of the module).

        Returns
        -------
        self
        """

_PARTIAL_FIT_DOC = """Continue training for ``max_epochs`` more epochs (or start, if unfitted).

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels) or (n_spectra, H, W)
        y : array-like of shape (n_spectra,)
        classes : array-like of shape (n_classes,), default=None
            All labels, required on the first call when ``y`` lacks some of
            them; ignored afterwards. Later calls raise a ValueError on
            labels outside them.
        X_clean : array-like of the shape of X, default=None
            The noiseless spectra, as in :meth:`fit`.{subtype}
        **fit_params : dict

        Returns
        -------
        self
        """


def _method_doc(template, subtype):
    """A fit method's docstring: ``template`` with the shared parameter texts filled in."""
    return template.replace("{x_clean}", X_CLEAN_DOC).replace(
        "{subtype}", "\n        " + SUBTYPE_DOC if subtype else ""
    )


#: The network classifiers' parameters: the shared ones plus ``calibrate``,
#: ``label_smoothing``, ``ordinal_width`` and ``label_noise``.
CLASSIFIER_PARAMETERS_DOC = NET_PARAMETERS_DOC.replace(
    "\n\n    **kwargs",
    "\n\n    " + CALIBRATE_DOC + "\n\n    " + LABEL_SMOOTHING_DOC + "\n\n    **kwargs",
)
CLASSIFIER_ATTRIBUTES_DOC = NET_ATTRIBUTES_DOC + "\n\n    " + TEMPERATURE_DOC


def _softmax(logits):
    return torch.softmax(logits, dim=-1)


def _labels_of_targets(y):
    """The encoded labels of a batch's targets: ``y``, or ``y[0]`` of ``(y, subtype)``."""
    return to_numpy(y[0] if isinstance(y, (tuple, list)) else y)


def _encoded_accuracy(net, X, y):
    """Validation accuracy on the encoded labels skorch sees during training."""
    return float(np.mean(net.predict_proba(X).argmax(axis=1) == to_numpy(y)))


class SpectrumNetMixin(SkorchStateDefaults):
    """skorch plumbing shared by every skspec network; see the module docstring.

    Combine with a skorch net class (``NeuralNetClassifier`` or
    ``NeuralNet``), mixin first. A subclass sets ``module`` (a torch module
    class) and implements ``_module_params()`` (constructor arguments beyond
    the data-dependent ones) and ``_build_criterion()``.
    """

    # skorch components fixed by each network: class attributes, so that
    # get_params/clone only see the constructor parameters.
    module = None
    criterion = None
    dataset = _ArrayDataset
    iterator_train = DataLoader
    iterator_valid = DataLoader
    train_split = None  # the split is made in get_split_datasets
    warm_start = False
    compile = False
    use_caching = "auto"
    torch_load_kwargs = None
    # skorch's state before the first fit comes from SkorchStateDefaults.

    #: Whether folded (n, H, W) input is accepted (building 2D layers).
    _accepts_folded = False

    _parameter_constraints = {
        "recipe": [StrOptions(set(RECIPES))],
        "lr": [Interval(Real, 0, None, closed="neither"), None],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="left"), None],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [list, StrOptions({"disable"}), None],
        "device": [str, torch.device, None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "augment": ["boolean", StrOptions(set(AUGMENT_PRESETS)), SpectrumAugmenter, None],
        "weight_averaging": [Interval(Real, 0, None, closed="neither"), None],
        "calibrate": ["boolean"],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "ordinal_width": [Interval(Real, 0, None, closed="left")],
        "label_noise": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        *,
        recipe,
        lr,
        max_epochs,
        batch_size,
        validation_fraction,
        patience,
        callbacks,
        device,
        verbose,
        random_state,
        augment=False,
        weight_averaging=None,
        **kwargs,
    ):
        self.augment = augment
        self.weight_averaging = weight_averaging
        self.recipe = recipe
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.callbacks = callbacks
        self.device = device
        self.verbose = verbose
        self.random_state = random_state
        # skorch-style "component__param" arguments; skorch's own check
        # (_validate_params, at the start of training) rejects anything else.
        if kwargs:
            set_skorch_extra_params(self, kwargs)
            vars(self).update(kwargs)

    # ------------------------------------------------------------------
    # scikit-learn parameter protocol on top of skorch's
    # ------------------------------------------------------------------
    def _get_param_names(self):
        # The class signature (scikit-learn's rule) plus skorch-style
        # "component__param" attributes set through kwargs or set_params.
        names = signature_param_names(type(self))
        extra = sorted(k for k in skorch_extra_params(self) if k in vars(self))
        return list(names) + extra

    def set_params(self, **params):
        if not isinstance(skorch_extra_params(self), set):
            set_skorch_extra_params(self, ())
        # skorch initialises callbacks as soon as ``callbacks`` is set; store
        # it like any parameter instead (fit initialises it), unless the net
        # is already initialised (skorch's behaviour, for partial_fit).
        if "callbacks" in params:
            BaseEstimator.set_params(self, callbacks=params.pop("callbacks"))
            if self.initialized_:
                reinitialize_callbacks(self)
        return super().set_params(**params)

    __repr__ = BaseEstimator.__repr__

    def __setstate__(self, state):
        # skorch maps the saved tensors to ``device``; torch knows "cpu" but
        # not "cpu:0" as a storage location, so a CPU index is loaded as
        # "cpu" and the parameter is then restored as the user gave it.
        # Networks pickled before weight_averaging existed trained without it.
        state = {"weight_averaging": None, **state}
        device = state.get("device")
        try:
            on_cpu = device is not None and torch.device(device).type == "cpu"
        except (RuntimeError, TypeError, ValueError):
            on_cpu = False
        if on_cpu and str(device) != "cpu":
            super().__setstate__({**state, "device": "cpu"})
            self.device = device
        else:
            super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = self._accepts_folded
        tags.input_tags.allow_nan = False
        tags.target_tags.required = True
        return tags

    def _check_params(self):
        validate_parameter_constraints(
            {**SpectrumNetMixin._parameter_constraints, **self._parameter_constraints},
            self.get_params(deep=False),
            caller_name=type(self).__name__,
        )
        for name in ("weight_averaging", "label_noise"):
            # The intervals admit True and False as the numbers 1 and 0.
            if isinstance(getattr(self, name, None), bool):
                raise InvalidParameterError(
                    f"The {name!r} parameter of {type(self).__name__} must be a positive "
                    f"float, not a bool; got {getattr(self, name)!r}"
                )
        if isinstance(self.augment, SpectrumAugmenter):
            self.augment.check()
        if self.device is not None:
            try:
                device = torch.device(self.device)
            except (RuntimeError, ValueError) as exc:
                raise ValueError(f"device={self.device!r} is not a torch device: {exc}") from None
            if device.type == "cuda" and not torch.cuda.is_available():
                raise ValueError(
                    f"device={self.device!r} was requested but CUDA is not available "
                    "(torch.cuda.is_available() is False); use device='cpu'"
                )

    # ------------------------------------------------------------------
    # Input validation
    # ------------------------------------------------------------------
    def _validate_X(self, X, *, reset):
        name = type(self).__name__
        X = check_spectra_input(X, estimator=self)  # text, objects, ragged lists
        if not (sp.issparse(X) or hasattr(X, "iloc") or hasattr(X, "ndim")):
            X = np.asarray(X)  # other array-likes
        n_dim = 2 if sp.issparse(X) else X.ndim
        if n_dim == 3 and self._accepts_folded:
            Xc = check_array(
                X,
                allow_nd=True,
                dtype=_FLOAT_DTYPES,
                estimator=self,
                input_name="X",
                ensure_all_finite=False,
            )
            check_finite_spectra(Xc, estimator=self)
            shape = tuple(int(s) for s in Xc.shape[1:])
            if reset:
                self.input_shape_ = shape
                self.n_features_in_ = int(np.prod(shape))
                if hasattr(self, "feature_names_in_"):
                    del self.feature_names_in_
            elif len(self.input_shape_) != 2:
                raise ValueError(
                    f"{name} was fitted on 1-D spectra of {self.n_features_in_} "
                    f"pixels; got folded X of shape {Xc.shape}"
                )
            elif shape != self.input_shape_:
                raise ValueError(
                    f"X has spectra of shape {shape}, but {name} was fitted on "
                    f"spectra of shape {self.input_shape_}"
                )
        else:
            if not reset and len(getattr(self, "input_shape_", ())) == 2:
                raise ValueError(
                    f"{name} was fitted on folded spectra of shape "
                    f"{self.input_shape_} (3-D X); got X with {n_dim} dimension(s)"
                )
            Xc = validate_spectra(self, X, reset=reset, dtype=_FLOAT_DTYPES, accept_sparse=False)
            if reset:
                self.input_shape_ = (int(Xc.shape[1]),)
        with np.errstate(over="ignore"):
            Xc = Xc.astype(np.float32, copy=False)
        if not np.isfinite(Xc).all():
            raise ValueError(
                f"X has values beyond the float32 range (|x| > 3.4e38), which {name} "
                "computes in; rescale the flux"
            )
        return np.require(Xc, requirements=["C", "W"])

    def _validate_training_data(self, X, y, *, reset, classes=None):
        name = type(self).__name__
        self._check_params()
        if y is None:
            raise ValueError(f"{name} requires y to be passed, but the target y is None")
        X = self._validate_X(X, reset=reset)
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        check_classification_targets(y)
        if reset:
            try:
                labels = np.unique(y if classes is None else column_or_1d(classes))
            except TypeError as exc:
                raise TypeError(f"labels must be of one comparable type: {exc}") from None
            if len(labels) < 2:
                raise ValueError(
                    f"{name} needs spectra of at least 2 classes to learn; got 1 "
                    f"class ({str(labels[0])!r})"
                )
            self.classes_ = labels
        y = self._encode_labels(y)
        if self._uses_validation():
            self._check_validation_split(y)
        return X, y

    def _encode_labels(self, y):
        classes = self.classes_
        try:
            idx = np.searchsorted(classes, y)
        except TypeError as exc:
            raise TypeError(f"labels must be of one comparable type: {exc}") from None
        known = classes[np.clip(idx, 0, len(classes) - 1)] == y
        if not np.all(known):
            unseen = np.unique(np.asarray(y)[~known]).tolist()
            raise ValueError(
                f"y contains labels not seen when the classes were set (first "
                f"fit/partial_fit or its `classes`): {unseen[:10]}; known classes "
                f"are {classes.tolist()}"
            )
        return idx.astype(np.int64)

    def _uses_validation(self):
        v = self.validation_fraction
        return isinstance(v, Real) and v > 0

    def _check_validation_split(self, y):
        counts = np.bincount(y)
        counts = counts[counts > 0]
        n_valid = math.ceil(self.validation_fraction * len(y))
        if counts.min() < 2 or n_valid < len(counts) or len(y) - n_valid < len(counts):
            raise ValueError(
                f"validation_fraction={self.validation_fraction} cannot hold out a stratified "
                f"validation set from {len(y)} spectra of {len(counts)} classes (smallest class: "
                f"{counts.min()} spectra, {n_valid} held out); pass more spectra, a larger "
                "fraction, or validation_fraction=None"
            )

    def _validate_predict_X(self, X):
        check_is_fitted(self)
        return self._validate_X(X, reset=False)

    def _validate_clean(self, X_clean, X):
        """``X_clean`` as float32 of ``X``'s shape, or None; a ValueError names the problem.

        Called before ``X`` is validated, so that a refused ``X_clean``
        leaves a fitted model's attributes as they were.
        """
        if X_clean is None:
            return None
        name = type(self).__name__
        X_clean = check_spectra_input(X_clean, estimator=self, input_name="X_clean")
        X_clean = check_array(
            X_clean,
            allow_nd=True,
            dtype=_FLOAT_DTYPES,
            estimator=self,
            input_name="X_clean",
            ensure_all_finite=False,
        )
        try:
            shape = tuple(X.shape) if hasattr(X, "shape") else np.shape(X)
        except ValueError:  # ragged X: its own validation names the problem
            shape = X_clean.shape
        if X_clean.shape != tuple(shape):
            raise ValueError(
                f"X_clean must have the shape of X, {tuple(shape)}; got {X_clean.shape} "
                f"(in a Pipeline, {name} must get the noiseless spectra transformed like X)"
            )
        with np.errstate(over="ignore", invalid="ignore"):
            X_clean = X_clean.astype(np.float32, copy=False)
        if not np.isfinite(X_clean).all():
            raise ValueError(
                "X_clean contains NaN or infinite values (or values beyond the float32 range)"
            )
        return np.require(X_clean, requirements=["C", "W"])

    def _validate_subtype(self, subtype, X):
        """``subtype`` as a finite float32 vector, one per spectrum of ``X``, or None."""
        if subtype is None:
            return None
        try:
            values = np.asarray(subtype, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                "subtype must hold one number per spectrum (e.g. 1.5 for M1.5), got "
                f"non-numeric values such as {np.asarray(subtype, dtype=object).ravel()[:3]!r}"
            ) from None
        n = _num_samples(X)
        if values.shape != (n,):
            raise ValueError(
                f"subtype must hold one number per spectrum of X, shape ({n},); "
                f"got shape {values.shape}"
            )
        if not np.isfinite(values).all():
            bad = np.flatnonzero(~np.isfinite(values))
            raise ValueError(f"subtype contains NaN or infinite values (rows {bad[:5].tolist()})")
        return values.astype(np.float32)

    def _get_classes(self):
        try:
            return self.__dict__["classes_"]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__} has no attribute 'classes_' before fit"
            ) from None

    def _set_classes(self, value):
        self.__dict__["classes_"] = value

    #: Original labels, sorted (a plain fitted attribute; a property only to
    #: override skorch's).
    classes_ = property(_get_classes, _set_classes)

    # ------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------
    @contextlib.contextmanager
    def _seeded(self):
        """Draw this fit's seeds from random_state and seed torch in a forked RNG."""
        rng = check_random_state(self.random_state)
        # (torch, validation split, DataLoader shuffling)
        self._seeds = tuple(int(s) for s in rng.randint(np.iinfo(np.int32).max, size=3))
        devices = []
        if self.device is not None and torch.device(self.device).type == "cuda":
            devices = [torch.device(self.device).index or 0]
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(self._seeds[0])
            yield

    @fill_doc(doc=_method_doc(_FIT_DOC, subtype=False))
    def fit(self, X, y=None, X_clean=None, **fit_params):
        """{doc}"""
        return self._train(X, y, X_clean, fit_params, first=True)

    @fill_doc(doc=_method_doc(_PARTIAL_FIT_DOC, subtype=False))
    def partial_fit(self, X, y=None, classes=None, X_clean=None, **fit_params):
        """{doc}"""
        return self._train(X, y, X_clean, fit_params, first=not self.initialized_, classes=classes)

    def _train(self, X, y, X_clean, fit_params, *, first, classes=None, subtype=None):
        """What ``fit`` (``first=True``) and ``partial_fit`` share.

        Validates the input (``X_clean`` and ``subtype`` first, so that a
        refused one leaves a fitted model as it was), (re)initialises on a
        first call, trains in the seeded RNG with ``X_clean`` and
        ``subtype`` visible to ``get_split_datasets`` only, and calibrates.
        """
        X_clean = self._validate_clean(X_clean, X)
        subtype = self._validate_subtype(subtype, X)
        X, y = self._validate_training_data(X, y, reset=first, classes=classes)
        self._X_clean, self._subtype = X_clean, subtype
        try:
            with self._seeded():
                if first:
                    self.initialize()
                super().partial_fit(X, y, **fit_params)
        finally:
            self.__dict__.pop("_X_clean", None)
            self.__dict__.pop("_subtype", None)
        self._after_training(with_subtypes=subtype is not None)
        return self

    def _after_training(self, *, with_subtypes=False):
        """Hook run at the end of each fit/partial_fit (the classifiers calibrate here).

        Drops the validation split ``get_split_datasets`` kept for it, so that
        no training data stay in the fitted model. ``with_subtypes``: this
        call trained on the stars' subtypes.
        """
        self.__dict__.pop("_validation_split", None)

    def _augmenter(self):
        """The training-time augmenter, or None when ``augment`` is off."""
        return make_augmenter(self.augment)

    def train_step_single(self, batch, **fit_params):
        # Re-observe the training batch (never the validation data or the
        # prediction input: skorch calls this step for training only).
        augmenter = self._augmenter()
        if augmenter is not None:
            Xi, yi = batch
            with torch.no_grad():
                batch = (augmenter(torch.as_tensor(Xi)), yi)
        return super().train_step_single(batch, **fit_params)

    def check_data(self, X, y=None):
        # Labels were validated and encoded in fit; skorch's version would
        # overwrite the classes with the encoded ones.
        pass

    def initialize_module(self):
        kwargs = {**self._module_params(), **self.get_params_for("module")}
        self.module_ = self.module(**kwargs)
        return self

    def initialize_criterion(self):
        self.criterion_ = self._build_criterion()
        return self

    @property
    def _recipe(self):
        return RECIPES[self.recipe]

    @property
    def optimizer(self):
        """Optimizer class of the recipe (read by skorch's initialize_optimizer)."""
        return self._recipe["optimizer"]

    def get_params_for_optimizer(self, prefix, named_parameters):
        args, kwargs = super().get_params_for_optimizer(prefix, named_parameters)
        if kwargs.get("lr") is None:
            kwargs["lr"] = self._recipe["lr"]
        return args, kwargs

    def _validation_scores(self):
        """Extra per-epoch validation scores (callbacks)."""
        return []

    @property
    def _default_callbacks(self):
        # Also read by get_params(deep=True), which must not fail on values
        # that fit would reject: fall back to the defaults for those.
        validate = self._uses_validation()
        monitor = "valid_loss" if validate else "train_loss"
        recipe = (
            RECIPES.get(self.recipe, RECIPES["default"])
            if isinstance(self.recipe, str)
            else RECIPES["default"]
        )
        lr_patience = (
            max(1, self.patience // 3) if isinstance(self.patience, Integral) else self.patience
        )
        callbacks = [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
        ]
        tau = self.weight_averaging
        if isinstance(tau, Real) and not isinstance(tau, bool) and tau > 0:
            callbacks.append(("weight_averaging", WeightAveraging(tau)))
        if validate:
            callbacks.append(("valid_loss", PassthroughScoring(name="valid_loss")))
            callbacks += self._validation_scores()
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(monitor="valid_loss", patience=self.patience, load_best=True),
                )
            )
        if recipe["lr_schedule"]:
            callbacks.append(
                (
                    "lr_scheduler",
                    LRScheduler(
                        policy=torch.optim.lr_scheduler.ReduceLROnPlateau,
                        monitor=monitor,
                        factor=0.5,
                        patience=lr_patience,
                    ),
                )
            )
        if isinstance(self.verbose, Real) and self.verbose > 0:
            callbacks.append(("progress_bar", ProgressBar()))
        callbacks.append(("print_log", PrintLog()))
        return callbacks

    def get_dataset(self, X, y=None, subtype=None):
        if is_dataset(X):
            return X
        X = np.require(np.asarray(X, dtype=np.float32), requirements=["C", "W"])
        return _ArrayDataset(X, y, subtype)

    def get_split_datasets(self, X, y=None, **fit_params):
        self._validation_split = None  # array input sets it below
        if is_dataset(X) or y is None:
            return super().get_split_datasets(X, y, **fit_params)
        clean = self.__dict__.get("_X_clean")
        subtype = self.__dict__.get("_subtype")
        train, valid = (X, y), None
        if self._uses_validation():
            splitter = StratifiedShuffleSplit(
                n_splits=1, test_size=self.validation_fraction, random_state=self._seeds[1]
            )
            i_train, i_valid = next(splitter.split(np.zeros(len(y)), y))
            train, valid = (X[i_train], y[i_train]), (X[i_valid], y[i_valid])
            clean = None if clean is None else clean[i_train]
            subtype_valid = None if subtype is None else subtype[i_valid]
            subtype = None if subtype is None else subtype[i_train]
        self._validation_split = valid  # for _after_training, which drops it
        self._prepare_training(*train)
        if clean is None:
            dataset_train = self.get_dataset(*train, subtype=subtype)
        else:
            X_train = np.asarray(train[0], dtype=np.float32)
            dataset_train = _RedrawDataset(X_train, clean, train[1], subtype)
        # The validation loss (early stopping, the learning-rate schedule)
        # uses the subtypes' targets too: the cross-entropy against
        # P(label | subtype) is the expected cross-entropy against the
        # labels, without the noise of their draw. Its accuracy and the
        # temperature are scored against the labels.
        return dataset_train, None if valid is None else self.get_dataset(
            *valid, subtype=subtype_valid
        )

    def _prepare_training(self, X_train, y_train):
        """Hook run on the training part of each fit before the first epoch.

        Fits the per-pixel statistics of every standardising
        :class:`~skspec.nn.SpectrumNormalizer` of the module
        (``normalization="median+standard"`` or ``"median+center"``) on
        ``X_train``, once: a ``partial_fit`` on a trained network keeps them,
        since its weights were learned in that standardised space.
        """
        x = None
        for m in self.module_.modules():
            if isinstance(m, SpectrumNormalizer) and m.standardizes and not m.fitted:
                x = torch.from_numpy(X_train) if x is None else x
                m.fit(x)

    def get_iterator(self, dataset, training=False):
        kwargs = self.get_params_for("iterator_train" if training else "iterator_valid")
        batch_size = kwargs.pop("batch_size", self.batch_size)
        if batch_size == -1:
            batch_size = len(dataset)
        kwargs.setdefault("collate_fn", _collate_batch)
        if training:
            kwargs.setdefault("shuffle", True)
            if kwargs["shuffle"]:
                seed = getattr(self, "_seeds", (0, 0, 0))[2]
                kwargs.setdefault("generator", torch.Generator().manual_seed(seed))
            # A last batch of a single spectrum breaks batch normalisation.
            kwargs.setdefault(
                "drop_last", len(dataset) > batch_size and len(dataset) % batch_size == 1
            )
        iterator = self.iterator_train if training else self.iterator_valid
        return iterator(dataset, batch_size=batch_size, **kwargs)


class SpectrumNetClassifier(SpectrumNetMixin, NeuralNetClassifier):
    """Base of the network classifiers: a thin layer on skorch's NeuralNetClassifier.

    Subclasses name their torch ``module``, list its hyper-parameters as
    plain constructor parameters and return them from ``_module_params``.
    ``predict_proba`` is the softmax of the module's logits.
    """

    classes = None  # skorch's fixed-classes option; see partial_fit(classes=...)

    def __init__(
        self, *, calibrate=True, label_smoothing=0.0, ordinal_width=0.0, label_noise=0.28, **kwargs
    ):
        self.calibrate = calibrate
        self.label_smoothing = label_smoothing
        self.ordinal_width = ordinal_width
        self.label_noise = label_noise
        super().__init__(**kwargs)

    def __setstate__(self, state):
        # Models pickled before label_smoothing / ordinal_width / label_noise
        # existed (e.g. the bundled one) trained without the first two and
        # never saw subtypes.
        super().__setstate__(
            {"label_smoothing": 0.0, "ordinal_width": 0.0, "label_noise": 0.28, **state}
        )

    @fill_doc(doc=_method_doc(_FIT_DOC, subtype=True))
    def fit(self, X, y=None, X_clean=None, subtype=None, **fit_params):
        """{doc}"""
        return self._train(X, y, X_clean, fit_params, first=True, subtype=subtype)

    @fill_doc(doc=_method_doc(_PARTIAL_FIT_DOC, subtype=True))
    def partial_fit(self, X, y=None, classes=None, X_clean=None, subtype=None, **fit_params):
        """{doc}"""
        return self._train(
            X,
            y,
            X_clean,
            fit_params,
            first=not self.initialized_,
            classes=classes,
            subtype=subtype,
        )

    def get_loss(self, y_pred, y_true, X=None, training=False):
        # Training batches of a fit given ``subtype`` carry (labels, subtypes).
        if isinstance(y_true, (tuple, list)):
            y, subtype = (to_tensor(v, device=self.device) for v in y_true)
            return self.criterion_(y_pred, y, subtype)
        return super().get_loss(y_pred, y_true, X=X, training=training)

    def _class_positions(self):
        """Positions of ``classes_`` on the subtype scale, or their ranks.

        Read by the ordinal targets (``ordinal_width``): numeric labels (of
        any dtype) are their own positions, spectral types map to
        :func:`~skspec.metrics.subtype_to_number` (M0 = 0), and any other
        labels, or labels that would share a position (``"M2"`` and
        ``"M2V"``), fall back to their sorted order.
        """
        classes = np.asarray(self.classes_)
        try:
            positions = classes.astype(float)
        except (TypeError, ValueError):
            try:
                positions = subtype_to_number(classes)
            except ValueError:
                positions = None
        if (
            positions is None
            or not np.all(np.isfinite(positions))
            or len(np.unique(positions)) < len(positions)
        ):
            positions = np.arange(len(classes), dtype=float)
        return positions

    def _after_training(self, *, with_subtypes=False):
        """Temperature scaling on this fit's validation split (1 without one).

        The temperature is fitted with a prior on log T centred on T = 1
        (the split also chose the early-stopping epoch, so on its own it
        over-sharpens) when the network's targets are the labels' own
        probabilities: one-hot or mildly smoothed labels, or, for a call
        given the stars' ``subtype``, P(label | subtype) with the data's own
        scatter ``label_noise`` (which replaces ``ordinal_width``). Soft
        ordinal targets (``ordinal_width`` without subtypes) make the
        network under-confident by design, so its temperature is fitted
        without the prior. Measured (BENCHMARKS.md, "Calibration", "Label
        smoothing on top of centring" and "Wider subtype targets"). The rule
        follows each ``fit``/``partial_fit`` call's own targets.
        """
        valid = self.__dict__.get("_validation_split")
        super()._after_training()
        self.temperature_ = 1.0
        if self.calibrate and valid is not None:
            X_valid, y_valid = valid
            plain = bool(self.ordinal_width) and not with_subtypes
            self.temperature_ = fit_temperature(
                self._logits(X_valid),
                y_valid,
                prior_sd=None if plain else TEMPERATURE_PRIOR_SD,
            )

    def _logits(self, X):
        """The module's class scores before the softmax, as float64."""
        out = [
            yp[0] if isinstance(yp, tuple) else yp
            for yp in self.forward_iter(self.get_dataset(X), training=False)
        ]
        return to_numpy(torch.cat(out)).astype(np.float64)

    def predict_nonlinearity(self, logits):
        """Softmax of the logits divided by ``temperature_`` (read by skorch)."""
        return _softmax(logits / getattr(self, "temperature_", 1.0))

    def _build_criterion(self):
        return ClassificationLoss(
            len(self.classes_),
            self._recipe["loss"],
            self.label_smoothing,
            self.ordinal_width,
            self._class_positions(),
            self.label_noise,
        )

    def _validation_scores(self):
        scoring = EpochScoring(
            _encoded_accuracy,
            name="valid_acc",
            lower_is_better=False,
            target_extractor=_labels_of_targets,
        )
        return [("valid_acc", scoring)]

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels) or (n_spectra, H, W)

        Returns
        -------
        proba : ndarray of shape (n_spectra, n_classes)
            Columns follow ``classes_``.
        """
        if not is_dataset(X):
            X = self._validate_predict_X(X)
        return super().predict_proba(X).astype(np.float64)

    def predict(self, X):
        """Most probable class of each spectrum.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels) or (n_spectra, H, W)

        Returns
        -------
        y : ndarray of shape (n_spectra,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of :meth:`predict` on ``X`` against ``y``.

        Labels in ``y`` that the model was not trained on count as wrong and
        are named in a warning.

        Parameters
        ----------
        X : array-like of shape (n_spectra, n_pixels) or (n_spectra, H, W)
        y : array-like of shape (n_spectra,)
            True labels.
        sample_weight : array-like of shape (n_spectra,), default=None

        Returns
        -------
        score : float
        """
        from sklearn.metrics import accuracy_score

        y_pred = self.predict(X)
        check_known_labels(y, self.classes_, estimator=self)
        return accuracy_score(y, y_pred, sample_weight=sample_weight)


class DenoisingTargetsMixin:
    """Class-mean denoising targets for networks trained with SupervisedDenoisingLoss.

    Before the first epoch of each fit, the training part of the data (the
    validation split excluded) is normalised with the module's own
    normaliser (after its per-pixel statistics are fitted, so the targets
    live in the space the decoder reconstructs) and folded into the
    per-class means held by the criterion.
    The owner implements ``_normalizer()`` returning that normaliser.
    """

    def _prepare_training(self, X_train, y_train):
        super()._prepare_training(X_train, y_train)  # standardisation first
        with torch.no_grad():
            x = self._normalizer()(torch.from_numpy(X_train))
        self.criterion_.update_templates(x, torch.from_numpy(y_train))

    @property
    def denoising_targets_(self):
        """ndarray of shape (n_classes, ``n_features_in_``): the clean target of each
        class (mean normalised training spectrum), rows in ``classes_`` order."""
        try:
            return to_numpy(self.criterion_.templates)
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__} has no attribute 'denoising_targets_' before fit"
            ) from None


def check_positive_ints(name, value):
    """Raise a ValueError unless ``value`` is a non-empty sequence of positive ints."""
    ok = (
        isinstance(value, (tuple, list))
        and len(value) > 0
        and all(isinstance(v, Integral) and not isinstance(v, bool) and v > 0 for v in value)
    )
    if not ok:
        raise ValueError(f"{name} must be a non-empty tuple of positive ints, got {value!r}")
