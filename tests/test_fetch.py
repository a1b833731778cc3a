"""fetch_sdss_mdwarfs against a local stand-in for the SDSS archive (no internet).

astroquery reads the archive's addresses from ``astroquery.sdss.conf``; the
tests point them at :class:`FakeSDSS` (``tests/_sdss_server.py``), an HTTP
server on 127.0.0.1 that answers the SQL search from the SPECOBJ rows of the
real spectra in ``../shared/data/pyhammer_sdss_spec`` and serves those files
under the SAS layout. Four of them match the default selection: three M1 with
S/N > 15 (0618-52049-0372, 1079-52621-0509, 5047-55833-0936) and one M4 with
S/N 10.2 (1123-52882-0065).

The test against the real archive is marked ``network`` and deselected by
default; run it with ``pytest -m network tests/test_fetch.py``.
"""

import contextlib
import importlib.util
import os
import shutil
import sys
import warnings

import numpy as np
import pytest
from _sdss_server import FakeSDSS

from skspec.datasets import (
    _download,
    _fetch,
    fetch_sdss_mdwarfs,
    get_data_home,
    load_sdss_spectra,
)

M1_HIGH = ["spec-0618-52049-0372.fits", "spec-1079-52621-0509.fits", "spec-5047-55833-0936.fits"]
M4_MID = ["spec-1123-52882-0065.fits"]
SELECTED = sorted(M1_HIGH + M4_MID)
N_CELLS = 15  # 5 subtypes x 3 S/N bins: one SQL query each
FAST = {"backoff": 0.0, "timeout": 10.0}
# The four cells holding the four stars: 4 queries instead of 15, same files.
SMALL = {"subtypes": ("M1", "M4"), "snr_bins": ((10, 15), (15, None)), **FAST}


@pytest.fixture(scope="module")
def _server(sdss_dir):
    pytest.importorskip("astroquery")
    fake = FakeSDSS(sorted(sdss_dir.glob("spec-*.fits"))).start()
    yield fake
    fake.stop()


@contextlib.contextmanager
def pointing_at(server):
    """astroquery's configuration pointing at ``server``; no proxy for it."""
    from astroquery.sdss import conf

    with (
        pytest.MonkeyPatch.context() as mp,
        conf.set_temp("skyserver_baseurl", server.url),
        conf.set_temp("sas_baseurl", server.url + "/sas"),
    ):
        # fsync makes the cache durable, not correct; ~7 ms a file is most of a test
        mp.setattr(os, "fsync", lambda fd: None)
        mp.setenv("NO_PROXY", "127.0.0.1,localhost")
        mp.setenv("no_proxy", "127.0.0.1,localhost")
        yield server


@pytest.fixture
def fake_sdss(_server):
    """The fake archive, reset, with astroquery's configuration pointing at it."""
    _server.reset()
    with pointing_at(_server):
        yield _server
    _server.reset()


@pytest.fixture(scope="module")
def _filled_cache(_server, tmp_path_factory):
    home = tmp_path_factory.mktemp("filled")
    with pointing_at(_server):
        fetch_sdss_mdwarfs(data_home=home, **FAST)
    _server.reset()
    return home


@pytest.fixture
def filled_home(_filled_cache, tmp_path):
    """A data home holding a complete default fetch (a private copy)."""
    home = tmp_path / "home"
    shutil.copytree(_filled_cache, home)
    return home


def spectra_dir(home, dr=14):
    return home / f"sdss_dr{dr}" / "spectra"


def names(dataset):
    return sorted(p.rsplit("/", 1)[-1] for p in dataset.frame["path"])


def block_network_modules(monkeypatch):
    """Make ``import astroquery`` and ``import requests`` fail from here on."""
    for mod in [
        m
        for m in sys.modules
        if m in ("astroquery", "requests") or m.startswith(("astroquery.", "requests."))
    ]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setitem(sys.modules, "astroquery", None)
    monkeypatch.setitem(sys.modules, "requests", None)


# --------------------------------------------------------------------------
# A fresh download, then a cached rerun
# --------------------------------------------------------------------------


def test_fresh_download(fake_sdss, tmp_path, sdss_dir):
    ds = fetch_sdss_mdwarfs(data_home=tmp_path, **FAST)

    assert names(ds) == SELECTED
    assert ds.errors == []
    assert ds.data.shape == (4, 3522) and ds.ivar.shape == (4, 3522)
    assert sorted(ds.target) == ["M1", "M1", "M1", "M4"]
    # one SQL request per cell, each file requested once
    assert fake_sdss.sql_requests() == N_CELLS
    assert fake_sdss.spectrum_requests() == dict.fromkeys(SELECTED, 1)
    # the same spectra as reading the originals directly
    ref = load_sdss_spectra([sdss_dir / n for n in names(ds)])
    order = np.argsort([p.rsplit("/", 1)[-1] for p in ds.frame["path"]])
    np.testing.assert_array_equal(ds.data[order], ref.data)
    np.testing.assert_array_equal(ds.ivar[order], ref.ivar)
    # the selection is recorded
    frame = ds.frame.set_index(ds.frame["path"].str.rsplit("/", n=1).str[-1])
    assert frame.loc["spec-1123-52882-0065.fits", "selection_subtype"] == "M4"
    assert frame.loc["spec-1123-52882-0065.fits", "selection_snr_bin"] == "10-15"
    assert set(frame.loc[M1_HIGH, "selection_snr_bin"]) == {">15"}
    assert frame.loc["spec-5047-55833-0936.fits", "run2d"] == "v5_7_0"
    assert frame.loc["spec-0618-52049-0372.fits", "run2d"] == "26"
    # Text, as the reader gives it: DR13+ ids exceed int64.
    assert frame.loc["spec-0618-52049-0372.fits", "specobjid"] == "695908431386667008"
    np.testing.assert_allclose(frame["sn_median_all"], frame["snr"], rtol=1e-6)
    assert frame.loc["spec-0618-52049-0372.fits", "url"].endswith(
        "/sas/dr14/sdss/spectro/redux/26/spectra/0618/spec-0618-52049-0372.fits"
    )
    assert "Data release: 14" in ds.DESCR
    assert ds.DESCR.count("SELECT TOP 100") == N_CELLS
    assert "s.subClass LIKE 'M3%'" in ds.DESCR
    # cache layout: final files with their SHA-256, no temporary leftovers
    files = sorted(p.name for p in spectra_dir(tmp_path).iterdir())
    assert files == sorted(SELECTED + [n + ".sha256" for n in SELECTED])
    assert len(list((tmp_path / "sdss_dr14" / "queries").glob("*.csv"))) == N_CELLS


def test_cached_rerun_makes_no_request(fake_sdss, filled_home, sdss_dir, monkeypatch):
    # no network needed, not even the packages that reach it
    block_network_modules(monkeypatch)
    again = fetch_sdss_mdwarfs(data_home=filled_home, **FAST)
    assert fake_sdss.n_requests == 0
    assert names(again) == SELECTED
    ref = load_sdss_spectra(list(again.frame["path"]))
    np.testing.assert_array_equal(again.data, ref.data)
    assert "4 from the cache, 0 downloaded" in again.DESCR
    assert again.frame["selection_snr_bin"].notna().all()


def test_damaged_query_cache_is_queried_again(fake_sdss, filled_home):
    answers = sorted((filled_home / "sdss_dr14" / "queries").glob("*.csv"))
    answers[0].write_text("garbage\n")
    ds = fetch_sdss_mdwarfs(data_home=filled_home, **FAST)
    assert fake_sdss.sql_requests() == 1 and fake_sdss.spectrum_requests() == {}
    assert names(ds) == SELECTED


def test_data_home_from_environment(fake_sdss, tmp_path, monkeypatch):
    monkeypatch.setenv("SKSPEC_DATA", str(tmp_path / "env_home"))
    ds = fetch_sdss_mdwarfs(subtypes=("M4",), **FAST)
    assert len(ds.data) == 1
    assert (spectra_dir(tmp_path / "env_home") / M4_MID[0]).is_file()


# --------------------------------------------------------------------------
# Interrupted, corrupted, failing
# --------------------------------------------------------------------------


def test_interrupted_download_is_resumed(fake_sdss, tmp_path, monkeypatch):
    real_verify = _fetch._verify_fits
    calls = []

    def verify_then_interrupt(path, ids=None):
        calls.append(path)
        if len(calls) == 3:  # Ctrl-C while the third file is being finished
            raise KeyboardInterrupt
        return real_verify(path, ids)

    monkeypatch.setattr(_fetch, "_verify_fits", verify_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        fetch_sdss_mdwarfs(data_home=tmp_path, n_jobs=1, **SMALL)
    monkeypatch.setattr(_fetch, "_verify_fits", real_verify)

    # two complete files; the third's temporary file is gone, nothing half-written
    present = sorted(p.name for p in spectra_dir(tmp_path).glob("*.fits"))
    assert len(present) == 2
    assert sorted(p.name for p in spectra_dir(tmp_path).iterdir()) == sorted(
        present + [n + ".sha256" for n in present]
    )
    # a temporary file left by a killed process is ignored
    (spectra_dir(tmp_path) / ".spec-9999-55555-0001.abc123.fits").write_bytes(b"partial")

    fake_sdss.reset()
    ds = fetch_sdss_mdwarfs(data_home=tmp_path, **SMALL)
    assert names(ds) == SELECTED
    assert fake_sdss.sql_requests() == 0  # the answers were cached
    missing = sorted(set(SELECTED) - set(present))
    assert fake_sdss.spectrum_requests() == dict.fromkeys(missing, 1)


def test_corrupted_cached_files_are_refetched(fake_sdss, filled_home, sdss_dir):
    folder = spectra_dir(filled_home)
    # one flipped data byte in a file with its recorded SHA-256
    flipped = folder / "spec-0618-52049-0372.fits"
    raw = bytearray(flipped.read_bytes())
    raw[len(raw) // 3] ^= 0xFF
    flipped.write_bytes(bytes(raw))
    # a truncated file without a recorded SHA-256: caught by the FITS checks
    truncated = folder / "spec-1123-52882-0065.fits"
    truncated.write_bytes(truncated.read_bytes()[:250_000])
    (folder / (truncated.name + ".sha256")).unlink()
    # an intact file that lost its SHA-256 is verified, kept and re-recorded
    intact = folder / "spec-1079-52621-0509.fits"
    (folder / (intact.name + ".sha256")).unlink()

    again = fetch_sdss_mdwarfs(data_home=filled_home, **FAST)
    assert fake_sdss.spectrum_requests() == {flipped.name: 1, truncated.name: 1}
    assert fake_sdss.sql_requests() == 0
    ref = load_sdss_spectra([sdss_dir / n for n in names(again)])
    np.testing.assert_array_equal(again.data[np.argsort(again.frame["path"])], ref.data)
    assert (folder / (intact.name + ".sha256")).is_file()
    assert "2 downloaded (2 of them replacing a corrupt cached file)" in again.DESCR


def test_verification_uses_fits_checksum_when_present(sdss_dir, tmp_path):
    from astropy.io import fits

    src = sdss_dir / "spec-1123-52882-0065.fits"
    ids = (1123, 52882, 65)
    with fits.open(src) as hdul:
        hdul.writeto(tmp_path / "with.fits", checksum=True)
        offset = hdul.fileinfo(1)["datLoc"] + 5000  # inside the COADD data
    for name, source in (("with.fits", tmp_path / "with.fits"), ("without.fits", src)):
        raw = bytearray(source.read_bytes())
        raw[offset] ^= 0x01
        (tmp_path / ("bad_" + name)).write_bytes(bytes(raw))
    _fetch._verify_fits(tmp_path / "with.fits", ids)
    with pytest.raises(_fetch._BadFile, match="verification failed"):
        _fetch._verify_fits(tmp_path / "bad_with.fits", ids)
    # without CHECKSUM keywords a flipped data byte is structurally invisible:
    # that is what the recorded SHA-256 of each download is for
    _fetch._verify_fits(tmp_path / "bad_without.fits", ids)
    with pytest.raises(_fetch._BadFile, match="expected"):
        _fetch._verify_fits(src, (1123, 52882, 66))
    (tmp_path / "junk.fits").write_bytes(b"<html>Service Unavailable</html>")
    with pytest.raises(_fetch._BadFile, match="not a whole number of FITS blocks"):
        _fetch._verify_fits(tmp_path / "junk.fits")
    (tmp_path / "junk.fits").write_bytes(b"<html>Service Unavailable</html>".ljust(2880))
    with pytest.raises(_fetch._BadFile, match="not a FITS file"):
        _fetch._verify_fits(tmp_path / "junk.fits")
    # cut on a block boundary: inside a header, then inside the data
    raw = src.read_bytes()
    for cut, match in (
        (2880 * 2, "inside the header of HDU 0"),
        (2880 * 10, "truncated: HDU 1 ends at byte"),
    ):
        (tmp_path / "cut.fits").write_bytes(raw[:cut])
        with pytest.raises(_fetch._BadFile, match=match):
            _fetch._verify_fits(tmp_path / "cut.fits")


def test_transient_failures_are_retried_with_backoff(fake_sdss, tmp_path, monkeypatch):
    sleeps = []
    monkeypatch.setattr(_download, "_sleep", sleeps.append)
    fake_sdss.fail("spec-0618-52049-0372", 3, "500")
    fake_sdss.fail("spec-1079-52621-0509", 1, "drop")
    fake_sdss.fail("spec-5047-55833-0936", 1, "truncate")
    fake_sdss.fail("x_results.aspx", 2, "500")  # the SQL service too
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        ds = fetch_sdss_mdwarfs(
            data_home=tmp_path,
            subtypes=SMALL["subtypes"],
            snr_bins=SMALL["snr_bins"],
            n_retries=3,
            backoff=0.25,
            timeout=10,
            n_jobs=1,
        )
    assert names(ds) == SELECTED and ds.errors == []
    assert fake_sdss.spectrum_requests() == {
        "spec-0618-52049-0372.fits": 4,
        "spec-1079-52621-0509.fits": 2,
        "spec-5047-55833-0936.fits": 2,
        "spec-1123-52882-0065.fits": 1,
    }
    # exponential: 0.25, 0.5, 1 for the file failing three times, 0.25 for the others
    assert sorted(sleeps) == sorted([0.25, 0.5] + [0.25, 0.5, 1.0] + [0.25, 0.25])
    assert fake_sdss.sql_requests() == 4 + 2
    # the truncated body never reached the cache: the cached file is complete
    ref = load_sdss_spectra([spectra_dir(tmp_path) / "spec-5047-55833-0936.fits"])
    assert ref.data.shape == (1, 3522)


def test_permanent_failures_are_reported_and_others_returned(fake_sdss, tmp_path):
    fake_sdss.fail("spec-0618-52049-0372", 100, "500")
    fake_sdss.fail("spec-1123-52882-0065", 100, "404")
    with pytest.warns(RuntimeWarning, match="2 of 4 SDSS spectra could not be downloaded"):
        ds = fetch_sdss_mdwarfs(data_home=tmp_path, n_retries=2, **SMALL)
    assert names(ds) == ["spec-1079-52621-0509.fits", "spec-5047-55833-0936.fits"]
    failed = dict(ds.errors)
    assert len(failed) == 2
    url_500 = next(u for u in failed if u.endswith("spec-0618-52049-0372.fits"))
    url_404 = next(u for u in failed if u.endswith("spec-1123-52882-0065.fits"))
    assert "HTTP 500" in failed[url_500] and "3 attempt(s)" in failed[url_500]
    assert "HTTP 404" in failed[url_404] and "1 attempt(s)" in failed[url_404]
    # 500 retried twice, 404 not retried
    requests = fake_sdss.spectrum_requests()
    assert requests["spec-0618-52049-0372.fits"] == 3
    assert requests["spec-1123-52882-0065.fits"] == 1
    assert not (spectra_dir(tmp_path) / "spec-0618-52049-0372.fits").exists()

    # once the archive is back, a rerun fetches only the two missing files
    fake_sdss.reset()
    ds = fetch_sdss_mdwarfs(data_home=tmp_path, **SMALL)
    assert names(ds) == SELECTED and ds.errors == []
    assert fake_sdss.spectrum_requests() == {
        "spec-0618-52049-0372.fits": 1,
        "spec-1123-52882-0065.fits": 1,
    }


def test_failing_query_raises_and_caches_nothing(fake_sdss, tmp_path):
    fake_sdss.fail("x_results.aspx", 100, "500")
    with pytest.raises(ConnectionError, match="query failed after 2 attempt"):
        fetch_sdss_mdwarfs(data_home=tmp_path, n_retries=1, **SMALL)
    assert fake_sdss.sql_requests() == 2
    assert not list((tmp_path / "sdss_dr14" / "queries").glob("*.csv"))


def test_nothing_downloadable_raises(fake_sdss, tmp_path):
    fake_sdss.fail(".fits", 1000, "404")
    with pytest.warns(RuntimeWarning), pytest.raises(ConnectionError, match="none of the 4"):
        fetch_sdss_mdwarfs(data_home=tmp_path, **SMALL)


# --------------------------------------------------------------------------
# Cache only, selection, parameters
# --------------------------------------------------------------------------


def test_cache_only_with_empty_cache_is_a_clear_error(fake_sdss, tmp_path):
    with pytest.raises(FileNotFoundError, match="download_if_missing=False"):
        fetch_sdss_mdwarfs(data_home=tmp_path, download_if_missing=False)
    assert fake_sdss.n_requests == 0


def test_cache_only_with_a_missing_spectrum(fake_sdss, filled_home):
    (spectra_dir(filled_home) / M4_MID[0]).unlink()
    with pytest.raises(FileNotFoundError, match="1 of 4 selected spectra are not cached"):
        fetch_sdss_mdwarfs(data_home=filled_home, download_if_missing=False)
    assert fake_sdss.n_requests == 0


def test_selection_is_deterministic(fake_sdss, tmp_path):
    fetch_sdss_mdwarfs(subtypes=("M1",), n_per_class_and_bin=2, data_home=tmp_path, **FAST)
    assert fake_sdss.sql_requests() == 3
    fake_sdss.reset()
    # the same call reuses the cached answers: same SQL text
    ds = fetch_sdss_mdwarfs(subtypes=("M1",), n_per_class_and_bin=2, data_home=tmp_path, **FAST)
    assert fake_sdss.n_requests == 0
    assert len(ds.data) == 2  # TOP 2 of the three M1 stars with S/N > 15
    # another random_state is another (SQL) selection
    fetch_sdss_mdwarfs(
        subtypes=("M1",), n_per_class_and_bin=2, data_home=tmp_path, random_state=1, **FAST
    )
    assert fake_sdss.sql_requests() == 3

    sql = _fetch._selection_sql("M2", 10.0, 15.0, 7, 3, 5)
    assert sql == _fetch._selection_sql("M2", 10.0, 15.0, 7, 3, 5)
    assert sql.startswith("SELECT TOP 7 ")
    for part in (
        "FROM SpecObj AS s",
        "s.class = 'STAR'",
        "s.subClass LIKE 'M2%'",
        "s.snMedian >= 10 AND s.snMedian < 15",
        "s.snMedian AS sn_median_all",
        "s.subClass NOT LIKE '%III%'",
        "* 3 + CAST(s.mjd AS BIGINT) * 5) % 2147483647",
    ):
        assert part in sql
    assert "<" not in _fetch._selection_sql("M2", 15.0, None, 7, 3, 5)


def test_missing_astroquery_is_a_clear_import_error(tmp_path, monkeypatch):
    block_network_modules(monkeypatch)
    with pytest.raises(ImportError, match=r"pip install skspec\[fetch\]"):
        fetch_sdss_mdwarfs(data_home=tmp_path)


@pytest.mark.parametrize("original", [_fetch, _download], ids=["_fetch", "_download"])
def test_module_imports_without_astroquery(monkeypatch, original):
    block_network_modules(monkeypatch)
    spec = importlib.util.spec_from_file_location(original.__name__ + "_copy", original.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # would raise if it imported them at load time
    assert callable(getattr(module, "fetch_sdss_mdwarfs", None) or module.Downloader)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"subtypes": ("M0", "m1")}, "subtypes"),
        ({"subtypes": ("M0'; DROP TABLE x --",)}, "subtypes"),
        ({"subtypes": ()}, "subtypes"),
        ({"subtypes": ("M1", "M1")}, "duplicates"),
        ({"snr_bins": ((10, 5),)}, "low < high"),
        ({"snr_bins": ((5, 10), (8, None))}, "overlap"),
        ({"snr_bins": ((5, None), (10, 15))}, "overlap"),
        ({"snr_bins": (5, 10)}, "pairs"),
        ({"snr_bins": ()}, "empty"),
        ({"n_per_class_and_bin": 0}, "n_per_class_and_bin"),
        ({"n_per_class_and_bin": 2.5}, "n_per_class_and_bin"),
        ({"data_release": 7}, "data_release"),
        ({"n_retries": -1}, "n_retries"),
        ({"backoff": -1.0}, "backoff"),
        ({"n_jobs": 0}, "n_jobs"),
    ],
)
def test_invalid_parameters(kwargs, match, tmp_path):
    with pytest.raises(ValueError, match=match):
        fetch_sdss_mdwarfs(data_home=tmp_path, **kwargs)


def test_get_data_home(tmp_path, monkeypatch):
    monkeypatch.delenv("SKSPEC_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_data_home() == tmp_path / "skspec_data"
    assert (tmp_path / "skspec_data").is_dir()
    monkeypatch.setenv("SKSPEC_DATA", str(tmp_path / "from_env"))
    assert get_data_home() == tmp_path / "from_env"
    assert get_data_home(tmp_path / "explicit") == tmp_path / "explicit"
    assert get_data_home("~/tilde") == tmp_path / "tilde"


# --------------------------------------------------------------------------
# The real archive (deselected by default: pytest -m network)
# --------------------------------------------------------------------------


@pytest.mark.network
def test_real_sdss_archive(tmp_path):
    pytest.importorskip("astroquery")
    ds = fetch_sdss_mdwarfs(
        subtypes=("M2",),
        snr_bins=((15, None),),
        n_per_class_and_bin=2,
        data_home=tmp_path,
        n_retries=2,
    )
    assert ds.errors == []
    assert ds.data.shape == (2, 3522)
    assert list(ds.target) == ["M2", "M2"]
    assert (ds.frame["sn_median_all"] >= 15).all()
    again = fetch_sdss_mdwarfs(
        subtypes=("M2",),
        snr_bins=((15, None),),
        n_per_class_and_bin=2,
        data_home=tmp_path,
        download_if_missing=False,
    )
    np.testing.assert_array_equal(again.data, ds.data)


def test_reproduce_data_sdss_dr14_uses_fetch(monkeypatch):
    """`skspec reproduce --data sdss-dr14` routes to fetch_sdss_mdwarfs."""
    import numpy as np
    import pandas as pd
    from sklearn.utils import Bunch

    from skspec import datasets
    from skspec.experiments._runner import load_experiment_data

    calls = {}

    def fake_fetch(**kwargs):
        calls.update(kwargs)
        n = 6
        return Bunch(
            data=np.ones((n, 3522), np.float32),
            target=np.array(["M1"] * n, object),
            snr=np.full(n, 20.0),
            wavelength=np.arange(3522.0),
            frame=pd.DataFrame({"snr_bin": [">15"] * n}),
            errors=[],
        )

    monkeypatch.setattr(datasets, "fetch_sdss_mdwarfs", fake_fetch)
    out = load_experiment_data("sdss-dr14", n_samples=150, random_state=3)
    assert calls["data_release"] == 14 and calls["random_state"] == 3
    assert calls["n_per_class_and_bin"] == 10
    assert out.source == "sdss-dr14" and len(out.target) == 6


# --------------------------------------------------------------------------
# Progress and logging (issue 12, item 7)
# --------------------------------------------------------------------------


def test_download_progress_bar_and_log(fake_sdss, tmp_path, capsys, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="skspec.datasets"):
        fetch_sdss_mdwarfs(data_home=tmp_path, progress=True, **SMALL)
    err = capsys.readouterr().err
    assert "SDSS DR14 spectra" in err and "4/4" in err  # the tqdm bar, on stderr
    assert "downloading 4 of 4 selected SDSS DR14 spectra" in caplog.text
    caplog.clear()
    # A cached rerun downloads nothing: no bar, one log line.
    with caplog.at_level(logging.INFO, logger="skspec.datasets"):
        fetch_sdss_mdwarfs(data_home=tmp_path, progress=True, **SMALL)
    assert "SDSS DR14 spectra" not in capsys.readouterr().err
    assert "all 4 selected SDSS DR14 spectra are cached" in caplog.text


@pytest.mark.parametrize("progress", [False, None])
def test_download_quiet(fake_sdss, tmp_path, capsys, progress):
    """progress=False, and None when stderr is not a terminal (as here): no bar."""
    fetch_sdss_mdwarfs(data_home=tmp_path, progress=progress, **SMALL)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_download_all_reports_each_file_done():
    seen = []

    def downloader(url, path, verify):
        return None if url != "bad" else "404"

    todo = [(k, url, None, None) for k, url in enumerate(["a", "bad", "c", "d"])]
    for n_jobs in (1, 3):
        seen.clear()
        failures = _download.download_all(
            todo, downloader, n_jobs, on_done=lambda key, reason: seen.append((key, reason))
        )
        assert failures == {1: "404"}
        assert sorted(seen, key=lambda kr: kr[0]) == [(0, None), (1, "404"), (2, None), (3, None)]
