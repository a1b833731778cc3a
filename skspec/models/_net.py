"""Deprecated alias of ``skspec.nn._net`` (the skorch base moved there in 0.2.0).

Kept for one release so that code importing the base classes from here, and
model files pickled by skspec 0.1 (whose callbacks name functions of this
module), still work; it will be removed in 0.3.
"""

import warnings

from ..nn import _net
from ..nn._net import *  # noqa: F403 (the 0.1 path, re-exported for one release)
from ..nn._net import __all__  # noqa: F401

warnings.warn(
    "skspec.models._net is deprecated since skspec 0.2.0 and will be removed in "
    "0.3; the skorch base now lives in skspec.nn._net",
    DeprecationWarning,
    stacklevel=2,
)


def __getattr__(name):
    # Every other name of the new module, private ones included (pickles name
    # skspec.models._net._encoded_accuracy).
    try:
        return getattr(_net, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
