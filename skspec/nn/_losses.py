"""Training losses of the networks: classification and supervised denoising."""

import torch
import torch.nn.functional as F
from torch import nn


class SupervisedDenoisingLoss(nn.Module):
    """Reconstruction towards class templates, optionally plus classification.

    ``loss = classification(logits, y) + weight * MSE(reconstruction, T[y])``
    where ``T`` holds one clean target spectrum per class: the mean of the
    normalised training spectra of that class (see :meth:`update_templates`).

    Why class means: they are the best noise-free estimate of a class member
    that the training labels alone provide (averaging N spectra divides the
    noise by sqrt(N)) and need no external template library. Regressing a
    spectrum onto its class mean removes noise *and* within-class nuisance
    variation (radial velocity, metallicity, calibration wobble), which is
    what a classifier wants; it also means the reconstruction of an
    ambiguous spectrum is pulled towards a class prototype.

    Parameters
    ----------
    n_classes : int
    n_features : int
        Pixels per spectrum.
    classification : {"cross_entropy", "mse", None}, default="cross_entropy"
        Classification term on the logits (see :class:`ClassificationLoss`);
        None for a pure denoiser whose model output is the reconstruction.
    weight : float, default=1.0
        Weight of the reconstruction term.
    label_smoothing : float, default=0.0
        Label smoothing of the classification term (see
        :class:`ClassificationLoss`).
    ordinal_width : float, default=0.0
        Soft ordinal targets of the classification term (see
        :class:`ClassificationLoss`).
    positions : array-like of shape (n_classes,), default=None
        Class positions for ``ordinal_width`` and ``label_noise`` (see
        :class:`ClassificationLoss`).
    label_noise : float > 0, default=0.28
        Width of the targets built from the stars' own subtypes (see
        :class:`ClassificationLoss`).

    Notes
    -----
    With ``classification`` set, the model output is ``(logits,
    reconstruction)``, or bare ``logits`` (then only the classification
    term is computed: EMCCNN skips its decoder in eval mode, so its
    validation loss is the classification loss). Without, the output is
    ``reconstruction`` or ``(reconstruction, code)``.
    """

    def __init__(
        self,
        n_classes,
        n_features,
        classification="cross_entropy",
        weight=1.0,
        label_smoothing=0.0,
        ordinal_width=0.0,
        positions=None,
        label_noise=0.28,
    ):
        super().__init__()
        self.classification = (
            None
            if classification is None
            else ClassificationLoss(
                n_classes, classification, label_smoothing, ordinal_width, positions, label_noise
            )
        )
        self.weight = float(weight)
        self.register_buffer("templates", torch.zeros(n_classes, n_features))
        self.register_buffer("counts", torch.zeros(n_classes))

    @torch.no_grad()
    def update_templates(self, x_normalised, y):
        """Fold normalised spectra ``x`` with class indices ``y`` into the class means.

        Running means: a later ``partial_fit`` call refines the templates
        instead of replacing them.
        """
        x_normalised = x_normalised.to(self.templates)
        y = y.to(self.templates.device)
        n = torch.bincount(y, minlength=self.templates.shape[0]).to(self.counts)
        sums = torch.zeros_like(self.templates).index_add_(0, y, x_normalised)
        total = self.counts + n
        self.templates.copy_(
            (self.templates * self.counts[:, None] + sums) / total.clamp(min=1)[:, None]
        )
        self.counts.copy_(total)

    def forward(self, output, y, subtype=None):
        if self.classification is None:
            recon = output[0] if isinstance(output, tuple) else output
            return F.mse_loss(recon, self.templates[y])
        if not isinstance(output, tuple):
            return self.classification(output, y, subtype)
        logits, recon = output[0], output[1]
        loss = self.classification(logits, y, subtype)
        if self.weight:
            loss = loss + self.weight * F.mse_loss(recon, self.templates[y])
        return loss


class ClassificationLoss(nn.Module):
    """Classification loss on logits: cross-entropy, or the paper's MSE.

    Parameters
    ----------
    n_classes : int
    kind : {"cross_entropy", "mse"}, default="cross_entropy"
        ``"mse"`` is the EMCCNN paper's choice: mean squared error between
        the softmax probabilities and one-hot targets.
    label_smoothing : float in [0, 1), default=0.0
        The target puts ``1 - label_smoothing`` on the labelled class and
        spreads ``label_smoothing`` evenly over all classes (torch's
        ``cross_entropy(label_smoothing=...)``); the same smoothed target
        is used by ``"mse"``. 0 is the plain one-hot target.
    ordinal_width : float >= 0, default=0.0
        Soft ordinal targets (Diaz & Marathe 2019, "Soft labels for ordinal
        regression"): the target of class ``c`` is ``exp(-(p_k - p_c)**2 /
        (2 * ordinal_width**2))`` over the classes ``k``, normalised, where
        ``p`` are the class ``positions``. Neighbouring classes then cost
        less than distant ones. 0 is the one-hot target.
    positions : array-like of shape (n_classes,), default=None
        Position of each class on its ordered scale (e.g. subtype numbers,
        M0 = 0); None uses 0, 1, ..., n_classes - 1. Read with
        ``ordinal_width`` and with subtypes.
    label_noise : float > 0, default=0.28
        Scatter of the stars' own subtypes about their labels (the
        ``label_noise`` of :func:`~skspec.datasets.make_mdwarf_spectra`,
        whose stars have ``subtype = label + N(0, label_noise)``). Only read
        when :meth:`forward` is given each star's ``subtype``: the target is
        then the probability of each label given that subtype,
        ``exp(-(p_k - subtype)**2 / (2 * label_noise**2))``, normalised over
        the classes (the posterior under a flat prior over the classes), in
        place of the labelled class's one-hot or ordinal target.
    """

    def __init__(
        self,
        n_classes,
        kind="cross_entropy",
        label_smoothing=0.0,
        ordinal_width=0.0,
        positions=None,
        label_noise=0.28,
    ):
        super().__init__()
        if kind not in ("cross_entropy", "mse"):
            raise ValueError(f"kind must be 'cross_entropy' or 'mse', got {kind!r}")
        if not 0 <= label_smoothing < 1:
            raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing!r}")
        if not 0 <= ordinal_width < float("inf"):
            raise ValueError(f"ordinal_width must be finite and >= 0, got {ordinal_width!r}")
        if not 0 < label_noise < float("inf"):
            raise ValueError(f"label_noise must be finite and > 0, got {label_noise!r}")
        self.n_classes = int(n_classes)
        self.kind = kind
        self.label_smoothing = float(label_smoothing)
        self.ordinal_width = float(ordinal_width)
        self.label_noise = float(label_noise)
        positions = (
            torch.arange(self.n_classes) if positions is None else torch.as_tensor(positions)
        )
        if positions.shape != (self.n_classes,):
            raise ValueError(
                f"positions must hold one number per class ({self.n_classes}), "
                f"got shape {tuple(positions.shape)}"
            )
        if not torch.isfinite(positions.to(torch.float64)).all():
            raise ValueError(f"positions must be finite, got {positions.tolist()}")
        # A plain attribute, not a buffer: it stays out of state_dict, so
        # criterion parameters saved before it existed still load.
        self.positions = positions.to(torch.float32)

    def __setstate__(self, state):
        # Losses pickled before label_smoothing / ordinal_width / label_noise
        # existed trained without the first two and never saw subtypes.
        super().__setstate__(
            {"label_smoothing": 0.0, "ordinal_width": 0.0, "label_noise": 0.28, **state}
        )

    def target(self, y, dtype=torch.float32, subtype=None):
        """The training target of each labelled spectrum, as class probabilities.

        One-hot, blurred over the neighbouring classes by ``ordinal_width``
        (a Gaussian in class position, renormalised); or, given each star's
        ``subtype``, the probability of each class given it (a Gaussian of
        width ``label_noise`` centred on the subtype); then mixed with the
        uniform distribution by ``label_smoothing``.

        Parameters
        ----------
        y : torch.Tensor of shape (n,)
            Class indices.
        dtype : torch.dtype, default=torch.float32
        subtype : torch.Tensor of shape (n,), default=None
            Each star's own subtype on the scale of ``positions``.

        Returns
        -------
        target : torch.Tensor of shape (n, n_classes)
            Rows summing to 1, on ``y``'s device.
        """
        if subtype is not None or self.ordinal_width:
            pos = self.positions.to(device=y.device, dtype=dtype)
            if subtype is None:
                centre, width = pos[y], self.ordinal_width
            else:
                centre, width = subtype.to(device=y.device, dtype=dtype), self.label_noise
            z = (pos[None, :] - centre[:, None]) / width
            target = torch.softmax(-0.5 * z**2, dim=1)
        else:
            target = F.one_hot(y, self.n_classes).to(dtype)
        if self.label_smoothing:
            target = target * (1 - self.label_smoothing) + self.label_smoothing / self.n_classes
        return target

    def forward(self, output, y, subtype=None):
        """The loss of ``output`` against the targets of ``y`` (and ``subtype``, if given)."""
        logits = output[0] if isinstance(output, tuple) else output
        if self.kind == "cross_entropy":
            if not self.ordinal_width and subtype is None:
                return F.cross_entropy(logits, y, label_smoothing=self.label_smoothing)
            return F.cross_entropy(logits, self.target(y, logits.dtype, subtype))
        return F.mse_loss(torch.softmax(logits, dim=-1), self.target(y, logits.dtype, subtype))

    def extra_repr(self):
        text = f"n_classes={self.n_classes}, kind={self.kind!r}"
        if self.label_smoothing:
            text += f", label_smoothing={self.label_smoothing}"
        if self.ordinal_width:
            text += f", ordinal_width={self.ordinal_width}"
        return text
