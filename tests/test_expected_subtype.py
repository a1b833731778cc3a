"""skspec.metrics.expected_subtype: a continuous subtype from class probabilities."""

import numpy as np
import pytest

from skspec.metrics import expected_subtype

CLASSES = ["M0", "M1", "M2", "M3", "M4"]


def test_one_hot_rows_give_the_class_number_with_no_spread():
    subtype, spread = expected_subtype(np.eye(5), CLASSES)
    np.testing.assert_array_equal(subtype, [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(spread, 0)


def test_half_m1_half_m2_is_1_5_with_spread_one_half():
    subtype, spread = expected_subtype([[0, 0.5, 0.5, 0, 0]], CLASSES)
    assert subtype[0] == pytest.approx(1.5, abs=1e-12)
    assert spread[0] == pytest.approx(0.5, abs=1e-12)


def test_exact_cases():
    proba = [
        [0.5, 0, 0, 0, 0.5],  # the two ends: mean 2, sd 2
        [0.2] * 5,  # uniform: mean 2, sd sqrt(2)
        [0, 0.25, 0.5, 0.25, 0],  # symmetric about M2: sd sqrt(0.5)
    ]
    subtype, spread = expected_subtype(proba, CLASSES)
    np.testing.assert_allclose(subtype, [2, 2, 2], atol=1e-12)
    np.testing.assert_allclose(spread, [2, np.sqrt(2), np.sqrt(0.5)], atol=1e-12)


def test_class_order_and_labels_are_read_not_assumed():
    # Columns in another order, labels in other spellings, numbers: the same answer.
    a = expected_subtype([[0.25, 0.75]], ["M1", "M3"])
    b = expected_subtype([[0.75, 0.25]], ["dM3", "M1V"])
    c = expected_subtype([[0.25, 0.75]], [1.0, 3.0])
    for got in (b, c):
        np.testing.assert_allclose(got, a, atol=1e-12)
    assert a[0][0] == pytest.approx(2.5) and a[1][0] == pytest.approx(np.sqrt(0.75))
    # Half types and K7 sit on the same scale (K7 = -1).
    assert expected_subtype([[0.5, 0.5]], ["K7", "M0.5"])[0][0] == pytest.approx(-0.25)


def test_a_classifiers_predict_proba():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.array(CLASSES)[np.arange(60) % 5]
    clf = LogisticRegression(max_iter=500).fit(X + (np.arange(60) % 5)[:, None], y)
    proba = clf.predict_proba(X)
    subtype, spread = expected_subtype(proba, clf.classes_)
    numbers = np.arange(5.0)
    np.testing.assert_allclose(subtype, proba @ numbers)
    np.testing.assert_allclose(spread**2, proba @ numbers**2 - (proba @ numbers) ** 2, atol=1e-12)
    assert np.all((subtype >= 0) & (subtype <= 4) & (spread >= 0) & (spread <= 2))


@pytest.mark.parametrize(
    "proba, classes, match",
    [
        ([0.5, 0.5], ["M1", "M2"], "2-D"),
        ([[0.5, 0.5]], ["M1", "M2", "M3"], "2 columns but there are 3 classes"),
        ([[0.6, 0.6]], ["M1", "M2"], "sum to 1"),
        ([[1.5, -0.5]], ["M1", "M2"], "non-negative"),
        ([[np.nan, 1.0]], ["M1", "M2"], "finite"),
        ([[0.5, 0.5]], ["M1", "star"], "cannot parse"),
    ],
)
def test_bad_input_is_refused(proba, classes, match):
    with pytest.raises(ValueError, match=match):
        expected_subtype(proba, classes)
