"""Calibrated probabilities: temperature scaling of the networks and the ECE metric."""

import pickle

import numpy as np
import pytest
from _tiny import TINY_FIT, TINY_NETS, tiny
from test_networks import make_spectra

from skspec.metrics import expected_calibration_error, subtype_to_number
from skspec.models import DNNClassifier, EMCCNNClassifier
from skspec.nn._calibration import TEMPERATURE_BOUNDS, TEMPERATURE_PRIOR_SD, fit_temperature


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("true_t", [0.5, 1.0, 3.0])
def test_fit_temperature_recovers_the_temperature_labels_were_drawn_with(true_t):
    rng = np.random.default_rng(0)
    logits = rng.normal(0.0, 3.0, (20000, 5))
    p = _softmax(logits / true_t)
    y = (p.cumsum(axis=1) > rng.random((len(p), 1))).argmax(axis=1)
    assert fit_temperature(logits, y) == pytest.approx(true_t, rel=0.05)


def test_fit_temperature_stays_in_bounds_on_separable_data():
    logits = np.array([[5.0, 0.0], [0.0, 5.0]] * 10)
    y = np.array([0, 1] * 10)
    assert fit_temperature(logits, y, prior_sd=None) == pytest.approx(
        TEMPERATURE_BOUNDS[0], rel=1e-3
    )
    # The prior keeps 20 perfectly separated spectra from sharpening without end.
    assert 0.3 < fit_temperature(logits, y) < 1.0


@pytest.mark.parametrize("true_t", [0.5, 2.0])
def test_the_prior_weighs_less_the_more_validation_spectra(true_t):
    rng = np.random.default_rng(2)

    def draw(n):
        logits = rng.normal(0.0, 3.0, (n, 5))
        p = _softmax(logits / true_t)
        return logits, (p.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)

    few, many = draw(60), draw(20000)
    # With 60 spectra the estimate is pulled from the plain maximum-likelihood
    # one towards 1; with 20,000 the two agree.
    ml, posterior = fit_temperature(*few, prior_sd=None), fit_temperature(*few)
    assert abs(np.log(posterior)) < abs(np.log(ml))
    assert fit_temperature(*many) == pytest.approx(fit_temperature(*many, prior_sd=None), rel=0.02)
    # A tighter prior pulls harder.
    assert abs(np.log(fit_temperature(*few, prior_sd=TEMPERATURE_PRIOR_SD / 4))) < abs(
        np.log(posterior)
    )


def test_expected_calibration_error_by_hand():
    # Bin 0.9: 2 spectra, 1 right (gap 0.4); bin 0.8: 2 right (gap 0.2): (2*0.4 + 2*0.2)/4.
    proba = np.array([[0.9, 0.1], [0.9, 0.1], [0.2, 0.8], [0.2, 0.8]])
    y = np.array(["M0", "M1", "M1", "M1"])
    assert expected_calibration_error(y, proba) == pytest.approx(0.3)
    # Columns follow `classes`, not the sorted labels, when given.
    assert expected_calibration_error(y, proba[:, ::-1], classes=["M1", "M0"]) == pytest.approx(0.3)


def test_expected_calibration_error_is_small_for_calibrated_draws():
    rng = np.random.default_rng(1)
    proba = _softmax(rng.normal(0.0, 2.0, (50000, 3)))
    y = (proba.cumsum(axis=1) > rng.random((len(proba), 1))).argmax(axis=1)
    assert expected_calibration_error(y, proba, classes=[0, 1, 2]) < 0.01
    # Over-confident by a factor of 3 on the logits: clearly not calibrated.
    sharp = _softmax(3 * np.log(proba))
    assert expected_calibration_error(y, sharp, classes=[0, 1, 2]) > 0.05


@pytest.mark.parametrize(
    "proba, kwargs, match",
    [
        (np.ones(4), {}, "2-D"),
        (np.full((4, 3), 1 / 3), {}, "3 columns but there are 2 classes"),
        (np.array([[np.nan, 1.0]] * 4), {}, "NaN"),
        (np.full((4, 2), 0.5), {"n_bins": 0}, "n_bins"),
    ],
)
def test_expected_calibration_error_rejects_bad_input(proba, kwargs, match):
    with pytest.raises(ValueError, match=match):
        expected_calibration_error(["M0", "M1", "M1", "M0"], proba, **kwargs)


@pytest.fixture(scope="module")
def noisy_split():
    return make_spectra(n_per_class=60, noise=0.3), make_spectra(n_per_class=100, noise=0.3, seed=1)


@pytest.mark.parametrize("cls", [DNNClassifier, EMCCNNClassifier])
def test_temperature_scaling_calibrates_without_changing_predictions(cls, noisy_split):
    (X, y), (X_test, y_test) = noisy_split
    raw = tiny(cls, max_epochs=20, validation_fraction=0.3, calibrate=False).fit(X, y)
    cal = tiny(cls, max_epochs=20, validation_fraction=0.3).fit(X, y)
    assert raw.temperature_ == 1.0 and cal.temperature_ != 1.0
    np.testing.assert_array_equal(cal.predict(X_test), raw.predict(X_test))
    p_raw, p_cal = raw.predict_proba(X_test), cal.predict_proba(X_test)
    np.testing.assert_allclose(p_cal.sum(axis=1), 1.0, rtol=1e-6)
    # The tiny networks are far from calibrated after 20 epochs; scaling fixes most of it.
    ece_raw = expected_calibration_error(y_test, p_raw, classes=raw.classes_)
    ece_cal = expected_calibration_error(y_test, p_cal, classes=cal.classes_)
    assert ece_cal < 0.5 * ece_raw
    # The validation spectra are not kept in the model; the temperature is.
    assert not hasattr(cal, "_validation_split")
    assert pickle.loads(pickle.dumps(cal)).temperature_ == cal.temperature_


class _KeepValidationLogits(DNNClassifier):
    """A network that keeps what its temperature was fitted on."""

    def _after_training(self, **kwargs):
        X_valid, y_valid = self.__dict__["_validation_split"]
        self.kept_ = (self._logits(X_valid), np.asarray(y_valid))
        super()._after_training(**kwargs)


@pytest.mark.parametrize(
    "params, subtypes, prior",
    [
        ({}, False, {}),
        ({"label_smoothing": 0.1}, False, {}),
        ({"ordinal_width": 0.5}, False, {"prior_sd": None}),
        ({"ordinal_width": 0.5, "label_smoothing": 0.1}, False, {"prior_sd": None}),
        ({"label_noise": 0.5}, False, {}),
        # Subtype targets are P(label | subtype), the labels' own
        # probabilities: the prior at 1, whatever ordinal_width (which they
        # replace) or label_noise say.
        ({}, True, {}),
        ({"label_noise": 0.5}, True, {}),
        ({"label_noise": 0.5, "ordinal_width": 0.5}, True, {}),
    ],
)
def test_networks_fit_their_temperature_with_the_prior_their_targets_imply(
    noisy_split, params, subtypes, prior
):
    # One-hot, smoothed or subtype targets: the prior centred on T = 1. Soft
    # ordinal targets make the network under-confident by design: the plain fit.
    (X, y), _ = noisy_split
    fit_params = {}
    if subtypes:
        rng = np.random.default_rng(0)
        fit_params["subtype"] = subtype_to_number(y) + rng.normal(0.0, 0.28, len(y))
    clf = _KeepValidationLogits(
        **{**TINY_NETS["DNNClassifier"], **TINY_FIT, "max_epochs": 20, "validation_fraction": 0.3},
        **params,
    ).fit(X, y, **fit_params)
    expected = fit_temperature(*clf.kept_, **prior)
    assert clf.temperature_ == pytest.approx(expected, rel=1e-9)
    other = fit_temperature(*clf.kept_, prior_sd=None if prior == {} else 0.25)
    assert abs(np.log(other / expected)) > 0.05  # the two rules differ here
    # partial_fit follows each call's own targets.
    if subtypes and "ordinal_width" in params:
        clf.partial_fit(X, y)
        assert clf.temperature_ == pytest.approx(fit_temperature(*clf.kept_, prior_sd=None))


def test_the_prior_centre_pulls_towards_it():
    rng = np.random.default_rng(3)
    logits = rng.normal(0.0, 3.0, (60, 5))
    p = _softmax(logits / 0.5)
    y = (p.cumsum(axis=1) > rng.random((60, 1))).argmax(axis=1)
    plain = fit_temperature(logits, y, prior_sd=None)
    assert fit_temperature(logits, y, prior_centre=plain) == pytest.approx(plain, rel=1e-3)
    low, high = (fit_temperature(logits, y, prior_centre=c) for c in (0.2, 2.0))
    assert low < plain < high


def test_no_validation_split_means_no_temperature(noisy_split):
    (X, y), _ = noisy_split
    clf = tiny(DNNClassifier, max_epochs=2).fit(X, y)
    assert clf.validation_fraction is None and clf.temperature_ == 1.0
    clf.partial_fit(X, y)
    assert clf.temperature_ == 1.0


def test_no_network_keeps_its_validation_spectra(noisy_split):
    from skspec.preprocessing import SupervisedDenoiser

    (X, y), _ = noisy_split
    for est in (
        tiny(SupervisedDenoiser, validation_fraction=0.3),
        tiny(DNNClassifier, validation_fraction=0.3),
    ):
        est.fit(X, y)
        assert "_validation_split" not in vars(est)
        est.partial_fit(X, y)
        assert "_validation_split" not in vars(est)
