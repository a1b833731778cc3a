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
    ):
        super().__init__()
        self.classification = (
            None
            if classification is None
            else ClassificationLoss(n_classes, classification, label_smoothing)
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

    def forward(self, output, y):
        if self.classification is None:
            recon = output[0] if isinstance(output, tuple) else output
            return F.mse_loss(recon, self.templates[y])
        if not isinstance(output, tuple):
            return self.classification(output, y)
        logits, recon = output[0], output[1]
        loss = self.classification(logits, y)
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
    """

    def __init__(self, n_classes, kind="cross_entropy", label_smoothing=0.0):
        super().__init__()
        if kind not in ("cross_entropy", "mse"):
            raise ValueError(f"kind must be 'cross_entropy' or 'mse', got {kind!r}")
        if not 0 <= label_smoothing < 1:
            raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing!r}")
        self.n_classes = int(n_classes)
        self.kind = kind
        self.label_smoothing = float(label_smoothing)

    def __setstate__(self, state):
        # Losses pickled before label_smoothing existed trained without it.
        super().__setstate__({"label_smoothing": 0.0, **state})

    def forward(self, output, y):
        logits = output[0] if isinstance(output, tuple) else output
        if self.kind == "cross_entropy":
            return F.cross_entropy(logits, y, label_smoothing=self.label_smoothing)
        target = F.one_hot(y, self.n_classes).to(logits.dtype)
        if self.label_smoothing:
            target = target * (1 - self.label_smoothing) + self.label_smoothing / self.n_classes
        return F.mse_loss(torch.softmax(logits, dim=-1), target)

    def extra_repr(self):
        text = f"n_classes={self.n_classes}, kind={self.kind!r}"
        if self.label_smoothing:
            text += f", label_smoothing={self.label_smoothing}"
        return text
