"""Training targets from each star's own subtype: ``fit(X, y, subtype=...)`` and ``label_noise``."""

import math

import numpy as np
import pytest
import torch
from _tiny import tiny
from sklearn.utils._param_validation import InvalidParameterError
from test_networks import CLASSIFIERS, make_spectra

from skspec.metrics import subtype_to_number
from skspec.models import DNNClassifier, EMCCNNClassifier
from skspec.nn import ClassificationLoss, SupervisedDenoisingLoss


@pytest.fixture(scope="module")
def data():
    X, y = make_spectra(n_per_class=20, noise=0.1)
    rng = np.random.default_rng(0)
    subtype = subtype_to_number(y) + rng.uniform(-0.45, 0.45, len(y))
    return X, y, subtype


def test_the_target_is_the_label_posterior_given_the_subtype():
    loss = ClassificationLoss(5, label_noise=0.3)
    y = torch.tensor([1, 1, 3])
    subtype = torch.tensor([1.0, 1.5, 2.8])
    target = loss.target(y, subtype=subtype)
    torch.testing.assert_close(target.sum(1), torch.ones(3))
    # On a class position: symmetric about it, the neighbours at exp(-1/(2 0.3^2)).
    torch.testing.assert_close(target[0, 0], target[0, 2])
    torch.testing.assert_close(target[0, 0] / target[0, 1], torch.tensor(math.exp(-0.5 / 0.09)))
    # Half way between M1 and M2: an even split, whatever the label says.
    torch.testing.assert_close(target[1, 1], target[1, 2])
    # The subtype, not the label, decides: a star labelled M3 at 2.8 leans to M3,
    # with more on M2 than on M4.
    assert target[2].argmax() == 3 and target[2, 2] > target[2, 4]
    # Label smoothing on top; the paper's MSE regresses onto the same target.
    logits = torch.randn(3, 5)
    smooth = ClassificationLoss(5, "mse", 0.1, label_noise=0.3)
    expected = ((torch.softmax(logits, 1) - (0.9 * target + 0.02)) ** 2).mean()
    torch.testing.assert_close(smooth(logits, y, subtype), expected)
    torch.testing.assert_close(
        ClassificationLoss(5, label_noise=0.3)(logits, y, subtype),
        torch.nn.functional.cross_entropy(logits, target),
    )
    # Without subtypes nothing changes, whatever label_noise is.
    torch.testing.assert_close(loss(logits, y), ClassificationLoss(5)(logits, y))
    denoising = SupervisedDenoisingLoss(5, 6, label_noise=0.3)
    torch.testing.assert_close(denoising(logits, y, subtype), loss(logits, y, subtype))
    for bad in (0.0, -1.0, float("inf")):
        with pytest.raises(ValueError, match="label_noise"):
            ClassificationLoss(5, label_noise=bad)


def test_subtypes_on_the_class_positions_are_the_ordinal_targets(data):
    # A star exactly at its label's position gets the ordinal target of
    # width label_noise: the two fits train identically (no validation split).
    X, y, _ = data
    at_label = subtype_to_number(y)
    ordinal = tiny(DNNClassifier, ordinal_width=0.4).fit(X, y)
    subtyped = tiny(DNNClassifier, label_noise=0.4).fit(X, y, subtype=at_label)
    np.testing.assert_allclose(
        subtyped.history_[:, "train_loss"], ordinal.history_[:, "train_loss"], rtol=1e-5
    )
    np.testing.assert_allclose(subtyped.predict_proba(X), ordinal.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_fit_with_subtypes_changes_training_reproducibly(cls, data):
    X, y, subtype = data
    plain = tiny(cls).fit(X, y)
    a = tiny(cls).fit(X, y, subtype=subtype)
    b = tiny(cls).fit(X, y, subtype=list(subtype))
    assert a.history_[0, "train_loss"] != pytest.approx(plain.history_[0, "train_loss"])
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.get_params()["label_noise"] == 0.28
    assert "subtype" not in vars(a) and "_subtype" not in vars(a)  # no training data kept


def test_the_validation_loss_uses_the_subtypes_and_the_accuracy_the_labels(data):
    # The validation loss of a fit with subtypes is the cross-entropy of its
    # split against P(label | subtype) (early stopping watches it); its
    # accuracy is scored against the labels.
    X, y, subtype = data
    net = tiny(
        DNNClassifier, validation_fraction=0.25, max_epochs=2, patience=5, calibrate=False
    ).fit(X, y, subtype=subtype)
    from sklearn.model_selection import StratifiedShuffleSplit

    seeds = np.random.RandomState(0).randint(np.iinfo(np.int32).max, size=3)
    y_idx = np.searchsorted(net.classes_, y)
    split = StratifiedShuffleSplit(n_splits=1, test_size=0.25, random_state=int(seeds[1]))
    _, i_valid = next(split.split(np.zeros(len(y)), y_idx))
    logits = torch.from_numpy(net._logits(X[i_valid])).float()
    target = net.criterion_.target(
        torch.from_numpy(y_idx[i_valid]), subtype=torch.from_numpy(subtype[i_valid]).float()
    )
    expected = torch.nn.functional.cross_entropy(logits, target)
    # The best epoch's weights are restored: its validation loss is the lowest.
    best = int(np.argmin(net.history_[:, "valid_loss"]))
    assert net.history_[best, "valid_loss"] == pytest.approx(float(expected), rel=1e-4)
    accuracy = np.mean(logits.argmax(1).numpy() == y_idx[i_valid])
    assert net.history_[best, "valid_acc"] == pytest.approx(accuracy)


def test_partial_fit_and_x_clean_take_subtypes(data):
    X, y, subtype = data
    # partial_fit passes them on: a continued fit with subtypes trains
    # differently from one without.
    with_sub = tiny(EMCCNNClassifier).fit(X, y).partial_fit(X, y, subtype=subtype)
    without = tiny(EMCCNNClassifier).fit(X, y).partial_fit(X, y)
    assert with_sub.history_[-1, "train_loss"] != pytest.approx(without.history_[-1, "train_loss"])
    # The noise re-draw keeps them: with X_clean, subtypes still change training.
    rng = np.random.default_rng(1)
    clean = X - rng.normal(0, 0.01, X.shape)
    both = tiny(EMCCNNClassifier).fit(X, y, X_clean=clean, subtype=subtype)
    clean_only = tiny(EMCCNNClassifier).fit(X, y, X_clean=clean)
    assert both.history_[0, "train_loss"] != pytest.approx(clean_only.history_[0, "train_loss"])


@pytest.mark.parametrize(
    ("subtype", "match"),
    [
        (lambda n: np.full(n, np.nan), "NaN"),
        (lambda n: np.zeros(n - 1), r"shape \("),
        (lambda n: np.zeros((n, 2)), r"shape \("),
        (lambda n: ["M1"] * n, "one number per spectrum"),
    ],
)
def test_bad_subtypes_are_refused_and_leave_the_model_as_it_was(data, subtype, match):
    X, y, _ = data
    net = tiny(DNNClassifier).fit(X, y)
    before = net.predict_proba(X)
    with pytest.raises(ValueError, match=match):
        net.fit(X, y, subtype=subtype(len(y)))
    with pytest.raises(ValueError, match=match):
        net.partial_fit(X, y, subtype=subtype(len(y)))
    np.testing.assert_array_equal(net.predict_proba(X), before)


def test_label_noise_parameter(data):
    X, y, subtype = data
    for bad in (0, -0.1, "0.3", True):
        with pytest.raises(InvalidParameterError, match="label_noise"):
            tiny(DNNClassifier, label_noise=bad).fit(X, y)
    wide = tiny(DNNClassifier, label_noise=1.0).fit(X, y, subtype=subtype)
    narrow = tiny(DNNClassifier, label_noise=0.1).fit(X, y, subtype=subtype)
    assert wide.criterion_.label_noise == 1.0
    assert wide.history_[0, "train_loss"] != pytest.approx(narrow.history_[0, "train_loss"])


def test_models_pickled_before_label_noise_load(data):
    import pickle

    X, y, _ = data
    net = tiny(EMCCNNClassifier).fit(X, y)
    old = pickle.loads(pickle.dumps(net))
    del old.label_noise, old.criterion_.classification.label_noise
    back = pickle.loads(pickle.dumps(old))
    assert back.get_params()["label_noise"] == 0.28
    assert back.criterion_.classification.label_noise == 0.28
    back.partial_fit(X, y, subtype=subtype_to_number(y))  # and trains on


def test_per_bin_models_get_their_own_rows_subtypes(data):
    from skspec.models import SNRBinnedClassifier

    X, y, subtype = data
    snr = np.where(np.arange(len(y)) % 2, 8.0, 20.0)  # two bins, every class in each
    binned = SNRBinnedClassifier(tiny(DNNClassifier), min_samples_bin=10)
    binned.fit(X, y, snr=snr, subtype=subtype)
    rows = np.flatnonzero(snr == 8.0)
    alone = tiny(DNNClassifier).fit(X[rows], y[rows], subtype=subtype[rows])
    model = binned.estimators_[int(binned._route(X[rows[:1]], snr[rows[:1]])[0])]
    np.testing.assert_array_equal(model.predict_proba(X), alone.predict_proba(X))
