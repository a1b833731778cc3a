"""scikit-learn's estimator checks over every public skspec estimator.

Estimators are found by discovery (the ``__all__`` of each subpackage), so a
new estimator is checked without editing this file. Networks run with tiny
settings (``TINY_PARAMS`` in ``tests/_tiny.py``); checks that cannot hold are
listed in ``EXPECTED_FAILED_CHECKS`` with the reason.
"""

from _tiny import discover_estimators, instances
from sklearn.utils.estimator_checks import parametrize_with_checks

# {class name: {check name: reason}}: checks known not to hold, and why.
EXPECTED_FAILED_CHECKS = {}

# Preprocessing: the checks' generic data are too narrow (or signed) for spectra;
# tests/test_resample.py and test_continuum.py cover the same contracts
# (pickling, idempotence, subsets, pipelines) on spectrum-like data.
_NARROW_QUADRATIC = "a quadratic spline needs at least 3 pixels; this check's data have 2 features"
_SIGNED_FLUX = ("the check's data have rows with a median <= 0, which a flux "
                "normalisation rejects (tested on positive flux in test_continuum.py)")
EXPECTED_FAILED_CHECKS["QuadraticResampler"] = dict.fromkeys([
    "check_estimators_overwrite_params",
    "check_estimators_fit_returns_self",
    "check_readonly_memmap_input",
    "check_fit_idempotent",
    "check_fit_check_is_fitted",
    "check_n_features_in",
], _NARROW_QUADRATIC)
EXPECTED_FAILED_CHECKS["ContinuumNormalizer"] = dict.fromkeys([
    "check_estimators_dtypes",
    "check_pipeline_consistency",
    "check_estimators_pickle",
    "check_estimators_pickle(readonly_memmap=True)",
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    "check_transformer_preserve_dtypes",
    "check_transformer_general(readonly_memmap=True)",
], _SIGNED_FLUX)

# Networks (tests/test_networks.py, test_denoiser.py) run narrow, for one epoch.
_TINY_CONV_NET = ("one epoch of a deliberately tiny convolutional net on the check's "
                  "2-feature blobs stay below its 0.83 training accuracy; learning is "
                  "tested on spectrum-like data in tests/test_networks.py")
for _name in ["EMCCNNClassifier", "CNNClassifier", "VGG16Classifier", "ResNetClassifier"]:
    EXPECTED_FAILED_CHECKS[_name] = {"check_classifiers_train": _TINY_CONV_NET}
# The networks compute in float32. CPU matrix kernels (oneDNN/MKL) sum in an
# order that depends on where a row sits in its batch, so the same spectrum in
# another batch position can come out one float32 ulp (~3e-8) apart, while the
# check asks for rtol=1e-7 on probabilities near 0.3: it passes or fails by the
# luck of the kernel. tests/test_networks.py checks order invariance of every
# network at float32 precision (rtol 1e-5) instead.
_FLOAT32_ORDER = ("float32 matrix kernels round a row differently in another batch "
                  "position (1 ulp, ~3e-8 > the check's rtol 1e-7); checked at float32 "
                  "precision in tests/test_networks.py")
for _name in ["DNNClassifier", "EMCCNNClassifier", "CNNClassifier", "VGG16Classifier",
              "ResNetClassifier", "SupervisedDenoiser"]:
    EXPECTED_FAILED_CHECKS.setdefault(_name, {})[
        "check_methods_sample_order_invariance"] = _FLOAT32_ORDER


def _expected_failed(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


def test_discovery_finds_estimators():
    assert len(discover_estimators()) > 0


@parametrize_with_checks(instances(), expected_failed_checks=_expected_failed)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
