"""Fetch the EMCCNN paper's SDSS M dwarf sample from the SDSS archive, cached on disk.

Two network steps, both through astroquery's configuration
(``astroquery.sdss.conf``) so that its ``skyserver_baseurl`` and
``sas_baseurl`` can point elsewhere (a mirror, or a test server):

1. One SQL query per (subtype, S/N bin) to SkyServer, through
   ``astroquery.sdss.SDSS.query_sql``. Each answer is cached as CSV.
2. The ``spec-PLATE-MJD-FIBER.fits`` files from the Science Archive Server.
   astroquery builds the URLs (it tracks the SAS layout of every release);
   the download itself is ours (:mod:`skspec.datasets._download`), so that it
   can be atomic, verified, retried and resumed, which astroquery's own
   downloader does not promise.

A rerun with everything cached makes no network request and does not even
import astroquery.
"""

import datetime
import hashlib
import itertools
import json
import logging
import os
import re
import warnings
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from ..utils import atomic_write
from ._download import BadFile, Downloader, cache_state, download_all, is_transient_status
from ._download import sleep_before as _sleep_before
from ._fits import FileError, read_headers, verify_checksums
from ._sdss import load_sdss_spectra

__all__ = ["fetch_sdss_mdwarfs", "get_data_home"]

logger = logging.getLogger(__name__)

#: Environment variable naming the default data folder.
DATA_ENV = "SKSPEC_DATA"
_DEFAULT_HOME = Path("~") / "skspec_data"

# Columns of the SQL answer, as named in the frame (snMedian is the catalogue
# name of the spec files' SN_MEDIAN_ALL).
QUERY_COLUMNS = (
    "specobjid",
    "plate",
    "mjd",
    "fiberid",
    "run2d",
    "class",
    "subclass",
    "sn_median_all",
    "z",
)
_STRING_COLUMNS = ("run2d", "class", "subclass")

# The order of the TOP-n selection: a multiplicative hash of (plate, fiber,
# mjd) modulo the Mersenne prime 2^31 - 1, with multipliers drawn from
# random_state. It is a fixed pseudo-random permutation of the catalogue, so a
# call is reproducible and not biased towards early plates, as ORDER BY
# specObjID would be. Plate, fiber and the multipliers (< 2^24) keep every
# product below 2^63.
_HASH_PRIME = 2_147_483_647
_SQL = (
    "SELECT TOP {n} s.specObjID AS specobjid, s.plate AS plate, s.mjd AS mjd, "
    "s.fiberID AS fiberid, s.run2d AS run2d, s.class AS class, s.subClass AS subclass, "
    "s.snMedian AS sn_median_all, s.z AS z "
    "FROM SpecObj AS s "
    "WHERE s.class = 'STAR' AND s.subClass LIKE '{subtype}%' "
    "AND s.subClass NOT LIKE '%III%' "
    "AND s.snMedian >= {lo}{hi_clause} "
    "ORDER BY ((CAST(s.plate AS BIGINT) * 1000 + s.fiberID) * {a} "
    "+ CAST(s.mjd AS BIGINT) * {b}) % {prime}, s.specObjID"
)
_SUBTYPE = re.compile(r"^[A-Z][0-9]$")
_INSTALL_HINT = (
    "fetch_sdss_mdwarfs needs astroquery to reach the SDSS archive: "
    "pip install skspec[fetch]  (or: pip install astroquery)"
)


# --------------------------------------------------------------------------
# Where the data live
# --------------------------------------------------------------------------


def get_data_home(data_home=None):
    """Return the folder where skspec caches downloaded data, creating it.

    Parameters
    ----------
    data_home : str or Path, default=None
        The folder to use. By default the ``SKSPEC_DATA`` environment variable
        if set, else ``~/skspec_data``. ``~`` is expanded.

    Returns
    -------
    data_home : Path

    See Also
    --------
    fetch_sdss_mdwarfs : Caches its queries and spectra under this folder.

    Examples
    --------
    >>> from skspec.datasets import get_data_home
    >>> get_data_home("/tmp/skspec_cache")  # doctest: +SKIP
    PosixPath('/tmp/skspec_cache')
    """
    if data_home is None:
        data_home = os.environ.get(DATA_ENV) or _DEFAULT_HOME
    path = Path(data_home).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


# --------------------------------------------------------------------------
# Parameters and SQL
# --------------------------------------------------------------------------


def _check_params(
    subtypes, snr_bins, n_per_class_and_bin, data_release, n_retries, backoff, timeout, n_jobs
):
    if isinstance(subtypes, str):
        subtypes = (subtypes,)
    subtypes = tuple(subtypes)
    bad = [s for s in subtypes if not isinstance(s, str) or not _SUBTYPE.match(s)]
    if not subtypes or bad:
        raise ValueError(
            f"subtypes must be a non-empty sequence of SDSS subclasses such as "
            f"'M0' (a capital letter and a digit), got {bad or subtypes!r}"
        )
    if len(set(subtypes)) != len(subtypes):
        raise ValueError(f"subtypes has duplicates: {subtypes!r}")
    bins = []
    try:
        for lo, hi in snr_bins:
            bins.append((float(lo), None if hi is None else float(hi)))
    except (TypeError, ValueError):
        raise ValueError(
            f"snr_bins must be a sequence of (low, high) pairs with high=None "
            f"for an open bin, got {snr_bins!r}"
        ) from None
    if not bins:
        raise ValueError("snr_bins is empty")
    for lo, hi in bins:
        if not np.isfinite(lo) or lo < 0 or (hi is not None and not (np.isfinite(hi) and hi > lo)):
            raise ValueError(f"S/N bin ({lo:g}, {hi}) must have 0 <= low < high")
    ordered = sorted(bins, key=lambda pair: pair[0])
    for (lo1, hi1), (lo2, _) in itertools.pairwise(ordered):
        if hi1 is None or hi1 > lo2:
            raise ValueError(f"S/N bins overlap: {snr_bins!r}")
    for name, value, low in (
        ("n_per_class_and_bin", n_per_class_and_bin, 1),
        ("data_release", data_release, 8),
        ("n_retries", n_retries, 0),
        ("n_jobs", n_jobs, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    for name, value in (("backoff", backoff), ("timeout", timeout)):
        if isinstance(value, bool) or not isinstance(value, Real) or not value >= 0:
            raise ValueError(f"{name} must be a non-negative number of seconds, got {value!r}")
    return subtypes, bins


def _bin_label(lo, hi):
    return f">{lo:g}" if hi is None else f"{lo:g}-{hi:g}"


def _selection_sql(subtype, lo, hi, n, a, b):
    """The SkyServer SQL selecting up to ``n`` stars of one (subtype, S/N bin) cell.

    Bins are closed on the left, like :func:`skspec.utils.snr_bin_index`.
    ``SpecObj`` is SkyServer's view of the science-primary spectra, so a star
    observed twice appears once. Giant templates (``"M6III"``) are left out:
    the sample is of dwarfs.
    """
    return _SQL.format(
        n=int(n),
        subtype=subtype,
        lo=f"{lo:g}",
        hi_clause="" if hi is None else f" AND s.snMedian < {hi:g}",
        a=int(a),
        b=int(b),
        prime=_HASH_PRIME,
    )


# --------------------------------------------------------------------------
# Network helpers (astroquery and requests are imported only when needed)
# --------------------------------------------------------------------------


def _astroquery_sdss():
    try:
        from astroquery.sdss import SDSS
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    return SDSS


def _empty_selection():
    return _normalise(pd.DataFrame({c: pd.Series(dtype=object) for c in QUERY_COLUMNS}))


def _normalise(frame):
    """Lower-case column names and fixed dtypes (``run2d`` 26 is text, not a number)."""
    frame = frame.rename(columns=str.lower)
    missing = [c for c in QUERY_COLUMNS if c not in frame]
    if missing:
        raise ValueError(f"the SkyServer answer lacks column(s) {missing}")
    for col in _STRING_COLUMNS:
        frame[col] = frame[col].fillna("").astype(str).str.strip()
    # specObjID needs 64 unsigned bits (plate << 50 passes 2**63 from plate 8192).
    frame["specobjid"] = frame["specobjid"].astype(np.uint64)
    for col in ("plate", "mjd", "fiberid"):
        frame[col] = frame[col].astype(np.int64)
    for col in ("sn_median_all", "z"):
        frame[col] = frame[col].astype(np.float64)
    return frame


def _run_query(sql, data_release, *, n_retries, backoff, timeout):
    """Answer of SkyServer to ``sql`` as a DataFrame, with retries on transient failures."""
    SDSS = _astroquery_sdss()
    import requests
    from astroquery.exceptions import RemoteServiceError

    last = None
    for attempt in range(n_retries + 1):
        _sleep_before(attempt, backoff)
        try:
            table = SDSS.query_sql(sql, data_release=data_release, timeout=timeout, cache=False)
        except RemoteServiceError as exc:  # the server rejected the SQL itself
            raise ValueError(
                f"SkyServer DR{data_release} rejected the query ({exc}): {sql}"
            ) from exc
        except requests.HTTPError as exc:
            last = exc
            if not is_transient_status(getattr(exc.response, "status_code", 500)):
                break
        except (requests.RequestException, ValueError) as exc:
            # ValueError: an answer that is not the CSV asked for (a
            # maintenance page, a cut-off body) - worth another try.
            last = exc
        else:
            if table is None:  # astroquery's way of saying "no rows"
                return _empty_selection()
            return _normalise(table.to_pandas())
    raise ConnectionError(
        f"SkyServer DR{data_release} query failed after {attempt + 1} "
        f"attempt(s) ({type(last).__name__}: {last}): {sql}"
    ) from last


def _cached_query(sql, data_release, query_dir, *, download_if_missing, **retry):
    """The answer to ``sql`` from the cache, querying and caching it when absent.

    The CSV is written last, atomically: its presence means a complete answer.
    The JSON beside it records the SQL text, release and date. ``(None, None)``
    when the answer is not cached and may not be downloaded.
    """
    key = hashlib.sha256(f"DR{data_release}\n{sql}".encode()).hexdigest()[:24]
    csv_path, meta_path = query_dir / f"{key}.csv", query_dir / f"{key}.json"
    if csv_path.is_file():
        try:
            frame = _normalise(pd.read_csv(csv_path, dtype={c: str for c in _STRING_COLUMNS}))
        except (ValueError, OSError):  # damaged by hand or by the disk: ask again
            csv_path.unlink(missing_ok=True)
        else:
            try:
                meta = json.loads(meta_path.read_text())
            except (OSError, ValueError):
                meta = {"sql": sql, "data_release": data_release, "queried_at": "unknown"}
            return frame, meta
    if not download_if_missing:
        return None, None
    frame = _run_query(sql, data_release, **retry)
    from astroquery import __version__ as aq_version
    from astroquery.sdss import conf

    meta = {
        "sql": sql,
        "data_release": data_release,
        "queried_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "skyserver": conf.skyserver_baseurl,
        "astroquery": aq_version,
        "n_rows": len(frame),
    }
    with atomic_write(meta_path, "w", encoding="utf-8") as fh:
        json.dump(meta, fh, indent=1)
    with atomic_write(csv_path, "w", encoding="utf-8", newline="") as fh:
        frame.to_csv(fh, index=False)
    return frame, meta


def _spectrum_urls(selection, data_release):
    """SAS URLs of the selected spectra, built by astroquery.

    ``SDSS.get_spectra_async`` returns lazy file containers (nothing is
    downloaded until one is opened); only their target URL is used, so the
    release-specific layout (``spectra/full`` from DR16, the DR18 tree) stays
    astroquery's business and follows ``astroquery.sdss.conf.sas_baseurl``.
    """
    SDSS = _astroquery_sdss()
    from astropy.table import Table

    matches = Table(
        {
            "run2d": [str(v) for v in selection["run2d"]],
            "plate": selection["plate"].to_numpy(dtype=np.int64),
            "mjd": selection["mjd"].to_numpy(dtype=np.int64),
            "fiberID": selection["fiberid"].to_numpy(dtype=np.int64),
        }
    )
    containers = SDSS.get_spectra_async(
        matches=matches, data_release=data_release, cache=False, show_progress=False
    )
    return [c._target for c in containers]


# --------------------------------------------------------------------------
# Files: verification, cache, download
# --------------------------------------------------------------------------

#: A downloaded or cached file that is not the complete spectrum expected.
_BadFile = BadFile

# The header keywords _verify_fits looks at besides the data sizes.
_HEADER_KEYS = ("TFIELDS", "EXTNAME", "PLATEID", "MJD", "FIBERID", "CHECKSUM", "DATASUM")


def _spec_name(plate, mjd, fiber):
    return f"spec-{int(plate):04d}-{int(mjd):05d}-{int(fiber):04d}.fits"


def _verify_fits(path, ids=None):
    """Raise :class:`_BadFile` unless ``path`` is a complete SDSS spec file.

    Every HDU present in full (:func:`skspec.datasets._fits.read_headers`);
    the FITS CHECKSUM/DATASUM keywords verified when a file has them; a COADD
    table with flux/loglam/ivar in HDU 1; a metadata table (SPECOBJ or
    SPALL) in HDU 2; the expected ``(plate, mjd, fiber)`` in the primary
    header.
    """
    try:
        headers = read_headers(path, keys=_HEADER_KEYS, prefixes=("TTYPE",))
    except FileError as exc:
        raise _BadFile(str(exc)) from None
    if len(headers) < 3:
        raise _BadFile(f"{len(headers)} HDUs, an SDSS spec file has at least 3")
    columns = [
        {str(h.get(f"TTYPE{k}", "")).lower() for k in range(1, int(h.get("TFIELDS") or 0) + 1)}
        for h in headers[1:3]
    ]
    missing = sorted({"flux", "loglam", "ivar"} - columns[0])
    if missing:
        raise _BadFile(f"HDU 1 is not a COADD table (no {missing})")
    if not {"plate", "mjd", "fiberid"} <= columns[1]:
        raise _BadFile("HDU 2 is not a SPECOBJ/SPALL table (no PLATE, MJD, FIBERID)")
    got = tuple(headers[0].get(k) for k in ("PLATEID", "MJD", "FIBERID"))
    if ids is not None and all(isinstance(v, int) for v in got) and got != tuple(ids):
        raise _BadFile(f"holds spectrum {got}, expected {tuple(ids)}")
    if any("CHECKSUM" in h or "DATASUM" in h for h in headers):
        try:
            verify_checksums(path)
        except FileError as exc:
            raise _BadFile(str(exc)) from exc.__cause__


def _verifier(ids):
    """``verify(path)`` for the spectrum ``ids``; looks ``_verify_fits`` up when called."""
    return lambda path: _verify_fits(path, ids)


# --------------------------------------------------------------------------
# The public function
# --------------------------------------------------------------------------


def fetch_sdss_mdwarfs(
    subtypes=("M0", "M1", "M2", "M3", "M4"),
    snr_bins=((5, 10), (10, 15), (15, None)),
    n_per_class_and_bin=100,
    data_release=14,
    data_home=None,
    *,
    random_state=0,
    download_if_missing=True,
    n_retries=3,
    backoff=1.0,
    timeout=60.0,
    n_jobs=4,
    progress=None,
):
    """Fetch the EMCCNN paper's sample of SDSS M dwarfs, cached on disk.

    Selects stars by the SDSS pipeline's ``SUBCLASS`` and median S/N with one
    SQL query per (subtype, S/N bin) to SkyServer, downloads their
    ``spec-PLATE-MJD-FIBER.fits`` files from the Science Archive Server and
    reads them with :func:`load_sdss_spectra`. Everything is cached under
    ``data_home``: a second call makes no network request.

    Needs ``astroquery`` (``pip install skspec[fetch]``) when something is
    not yet cached.

    Parameters
    ----------
    subtypes : sequence of str, default=("M0", "M1", "M2", "M3", "M4")
        SDSS subclasses to select (``subClass LIKE 'M0%'``, so the BOSS form
        ``"M0 (123456)"`` is included).
    snr_bins : sequence of (float, float or None), default=((5, 10), (10, 15), (15, None))
        S/N bins on ``SN_MEDIAN_ALL`` (SkyServer's ``snMedian``), closed on
        the left; ``None`` leaves a bin open. Bins must not overlap.
    n_per_class_and_bin : int, default=100
        Stars selected per (subtype, bin) cell, at most; a cell with fewer
        stars in the archive gives all of them.
    data_release : int, default=14
        SDSS data release (8 or later), used for the SQL service and the file
        paths.
    data_home : str or Path, default=None
        Cache folder, see :func:`get_data_home` (``$SKSPEC_DATA`` or
        ``~/skspec_data``). Files go under ``sdss_dr{data_release}/``.
    random_state : int, RandomState instance or None, default=0
        Seeds the pseudo-random order in which the SQL picks the stars of a
        cell: the same value selects the same stars. ``None`` gives a new
        selection (and new downloads) on every call.
    download_if_missing : bool, default=True
        If False, use the cache only and raise :class:`FileNotFoundError` when
        a query answer or a spectrum is missing.
    n_retries : int, default=3
        Further attempts after a failed query or download (HTTP 5xx, 408, 429,
        dropped connection, time-out, truncated or invalid file). HTTP 404 and
        other client errors are not retried.
    backoff : float, default=1.0
        Seconds before the first retry, doubled for each further one.
    timeout : float, default=60.0
        Seconds to wait for the server to connect or send data.
    n_jobs : int, default=4
        Parallel downloads (threads).
    progress : bool or None, default=None
        Show a :mod:`tqdm` progress bar (on stderr) of the spectra
        downloaded: True always, False never, None only when stderr is a
        terminal. What is cached, fetched and failed is also logged at INFO
        level to the ``skspec.datasets._fetch`` :mod:`logging` logger.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        The Bunch of :func:`load_sdss_spectra` (``data``, ``ivar``,
        ``target``, ``wavelength``, ``snr``, ``frame``, ``errors``,
        ``DESCR``), with in ``frame`` the query's columns ``specobjid``,
        ``run2d``, ``sn_median_all`` (``plate``, ``mjd``, ``class``,
        ``subclass``, ``z`` are read from the files, ``fiberid`` is
        ``fiber``), the cell that selected the star (``selection_subtype``,
        ``selection_snr_bin``) and its ``url``. ``errors`` lists
        ``(url, reason)`` for every spectrum that could not be downloaded
        (and ``(path, reason)`` for any the reader skipped). ``DESCR`` records
        the data release, the SQL statements, the date they ran and what was
        downloaded.

    Raises
    ------
    ImportError
        If astroquery is needed but not installed.
    FileNotFoundError
        If ``download_if_missing=False`` and the cache lacks something.
    ConnectionError
        If a query still fails after the retries, or no spectrum at all could
        be downloaded.
    ValueError
        For invalid parameters, SQL rejected by the server, or a selection
        without any star.

    Warns
    -----
    RuntimeWarning
        Naming the spectra that failed to download after all retries; the
        others are returned.

    See Also
    --------
    load_sdss_spectra : Read spectrum files already on disk.
    get_data_home : The cache folder.

    Notes
    -----
    Downloads go to a temporary file beside the destination and are renamed
    only once complete and verified (length announced by the server, FITS
    CHECKSUM when present, all HDUs readable, COADD columns present, the
    expected plate/MJD/fiber in HDU 2), so an interrupted run leaves no half
    file under a final name and a rerun fetches only what is missing. The
    SHA-256 of each download is stored beside it (``.sha256``); a cached file
    that no longer matches, or fails the FITS checks, is fetched again.

    Reproducibility rests on the frozen content of a data release: the same
    call against DR14 selects the same stars. The stars of a cell are the
    first ``n_per_class_and_bin`` in a pseudo-random order of the science-
    primary spectra (SkyServer's ``SpecObj`` view), hashed from plate, fiber
    and MJD with multipliers drawn from ``random_state``.

    Examples
    --------
    >>> from skspec.datasets import fetch_sdss_mdwarfs
    >>> ds = fetch_sdss_mdwarfs(n_per_class_and_bin=10)  # doctest: +SKIP
    >>> ds.data.shape, ds.frame["selection_snr_bin"].value_counts()  # doctest: +SKIP
    """
    subtypes, bins = _check_params(
        subtypes, snr_bins, n_per_class_and_bin, data_release, n_retries, backoff, timeout, n_jobs
    )
    root = get_data_home(data_home) / f"sdss_dr{int(data_release)}"
    query_dir, spectra_dir = root / "queries", root / "spectra"
    retry = {"n_retries": int(n_retries), "backoff": float(backoff), "timeout": float(timeout)}

    rng = check_random_state(random_state)
    a, b = (int(v) for v in rng.randint(1, 2**24, size=2))

    # 1. The selection: one cached query per (subtype, bin) cell.
    parts, cells, missing = [], [], []
    for subtype in subtypes:
        for lo, hi in bins:
            sql = _selection_sql(subtype, lo, hi, n_per_class_and_bin, a, b)
            frame, meta = _cached_query(
                sql, int(data_release), query_dir, download_if_missing=download_if_missing, **retry
            )
            if frame is None:
                missing.append(f"query {subtype} {_bin_label(lo, hi)}")
                continue
            frame = frame.assign(selection_subtype=subtype, selection_snr_bin=_bin_label(lo, hi))
            if len(frame):  # (concatenating empty frames would loosen the dtypes)
                parts.append(frame)
            cells.append((subtype, _bin_label(lo, hi), len(frame), meta))
    if missing:
        raise FileNotFoundError(
            f"{len(missing)} of {len(subtypes) * len(bins)} selection queries are not cached "
            f"under {query_dir} and download_if_missing=False; run once with "
            f"download_if_missing=True (needs internet and astroquery)"
        )
    selection = pd.concat(parts, ignore_index=True) if parts else _empty_selection()
    selection = selection.drop_duplicates(["plate", "mjd", "fiberid"], ignore_index=True)
    if selection.empty:
        raise ValueError(
            f"SDSS DR{data_release} has no star of subclass {list(subtypes)} in "
            f"the S/N bins {[_bin_label(*b) for b in bins]}"
        )
    ids = list(
        zip(
            selection["plate"].astype(int),
            selection["mjd"].astype(int),
            selection["fiberid"].astype(int),
        )
    )
    paths = [spectra_dir / _spec_name(*i) for i in ids]

    # 2. The files: verify what is cached, download the rest.
    states = [cache_state(p, _verifier(i)) for p, i in zip(paths, ids)]
    todo_idx = [k for k, s in enumerate(states) if s != "ok"]
    if todo_idx and not download_if_missing:
        raise FileNotFoundError(
            f"{len(todo_idx)} of {len(paths)} selected spectra are not cached (or are "
            f"corrupt) under {spectra_dir} and download_if_missing=False"
        )
    urls = [None] * len(paths)
    failures = {}
    if todo_idx:
        todo_urls = _spectrum_urls(selection.iloc[todo_idx], int(data_release))
        for k, url in zip(todo_idx, todo_urls):
            urls[k] = url
        from tqdm.auto import tqdm

        from .._version import __version__

        logger.info(
            "downloading %d of %d selected SDSS DR%d spectra into %s (%d cached)",
            len(todo_idx),
            len(paths),
            data_release,
            spectra_dir,
            len(paths) - len(todo_idx),
        )
        downloader = Downloader(**retry, agent=f"skspec/{__version__} (fetch_sdss_mdwarfs)")
        bar = tqdm(
            total=len(todo_idx),
            unit="file",
            desc=f"SDSS DR{data_release} spectra",
            dynamic_ncols=True,
            disable=None if progress is None else not progress,
        )
        try:
            failures = download_all(
                [(k, urls[k], paths[k], _verifier(ids[k])) for k in todo_idx],
                downloader,
                int(n_jobs),
                thread_name_prefix="skspec-fetch",
                on_done=lambda key, reason: bar.update(),
            )
        finally:
            bar.close()
            downloader.close()
    else:
        logger.info(
            "all %d selected SDSS DR%d spectra are cached in %s",
            len(paths),
            data_release,
            spectra_dir,
        )
    errors = [(urls[k], reason) for k, reason in sorted(failures.items())]
    if failures:
        warnings.warn(
            f"{len(failures)} of {len(paths)} SDSS spectra could not be downloaded after "
            f"{n_retries} retries and are left out (see the result's `errors`): "
            + "; ".join(f"{u}: {r}" for u, r in errors[:5])
            + (" ..." if len(errors) > 5 else ""),
            RuntimeWarning,
            stacklevel=2,
        )
    ok = [k for k in range(len(paths)) if k not in failures]
    if not ok:
        raise ConnectionError(
            f"none of the {len(paths)} selected spectra could be "
            f"downloaded; first failure: {errors[0][0]}: {errors[0][1]}"
        )

    # 3. Read them and record the selection beside each spectrum.
    dataset = load_sdss_spectra([str(paths[k]) for k in ok], on_error="skip")
    extra = selection.iloc[ok].assign(
        path=[str(paths[k]) for k in ok], url=[urls[k] if urls[k] is not None else "" for k in ok]
    )
    # plate, mjd, class, subclass and z also come from the files (the same
    # pipeline values); fiberid is the reader's `fiber`.
    keep = ["path"] + [
        c for c in extra.columns if c not in dataset.frame.columns and c != "fiberid"
    ]
    frame = dataset.frame.merge(extra[keep], on="path", how="left", validate="one_to_one")
    dataset.frame = frame
    dataset.errors = errors + list(dataset.errors)
    n_cached = len(paths) - len(todo_idx)
    n_corrupt = sum(s == "corrupt" for s in states)
    dataset.DESCR = (
        _describe(
            data_release,
            cells,
            n_per_class_and_bin,
            random_state,
            n_cached,
            len(todo_idx),
            n_corrupt,
            len(failures),
            len(frame),
        )
        + "\n"
        + dataset.DESCR
    )
    return dataset


def _describe(
    data_release, cells, n, random_state, n_cached, n_fetched, n_corrupt, n_failed, n_loaded
):
    dates = sorted({str(meta.get("queried_at", "unknown")) for *_, meta in cells})
    lines = [
        f"SDSS DR{data_release} M dwarfs (skspec.datasets.fetch_sdss_mdwarfs)",
        "-" * 60,
        (
            f"Data release: {data_release}. Selection: up to {n} stars per (subtype, S/N bin) "
            f"cell, random_state={random_state!r}; SkyServer queried at {', '.join(dates)} (UTC)."
        ),
        (
            f"Spectra: {n_loaded} loaded; {n_cached} from the cache, {n_fetched} downloaded "
            f"({n_corrupt} of them replacing a corrupt cached file), {n_failed} failed "
            f"(see `errors`)."
        ),
        "Cells (subtype, S/N bin: stars selected) and their SQL:",
    ]
    for subtype, label, count, meta in cells:
        lines.append(f"  {subtype} {label}: {count}")
        lines.append(f"    {meta['sql']}")
    return "\n".join(lines) + "\n"
