"""The survey path (issue 14) writes what the astropy path writes.

The fast reader (``_sdss._read_spec_fast``: the first three HDUs, one
``numpy.frombuffer`` per table, an integer offset onto the grid) is checked
against the astropy reader it replaces, file by file and then as the rows of
``skspec predict``; files it does not take must reach astropy and fail or
read exactly as before. The vectorised helpers of the per-chunk path are
checked against the numpy calls they replace.
"""

import gzip
import io
import warnings

import numpy as np
import pandas as pd
import pytest
from _spec_files import flux_at, write_spec
from astropy.io import fits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skspec._predict import write_predictions
from skspec.datasets import _fits, _sdss, make_mdwarf_spectra, read_sdss_spectrum
from skspec.preprocessing._scope import _typical_variance
from skspec.utils import DLOGLAM, LOGLAM0, interpolate_bad_pixels


def _no_fast_path(*args, **kwargs):
    raise _fits.Unsupported


def _assert_native_equal(fast, slow):
    for a, b in zip(fast[:4], slow[:4]):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    assert fast[4] == slow[4]
    for key, value in slow[4].items():
        assert type(fast[4][key]) is type(value), key


def _read_both(path, monkeypatch, **kwargs):
    """read_sdss_spectrum with the fast reader, then with astropy only."""
    fast = read_sdss_spectrum(path, **kwargs)
    with monkeypatch.context() as m:
        m.setattr(_sdss, "_read_spec_fast", _no_fast_path)
        slow = read_sdss_spectrum(path, **kwargs)
    return fast, slow


def _assert_spectra_equal(fast, slow):
    for name in ("flux", "ivar"):
        assert fast[name].dtype == slow[name].dtype
        np.testing.assert_array_equal(fast[name], slow[name])
    assert fast.meta == slow.meta


# --------------------------------------------------------------------------
# Every shared SDSS file
# --------------------------------------------------------------------------


def test_fast_reader_equals_astropy_on_shared_files(sdss_dir, monkeypatch):
    files = sorted(sdss_dir.glob("*.fits"))
    assert len(files) == 9
    for path in files:
        _assert_native_equal(_sdss._read_spec_fast(path), _sdss._read_native_astropy(path))
        fast, slow = _read_both(path, monkeypatch)
        _assert_spectra_equal(fast, slow)


@pytest.fixture(scope="module")
def small_model():
    ds = make_mdwarf_spectra(100, random_state=0)
    return make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=1000)).fit(
        ds.data, ds.target
    )


def _predict_csv(model, files, monkeypatch, fast):
    fh = io.StringIO()
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(_sdss, "_read_spec_fast", _no_fast_path)
        n, errors = write_predictions(model, files, fh, chunk_size=4)
    fh.seek(0)
    return pd.read_csv(fh, keep_default_na=False), n, errors


def _assert_rows_equal(fast, slow):
    assert list(fast.columns) == list(slow.columns)
    for column in slow.columns:
        assert fast[column].dtype == slow[column].dtype, column
        if column == "probability" or column.startswith("prob_"):
            # Same probabilities to float32 precision (in fact the same bits).
            np.testing.assert_allclose(fast[column], slow[column], rtol=2**-23, atol=0)
        else:
            assert fast[column].tolist() == slow[column].tolist(), column


def test_predict_rows_equal_astropy_on_shared_files(sdss_dir, small_model, monkeypatch):
    files = sorted(sdss_dir.glob("*.fits"))
    fast, n_fast, err_fast = _predict_csv(small_model, files, monkeypatch, fast=True)
    slow, n_slow, err_slow = _predict_csv(small_model, files, monkeypatch, fast=False)
    assert n_fast == n_slow == 9 and err_fast == err_slow == []
    _assert_rows_equal(fast, slow)


# --------------------------------------------------------------------------
# Synthetic SDSS-legacy, BOSS and spec-lite files
# --------------------------------------------------------------------------


def _add_exposures(path, n_exposures=4, n=2048):
    """Turn a spec-lite-like file into a full one: SPZLINE and per-exposure HDUs."""
    with fits.open(path, mode="append") as hdul:
        hdul.append(
            fits.BinTableHDU.from_columns(
                [fits.Column(name="LINENAME", format="13A", array=["H_alpha"] * 3)],
                name="SPZLINE",
            )
        )
        for k in range(n_exposures):
            hdul.append(
                fits.BinTableHDU.from_columns(
                    [
                        fits.Column(name="flux", format="E", array=np.ones(n, np.float32)),
                        fits.Column(name="loglam", format="E", array=np.ones(n, np.float32)),
                    ],
                    name=f"B1-0000{k}-00000",
                )
            )
    return path


def _survey_files(tmp_path):
    mask = np.zeros(3840, np.int32)
    mask[[900, 901, 2000]] = [1 << 23, 1 << 18, 1 << 16]
    ivar = np.full(3840, 4.0, np.float32)
    ivar[[300, 1500]] = [0.0, -1.0]
    legacy = {
        "PLATE": ("J", [618]),
        "MJD": ("J", [52049]),
        "FIBERID": ("J", [372]),
        "RUN2D": ("2A", ["26"]),
        "INSTRUMENT": ("4A", ["SDSS"]),
        "SPECOBJID": ("22A", ["695908431386667008"]),
        "PLUG_RA": ("D", [236.97794]),
        "PLUG_DEC": ("D", [52.815963]),
    }
    boss = {
        "PLATE": ("J", [5047]),
        "MJD": ("J", [55833]),
        "FIBERID": ("J", [936]),
        "RUN2D": ("6A", ["v5_7_0"]),
        "SPECOBJID": ("K", [5682920516318576640]),
        "SN_MEDIAN_ALL": ("E", [4.5]),
    }
    files = {
        "legacy": write_spec(
            tmp_path / "spec-0618-52049-0372.fits",
            start=-120,
            n=3840,
            and_mask=mask,
            ivar=ivar,
            specobj=legacy,
        ),
        "boss": write_spec(
            tmp_path / "spec-5047-55833-0936.fits",
            start=-400,
            n=4600,
            specobj=boss,
            meta_name="SPALL",
        ),
        "lite-partial": write_spec(
            tmp_path / "spec-0266-51630-0145.fits",
            start=300,
            n=3000,
            specobj={"PLATE": ("J", [266]), "SN_MEDIAN_ALL": None},
        ),
        "lite-k7": write_spec(
            tmp_path / "spec-4000-55500-0003.fits",
            specobj={"SUBCLASS": ("21A", ["K7V (1)"]), "Z": None, "CLASS": ("6A", ["star"])},
        ),
    }
    files["legacy-full"] = _add_exposures(
        write_spec(tmp_path / "full-legacy.fits", start=-120, n=3840, specobj=legacy)
    )
    files["boss-full"] = _add_exposures(
        write_spec(tmp_path / "full-boss.fits", start=-400, n=4600, specobj=boss)
    )
    return files


def test_fast_reader_takes_legacy_boss_and_lite_files(tmp_path, monkeypatch):
    files = _survey_files(tmp_path)
    for name, path in files.items():
        native = _sdss._read_spec_fast(path)  # does not fall back: Unsupported would raise
        _assert_native_equal(native, _sdss._read_native_astropy(path))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            fast, slow = _read_both(path, monkeypatch)
        _assert_spectra_equal(fast, slow)
    legacy = read_sdss_spectrum(files["legacy"])
    assert legacy.meta["instrument"] == "SDSS" and legacy.meta["n_invalid"] == 1
    assert read_sdss_spectrum(files["boss"]).meta["specobjid"] == "5682920516318576640"
    assert read_sdss_spectrum(files["boss-full"]).meta["instrument"] == "BOSS"


def test_fast_reader_reads_only_the_leading_hdus(tmp_path):
    path = _add_exposures(write_spec(tmp_path / "spec-4000-55500-0017.fits"), n=50000)
    hdus = _fits.read_leading_hdus(path, 3)
    assert [_fits.table_layout(h).extname for h in hdus[1:]] == ["COADD", "SPECOBJ"]
    # The exposures (over 80% of this file) are after the last byte read.
    end = len(hdus[2].data.obj)
    assert end < 0.2 * path.stat().st_size


def test_predict_rows_equal_astropy_on_synthetic_files(tmp_path, small_model, monkeypatch):
    files = list(_survey_files(tmp_path).values())
    fast, n_fast, _ = _predict_csv(small_model, files, monkeypatch, fast=True)
    slow, n_slow, _ = _predict_csv(small_model, files, monkeypatch, fast=False)
    assert n_fast == n_slow == len(files)
    _assert_rows_equal(fast, slow)
    assert "partial_coverage" in fast["flags"].iloc[2]


def test_grid_that_is_not_consecutive_falls_back_to_index_mapping(tmp_path, monkeypatch):
    # A file with a gap: pixels still on the grid, mapped one by one.
    index = np.r_[np.arange(-50, 1000), np.arange(1200, 3700)]
    path = write_spec(
        tmp_path / "gap.fits",
        n=index.size,
        loglam=(LOGLAM0 + DLOGLAM * index).astype(np.float32),
        flux=flux_at(index),
    )
    assert _sdss._grid_start(_sdss._read_spec_fast(path)[0]) is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fast, slow = _read_both(path, monkeypatch)
    _assert_spectra_equal(fast, slow)
    assert fast.meta["n_bad_pixels"] == 200 and np.isnan(fast.flux[1000:1200]).all()


def _error(path, monkeypatch, fast):
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(_sdss, "_read_spec_fast", _no_fast_path)
        with pytest.raises((ValueError, FileNotFoundError)) as info:
            read_sdss_spectrum(path)
    return type(info.value), str(info.value)


def _broken_files(tmp_path):
    good = write_spec(tmp_path / "good.fits")
    raw = good.read_bytes()
    files = {}
    for keep in (0.5, 2880 * 3, 2880 * 4, len(raw) - 2880):
        files[f"trunc-{keep}"] = tmp_path / f"trunc-{keep}.fits"
        files[f"trunc-{keep}"].write_bytes(raw[: int(keep * len(raw)) if keep < 1 else keep])
    files["text"] = tmp_path / "text.fits"
    files["text"].write_text("plate,mjd,fiber\n266,51630,145\n")
    files["no-coadd"] = write_spec(tmp_path / "nocoadd.fits", coadd_name="OTHER")
    files["no-specobj"] = write_spec(tmp_path / "nometa.fits", meta_name=None)
    files["no-ivar"] = write_spec(tmp_path / "noivar.fits", drop=("ivar",))
    files["off-grid"] = write_spec(
        tmp_path / "offgrid.fits",
        loglam=(LOGLAM0 + DLOGLAM * (np.arange(3840) - 200.4)).astype(np.float32),
    )
    files["no-overlap"] = write_spec(tmp_path / "nooverlap.fits", start=4000, n=500)
    files["missing"] = tmp_path / "missing.fits"
    return files


def test_unreadable_files_fail_as_before(tmp_path, monkeypatch):
    for name, path in _broken_files(tmp_path).items():
        assert _error(path, monkeypatch, fast=True) == _error(path, monkeypatch, fast=False), name


def test_gzipped_file_reads_as_before(tmp_path, monkeypatch):
    path = write_spec(tmp_path / "spec-4000-55500-0017.fits")
    gz = tmp_path / "spec-4000-55500-0017.fits.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    fast, slow = _read_both(gz, monkeypatch)
    _assert_spectra_equal(fast, slow)


# --------------------------------------------------------------------------
# The vectorised per-chunk helpers against the numpy calls they replace
# --------------------------------------------------------------------------


def _interp_reference(flux, bad):
    """np.interp per spectrum, edges held at the nearest good value, all-bad rows 0."""
    bad = bad | ~np.isfinite(flux)
    out = flux.copy()
    x = np.arange(flux.shape[1])
    for k in range(len(flux)):
        good = ~bad[k]
        if not good.any():
            out[k] = 0
        elif bad[k].any():
            out[k, bad[k]] = np.interp(x[bad[k]], x[good], flux[k, good].astype(float))
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_interpolate_bad_pixels_equals_np_interp(dtype):
    rng = np.random.default_rng(0)
    for _ in range(50):
        n, m = rng.integers(1, 12), rng.integers(1, 120)
        flux = (rng.normal(size=(n, m)) * 10.0 ** rng.uniform(-5, 5)).astype(dtype)
        bad = rng.random((n, m)) < rng.uniform(0, 1)
        flux[rng.random((n, m)) < 0.05] = np.nan
        bad[0] = rng.random() < 0.3 or bad[0]
        got = interpolate_bad_pixels(flux, bad)
        assert got.dtype == flux.dtype
        np.testing.assert_array_equal(got, _interp_reference(flux, bad))


def test_typical_variance_equals_nanmedian():
    rng = np.random.default_rng(1)
    ivar = rng.uniform(0.5, 2.0, size=(6, 300))
    good = rng.random(ivar.shape) > 0.1
    good[1] = True  # no bad pixel: not needed
    good[2] = False  # no good pixel: inf
    ivar[~good] = 0
    in_windows = np.r_[10:40, 200:260]
    typical = _typical_variance(ivar, good, in_windows)
    with warnings.catch_warnings(), np.errstate(divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        reference = np.nanmedian(np.where(good, 1 / ivar, np.nan), axis=1)
    for row in (0, 3, 4, 5):
        assert typical[row, 0] == reference[row]
    assert typical[1, 0] == 0 and typical[2, 0] == np.inf
