"""Transformers of the EMCCNN paper and of everyday spectroscopy."""

from ._continuum import ContinuumNormalizer
from ._fold import Folder2D
from ._indices import SpectralIndices, measure_indices
from ._resample import QuadraticResampler
from ._snr import SNRBinner

# Keep last: _denoiser imports skspec.models, whose modules import names above
# from this package.
from ._denoiser import SupervisedDenoiser  # noqa: E402

__all__ = [
    "ContinuumNormalizer",
    "Folder2D",
    "QuadraticResampler",
    "SNRBinner",
    "SpectralIndices",
    "SupervisedDenoiser",
    "measure_indices",
]
