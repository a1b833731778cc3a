"""The supervised denoising encoder shared by EMCCNN and SupervisedDenoiser."""

import torch.nn.functional as F
from torch import nn

from ._blocks import ConvBNAct, SpectrumNormalizer


class DenoisingAutoencoder(nn.Module):
    """Convolutional encoder/decoder for 1-D spectra.

    The encoder folds a normalised spectrum of length ``L`` into ``stride``
    interleaved channels of length ``ceil(L / stride)`` ("space to depth":
    channel ``j`` holds pixels ``j, j + stride, ...``), then applies two
    convolutions, giving a code of ``code_channels`` channels at
    ``1 / stride`` of the input resolution. The decoder mirrors it: two
    convolutions back to ``stride`` channels, unfolded to length ``L``.
    Folding is a strided convolution done as a reshape, which keeps the
    first layer cheap (a 1-channel convolution is slow on CPUs) and loses no
    pixel. There is no skip connection from input to output, so the output
    is whatever the training target teaches, not a copy of the input.

    What "denoised" means is set by the training target, not by this module:
    EMCCNN and :class:`~skspec.preprocessing.SupervisedDenoiser` train it
    towards the class mean of the normalised training spectra (see
    :class:`~skspec.nn.SupervisedDenoisingLoss`).

    Parameters
    ----------
    code_channels : int, default=8
        Channels of the code.
    kernel_size : int, default=5
        Width of every convolution, in code pixels.
    normalization : {"median", "mean", "median+standard", "median+center", None}, default="median"
        Per-spectrum flux normalisation applied first, with per-pixel
        standardisation for ``"median+standard"`` and per-pixel centring
        with one global scale for ``"median+center"`` (see
        :class:`SpectrumNormalizer`).
    stride : int, default=4
        Input pixels per code pixel.

    Notes
    -----
    ``forward(x)`` takes raw flux ``x`` of shape ``(n, L)`` and returns
    ``(reconstruction, code)``: the reconstruction is in normalised units,
    shape ``(n, L)``; the code has shape
    ``(n, code_channels, ceil(L / stride))``.
    """

    def __init__(self, code_channels=8, kernel_size=5, normalization="median", stride=4):
        super().__init__()
        self.stride = int(stride)
        self.normalizer = SpectrumNormalizer(normalization)
        self.encoder = nn.Sequential(
            ConvBNAct(1, self.stride, code_channels, kernel_size),
            ConvBNAct(1, code_channels, code_channels, kernel_size),
        )
        self.decoder = nn.Sequential(
            ConvBNAct(1, code_channels, code_channels, kernel_size),
            nn.Conv1d(code_channels, self.stride, kernel_size, padding=kernel_size // 2),
        )
        if normalization in ("median", "mean"):
            # Normalised spectra sit around 1: start the reconstruction there
            # (standardised or centred ones sit around 0, the default bias).
            nn.init.constant_(self.decoder[-1].bias, 1.0)

    def encode(self, x_normalised):
        """Code of normalised spectra ``(n, L)`` -> ``(n, C, ceil(L / stride))``."""
        n, length = x_normalised.shape
        pad = -length % self.stride
        if pad:  # repeat the last pixel up to a whole number of code pixels
            x_normalised = F.pad(x_normalised.unsqueeze(1), (0, pad), mode="replicate")
        folded = x_normalised.reshape(n, -1, self.stride).transpose(1, 2).contiguous()
        return self.encoder(folded)

    def decode(self, code, length):
        """Reconstruct normalised spectra of ``length`` pixels from ``code``."""
        h = self.decoder(code)  # (n, stride, m)
        return h.transpose(1, 2).reshape(len(h), -1)[:, :length]

    def forward(self, x):
        x = self.normalizer(x)
        code = self.encode(x)
        return self.decode(code, x.shape[-1]), code
