"""Transformers of the EMCCNN paper and of everyday spectroscopy.

:class:`SupervisedDenoiser` is a torch network: it is imported on first use,
so that ``import skspec.preprocessing`` does not load torch and skorch.
"""

from ._bad_pixels import BadPixelInterpolator
from ._continuum import ContinuumNormalizer
from ._fold import Folder2D
from ._indices import SpectralIndices, measure_indices
from ._resample import QuadraticResampler
from ._scope import index_subtype, out_of_scope_score
from ._snr import SNRBinner

__all__ = [
    "BadPixelInterpolator",
    "ContinuumNormalizer",
    "Folder2D",
    "QuadraticResampler",
    "SNRBinner",
    "SpectralIndices",
    "SupervisedDenoiser",
    "index_subtype",
    "measure_indices",
    "out_of_scope_score",
]


def __getattr__(name):
    # PEP 562: the torch-backed transformer is loaded on first access.
    if name != "SupervisedDenoiser":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from ._denoiser import SupervisedDenoiser

    globals()[name] = SupervisedDenoiser  # later look-ups skip this function
    return SupervisedDenoiser


def __dir__():
    return sorted(set(globals()) | set(__all__))
