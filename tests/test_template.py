import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import Bunch
from sklearn.utils.estimator_checks import parametrize_with_checks

from skspec.metrics import within_one_subtype_accuracy
from skspec.models import TemplateClassifier
from skspec.utils._sklearn_compat import InvalidParameterError

N_PIX = 400
CLASSES = np.array(["M0", "M1", "M2", "M3"])
X_AXIS = np.linspace(0.0, 1.0, N_PIX)
# Absorption bands whose depth grows with the subtype, like TiO.
BANDS = sum(np.exp(-0.5 * ((X_AXIS - c) / 0.015) ** 2) for c in (0.2, 0.35, 0.6, 0.8))


def toy_spectra(n, snr=30.0, seed=0):
    """Spectra of four classes on an arbitrary flux scale, with a random tilt."""
    rng = np.random.default_rng(seed)
    k = rng.integers(0, CLASSES.size, n)
    depth = 0.2 + 0.1 * k[:, None] + rng.normal(0, 0.015, (n, 1))
    shape = (1.0 - depth * BANDS) * (0.5 + X_AXIS) ** (1.0 + 0.2 * k[:, None])
    tilt = 1.0 + rng.normal(0, 0.1, (n, 1)) * (X_AXIS - 0.5)
    flux = rng.uniform(0.5, 50.0, (n, 1)) * tilt * shape
    sigma = flux.mean(axis=1, keepdims=True) / snr
    return flux + rng.normal(size=flux.shape) * sigma, CLASSES[k], sigma


@pytest.fixture(scope="module")
def data():
    X, y, _ = toy_spectra(400, seed=0)
    X_test, y_test, sigma = toy_spectra(300, seed=1)
    return X, y, X_test, y_test, sigma


def test_learned_templates_classify_held_out_spectra(data):
    X, y, X_test, y_test, _ = data
    clf = TemplateClassifier(random_state=0).fit(X, y)
    # Up to 6 templates per class (the default), grouped by class.
    counts = pd.Series(clf.template_labels_).value_counts()
    assert counts.index.sort_values().tolist() == CLASSES.tolist() and counts.max() <= 6
    assert clf.templates_.shape == (counts.sum(), N_PIX) and counts.sum() > CLASSES.size
    np.testing.assert_array_equal(clf.template_labels_, np.sort(clf.template_labels_))
    np.testing.assert_array_equal(clf.classes_, CLASSES)
    assert clf.n_features_in_ == N_PIX
    assert clf.score(X_test, y_test) > 0.9
    # One template per class: the class means.
    means = TemplateClassifier(templates_per_class=1).fit(X, y)
    np.testing.assert_array_equal(means.template_labels_, CLASSES)
    assert means.score(X_test, y_test) > 0.9
    # Templates are scale-free: their median absolute flux is 1.
    np.testing.assert_allclose(np.median(np.abs(clf.templates_), axis=1), 1.0)


def test_invariant_to_flux_scale_and_continuum_tilt(data):
    X, y, X_test, y_test, _ = data
    clf = TemplateClassifier().fit(X, y)
    np.testing.assert_allclose(
        clf.decision_function(7.5 * X_test), clf.decision_function(X_test), atol=1e-8
    )
    np.testing.assert_allclose(clf.min_reduced_chi2(7.5 * X_test), clf.min_reduced_chi2(X_test))
    # A quadratic continuum is absorbed by the fitted polynomial (the noise is
    # reshaped with it, so the scores move a little).
    continuum = 1.0 + 0.4 * (X_AXIS - 0.5) - 0.8 * (X_AXIS - 0.5) ** 2
    assert np.mean(clf.predict(X_test * continuum) == clf.predict(X_test)) > 0.97
    assert clf.score(X_test * continuum, y_test) > 0.9
    assert TemplateClassifier(poly_degree=0).fit(X, y).score(X_test * continuum, y_test) < 0.8


def test_given_templates_exact_match_and_best_per_class():
    rng = np.random.default_rng(3)
    templates = 1.0 + 0.5 * rng.random((5, N_PIX))
    labels = np.array(["b", "a", "b", "c", "a"])
    clf = TemplateClassifier(templates=templates, template_labels=labels).fit(templates, labels)
    np.testing.assert_array_equal(clf.classes_, ["a", "b", "c"])
    assert clf.templates_.shape == (5, N_PIX)
    # A template times a quadratic continuum is matched exactly by its own template.
    x = np.linspace(-1, 1, N_PIX)
    X = templates * (2.0 + 0.5 * x - 0.3 * x**2)
    red = clf.reduced_chi2(X)
    assert red.shape == (5, 5)
    np.testing.assert_allclose(np.diag(red), 0.0, atol=1e-12)
    assert np.all(red[~np.eye(5, dtype=bool)] > 1.0)
    np.testing.assert_array_equal(clf.predict(X), labels)


def test_class_score_is_its_best_template_not_an_average():
    """A class with one matching and one far-off template still wins (min, not mean)."""
    rng = np.random.default_rng(7)
    x = np.linspace(-1, 1, N_PIX)
    match = 1.0 + 0.5 * rng.random(N_PIX)
    far = 1.0 + 0.5 * rng.random(N_PIX)  # class "a" too, unlike the spectra
    near = match * (1.0 + 0.05 * np.sin(25 * np.pi * x))  # class "b": close, but not it
    templates = np.vstack([match, far, near])
    labels = np.array(["a", "a", "b"])
    clf = TemplateClassifier(templates=templates, template_labels=labels).fit(templates, labels)
    X = match * (2.0 + 0.5 * x) * (1.0 + 0.005 * rng.normal(size=(50, N_PIX)))
    red = clf.reduced_chi2(X)
    # The set-up tells min from mean: "b" beats the mean of a's two, not a's best.
    assert np.all(red[:, 0] < red[:, 2]) and np.all(red[:, 2] < red[:, :2].mean(axis=1))
    for ivar in (None, np.full(X.shape, 1e4)):
        np.testing.assert_array_equal(clf.predict(X, ivar=ivar), "a")
        assert np.all(clf.predict_proba(X, ivar=ivar)[:, 0] > 0.5)


def test_reduced_chi2_divides_by_good_pixels_minus_fitted_parameters():
    """chi2 / (n_good - rank): 1 on average for the true template and the true noise."""
    n_pix, sigma = 30, 0.01
    rng = np.random.default_rng(6)
    x = np.linspace(-1, 1, n_pix)
    templates = 1.0 + 0.5 * rng.random((2, n_pix))
    clf = TemplateClassifier(templates=templates, template_labels=["a", "b"], poly_degree=2).fit(
        templates, ["a", "b"]
    )
    X = templates[0] * (2.0 + 0.5 * x - 0.3 * x**2) + rng.normal(0, sigma, (4000, n_pix))
    ivar = np.full(X.shape, sigma**-2)
    ivar[:2000, :6] = 0.0  # 24 good pixels - 3 parameters = 21 degrees of freedom, else 27
    red = clf.reduced_chi2(X, ivar=ivar)[:, 0]
    # Means over 2000 spectra: 1 within 0.03 (4 sigma); n_good alone would give 0.88, 0.90.
    assert red[:2000].mean() == pytest.approx(1.0, abs=0.03)
    assert red[2000:].mean() == pytest.approx(1.0, abs=0.03)
    # A higher-degree continuum uses more parameters: still 1 on average.
    deg5 = TemplateClassifier(templates=templates, template_labels=["a", "b"], poly_degree=5).fit(
        templates, ["a", "b"]
    )
    assert deg5.reduced_chi2(X[2000:], ivar=ivar[2000:])[:, 0].mean() == pytest.approx(
        1.0, abs=0.03
    )


def test_templates_from_bunch(data):
    X, y, X_test, _, _ = data
    learned = TemplateClassifier().fit(X, y)
    bunch = Bunch(data=learned.templates_, target=learned.template_labels_)
    clf = TemplateClassifier(templates=bunch).fit(X, y)
    np.testing.assert_array_equal(clf.predict(X_test), learned.predict(X_test))


def test_ivar_weighting(data):
    X, y, X_test, y_test, sigma = data
    clf = TemplateClassifier().fit(X, y)
    ivar = np.broadcast_to(1.0 / sigma**2, X_test.shape)
    # Uniform ivar: the batched normal equations agree with the shared basis.
    np.testing.assert_array_equal(clf.predict(X_test, ivar=ivar), clf.predict(X_test))
    red = clf.min_reduced_chi2(X_test, ivar=ivar)
    assert 0.8 < np.median(red) < 1.3  # the true noise: good fits have chi2_nu ~ 1
    # Garbage at pixels with ivar == 0 is ignored.
    bad = np.zeros_like(X_test, dtype=bool)
    bad[:, 100:160] = True
    corrupt = np.where(bad, 1e3 * X_test, X_test)
    ivar_bad = np.where(bad, 0.0, ivar)
    np.testing.assert_array_equal(
        clf.predict(corrupt, ivar=ivar_bad), clf.predict(X_test, ivar=ivar_bad)
    )
    assert clf.score(corrupt, y_test, ivar=ivar_bad) > 0.9
    assert clf.score(corrupt, y_test) < 0.7  # unweighted, the garbage dominates


def test_noise_estimate_gives_sensible_reduced_chi2(data):
    X, y, X_test, _, _ = data
    clf = TemplateClassifier().fit(X, y)
    red = clf.min_reduced_chi2(X_test)
    assert 0.7 < np.median(red) < 1.5
    np.testing.assert_allclose(clf.score_samples(X_test), -red)


def test_min_reduced_chi2_flags_out_of_scope_spectra(data):
    X, y, X_test, _, _ = data
    clf = TemplateClassifier().fit(X, y)
    rng = np.random.default_rng(5)
    # Emission lines instead of absorption bands: no template matches.
    other = (1.0 + 0.8 * BANDS) * (0.5 + X_AXIS) * 10.0
    other = other + rng.normal(size=(20, N_PIX)) * other.mean() / 30.0
    assert clf.min_reduced_chi2(other).min() > 5 * clf.min_reduced_chi2(X_test).max()


def test_predict_proba_is_calibrated_not_peaked():
    X_noisy, y_noisy, _ = toy_spectra(300, snr=8.0, seed=2)
    clf = TemplateClassifier().fit(X_noisy[:150], y_noisy[:150])
    proba = clf.predict_proba(X_noisy[150:])
    assert proba.shape == (150, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X_noisy[150:]))
    assert clf.temperature_ >= 1.0
    # Calibrated on out-of-fold chi-squares: confident only where it is right.
    conf = proba.max(axis=1)
    acc = np.mean(clf.predict(X_noisy[150:]) == y_noisy[150:])
    assert 0.5 < acc < 1.0
    assert abs(conf.mean() - acc) < 0.15
    true_p = proba[np.arange(150), np.searchsorted(clf.classes_, y_noisy[150:])]
    assert -np.mean(np.log(np.maximum(true_p, 1e-300))) < 1.0
    # With temperature=1 the chi-square differences give near-certain answers.
    sharp = TemplateClassifier(temperature=1.0).fit(X_noisy[:150], y_noisy[:150])
    assert sharp.temperature_ == 1.0
    assert sharp.predict_proba(X_noisy[150:]).max(axis=1).mean() > conf.mean()


def test_decision_function_shapes(data):
    X, y, X_test, _, _ = data
    multi = TemplateClassifier().fit(X, y).decision_function(X_test)
    assert multi.shape == (300, 4)
    np.testing.assert_allclose(multi.max(axis=1), 0.0)
    keep = np.isin(y, ["M0", "M3"])
    binary = TemplateClassifier().fit(X[keep], y[keep])
    scores = binary.decision_function(X_test)
    assert scores.shape == (300,)
    np.testing.assert_array_equal(binary.classes_[(scores > 0).astype(int)], binary.predict(X_test))


def test_pipeline_grid_search_cross_val(data):
    X, y, _, _, _ = data
    # One template per class: then only the continuum factor absorbs the tilts
    # (several per class could also hold them, and poly_degree would tie).
    pipe = make_pipeline(FunctionTransformer(np.abs), TemplateClassifier(templates_per_class=1))
    search = GridSearchCV(pipe, {"templateclassifier__poly_degree": [0, 2]}, cv=3).fit(X, y)
    assert search.best_params_["templateclassifier__poly_degree"] == 2
    scores = cross_val_score(TemplateClassifier(), X, y, cv=3, params={"ivar": np.ones_like(X)})
    assert scores.min() > 0.85


def test_warns_for_labels_without_template(data):
    X, y, _, _, _ = data
    templates = TemplateClassifier().fit(X, y).templates_[:3]
    with pytest.warns(UserWarning, match=r"no template has the training label\(s\) \['M3'\]"):
        clf = TemplateClassifier(templates=templates, template_labels=CLASSES[:3]).fit(X, y)
    assert set(clf.predict(X)) <= set(CLASSES[:3])


@pytest.mark.parametrize(
    "kwargs, fit_kwargs, match",
    [
        (
            {"templates": np.ones((2, 10)), "template_labels": ["a", "b"]},
            {},
            "templates have 10 pixels but X has 400",
        ),
        (
            {"templates": np.ones((2, N_PIX)), "template_labels": ["a"]},
            {},
            "got 2 templates but 1 template_labels",
        ),
        ({"templates": np.ones((2, N_PIX))}, {}, "template_labels is required"),
        ({"templates": {"flux": np.ones((2, N_PIX))}}, {}, "need a 'data' entry"),
        ({"template_labels": ["a", "b"]}, {}, "template_labels is given but templates is None"),
        (
            {
                "templates": np.vstack([np.ones(N_PIX), np.zeros(N_PIX)]),
                "template_labels": ["a", "b"],
            },
            {},
            "zero everywhere",
        ),
        (
            {"templates": np.full((2, N_PIX), np.nan), "template_labels": ["a", "b"]},
            {},
            "templates contains NaN",
        ),
        ({}, {"ivar": np.ones((5, 5))}, r"ivar must have the shape of X \(400, 400\)"),
        ({}, {"ivar": -np.ones((400, N_PIX))}, "ivar must be non-negative"),
        ({}, {"ivar": np.full((400, N_PIX), np.nan)}, "ivar contains NaN"),
    ],
)
def test_fit_rejects_bad_input(data, kwargs, fit_kwargs, match):
    X, y, _, _, _ = data
    with pytest.raises(ValueError, match=match):
        TemplateClassifier(**kwargs).fit(X, y, **fit_kwargs)


def test_rejects_bad_parameters_and_spectra(data):
    X, y, X_test, _, _ = data
    with pytest.raises(InvalidParameterError, match="temperature"):
        TemplateClassifier(temperature=-1.0).fit(X, y)
    with pytest.raises(InvalidParameterError, match="poly_degree"):
        TemplateClassifier(poly_degree=-1).fit(X, y)
    with pytest.raises(ValueError, match="3 feature"):
        TemplateClassifier(poly_degree=2).fit(X[:, :3], y)
    clf = TemplateClassifier().fit(X, y)
    bad = X_test.copy()
    bad[0, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(bad)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X_test[:, :100])
    ivar = np.ones_like(X_test)
    ivar[3, 2:] = 0.0
    with pytest.raises(ValueError, match="1 spectra have no more good pixels"):
        clf.predict(X_test, ivar=ivar)


def test_beats_chance_on_generated_spectra():
    from skspec.datasets import make_mdwarf_spectra

    train = make_mdwarf_spectra(400, random_state=0)
    test = make_mdwarf_spectra(300, random_state=1)
    clf = TemplateClassifier().fit(train.data, train.target)
    chance = pd.Series(test.target).value_counts(normalize=True).max()
    assert clf.score(test.data, test.target) > chance + 0.4
    assert within_one_subtype_accuracy(test.target, clf.predict(test.data)) > 0.95
    # Inverse-variance weighting must not make things worse.
    assert clf.score(test.data, test.target, ivar=test.ivar) > chance + 0.4


def test_real_templates_classify_real_spectra(shared_data, templates_dir, sdss_dir):
    from skspec.datasets import load_sdss_spectra
    from skspec.datasets._templates import load_kesseli_templates

    templates = load_kesseli_templates(templates_dir, subtypes=["M0", "M1", "M2", "M3", "M4"])
    clf = TemplateClassifier(templates=templates).fit(templates.data, templates.target)
    assert clf.templates_.shape == (20, 3522)
    np.testing.assert_array_equal(clf.classes_, ["M0", "M1", "M2", "M3", "M4"])
    # Calibrated leave-one-template-out: neither certain nor uniform.
    assert 1.0 < clf.temperature_ < 1e6

    spectra = load_sdss_spectra(sdss_dir)
    labels = pd.read_csv(shared_data / "labels.csv")
    labels["file"] = labels["path"].str.split("/").str[-1]
    files = pd.Series(spectra.frame["path"]).map(lambda p: str(p).split("/")[-1])
    truth = files.map(labels.set_index("file")["label"]).to_numpy()
    is_m = np.array([t.startswith("M") for t in truth])
    assert is_m.sum() == 4

    for ivar in (None, spectra.ivar):
        pred = clf.predict(spectra.data, ivar=ivar)
        # M dwarfs (M1, M2, M2, and an M5 the templates stop short of): within one.
        assert within_one_subtype_accuracy(truth[is_m], pred[is_m]) == 1.0
        chi2 = clf.min_reduced_chi2(spectra.data, ivar=ivar)
        # Hot, well-exposed non-M stars fit no M template.
        hot = np.isin(truth, ["B2", "F4", "G8", "K2"])
        assert chi2[hot].min() > 2 * chi2[is_m].max()
    # The figures of doc/user_guide/real_data.rst (with ivar): M dwarfs 1.2-2.5,
    # the A9, F, G8 and K0 stars (labels B2, F4, G8, K2) 52, 77, 25 and 6, S/N 1 about 2.
    chi2 = pd.Series(clf.min_reduced_chi2(spectra.data, ivar=spectra.ivar), index=truth)
    assert chi2[is_m].between(1.15, 2.55).all(), chi2
    np.testing.assert_allclose(chi2[["B2", "F4", "G8", "K2"]], [52, 77, 25, 6], rtol=0.05)
    assert 1.5 < chi2["L0"] < 2.5


# --------------------------------------------------------- sub-templates
def _two_faced_classes(seed=0):
    """Class A: two groups, +/- a feature; class B: beside A's '+' group.

    A's mean (flat) is farther from A's '+' members than B's mean is, so one
    template per class types that half of A as B; one per group does not.
    """
    rng = np.random.default_rng(seed)
    feature = 0.3 * np.sin(20 * np.pi * X_AXIS)
    a = 1.0 + np.vstack([np.tile(feature, (30, 1)), np.tile(-feature, (30, 1))])
    b = np.tile(1.0 + 0.85 * feature, (30, 1))
    X = np.vstack([a, b]) * rng.uniform(1, 10, (90, 1))
    X = X + rng.normal(0, 0.005, X.shape) * X.mean(axis=1, keepdims=True)
    return X, np.array(["A"] * 60 + ["B"] * 30)


def test_templates_per_class_captures_groups_within_a_class():
    X, y = _two_faced_classes(0)
    X_test, y_test = _two_faced_classes(1)
    one = TemplateClassifier(poly_degree=0, templates_per_class=1).fit(X, y)
    assert one.templates_.shape[0] == 2
    assert one.score(X_test, y_test) < 0.75  # A's '+' half typed B
    several = TemplateClassifier(poly_degree=0, templates_per_class=3, random_state=0).fit(X, y)
    # A splits into its two groups (3 asked, B's 30 near-identical spectra may
    # split too); each template keeps the label of its class.
    assert several.templates_.shape[0] >= 4
    assert set(several.template_labels_) == {"A", "B"}
    assert several.score(X_test, y_test) == 1.0


def test_templates_per_class_is_reproducible_and_respects_group_size(data):
    X, y, X_test, _, _ = data
    counts = pd.Series(y).value_counts()
    assert counts.min() >= 40  # the fixture gives every class room for 4 groups
    a = TemplateClassifier(templates_per_class=4, random_state=3).fit(X, y)
    b = TemplateClassifier(templates_per_class=4, random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.templates_, b.templates_)
    np.testing.assert_array_equal(a.predict_proba(X_test), b.predict_proba(X_test))
    other = TemplateClassifier(templates_per_class=4, random_state=4).fit(X, y)
    assert other.templates_.shape != a.templates_.shape or not np.allclose(
        other.templates_, a.templates_
    )
    per_class = pd.Series(a.template_labels_).value_counts()
    assert (per_class <= 4).all() and per_class.sum() > CLASSES.size
    # Fewer than 2 x 10 spectra of a class: one template for it.
    few = np.flatnonzero(y == "M0")[:19]
    keep = np.concatenate([few, np.flatnonzero(y != "M0")])
    c = TemplateClassifier(templates_per_class=4, random_state=3).fit(X[keep], y[keep])
    assert (c.template_labels_ == "M0").sum() == 1


def test_no_template_from_a_handful_of_spectra():
    """k-means may isolate an outlier; a group under 10 spectra joins a larger one."""
    from skspec.models._template import _merge_small_groups

    X, y = _two_faced_classes(0)
    outlier = 1.0 + 2.0 * np.exp(-0.5 * ((X_AXIS - 0.3) / 0.01) ** 2)  # a huge line
    X = np.vstack([X, outlier * X[0].mean()])
    y = np.append(y, "A")
    clf = TemplateClassifier(poly_degree=0, templates_per_class=6, random_state=0).fit(X, y)
    peak = np.argmin(np.abs(X_AXIS - 0.3))
    # The outlier is averaged with many spectra: no template shows its line.
    line = clf.templates_[:, peak] / np.median(clf.templates_, axis=1)
    assert line.max() < 1.5
    scores = np.array([[0.0], [0.1], [0.2], [5.0], [9.0]])
    groups = _merge_small_groups(
        scores.repeat(4, axis=0), np.repeat([0, 0, 0, 1, 2], 4), np.array([[0.1], [5.0], [9.0]])
    )
    assert set(groups) == {0}  # groups of 4 and 4 join the group of 12


def test_held_ends_never_leave_too_few_pixels():
    clf = TemplateClassifier(poly_degree=2, templates_per_class=1)
    rng = np.random.default_rng(0)
    X = rng.normal(5, 1, (20, 12))
    y = np.array(["a", "b"] * 10)
    clf.fit(X, y)
    row = np.array([[5.0] * 5 + [1.0] + [9.0] * 6])  # held both ends: 2 pixels left
    assert clf.predict(row).shape == (1,)


@parametrize_with_checks([TemplateClassifier(poly_degree=0, templates_per_class=3, random_state=0)])
def test_sklearn_checks_with_sub_templates(estimator, check):
    check(estimator)


# ---------------------------------------------------- partial coverage
def _held_left_half():
    """A spectrum of t1 whose left half was not observed (held at its edge)."""
    t1 = 1.0 + 0.3 * np.sin(30 * np.pi * X_AXIS)
    t2 = np.where(X_AXIS < 0.5, 1.0, 1.0 + 0.25 * np.sin(30 * np.pi * X_AXIS))
    rng = np.random.default_rng(0)
    x = t1 + rng.normal(0, 0.01, N_PIX)
    first = N_PIX // 2
    x[:first] = x[first]
    return np.vstack([t1, t2]), x[None], first


def test_held_ends_are_not_matched():
    templates, x, first = _held_left_half()
    clf = TemplateClassifier(templates=templates, template_labels=["t1", "t2"], poly_degree=0)
    clf.fit(templates, ["t1", "t2"])
    # At uniform weights the held half, flat like t2's, would decide: t2.
    ivar_all = np.ones_like(x)
    assert clf.predict(x, ivar=ivar_all)[0] == "t2"
    # Without ivar the held run is recognised and dropped, as ivar = 0 there.
    assert clf.predict(x)[0] == "t1"
    ivar = ivar_all.copy()
    ivar[:, :first] = 0
    assert clf.predict(x, ivar=ivar)[0] == "t1"
    np.testing.assert_allclose(
        clf.reduced_chi2(x).argmin(axis=1), clf.reduced_chi2(x, ivar=ivar).argmin(axis=1)
    )
    # The fit and its reduced chi-square are over the observed pixels.
    assert clf.best_fit(x).reduced_chi2[0] < 3


def test_constant_end_runs():
    from skspec.utils import constant_end_runs

    x = np.tile(np.arange(20.0), (4, 1))
    x[1, :6] = x[1, 5]  # held at the first observed pixel, index 5
    x[2, -6:] = 0.0  # zeros where the instrument stopped: no pixel of it observed
    x[2, :3] = x[2, 2]  # a run of 3: too short to count
    x[3] = 7.0  # a constant row: one run, masked but its last pixel
    mask = constant_end_runs(x)
    assert not mask[0].any()
    np.testing.assert_array_equal(np.flatnonzero(mask[1]), np.arange(5))
    np.testing.assert_array_equal(np.flatnonzero(mask[2]), np.arange(14, 20))  # zeros: whole
    assert mask[3].sum() == 19
    # Round-off (a resampled or float32 copy) does not break a run; noise does.
    rng = np.random.default_rng(0)
    jitter = x * (1 + 1e-7 * rng.standard_normal(x.shape))
    np.testing.assert_array_equal(constant_end_runs(jitter), mask)
    noisy = x + 1e-3 * rng.standard_normal(x.shape)
    assert not constant_end_runs(noisy)[:2].any()


@pytest.mark.parametrize(
    "flux, kwargs, match",
    [
        (np.ones(10), {}, "2-D"),
        (np.array([[1.0, np.nan, 2.0, 3.0]]), {}, "NaN or inf"),
        (np.ones((2, 10)), {"min_run": 1}, "min_run"),
        (np.ones((2, 10)), {"min_run": 2.5}, "min_run"),
        (np.ones((2, 10)), {"rtol": -1.0}, "rtol"),
    ],
)
def test_constant_end_runs_rejects_bad_input(flux, kwargs, match):
    from skspec.utils import constant_end_runs

    with pytest.raises(ValueError, match=match):
        constant_end_runs(flux, **kwargs)


def test_held_ends_survive_resampling():
    from skspec.preprocessing import QuadraticResampler
    from skspec.utils import constant_end_runs

    rng = np.random.default_rng(1)
    x = 1.0 + 0.1 * rng.standard_normal((3, 3522))
    x[:, :1500] = x[:, 1500:1501]  # the blue end not observed
    resampled = QuadraticResampler().fit_transform(x)
    held = constant_end_runs(resampled).sum(axis=1)
    assert (held > 0.4 * 5000).all() and (held < 0.45 * 5000).all()


# ---------------------------------------------------- radial-velocity search
def test_max_shift_finds_a_shifted_spectrum():
    """Narrow lines moved 2 pixels: only a shift search matches the right template."""
    x = np.arange(N_PIX)
    lines_a = np.zeros(N_PIX)
    lines_a[40::40] = 1.0
    lines_b = np.roll(lines_a, 2)  # template b: the same lines 2 pixels redder
    smooth = lambda v: np.convolve(v, [0.25, 0.5, 0.25], mode="same")  # noqa: E731
    t_a, t_b = 1.0 - 0.5 * smooth(lines_a), 1.0 - 0.5 * smooth(lines_b + np.roll(lines_a, 20))
    templates = np.vstack([t_a, t_b])
    rng = np.random.default_rng(0)
    # Spectra of a, redshifted by 2 pixels (so they sit on b's first line set).
    X = np.roll(t_a, 2)[None] * (1 + 0.001 * x / N_PIX) + rng.normal(0, 0.002, (10, N_PIX))
    fixed = TemplateClassifier(templates=templates, template_labels=["a", "b"], max_shift=0)
    search = TemplateClassifier(templates=templates, template_labels=["a", "b"], max_shift=2)
    assert (fixed.fit(templates, ["a", "b"]).predict(X) == "b").all()
    assert (search.fit(templates, ["a", "b"]).predict(X) == "a").all()
    fit = search.best_fit(X)
    np.testing.assert_array_equal(fit.shift, 2)
    np.testing.assert_array_equal(fit.label, "a")
    # The model is the shifted template times the fitted continuum.
    np.testing.assert_allclose(fit.model, X, atol=0.01)
    # Capped at a fiftieth of the grid: 45 pixels allow no shift, 60 one.
    for n_pix, shifts in ((45, [0]), (60, [-1, 0, 1])):
        short = TemplateClassifier(templates=templates[:, :n_pix], template_labels=["a", "b"])
        short.fit(templates[:, :n_pix], ["a", "b"])
        np.testing.assert_array_equal(short._matcher.shifts, shifts)
        assert set(short.best_fit(X[:, :n_pix]).shift) <= set(shifts)


def test_pickle_keeps_templates_not_their_shifted_copies(data):
    import pickle

    X, y, X_test, _, _ = data
    search = TemplateClassifier(random_state=0, max_shift=2).fit(X, y)
    plain = TemplateClassifier(random_state=0, max_shift=0).fit(X, y)
    assert search._matcher.shifts.size == 5  # 400 pixels allow the 2
    # The copies and their bases are rebuilt on loading, not saved.
    assert len(pickle.dumps(search)) < 1.2 * len(pickle.dumps(plain))
    loaded = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(loaded.predict_proba(X_test), search.predict_proba(X_test))
    np.testing.assert_array_equal(loaded.best_fit(X_test).shift, search.best_fit(X_test).shift)


def test_template_without_weight_under_the_good_pixels_fits_nothing():
    """A template that is zero wherever the spectrum has weight: a singular
    least-squares system, solved by the pseudo-inverse, not an error."""
    t1 = 1.0 + 0.3 * np.sin(30 * np.pi * X_AXIS)
    t2 = np.where(X_AXIS < 0.5, 0.0, 1.0 + 0.2 * np.cos(30 * np.pi * X_AXIS))
    templates = np.vstack([t1, t2])
    clf = TemplateClassifier(templates=templates, template_labels=["t1", "t2"], max_shift=0)
    clf.fit(templates, ["t1", "t2"])
    rng = np.random.default_rng(0)
    X = t1 * 5.0 + rng.normal(0, 0.01, (3, N_PIX))
    ivar = np.where(X_AXIS < 0.45, 1e4, 0.0) * np.ones_like(X)  # only t2's zeros weighted
    red = clf.reduced_chi2(X, ivar=ivar)
    assert np.isfinite(red).all()
    # t2 can fit nothing there: its chi-square is that of the flux itself
    # (reduced by the good pixels less its 3 continuum coefficients).
    dof = (ivar > 0).sum(axis=1) - 3
    np.testing.assert_allclose(red[:, 1] * dof, (ivar * X**2).sum(axis=1))
    np.testing.assert_array_equal(clf.predict(X, ivar=ivar), "t1")


def fuzzy_spectra(n, seed):
    """Toy spectra whose classes span a range of band depths (their borders
    are fuzzy, as between subtypes), at S/N from 5 to 60: against any
    template, the chi-square excess grows faster with S/N than the evidence."""
    rng = np.random.default_rng(seed)
    k = rng.integers(0, CLASSES.size, n)
    sub = k + np.clip(rng.normal(0, 0.3, n), -0.9, 0.9)
    shape = (1.0 - (0.2 + 0.1 * sub)[:, None] * BANDS) * (0.5 + X_AXIS) ** (
        1.0 + 0.2 * sub[:, None]
    )
    flux = rng.uniform(0.5, 50.0, (n, 1)) * shape
    snr = np.exp(rng.uniform(np.log(5.0), np.log(60.0), (n, 1)))
    return flux + rng.normal(size=flux.shape) * flux.mean(axis=1, keepdims=True) / snr, CLASSES[k]


def test_power_calibration_beats_the_temperature_alone():
    from skspec.metrics import expected_calibration_error

    X, y = fuzzy_spectra(600, seed=0)
    X_test, y_test = fuzzy_spectra(1500, seed=1)
    fits = {
        cal: TemplateClassifier(calibration=cal, random_state=0).fit(X, y)
        for cal in ("temperature", "power")
    }
    temp, power = fits["temperature"], fits["power"]
    assert (temp.exponent_, temp.snr_exponent_) == (1.0, 0.0)
    # The evidence of a spectrum grows more slowly with its S/N than its chi-square.
    assert power.snr_exponent_ > 0.5
    np.testing.assert_array_equal(power.predict(X_test), temp.predict(X_test))
    idx = np.searchsorted(power.classes_, y_test)
    log_loss, ece = {}, {}
    for cal, clf in fits.items():
        proba = clf.predict_proba(X_test)
        log_loss[cal] = -np.mean(np.log(proba[np.arange(idx.size), idx]))
        ece[cal] = expected_calibration_error(y_test, proba, classes=clf.classes_)
    # Measured: log loss 0.44 -> 0.25, ECE 0.080 -> 0.028.
    assert log_loss["power"] < 0.8 * log_loss["temperature"]
    assert ece["power"] < 0.05 < ece["temperature"]
    # Unnormalised log-probabilities: 0 for the predicted class.
    np.testing.assert_allclose(power.decision_function(X_test).max(axis=1), 0.0)


@pytest.mark.parametrize("true", [(5.0, 0.6, 1.0), (2.0, 1.0, 0.0), (20.0, 0.4, 1.5)])
def test_fit_calibration_recovers_the_law_labels_were_drawn_with(true):
    from scipy.special import softmax

    from skspec.models._template import _calibrated_scores, _fit_calibration

    rng = np.random.default_rng(0)
    n = 20000
    delta = rng.exponential(20.0, (n, 5))
    delta -= delta.min(axis=1, keepdims=True)  # 0 for the best class, as in the matcher
    snr = np.exp(rng.uniform(np.log(5.0), np.log(40.0), n))
    p = softmax(_calibrated_scores(delta, snr, *true), axis=1)
    y = (p.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    *got, snr_range = _fit_calibration(delta, snr, y)
    np.testing.assert_allclose(got, true, rtol=0.1, atol=0.05)
    np.testing.assert_allclose(snr_range, np.percentile(snr, [5, 95]))
    # The temperature alone, and too few spectra for three parameters.
    assert _fit_calibration(delta, snr, y, power=False)[1:3] == (1.0, 0.0)
    assert _fit_calibration(delta[:40], snr[:40], y[:40])[1:3] == (1.0, 0.0)


def test_the_snr_exponent_needs_a_range_of_snr_and_does_not_extrapolate():
    from scipy.special import softmax

    from skspec.models._template import _calibrated_scores, _fit_calibration

    rng = np.random.default_rng(1)
    n = 5000
    delta = rng.exponential(20.0, (n, 5))
    delta -= delta.min(axis=1, keepdims=True)
    snr = np.full(n, 20.0)  # one S/N: the S/N exponent cannot be told from T
    p = softmax(_calibrated_scores(delta, snr, 5.0, 0.6), axis=1)
    y = (p.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    t, g, k, snr_range = _fit_calibration(delta, snr, y)
    assert k == 0.0 and snr_range == (20.0, 20.0)
    assert t == pytest.approx(5.0, rel=0.1) and g == pytest.approx(0.6, abs=0.05)
    # Beyond the calibrated S/N the factor holds at the range's end.
    far = _calibrated_scores(delta[:3], np.array([1e3, 1e200, 0.0]), 5.0, 0.6, 1.5, (5.0, 40.0))
    edge = _calibrated_scores(delta[:3], np.array([40.0, 40.0, 5.0]), 5.0, 0.6, 1.5, (5.0, 40.0))
    np.testing.assert_array_equal(far, edge)
    # A class without a template stays impossible, whatever the S/N.
    delta[0, 2] = np.inf
    assert _calibrated_scores(delta[:1], np.array([1e200]), 5.0, 0.6, 2.0)[0, 2] == -np.inf


def test_fit_calibration_falls_back_when_the_joint_fit_is_worse(monkeypatch):
    import skspec.models._template as template

    rng = np.random.default_rng(2)
    delta = rng.exponential(20.0, (500, 5))
    delta -= delta.min(axis=1, keepdims=True)
    snr = rng.uniform(5.0, 40.0, 500)
    y = delta.argmin(axis=1)
    t_alone = template._fit_calibration(delta, snr, y, power=False)[0]

    class Worse:
        fun, x, success = np.inf, np.array([0.0, 0.5, 1.0]), False

    monkeypatch.setattr(template, "minimize", lambda *a, **k: Worse())
    t, g, k, _ = template._fit_calibration(delta, snr, y)
    assert (t, g, k) == (t_alone, 1.0, 0.0)


def test_snr_is_the_same_with_noise_estimate_weights_or_that_ivar(data):
    from skspec.models._template import _noise_estimate

    X, y, X_test, _, _ = data
    clf = TemplateClassifier(random_state=0, outlier_sigma=None).fit(X, y)
    ivar = np.broadcast_to(_noise_estimate(X_test)[:, None] ** -2.0, X_test.shape)
    snr_uniform = clf._matcher.chi2(X_test, None, return_snr=True)[2]
    snr_ivar = clf._matcher.chi2(X_test, np.array(ivar), return_snr=True)[2]
    np.testing.assert_allclose(snr_ivar, snr_uniform, rtol=1e-10)
    # The toy spectra are made at S/N 30 against their mean flux.
    assert 20.0 < np.median(snr_uniform) < 45.0


def test_few_calibration_spectra_or_a_fixed_temperature_keep_the_plain_law(data):
    X, y, X_test, _, _ = data
    few = TemplateClassifier(random_state=0).fit(X[:40], y[:40])
    assert (few.exponent_, few.snr_exponent_) == (1.0, 0.0)
    fixed = TemplateClassifier(temperature=3.0).fit(X, y)
    assert (fixed.temperature_, fixed.exponent_, fixed.snr_exponent_) == (3.0, 1.0, 0.0)
    chi2 = fixed.reduced_chi2(X_test)
    assert chi2.shape == (X_test.shape[0], fixed.templates_.shape[0])


def test_models_saved_before_the_power_calibration_load_with_their_probabilities(data):
    import pickle

    X, y, X_test, _, _ = data
    clf = TemplateClassifier(calibration="temperature", random_state=0).fit(X, y)
    expected = clf.predict_proba(X_test)
    state = dict(clf.__getstate__())
    for key in ("calibration", "exponent_", "snr_exponent_", "snr_range_"):
        del state[key]
    old = TemplateClassifier.__new__(TemplateClassifier)
    old.__setstate__(state)
    loaded = pickle.loads(pickle.dumps(old))
    assert loaded.calibration == "temperature" and loaded.exponent_ == 1.0
    np.testing.assert_allclose(loaded.predict_proba(X_test), expected, rtol=1e-12)
    # An unfitted estimator saved then gets its parameters too (clone works).
    from sklearn.base import clone

    state = dict(TemplateClassifier().__getstate__())
    for key in ("calibration", "outlier_sigma"):
        del state[key]
    unfitted = TemplateClassifier.__new__(TemplateClassifier)
    unfitted.__setstate__(state)
    assert clone(unfitted).get_params()["calibration"] == "temperature"


def test_outlier_pixels_are_dropped_before_matching(data):
    """Cosmic rays or emission in the band cores make a spectrum look
    earlier to a plain chi-square; dropping the pixels its best fit cannot
    explain restores the type."""
    X, y, _, _, _ = data
    X_test, y_test, _ = toy_spectra(200, snr=50.0, seed=3)
    centres = [round(c * (N_PIX - 1)) for c in (0.2, 0.35, 0.6, 0.8)]
    spiked = X_test.copy()
    spiked[:, centres] += 3.0 * X_test.mean(axis=1, keepdims=True)
    plain = TemplateClassifier(random_state=0, outlier_sigma=None).fit(X, y)
    robust = TemplateClassifier(random_state=0).fit(X, y)
    assert robust.outlier_sigma == 5.0
    assert plain.score(spiked, y_test) < 0.5  # measured 0.25
    assert robust.score(X_test, y_test) == plain.score(X_test, y_test) == 1.0
    assert robust.score(spiked, y_test) == 1.0
    # The matched spectra are scored on the other pixels: the spikes and
    # their neighbours carry no weight, the rest as before.
    weights, chi2, dof, _, _ = robust._matcher.match(spiked, None, robust.outlier_sigma)
    for c in centres:
        assert np.all(weights[:, c - 1 : c + 2] == 0.0)
    assert np.all((weights == 0.0).sum(axis=1) <= 3 * len(centres))
    red = robust.reduced_chi2(spiked).min(axis=1)
    assert np.median(red) < 1.5 * np.median(robust.reduced_chi2(X_test).min(axis=1))
    fit = robust.best_fit(spiked)
    np.testing.assert_array_equal(fit.label, y_test)
    # The best fit is the one of the kept pixels: its chi-square, recomputed.
    np.testing.assert_allclose(((spiked - fit.model) ** 2 * weights).sum(axis=1), fit.chi2)


def test_given_templates_calibrated_on_themselves_find_outliers_against_the_others():
    t = 1.0 + 0.3 * np.sin(20 * np.pi * X_AXIS)
    spiked = t.copy()
    spiked[200] += 2.0
    templates = np.vstack([t, spiked, 1.0 + 0.3 * np.cos(20 * np.pi * X_AXIS)])
    labels = ["a", "a", "b"]
    clf = TemplateClassifier(templates=templates, template_labels=labels, max_shift=0)
    clf.fit(templates, labels)
    # Matched to itself, a template has nothing to drop; against its sibling
    # the spike is an outlier.
    w_self, *_ = clf._matcher.match(templates, None, 5.0)
    w_other, *_ = clf._matcher.match(templates, None, 5.0, exclude_exact=True)
    assert w_self is None
    assert np.flatnonzero(w_other[1] == 0).tolist() == [199, 200, 201]


def test_a_spectrum_mostly_off_every_template_is_not_clipped_into_scope(data):
    X, y, X_test, _, _ = data
    clf = TemplateClassifier(random_state=0).fit(X, y)
    rng = np.random.default_rng(0)
    # Spikes on a fortieth of the pixels, each flagged with its two
    # neighbours: more than the 5 % that may be dropped.
    bad = X_test[:10].copy()
    cols = rng.choice(np.arange(2, N_PIX - 2, 4), N_PIX // 40, replace=False)
    bad[:, cols] += 3.0 * X_test[:10].mean(axis=1, keepdims=True)
    weights, _, _, _, _ = clf._matcher.match(bad, None, clf.outlier_sigma)
    assert weights is None  # uniform weights: nothing dropped
    assert clf.min_reduced_chi2(bad).min() > 10 * clf.min_reduced_chi2(X_test).max()
    # Half as many spikes are dropped, and the spectra match again.
    few = X_test[:10].copy()
    few[:, cols[: N_PIX // 80]] += 3.0 * X_test[:10].mean(axis=1, keepdims=True)
    weights, _, _, _, _ = clf._matcher.match(few, None, clf.outlier_sigma)
    assert np.all((weights == 0).sum(axis=1) == 3 * (N_PIX // 80))
    assert clf.min_reduced_chi2(few).max() < 2 * clf.min_reduced_chi2(X_test).max()


def test_models_saved_before_the_outlier_rejection_keep_every_pixel(data):
    X, y, X_test, _, _ = data
    clf = TemplateClassifier(random_state=0, outlier_sigma=None).fit(X, y)
    state = dict(clf.__getstate__())
    del state["outlier_sigma"]
    old = TemplateClassifier.__new__(TemplateClassifier)
    old.__setstate__(state)
    assert old.outlier_sigma is None
    np.testing.assert_array_equal(old.predict_proba(X_test), clf.predict_proba(X_test))


def test_rows_of_uniform_weight_take_the_fast_path_with_the_same_chi2(data, monkeypatch):
    from skspec.models._template import _noise_estimate

    X, y, X_test, _, _ = data
    clf = TemplateClassifier(random_state=0).fit(X, y)
    matcher = clf._matcher
    ivar = np.broadcast_to(_noise_estimate(X_test)[:, None] ** -2.0, X_test.shape).copy()
    ivar[::3, :7] = 0.0  # every third row: a held end
    mixed = matcher.chi2(X_test, ivar, return_shift=True, return_snr=True)
    # The same rows one kind at a time: the uniform ones as if given no ivar,
    # the others through the weighted normal equations.
    plain = matcher.chi2(X_test, None, return_shift=True, return_snr=True)
    held = np.zeros(X_test.shape[0], dtype=bool)
    held[::3] = True
    weighted = matcher.chi2(X_test[held], ivar[held], return_shift=True, return_snr=True)
    for got, whole, part in zip(mixed, plain, weighted):
        np.testing.assert_allclose(got[~held], whole[~held], rtol=1e-9)
        np.testing.assert_allclose(got[held], part, rtol=1e-9)
    # And the fast path is taken: the uniform rows never build normal equations.
    calls = []
    solve = np.linalg.solve
    monkeypatch.setattr(np.linalg, "solve", lambda m, b: calls.append(len(m)) or solve(m, b))
    matcher.chi2(X_test[~held], ivar[~held])
    assert calls == []
