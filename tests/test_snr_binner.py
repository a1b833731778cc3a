"""SNRBinner: DER_SNR estimate, the paper's S/N bins, and per-bin splits."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.tree import DecisionTreeClassifier

from skspec.preprocessing import SNRBinner
from skspec.utils import der_noise, der_snr, snr_bin_label

# S/N values well inside the bins <5, 5-10, 10-15 and >15.
SNRS = np.array([2.5, 7.5, 12.5, 30.0])


def _spectra(snrs, n_pixels=2000, seed=0):
    """Smooth continuum with median ~1 plus white noise of sigma 1 / snr."""
    rng = np.random.default_rng(seed)
    snrs = np.asarray(snrs, dtype=float)
    continuum = 1.0 + 0.05 * np.sin(np.linspace(0, 3 * np.pi, n_pixels))
    return continuum + rng.normal(size=(snrs.size, n_pixels)) / snrs[:, None]


def test_fit_sets_labels_and_width():
    X = _spectra(SNRS)
    binner = SNRBinner().fit(X)
    assert binner.bin_labels_ == ["<5", "5-10", "10-15", ">15"]
    assert binner.n_features_in_ == X.shape[1]
    assert SNRBinner(edges=(8, 20)).fit(X).bin_labels_ == ["<8", "8-20", ">20"]


def test_transform_bins_spectra_by_their_noise():
    X = _spectra(np.repeat(SNRS, 5))
    bins = SNRBinner().fit(X).transform(X)
    assert bins.shape == (20, 1)
    assert bins.dtype.kind == "i"
    assert_array_equal(bins[:, 0], np.repeat([-1, 0, 1, 2], 5))


def test_estimate_snr_is_der_snr_and_recovers_the_noise():
    X = _spectra(SNRS, n_pixels=3522)
    snr = SNRBinner().estimate_snr(X)
    assert_array_equal(snr, der_snr(X))
    np.testing.assert_allclose(snr, SNRS, rtol=0.1)


def test_der_noise_is_stoehr_formula_at_two_pixels():
    """1.482602 / sqrt(6) * median |2 f_i - f_(i-2) - f_(i+2)|, by hand."""
    # Neighbours two pixels away: a pattern alternating pixel by pixel is
    # signal to the estimator (zero noise), one with period 4 is all noise.
    alternating = np.tile([1.0, 3.0], 50)[None]
    assert der_noise(alternating)[0] == 0.0
    period4 = np.tile([1.0, 1.0, 3.0, 3.0], 25)[None]
    assert der_noise(period4)[0] == pytest.approx(1.482602 / np.sqrt(6) * 4.0)
    f = np.random.default_rng(3).normal(5.0, 1.0, (3, 41))
    second = [[abs(2 * row[i] - row[i - 2] - row[i + 2]) for i in range(2, 39)] for row in f]
    expected = 1.482602 / np.sqrt(6.0) * np.median(second, axis=1)
    np.testing.assert_allclose(der_noise(f), expected, rtol=1e-12)
    np.testing.assert_allclose(der_snr(f), np.median(f, axis=1) / expected, rtol=1e-12)
    # Non-finite pixels are left out, not propagated.
    g = f.copy()
    g[0, 20] = np.nan
    assert np.isfinite(der_noise(g)).all()


def test_assign_uses_left_closed_bins_and_nan_below():
    binner = SNRBinner()
    snr = [4.999, 5.0, 9.99, 10.0, 15.0, 1e6, np.nan, -1.0]
    assert_array_equal(binner.assign(snr), [-1, 0, 0, 1, 2, 2, -1, -1])
    # Same names as the datasets' snr_bin column.
    assert_array_equal(binner.label(binner.assign(snr)), snr_bin_label(snr))
    with pytest.raises(ValueError, match="snr must be 1-D"):
        binner.assign([[5.0, 6.0]])


def test_label_names_indices():
    binner = SNRBinner()
    assert binner.label(-1) == "<5"
    assert binner.label(2) == ">15"
    assert_array_equal(binner.label(np.array([[0], [1]])), [["5-10"], ["10-15"]])
    with pytest.raises(ValueError, match=r"must lie in \[-1, 2\].*got \[3\]"):
        binner.label([0, 3])
    with pytest.raises(TypeError, match="must be integers"):
        binner.label([0.5])


def test_split_yields_populated_bins_in_order():
    X = _spectra([30.0, 7.5, 30.0, 7.5, 12.5])
    binner = SNRBinner()
    pairs = [(name, idx.tolist()) for name, idx in binner.split(X)]
    assert pairs == [("5-10", [1, 3]), ("10-15", [4]), (">15", [0, 2])]
    # Known S/N (e.g. SDSS SN_MEDIAN_ALL) takes precedence over the estimate.
    pairs = [(name, idx.tolist()) for name, idx in binner.split(X, snr=[1, 1, 6, 6, 6])]
    assert pairs == [("<5", [0, 1]), ("5-10", [2, 3, 4])]
    pairs = [(name, idx.tolist()) for name, idx in binner.split(None, snr=[20.0, 11.0])]
    assert pairs == [("10-15", [1]), (">15", [0])]


def test_split_rejects_inconsistent_input_at_the_call():
    binner = SNRBinner()
    with pytest.raises(ValueError, match="X has 5 spectra but snr has 2 values"):
        binner.split(_spectra(SNRS.tolist() + [9.0]), snr=[1.0, 2.0])
    with pytest.raises(ValueError, match="needs X or snr"):
        binner.split(None)


@pytest.mark.parametrize(
    "X, match",
    [
        (np.full((2, 10), np.nan), "NaN"),
        (np.full((2, 10), np.inf), "infinity"),
        (np.ones(10), "Expected 2D array"),
    ],
)
def test_bad_input_is_rejected(X, match):
    with pytest.raises(ValueError, match=match):
        SNRBinner().fit(X)


def test_rows_too_narrow_for_der_snr_use_the_rms():
    # DER_SNR needs 5 pixels; narrower rows take the RMS of the flux as the noise,
    # as TemplateClassifier does, so the binner accepts any width.
    X = np.array([[1.0, 1.0, 1.0, 1.0], [3.0, -1.0, 3.0, -1.0], [0.0, 0.0, 0.0, 0.0]])
    binner = SNRBinner(edges=(0.5, 1.0)).fit(X)
    assert binner.n_features_in_ == 4
    np.testing.assert_allclose(binner.estimate_snr(X), [1.0, 1.0 / np.sqrt(5.0), 0.0])
    assert binner.transform(X).ravel().tolist() == [1, -1, -1]
    wide = _spectra(SNRS, n_pixels=50)
    np.testing.assert_array_equal(SNRBinner().estimate_snr(wide), der_snr(wide))


def test_wrong_width_after_fit_is_rejected():
    binner = SNRBinner().fit(_spectra(SNRS, n_pixels=50))
    with pytest.raises(ValueError, match="X has 40 features, but SNRBinner is expecting 50"):
        binner.transform(_spectra(SNRS, n_pixels=40))
    with pytest.raises(ValueError, match="expecting 50"):
        binner.estimate_snr(_spectra(SNRS, n_pixels=40))


@pytest.mark.parametrize("edges", [(10.0, 5.0), (), (5.0, 5.0)])
def test_bad_edges_are_rejected(edges):
    with pytest.raises(ValueError, match="strictly increasing"):
        SNRBinner(edges=edges).fit(_spectra(SNRS))


def test_stateless_contract():
    """What sklearn's checks test on wider data than theirs (see test_common.py)."""
    X = _spectra(np.repeat(SNRS, 3))
    binner = SNRBinner()
    unfitted = binner.transform(X)
    fitted = binner.fit(X).transform(X)
    assert_array_equal(unfitted, fitted)
    assert_array_equal(binner.fit_transform(X), fitted)
    assert_array_equal(binner.fit(X).fit(X).transform(X), fitted)
    order = np.random.default_rng(1).permutation(len(X))
    assert_array_equal(binner.transform(X[order]), fitted[order])
    assert_array_equal(binner.transform(X[:4]), fitted[:4])
    assert_array_equal(binner.transform(np.asfortranarray(X)), fitted)
    clone = pickle.loads(pickle.dumps(binner))
    assert_array_equal(clone.transform(X), fitted)
    assert binner.get_params() == {"edges": (5.0, 10.0, 15.0)}


def test_set_output_pandas():
    X = _spectra(SNRS)
    out = SNRBinner().set_output(transform="pandas").fit_transform(X)
    assert list(out.columns) == ["snr_bin"]
    assert out["snr_bin"].tolist() == [-1, 0, 1, 2]


def test_in_pipeline_grid_search_and_cross_val():
    # Label = bin, so a tree fed the bin column learns it perfectly.
    snrs = np.tile(SNRS, 10)
    X = _spectra(snrs, seed=3)
    y = SNRBinner().assign(snrs)
    features = FeatureUnion(
        [("bin", SNRBinner()), ("mean", FunctionTransformer(lambda Z: Z.mean(1, keepdims=True)))]
    )
    pipe = Pipeline([("features", features), ("clf", DecisionTreeClassifier(random_state=0))])
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.min() == 1.0
    search = GridSearchCV(pipe, {"features__bin__edges": [(5.0, 10.0, 15.0), (100.0,)]}, cv=3)
    search.fit(X, y)
    assert search.best_params_["features__bin__edges"] == (5.0, 10.0, 15.0)
    assert search.best_score_ == 1.0


def test_real_sdss_snr_close_to_sn_median_all(sdss_dir):
    """DER_SNR stays within the documented 0.7-1.0 x SDSS S/N on real M dwarfs."""
    from skspec.datasets import load_sdss_spectra

    data = load_sdss_spectra(sdss_dir)
    mdwarf = np.array([t.startswith("M") and "III" not in t for t in data.target])
    assert mdwarf.sum() >= 3
    binner = SNRBinner().fit(data.data)
    ratio = binner.estimate_snr(data.data[mdwarf]) / data.snr[mdwarf]
    assert np.all((ratio > 0.65) & (ratio < 1.05)), ratio
    # Known S/N binned by the binner equals the loader's bin column.
    assert_array_equal(binner.label(binner.assign(data.snr)), data.frame["snr_bin"])
