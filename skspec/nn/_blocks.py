"""Building blocks shared by every network, written once and composed.

The 1D/2D switch lives here: every block takes ``ndim`` (1 for spectra of
shape ``(L,)``, 2 for spectra folded to ``(H, W)``) and picks ``Conv1d`` or
``Conv2d``, ``BatchNorm1d`` or ``BatchNorm2d``, and so on. Pooling uses
``ceil_mode`` so that a block never shrinks an input to zero length, which
lets the networks accept any width down to a single pixel.
"""

import torch
from torch import nn

_LAYERS = {
    1: {
        "conv": nn.Conv1d,
        "bn": nn.BatchNorm1d,
        "maxpool": nn.MaxPool1d,
        "adaptive_avgpool": nn.AdaptiveAvgPool1d,
    },
    2: {
        "conv": nn.Conv2d,
        "bn": nn.BatchNorm2d,
        "maxpool": nn.MaxPool2d,
        "adaptive_avgpool": nn.AdaptiveAvgPool2d,
    },
}

#: Accepted values of the ``normalization`` argument of the networks.
NORMALIZATIONS = ("median", "mean", "median+standard", "median+center", None)

#: The normalisations whose per-pixel statistics are fitted on training data.
STANDARDIZED_NORMALIZATIONS = ("median+standard", "median+center")


def layer(kind, ndim):
    """Return the torch layer class of ``kind`` for ``ndim`` spatial dimensions.

    Parameters
    ----------
    kind : {"conv", "bn", "maxpool", "adaptive_avgpool"}
    ndim : {1, 2}

    Returns
    -------
    type
        E.g. ``nn.Conv1d`` for ``layer("conv", 1)``.
    """
    if ndim not in _LAYERS:
        raise ValueError(f"ndim must be 1 or 2, got {ndim!r}")
    return _LAYERS[ndim][kind]


class SpectrumNormalizer(nn.Module):
    """Divide each spectrum by its own flux level, optionally standardise each pixel.

    Makes every network invariant to the overall flux scale: SDSS fluxes are
    about 1e-17 erg/s/cm^2/A while synthetic or template fluxes are
    arbitrary. The level is the median of ``|flux|`` over all pixels
    (robust to sky residuals and cosmic rays; dividing by the median kept the
    broad spectral shape that transfers from synthetic to real spectra), or
    the mean of ``|flux|``. A spectrum whose median is zero falls back to its
    mean, and an all-zero spectrum is left unscaled.

    ``"median+standard"`` then standardises each pixel, as
    ``StandardScaler`` does after ``ContinuumNormalizer`` in the SVM's
    pipeline: ``(x / median|x| - pixel_mean_) / pixel_std_``. The per-pixel
    statistics are buffers of the module (saved and pickled with it), fitted
    by :meth:`fit` on the training spectra; the networks call it on the
    training part of their first fit (validation split excluded), before the
    first epoch. Until fitted the module only divides by the median.

    ``"median+center"`` subtracts the same per-pixel mean but divides every
    pixel by one global scale, the median over pixels of the per-pixel std:
    ``(x / median|x| - pixel_mean_) / scale``. The input is centred and of
    unit order, as with ``"median+standard"``, but the relative weight of
    the pixels is that of the median-normalised spectrum: a pixel where the
    training spectra vary little is not amplified.

    Parameters
    ----------
    method : {"median", "mean", "median+standard", "median+center", None}, default="median"
        Flux level to divide by, and whether to standardise (or centre)
        each pixel; None disables the normalisation.

    Attributes
    ----------
    pixel_mean_ : torch.Tensor of shape (L,) or (H, W)
        Per-pixel mean of the median-normalised training spectra (empty
        until fitted, and for the other methods).
    pixel_std_ : torch.Tensor of the same shape
        What each centred pixel is divided by. ``"median+standard"``: the
        per-pixel standard deviation (ddof=0); a pixel that is constant in
        training (std below 1e-6) is divided by 1, as in ``StandardScaler``;
        any other std is floored at 1 % of the median pixel std, so that a
        pixel with little training spread cannot blow up a spectrum unlike
        the training set (e.g. a real star). ``"median+center"``: the median
        of the per-pixel stds at every pixel (1 if it is below 1e-6).
    """

    #: Relative floor on the per-pixel std (fraction of the median pixel std).
    std_floor = 0.01

    def __init__(self, method="median"):
        super().__init__()
        if method not in NORMALIZATIONS:
            raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {method!r}")
        self.method = method
        self.register_buffer("pixel_mean_", torch.empty(0))
        self.register_buffer("pixel_std_", torch.empty(0))

    @property
    def standardizes(self):
        """Whether this normaliser centres and scales each pixel (needs :meth:`fit`)."""
        return self.method in STANDARDIZED_NORMALIZATIONS

    @property
    def fitted(self):
        """Whether the per-pixel statistics have been fitted."""
        return self.pixel_mean_.numel() > 0

    def scale(self, x):
        """Per-spectrum flux level, shaped to broadcast against ``x``."""
        flat = x.reshape(x.shape[0], -1).abs()
        mean = flat.mean(dim=1)
        if self.method is None:
            level = torch.ones_like(mean)
        elif self.method == "mean":
            level = mean
        else:
            level = flat.median(dim=1).values
            level = torch.where(level > 0, level, mean)
        level = torch.where(level > 0, level, torch.ones_like(level))
        return level.reshape((-1,) + (1,) * (x.dim() - 1))

    @torch.no_grad()
    def fit(self, x):
        """Fit the per-pixel mean and the scale(s) on training spectra ``x``.

        Parameters
        ----------
        x : torch.Tensor of shape (n, L) or (n, H, W)
            Raw flux (divided by its median here).

        Returns
        -------
        self
        """
        if not self.standardizes:
            return self
        x = torch.as_tensor(x)
        x = (x / self.scale(x)).double()
        mean = x.mean(dim=0)
        std = x.std(dim=0, correction=0)
        if self.method == "median+center":
            # One scale for every pixel: the relative pixel weights are kept.
            scale = std.median()
            std = torch.full_like(std, float(scale) if scale >= 1e-6 else 1.0)
        else:
            floor = self.std_floor * std.median()
            std = torch.where(std < 1e-6, torch.ones_like(std), torch.clamp(std, min=floor))
        device = self.pixel_mean_.device
        self.pixel_mean_ = mean.to(device=device, dtype=torch.float32)
        self.pixel_std_ = std.to(device=device, dtype=torch.float32)
        return self

    def forward(self, x):
        x = x / self.scale(x)
        if self.standardizes and self.fitted:
            if x.shape[1:] != self.pixel_mean_.shape:
                raise ValueError(
                    f"spectra of shape {tuple(x.shape[1:])} but the per-pixel statistics "
                    f"were fitted on shape {tuple(self.pixel_mean_.shape)}"
                )
            x = (x - self.pixel_mean_.to(x.device)) / self.pixel_std_.to(x.device)
        return x

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # The statistics' shape is set by fit; take the saved one on loading.
        for name in ("pixel_mean_", "pixel_std_"):
            saved = state_dict.get(prefix + name)
            if saved is not None:
                setattr(self, name, torch.empty_like(saved, device=getattr(self, name).device))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def extra_repr(self):
        return f"method={self.method!r}"


class ConvBNAct(nn.Sequential):
    """Convolution, optional batch normalisation, ReLU.

    Parameters
    ----------
    ndim : {1, 2}
        Spatial dimensions.
    in_channels, out_channels : int
    kernel_size : int
        Odd sizes keep the length ("same" padding of ``kernel_size // 2``).
    stride : int, default=1
    batch_norm : bool, default=True
    activation : bool, default=True
        Append a ReLU.
    """

    def __init__(
        self,
        ndim,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        batch_norm=True,
        activation=True,
    ):
        layers = [
            layer("conv", ndim)(
                in_channels,
                out_channels,
                kernel_size,
                stride=stride,
                padding=kernel_size // 2,
                bias=not batch_norm,
            )
        ]
        if batch_norm:
            layers.append(layer("bn", ndim)(out_channels))
        if activation:
            layers.append(nn.ReLU(inplace=True))
        super().__init__(*layers)


def max_pool(ndim, kernel_size=2, stride=None, padding=0):
    """Max pooling that never reduces a dimension to zero (``ceil_mode=True``)."""
    return layer("maxpool", ndim)(kernel_size, stride=stride, padding=padding, ceil_mode=True)


class ResidualBlock(nn.Module):
    """The basic block of ResNet-18: two 3-wide convolutions and a shortcut.

    Parameters
    ----------
    ndim : {1, 2}
    in_channels, out_channels : int
    stride : int, default=1
        Stride of the first convolution; the shortcut is a strided 1-wide
        convolution whenever the shape changes.
    """

    def __init__(self, ndim, in_channels, out_channels, stride=1):
        super().__init__()
        self.body = nn.Sequential(
            ConvBNAct(ndim, in_channels, out_channels, 3, stride=stride),
            ConvBNAct(ndim, out_channels, out_channels, 3, activation=False),
        )
        if stride != 1 or in_channels != out_channels:
            self.shortcut = ConvBNAct(
                ndim, in_channels, out_channels, 1, stride=stride, activation=False
            )
        else:
            self.shortcut = nn.Identity()
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.act(self.body(x) + self.shortcut(x))


class MultiScaleBlock(nn.Module):
    """Parallel convolution branches at several kernel sizes, concatenated.

    Each branch is a ``ConvBNAct`` followed by adaptive average pooling to a
    fixed length, so that the branches (whose outputs differ slightly in
    length for even kernels) concatenate along channels and the flattened
    result keeps coarse wavelength positions for the dense layers.

    Parameters
    ----------
    ndim : {1, 2}
    in_channels : int
    branch_channels : int
        Output channels of each branch.
    kernel_sizes : sequence of int
        One branch per size.
    stride : int, default=1
        Stride of the branch convolutions.
    pool_size : int, default=32
        Length each branch is pooled to (per spatial dimension).
    """

    def __init__(self, ndim, in_channels, branch_channels, kernel_sizes, stride=1, pool_size=32):
        super().__init__()
        self.branches = nn.ModuleList(
            nn.Sequential(
                ConvBNAct(ndim, in_channels, branch_channels, int(k), stride=stride),
                layer("adaptive_avgpool", ndim)(pool_size),
            )
            for k in kernel_sizes
        )
        self.out_channels = branch_channels * len(self.branches)

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.branches], dim=1)


def mlp(in_features, hidden_sizes, out_features, dropout=0.0):
    """Dense ReLU layers with dropout, ending in a linear output layer.

    Parameters
    ----------
    in_features : int
    hidden_sizes : sequence of int
        Width of each hidden layer (may be empty: a linear model).
    out_features : int
    dropout : float, default=0.0
        Dropout before every dense layer except the first.

    Returns
    -------
    nn.Sequential
    """
    layers = [nn.Flatten()]
    width = in_features
    for i, h in enumerate(hidden_sizes):
        if i and dropout:
            layers.append(nn.Dropout(dropout))
        layers += [nn.Linear(width, int(h)), nn.ReLU(inplace=True)]
        width = int(h)
    if dropout and hidden_sizes:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(width, out_features))
    return nn.Sequential(*layers)


def output_numel(module, in_shape, in_channels=1):
    """Number of features per sample ``module`` outputs for input ``in_shape``.

    Runs a two-sample forward pass on zeros in eval mode (so batch-norm
    statistics are untouched) without gradients.
    """
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            out = module(torch.zeros((2, in_channels) + tuple(in_shape)))
    finally:
        module.train(was_training)
    return int(out[0].numel())


def scaled(channels, width):
    """``round(channels * width)``, at least 1: the width multiplier."""
    return max(1, round(channels * width))
