"""Tests of the SDSS file loader (skspec.datasets.load_sdss_spectra)."""

import gzip
import warnings

import numpy as np
import pandas as pd
import pytest
from _spec_files import flux_at as _flux
from _spec_files import write_spec, write_spspec
from astropy.io import fits

from skspec.datasets import (
    _fits,
    _sdss,
    iter_sdss_spectra,
    load_sdss_spectra,
    read_sdss_spectrum,
)
from skspec.utils import DLOGLAM, LOGLAM0, N_PIXELS, sdss_snr, sdss_wavelength, snr_bin_label

M_DWARFS = {  # file -> SUBCLASS written by the SDSS/BOSS pipeline in the file
    "spec-0618-52049-0372.fits": "M1",
    "spec-1079-52621-0509.fits": "M1",
    "spec-1123-52882-0065.fits": "M4",
    "spec-5047-55833-0936.fits": "M1 (204445)",
}


# --------------------------------------------------------------------------
# Synthetic files
# --------------------------------------------------------------------------


@pytest.fixture
def spec_file(tmp_path):
    return write_spec(tmp_path / "spec-4000-55500-0017.fits")


# --------------------------------------------------------------------------
# Real SDSS files
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(sdss_dir):
    return load_sdss_spectra(sdss_dir)


def test_real_files_all_read(real, sdss_dir):
    files = sorted(sdss_dir.glob("spec-*.fits"))
    assert len(files) == 9
    assert real.data.shape == real.ivar.shape == (9, N_PIXELS)
    assert real.data.dtype == real.ivar.dtype == np.float32
    assert np.isfinite(real.data).all()
    assert (real.ivar >= 0).all()
    assert real.errors == []
    assert list(real.frame["path"]) == [str(f) for f in files]
    assert np.array_equal(real.wavelength, sdss_wavelength())
    assert (real.frame["n_invalid"] == 0).all()
    assert (real.frame["n_bad_pixels"] == (real.ivar == 0).sum(axis=1)).all()
    assert (real.frame["class"] == "STAR").all()


def test_real_m_dwarf_targets_follow_subclass(real):
    frame = real.frame.assign(name=real.frame["path"].str.rsplit("/", n=1).str[-1])
    rows = frame.set_index("name").loc[list(M_DWARFS)]
    # The raw pipeline SUBCLASS is kept; target drops the BOSS template number.
    assert list(rows["subclass"]) == list(M_DWARFS.values())
    assert list(rows["target"]) == ["M1", "M1", "M4", "M1"]
    # Controls keep an honest, non-M0-M4 label (giant stays a giant).
    by_name = frame.set_index("name")["target"]
    assert by_name["spec-3764-55514-0972.fits"] == "M6III"
    assert by_name["spec-7454-56751-0770.fits"] == "K0"
    assert by_name["spec-4961-55719-0378.fits"] == "F3/F5"


def test_real_pixel_mapping_is_exact(real, sdss_dir):
    grid = LOGLAM0 + DLOGLAM * np.arange(N_PIXELS)
    for row, path in enumerate(real.frame["path"]):
        with fits.open(path) as hdul:
            table = hdul["COADD"].data
            loglam = table["loglam"].astype(float)
            flux, ivar = table["flux"], table["ivar"]
        # Match by wavelength, independently of the loader's index arithmetic.
        j = np.searchsorted(loglam, grid - 0.5 * DLOGLAM)
        assert np.abs(loglam[j] - grid).max() < 1e-5
        single = read_sdss_spectrum(path)
        np.testing.assert_array_equal(single.flux, flux[j])
        good = real.ivar[row] > 0
        np.testing.assert_array_equal(real.data[row][good], flux[j][good])
        np.testing.assert_array_equal(real.ivar[row][good], ivar[j][good])


def test_real_legacy_and_boss_cover_the_grid(real):
    frame = real.frame
    legacy = frame["plate"] < 3000
    assert legacy.sum() == 3
    assert (frame.loc[legacy, "instrument"] == "SDSS").all()
    assert (frame.loc[~legacy, "instrument"] == "BOSS").all()
    # Legacy (3800-9200 A) and BOSS (3600-10400 A) both span 4000-9000 A.
    assert (frame["coverage"] == 1.0).all()
    assert (frame["format"] == "spec").all()


def test_real_snr_is_sn_median_all(real):
    for path, snr in zip(real.frame["path"], real.snr):
        with fits.open(path) as hdul:
            assert snr == pytest.approx(float(hdul[2].data["SN_MEDIAN_ALL"][0]), rel=1e-6)
    assert (real.frame["snr_source"] == "SN_MEDIAN_ALL").all()
    assert list(real.frame["snr_bin"]) == list(snr_bin_label(real.snr))


def test_fast_table_reader_matches_astropy(real, sdss_dir, monkeypatch):
    def no_fast_path(*args, **kwargs):
        raise _fits.Unsupported

    monkeypatch.setattr(_fits, "fast_columns", no_fast_path)
    monkeypatch.setattr(_sdss, "_read_spec_fast", no_fast_path)
    slow = load_sdss_spectra(sdss_dir)
    np.testing.assert_array_equal(slow.data, real.data)
    np.testing.assert_array_equal(slow.ivar, real.ivar)
    assert slow.frame.equals(real.frame)


# --------------------------------------------------------------------------
# Synthetic spec files
# --------------------------------------------------------------------------


def test_synthetic_spec_maps_by_index(spec_file):
    ds = load_sdss_spectra(spec_file)
    np.testing.assert_array_equal(ds.data[0], _flux(np.arange(N_PIXELS)))
    assert (ds.ivar == 4).all()
    row = ds.frame.iloc[0]
    assert (row.plate, row.mjd, row.fiber, row.subclass, row.target) == (
        4000,
        55500,
        17,
        "M2 (123456)",
        "M2",
    )
    assert row.instrument == "BOSS" and row.coverage == 1.0 and row.n_bad_pixels == 0
    assert ds.snr[0] == pytest.approx(12.5)


def test_synthetic_legacy_and_boss_files_and_their_snr(tmp_path):
    """What the real-file tests check, on written files: instrument by plate, S/N source."""
    legacy = write_spec(
        tmp_path / "spec-0618-52049-0372.fits",
        start=-120,
        n=3900,
        specobj={
            "PLATE": ("J", [618]),
            "MJD": ("J", [52049]),
            "FIBERID": ("J", [372]),
            "SN_MEDIAN_ALL": ("E", [50.1]),
        },
    )
    boss = write_spec(
        tmp_path / "spec-5047-55833-0936.fits",
        start=-400,
        n=4600,
        specobj={
            "PLATE": ("J", [5047]),
            "MJD": ("J", [55833]),
            "FIBERID": ("J", [936]),
            "SN_MEDIAN_ALL": ("E", [4.5]),
        },
    )
    ds = load_sdss_spectra([legacy, boss])
    assert list(ds.frame["instrument"]) == ["SDSS", "BOSS"]
    assert list(ds.frame["plate"]) == [618, 5047] and list(ds.frame["fiber"]) == [372, 936]
    assert (ds.frame["coverage"] == 1.0).all() and (ds.frame["format"] == "spec").all()
    np.testing.assert_allclose(ds.snr, [50.1, 4.5], rtol=1e-6)
    assert (ds.frame["snr_source"] == "SN_MEDIAN_ALL").all()
    assert list(ds.frame["snr_bin"]) == [">15", "<5"] == list(snr_bin_label(ds.snr))
    # Each grid pixel holds the file's pixel of that wavelength (matched by loglam).
    for row, path in enumerate([legacy, boss]):
        with fits.open(path) as hdul:
            loglam = hdul["COADD"].data["loglam"].astype(float)
            flux = hdul["COADD"].data["flux"]
        grid = LOGLAM0 + DLOGLAM * np.arange(N_PIXELS)
        j = np.searchsorted(loglam, grid - 0.5 * DLOGLAM)
        np.testing.assert_array_equal(ds.data[row], flux[j])


def test_fast_table_reader_matches_astropy_on_synthetic_files(tmp_path, monkeypatch):
    """The byte-level table reader and astropy agree, masks and bad pixels included."""
    n = 3840
    mask = np.zeros(n, np.int32)
    mask[[900, 901, 2000]] = [1 << 23, 1 << 18, 1 << 16]
    ivar = np.full(n, 4.0, np.float32)
    ivar[[300, 1500]] = [0.0, -1.0]  # file pixels; grid pixel = file pixel - 200
    files = [
        write_spec(tmp_path / "spec-4000-55500-0001.fits", and_mask=mask, ivar=ivar),
        write_spec(
            tmp_path / "spec-0266-51630-0145.fits",
            start=300,
            n=3000,
            specobj={"PLATE": ("J", [266]), "SN_MEDIAN_ALL": None},
        ),
        write_spec(
            tmp_path / "spec-4000-55500-0003.fits",
            meta_name="SPALL",
            specobj={"SUBCLASS": ("21A", ["K7V (1)"]), "Z": None},
        ),
    ]
    calls = []
    real_fast = _sdss._read_spec_fast

    def counting(*args, **kwargs):
        out = real_fast(*args, **kwargs)
        calls.append(args)
        return out

    monkeypatch.setattr(_sdss, "_read_spec_fast", counting)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # partial coverage, invalid ivar
        fast = load_sdss_spectra(files)
        assert len(calls) == len(files)  # the fast path did read these files

        def no_fast_path(*args, **kwargs):
            raise _fits.Unsupported

        monkeypatch.setattr(_fits, "fast_columns", no_fast_path)
        monkeypatch.setattr(_sdss, "_read_spec_fast", no_fast_path)
        slow = load_sdss_spectra(files)
    np.testing.assert_array_equal(slow.data, fast.data)
    np.testing.assert_array_equal(slow.ivar, fast.ivar)
    pd.testing.assert_frame_equal(slow.frame, fast.frame)
    assert list(fast.target) == ["M2", "M2", "K7"]
    assert list(fast.frame["n_bad_pixels"]) == [4, N_PIXELS - 3000, 0]


def test_float32_noise_in_loglam_is_tolerated_but_off_grid_is_refused(tmp_path):
    index = np.arange(-10, 3600)
    noisy = (LOGLAM0 + DLOGLAM * (index + 0.02)).astype(np.float32)
    ds = load_sdss_spectra(write_spec(tmp_path / "a.fits", -10, 3610, loglam=noisy))
    np.testing.assert_array_equal(ds.data[0], _flux(np.arange(N_PIXELS)))
    shifted = (LOGLAM0 + DLOGLAM * (index + 0.3)).astype(np.float32)
    bad = write_spec(tmp_path / "b.fits", -10, 3610, loglam=shifted)
    with pytest.raises(ValueError, match=r"b\.fits.*not on the SDSS log-linear grid"):
        load_sdss_spectra(bad)


def test_partial_coverage_is_bad_and_reported(tmp_path):
    path = write_spec(tmp_path / "spec-partial.fits", start=300, n=3000)
    with pytest.warns(UserWarning, match=r"do not cover.*spec-partial\.fits"):
        ds = load_sdss_spectra(path)
    covered = np.zeros(N_PIXELS, bool)
    covered[300:3300] = True
    assert ds.frame["coverage"][0] == pytest.approx(3000 / N_PIXELS)
    assert (ds.ivar[0][~covered] == 0).all() and (ds.ivar[0][covered] == 4).all()
    assert ds.frame["n_bad_pixels"][0] == N_PIXELS - 3000
    # Edges take the nearest good value; inside, the file's flux is untouched.
    assert (ds.data[0][:300] == _flux(np.array([300]))[0]).all()
    np.testing.assert_array_equal(ds.data[0][covered], _flux(np.arange(300, 3300)))
    single = read_sdss_spectrum(path)
    assert np.isnan(single.flux[~covered]).all()


def test_no_overlap_with_the_grid_is_an_error(tmp_path):
    path = write_spec(tmp_path / "red.fits", start=N_PIXELS + 10, n=500)
    with pytest.raises(ValueError, match="does not overlap"):
        load_sdss_spectra(path)


@pytest.mark.parametrize(
    "bit, bad",
    [(18, True), (22, True), (23, True), (24, True), (0, False), (16, False), (19, False)],
)
def test_and_mask_bits(tmp_path, bit, bad):
    n, start = 3840, -200
    mask = np.zeros(n, np.int32)
    mask[1000 - start] = 1 << bit
    ds = load_sdss_spectra(write_spec(tmp_path / "m.fits", start, n, and_mask=mask))
    assert bool(ds.ivar[0, 1000] == 0) is bad
    if bad:  # filled linearly from the two good neighbours
        assert ds.data[0, 1000] == pytest.approx(ds.data[0, [999, 1001]].mean(), rel=1e-6)
    else:
        assert ds.data[0, 1000] == _flux(np.array([1000]))[0]
    assert ds.frame["n_bad_pixels"][0] == int(bad)


def test_bad_pixel_bits_constant():
    assert _sdss.BAD_PIXEL_BITS == {"FULLREJECT": 18, "NOSKY": 22, "BRIGHTSKY": 23, "NODATA": 24}


def test_negative_and_nan_ivar_are_bad_and_reported(tmp_path):
    ivar = np.full(3840, 4.0, np.float32)
    ivar[[700, 701, 1500]] = [-1.0, np.nan, -5.0]
    flux = _flux(np.arange(-200, 3640))
    flux[2000] = np.nan  # NaN flux with ivar > 0 is invalid too
    path = write_spec(tmp_path / "neg.fits", ivar=ivar, flux=flux)
    with pytest.warns(UserWarning, match=r"invalid pixels.*neg\.fits \(4 pixels\)"):
        ds = load_sdss_spectra(path)
    assert ds.frame["n_invalid"][0] == 4
    assert (ds.ivar[0, [500, 501, 1300, 1800]] == 0).all()
    assert np.isfinite(ds.data).all()
    assert ds.frame["n_bad_pixels"][0] == 4


def test_missing_sn_median_all_is_computed(tmp_path):
    ivar = np.linspace(1.0, 9.0, 3840).astype(np.float32)
    ivar[:50] = 0
    path = write_spec(tmp_path / "nosn.fits", ivar=ivar, specobj={"SN_MEDIAN_ALL": None})
    ds = load_sdss_spectra(path)
    flux = _flux(np.arange(-200, 3640))
    expected = sdss_snr(flux[None].astype(float), ivar[None].astype(float))[0]
    assert ds.snr[0] == pytest.approx(expected)
    assert ds.frame["snr_source"][0] == "computed"
    assert ds.frame["snr_bin"][0] == ">15"


def test_metadata_fallbacks(tmp_path):
    path = write_spec(
        tmp_path / "spec-0266-51630-0145.fits",
        specobj={"PLATE": None, "MJD": None, "FIBERID": None, "Z": None, "ZWARNING": None},
        meta_name="SPALL",
    )
    row = load_sdss_spectra(path).frame.iloc[0]
    assert (row.plate, row.mjd, row.fiber, row.zwarning) == (266, 51630, 145, -1)
    assert np.isnan(row.z)
    assert row.instrument == "SDSS"  # plate 266 is an SDSS-legacy plate


@pytest.mark.parametrize(
    "cls, subclass, target",
    [
        ("STAR", "M1 (204445)", "M1"),
        ("STAR", "M2V", "M2"),
        ("STAR", "K0IV", "K0IV"),
        ("STAR", "M6III (148783)", "M6III"),
        ("STAR", "M0.5V", "M0.5"),
        ("STAR", "WD", "WD"),
        ("GALAXY", "STARFORMING", "GALAXY"),
        ("", "", ""),
    ],
)
def test_target_from_subclass(cls, subclass, target):
    assert _sdss._target(cls, subclass) == target


# --------------------------------------------------------------------------
# DR7 spSpec
# --------------------------------------------------------------------------


def test_dr7_spspec(tmp_path):
    err = np.full(3900, 0.5, np.float32)
    err[[400, 401]] = 0  # sigma 0: bad pixel
    mask = np.zeros(3900, np.float32)
    mask[600] = 2.0**23  # BRIGHTSKY
    path = write_spspec(tmp_path / "spSpec-51630-0266-145.fit", coeff0=3.5800, err=err, mask=mask)
    ds = load_sdss_spectra(path)
    offset = round((3.5800 - LOGLAM0) / DLOGLAM)  # -221: file pixel 221 is grid 0
    good = ds.ivar[0] > 0
    np.testing.assert_array_equal(ds.data[0][good], _flux(np.arange(N_PIXELS))[good])
    bad = np.flatnonzero(~good)
    np.testing.assert_array_equal(bad, np.array([400, 401, 600]) + offset)
    assert ds.ivar[0][good][0] == pytest.approx(4.0)  # 1 / sigma^2
    row = ds.frame.iloc[0]
    assert (row.format, row.instrument, row["class"], row.plate, row.mjd, row.fiber) == (
        "spSpec",
        "SDSS",
        "STAR",
        266,
        51630,
        145,
    )
    # DR7 carries no stellar subclass: target "" and S/N computed.
    assert row.subclass == "" and row.target == ""
    assert row.snr_source == "computed"
    native = _flux(np.arange(3900) + offset)
    good_native = (err > 0) & (mask == 0)
    assert row.snr == pytest.approx(np.median(native[good_native] / 0.5), rel=1e-6)
    assert row.coverage == 1.0 and row.z == pytest.approx(2e-4)


def test_dr7_subclass_keyword_and_negative_sigma(tmp_path):
    err = np.full(3900, 0.5, np.float32)
    err[500] = -1.0
    path = write_spspec(tmp_path / "spSpec-x.fit", err=err, header={"SUBCLASS": "M3"})
    with pytest.warns(UserWarning, match="invalid pixels"):
        ds = load_sdss_spectra(path)
    assert ds.target[0] == "M3" and ds.frame["n_invalid"][0] == 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"coeff1": 2e-4}, "not the SDSS log-linear step"),
        ({"header": {"COEFF0": None}}, "COEFF0"),
    ],
)
def test_dr7_bad_wavelength_solution(tmp_path, kwargs, match):
    path = write_spspec(tmp_path / "spSpec-bad.fit", **kwargs)
    with pytest.raises(ValueError, match=match):
        load_sdss_spectra(path)


def test_dr7_wrong_image_shape(tmp_path):
    path = tmp_path / "img.fits"
    fits.PrimaryHDU(np.zeros((2, 100), np.float32)).writeto(path)
    with pytest.raises(ValueError, match=r"img\.fits.*shape \(2, 100\)"):
        load_sdss_spectra(path)


# --------------------------------------------------------------------------
# Unreadable and foreign files
# --------------------------------------------------------------------------


@pytest.mark.parametrize("keep", [0.5, 0.95, 2880 * 3, 2880 * 4])
def test_truncated_fits(tmp_path, keep):
    path = write_spec(tmp_path / "trunc.fits")
    raw = path.read_bytes()
    path.write_bytes(raw[: int(keep * len(raw)) if keep < 1 else keep])
    with pytest.raises(ValueError, match=r"trunc\.fits: .*(truncated|corrupted)"):
        load_sdss_spectra(path)


def test_text_file_named_fits(tmp_path):
    path = tmp_path / "x.fits"
    path.write_text("plate,mjd,fiber\n266,51630,145\n")
    with pytest.raises(ValueError, match=r"x\.fits: not a FITS file"):
        load_sdss_spectra(path)


def test_fits_without_coadd(tmp_path):
    path = write_spec(tmp_path / "nocoadd.fits", coadd_name="OTHER")
    with pytest.raises(ValueError, match=r"nocoadd\.fits: no COADD table"):
        load_sdss_spectra(path)


def test_fits_without_specobj(tmp_path):
    path = write_spec(tmp_path / "nometa.fits", meta_name=None)
    with pytest.raises(ValueError, match=r"nometa\.fits: no SPECOBJ/SPALL table"):
        load_sdss_spectra(path)


@pytest.mark.parametrize("column", ["ivar", "and_mask", "loglam", "flux"])
def test_missing_columns(tmp_path, column):
    path = write_spec(tmp_path / "nocol.fits", drop=(column,))
    with pytest.raises(ValueError, match=rf"nocol\.fits: COADD table lacks column.*{column}"):
        load_sdss_spectra(path)


def test_missing_file(tmp_path, spec_file):
    with pytest.raises(FileNotFoundError, match="nope.fits"):
        load_sdss_spectra(tmp_path / "nope.fits")
    with pytest.warns(UserWarning, match="skipped 1"):
        ds = load_sdss_spectra([spec_file, tmp_path / "nope.fits"], on_error="skip")
    assert ds.errors == [(str(tmp_path / "nope.fits"), "no such file")]


def test_gzipped_file(tmp_path, spec_file):
    gz = tmp_path / "spec.fits.gz"
    gz.write_bytes(gzip.compress(spec_file.read_bytes()))
    np.testing.assert_array_equal(load_sdss_spectra(gz).data, load_sdss_spectra(spec_file).data)


# --------------------------------------------------------------------------
# Many files: directory, glob, skip, chunks
# --------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "spectra"
    d.mkdir()
    for k in range(4):
        write_spec(
            d / f"spec-4000-55500-{k:04d}.fits",
            specobj={
                "FIBERID": ("J", [k]),
                "SUBCLASS": ("21A", [f"M{k} (1)"]),
                "SN_MEDIAN_ALL": ("E", [4.0 + 4 * k]),
            },
        )
    write_spspec(d / "spSpec-51630-0266-145.fit", header={"SUBCLASS": "M4"})
    (d / "notes.txt").write_text("not a spectrum")
    return d


def test_directory_and_glob_input(folder):
    ds = load_sdss_spectra(folder)  # sorted: "spSpec-..." before "spec-..."
    assert list(ds.target) == ["M4", "M0", "M1", "M2", "M3"]
    assert list(ds.frame["format"]) == ["spSpec"] + ["spec"] * 4
    assert list(ds.frame["snr_bin"]) == [">15", "<5", "5-10", "10-15", ">15"]
    globbed = load_sdss_spectra(str(folder / "spec-*.fits"))
    assert list(globbed.target) == ["M0", "M1", "M2", "M3"]
    mixed = load_sdss_spectra([folder / "spSpec-51630-0266-145.fit", str(folder / "*-0001.fits")])
    assert list(mixed.target) == ["M4", "M1"]


def test_no_file_found(tmp_path):
    with pytest.raises(ValueError, match="no SDSS spectrum file found"):
        load_sdss_spectra(tmp_path)
    with pytest.raises(ValueError, match="no SDSS spectrum file found"):
        load_sdss_spectra(str(tmp_path / "*.fits"))


def test_on_error_skip_lists_errors(folder):
    (folder / "x.fits").write_text("not fits")
    write_spec(folder / "nocoadd.fits", coadd_name="OTHER")
    with pytest.raises(ValueError, match=r"nocoadd\.fits: no COADD"):
        load_sdss_spectra(folder)
    with pytest.warns(UserWarning, match=r"skipped 2 unreadable files.*nocoadd\.fits"):
        ds = load_sdss_spectra(folder, on_error="skip")
    assert len(ds.target) == 5
    assert [p.rsplit("/", 1)[-1] for p, _ in ds.errors] == ["nocoadd.fits", "x.fits"]
    assert "not a FITS file" in ds.errors[1][1]


def test_zero_readable_files(tmp_path):
    (tmp_path / "a.fits").write_text("junk")
    (tmp_path / "b.fits").write_text("junk")
    with pytest.raises(ValueError, match=r"none of the 2 files could be read.*a\.fits"):
        load_sdss_spectra(tmp_path, on_error="skip")


def test_iter_chunks_equal_load(folder):
    write_spec(folder / "spec-zz-broken.fits", coadd_name="OTHER")  # sorted last
    with pytest.warns(UserWarning, match="skipped 1"):
        full = load_sdss_spectra(folder, on_error="skip")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        chunks = list(iter_sdss_spectra(folder, chunk_size=2))
    assert [len(c.target) for c in chunks] == [2, 2, 1]
    np.testing.assert_array_equal(np.vstack([c.data for c in chunks]), full.data)
    np.testing.assert_array_equal(np.vstack([c.ivar for c in chunks]), full.ivar)
    np.testing.assert_array_equal(np.concatenate([c.snr for c in chunks]), full.snr)
    assert list(np.concatenate([c.target for c in chunks])) == list(full.target)
    frames = [c.frame for c in chunks]
    assert all(list(f.columns) == list(full.frame.columns) for f in frames)
    assert list(np.concatenate([f["path"] for f in frames])) == list(full.frame["path"])
    assert [e for c in chunks for e in c.errors] == full.errors
    assert chunks[-1].errors == full.errors  # reported with the chunk it fell in


def test_iter_all_unreadable_yields_errors_only(tmp_path):
    (tmp_path / "a.fits").write_text("junk")
    with pytest.warns(UserWarning, match="skipped 1"):
        (chunk,) = list(iter_sdss_spectra(tmp_path))
    assert chunk.data.shape == (0, N_PIXELS) and len(chunk.errors) == 1
    with pytest.raises(ValueError, match=r"a\.fits: not a FITS file"):
        list(iter_sdss_spectra(tmp_path, on_error="raise"))


@pytest.mark.parametrize("kwargs", [{"chunk_size": 0}, {"chunk_size": 2.5}, {"on_error": "ignore"}])
def test_iter_parameter_validation(spec_file, kwargs):
    with pytest.raises(ValueError, match="chunk_size|on_error"):
        iter_sdss_spectra(spec_file, **kwargs)


def test_load_parameter_validation(spec_file):
    with pytest.raises(ValueError, match="on_error"):
        load_sdss_spectra(spec_file, on_error="warn")
    with pytest.raises(TypeError, match="paths"):
        load_sdss_spectra(42)


# --------------------------------------------------------------------------
# Rest frame
# --------------------------------------------------------------------------


def test_rest_frame_integer_and_half_pixel_shift(tmp_path):
    two = 10 ** (2 * DLOGLAM) - 1  # exactly two pixels redward
    path = write_spec(tmp_path / "z2.fits", specobj={"Z": ("D", [two])})
    ds = load_sdss_spectra(path, rest_frame=True)
    np.testing.assert_allclose(ds.data[0], _flux(np.arange(N_PIXELS) + 2), rtol=1e-5)
    np.testing.assert_allclose(ds.ivar[0], 4.0, rtol=1e-4)

    half = 10 ** (0.5 * DLOGLAM) - 1
    path = write_spec(tmp_path / "zhalf.fits", specobj={"Z": ("D", [half])})
    ds = load_sdss_spectra(path, rest_frame=True)
    mid = 0.5 * (_flux(np.arange(N_PIXELS)) + _flux(np.arange(N_PIXELS) + 1))
    np.testing.assert_allclose(ds.data[0], mid, rtol=1e-5)
    # Averaging two pixels of ivar 4 halves the variance.
    np.testing.assert_allclose(ds.ivar[0], 8.0, rtol=1e-4)
    observed = load_sdss_spectra(path)
    assert not np.allclose(observed.data, ds.data)


def test_rest_frame_needs_a_redshift(tmp_path):
    path = write_spec(tmp_path / "noz.fits", specobj={"Z": None})
    with pytest.raises(ValueError, match="needs a redshift"):
        load_sdss_spectra(path, rest_frame=True)
