"""Bad arrays get a specific message from every estimator (RELIABILITY.md, arrays).

Each public estimator (found by discovery, tiny settings from tests/_tiny.py) is
fed NaN/inf flux, text, ragged lists and a single class, and must answer with
a ValueError/TypeError that names the problem: the offending rows, the dtype,
the lengths. BadPixelInterpolator, the documented remedy for NaN, is tested
here too.
"""

import warnings

import numpy as np
import pytest
from _tiny import instances
from sklearn.base import clone, is_classifier
from sklearn.pipeline import make_pipeline

from skspec.models import TemplateClassifier
from skspec.preprocessing import BadPixelInterpolator

ESTIMATORS = {type(e).__name__: e for e in instances()}
# Folding never looks at values and the interpolator exists to take NaN.
NAN_PASSES = {"Folder2D", "BadPixelInterpolator"}


@pytest.fixture(scope="module")
def spectra():
    from skspec.datasets import make_mdwarf_spectra

    X, y = make_mdwarf_spectra(40, random_state=1, return_X_y=True)
    return X.astype(np.float64), np.asarray(y)


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y) if is_classifier(est) or y is not None else est.fit(X)


@pytest.mark.parametrize("name", sorted(set(ESTIMATORS) - NAN_PASSES))
def test_nan_and_inf_flux_name_the_rows(name, spectra):
    X, y = spectra
    bad = X.copy()
    bad[3, 100] = np.nan
    bad[17, 5] = np.inf
    est = clone(ESTIMATORS[name])
    with pytest.raises(
        ValueError, match=r"NaN or infinity \(inf\) in the flux of 2 spectra \(rows 3, 17\)"
    ):
        _fit(est, bad, y)
    _fit(est, X, y)
    method = next(m for m in ("predict", "transform") if hasattr(est, m))
    with pytest.raises(ValueError, match=r"rows 3, 17\).*BadPixelInterpolator"):
        getattr(est, method)(bad)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_text_and_objects_are_type_errors(name, spectra):
    X, y = spectra
    est = clone(ESTIMATORS[name])
    with pytest.raises(TypeError, match=r"holds text \(strings, dtype <U"):
        _fit(est, X.astype(str), y)
    obj = X.astype(object)
    obj[2, 7] = "bright"
    with pytest.raises(TypeError, match="not numbers .*'bright'"):
        _fit(est, obj, y)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_ragged_lists_name_the_lengths(name, spectra):
    X, y = spectra
    rows = [list(r) for r in X]
    rows[5] = rows[5][:3000]
    est = clone(ESTIMATORS[name])
    with pytest.raises(ValueError, match="unequal lengths .*row 5 has 3000"):
        _fit(est, rows, y)


@pytest.mark.parametrize("name", sorted(n for n, e in ESTIMATORS.items() if is_classifier(e)))
def test_a_single_class_is_refused(name, spectra):
    X, _ = spectra
    est = clone(ESTIMATORS[name])
    with pytest.raises(ValueError, match="class"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, np.full(len(X), "M2"))


def test_unknown_labels_in_score_are_named(spectra):
    X, y = spectra
    model = TemplateClassifier().fit(X, y)
    y_bad = y.copy()
    y_bad[:3] = "M7"
    with pytest.warns(UserWarning, match=r"not trained on: 'M7' \(3\)"):
        score = model.score(X, y_bad)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model.score(X, y) >= score


# ---------------------------------------------------------------------------- remedy
def test_bad_pixel_interpolator_fills_linearly():
    X = np.array([[1.0, np.nan, 3.0, 4.0, np.nan], [np.inf, 2.0, 2.0, 6.0, 8.0]])
    out = BadPixelInterpolator().fit_transform(X)
    np.testing.assert_allclose(out, [[1, 2, 3, 4, 4], [2, 2, 2, 6, 8]])
    assert np.isnan(X[0, 1])  # the input is not modified
    assert BadPixelInterpolator().fit_transform(X.astype(np.float32)).dtype == np.float32


def test_bad_pixel_interpolator_refuses_hopeless_rows():
    X = np.ones((4, 10))
    X[2, :6] = np.nan
    X[3] = np.nan
    with pytest.raises(ValueError, match=r"2 spectra .* rows 2 \(60% bad\), 3 \(100% bad\)"):
        BadPixelInterpolator().fit_transform(X)
    with pytest.raises(ValueError, match=r"rows 3 \(100% bad\)"):
        BadPixelInterpolator(max_bad_fraction=1).fit_transform(X)
    assert np.isfinite(BadPixelInterpolator(max_bad_fraction=0.6).fit_transform(X[:3])).all()


def test_bad_pixel_interpolator_rescues_a_pipeline(spectra):
    X, y = spectra
    model = make_pipeline(BadPixelInterpolator(), TemplateClassifier()).fit(X, y)
    bad = X.copy()
    bad[:, 1000:1010] = np.nan  # a masked stretch in every spectrum
    agree = np.mean(model.predict(bad) == model.predict(X))
    assert agree >= 0.9


def test_nan_where_ivar_masks_it_is_filled_else_named(spectra):
    from skspec.datasets import make_mdwarf_spectra

    ds = make_mdwarf_spectra(40, random_state=1)
    X, y, ivar = ds.data.astype(np.float64), ds.target, ds.ivar.copy()
    model = TemplateClassifier().fit(X, y, ivar=ivar)
    ref = model.predict(X, ivar=ivar)
    bad, ivar_bad = X.copy(), ivar.copy()
    bad[4, 2000:2010] = np.nan
    ivar_bad[4, 2000:2010] = 0  # masked: filled, weight 0
    np.testing.assert_array_equal(model.predict(bad, ivar=ivar_bad), ref)
    TemplateClassifier().fit(bad, y, ivar=ivar_bad)
    bad[9, 50] = np.inf  # not masked: named
    with pytest.raises(ValueError, match=r"in the flux of 1 spectra \(rows 9\)"):
        model.predict(bad, ivar=ivar_bad)
    with pytest.raises(ValueError, match="non-negative"):
        model.predict(X, ivar=-ivar)
    ivar_nan = ivar.copy()
    ivar_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="ivar contains NaN"):
        model.predict(X, ivar=ivar_nan)
