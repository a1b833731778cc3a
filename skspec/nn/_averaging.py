"""An exponential moving average of a network's weights, as a skorch callback.

The weights at the end of any one epoch carry that epoch's last few batches'
noise; their running average over the last epoch or two sits nearer the
middle of the valley the optimiser moves in (Polyak averaging; Izmailov et
al. 2018 for its effect on generalisation). The average, not the raw
weights, is what each epoch validates, what early stopping keeps and what
the network predicts with, so the choice of epoch and the temperature are
made on the model that is shipped. Measured on EMCCNN in BENCHMARKS.md
("Averaging the weights").
"""

import math

import torch
from skorch.callbacks import Callback


def _clone_state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


class WeightAveraging(Callback):
    """Exponential moving average of the weights, with a time constant in epochs.

    After the n-th training batch the average moves towards the current
    weights by ``(1 - d) / (1 - d**n)`` with ``d = exp(-1 / (tau *
    batches_per_epoch))``: an exponential average with the bias correction
    of Adam's moments, so that no trace of the initial weights is left (the
    first batch's weights are the first average; with a very long ``tau``
    it is the plain mean of all the weights visited). Floating-point buffers
    (batch-norm statistics) are averaged too, integer ones copied.

    Before each epoch's validation the averaged weights are loaded into the
    module, and the raw ones are put back before the next epoch's training,
    so validation scores, early stopping's checkpoint and the final module
    are the average while training follows its own path. Without a
    validation split the average is loaded at the end of each epoch. A
    ``partial_fit`` in the same process trains on from the raw weights and
    continues the average. Pickling drops both copies, so a saved network
    holds one set of weights; a ``partial_fit`` after loading starts a new
    average from the weights it holds.

    Parameters
    ----------
    tau : float > 0
        Time constant of the average, in epochs.
    """

    def __init__(self, tau):
        self.tau = tau

    def initialize(self):
        self.average_ = None
        self.raw_ = None
        self.rate_ = None
        self.n_updates_ = 0
        return self

    def __getstate__(self):
        state = dict(self.__dict__)
        state.update(average_=None, raw_=None, n_updates_=0)
        return state

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        # Training goes on from the raw weights, also at the start of a
        # partial_fit after a fit (the module then holds the average).
        self._load_raw(net)
        # Started here, not at on_train_begin: the module's standardising
        # buffers are fitted after that hook (in get_split_datasets).
        if self.average_ is None:
            self.average_ = _clone_state(net.module_)
            self.n_updates_ = 0
        batches = 1 if dataset_train is None else len(net.get_iterator(dataset_train, True))
        self.rate_ = 1.0 / (self.tau * max(1, batches))  # -log d

    @torch.no_grad()
    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if not training or self.average_ is None:
            return
        self.n_updates_ += 1
        # (1 - d) / (1 - d**n), accurate for d close to 1.
        w = math.expm1(-self.rate_) / math.expm1(-self.rate_ * self.n_updates_)
        for name, value in net.module_.state_dict().items():
            avg = self.average_[name]
            if value.is_floating_point() and avg.shape == value.shape:
                avg.lerp_(value, w)
            else:
                self.average_[name] = value.detach().clone()

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if not training:
            self._load_average(net)

    def on_epoch_end(self, net, **kwargs):
        self._load_average(net)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        self._load_average(net)

    def _load_average(self, net):
        if self.raw_ is None and self.average_ is not None:
            self.raw_ = _clone_state(net.module_)
            net.module_.load_state_dict(self.average_)

    def _load_raw(self, net):
        if self.raw_ is not None:
            net.module_.load_state_dict(self.raw_)  # copies in place: the optimiser's tensors
            self.raw_ = None
