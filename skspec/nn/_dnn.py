"""A fully connected network on the whole spectrum (the paper's DNN baseline)."""

from torch import nn

from ._blocks import SpectrumNormalizer, mlp


class DNN(nn.Module):
    """Normalised spectrum -> dense ReLU layers -> logits.

    Parameters
    ----------
    n_features : int
        Pixels per spectrum (a folded input is flattened).
    n_classes : int
    hidden_layer_sizes : sequence of int, default=(512, 256, 128, 64)
        Four hidden layers, as in the paper.
    dropout : float, default=0.2
    normalization : {"median", "mean", "median+standard", "median+center", None}, default="median"
    """

    def __init__(
        self,
        n_features,
        n_classes,
        hidden_layer_sizes=(512, 256, 128, 64),
        dropout=0.2,
        normalization="median",
    ):
        super().__init__()
        self.normalizer = SpectrumNormalizer(normalization)
        self.body = mlp(n_features, hidden_layer_sizes, n_classes, dropout=dropout)

    def forward(self, x):
        return self.body(self.normalizer(x))
