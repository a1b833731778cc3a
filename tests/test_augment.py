"""SpectrumAugmenter: training-time re-observation, and the networks' ``augment``."""

import numpy as np
import pytest
import torch
from _tiny import tiny
from test_networks import make_spectra

from skspec.models import DNNClassifier
from skspec.nn import SpectrumAugmenter

OFF = {
    "wobble": 0.0,
    "shift": 0.0,
    "snr": None,
    "bad_run": 0,
    "blur": 0.0,
    "blue_cut": 0.0,
    "red_cut": 0.0,
    "scale": 0.0,
    "probability": 1.0,
}


def _aug(**kwargs):
    return SpectrumAugmenter(**{**OFF, **kwargs}).check()


def test_everything_off_is_the_identity():
    x = torch.rand(5, 300) + 0.5
    torch.testing.assert_close(_aug()(x), x)
    torch.testing.assert_close(_aug(wobble=0.3, probability=0.0)(x), x)


def test_wobble_is_a_smooth_positive_factor_of_the_set_size():
    torch.manual_seed(0)
    x = torch.ones(2000, 400)
    out = _aug(wobble=0.1, degree=1)(x)
    log_ratio = torch.log(out[:, -1] / out[:, 0])  # 2 c_1: P_1 goes from -1 to 1
    assert torch.all(out > 0)
    assert float(log_ratio.std()) == pytest.approx(0.2, rel=0.1)
    # Degree 1: a straight line in log flux.
    second = torch.diff(torch.log(out), n=2, dim=1)
    assert float(second.abs().max()) < 1e-5


def test_scale_is_one_factor_per_spectrum_within_its_range():
    torch.manual_seed(3)
    x = torch.rand(2000, 100) + 0.5
    ratio = _aug(scale=1.0)(x) / x
    per_spectrum = ratio[:, :1]
    torch.testing.assert_close(ratio, per_spectrum.expand_as(ratio))  # one factor each
    log_factor = torch.log10(per_spectrum)
    assert float(log_factor.min()) >= -1.0 - 1e-6 and float(log_factor.max()) <= 1.0 + 1e-6
    assert float(log_factor.std()) == pytest.approx(2 / 12**0.5, rel=0.1)  # uniform on [-1, 1]


def test_old_pickles_draw_no_scale():
    import pickle

    aug = SpectrumAugmenter()
    state = dict(vars(aug))
    del state["scale"]
    old = SpectrumAugmenter.__new__(SpectrumAugmenter)
    old.__setstate__(state)
    assert old.scale == 0.0
    assert pickle.loads(pickle.dumps(aug)) == aug


def test_shift_moves_a_ramp_by_the_drawn_pixels():
    torch.manual_seed(1)
    x = torch.arange(200.0).repeat(1000, 1)
    out = _aug(shift=2.0)(x)
    delta = (x - out)[:, 50:150]  # a ramp shifted right by d pixels drops by d
    assert float(delta.std(dim=1).max()) < 1e-3  # one shift per spectrum
    assert float(delta[:, 0].std()) == pytest.approx(2.0, rel=0.1)


def test_noise_level_follows_the_drawn_snr():
    torch.manual_seed(2)
    x = torch.full((500, 1000), 100.0)
    out = _aug(snr=(10.0, 10.0))(x)
    assert float((out - x).std()) == pytest.approx(10.0, rel=0.05)


def test_bad_run_is_filled_linearly_between_its_neighbours():
    torch.manual_seed(3)
    x = torch.rand(50, 300) + 1.0
    out = _aug(bad_run=30)(x)
    changed = (out != x).numpy()
    for row, (xi, oi) in enumerate(zip(x.numpy(), out.numpy())):
        idx = np.flatnonzero(changed[row])
        if idx.size == 0:
            continue
        assert idx.size == idx[-1] - idx[0] + 1 <= 30  # one contiguous run
        a, b = idx[0] - 1, idx[-1] + 1
        expected = np.interp(idx, [a, b], [xi[a], xi[b]])
        np.testing.assert_allclose(oi[idx], expected, rtol=1e-5)


def test_end_cuts_hold_the_nearest_kept_pixel_within_their_range():
    torch.manual_seed(6)
    m = 200
    x = torch.arange(m, dtype=torch.float32).repeat(4000, 1) + 1.0
    out = _aug(blue_cut=0.5, red_cut=0.15)(x).numpy()
    first = out[:, 0] - 1  # a ramp: the value held at the blue end is the first kept index
    last = out[:, -1] - 1
    idx = np.arange(m)
    kept = (idx >= first[:, None]) & (idx <= last[:, None])
    np.testing.assert_array_equal(out[kept], x.numpy()[kept])  # the rest untouched
    np.testing.assert_array_equal(out, np.clip(x.numpy(), out[:, :1], out[:, -1:]))
    blue, red = first / m, (m - 1 - last) / m
    assert blue.max() <= 0.5 and red.max() <= 0.15
    # Each end is cut in about half the spectra, by a uniform fraction.
    assert np.mean(blue > 0) == pytest.approx(0.5, abs=0.05)
    assert np.mean(red > 0) == pytest.approx(0.5, abs=0.05)
    assert np.median(blue[blue > 0]) == pytest.approx(0.25, abs=0.03)
    assert np.median(red[red > 0]) == pytest.approx(0.075, abs=0.015)


def test_old_pickles_cut_nothing():
    aug = SpectrumAugmenter(wobble=0.1, shift=0.0, snr=None, bad_run=0, scale=0.0, probability=1.0)
    cut = ("blue_cut", "red_cut", "cut_probability")
    state = {k: v for k, v in vars(aug).items() if k not in cut}
    old = SpectrumAugmenter.__new__(SpectrumAugmenter)
    old.__setstate__(state)
    assert (old.blue_cut, old.red_cut, old.cut_probability) == (0.0, 0.0, 0.5)
    x = torch.rand(3, 50) + 1
    torch.manual_seed(8)
    a = old(x)
    torch.manual_seed(8)
    torch.testing.assert_close(a, aug(x))


def test_no_cuts_draw_nothing_more():
    """Presets without cuts draw exactly what they drew before the cuts existed."""
    from skspec.nn import _augment

    x = torch.rand(20, 300) + 1
    aug = SpectrumAugmenter(blur=1.0)
    torch.manual_seed(9)
    expected = aug(x)
    after = torch.rand(1)
    called = []
    original = _augment._cut_ends
    try:
        _augment._cut_ends = lambda *a: called.append(a) or original(*a)
        torch.manual_seed(9)
        torch.testing.assert_close(aug(x), expected)
        assert torch.equal(torch.rand(1), after)  # the RNG stream is where it was
    finally:
        _augment._cut_ends = original
    assert not called


def test_reddening_follows_the_ccm_law_over_the_paper_grid():
    from skspec.utils import ccm_extinction, sdss_wavelength

    torch.manual_seed(5)
    x = torch.rand(1000, 3522, dtype=torch.float64) + 0.5
    out = _aug(reddening=0.4)(x)
    log_ratio = -2.5 * torch.log10(out / x)  # A(lambda) of each spectrum, mag
    ebv = log_ratio[:, :1] / float(ccm_extinction(sdss_wavelength()[:1])[0])
    # One E(B-V) per spectrum, uniform in 0 .. 0.4, times the law at each pixel.
    curve = torch.as_tensor(ccm_extinction(sdss_wavelength()))
    torch.testing.assert_close(log_ratio, ebv * curve[None, :], rtol=1e-6, atol=1e-9)
    assert float(ebv.min()) >= 0 and float(ebv.max()) <= 0.4 + 1e-9
    assert float(ebv.mean()) == pytest.approx(0.2, abs=0.01)
    assert float(ebv.std()) == pytest.approx(0.4 / 12**0.5, rel=0.1)
    # The resampled grid (5000 points over the same span) gets the same law.
    five = _aug(reddening=0.4)(torch.ones(200, 5000, dtype=torch.float64))
    ratio = torch.log10(five[:, 0]) / torch.log10(five[:, -1])
    torch.testing.assert_close(ratio, torch.full_like(ratio, float(curve[0] / curve[-1])))


def test_reddening_pair_draws_between_its_ends_and_may_unredden():
    from skspec.utils import ccm_extinction, sdss_wavelength

    torch.manual_seed(6)
    x = torch.ones(2000, 3522, dtype=torch.float64)
    out = _aug(reddening=(-0.15, 0.05))(x)
    ebv = -2.5 * torch.log10(out[:, 0]) / float(ccm_extinction(sdss_wavelength()[:1])[0])
    assert float(ebv.min()) == pytest.approx(-0.15, abs=0.005)
    assert float(ebv.max()) == pytest.approx(0.05, abs=0.005)
    assert float(ebv.mean()) == pytest.approx(-0.05, abs=0.005)
    assert bool((out[ebv < 0, 0] > 1).all())  # less reddened: bluer than the input


def test_a_bad_reddening_is_refused_when_called_without_check():
    """Called directly (no fit to run ``check``), the augmenter refuses rather than return NaN."""
    for bad in (-0.1, None, (0.1, -0.1)):
        with pytest.raises(ValueError, match="reddening"):
            SpectrumAugmenter(reddening=bad)(torch.ones(2, 10))


def test_old_pickles_draw_no_reddening():
    """Augmenters without ``reddening`` (older pickles) draw what they drew before."""
    aug = SpectrumAugmenter(wobble=0.1, shift=0.0, snr=None, bad_run=0, probability=1.0)
    state = {k: v for k, v in vars(aug).items() if k != "reddening"}
    old = SpectrumAugmenter.__new__(SpectrumAugmenter)
    old.__setstate__(state)
    assert old.reddening == 0.0 and old == aug
    x = torch.rand(3, 50) + 1
    torch.manual_seed(8)
    a = old(x)
    after = torch.rand(1)
    torch.manual_seed(8)
    torch.testing.assert_close(a, aug(x))
    assert torch.equal(torch.rand(1), after)  # no extra draw


def test_emission_adds_balmer_lines_of_the_drawn_width_to_a_share_of_the_spectra():
    from skspec.utils import air_to_vacuum, sdss_wavelength

    torch.manual_seed(9)
    wave = sdss_wavelength()
    x = torch.full((2000, 3522), 2.0, dtype=torch.float64)
    out = _aug(emission=0.3)(x)
    added = (out - x).numpy()
    halpha, hbeta = air_to_vacuum(np.array([6562.8, 4861.3]))
    near_a = np.abs(wave - halpha) < 10
    near_b = np.abs(wave - hbeta) < 10
    # Nothing is added away from the two lines.
    assert np.abs(added[:, ~(near_a | near_b)]).max() < 1e-6
    # H-alpha's equivalent width on the continuum of 2: log-uniform in 1-10 A,
    # on about 30 % of the spectra; H-beta's line flux 0.3-0.7 of it.
    dlam = np.gradient(wave)
    ew_a = (added[:, near_a] * dlam[near_a]).sum(axis=1) / 2.0
    ew_b = (added[:, near_b] * dlam[near_b]).sum(axis=1) / 2.0
    active = ew_a > 0
    assert active.mean() == pytest.approx(0.3, abs=0.03)
    assert ew_a[active].min() > 0.99 and ew_a[active].max() < 10.01
    assert np.median(np.log(ew_a[active])) == pytest.approx(np.log(10) / 2, abs=0.15)
    ratio = ew_b[active] / ew_a[active]
    assert ratio.min() > 0.29 and ratio.max() < 0.71
    peak = wave[np.argmax(added[active][0])]
    assert abs(peak - halpha) < 1.5


def test_old_pickles_draw_no_emission():
    aug = SpectrumAugmenter(wobble=0.1, shift=0.0, snr=None, bad_run=0, probability=1.0)
    state = {k: v for k, v in vars(aug).items() if k != "emission"}
    old = SpectrumAugmenter.__new__(SpectrumAugmenter)
    old.__setstate__(state)
    assert old.emission == 0.0 and old == aug


def test_blur_keeps_the_flux_and_broadens_up_to_its_width():
    torch.manual_seed(4)
    x = torch.zeros(400, 101)
    x[:, 50] = 1.0
    out = _aug(blur=1.5)(x).numpy()
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)
    width = np.sqrt((out * (np.arange(101) - 50) ** 2).sum(axis=1))
    assert width.max() <= 1.5 + 1e-3 and width.max() > 1.3
    assert np.ptp(width) > 1.0  # drawn per spectrum


def test_folded_input_keeps_its_shape():
    x = torch.rand(3, 6, 20) + 1
    assert _aug(wobble=0.1, blur=1.0, shift=1.0)(x).shape == (3, 6, 20)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"wobble": -1}, "wobble"),
        ({"blur": -0.5}, "blur"),
        ({"scale": -1.0}, "scale"),
        ({"reddening": -0.1}, "reddening"),
        ({"reddening": "0.2"}, "reddening"),
        ({"reddening": (0.2, 0.1)}, "reddening"),
        ({"reddening": (-2.0, 0.1)}, "reddening"),
        ({"reddening": True}, "reddening"),
        ({"reddening": None}, "reddening"),
        ({"reddening": float("nan")}, "reddening"),
        ({"reddening": (float("nan"), 0.1)}, "reddening"),
        ({"reddening": (False, True)}, "reddening"),
        ({"reddening": (0.1, 0.2, 0.3)}, "reddening"),
        ({"emission": 1.5}, "emission"),
        ({"emission": -0.1}, "emission"),
        ({"bad_run": 2.5}, "bad_run"),
        ({"probability": 2}, "probability"),
        ({"snr": (0, 5)}, "snr"),
        ({"blue_cut": 1.0}, "blue_cut"),
        ({"red_cut": -0.1}, "red_cut"),
        ({"blue_cut": 0.6, "red_cut": 0.5}, "blue_cut \\+ red_cut"),
    ],
)
def test_check_names_the_bad_setting(kwargs, name):
    with pytest.raises(ValueError, match=name):
        SpectrumAugmenter(**kwargs).check()


def test_networks_augment_is_reproducible_and_off_at_prediction():
    X, y = make_spectra(n_per_class=20, noise=0.1)
    aug = SpectrumAugmenter(blur=1.0)
    a = tiny(DNNClassifier, max_epochs=3, augment=aug).fit(X, y)
    b = tiny(DNNClassifier, max_epochs=3, augment=aug).fit(X, y)
    plain = tiny(DNNClassifier, max_epochs=3).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    # It changed training...
    assert not np.allclose(a.predict_proba(X), plain.predict_proba(X))
    # ...but not prediction: the same input gives the same output twice.
    np.testing.assert_array_equal(a.predict_proba(X), a.predict_proba(X))


def test_calibration_preset_only_redraws_the_calibration_curve():
    from skspec.nn._augment import AUGMENT_PRESETS, make_augmenter

    aug = make_augmenter("calibration")
    assert aug == SpectrumAugmenter(**AUGMENT_PRESETS["calibration"])
    assert (aug.wobble, aug.shift, aug.snr, aug.bad_run, aug.blur, aug.scale) == (
        0.05,
        0.0,
        None,
        0,
        0.0,
        0.0,
    )
    torch.manual_seed(5)
    x = torch.rand(200, 300) + 1.0
    ratio = aug(x) / x  # a smooth positive curve per spectrum, nothing else
    assert float(torch.diff(torch.log(ratio), n=2, dim=1).abs().max()) < 1e-3
    assert make_augmenter(False) is None and make_augmenter(None) is None
    assert make_augmenter(True) == SpectrumAugmenter()
    with pytest.raises(ValueError, match="not a preset"):
        make_augmenter("colour")


def test_coverage_preset_adds_lost_ends_to_the_calibration_curve():
    from skspec.nn._augment import AUGMENT_PRESETS, make_augmenter

    aug = make_augmenter("coverage")
    calibration = make_augmenter("calibration")
    assert aug == SpectrumAugmenter(**AUGMENT_PRESETS["coverage"])
    assert (aug.blue_cut, aug.red_cut, aug.cut_probability) == (0.5, 0.15, 0.25)
    # Everything else is the calibration preset.
    same = {
        k: v for k, v in vars(aug).items() if k not in ("blue_cut", "red_cut", "cut_probability")
    }
    assert same == {k: v for k, v in vars(calibration).items() if k in same}
    assert calibration.blue_cut == calibration.red_cut == 0.0
    torch.manual_seed(7)
    m = 400
    x = torch.arange(1.0, m + 1.0).repeat(4000, 1)
    out = aug(x)
    held_blue = out[:, 1] == out[:, 0]  # a held (flat) blue end
    held_red = out[:, -1] == out[:, -2]
    # Re-observed with probability 0.8, an end lost with 0.25 of those.
    assert float(held_blue.float().mean()) == pytest.approx(0.2, abs=0.03)
    assert float(held_red.float().mean()) == pytest.approx(0.2, abs=0.03)


def test_reddening_preset_is_coverage_with_a_colour_excess_centred_on_zero():
    from skspec.models import EMCCNNClassifier
    from skspec.nn._augment import make_augmenter
    from skspec.utils import ccm_extinction, sdss_wavelength

    aug = make_augmenter("reddening")
    coverage = make_augmenter("coverage")
    assert aug.reddening == (-0.15, 0.15)
    assert {k: v for k, v in vars(aug).items() if k != "reddening"} == {
        k: v for k, v in vars(coverage).items() if k != "reddening"
    }
    # Only the colour excess: the mean colour of the batch stays where it was.
    only = SpectrumAugmenter(**{**vars(aug), "wobble": 0.0, "blue_cut": 0.0, "red_cut": 0.0})
    torch.manual_seed(9)
    out = only(torch.ones(4000, 3522, dtype=torch.float64))
    law = ccm_extinction(sdss_wavelength()[[0, -1]])
    ebv = -2.5 * torch.log10(out[:, 0] / out[:, -1]) / float(law[0] - law[1])
    assert float(ebv.mean()) == pytest.approx(0.0, abs=0.005)
    assert float(ebv.abs().max()) == pytest.approx(0.15, abs=0.002)
    # EMCCNN's default (the baselines keep augment=False).
    assert EMCCNNClassifier().augment == "reddening"
    assert DNNClassifier().augment is False


def test_networks_take_the_preset_by_name():
    X, y = make_spectra(n_per_class=20, noise=0.1)
    named = tiny(DNNClassifier, max_epochs=3, augment="calibration").fit(X, y)
    from skspec.nn._augment import AUGMENT_PRESETS

    explicit = tiny(
        DNNClassifier, max_epochs=3, augment=SpectrumAugmenter(**AUGMENT_PRESETS["calibration"])
    ).fit(X, y)
    np.testing.assert_array_equal(named.predict_proba(X), explicit.predict_proba(X))
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="augment"):
        tiny(DNNClassifier, augment="colour").fit(X, y)


def test_redraw_dataset_flips_the_noise_sign_per_pixel():
    from skspec.nn._data import _RedrawDataset

    rng = np.random.default_rng(0)
    clean = rng.uniform(1, 2, (50, 300)).astype(np.float32)
    noise = rng.normal(0, 0.1, (50, 300)).astype(np.float32)
    ds = _RedrawDataset(clean + noise, clean, np.zeros(50, dtype=np.int64))
    torch.manual_seed(0)
    first, _ = ds.__getitems__(list(range(50)))
    second, _ = ds.__getitems__(list(range(50)))
    single, _ = ds[3]
    for out in (first, second):
        # Same |noise| pixel by pixel, about half of the signs flipped.
        np.testing.assert_allclose(np.abs(out.numpy() - clean), np.abs(noise), atol=1e-6)
        flipped = np.mean(np.sign(out.numpy() - clean) != np.sign(noise))
        assert 0.45 < flipped < 0.55
    assert not torch.equal(first, second)  # a new draw each time
    np.testing.assert_allclose(np.abs(single.numpy() - clean[3]), np.abs(noise[3]), atol=1e-6)
    assert 0.3 < np.mean(np.sign(single.numpy() - clean[3]) != np.sign(noise[3])) < 0.7


def test_networks_redraw_the_noise_of_x_clean_reproducibly():
    X, y = make_spectra(n_per_class=20, noise=0.1)
    X_clean, _ = make_spectra(n_per_class=20, noise=0.0)
    a = tiny(DNNClassifier, max_epochs=3).fit(X, y, X_clean=X_clean)
    b = tiny(DNNClassifier, max_epochs=3).fit(X, y, X_clean=X_clean)
    plain = tiny(DNNClassifier, max_epochs=3).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not np.allclose(a.predict_proba(X), plain.predict_proba(X))
    assert "_X_clean" not in vars(a)  # no training data stay in the model
    a.partial_fit(X, y, X_clean=X_clean)
    assert "_X_clean" not in vars(a)


def test_x_clean_follows_the_training_rows_of_the_validation_split():
    X, y = make_spectra(n_per_class=20, noise=0.1)
    X_clean, _ = make_spectra(n_per_class=20, noise=0.0)
    clf = tiny(DNNClassifier, max_epochs=1, validation_fraction=0.25)
    clf.fit(X, y, X_clean=X_clean)
    # The split fit used, re-made on the same seeds.
    clf._X_clean = clf._validate_clean(X_clean, X)
    Xv, yv = clf._validate_training_data(X, y, reset=False)
    train, valid = clf.get_split_datasets(Xv, yv)
    from skspec.nn._data import _RedrawDataset

    assert isinstance(train, _RedrawDataset) and not isinstance(valid, _RedrawDataset)
    rows = [int(np.flatnonzero((Xv == x).all(axis=1))[0]) for x in (train.X + train.noise).numpy()]
    np.testing.assert_allclose(train.X.numpy(), X_clean[rows], rtol=1e-6)
    assert len(rows) == 45 and len(valid) == 15


def test_refused_x_clean_leaves_a_fitted_model_as_it_was():
    X, y = make_spectra(n_per_class=20, noise=0.1)
    clf = tiny(DNNClassifier, max_epochs=1).fit(X, y)
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match="shape of X"):
        clf.fit(X[:, :100], y, X_clean=X[:, :90])
    np.testing.assert_array_equal(clf.predict_proba(X), before)


@pytest.mark.parametrize(
    "X_clean, match",
    [
        (lambda X: X[:5], "shape of X"),
        (lambda X: X[:, :10], "shape of X"),
        (lambda X: np.where(np.arange(X.shape[1]) == 3, np.nan, X), "X_clean contains NaN"),
        (lambda X: X.astype(str), "X_clean"),
    ],
)
def test_bad_x_clean_is_refused_with_its_name(X_clean, match):
    X, y = make_spectra(n_per_class=20, noise=0.1)
    with pytest.raises((ValueError, TypeError), match=match):
        tiny(DNNClassifier, max_epochs=1).fit(X, y, X_clean=X_clean(X))
