"""The shipped template libraries and the generator's empirical photosphere."""

import numpy as np
import pytest

from skspec.datasets import (
    load_bochanski_templates,
    load_kesseli_templates,
    make_mdwarf_spectra,
)
from skspec.datasets._generator import PAD, _empirical_star, _library_grid, model_loglam
from skspec.preprocessing import SpectralIndices
from skspec.utils import N_PIXELS

INDICES = ("TiO5", "CaH2", "CaH3")


def test_shipped_libraries_cover_the_model_grid():
    kes = load_kesseli_templates()
    boc = load_bochanski_templates()
    assert kes.data.shape == (23, N_PIXELS) and boc.data.shape == (10, N_PIXELS)
    assert sorted(set(kes.target)) == ["M0", "M1", "M2", "M3", "M4", "M5"]
    assert list(boc.target) == [f"M{i}" for i in range(10)]
    assert np.isnan(boc.feh).all() and set(kes.feh) == {-1.0, -0.5, 0.0, 0.5, 1.0}
    for lib in (kes, boc):
        assert np.isfinite(lib.data).all() and (lib.data > 0).all()
    # A template per subtype and bin: M4 has only two bins in the library.
    assert sorted(load_kesseli_templates(subtypes=["M4"]).feh) == [0.0, 0.5]
    with pytest.raises(ValueError, match="no template"):
        load_kesseli_templates(subtypes=["K5"])


def test_shipped_copy_matches_the_original_files(shared_data):
    # The package data are the originals averaged onto the grid, nothing more.
    for shipped, original in (
        (
            load_kesseli_templates(subtypes=["M1", "M3"]),
            load_kesseli_templates(shared_data / "pyhammer_templates", subtypes=["M1", "M3"]),
        ),
        (
            load_bochanski_templates(subtypes=["M0", "M4"]),
            load_bochanski_templates(
                shared_data / "bochanski2007_templates", subtypes=["M0", "M4"]
            ),
        ),
    ):
        order = np.lexsort((original.feh, original.target))
        mine = np.lexsort((shipped.feh, shipped.target))
        a = original.data[order] / np.median(original.data[order], axis=1, keepdims=True)
        b = shipped.data[mine] / np.median(shipped.data[mine], axis=1, keepdims=True)
        # Non-positive pixels (the noisy blue end of two Bochanski co-adds) are
        # floored at 1e-3 of the median in the shipped copy.
        ok = a > 1e-2
        np.testing.assert_allclose(b[ok], a[ok], rtol=2e-6, atol=1e-6)
        assert ok.mean() > 0.99


def test_user_template_files_are_named_and_read(tmp_path):
    wave = np.linspace(3800.0, 9300.0, 20000)
    np.savetxt(tmp_path / "M30_SDSS_bochanski2007.txt", np.c_[wave, 1.0 + 0 * wave, 0 * wave])
    tpl = load_bochanski_templates(tmp_path)
    assert list(tpl.target) == ["M3"] and np.allclose(tpl.data, 1.0)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="not a Bochanski template name"):
        load_bochanski_templates(tmp_path / "notes.txt")
    (tmp_path / "M40_SDSS_bochanski2007.txt").write_text("not numbers\n")
    with pytest.raises(ValueError, match="cannot read"):
        load_bochanski_templates(tmp_path / "M40_SDSS_bochanski2007.txt")


def _rest_frame(s, feh, library="kesseli2017"):
    """Noise-free empirical photospheres at given subtypes and [Fe/H], on the SDSS grid."""

    class FixedFeh:
        def __init__(self):
            self.rng = np.random.default_rng(0)

        def uniform(self, lo, hi, n):
            return np.full(n, feh, float)

        def random(self, n):  # no star is active: the photosphere alone
            return np.ones(n)

        def __getattr__(self, name):
            return getattr(self.rng, name)

    flux, star = _empirical_star(FixedFeh(), np.asarray(s, float), library)
    return flux[:, PAD : PAD + N_PIXELS], star


@pytest.mark.parametrize("feh", [-0.5, 0.0, 0.5])
def test_interpolated_subtype_sits_between_its_neighbours(feh):
    flux, star = _rest_frame([1.0, 1.5, 2.0], feh)
    assert not star["active"].any()
    idx = SpectralIndices(indices=INDICES).fit_transform(flux)
    for j in range(len(INDICES)):
        lo, hi = sorted([idx[0, j], idx[2, j]])
        assert lo < idx[1, j] < hi
    # Whole-spectrum distance in log flux, free of the overall scale.
    log = np.log(flux)

    def dist(a, b):
        return np.linalg.norm((a - b) - np.mean(a - b))

    d_m1, d_m2, d_12 = dist(log[1], log[0]), dist(log[1], log[2]), dist(log[0], log[2])
    assert d_m1 < d_12 and d_m2 < d_12
    np.testing.assert_allclose(d_m1, d_m2, rtol=0.02)


def test_integer_subtype_and_bin_reproduce_the_template():
    subtypes, grid, table = _library_grid("kesseli2017")
    assert list(subtypes) == [0, 1, 2, 3, 4, 5] and list(grid) == [-1.0, -0.5, 0.0, 0.5, 1.0]
    flux, _ = _rest_frame([2.0], 0.5)
    tpl = load_kesseli_templates(subtypes=["M2"])
    ref = tpl.data[tpl.feh == 0.5][0]
    np.testing.assert_allclose(flux[0] / np.median(flux[0]), ref / np.median(ref), rtol=1e-6)
    # Outside a subtype's own bins the nearest bin stands in (M4 stops at +0.5).
    np.testing.assert_allclose(_rest_frame([4.0], 1.0)[0], _rest_frame([4.0], 0.5)[0])
    assert table.shape == (6, 5, model_loglam().size)


def test_empirical_generator_output_and_population():
    ds = make_mdwarf_spectra(600, random_state=3, photosphere="empirical")
    assert ds.data.shape == (600, N_PIXELS) and ds.data.dtype == np.float32
    assert np.isfinite(ds.data).all() and (ds.ivar >= 0).all()
    assert sorted(set(ds.target)) == ["M0", "M1", "M2", "M3", "M4"]
    # [Fe/H] spans the library's bins uniformly.
    assert ds.frame.feh.min() < -0.9 and ds.frame.feh.max() > 0.9
    assert abs(ds.frame.feh.mean()) < 0.1
    assert "empirical, templates: kesseli2017" in ds.DESCR
    # Band strength follows the label: TiO5 falls from M0 to M4.
    tio5 = SpectralIndices(indices=("TiO5",)).fit_transform(ds.data)[:, 0]
    medians = [np.median(tio5[ds.target == t]) for t in ["M0", "M1", "M2", "M3", "M4"]]
    assert np.all(np.diff(medians) < 0)
    again = make_mdwarf_spectra(600, random_state=3, photosphere="empirical")
    np.testing.assert_array_equal(ds.data, again.data)
    other = make_mdwarf_spectra(
        50,
        random_state=3,
        photosphere="empirical",
        templates="bochanski2007",
        subtypes=("M6", "M8"),
    )
    assert sorted(set(other.target)) == ["M6", "M8"] and np.isnan(other.frame.feh).all()


def test_empirical_generator_rejects_what_it_cannot_make():
    with pytest.raises(ValueError, match="photosphere"):
        make_mdwarf_spectra(10, photosphere="synthetic")
    with pytest.raises(ValueError, match="templates"):
        make_mdwarf_spectra(10, photosphere="empirical", templates="pickles")
    with pytest.raises(ValueError, match="cover M0-M5"):
        make_mdwarf_spectra(10, photosphere="empirical", subtypes=("M4", "M7"))


def test_user_templates_feed_the_empirical_photosphere():
    # The shipped Bochanski copy handed over as a user's Bunch (SDSS grid, no
    # margin) gives the same spectra as the named library, except where the
    # repeated edge pixels reach in through the RV shift and the LSF.
    own = load_bochanski_templates(subtypes=["M0", "M1", "M2", "M3", "M4", "M5"])
    a = make_mdwarf_spectra(40, random_state=0, templates=own, noise=False)
    b = make_mdwarf_spectra(40, random_state=0, templates="bochanski2007", noise=False)
    assert set(a.frame.library) == {"user"}
    # (A rare pixel flips across the BRIGHTSKY threshold and is interpolated.)
    ratio = np.abs(a.data / b.data - 1)[:, 60 : N_PIXELS - 60]
    assert np.median(ratio) < 1e-5 and np.quantile(ratio, 0.999) < 1e-3
    with pytest.raises(ValueError, match="consecutive"):
        make_mdwarf_spectra(
            10, templates=load_bochanski_templates(subtypes=["M0", "M2"]), subtypes=("M0", "M2")
        )
    with pytest.raises(ValueError, match="unknown subtype"):
        make_mdwarf_spectra(10, templates={"data": own.data[:1], "target": ["G2"]})
    with pytest.raises(ValueError, match=r"\(n, 3522\)"):
        make_mdwarf_spectra(10, templates={"data": own.data[:, :100], "target": own.target})
    with pytest.raises(ValueError, match="positive"):
        make_mdwarf_spectra(10, templates={"data": -own.data, "target": own.target})
