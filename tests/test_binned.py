import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.model_selection import GridSearchCV, cross_val_score

from skspec.metrics import per_bin_scores
from skspec.models import SNRBinnedClassifier, TemplateClassifier
from skspec.preprocessing import SNRBinner
from skspec.utils._sklearn_compat import InvalidParameterError

# One S/N per bin of the default edges (5, 10, 15), and one below them.
SNR_OF_BIN = {-1: 3.0, 0: 7.0, 1: 12.0, 2: 40.0}


class RecordingClassifier(ClassifierMixin, BaseEstimator):
    """Predicts the majority class it was fitted on; records what it received."""

    def fit(self, X, y, weight=None):
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        self.n_fit_ = len(y)
        self.weight_ = weight
        return self

    def predict(self, X, tag=None):
        self.last_tag_ = tag
        return np.full(len(X), self.majority_)


def _bins_data(counts, seed=0):
    """Rows per bin index: ``counts`` maps bin -> (n_samples, majority label)."""
    rng = np.random.default_rng(seed)
    X, y, snr = [], [], []
    for b, (n, label) in counts.items():
        X.append(rng.normal(size=(n, 8)))
        # A majority label per bin, and one row of another class.
        y.extend([label] * (n - 1) + ["M4"])
        snr.extend([SNR_OF_BIN[b]] * n)
    return np.vstack(X), np.array(y), np.array(snr)


def test_one_model_per_bin_and_routing():
    X, y, snr = _bins_data({0: (20, "M0"), 1: (30, "M1"), 2: (40, "M2")})
    clf = SNRBinnedClassifier(RecordingClassifier()).fit(X, y, snr=snr)
    assert sorted(clf.estimators_) == [0, 1, 2]
    assert [clf.estimators_[b].n_fit_ for b in range(3)] == [20, 30, 40]
    np.testing.assert_array_equal(clf.bin_counts_, [20, 30, 40])
    np.testing.assert_array_equal(clf.bin_source_, [0, 1, 2])
    np.testing.assert_array_equal(clf.classes_, ["M0", "M1", "M2", "M4"])
    assert clf.n_features_in_ == 8
    X_new = np.zeros((4, 8))
    pred = clf.predict(X_new, snr=[40.0, 7.0, 12.0, 5.0])
    np.testing.assert_array_equal(pred, ["M2", "M0", "M1", "M0"])


def test_below_first_edge_goes_with_lowest_bin():
    X, y, snr = _bins_data({-1: (15, "M3"), 0: (20, "M0"), 2: (40, "M2")})
    clf = SNRBinnedClassifier(RecordingClassifier()).fit(X, y, snr=snr)
    np.testing.assert_array_equal(clf.bin_counts_, [35, 0, 40])
    assert clf.estimators_[0].n_fit_ == 35
    pred = clf.predict(np.zeros((3, 8)), snr=[1.0, np.nan, 100.0])
    np.testing.assert_array_equal(pred, ["M0", "M0", "M2"])


def test_unpopulated_bins_borrow_nearest_model():
    # Bin 1 is empty, bin 3 (>20 with four edges) has too few spectra.
    X, y, _ = _bins_data({0: (20, "M0"), 2: (20, "M2")})
    snr = np.repeat([7.0, 17.0], 20)  # bins 0 and 2 of the edges below
    binner = SNRBinner(edges=(5.0, 10.0, 15.0, 20.0))
    clf = SNRBinnedClassifier(RecordingClassifier(), binner=binner, min_samples_bin=10)
    clf.fit(np.vstack([X, np.zeros((3, 8))]), np.r_[y, ["M3"] * 3], snr=np.r_[snr, [30.0] * 3])
    np.testing.assert_array_equal(clf.bin_counts_, [20, 0, 20, 3])
    # Bin 1 is equally near bins 0 and 2: the lower-S/N model; bin 3 takes bin 2's.
    np.testing.assert_array_equal(clf.bin_source_, [0, 0, 2, 2])
    assert clf.estimators_[1] is clf.estimators_[0]
    assert clf.estimators_[3] is clf.estimators_[2]
    np.testing.assert_array_equal(clf.predict(np.zeros((2, 8)), snr=[12.0, 25.0]), ["M0", "M2"])


def test_single_class_bin_borrows_and_global_fallback():
    X, y, snr = _bins_data({0: (20, "M0"), 1: (30, "M1")})
    y[20:] = "M1"  # bin 1 now holds one class only
    clf = SNRBinnedClassifier(RecordingClassifier()).fit(X, y, snr=snr)
    np.testing.assert_array_equal(clf.bin_source_, [0, 0, 0])
    # No bin qualifies: one global model serves all.
    clf = SNRBinnedClassifier(RecordingClassifier(), min_samples_bin=100).fit(X, y, snr=snr)
    np.testing.assert_array_equal(clf.bin_source_, [-1, -1, -1])
    assert clf.estimators_[0] is clf.estimators_[2]
    assert clf.estimators_[0].n_fit_ == 50


def test_predict_proba_columns_follow_classes():
    X, y = make_classification(
        n_samples=120, n_features=8, n_informative=4, n_classes=3, random_state=0
    )
    y = np.array(["a", "b", "c"])[y]
    snr = np.where(np.arange(120) < 60, 7.0, 40.0)
    y[:60] = np.where(y[:60] == "c", "a", y[:60])  # the low bin never sees "c"
    clf = SNRBinnedClassifier(LogisticRegression()).fit(X, y, snr=snr)
    proba = clf.predict_proba(X, snr=snr)
    assert proba.shape == (120, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba[:60, 2], 0.0)
    np.testing.assert_allclose(proba[:60, :2], clf.estimators_[0].predict_proba(X[:60]))
    np.testing.assert_allclose(proba[60:], clf.estimators_[2].predict_proba(X[60:]))
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X, snr=snr))
    assert not hasattr(SNRBinnedClassifier(RecordingClassifier()), "predict_proba")


def test_snr_estimated_from_flux_when_not_given():
    rng = np.random.default_rng(0)
    true_snr = np.repeat([7.0, 12.0, 50.0], 30)
    smooth = 1.0 + 0.2 * np.sin(np.linspace(0, 6, 500))
    X = smooth * (1.0 + rng.normal(size=(90, 500)) / true_snr[:, None])
    y = np.tile(["M0", "M1"], 45)
    clf = SNRBinnedClassifier(RecordingClassifier()).fit(X, y)
    np.testing.assert_array_equal(clf.bin_counts_, [30, 30, 30])
    assert clf.binner_.bin_labels_ == ["<5", "5-10", "10-15", ">15"]


def test_params_split_by_bin():
    X, y, snr = _bins_data({0: (20, "M0"), 2: (40, "M2")})
    weight = np.arange(60.0)
    clf = SNRBinnedClassifier(RecordingClassifier()).fit(X, y, snr=snr, weight=weight)
    np.testing.assert_array_equal(clf.estimators_[0].weight_, weight[:20])
    np.testing.assert_array_equal(clf.estimators_[2].weight_, weight[20:])
    clf.predict(X, snr=snr, tag=np.arange(60))
    np.testing.assert_array_equal(clf.estimators_[2].last_tag_, np.arange(20, 60))


def test_with_template_classifier_and_ivar():
    rng = np.random.default_rng(1)
    x = np.linspace(0, 1, 300)
    shapes = {"M0": 1 + 0.3 * np.sin(9 * x), "M1": 1 + 0.3 * np.cos(9 * x)}
    y = np.array(["M0", "M1"] * 60)
    snr = rng.choice([7.0, 12.0, 30.0], size=120)
    clean = np.array([shapes[c] for c in y]) * rng.uniform(1, 10, (120, 1))
    sigma = clean.mean(axis=1, keepdims=True) / snr[:, None]
    X = clean + rng.normal(size=clean.shape) * sigma
    ivar = np.broadcast_to(1 / sigma**2, X.shape).copy()
    clf = SNRBinnedClassifier(TemplateClassifier()).fit(X, y, snr=snr, ivar=ivar)
    assert clf.score(X, y, snr=snr, ivar=ivar) > 0.95
    scores = clf.score_per_bin(X, y, snr=snr, ivar=ivar)
    assert scores["bin"].tolist() == ["5-10", "10-15", ">15"]
    assert scores["n"].sum() == 120
    expected = per_bin_scores(
        y, clf.predict(X, snr=snr, ivar=ivar), clf.binner_.label(clf.binner_.assign(snr))
    )
    np.testing.assert_allclose(
        scores[["n", "accuracy", "within_one"]], expected[["n", "accuracy", "within_one"]]
    )


def test_score_per_bin_reports_low_snr_and_non_subtype_labels():
    X, y = make_classification(n_samples=90, n_features=8, random_state=0)
    snr = np.repeat([3.0, 7.0, 30.0], 30)
    clf = SNRBinnedClassifier(LogisticRegression()).fit(X, y, snr=snr)
    scores = clf.score_per_bin(X, y, snr=snr)
    assert scores["bin"].tolist() == ["<5", "5-10", ">15"]
    assert scores["n"].tolist() == [30, 30, 30]
    y_str = np.array(["small", "large"])[y]
    clf = SNRBinnedClassifier(LogisticRegression()).fit(X, y_str, snr=snr)
    scores = clf.score_per_bin(X, y_str, snr=snr)
    assert scores["within_one"].isna().all()
    assert (scores["accuracy"] > 0.5).all()


def test_grid_search_and_cross_val_with_snr():
    X, y = make_classification(n_samples=150, n_features=8, class_sep=2.0, random_state=0)
    snr = np.random.default_rng(0).uniform(5, 30, 150)
    search = GridSearchCV(
        SNRBinnedClassifier(RidgeClassifier()), {"estimator__alpha": [1e6, 1e-2]}, cv=3
    )
    # Scoring inside the search estimates the S/N; routing to models still works.
    search.fit(X, y, snr=snr)
    assert search.best_params_ == {"estimator__alpha": 1e-2}
    assert search.best_estimator_.bin_counts_.sum() == 150
    scores = cross_val_score(
        SNRBinnedClassifier(RidgeClassifier()), X, y, cv=3, params={"snr": snr}
    )
    assert scores.mean() > 0.85


def test_bad_input():
    X, y, snr = _bins_data({0: (20, "M0"), 2: (40, "M2")})
    clf = SNRBinnedClassifier(RecordingClassifier())
    with pytest.raises(ValueError, match=r"snr must have one value per spectrum \(60,\)"):
        clf.fit(X, y, snr=snr[:10])
    clf.fit(X, y, snr=snr)
    with pytest.raises(ValueError, match="snr must have one value per spectrum"):
        clf.predict(X, snr=np.ones((60, 2)))
    with pytest.raises(InvalidParameterError, match="estimator"):
        SNRBinnedClassifier("not an estimator").fit(X, y, snr=snr)
    with pytest.raises(InvalidParameterError, match="min_samples_bin"):
        SNRBinnedClassifier(RecordingClassifier(), min_samples_bin=0).fit(X, y, snr=snr)
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        clf.predict(bad, snr=snr)
    # Rows too narrow for DER_SNR are binned on an RMS noise (SNRBinner's fallback).
    narrow = SNRBinnedClassifier(RecordingClassifier()).fit(X[:, :3], y)
    assert narrow.n_features_in_ == 3 and narrow.bin_counts_.sum() == len(y)


def test_dummy_inner_estimator_predicts_bin_majority():
    X, y, snr = _bins_data({0: (20, "M0"), 1: (20, "M1"), 2: (20, "M2")})
    clf = SNRBinnedClassifier(DummyClassifier(strategy="most_frequent")).fit(X, y, snr=snr)
    np.testing.assert_array_equal(clf.predict(X[:3], snr=[7.0, 12.0, 40.0]), ["M0", "M1", "M2"])
