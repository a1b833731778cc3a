"""Network classifiers: EMCCNNClassifier and the DNN/CNN/VGG-16/ResNet-18 baselines.

On tiny spectra (tens of spectra of 129 pixels, a band whose position gives
the class) and the tiny networks of tests/_tiny.py:

- the torch modules: the flux normaliser, any input length, 2-D layers for
  folded input, EMCCNN's branches and decoder, the losses;
- each classifier's promises after one or two epochs: labels and
  probabilities, independence of flux scale, dtype, row order and batch (at
  float32 precision, where sklearn's check asks for more; see test_common.py),
  bit-identical results for a seed, pickling, folded input, bad input and
  devices;
- parameters, the training recipes (default and the paper's SGD/MSE), early
  stopping and progress output;
- learning: every network, 1-D and folded, trained for 10-20 epochs, scores
  >= 0.9 on spectra it did not see (chance 1/3) and finds every class; EMCCNN's
  decoder moves held-out spectra towards their class targets.

Marked slow: the default recipe against the paper's, and EMCCNN on synthetic
M dwarfs. The sklearn contract itself is checked in test_common.py.
"""

import math
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from _tiny import tiny
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline

from skspec.metrics import subtype_to_number
from skspec.models import (
    CNNClassifier,
    DNNClassifier,
    EMCCNNClassifier,
    ResNetClassifier,
    VGG16Classifier,
)
from skspec.nn import (
    DNN,
    EMCCNN,
    VGG16,
    ClassificationLoss,
    DenoisingAutoencoder,
    PlainCNN,
    ResNet18,
    SpectrumNormalizer,
    SupervisedDenoisingLoss,
)
from skspec.preprocessing import Folder2D
from skspec.utils._sklearn_compat import InvalidParameterError

N_PIXELS = 129  # odd, so numpy's median equals torch's
CLASSIFIERS = [EMCCNNClassifier, DNNClassifier, CNNClassifier, VGG16Classifier, ResNetClassifier]
FOLDABLE = [CNNClassifier, VGG16Classifier, ResNetClassifier]


def make_spectra(
    n_per_class=20, n_pixels=N_PIXELS, n_classes=3, noise=0.05, seed=0, log_scale=(-17, 0)
):
    """Continuum times one absorption band whose position encodes the class.

    Each spectrum gets a random overall flux scale, ``10**u`` with ``u``
    uniform in ``log_scale`` (default 1e-17 to 1: SDSS to synthetic units);
    None keeps the scale at 1.
    """
    rng = np.random.default_rng(seed)
    x = np.linspace(0.0, 1.0, n_pixels)
    X, y = [], []
    for k in range(n_classes):
        centre = (k + 1) / (n_classes + 1)
        clean = (1 + 0.5 * x) * (1 - 0.5 * np.exp(-0.5 * ((x - centre) / 0.04) ** 2))
        X.append(clean * (1 + noise * rng.normal(size=(n_per_class, n_pixels))))
        y += [f"M{k}"] * n_per_class
    X = np.vstack(X)
    if log_scale is not None:
        X *= 10.0 ** rng.uniform(*log_scale, size=(len(X), 1))
    order = rng.permutation(len(X))
    return X[order], np.array(y, dtype=object)[order]


@pytest.fixture(scope="module")
def spectra():
    return make_spectra()


@pytest.fixture(scope="module")
def fitted(spectra):
    """One tiny fitted instance of each classifier (shared, do not mutate)."""
    X, y = spectra
    return {cls: tiny(cls).fit(X, y) for cls in CLASSIFIERS}


# ----------------------------------------------------------------------------
# torch modules
# ----------------------------------------------------------------------------
def test_normalizer_is_scale_invariant_and_safe():
    x = torch.rand(4, 11) + 0.5
    norm = SpectrumNormalizer("median")
    torch.testing.assert_close(norm(x), norm(x * 1e-17), rtol=1e-5, atol=0)
    assert torch.allclose(norm(x).abs().median(dim=1).values, torch.ones(4))
    # All-zero spectrum stays zero; a median of zero falls back to the mean.
    z = torch.tensor([[0.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    out = norm(z)
    assert torch.isfinite(out).all()
    assert torch.equal(out[0], z[0])
    torch.testing.assert_close(out[1], torch.tensor([0.0, 0.0, 3.0]))  # mean |x| is 1
    torch.testing.assert_close(SpectrumNormalizer("mean")(x).abs().mean(dim=1), torch.ones(4))
    assert torch.equal(SpectrumNormalizer(None)(x), x)
    with pytest.raises(ValueError, match="normalization"):
        SpectrumNormalizer("max")


@pytest.mark.parametrize("length", [1, 2, 5, 8, 64])
def test_modules_accept_any_length(length):
    x = torch.rand(3, length) + 0.1
    assert EMCCNN(4)(x)[0].shape == (3, 4)
    assert EMCCNN(4)(x)[1].shape == (3, length)
    for module in [
        DNN(length, 4),
        PlainCNN((length,), 4),
        VGG16((length,), 4),
        ResNet18((length,), 4),
    ]:
        assert module(x).shape == (3, 4)


@pytest.mark.parametrize("module_cls", [PlainCNN, VGG16, ResNet18])
def test_folded_input_builds_2d_layers(module_cls):
    one_d, two_d = module_cls((120,), 3), module_cls((6, 20), 3)

    def convs(module):
        return {
            type(m).__name__
            for m in module.modules()
            if isinstance(m, (torch.nn.Conv1d, torch.nn.Conv2d))
        }

    assert convs(one_d) == {"Conv1d"}
    assert convs(two_d) == {"Conv2d"}
    assert two_d(torch.rand(2, 6, 20)).shape == (2, 3)


def test_emccnn_branches_and_decoder_only_in_training():
    net = EMCCNN(3, kernel_sizes=(3, 5, 9))
    kernels = [b[0][0].kernel_size[0] for b in net.multiscale.branches]
    assert kernels == [3, 5, 9]
    assert isinstance(net.denoiser, DenoisingAutoencoder)
    x = torch.rand(4, 50) + 0.5
    _logits, recon = net.train()(x)
    assert recon.shape == (4, 50)
    net.eval()
    assert isinstance(net(x), torch.Tensor)  # no decoder at inference
    torch.testing.assert_close(net.reconstruct(x), net.denoiser(x)[0])


@pytest.mark.parametrize("length", [7, 8, 3522])
def test_autoencoder_reconstructs_full_length(length):
    recon, code = DenoisingAutoencoder(code_channels=4)(torch.rand(2, length) + 0.5)
    assert recon.shape == (2, length)
    assert code.shape == (2, 4, -(-length // 4))


def test_classification_losses():
    logits, y = torch.randn(5, 3), torch.tensor([0, 2, 1, 1, 0])
    torch.testing.assert_close(
        ClassificationLoss(3)(logits, y), torch.nn.functional.cross_entropy(logits, y)
    )
    expected = ((torch.softmax(logits, 1) - torch.eye(3)[y]) ** 2).mean()
    torch.testing.assert_close(ClassificationLoss(3, "mse")(logits, y), expected)
    # Tuple outputs (logits, reconstruction) are accepted.
    torch.testing.assert_close(
        ClassificationLoss(3)((logits, None), y), ClassificationLoss(3)(logits, y)
    )


def test_label_smoothing_of_the_losses():
    logits, y = torch.randn(5, 3), torch.tensor([0, 2, 1, 1, 0])
    smooth = ClassificationLoss(3, label_smoothing=0.1)
    torch.testing.assert_close(
        smooth(logits, y), torch.nn.functional.cross_entropy(logits, y, label_smoothing=0.1)
    )
    assert not torch.isclose(smooth(logits, y), ClassificationLoss(3)(logits, y))
    # The paper's MSE regresses onto the same smoothed target.
    target = 0.9 * torch.eye(3)[y] + 0.1 / 3
    expected = ((torch.softmax(logits, 1) - target) ** 2).mean()
    torch.testing.assert_close(ClassificationLoss(3, "mse", 0.1)(logits, y), expected)
    denoising = SupervisedDenoisingLoss(3, 6, label_smoothing=0.1)
    torch.testing.assert_close(denoising(logits, y), smooth(logits, y))
    for bad in (-0.1, 1.0):
        with pytest.raises(ValueError, match="label_smoothing"):
            ClassificationLoss(3, label_smoothing=bad)


def test_ordinal_targets_of_the_losses():
    loss = ClassificationLoss(5, ordinal_width=0.5)
    target = loss.target(torch.tensor([2, 0]))
    torch.testing.assert_close(target.sum(1), torch.ones(2))
    # A Gaussian of width 0.5 class: the neighbours get exp(-2) of the peak,
    # equally on both sides, the classes two away exp(-8).
    torch.testing.assert_close(target[0, 1] / target[0, 2], torch.tensor(math.exp(-2.0)))
    torch.testing.assert_close(target[0, 1], target[0, 3])
    torch.testing.assert_close(target[0, 0] / target[0, 2], torch.tensor(math.exp(-8.0)))
    assert target[1].argmax() == 0 and target[1, 1] > target[1, 2] > target[1, 3]
    # Calling an M2 an M3 costs less than calling it an M4; one-hot CE cannot tell.
    near, far = torch.full((1, 5), -5.0), torch.full((1, 5), -5.0)
    near[0, 3], far[0, 4] = 5.0, 5.0
    y = torch.tensor([2])
    assert loss(near, y) < loss(far, y)
    torch.testing.assert_close(ClassificationLoss(5)(near, y), ClassificationLoss(5)(far, y))
    # Positions on the subtype scale: a gap of two subtypes is farther.
    gapped = ClassificationLoss(3, ordinal_width=0.5, positions=[0.0, 1.0, 3.0]).target(
        torch.tensor([1])
    )
    assert gapped[0, 0] > gapped[0, 2]
    # The MSE recipe regresses onto the same soft target; label smoothing on top.
    logits = torch.randn(4, 5)
    y = torch.tensor([0, 1, 4, 2])
    both = ClassificationLoss(5, "mse", 0.1, 0.5)
    expected = ((torch.softmax(logits, 1) - (0.9 * loss.target(y) + 0.02)) ** 2).mean()
    torch.testing.assert_close(both(logits, y), expected)
    denoising = SupervisedDenoisingLoss(5, 6, ordinal_width=0.5)
    torch.testing.assert_close(denoising(logits, y), loss(logits, y))
    for bad in (-0.1, float("inf")):
        with pytest.raises(ValueError, match="ordinal_width"):
            ClassificationLoss(3, ordinal_width=bad)
    with pytest.raises(ValueError, match="positions"):
        ClassificationLoss(3, ordinal_width=0.5, positions=[0, 1])
    with pytest.raises(ValueError, match="positions must be finite"):
        ClassificationLoss(3, ordinal_width=0.5, positions=[0.0, float("nan"), 2.0])


def test_denoising_loss_templates_are_running_class_means():
    x, y = torch.randn(10, 6), torch.tensor([0, 1, 1, 0, 2, 2, 2, 0, 1, 0])
    once = SupervisedDenoisingLoss(3, 6)
    once.update_templates(x, y)
    twice = SupervisedDenoisingLoss(3, 6)
    twice.update_templates(x[:4], y[:4])
    twice.update_templates(x[4:], y[4:])
    for k in range(3):
        torch.testing.assert_close(once.templates[k], x[y == k].mean(0))
    torch.testing.assert_close(once.templates, twice.templates)
    logits, recon = torch.randn(10, 3), torch.randn(10, 6)
    loss = SupervisedDenoisingLoss(3, 6, weight=0.5)
    loss.update_templates(x, y)
    expected = torch.nn.functional.cross_entropy(logits, y) + 0.5 * torch.nn.functional.mse_loss(
        recon, once.templates[y]
    )
    torch.testing.assert_close(loss((logits, recon), y), expected)


# ----------------------------------------------------------------------------
# Estimators: contract on spectrum-like data
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_string_labels_and_fitted_attributes(cls, spectra, fitted):
    X, _y = spectra
    clf = fitted[cls]
    assert list(clf.classes_) == ["M0", "M1", "M2"]
    assert clf.n_features_in_ == N_PIXELS
    assert clf.input_shape_ == (N_PIXELS,)
    assert set(clf.predict(X)) <= {"M0", "M1", "M2"}
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(1)], clf.predict(X))


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_predictions_do_not_depend_on_flux_scale_or_dtype(cls, spectra, fitted):
    X, _ = spectra
    clf = fitted[cls]
    proba = clf.predict_proba(X)
    # SDSS units (1e-17) versus arbitrary synthetic units, float64 vs float32.
    np.testing.assert_allclose(clf.predict_proba(X * 1e-17), proba, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(
        clf.predict_proba((X * 3e4).astype(np.float32)), proba, rtol=1e-4, atol=1e-6
    )
    np.testing.assert_array_equal(clf.predict_proba(X.astype(np.float32)), proba)


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_predictions_do_not_depend_on_row_order_or_batch(cls, spectra, fitted):
    # sklearn's check_methods_sample_order_invariance asks for rtol=1e-7, below
    # float32's resolution (see test_common.py); the promise is float32 precision.
    X, _ = spectra
    clf = fitted[cls]
    proba = clf.predict_proba(X)
    rng = np.random.default_rng(0)
    for _ in range(3):
        order = rng.permutation(len(X))
        np.testing.assert_allclose(clf.predict_proba(X[order]), proba[order], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(clf.predict_proba(X[:5]), proba[:5], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_random_state_gives_identical_results(cls, spectra):
    X, y = spectra
    params = {"validation_fraction": 0.25, "max_epochs": 3}
    a = tiny(cls, **params).fit(X, y)
    b = tiny(cls, **params).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.history_[:, "valid_loss"] == b.history_[:, "valid_loss"]
    wa, wb = a.module_.state_dict(), b.module_.state_dict()  # bit-identical weights
    assert wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)
    c = tiny(cls, random_state=1, **params).fit(X, y)
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


def test_fit_leaves_global_torch_rng_alone(spectra):
    X, y = spectra
    state = torch.get_rng_state()
    tiny(EMCCNNClassifier).fit(X, y)
    assert torch.equal(state, torch.get_rng_state())


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_pickle_and_joblib_round_trip(cls, spectra, fitted, tmp_path):
    X, _ = spectra
    clf = fitted[cls]
    expected = clf.predict_proba(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).predict_proba(X), expected)
    joblib.dump(clf, tmp_path / "clf.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "clf.joblib").predict_proba(X), expected)


def test_integer_labels_and_dataframe_input(spectra):
    X, y = spectra
    codes = np.array([int(s[1]) for s in y])
    df = pd.DataFrame(X, columns=[f"px{i}" for i in range(X.shape[1])])
    clf = tiny(DNNClassifier).fit(df, codes)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.feature_names_in_[0] == "px0"
    assert clf.predict(df).dtype.kind == "i"


@pytest.mark.parametrize("cls", FOLDABLE)
def test_folded_input(cls, spectra):
    X, y = spectra
    X = X[:, :120]
    folded = X.reshape(len(X), 6, 20)
    clf = tiny(cls).fit(folded, y)
    assert clf.input_shape_ == (6, 20)
    assert clf.n_features_in_ == 120
    assert any(isinstance(m, torch.nn.Conv2d) for m in clf.module_.modules())
    assert not any(isinstance(m, torch.nn.Conv1d) for m in clf.module_.modules())
    pipe = make_pipeline(Folder2D(shape=(6, 20)), tiny(cls)).fit(X, y)
    np.testing.assert_array_equal(pipe.predict_proba(X), clf.predict_proba(folded))
    with pytest.raises(ValueError, match="fitted on folded spectra"):
        clf.predict(X)
    with pytest.raises(ValueError, match=r"shape \(20, 6\)"):
        clf.predict(X.reshape(len(X), 20, 6))
    one_d = tiny(cls).fit(X, y)
    with pytest.raises(ValueError, match="fitted on 1-D spectra"):
        one_d.predict(folded)


@pytest.mark.parametrize("cls", [EMCCNNClassifier, DNNClassifier])
def test_1d_only_networks_reject_folded_input(cls, spectra):
    X, y = spectra
    with pytest.raises(ValueError, match="dim 3"):
        tiny(cls).fit(X[:, :120].reshape(len(X), 6, 20), y)


# ----------------------------------------------------------------------------
# Bad input: clear errors before torch sees anything
# ----------------------------------------------------------------------------
def _bad_fit_inputs(X, y):
    X_nan, X_inf = X.copy(), X.copy()
    X_nan[3, 5] = np.nan
    X_inf[0, 0] = np.inf
    return [
        (X_nan, y, ValueError, "NaN"),
        (X_inf, y, ValueError, "infinity"),
        (X[0], y[:1], ValueError, "Expected 2D array"),
        (X.astype(str), y, TypeError, "strings"),
        (np.where(X > 0, "a", "b").astype(object), y, TypeError, "not numbers.*could not convert"),
        (X * 1e300, y, ValueError, "float32 range"),
        (X, np.full(len(y), "M2"), ValueError, "at least 2 classes"),
        (X, None, ValueError, "requires y"),
        (X, np.linspace(0, 1, len(y)), ValueError, "Unknown label type"),
        (X, y[:-1], ValueError, "inconsistent numbers of samples"),
    ]


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_bad_fit_input_raises_before_training(cls, spectra):
    X, y = spectra
    for X_bad, y_bad, error, match in _bad_fit_inputs(X, y):
        clf = tiny(cls)
        with pytest.raises(error, match=match):
            clf.fit(X_bad, y_bad)
        assert not hasattr(clf, "module_"), match


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_bad_predict_input(cls, spectra, fitted):
    X, _y = spectra
    clf = fitted[cls]
    with pytest.raises(ValueError, match=f"X has 100 features, but {cls.__name__} is expecting"):
        clf.predict(X[:, :100])
    with pytest.raises(ValueError, match="Expected 2D array"):
        clf.predict(X[0])
    with pytest.raises(ValueError, match="NaN"):
        clf.predict_proba(np.full_like(X, np.nan))
    with pytest.raises(TypeError, match="strings"):
        clf.predict(X.astype(str))


def test_unfitted_and_unseen_labels(spectra):
    from sklearn.exceptions import NotFittedError

    X, y = spectra
    with pytest.raises(NotFittedError):
        tiny(EMCCNNClassifier).predict(X)
    clf = tiny(EMCCNNClassifier, max_epochs=1)
    clf.partial_fit(X[y != "M2"], y[y != "M2"], classes=["M0", "M1", "M2"])
    assert list(clf.classes_) == ["M0", "M1", "M2"]
    clf.partial_fit(X, y)  # M2 was announced: fine
    assert len(clf.history_) == 2
    bad = y.copy()
    bad[0] = "M7"
    with pytest.raises(ValueError, match=r"labels not seen.*'M7'"):
        clf.partial_fit(X, bad)


def test_invalid_parameters_and_device(spectra):
    X, y = spectra
    with pytest.raises(ValueError, match="kernel_sizes must be a non-empty tuple"):
        tiny(EMCCNNClassifier, kernel_sizes=(3, 0)).fit(X, y)
    with pytest.raises(InvalidParameterError, match="recipe"):
        tiny(EMCCNNClassifier, recipe="keras").fit(X, y)
    with pytest.raises(InvalidParameterError, match="width"):
        tiny(ResNetClassifier, width=0).fit(X, y)
    with pytest.raises(ValueError, match="not a torch device"):
        tiny(DNNClassifier, device="gpu0").fit(X, y)
    with pytest.raises(ValueError, match="unexpected argument"):
        tiny(DNNClassifier, optimiser__momentum=0.9).fit(X, y)
    with pytest.raises(ValueError, match="validation_fraction=0.1 cannot hold out"):
        tiny(DNNClassifier, validation_fraction=0.1).fit(X[:8], y[:8])
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            tiny(DNNClassifier, device="cuda").fit(X, y)


def test_a_cpu_index_survives_pickling(spectra):
    # torch cannot restore storages tagged "cpu:0"; the net loads them as "cpu".
    X, y = spectra
    clf = tiny(DNNClassifier, device="cpu:0").fit(X, y)
    back = pickle.loads(pickle.dumps(clf))
    assert back.device == "cpu:0"
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_device_is_honoured(spectra):
    X, y = spectra
    clf = tiny(EMCCNNClassifier, device="cuda").fit(X, y)
    assert next(clf.module_.parameters()).is_cuda
    assert clf.predict_proba(X).shape == (len(X), 3)


# ----------------------------------------------------------------------------
# Parameters, training recipes, callbacks
# ----------------------------------------------------------------------------
def test_plain_parameters_work_with_grid_search(spectra):
    X, y = spectra
    pipe = Pipeline([("emccnn", tiny(EMCCNNClassifier, max_epochs=1))])
    grid = {"emccnn__kernel_sizes": [(3,), (3, 7, 15)]}
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    assert [p["emccnn__kernel_sizes"] for p in search.cv_results_["params"]] == grid[
        "emccnn__kernel_sizes"
    ]
    best = search.best_estimator_.named_steps["emccnn"]
    assert len(best.module_.multiscale.branches) == len(best.kernel_sizes)
    assert "kernel_sizes" in EMCCNNClassifier().get_params(deep=False)


def test_skorch_component_parameters_survive_clone(spectra):
    X, y = spectra
    clf = tiny(DNNClassifier, optimizer__weight_decay=0.1)
    assert clone(clf).get_params()["optimizer__weight_decay"] == 0.1
    clf.set_params(hidden_layer_sizes=(8,), optimizer__amsgrad=True)
    twin = clone(clf).fit(X, y)
    assert twin.optimizer_.param_groups[0]["weight_decay"] == 0.1
    assert twin.optimizer_.param_groups[0]["amsgrad"] is True
    assert twin.module_.body[1].out_features == 8
    no_stop = tiny(DNNClassifier, validation_fraction=0.25, callbacks__early_stopping=None)
    assert "early_stopping" not in [name for name, _ in clone(no_stop).fit(X, y).callbacks_]


def test_recipes(spectra):
    X, y = spectra
    default = tiny(EMCCNNClassifier, validation_fraction=0.25).fit(X, y)
    assert isinstance(default.optimizer_, torch.optim.Adam)
    assert default.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-3)
    assert default.criterion_.classification.kind == "cross_entropy"
    names = [name for name, _ in default.callbacks_]
    assert {"early_stopping", "lr_scheduler", "valid_acc"} <= set(names)
    assert "progress_bar" not in names

    paper = tiny(EMCCNNClassifier, recipe="paper").fit(X, y)
    assert type(paper.optimizer_) is torch.optim.SGD
    assert paper.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-4)
    assert paper.criterion_.classification.kind == "mse"
    assert "lr_scheduler" not in [name for name, _ in paper.callbacks_]
    assert tiny(DNNClassifier, recipe="paper", lr=0.05).fit(X, y).optimizer_.param_groups[0][
        "lr"
    ] == pytest.approx(0.05)


def _classification_loss(clf):
    """The classification loss of a fitted classifier (EMCCNN's sits inside its denoising loss)."""
    return getattr(clf.criterion_, "classification", clf.criterion_)


def _fit_with_loss_parameter(cls, X, y, name, value, *, bad):
    """Refuse each of ``bad``, fit with ``name=value``; return the fit and its loss.

    Checks that the loss holds the value and that training changed: same
    seed, same first batch, so only the loss differs from a plain fit.
    """
    for wrong in bad:
        with pytest.raises(InvalidParameterError, match=name):
            tiny(cls, **{name: wrong}).fit(X, y)
    plain = tiny(cls).fit(X, y)
    fitted = tiny(cls, **{name: value}).fit(X, y)
    loss = _classification_loss(fitted)
    assert getattr(loss, name) == value
    assert fitted.history_[0, "train_loss"] != pytest.approx(plain.history_[0, "train_loss"])
    return fitted, loss


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_label_smoothing_parameter(cls, spectra):
    X, y = spectra
    # EMCCNN's default is 0.1 (BENCHMARKS.md, "Label smoothing on top of centring").
    assert cls().label_smoothing == (0.1 if cls.__name__ == "EMCCNNClassifier" else 0.0)
    _fit_with_loss_parameter(cls, X, y, "label_smoothing", 0.2, bad=(-0.1, 1.0, "0.1"))
    paper = tiny(cls, recipe="paper", label_smoothing=0.2).fit(X, y)
    loss = _classification_loss(paper)
    assert (loss.kind, loss.label_smoothing) == ("mse", 0.2)


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_ordinal_width_parameter(cls, spectra):
    X, y = spectra
    assert cls().ordinal_width == 0.0
    soft, loss = _fit_with_loss_parameter(cls, X, y, "ordinal_width", 0.5, bad=(-0.5, "0.5"))
    # Spectral types sit at their subtype numbers.
    np.testing.assert_array_equal(loss.positions.numpy(), subtype_to_number(soft.classes_))


@pytest.mark.parametrize("cls", [DNNClassifier, EMCCNNClassifier])
def test_ordinal_targets_use_subtype_positions_not_ranks(cls, spectra):
    # M0, M2, M4: ranks would be 0, 1, 2; on the subtype scale M2 is two away
    # from each neighbour, so its soft target gives them less.
    X, y = spectra
    relabelled = np.asarray(pd.Series(y).map({"M0": "M0", "M1": "M2", "M2": "M4"}))
    soft = tiny(cls, ordinal_width=1.0, label_smoothing=0.0).fit(X, relabelled)
    loss = _classification_loss(soft)
    np.testing.assert_array_equal(loss.positions.numpy(), [0.0, 2.0, 4.0])
    target = loss.target(torch.tensor([1]))[0]
    torch.testing.assert_close(target[0] / target[1], torch.tensor(math.exp(-2.0)))


def test_ordinal_positions_of_labels_that_are_not_types():
    clf = DNNClassifier()
    clf.classes_ = np.array([3, 7, 9])
    np.testing.assert_array_equal(clf._class_positions(), [3.0, 7.0, 9.0])
    clf.classes_ = np.array([3, 7, 9], dtype=object)  # numbers whatever the dtype
    np.testing.assert_array_equal(clf._class_positions(), [3.0, 7.0, 9.0])
    clf.classes_ = np.array(["low", "mid", "zz"], dtype=object)
    np.testing.assert_array_equal(clf._class_positions(), [0.0, 1.0, 2.0])
    # Two labels of one subtype would get the same target: ranks instead.
    clf.classes_ = np.array(["M2", "M2V", "M3"], dtype=object)
    np.testing.assert_array_equal(clf._class_positions(), [0.0, 1.0, 2.0])


def test_models_pickled_before_label_smoothing_load(spectra, fitted):
    # The bundled model was pickled without the attribute: it trained without it.
    X, _ = spectra
    old = pickle.loads(pickle.dumps(fitted[EMCCNNClassifier]))
    del old.label_smoothing, old.criterion_.classification.label_smoothing
    del old.ordinal_width, old.criterion_.classification.ordinal_width
    del old.criterion_.classification.positions
    back = pickle.loads(pickle.dumps(old))
    assert back.get_params()["label_smoothing"] == 0.0
    assert back.criterion_.classification.label_smoothing == 0.0
    assert back.get_params()["ordinal_width"] == 0.0
    assert back.criterion_.classification.ordinal_width == 0.0
    assert "EMCCNNClassifier(" in repr(back)
    np.testing.assert_array_equal(back.predict_proba(X), fitted[EMCCNNClassifier].predict_proba(X))


def test_early_stopping_restores_best_and_validation_off(spectra):
    X, y = spectra
    rng = np.random.default_rng(1)
    y_random = rng.permutation(y)  # nothing to learn: validation loss stalls
    clf = tiny(DNNClassifier, validation_fraction=0.3, patience=2, max_epochs=40, lr=0.01).fit(
        X, y_random
    )
    history = clf.history_
    assert len(history) < 40
    best = int(np.argmin(history[:, "valid_loss"]))
    assert len(history) == best + 1 + 2  # stopped `patience` epochs after the best
    off = tiny(DNNClassifier, max_epochs=3).fit(X, y)
    assert len(off.history_) == 3
    assert "valid_loss" not in off.history_[-1]


def test_verbose_progress_and_no_files(spectra, tmp_path, monkeypatch, capsys):
    X, y = spectra
    monkeypatch.chdir(tmp_path)
    clf = tiny(EMCCNNClassifier, verbose=1, validation_fraction=0.25, max_epochs=1).fit(X, y)
    out = capsys.readouterr()
    assert "train_loss" in out.out and "valid_acc" in out.out
    assert "progress_bar" in [name for name, _ in clf.callbacks_]
    pickle.loads(pickle.dumps(clf))
    tiny(EMCCNNClassifier).fit(X, y)
    assert capsys.readouterr().out == ""
    assert list(tmp_path.iterdir()) == []


def test_denoising_targets_are_class_means_of_normalised_spectra(spectra):
    X, y = spectra
    clf = tiny(EMCCNNClassifier, max_epochs=1, normalization="median").fit(X, y)
    Xn = X / np.median(np.abs(X), axis=1, keepdims=True)
    expected = np.stack([Xn[y == c].mean(axis=0) for c in clf.classes_])
    np.testing.assert_allclose(clf.denoising_targets_, expected, rtol=1e-4, atol=1e-5)
    # The default centred input: (Xn - mean of Xn) / one scale, class by class.
    centred = tiny(EMCCNNClassifier, max_epochs=1).fit(X, y)
    scale = np.median(Xn.std(axis=0))
    Xc = (Xn - Xn.mean(axis=0)) / scale
    expected = np.stack([Xc[y == c].mean(axis=0) for c in centred.classes_])
    np.testing.assert_allclose(centred.denoising_targets_, expected, rtol=1e-3, atol=1e-4)
    # With a validation split, only the training part counts.
    split = tiny(EMCCNNClassifier, max_epochs=1, validation_fraction=0.25).fit(X, y)
    assert split.criterion_.counts.sum().item() == len(X) - 15


# (epochs, learning rate) at which each tiny network (tests/_tiny.py) learns
# make_spectra well above chance, in a second or two. Chosen to hold on 1, 2
# and 4 torch threads (whose float sums differ) and for random_state 0-2.
LEARNING = {
    EMCCNNClassifier: (10, 1e-2),
    DNNClassifier: (20, 1e-2),
    CNNClassifier: (10, 1e-2),
    VGG16Classifier: (20, 3e-3),
    ResNetClassifier: (20, 1e-2),
}


@pytest.fixture(scope="module")
def learning_split():
    """Three classes, 30 spectra each to train on and 20 others to test on."""
    return (
        make_spectra(n_per_class=30, noise=0.1),
        make_spectra(n_per_class=20, noise=0.1, seed=1),
    )


@pytest.mark.parametrize(
    "cls, dim", [(cls, "1d") for cls in CLASSIFIERS] + [(cls, "2d") for cls in FOLDABLE]
)
def test_every_network_learns_held_out_spectra(cls, dim, learning_split):
    """Each network, 1-D and folded, classifies spectra it did not see (chance: 1/3)."""
    (X, y), (X_test, y_test) = learning_split
    if dim == "2d":
        X, X_test = X[:, :120].reshape(-1, 6, 20), X_test[:, :120].reshape(-1, 6, 20)
    epochs, lr = LEARNING[cls]
    clf = tiny(cls, max_epochs=epochs, lr=lr).fit(X, y)
    assert clf.input_shape_ == X.shape[1:]
    assert clf.score(X_test, y_test) >= 0.9
    # It learned from the spectra, not from the labels' frequencies: every class is found.
    assert set(clf.predict(X_test)) == {"M0", "M1", "M2"}


def test_emccnn_decoder_denoises_held_out_spectra():
    X, y = make_spectra(n_per_class=30, noise=0.1)
    X_test, y_test = make_spectra(n_per_class=20, noise=0.1, seed=1)
    clf = EMCCNNClassifier(max_epochs=30, lr=3e-3, validation_fraction=None, random_state=0).fit(
        X, y
    )
    assert clf.score(X_test, y_test) > 0.9
    # The decoder output is closer to the class targets than the noisy input.
    with torch.no_grad():
        recon = clf.module_.reconstruct(torch.from_numpy(X_test.astype(np.float32))).numpy()
    targets = clf.denoising_targets_[np.searchsorted(clf.classes_, y_test)]
    Xn = X_test / np.median(np.abs(X_test), axis=1, keepdims=True)
    assert np.mean((recon - targets) ** 2) < np.mean((Xn - targets) ** 2)


@pytest.mark.slow
def test_default_recipe_beats_paper_recipe_and_cross_validates_in_parallel():
    X, y = make_spectra(n_per_class=40, noise=0.1, n_pixels=401)
    params = {"max_epochs": 20, "validation_fraction": None, "random_state": 0}
    default = cross_val_score(EMCCNNClassifier(**params), X, y, cv=3, n_jobs=2)
    paper = cross_val_score(EMCCNNClassifier(recipe="paper", **params), X, y, cv=3, n_jobs=2)
    assert default.mean() > 0.9
    assert default.mean() > paper.mean() + 0.2


@pytest.mark.slow
def test_emccnn_learns_synthetic_mdwarfs():
    from skspec.datasets import make_mdwarf_spectra

    train = make_mdwarf_spectra(1500, snr=(15, 40), random_state=0)
    test = make_mdwarf_spectra(500, snr=(15, 40), random_state=1)
    clf = EMCCNNClassifier(random_state=0, max_epochs=60).fit(train.data, train.target)
    # Five subtypes with label noise of 0.28 subtypes: chance is 0.2.
    assert clf.score(test.data, test.target) > 0.6
