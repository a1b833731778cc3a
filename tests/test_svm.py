import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skspec.models import make_svm_classifier
from skspec.preprocessing import ContinuumNormalizer


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=240, n_features=60, n_informative=10, n_classes=3, class_sep=2.0, random_state=0
    )
    # Positive "spectra" on arbitrary flux scales.
    scale = np.random.default_rng(0).uniform(0.5, 20.0, (X.shape[0], 1))
    return (X + 12.0) * scale, np.array(["M0", "M1", "M2"])[y]


def test_pipeline_steps_and_defaults():
    clf = make_svm_classifier()
    assert isinstance(clf, Pipeline)
    assert [name for name, _ in clf.steps] == ["normalize", "scale", "svc"]
    assert isinstance(clf.named_steps["normalize"], ContinuumNormalizer)
    assert clf.named_steps["normalize"].method == "median"
    assert isinstance(clf.named_steps["scale"], StandardScaler)
    svc = clf.named_steps["svc"]
    assert isinstance(svc, SVC)
    assert (svc.C, svc.kernel, svc.gamma) == (10.0, "rbf", "scale")
    assert not hasattr(clf, "classes_")  # unfitted


def test_params_routed_to_svc():
    svc = make_svm_classifier(C=0.5, class_weight="balanced", gamma=0.01).named_steps["svc"]
    assert (svc.C, svc.class_weight, svc.gamma) == (0.5, "balanced", 0.01)
    with pytest.raises(TypeError, match=r"parameter\(s\) \['n_estimators'\] that SVC"):
        make_svm_classifier(n_estimators=10)


def test_fits_and_is_invariant_to_flux_scale(data):
    X, y = data
    clf = make_svm_classifier().fit(X[:180], y[:180])
    np.testing.assert_array_equal(clf.classes_, ["M0", "M1", "M2"])
    assert clf.score(X[180:], y[180:]) > 0.75  # chance is 1/3
    np.testing.assert_array_equal(clf.predict(3.7 * X[180:]), clf.predict(X[180:]))
    assert not hasattr(clf, "predict_proba")  # only with probability=True


def test_probability(data):
    X, y = data
    clf = make_svm_classifier(probability=True, C=3.0)
    assert isinstance(clf.named_steps["svc"], CalibratedClassifierCV)
    assert clf.named_steps["svc"].estimator.C == 3.0
    clf.fit(X[:180], y[:180])
    proba = clf.predict_proba(X[180:])
    assert proba.shape == (60, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # The probabilities rank the classes: the most probable is right as often
    # as the plain SVM is (chance is 1/3).
    assert np.mean(clf.classes_[proba.argmax(axis=1)] == y[180:]) > 0.75


def test_grid_search_and_cross_val(data):
    X, y = data
    search = GridSearchCV(make_svm_classifier(), {"svc__C": [1e-3, 10.0]}, cv=3).fit(X, y)
    assert search.best_params_ == {"svc__C": 10.0}
    assert cross_val_score(make_svm_classifier(), X, y, cv=3).mean() > 0.75


def test_rejects_bad_spectra(data):
    X, y = data
    clf = make_svm_classifier().fit(X, y)
    with pytest.raises(ValueError, match="median flux is zero or negative"):
        clf.predict(-X[:3])
    bad = X[:3].copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(bad)
