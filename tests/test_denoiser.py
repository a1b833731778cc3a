"""SupervisedDenoiser: EMCCNN's denoising encoder as a transformer."""

import pickle

import numpy as np
import pytest
from _tiny import tiny
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

from skspec.models import EMCCNNClassifier
from skspec.nn import DenoisingAutoencoder
from skspec.preprocessing import SupervisedDenoiser

N_PIXELS = 129


def make_noisy(n_per_class=30, noise=0.1, seed=0, n_pixels=N_PIXELS):
    """Two clean spectra (different band positions) and noisy, rescaled copies."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, n_pixels)
    clean = np.stack([(1 + 0.5 * x) * (1 - 0.5 * np.exp(-0.5 * ((x - c) / 0.05) ** 2))
                      for c in (0.3, 0.7)])
    y = np.repeat(np.array(["M0", "M3"], dtype=object), n_per_class)
    truth = clean[np.repeat([0, 1], n_per_class)]
    scale = 10.0 ** rng.uniform(-17, 0, size=(len(y), 1))
    X = truth * (1 + noise * rng.normal(size=truth.shape)) * scale
    return X, y, truth * scale


@pytest.fixture(scope="module")
def data():
    return make_noisy()


@pytest.fixture(scope="module")
def fitted(data):
    X, y, _ = data
    return tiny(SupervisedDenoiser).fit(X, y)


def test_transform_keeps_width_dtype_and_flux_scale(data, fitted):
    X, _y, _ = data
    out = fitted.transform(X)
    assert out.shape == X.shape and out.dtype == np.float64
    assert fitted.transform(X.astype(np.float32)).dtype == np.float32
    # Output is in the input's flux units: scaling the input scales the output.
    np.testing.assert_allclose(fitted.transform(X * 1e17), out * 1e17, rtol=1e-4)
    np.testing.assert_allclose(np.median(out / X, axis=1), 1.0, atol=0.5)


def test_denoises_towards_the_clean_spectrum():
    X, y, _truth = make_noisy(n_per_class=40)
    X_test, _y_test, truth_test = make_noisy(n_per_class=20, seed=1)
    den = SupervisedDenoiser(max_epochs=40, lr=3e-3, validation_fraction=None,
                             random_state=0).fit(X, y)
    rel = lambda a: np.mean(((a - truth_test) / truth_test) ** 2)
    assert rel(den.transform(X_test)) < 0.5 * rel(X_test)


def test_training_target_is_the_class_mean(data):
    X, y, _ = data
    den = tiny(SupervisedDenoiser).fit(X, y)
    Xn = X / np.median(np.abs(X), axis=1, keepdims=True)
    expected = np.stack([Xn[y == c].mean(axis=0) for c in den.classes_])
    np.testing.assert_allclose(den.denoising_targets_, expected, rtol=1e-4, atol=1e-5)


def test_shares_the_emccnn_encoder_module(data, fitted):
    X, y, _ = data
    clf = EMCCNNClassifier(max_epochs=1, validation_fraction=None, random_state=0).fit(X, y)
    assert type(fitted.module_) is DenoisingAutoencoder
    assert type(clf.module_.denoiser) is DenoisingAutoencoder


def test_is_a_pure_transformer_in_a_pipeline(data, fitted):
    X, y, _ = data
    assert not hasattr(fitted, "predict") and not hasattr(fitted, "predict_proba")
    pipe = make_pipeline(tiny(SupervisedDenoiser), SVC()).fit(X / X.mean(1, keepdims=True), y)
    assert pipe.score(X / X.mean(1, keepdims=True), y) > 0.5
    names = fitted.get_feature_names_out()
    assert len(names) == N_PIXELS and names[0] == "x0"


def test_reproducible_and_picklable(data, fitted):
    X, y, _ = data
    again = tiny(SupervisedDenoiser).fit(X, y)
    np.testing.assert_array_equal(again.transform(X), fitted.transform(X))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).transform(X),
                                  fitted.transform(X))


def test_bad_input(data, fitted):
    X, y, _ = data
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        tiny(SupervisedDenoiser).fit(X_nan, y)
    with pytest.raises(ValueError, match="requires y"):
        tiny(SupervisedDenoiser).fit(X)
    with pytest.raises(ValueError, match="at least 2 classes"):
        tiny(SupervisedDenoiser).fit(X, np.full(len(y), "M0"))
    with pytest.raises(ValueError, match="is expecting 129 features"):
        fitted.transform(X[:, :-1])
    with pytest.raises(ValueError, match="Expected 2D array"):
        fitted.transform(X[0])
