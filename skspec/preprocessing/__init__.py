"""Transformers of the EMCCNN paper and of everyday spectroscopy."""

from ._bad_pixels import BadPixelInterpolator
from ._continuum import ContinuumNormalizer
from ._fold import Folder2D
from ._indices import SpectralIndices, measure_indices
from ._resample import QuadraticResampler
from ._scope import index_subtype, out_of_scope_score
from ._snr import SNRBinner

# isort: off
# Keep last: _denoiser imports skspec.models, whose modules import the names
# above from this package.
from ._denoiser import SupervisedDenoiser  # noqa: E402
# isort: on

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
