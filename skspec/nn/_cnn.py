"""The paper's plain CNN, in 1D (spectra) or 2D (folded spectra)."""

from torch import nn

from ._blocks import ConvBNAct, SpectrumNormalizer, max_pool, mlp, output_numel


class PlainCNN(nn.Module):
    """Convolution blocks (conv, batch norm, ReLU, 2x max pooling) and dense layers.

    Parameters
    ----------
    in_shape : tuple of int
        ``(L,)`` builds ``Conv1d`` layers, ``(H, W)`` builds ``Conv2d``.
    n_classes : int
    channels : sequence of int, default=(16, 32, 64)
        Output channels of each convolution block.
    kernel_size : int, default=5
    hidden_units : int, default=128
    dropout : float, default=0.3
    normalization : {"median", "mean", "median+standard", "median+center", None}, default="median"
    """

    def __init__(
        self,
        in_shape,
        n_classes,
        channels=(16, 32, 64),
        kernel_size=5,
        hidden_units=128,
        dropout=0.3,
        normalization="median",
    ):
        super().__init__()
        ndim = len(in_shape)
        self.normalizer = SpectrumNormalizer(normalization)
        blocks, c_in = [], 1
        for c in channels:
            blocks += [ConvBNAct(ndim, c_in, int(c), kernel_size), max_pool(ndim, 2)]
            c_in = int(c)
        self.features = nn.Sequential(*blocks)
        self.head = mlp(
            output_numel(self.features, in_shape), (hidden_units,), n_classes, dropout=dropout
        )

    def forward(self, x):
        return self.head(self.features(self.normalizer(x).unsqueeze(1)))
