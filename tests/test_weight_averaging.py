"""The networks' ``weight_averaging``: an exponential moving average of the weights."""

import pickle

import numpy as np
import pytest
import torch
from _tiny import TINY_FIT, TINY_NETS, tiny
from sklearn.utils._param_validation import InvalidParameterError
from test_networks import make_spectra

from skspec.models import DNNClassifier, EMCCNNClassifier


def _weights(net):
    return {k: v.detach().clone() for k, v in net.module_.state_dict().items()}


def _assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], msg=k)


@pytest.fixture(scope="module")
def data():
    return make_spectra(n_per_class=20, noise=0.1)


def test_the_raw_training_path_is_untouched(data):
    # Averaging reads the weights and puts them back before each epoch's
    # training, so the training losses are those of the unaveraged network,
    # epoch by epoch; the validation, run on the average, differs.
    X, y = data
    kw = {"max_epochs": 4, "validation_fraction": 0.2, "patience": 10}
    plain = tiny(DNNClassifier, **kw).fit(X, y)
    avg = tiny(DNNClassifier, weight_averaging=1e9, **kw).fit(X, y)
    np.testing.assert_allclose(
        avg.history_[:, "train_loss"], plain.history_[:, "train_loss"], rtol=1e-6
    )
    assert not np.allclose(avg.history_[:, "valid_loss"], plain.history_[:, "valid_loss"])


class Recording(DNNClassifier):
    """Records the module's weights before and after every training step."""

    def train_step(self, batch, **fit_params):
        self.trail.append(("before", _weights(self)))
        step = super().train_step(batch, **fit_params)
        self.trail.append(("after", _weights(self)))
        return step

    def fit(self, X, y, **fit_params):
        self.trail = []
        return super().fit(X, y, **fit_params)


def recording(**params):
    return Recording(**{**TINY_NETS["DNNClassifier"], **TINY_FIT, **params})


def test_a_very_long_time_constant_is_the_mean_of_the_weights_visited(data):
    # With the bias correction no trace of the initial weights is left: as
    # tau -> infinity the average is the plain mean of the weights after
    # each step, and that is what the network predicts with.
    X, y = data
    avg = recording(weight_averaging=1e9, max_epochs=3).fit(X, y)
    after = [state for when, state in avg.trail if when == "after"]
    mean = {
        k: torch.stack([s[k] for s in after]).mean(0) if v.is_floating_point() else after[-1][k]
        for k, v in after[0].items()
    }
    _assert_same_weights(_weights(avg), mean)


def test_a_short_time_constant_is_the_last_weights(data):
    X, y = data
    plain = tiny(DNNClassifier, max_epochs=3).fit(X, y)
    avg = tiny(DNNClassifier, weight_averaging=1e-9, max_epochs=3).fit(X, y)
    _assert_same_weights(_weights(avg), _weights(plain))


def test_the_average_is_a_bias_corrected_exponential_one(data):
    # One epoch of b batches with tau = 1 epoch: the n-th batch moves the
    # average by (1 - d) / (1 - d**n), d = exp(-1 / b), towards the weights
    # after it.
    X, y = data
    b = int(np.ceil(len(X) / TINY_FIT["batch_size"]))
    d = np.exp(-1.0 / b)
    raw = recording(max_epochs=1).fit(X, y)
    after = [state for when, state in raw.trail if when == "after"]
    assert len(after) == b
    expected = dict(raw.trail[0][1])
    for n, state in enumerate(after, start=1):
        w = (1 - d) / (1 - d**n)
        for k, v in state.items():
            expected[k] = expected[k] + w * (v - expected[k]) if v.is_floating_point() else v
    avg = recording(max_epochs=1, weight_averaging=1.0).fit(X, y)
    _assert_same_weights(_weights(avg), expected)


def test_pickles_hold_one_set_of_weights(data):
    X, y = data
    avg = tiny(EMCCNNClassifier, weight_averaging=2.0, max_epochs=2).fit(X, y)
    plain = tiny(EMCCNNClassifier, max_epochs=2).fit(X, y)
    assert dict(avg.callbacks_)["weight_averaging"].average_ is not None  # kept in memory
    assert len(pickle.dumps(avg)) < 1.2 * len(pickle.dumps(plain))
    again = pickle.loads(pickle.dumps(avg))
    cb = dict(again.callbacks_)["weight_averaging"]
    assert cb.average_ is None and cb.raw_ is None
    np.testing.assert_array_equal(again.predict_proba(X), avg.predict_proba(X))
    again.partial_fit(X, y)  # a new average, from the weights it holds


def test_partial_fit_trains_on_from_the_raw_weights(data):
    # The module holds the average after each call; the next partial_fit
    # puts the raw weights back and continues the average, so the training
    # path over several calls is the unaveraged one.
    X, y = data
    plain = tiny(DNNClassifier, max_epochs=2).fit(X, y)
    avg = tiny(DNNClassifier, weight_averaging=1.0, max_epochs=2).fit(X, y)
    for _ in range(3):
        plain.partial_fit(X, y)
        avg.partial_fit(X, y)
    np.testing.assert_allclose(
        avg.history_[:, "train_loss"], plain.history_[:, "train_loss"], rtol=1e-5
    )
    assert len(avg.history_) == 8
    # The average lags the raw weights by about one epoch, not by the calls.
    cb = dict(avg.callbacks_)["weight_averaging"]
    assert cb.n_updates_ == 8 * int(np.ceil(len(X) / TINY_FIT["batch_size"]))


def test_networks_pickled_before_it_existed_train_without_it(data):
    X, y = data
    net = tiny(DNNClassifier, max_epochs=1).fit(X, y)
    state = net.__getstate__()
    del state["weight_averaging"]
    old = DNNClassifier.__new__(DNNClassifier)
    old.__setstate__(state)
    assert old.weight_averaging is None
    assert old.get_params()["weight_averaging"] is None


@pytest.mark.parametrize("bad", [0, -1.0, "2", True])
def test_bad_values_are_refused_by_name(data, bad):
    X, y = data
    with pytest.raises(InvalidParameterError, match="weight_averaging"):
        tiny(DNNClassifier, weight_averaging=bad).fit(X, y)
