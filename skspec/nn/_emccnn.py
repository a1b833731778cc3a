"""EMCCNN: the Enhanced Multi-scale Coded CNN of the paper, as a torch module."""

from torch import nn

from ._blocks import MultiScaleBlock, mlp
from ._denoising import DenoisingAutoencoder


class EMCCNN(nn.Module):
    """Supervised denoising encoder, multi-scale convolutions, dense layers.

    ``x -> normalise -> encoder -> code``; the code feeds (a) the decoder,
    whose reconstruction is trained towards clean class templates, and (b)
    parallel convolution branches, one per kernel size, whose pooled outputs
    are concatenated and weighted by fully connected layers. The network is
    deliberately shallow (one convolution per branch), as the paper argues.

    Parameters
    ----------
    n_classes : int
    kernel_sizes : sequence of int, default=(3, 7, 15, 31)
        Kernel size of each multi-scale branch, in code pixels (one code
        pixel is four input pixels).
    code_channels : int, default=8
        Channels of the denoising code.
    branch_channels : int, default=12
        Channels of each branch.
    pool_size : int, default=32
        Length each branch is pooled to before the dense layers.
    hidden_units : int, default=128
        Width of the hidden dense layer.
    dropout : float, default=0.3
    normalization : {"median", "mean", "median+standard", "median+center", None}, default="median"
    encoder_kernel_size : int, default=5
        Width of the encoder and decoder convolutions, in code pixels.

    Notes
    -----
    ``forward(x)`` with ``x`` of shape ``(n, L)`` returns
    ``(logits, reconstruction)`` in training mode and ``logits`` in eval
    mode (the decoder is skipped at inference, so the validation loss is the
    classification loss alone); :meth:`reconstruct` gives the decoder output,
    shape ``(n, L)``, in normalised flux units.
    """

    def __init__(
        self,
        n_classes,
        kernel_sizes=(3, 7, 15, 31),
        code_channels=8,
        branch_channels=12,
        pool_size=32,
        hidden_units=128,
        dropout=0.3,
        normalization="median",
        encoder_kernel_size=5,
    ):
        super().__init__()
        self.denoiser = DenoisingAutoencoder(code_channels, encoder_kernel_size, normalization)
        # Branch stride 2 halves the cost; the code is already 4x downsampled.
        self.multiscale = MultiScaleBlock(
            1, code_channels, branch_channels, kernel_sizes, stride=2, pool_size=pool_size
        )
        self.head = mlp(
            self.multiscale.out_channels * pool_size, (hidden_units,), n_classes, dropout=dropout
        )

    def forward(self, x):
        x = self.denoiser.normalizer(x)
        code = self.denoiser.encode(x)
        logits = self.head(self.multiscale(code))
        if not self.training:
            return logits  # the decoder only serves the training loss
        return logits, self.denoiser.decode(code, x.shape[-1])

    def reconstruct(self, x):
        """Denoised, normalised spectra ``(n, L)`` from the decoder."""
        return self.denoiser(x)[0]
