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

    After every training batch the average moves towards the current
    weights by ``1 - exp(-1 / (tau * batches_per_epoch))``; floating-point
    buffers (batch-norm statistics) are averaged too, integer ones copied.
    Before each epoch's validation the averaged weights are loaded into the
    module (the raw ones are kept aside and put back before the next
    epoch's training), so validation scores, early stopping's checkpoint
    and the final module are the average. Without a validation split the
    average is loaded at the end of each epoch. The copies are dropped when
    training ends, so a pickled network holds one set of weights.

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
        self.decay_ = None
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        # The module's standardising buffers are fitted after this hook (in
        # get_split_datasets), so the average starts at the first epoch.
        self.initialize()

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        if self.raw_ is not None:
            net.module_.load_state_dict(self.raw_)  # copies in place: the optimiser's tensors
            self.raw_ = None
        if self.average_ is None:
            self.average_ = _clone_state(net.module_)
        batch_size = net.get_params_for("iterator_train").get("batch_size", net.batch_size)
        n = len(dataset_train) if dataset_train is not None else 1
        batches = 1 if batch_size in (-1, None) else max(1, math.ceil(n / batch_size))
        self.decay_ = math.exp(-1.0 / (self.tau * batches))

    @torch.no_grad()
    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if not training or self.average_ is None:
            return
        w = 1.0 - self.decay_
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
        self.initialize()

    def _load_average(self, net):
        if self.raw_ is None and self.average_ is not None:
            self.raw_ = _clone_state(net.module_)
            net.module_.load_state_dict(self.average_)
