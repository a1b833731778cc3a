"""VGG-16 for spectra, 1D or 2D, with a width multiplier."""

from torch import nn

from ._blocks import ConvBNAct, SpectrumNormalizer, max_pool, mlp, output_numel, scaled

#: VGG-16 ("configuration D"): output channels, "M" for 2x max pooling.
VGG16_LAYERS = (
    64,
    64,
    "M",
    128,
    128,
    "M",
    256,
    256,
    256,
    "M",
    512,
    512,
    512,
    "M",
    512,
    512,
    512,
    "M",
)


class VGG16(nn.Module):
    """Thirteen 3-wide convolutions in five pooled stages, three dense layers.

    Parameters
    ----------
    in_shape : tuple of int
        ``(L,)`` builds ``Conv1d`` layers, ``(H, W)`` builds ``Conv2d``.
    n_classes : int
    width : float, default=0.125
        Multiplier of the channels (64 ... 512) and of the dense layers
        (4096); ``width=1.0`` is the original VGG-16.
    dropout : float, default=0.5
    batch_norm : bool, default=True
        Batch normalisation after each convolution (VGG-16-BN); the original
        network has none.
    normalization : {"median", "mean", "median+standard", "median+center", None}, default="median"
    """

    def __init__(
        self, in_shape, n_classes, width=0.125, dropout=0.5, batch_norm=True, normalization="median"
    ):
        super().__init__()
        ndim = len(in_shape)
        self.normalizer = SpectrumNormalizer(normalization)
        layers, c_in = [], 1
        for v in VGG16_LAYERS:
            if v == "M":
                layers.append(max_pool(ndim, 2))
            else:
                layers.append(ConvBNAct(ndim, c_in, scaled(v, width), 3, batch_norm=batch_norm))
                c_in = scaled(v, width)
        self.features = nn.Sequential(*layers)
        hidden = scaled(4096, width)
        self.head = mlp(
            output_numel(self.features, in_shape), (hidden, hidden), n_classes, dropout=dropout
        )

    def forward(self, x):
        return self.head(self.features(self.normalizer(x).unsqueeze(1)))
