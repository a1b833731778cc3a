"""The out-of-scope score: M0-M4 dwarfs pass, earlier-type stars are flagged."""

import warnings

import numpy as np
import pandas as pd
import pytest

from skspec.datasets import make_mdwarf_spectra
from skspec.preprocessing import index_subtype, measure_indices, out_of_scope_score
from skspec.preprocessing._scope import INDEX_SUBTYPE_COEF, INTRINSIC_SCATTER


def test_relation_refits_from_the_generator():
    """The constants are what the documented least-squares fit gives."""
    ds = make_mdwarf_spectra(3000, snr=(30, 60), random_state=5, photosphere="physical")
    m = measure_indices(ds.data)
    A = np.c_[np.ones(len(m)), m["TiO5"], m["CaH2"] + m["CaH3"]]
    truth = ds.frame["subtype_true"].to_numpy(dtype=float)
    coef, *_ = np.linalg.lstsq(A, truth, rcond=None)
    np.testing.assert_allclose(coef, INDEX_SUBTYPE_COEF, atol=0.01)
    assert np.std(truth - A @ coef) == pytest.approx(INTRINSIC_SCATTER, abs=0.01)


@pytest.mark.parametrize("snr", [(5, 10), (10, 15), (15, 40)])
def test_generated_m_dwarfs_are_rarely_flagged(snr):
    ds = make_mdwarf_spectra(1000, snr=snr, random_state=2, photosphere="physical")
    scope = out_of_scope_score(ds.data, ds.ivar)
    assert scope["out_of_scope"].mean() < 0.02
    truth = ds.frame["subtype_true"].to_numpy(dtype=float)
    # the estimate follows the true subtype, within the noise and the scatter
    resid = scope["index_subtype"] - truth
    assert np.median(np.abs(resid)) < 0.3 + np.median(scope["index_subtype_err"])


def test_error_shrinks_with_snr_and_scale_does_not_matter():
    low = make_mdwarf_spectra(200, snr=(5, 6), random_state=3, photosphere="physical")
    high = make_mdwarf_spectra(200, snr=(40, 45), random_state=3, photosphere="physical")
    err_low = index_subtype(low.data, low.ivar)[1]
    err_high = index_subtype(high.data, high.ivar)[1]
    assert np.median(err_low) > 4 * np.median(err_high)
    s1, e1 = index_subtype(high.data, high.ivar)
    s2, e2 = index_subtype(high.data * 1e3, high.ivar / 1e6)
    np.testing.assert_allclose(s1, s2, atol=1e-5)
    np.testing.assert_allclose(e1, e2, rtol=1e-6)
    # DER_SNR noise stands in for ivar, with similar errors
    e3 = index_subtype(high.data)[1]
    assert 0.5 < np.median(e3) / np.median(e1) < 2


def test_featureless_star_is_flagged_and_noise_only_is_not():
    ds = make_mdwarf_spectra(2, snr=(40, 41), random_state=0, photosphere="physical")
    flat = np.ones_like(ds.data) * 10   # no molecular bands: an early-type star
    scope = out_of_scope_score(flat, np.full_like(flat, 100.0))
    assert scope["out_of_scope"].all()
    assert (scope["index_subtype"] < -1).all() and (scope["out_of_scope_score"] > 0.5).all()
    noisy = flat + np.random.default_rng(0).normal(0, 20, flat.shape)   # S/N 0.5
    scope = out_of_scope_score(noisy, np.full_like(flat, 1 / 400))
    assert not scope["out_of_scope"].any()


def test_bad_ivar_is_refused():
    ds = make_mdwarf_spectra(3, random_state=0, photosphere="physical")
    with pytest.raises(ValueError, match="non-negative"):
        out_of_scope_score(ds.data, -ds.ivar)
    with pytest.raises(ValueError, match="shape of flux"):
        out_of_scope_score(ds.data, ds.ivar[:, :10])
    with pytest.raises(ValueError, match="2-D"):
        out_of_scope_score(ds.data[0])


def test_real_controls_flagged_real_m_dwarfs_not(sdss_dir, shared_data):
    from skspec.datasets import load_sdss_spectra

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = load_sdss_spectra(sdss_dir)
    labels = pd.read_csv(shared_data / "labels.csv")
    labels = labels.set_index(labels["path"].str.split("/").str[-1])["label"]
    label = [labels[p.split("/")[-1]] for p in ds.frame["path"]]
    scope = out_of_scope_score(ds.data, ds.ivar)
    by_label = dict(zip(label, scope["out_of_scope"]))
    assert not any(by_label[k] for k in ("M1", "M2", "M5"))
    assert all(by_label[k] for k in ("B2", "F4", "G8", "K2"))
    # the L0 at S/N ~1 is too noisy to judge (and is flagged low_snr by predict)
    assert not by_label["L0"]
