import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import GridSearchCV, cross_val_score

from skspec.metrics import (
    per_bin_scores,
    subtype_to_number,
    within_one_scorer,
    within_one_subtype_accuracy,
)


@pytest.mark.parametrize(
    "label, number",
    [
        ("K7", -1.0),
        ("K5", -3.0),
        ("K0", -8.0),
        ("G9", -9.0),
        ("M0", 0.0),
        ("M4.5", 4.5),
        ("M9", 9.0),
        ("L0", 10.0),
        ("L2.5", 12.5),
        ("M2V", 2.0),
        ("dM2", 2.0),
        ("sdM3", 3.0),
        ("M1 (204445)", 1.0),
        ("  M3 ", 3.0),
    ],
)
def test_subtype_to_number_scale(label, number):
    assert subtype_to_number(label) == number


def test_subtype_to_number_arrays():
    out = subtype_to_number(np.array([["M0", "M1"], ["K7", "L0"]], dtype=object))
    np.testing.assert_array_equal(out, [[0, 1], [-1, 10]])
    # Numbers are taken to be on the scale already.
    np.testing.assert_array_equal(subtype_to_number([0, 2, 4.5]), [0, 2, 4.5])
    assert isinstance(subtype_to_number("M3"), float)


@pytest.mark.parametrize("bad", ["X3", "", "M", "M10", "K8", "3", None, "Mdwarf"])
def test_subtype_to_number_rejects_unparseable(bad):
    with pytest.raises(ValueError, match="cannot parse 1 label"):
        subtype_to_number(["M0", bad])


def test_subtype_to_number_rejects_non_finite_numbers():
    with pytest.raises(ValueError, match="finite"):
        subtype_to_number([0.0, np.nan])


def test_within_one_subtype_accuracy():
    y_true = ["M0", "M1", "M2", "M3", "M4"]
    assert within_one_subtype_accuracy(y_true, y_true) == 1.0
    assert within_one_subtype_accuracy(y_true, ["M1", "M2", "M0", "M3", "M2"]) == 0.6
    # K7 is one subtype before M0; M4.5 is half a subtype from M4 and M5.
    assert within_one_subtype_accuracy(["M0", "M4.5"], ["K7", "M3.5"]) == 1.0
    assert within_one_subtype_accuracy(["M0"], ["K5"]) == 0.0
    assert within_one_subtype_accuracy(["M0", "M3"], ["M2", "M3"], tolerance=2) == 1.0
    assert within_one_subtype_accuracy(["M0", "M3"], ["M2", "M3"], sample_weight=[3, 1]) == 0.25


def test_within_one_subtype_accuracy_bad_input():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        within_one_subtype_accuracy(["M0", "M1"], ["M0"])
    with pytest.raises(ValueError, match="at least one sample"):
        within_one_subtype_accuracy([], [])
    with pytest.raises(ValueError, match="cannot parse"):
        within_one_subtype_accuracy(["M0"], ["star"])


def test_within_one_scorer_in_grid_search():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.array(["M0"] * 30 + ["M1"] * 20 + ["M4"] * 10)
    search = GridSearchCV(
        DummyClassifier(), {"strategy": ["most_frequent"]}, scoring=within_one_scorer, cv=3
    ).fit(X, y)
    # Always "M0": right within one for the M0s and M1s, wrong for the M4s.
    assert search.best_score_ == pytest.approx(50 / 60)
    scores = cross_val_score(
        DummyClassifier(strategy="constant", constant="M4"), X, y, scoring=within_one_scorer, cv=3
    )
    assert np.mean(scores) == pytest.approx(10 / 60)


def test_per_bin_scores_orders_snr_bins():
    y_true = ["M0", "M1", "M2", "M3", "M4", "M2"]
    y_pred = ["M0", "M3", "M2", "M2", "M4", "M2"]
    bins = [">15", "5-10", "10-15", ">15", "5-10", "10-15"]
    df = per_bin_scores(y_true, y_pred, bins)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["bin", "n", "accuracy", "within_one"]
    assert df["bin"].tolist() == ["5-10", "10-15", ">15"]
    assert df["n"].tolist() == [2, 2, 2]
    assert df["accuracy"].tolist() == [0.5, 1.0, 0.5]
    assert df["within_one"].tolist() == [0.5, 1.0, 1.0]


def test_per_bin_scores_bin_order_and_other_bins():
    df = per_bin_scores(["M0", "M1"], ["M0", "M0"], ["b", "a"])
    assert df["bin"].tolist() == ["a", "b"]
    df = per_bin_scores(["M0", "M1"], ["M0", "M0"], ["5-10", "5-10"], bin_order=["5-10", ">15"])
    assert df["n"].tolist() == [2, 0]
    assert np.isnan(df.loc[1, "accuracy"]) and np.isnan(df.loc[1, "within_one"])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        per_bin_scores(["M0", "M1"], ["M0", "M0"], ["5-10"])
