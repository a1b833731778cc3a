"""scikit-learn's estimator checks over every public skspec estimator.

Estimators are found by discovery (the ``__all__`` of each subpackage), so a
new estimator is checked without editing this file. Networks run with tiny
settings (see ``TINY_PARAMS``); checks that cannot hold are listed in
``EXPECTED_FAILED_CHECKS`` with the reason.
"""

import importlib
import inspect

import pytest
from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks

SUBPACKAGES = ["skspec.datasets", "skspec.preprocessing", "skspec.models"]

# Constructor settings that keep each check quick (a few epochs, narrow nets)
# or that make the estimator accept the checks' small generic data.
TINY_PARAMS = {}

# {class name: {check name: reason}}: checks known not to hold, and why.
EXPECTED_FAILED_CHECKS = {}


def discover_estimators():
    """Return every public estimator class of skspec, sorted by name."""
    found = {}
    for name in SUBPACKAGES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if (inspect.isclass(obj) and issubclass(obj, BaseEstimator)
                    and not inspect.isabstract(obj) and not attr.startswith("_")):
                found[attr] = obj
    return [found[k] for k in sorted(found)]


def _instances():
    out = []
    for cls in discover_estimators():
        params = TINY_PARAMS.get(cls.__name__, {})
        # Meta-estimators need their wrapped estimator: built by a factory.
        est = params() if callable(params) else cls(**params)
        out.append(est)
    return out


def _expected_failed(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


def test_discovery_finds_estimators():
    assert len(discover_estimators()) > 0


@parametrize_with_checks(_instances(), expected_failed_checks=_expected_failed)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
