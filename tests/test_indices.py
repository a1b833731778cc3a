"""Tests of the spectral indices (TiO5, CaH1-3, VO1, PC3, zeta)."""

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skspec.datasets._physics import INDEX_WINDOWS, TIO5_SOLAR_POLY
from skspec.preprocessing import SpectralIndices, measure_indices
from skspec.preprocessing._indices import DEFAULT_INDICES, index_weights, zeta_from_indices
from skspec.utils import air_to_vacuum, sdss_wavelength, vacuum_to_air

WAVE = sdss_wavelength()


def _box_spectrum(values, wave=WAVE, pad=3.0):
    """Flux 1 everywhere, ``value`` over each (air) window widened by ``pad`` A.

    Widening makes every pixel that touches a window constant, so the window
    mean is exactly the value whatever the fractional overlaps.
    """
    flux = np.ones(wave.size)
    for (lo, hi), value in values:
        vlo, vhi = air_to_vacuum([lo - pad, hi + pad])
        flux[(wave >= vlo) & (wave <= vhi)] = value
    return flux


def test_box_spectra_give_exact_indices():
    num_t, den = INDEX_WINDOWS["TiO5"][0][0], INDEX_WINDOWS["TiO5"][1][0]
    num_c2, num_c3 = INDEX_WINDOWS["CaH2"][0][0], INDEX_WINDOWS["CaH3"][0][0]
    flux = _box_spectrum([(num_t, 0.5), (den, 2.0), (num_c2, 0.9), (num_c3, 1.5)])
    out = measure_indices(flux, indices=("TiO5", "CaH2", "CaH3", "zeta"))
    assert out["TiO5"][0] == pytest.approx(0.25, abs=1e-12)
    assert out["CaH2"][0] == pytest.approx(0.45, abs=1e-12)
    assert out["CaH3"][0] == pytest.approx(0.75, abs=1e-12)
    c = 0.45 + 0.75
    expected_zeta = (1 - 0.25) / (1 - np.polyval(TIO5_SOLAR_POLY, c))
    assert out["zeta"][0] == pytest.approx(expected_zeta, rel=1e-12)


def test_two_denominator_windows_are_averaged_per_window():
    (num,), (d1, d2) = INDEX_WINDOWS["CaH1"]
    flux = _box_spectrum([(num, 0.6), (d1, 1.0), (d2, 3.0)], pad=2.0)
    value = measure_indices(flux, indices=("CaH1",))["CaH1"][0]
    # mean of the two window means (2.0), not a pixel-weighted mean
    assert value == pytest.approx(0.3, abs=1e-12)


def test_vo1_and_pc3_boxes():
    (n_vo,), (d_vo,) = INDEX_WINDOWS["VO1"]
    (n_pc,), (d_pc,) = INDEX_WINDOWS["PC3"]
    # PC3's denominator (7540-7580) contains VO1's (7550-7570): one value
    # over the wider region serves both.
    assert d_pc[0] <= d_vo[0] and d_vo[1] <= d_pc[1]
    flux = _box_spectrum([(d_pc, 1.6), (n_vo, 0.8), (n_pc, 3.0)])
    out = measure_indices(flux, indices=("VO1", "PC3"))
    assert out["VO1"][0] == pytest.approx(0.5, abs=1e-12)
    assert out["PC3"][0] == pytest.approx(1.875, abs=1e-12)


def test_fractional_overlap_weights_are_exact():
    weights, ratios = index_weights(indices=("TiO5",))
    assert ratios == ["TiO5"]
    assert np.allclose(weights.sum(axis=0), 1.0)
    # A flux equal to the pixel's wavelength: the window mean of a piecewise
    # constant function is sum(overlap * value) / width.
    lo, hi = air_to_vacuum(INDEX_WINDOWS["TiO5"][0][0])
    edges = np.sqrt(WAVE[:-1] * WAVE[1:])
    edges = np.concatenate([[WAVE[0] ** 2 / edges[0]], edges, [WAVE[-1] ** 2 / edges[-1]]])
    overlap = np.clip(np.minimum(edges[1:], hi) - np.maximum(edges[:-1], lo), 0, None)
    assert overlap.sum() == pytest.approx(hi - lo)
    assert WAVE @ weights[:, 0] == pytest.approx((overlap * WAVE).sum() / (hi - lo))


def test_windows_are_converted_from_air_to_vacuum():
    weights, _ = index_weights(indices=("CaH2",))
    lo_air, hi_air = INDEX_WINDOWS["CaH2"][0][0]
    centre = WAVE @ weights[:, 0]
    vac_centre = np.mean(air_to_vacuum([lo_air, hi_air]))
    assert centre == pytest.approx(vac_centre, abs=0.2)
    assert centre - (lo_air + hi_air) / 2 > 1.5  # vacuum is ~1.9 A redder here
    # A narrow feature placed in vacuum just inside the red edge of the
    # window changes the index; placed at the air position minus the shift,
    # i.e. just outside in vacuum, it does not.
    flux = np.ones(WAVE.size)
    inside = np.argmin(np.abs(WAVE - (air_to_vacuum(hi_air) - 1.0)))
    flux[inside] = 0.0
    assert measure_indices(flux, indices=("CaH2",))["CaH2"][0] < 1
    flux = np.ones(WAVE.size)
    outside = np.argmin(np.abs(WAVE - (air_to_vacuum(hi_air) + 1.5)))
    assert vacuum_to_air(WAVE[outside]) > hi_air
    flux[outside] = 0.0
    assert measure_indices(flux, indices=("CaH2",))["CaH2"][0] == pytest.approx(1.0)


def test_custom_grid_matches_sdss_grid_for_smooth_spectrum():
    def spectrum(w):
        return 1.0 + 0.3 * np.sin(w / 180.0) + 1e-4 * (w - 6000)

    fine = np.arange(6000.0, 9000.0, 0.25)
    a = measure_indices(spectrum(WAVE))
    b = measure_indices(spectrum(fine), wavelength=fine)
    assert np.allclose(a.to_numpy(), b.to_numpy(), rtol=2e-3)


def test_span_grid_equals_sdss_grid_and_follows_resampling():
    def spectrum(w):
        return 1.0 + 0.3 * np.sin(w / 180.0) + 1e-4 * (w - 6000)

    rng = np.random.default_rng(3)
    X = rng.uniform(0.5, 2.0, size=(3, WAVE.size))
    assert np.allclose(
        SpectralIndices(wavelength="span").fit_transform(X), SpectralIndices().fit_transform(X)
    )
    # 5000 points over the same span, log-uniform (QuadraticResampler's grid)
    wave5000 = 10 ** np.linspace(np.log10(WAVE[0]), np.log10(WAVE[-1]), 5000)
    a = SpectralIndices(wavelength="span").fit_transform(spectrum(wave5000)[None])
    b = SpectralIndices().fit_transform(spectrum(WAVE)[None])
    assert np.allclose(a, b, rtol=2e-3)
    # a single pixel covers every window: all ratios are 1
    one = SpectralIndices(wavelength="span", indices=("TiO5", "PC3")).fit_transform([[2.0]])
    assert np.allclose(one, 1.0)
    with pytest.raises(ValueError, match="span"):
        SpectralIndices(wavelength="spam").fit(X)


@settings(max_examples=30, deadline=None)
@given(scale=st.floats(1e-6, 1e6), seed=st.integers(0, 2**16))
def test_indices_are_invariant_to_flux_scale(scale, seed):
    rng = np.random.default_rng(seed)
    flux = rng.uniform(0.2, 5.0, size=(2, WAVE.size))
    est = SpectralIndices().fit(flux)
    a = est.transform(flux)
    b = est.transform(flux * scale)
    assert np.allclose(a, b, rtol=1e-9, equal_nan=True)


def test_transformer_matches_function_and_feature_names():
    rng = np.random.default_rng(0)
    X = rng.uniform(0.5, 2.0, size=(5, WAVE.size))
    est = SpectralIndices()
    Xt = est.fit_transform(X)
    assert Xt.shape == (5, len(DEFAULT_INDICES))
    assert list(est.get_feature_names_out()) == list(DEFAULT_INDICES)
    df = measure_indices(X)
    assert list(df.columns) == list(DEFAULT_INDICES)
    assert np.allclose(df.to_numpy(), Xt)
    as_dict = measure_indices(X, indices=("TiO5",), as_frame=False)
    assert set(as_dict) == {"TiO5"} and as_dict["TiO5"].shape == (5,)
    est.set_output(transform="pandas")
    out = est.transform(X)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == list(DEFAULT_INDICES)


def test_float32_pickle_clone_and_subset_invariance():
    rng = np.random.default_rng(1)
    X = rng.uniform(0.5, 2.0, size=(6, WAVE.size)).astype(np.float32)
    est = SpectralIndices(indices=("TiO5", "CaH1", "zeta")).fit(X)
    full = est.transform(X)
    assert np.allclose(est.transform(X[2:4]), full[2:4])
    again = pickle.loads(pickle.dumps(est))
    assert np.array_equal(again.transform(X), full)
    assert clone(est).get_params() == est.get_params()


def test_works_inside_a_pipeline():
    # Two classes differing in TiO band depth; indices + scaling + logistic
    # regression separate them.
    rng = np.random.default_rng(2)
    (num,), _ = INDEX_WINDOWS["TiO5"]
    X, y = [], []
    for label, depth in [(0, 0.85), (1, 0.55)]:
        for _ in range(20):
            flux = _box_spectrum([(num, depth + rng.normal(0, 0.03))])
            X.append(flux * rng.uniform(1, 100) + rng.normal(0, 0.01, WAVE.size))
            y.append(label)
    X, y = np.array(X), np.array(y)
    pipe = make_pipeline(
        SpectralIndices(indices=("TiO5", "CaH2")), StandardScaler(), LogisticRegression()
    )
    pipe.fit(X, y)
    assert pipe.score(X, y) == 1.0


def test_zeta_from_indices_matches_lepine_definition():
    tio5, cah2, cah3 = 0.7, 0.65, 0.84
    sun = np.polyval(TIO5_SOLAR_POLY, cah2 + cah3)
    assert zeta_from_indices(tio5, cah2, cah3) == pytest.approx((1 - tio5) / (1 - sun))
    # metal-poor: weaker TiO at the same CaH -> zeta < 1
    assert zeta_from_indices(sun + 0.1, cah2, cah3) < 1


@pytest.mark.parametrize(
    "kwargs, X, match",
    [
        ({}, np.ones((2, 100)), "3522"),
        ({"wavelength": np.linspace(4000, 9000, 50)}, np.ones((2, 60)), "50 values"),
        ({"wavelength": np.linspace(7500, 9000, 100)}, np.ones((2, 100)), "outside"),
        ({"wavelength": np.linspace(9000, 4000, 100)}, np.ones((2, 100)), "increasing"),
        ({"indices": ("TiO5", "TiO9")}, np.ones((2, 3522)), "unknown index"),
        ({"indices": ("TiO5", "TiO5")}, np.ones((2, 3522)), "duplicates"),
        ({"indices": ()}, np.ones((2, 3522)), "at least one"),
    ],
)
def test_bad_arguments_raise(kwargs, X, match):
    with pytest.raises(ValueError, match=match):
        SpectralIndices(**kwargs).fit(X)


def test_nan_input_and_wrong_width_at_transform_raise():
    X = np.ones((2, WAVE.size))
    est = SpectralIndices().fit(X)
    bad = X.copy()
    bad[0, 10] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.transform(bad)
    with pytest.raises(ValueError, match="features"):
        est.transform(X[:, :-1])
    with pytest.raises(ValueError, match="NaN"):
        measure_indices(bad)


def test_zero_denominator_gives_nan_not_inf():
    flux = _box_spectrum([(INDEX_WINDOWS["TiO5"][1][0], 0.0)])
    out = measure_indices(flux, indices=("TiO5", "CaH2", "CaH3", "zeta"))
    assert out.isna().all(axis=None)


def test_snapshot_solar_template_indices_match_generator_md_table():
    """A regression snapshot, not a published table.

    The values are the project's own earlier measurement of the solar Kesseli
    et al. (2017) templates (air windows, two decimals), so this catches a
    change of the index code or of the shipped templates; it says nothing
    about agreement with the literature.
    """
    from skspec.datasets import load_kesseli_templates

    tpl = load_kesseli_templates()
    solar = tpl.feh == 0.0
    out = measure_indices(tpl.data[solar]).set_index(pd.Index(tpl.target[solar]))
    expected = {
        "TiO5": [0.88, 0.74, 0.69, 0.54, 0.45],
        "CaH2": [0.85, 0.71, 0.65, 0.51, 0.45],
        "CaH3": [0.93, 0.87, 0.84, 0.75, 0.71],
    }
    for name, values in expected.items():
        got = out.loc[["M0", "M1", "M2", "M3", "M4"], name].to_numpy()
        assert np.allclose(got, values, atol=0.011), (name, got)
    # Indices order the sequence: TiO5, CaH2 fall and PC3 rises with subtype.
    seq = out.loc[["M0", "M1", "M2", "M3", "M4", "M5"]]
    assert np.all(np.diff(seq["TiO5"]) < 0) and np.all(np.diff(seq["CaH2"]) < 0)
    assert np.all(np.diff(seq["PC3"]) > 0)


def test_real_template_files_give_the_indices_of_the_shipped_copy(templates_dir):
    from skspec.datasets import load_kesseli_templates

    files = load_kesseli_templates(str(templates_dir / "M*_+0.0_Dwarf.fits"))
    shipped = load_kesseli_templates()
    shipped_solar = shipped.feh == 0.0
    np.testing.assert_array_equal(files.target, shipped.target[shipped_solar])
    np.testing.assert_allclose(
        measure_indices(files.data).to_numpy(),
        measure_indices(shipped.data[shipped_solar]).to_numpy(),
        atol=1e-5,
    )
