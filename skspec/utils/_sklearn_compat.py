"""The one module that touches scikit-learn's and skorch's private API.

scikit-learn's parameter validation (``sklearn.utils._param_validation``,
``BaseEstimator._validate_params``, ``_fit_context``), its ``_safe_indexing``
and the parts of skorch's private state that skspec's skorch base
(``skspec.nn._net``) overrides are used by every estimator; they may change
in any release. Every other skspec module imports them from here, so that a
new scikit-learn or skorch release is adapted to in one file (as
imbalanced-learn's ``utils/_sklearn_compat.py`` does).

Nothing here imports torch or skorch: the skorch helpers only read and write
attributes of a net they are given.
"""

from types import MappingProxyType

from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
)

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "SkorchStateDefaults",
    "StrOptions",
    "fit_context",
    "reinitialize_callbacks",
    "safe_indexing",
    "set_skorch_extra_params",
    "signature_param_names",
    "skorch_extra_params",
    "validate_parameter_constraints",
    "validate_params",
]

#: ``sklearn.base._fit_context``: validates the parameters once per fit.
fit_context = _fit_context

#: ``sklearn.utils._safe_indexing``: rows of an array, DataFrame or list.
safe_indexing = _safe_indexing


def validate_params(estimator):
    """Check ``estimator``'s parameters against its ``_parameter_constraints``."""
    estimator._validate_params()


def signature_param_names(cls):
    """Constructor parameters of ``cls`` by scikit-learn's rule (its signature)."""
    return BaseEstimator._get_param_names.__func__(cls)


# --------------------------------------------------------------------------
# skorch
# --------------------------------------------------------------------------


class SkorchStateDefaults:
    """Class-level defaults of the skorch state that a net has before its first fit.

    skorch creates these attributes in ``NeuralNet.__init__``; skspec's nets
    store their constructor parameters the scikit-learn way instead and
    inherit these defaults (instance attributes replace them on fit).
    ``_params_to_validate`` holds the names of the skorch-style
    ``component__param`` arguments that skorch checks at the start of
    training.
    """

    history_ = None
    initialized_ = False
    virtual_params_ = MappingProxyType({})
    _params_to_validate = frozenset()


def skorch_extra_params(net):
    """Names of the skorch-style ``component__param`` arguments set on ``net``."""
    return net._params_to_validate


def set_skorch_extra_params(net, names):
    """Record ``names`` as ``component__param`` arguments for skorch to validate."""
    net._params_to_validate = set(names)


def reinitialize_callbacks(net):
    """Rebuild an initialised net's callbacks after ``callbacks`` changed."""
    net._initialize_callbacks()
