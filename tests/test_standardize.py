"""Per-pixel standardisation inside the networks: ``normalization="median+standard"``
and ``"median+center"``.

Each spectrum is divided by its median ``|flux|``, then each pixel has the
training part's per-pixel mean subtracted and is divided by its std
(``"median+standard"``) or by one scale shared by every pixel, the median of
the per-pixel stds (``"median+center"``), all held as buffers of the module's
``SpectrumNormalizer``. On the tiny spectra of test_networks.py:

- the buffers are the per-pixel mean/std (ddof=0) of the median-normalised
  training part (the validation split excluded), 1-D and folded, for every
  network; EMCCNN's denoising targets are class means in that space;
- predictions do not depend on the flux scale; pickling and ``state_dict``
  keep the buffers; ``partial_fit`` does not refit them; the std floor;
- bad values raise, and the default stays ``"median"``.
"""

import pickle

import numpy as np
import pytest
import torch
from _tiny import tiny
from sklearn.model_selection import StratifiedShuffleSplit
from test_networks import CLASSIFIERS, FOLDABLE
from test_networks import make_spectra as make_band_spectra

from skspec.models import EMCCNNClassifier
from skspec.nn import SpectrumNormalizer
from skspec.utils._sklearn_compat import InvalidParameterError

STANDARD = "median+standard"
CENTER = "median+center"
METHODS = [STANDARD, CENTER]


def make_spectra(**kwargs):
    """test_networks' band spectra, with flux scales from 1e-3 to 1e3."""
    return make_band_spectra(log_scale=(-3, 3), **kwargs)


def standardized_stats(X):
    """Per-pixel mean and std (ddof=0) of spectra divided by their median |flux|."""
    flat = X.reshape(len(X), -1)
    Xn = X / np.median(np.abs(flat), axis=1).reshape((-1,) + (1,) * (X.ndim - 1))
    return Xn.mean(axis=0), Xn.std(axis=0), Xn


def expected_stats(X, method):
    """What the normaliser subtracts from and divides each pixel by, and ``Xn``."""
    mean, std, Xn = standardized_stats(X)
    if method == CENTER:
        std = np.full_like(std, np.median(std))
    return mean, std, Xn


def normalizer(clf):
    """The module's (first) SpectrumNormalizer."""
    return next(m for m in clf.module_.modules() if isinstance(m, SpectrumNormalizer))


@pytest.fixture(scope="module")
def spectra():
    return make_spectra()


@pytest.fixture(scope="module")
def fitted(spectra):
    X, y = spectra
    return tiny(EMCCNNClassifier, normalization=STANDARD).fit(X, y)


# ----------------------------------------------------------------------------
# The module
# ----------------------------------------------------------------------------
def test_normalizer_fit_and_forward():
    X, _ = make_spectra()
    norm = SpectrumNormalizer(STANDARD)
    assert norm.standardizes and not norm.fitted
    x = torch.from_numpy(X.astype(np.float32))
    # Unfitted: only the median division.
    torch.testing.assert_close(norm(x), SpectrumNormalizer("median")(x))
    norm.fit(x)
    mean, std, Xn = standardized_stats(X)
    np.testing.assert_allclose(norm.pixel_mean_.numpy(), mean, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(norm.pixel_std_.numpy(), std, rtol=1e-4)
    out = norm(x).numpy()
    np.testing.assert_allclose(out, (Xn - mean) / std, atol=1e-3)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=0), 1, atol=1e-3)
    # Other methods have no statistics to fit.
    other = SpectrumNormalizer("median").fit(x)
    assert not other.standardizes and not other.fitted
    with pytest.raises(ValueError, match="fitted on shape"):
        norm(x[:, :-1])


def test_center_keeps_relative_pixel_weights():
    X, _ = make_spectra()
    x = torch.from_numpy(X.astype(np.float32))
    norm = SpectrumNormalizer(CENTER)
    assert norm.standardizes and not norm.fitted
    torch.testing.assert_close(norm(x), SpectrumNormalizer("median")(x))
    norm.fit(x)
    mean, std, Xn = standardized_stats(X)
    scale = np.median(std)
    np.testing.assert_allclose(norm.pixel_mean_.numpy(), mean, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(norm.pixel_std_.numpy(), scale, rtol=1e-4)
    out = norm(x).numpy()
    np.testing.assert_allclose(out, (Xn - mean) / scale, atol=1e-3)
    # Centred: every pixel averages to 0 over the training spectra ...
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-4)
    # ... but not standardised: the pixels keep their relative spread.
    np.testing.assert_allclose(out.std(axis=0), std / scale, rtol=1e-3)
    assert out.std(axis=0).max() / out.std(axis=0).min() > 2
    # A constant training set is divided by 1.
    flat = SpectrumNormalizer(CENTER).fit(torch.ones(10, 5, dtype=torch.float64))
    np.testing.assert_array_equal(flat.pixel_std_.numpy(), 1.0)
    state = norm.state_dict()
    fresh = SpectrumNormalizer(CENTER)
    fresh.load_state_dict(state)
    torch.testing.assert_close(fresh(x), norm(x))


def test_std_floor_constant_and_quiet_pixels():
    rng = np.random.default_rng(0)
    X = 1 + 0.1 * rng.normal(size=(50, 21))
    X[:, 0] = 1e-5 * rng.normal(size=50)  # a nearly empty pixel: std ~1e-5
    norm = SpectrumNormalizer(STANDARD).fit(torch.from_numpy(X))
    _, std, _ = standardized_stats(X)
    floor = SpectrumNormalizer.std_floor * np.median(std)
    # A quiet pixel is divided by 1 % of the median pixel std, not by ~1e-5.
    assert std[0] < floor
    np.testing.assert_allclose(float(norm.pixel_std_[0]), floor, rtol=1e-4)
    np.testing.assert_allclose(norm.pixel_std_[1:].numpy(), std[1:], rtol=1e-4)
    # A pixel that is exactly constant in training is divided by 1.
    X2 = np.ones((10, 5))
    norm2 = SpectrumNormalizer(STANDARD).fit(torch.from_numpy(X2))
    np.testing.assert_array_equal(norm2.pixel_std_.numpy(), 1.0)
    assert torch.isfinite(norm2(torch.from_numpy(X2 * 1.5).float())).all()


def test_state_dict_round_trip_into_a_fresh_module():
    X, _ = make_spectra()
    norm = SpectrumNormalizer(STANDARD).fit(torch.from_numpy(X))
    state = norm.state_dict()
    assert set(state) == {"pixel_mean_", "pixel_std_"}
    fresh = SpectrumNormalizer(STANDARD)
    fresh.load_state_dict(state)
    torch.testing.assert_close(fresh.pixel_mean_, norm.pixel_mean_)
    torch.testing.assert_close(fresh.pixel_std_, norm.pixel_std_)
    x = torch.from_numpy(X[:5].astype(np.float32))
    torch.testing.assert_close(fresh(x), norm(x))


def test_bad_values_raise(spectra):
    X, y = spectra
    with pytest.raises(ValueError, match="median\\+center"):
        SpectrumNormalizer("standard")
    for cls in CLASSIFIERS:
        with pytest.raises(InvalidParameterError, match="normalization"):
            tiny(cls, normalization="standard").fit(X, y)


def test_defaults(spectra):
    # EMCCNN centres its input by default (BENCHMARKS.md: "median" underfits);
    # the baselines keep the plain median, which they were measured with.
    X, y = spectra
    for cls in CLASSIFIERS:
        expected = "median+center" if cls is EMCCNNClassifier else "median"
        assert cls().normalization == expected, cls.__name__
    clf = tiny(EMCCNNClassifier).fit(X, y)
    assert normalizer(clf).standardizes and normalizer(clf).fitted
    plain = tiny(EMCCNNClassifier, normalization="median").fit(X, y)
    assert not normalizer(plain).standardizes and not normalizer(plain).fitted


# ----------------------------------------------------------------------------
# Inside the estimators
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_buffers_are_the_training_statistics(cls, method, spectra):
    X, y = spectra
    clf = tiny(cls, normalization=method).fit(X, y)
    mean, std, _ = expected_stats(X, method)
    norm = normalizer(clf)
    np.testing.assert_allclose(norm.pixel_mean_.numpy(), mean, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(norm.pixel_std_.numpy(), std, rtol=1e-4)
    assert clf.predict(X).shape == y.shape


@pytest.mark.parametrize("cls", FOLDABLE)
def test_folded_input(cls, spectra):
    X, y = spectra
    Xf = X.reshape(len(X), 3, 43)  # 129 pixels: an odd count, numpy's median = torch's
    clf = tiny(cls, normalization=STANDARD).fit(Xf, y)
    mean, std, _ = standardized_stats(Xf)
    norm = normalizer(clf)
    assert tuple(norm.pixel_mean_.shape) == (3, 43)
    np.testing.assert_allclose(norm.pixel_mean_.numpy(), mean, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(norm.pixel_std_.numpy(), std, rtol=1e-4)
    proba = clf.predict_proba(Xf)
    np.testing.assert_allclose(clf.predict_proba(Xf * 1e3), proba, atol=1e-5)


@pytest.mark.parametrize("method", METHODS)
def test_validation_split_is_excluded(method, spectra):
    X, y = spectra
    clf = tiny(EMCCNNClassifier, normalization=method, validation_fraction=0.25).fit(X, y)
    splitter = StratifiedShuffleSplit(n_splits=1, test_size=0.25, random_state=clf._seeds[1])
    i_train, _ = next(splitter.split(np.zeros(len(y)), y))
    mean, std, _ = expected_stats(X[i_train], method)
    norm = normalizer(clf)
    np.testing.assert_allclose(norm.pixel_mean_.numpy(), mean, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(norm.pixel_std_.numpy(), std, rtol=1e-4)
    all_mean, _, _ = standardized_stats(X)
    assert not np.allclose(norm.pixel_mean_.numpy(), all_mean, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_denoising_targets_live_in_the_standardised_space(method, spectra):
    X, y = spectra
    fitted = tiny(EMCCNNClassifier, normalization=method).fit(X, y)
    mean, std, Xn = expected_stats(X, method)
    Z = (Xn - mean) / std
    expected = np.array([Z[y == c].mean(axis=0) for c in fitted.classes_])
    np.testing.assert_allclose(fitted.denoising_targets_, expected, atol=1e-4)
    # Standardised (or centred) class means average to about 0, not 1.
    assert abs(float(fitted.denoising_targets_.mean())) < 0.1


def test_predictions_do_not_depend_on_flux_scale(spectra, fitted):
    X, _ = spectra
    proba = fitted.predict_proba(X)
    for scale in (1e-17, 1e-3, 1e4):
        np.testing.assert_allclose(fitted.predict_proba(X * scale), proba, atol=1e-5)


def test_pickle_keeps_the_statistics(spectra, fitted):
    X, _ = spectra
    loaded = pickle.loads(pickle.dumps(fitted))
    before, after = normalizer(fitted), normalizer(loaded)
    torch.testing.assert_close(after.pixel_mean_, before.pixel_mean_)
    torch.testing.assert_close(after.pixel_std_, before.pixel_std_)
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))


@pytest.mark.parametrize("method", METHODS)
def test_partial_fit_keeps_the_statistics(method, spectra):
    X, y = spectra
    clf = tiny(EMCCNNClassifier, normalization=method, max_epochs=1)
    clf.partial_fit(X, y)  # the first call fits them
    mean, std, _ = expected_stats(X, method)
    norm = normalizer(clf)
    np.testing.assert_allclose(norm.pixel_mean_.numpy(), mean, rtol=1e-4, atol=1e-5)
    saved = norm.pixel_mean_.clone(), norm.pixel_std_.clone()
    X2, y2 = make_spectra(seed=1, noise=0.2)
    clf.partial_fit(X2, y2)  # later calls keep them: the weights live in that space
    torch.testing.assert_close(normalizer(clf).pixel_mean_, saved[0])
    torch.testing.assert_close(normalizer(clf).pixel_std_, saved[1])
    # A new fit starts over and refits them.
    clf.fit(X2, y2)
    mean2, _, _ = standardized_stats(X2)
    np.testing.assert_allclose(normalizer(clf).pixel_mean_.numpy(), mean2, rtol=1e-4, atol=1e-5)
