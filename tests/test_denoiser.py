"""SupervisedDenoiser: EMCCNN's denoising encoder as a transformer."""

import pickle

import numpy as np
import pytest
import torch
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
    clean = np.stack(
        [(1 + 0.5 * x) * (1 - 0.5 * np.exp(-0.5 * ((x - c) / 0.05) ** 2)) for c in (0.3, 0.7)]
    )
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
    # It is the autoencoder's output on the median-normalised spectrum, times
    # that spectrum's median |flux|: at the input's level even after 2 epochs.
    scale = np.median(np.abs(X), axis=1, keepdims=True)
    with torch.no_grad():
        recon, _code = fitted.module_(torch.from_numpy((X / scale).astype(np.float32)))
    np.testing.assert_allclose(out, recon.numpy() * scale, rtol=1e-5)
    np.testing.assert_allclose(np.median(out / X, axis=1), 1.0, atol=0.1)


def test_denoises_towards_the_clean_spectrum():
    X, y, _truth = make_noisy(n_per_class=40)
    X_test, _y_test, truth_test = make_noisy(n_per_class=20, seed=1)
    den = SupervisedDenoiser(max_epochs=40, lr=3e-3, validation_fraction=None, random_state=0).fit(
        X, y
    )

    def rel(a):
        return np.mean(((a - truth_test) / truth_test) ** 2)

    assert rel(den.transform(X_test)) < 0.5 * rel(X_test)


def test_training_target_is_the_class_mean(data):
    X, y, _ = data
    den = tiny(SupervisedDenoiser).fit(X, y)
    Xn = X / np.median(np.abs(X), axis=1, keepdims=True)
    expected = np.stack([Xn[y == c].mean(axis=0) for c in den.classes_])
    np.testing.assert_allclose(den.denoising_targets_, expected, rtol=1e-4, atol=1e-5)


def test_shares_the_emccnn_encoder_module(data):
    """The denoiser trains the very module of EMCCNN's denoising path, not a look-alike."""
    X, y, _ = data
    den = tiny(SupervisedDenoiser, kernel_size=5).fit(X, y)  # EMCCNN's encoder kernel
    # code_channels=4 too; the denoiser divides by the median only, so EMCCNN
    # is compared with the same normalisation (its default also centres).
    clf = tiny(EMCCNNClassifier, max_epochs=1, normalization="median").fit(X, y)
    shared = clf.module_.denoiser
    assert type(den.module_) is DenoisingAutoencoder and type(shared) is DenoisingAutoencoder
    state = den.module_.state_dict()
    assert {k: v.shape for k, v in state.items()} == {
        k: v.shape for k, v in shared.state_dict().items()
    }
    # Given the denoiser's weights, EMCCNN's reconstruction is the denoiser's output.
    shared.load_state_dict(state)
    X32 = X.astype(np.float32)
    with torch.no_grad():
        recon = clf.module_.eval().reconstruct(torch.from_numpy(X32)).numpy()
    scale = np.median(np.abs(X32), axis=1, keepdims=True)
    np.testing.assert_allclose(recon * scale, den.transform(X32), rtol=1e-5)


def test_is_a_pure_transformer_in_a_pipeline(data, fitted):
    X, y, _ = data
    assert not hasattr(fitted, "predict") and not hasattr(fitted, "predict_proba")
    X_test, y_test, _ = make_noisy(n_per_class=20, seed=1)
    pipe = make_pipeline(tiny(SupervisedDenoiser), SVC()).fit(X / X.mean(1, keepdims=True), y)
    # The denoised spectra keep what tells the two classes apart (held out; chance 0.5).
    assert pipe.score(X_test / X_test.mean(1, keepdims=True), y_test) == 1.0
    names = fitted.get_feature_names_out()
    assert len(names) == N_PIXELS and names[0] == "x0"


def test_transform_does_not_depend_on_row_order_or_batch(data, fitted):
    # sklearn's check_methods_sample_order_invariance, at float32 precision (its
    # rtol 1e-7 is below it; see test_common.py).
    X, _y, _ = data
    out = fitted.transform(X)
    order = np.random.default_rng(0).permutation(len(X))
    np.testing.assert_allclose(fitted.transform(X[order]), out[order], rtol=1e-5)
    np.testing.assert_allclose(fitted.transform(X[:5]), out[:5], rtol=1e-5)


def test_reproducible_and_picklable(data, fitted):
    X, y, _ = data
    again = tiny(SupervisedDenoiser).fit(X, y)
    np.testing.assert_array_equal(again.transform(X), fitted.transform(X))
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(fitted)).transform(X), fitted.transform(X)
    )


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
