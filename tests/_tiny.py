"""Tiny settings of skspec's estimators, defined once for every test file.

Test files import from here (and from no other test file): the narrow
networks and short training of the network tests, the constructor settings
under which scikit-learn's estimator checks run, and the discovery of every
public estimator.
"""

import importlib
import inspect

from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

SUBPACKAGES = ["skspec.datasets", "skspec.preprocessing", "skspec.models"]

# Narrow networks, by class name: each trains on ~100 spectra of ~100 pixels
# in a fraction of a second.
TINY_NETS = {
    "EMCCNNClassifier": {
        "kernel_sizes": (3, 7),
        "code_channels": 4,
        "branch_channels": 4,
        "pool_size": 8,
        "hidden_units": 16,
    },
    "DNNClassifier": {"hidden_layer_sizes": (32, 16)},
    "CNNClassifier": {"channels": (4, 8), "hidden_units": 16},
    "VGG16Classifier": {"width": 1 / 32},
    "ResNetClassifier": {"width": 1 / 16},
    "SupervisedDenoiser": {"code_channels": 4},
}

# Short, seeded training without an internal validation split.
TINY_FIT = {"max_epochs": 2, "validation_fraction": None, "random_state": 0, "batch_size": 16}


def tiny(cls, **params):
    """A tiny network of class ``cls`` (``TINY_NETS`` and ``TINY_FIT``, then ``params``)."""
    return cls(**{**TINY_NETS[cls.__name__], **TINY_FIT, **params})


# Under scikit-learn's checks (tests/test_common.py, test_bad_input.py) the
# datasets are tiny: one epoch with a larger learning rate, so that the DNN
# reaches check_classifiers_train's 0.83 (in 5 epochs).
_CHECK_FIT = {
    "validation_fraction": None,
    "random_state": 0,
    "lr": 0.01,
    "max_epochs": 1,
    "batch_size": 32,
}
_CHECK_FIT_OVERRIDES = {"DNNClassifier": {"max_epochs": 5, "batch_size": 16}}


# check_classifiers_train asks for a training accuracy above 0.83 on its
# 2-feature blobs, which one epoch does not give: tests/test_common.py runs
# that one check with these settings on top of TINY_PARAMS (seconds each).
# Measured: the plain CNN passes all three variants of the check with 5 epochs
# on 1, 2 and 4 torch threads (5-8 s each on an idle core).
# EMCCNN's default augment="reddening" multiplies the features by a smooth
# Legendre curve and an extinction curve over the pixels and holds lost ends
# flat: a spectral prior, meaningless on the check's
# 2-feature blobs (which it then misclassifies near the blob borders), so this
# check runs it with augment off; augmentation is tested in test_augment.py.
# Its default centred input (normalization="median+center") needs 30 epochs
# there (20 gave 0.80-0.83 on random_state 0 and 1; 30 and 50 pass both).
TRAIN_CHECK_PARAMS = {
    "EMCCNNClassifier": {"max_epochs": 30, "augment": False},
    "CNNClassifier": {"max_epochs": 5},
}


def _snr_binned_classifier():
    from skspec.models import SNRBinnedClassifier

    return SNRBinnedClassifier(LogisticRegression())


# Constructor settings that keep each check quick or that make the estimator
# accept the checks' small generic data (1 to 10 features).
TINY_PARAMS = {
    # The SDSS 4000-9000 A span sampled with however many features the checks'
    # data have (the default grid insists on the 3522 SDSS pixels).
    "SpectralIndices": {"wavelength": "span"},
    # Meta-estimators need their wrapped estimator: built by a factory.
    "SNRBinnedClassifier": _snr_binned_classifier,
    # A scale-only continuum: the checks' data have as few as 2 features.
    "TemplateClassifier": {"poly_degree": 0},
    # Any width folds into one row; the default (50, 100) needs 5000 pixels.
    "Folder2D": {"shape": (1, -1)},
    # The checks' rows of 3 features with 2 NaN are 67% bad pixels, which the
    # default (0.5) refuses as too damaged to fill honestly.
    "BadPixelInterpolator": {"max_bad_fraction": 1.0},
    **{
        name: {**_CHECK_FIT, **arch, **_CHECK_FIT_OVERRIDES.get(name, {})}
        for name, arch in TINY_NETS.items()
    },
}


def discover_estimators():
    """Every public estimator class of skspec (the ``__all__`` of each subpackage), by name."""
    found = {}
    for name in SUBPACKAGES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseEstimator)
                and not inspect.isabstract(obj)
                and not attr.startswith("_")
            ):
                found[attr] = obj
    return [found[k] for k in sorted(found)]


def instances():
    """One instance of every public estimator, with its ``TINY_PARAMS``."""
    out = []
    for cls in discover_estimators():
        params = TINY_PARAMS.get(cls.__name__, {})
        out.append(params() if callable(params) else cls(**params))
    return out
