"""ResNet-18 for spectra, 1D or 2D, with a width multiplier."""

from torch import nn

from ._blocks import ConvBNAct, ResidualBlock, SpectrumNormalizer, layer, max_pool, scaled


class ResNet18(nn.Module):
    """ResNet-18: a strided stem, four stages of two residual blocks, global pooling.

    Parameters
    ----------
    in_shape : tuple of int
        ``(L,)`` builds ``Conv1d`` layers, ``(H, W)`` builds ``Conv2d``.
    n_classes : int
    width : float, default=0.25
        Multiplier of the stage channels (64, 128, 256, 512); ``width=1.0`` is
        the original ResNet-18.
    normalization : {"median", "mean", "median+standard", "median+center", None}, default="median"
    """

    def __init__(self, in_shape, n_classes, width=0.25, normalization="median"):
        super().__init__()
        ndim = len(in_shape)
        self.normalizer = SpectrumNormalizer(normalization)
        c = [scaled(v, width) for v in (64, 128, 256, 512)]
        self.stem = nn.Sequential(
            ConvBNAct(ndim, 1, c[0], 7, stride=2), max_pool(ndim, 3, stride=2, padding=1)
        )
        stages, c_in = [], c[0]
        for i, c_out in enumerate(c):
            stride = 1 if i == 0 else 2
            stages += [ResidualBlock(ndim, c_in, c_out, stride), ResidualBlock(ndim, c_out, c_out)]
            c_in = c_out
        self.stages = nn.Sequential(*stages)
        self.pool = layer("adaptive_avgpool", ndim)(1)
        self.fc = nn.Linear(c_in, n_classes)

    def forward(self, x):
        h = self.stages(self.stem(self.normalizer(x).unsqueeze(1)))
        return self.fc(self.pool(h).flatten(1))
