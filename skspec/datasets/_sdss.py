"""Read real SDSS spectra onto the paper's 3522-pixel grid.

Two file formats are understood:

* ``spec-PLATE-MJD-FIBER.fits`` (DR8 and later, SDSS-legacy and BOSS
  spectrographs): HDU 1 ``COADD`` table (``flux``, ``loglam``, ``ivar``,
  ``and_mask``, ...), HDU 2 ``SPECOBJ`` (``SPALL`` in BOSS files) with the
  pipeline's ``CLASS``, ``SUBCLASS``, ``SN_MEDIAN_ALL``, ``Z``, ...
* DR7 ``spSpec-MJD-PLATE-FIBER.fit``: a primary image of shape (>= 4, N) whose
  rows are flux, continuum-subtracted flux, error (sigma) and pixel mask, with
  ``loglam = COEFF0 + COEFF1 * i`` and the metadata in the primary header.

Both are sampled on the SDSS log-linear grid (step 1e-4 dex), so every file
pixel lands exactly on one pixel of ``loglam = 3.6021 + 1e-4 * i`` and the
mapping is pure integer indexing: no interpolation, no resampling noise.
"""

import gzip
import io
import math
import re
import warnings
from collections import namedtuple
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..utils import (
    DLOGLAM,
    LOGLAM0,
    N_PIXELS,
    interpolate_bad_pixels,
    sdss_snr,
    sdss_wavelength,
    snr_bin_label,
)
from ._fits import (
    FileError,
    Unsupported,
    card_value,
    check_layout,
    open_fits,
    read_leading_hdus,
    table_columns,
    table_layout,
)
from ._paths import expand_paths, resolve_paths

__all__ = ["iter_sdss_spectra", "load_sdss_spectra", "read_sdss_spectrum"]

#: ``and_mask`` bits (SDSS SPPIXMASK) that make a pixel bad, as in the SDSS
#: pipeline's own S/N and redshift fits.
BAD_PIXEL_BITS = {"FULLREJECT": 18, "NOSKY": 22, "BRIGHTSKY": 23, "NODATA": 24}
_BAD_MASK = sum(1 << bit for bit in BAD_PIXEL_BITS.values())

# A file pixel maps to round((loglam - LOGLAM0) / DLOGLAM). float32 loglam
# (as stored in spec files) is off by at most ~0.005 pixel; anything beyond
# this tolerance is a file on another grid, which we refuse rather than shift.
_GRID_TOLERANCE = 0.05

# BOSS plates start above 3500; used only when a file names no instrument.
_FIRST_BOSS_PLATE = 3500

_COADD_COLUMNS = ("flux", "loglam", "ivar", "and_mask")
_SPECOBJ_COLUMNS = (
    "CLASS",
    "SUBCLASS",
    "Z",
    "ZWARNING",
    "PLATE",
    "MJD",
    "FIBERID",
    "SN_MEDIAN_ALL",
    "INSTRUMENT",
    "RUN2D",
    "SPECOBJID",
    "PLUG_RA",
    "PLUG_DEC",
)
# DR7 SPEC_CLN codes (spSpec headers carry a code, not a name).
_SPEC_CLN = {
    0: "UNKNOWN",
    1: "STAR",
    2: "GALAXY",
    3: "QSO",
    4: "HIZ_QSO",
    5: "SKY",
    6: "STAR_LATE",
    7: "GAL_EM",
}
_FILE_ID = re.compile(
    r"(?:spec-(?P<plate>\d+)-(?P<mjd>\d+)-(?P<fiber>\d+)"
    r"|spSpec-(?P<mjd7>\d+)-(?P<plate7>\d+)-(?P<fiber7>\d+))"
)

_FRAME_COLUMNS = (
    "path",
    "format",
    "instrument",
    "plate",
    "mjd",
    "fiber",
    "class",
    "subclass",
    "target",
    "specobjid",
    "ra",
    "dec",
    "z",
    "zwarning",
    "snr",
    "snr_source",
    "snr_bin",
    "coverage",
    "n_bad_pixels",
    "n_invalid",
)

# One file on the grid: flux (NaN where the file has no pixel), ivar (0 at bad
# pixels) and the metadata row of ``frame`` (without ``snr_bin``).
_Spectrum = namedtuple("_Spectrum", "flux ivar meta")


#: A file that cannot be used; ``str()`` is the reason, without the path.
_FileError = FileError


# --------------------------------------------------------------------------
# Reading one file
# --------------------------------------------------------------------------


def _find_table(hdul, names, index):
    """Index of the binary table named one of ``names`` (tried at ``index`` first)."""
    found = None
    try:
        if hdul[index].name.upper() in names:
            found = index
    except IndexError:
        pass
    for name in names:
        if found is not None:
            break
        try:
            found = hdul.index_of(name)
        except KeyError:
            continue
    if found is None:
        raise _FileError(
            f"no {'/'.join(names)} table (expected in HDU {index}); not an SDSS spec file"
        )
    if hdul[found].header.get("XTENSION", "").strip() != "BINTABLE":
        raise _FileError(f"HDU {found} ({hdul[found].name}) is not a binary table")
    return found


def _scalar(table, name, default, cast, lazy_default=None):
    """``cast(table[name][0])``, else ``default`` (or ``lazy_default()`` when given)."""
    if name in table and len(table[name]):
        try:
            return cast(table[name][0])
        except (TypeError, ValueError):
            pass
    return default if lazy_default is None else lazy_default()


def _header_float(header, keys):
    """The first of ``keys`` in ``header`` that is a number, else NaN."""
    for key in keys:
        try:
            return float(header.get(key))
        except (TypeError, ValueError):
            continue
    return math.nan


def _id_from_name(path):
    m = _FILE_ID.search(path.name)
    if m is None:
        return {}
    if m["plate"] is not None:
        return {"plate": int(m["plate"]), "mjd": int(m["mjd"]), "fiber": int(m["fiber"])}
    return {"plate": int(m["plate7"]), "mjd": int(m["mjd7"]), "fiber": int(m["fiber7"])}


def _read_spec(fh, hdul, path):
    """Native pixels and metadata of a DR8+ ``spec`` file (astropy path)."""
    coadd = _find_table(hdul, ("COADD",), 1)
    cols = table_columns(fh, hdul, coadd, _COADD_COLUMNS)
    missing = [c for c in _COADD_COLUMNS if c not in cols]
    if missing:
        raise _FileError(f"COADD table lacks column(s) {missing}")
    meta_hdu = _find_table(hdul, ("SPECOBJ", "SPALL"), 2)
    table = table_columns(fh, hdul, meta_hdu, _SPECOBJ_COLUMNS)
    meta = _spec_meta(table, hdul[0].header, path)
    flux, ivar = _as_float(cols["flux"]), _as_float(cols["ivar"])
    mask = cols["and_mask"].astype(np.int64)
    return cols["loglam"].astype(np.float64), flux, ivar, mask, meta


def _as_float(values):
    """float32 for float32 columns (as SDSS stores them), float64 for any other.

    The grid holds float32; a float32 column stays exact either way, and
    checking it in float32 saves the conversion of every pixel.
    """
    dtype = np.float32 if values.dtype.kind == "f" and values.dtype.itemsize == 4 else np.float64
    return values.astype(dtype)


def _spec_meta(table, header, path):
    """The metadata of a spec file from its SPECOBJ row and primary header."""

    def from_header(key, name):  # only read when the table lacks the value
        return header.get(key, _id_from_name(path).get(name, -1))

    meta = {
        "format": "spec",
        "plate": _scalar(table, "PLATE", None, int, lambda: from_header("PLATEID", "plate")),
        "mjd": _scalar(table, "MJD", None, int, lambda: from_header("MJD", "mjd")),
        "fiber": _scalar(table, "FIBERID", None, int, lambda: from_header("FIBERID", "fiber")),
        "class": _scalar(table, "CLASS", "", str).strip().upper(),
        "subclass": _scalar(table, "SUBCLASS", "", str).strip(),
        # The id as text: DR13+ ids exceed the signed 64-bit range.
        "specobjid": _scalar(table, "SPECOBJID", "", lambda v: str(v).strip()),
        "ra": _scalar(table, "PLUG_RA", None, float, lambda: _header_float(header, ("PLUG_RA",))),
        "dec": _scalar(
            table, "PLUG_DEC", None, float, lambda: _header_float(header, ("PLUG_DEC",))
        ),
        "z": _scalar(table, "Z", math.nan, float),
        "zwarning": _scalar(table, "ZWARNING", -1, int),
        "snr": _scalar(table, "SN_MEDIAN_ALL", math.nan, float),
    }
    instrument = _scalar(table, "INSTRUMENT", "", str).strip().upper()
    if not instrument:
        run2d = str(_scalar(table, "RUN2D", None, str, lambda: header.get("RUN2D", ""))).strip()
        # BOSS reductions are named v5_*, legacy ones by a number (26, 103, 104).
        is_boss = run2d.startswith("v") or meta["plate"] > _FIRST_BOSS_PLATE
        instrument = "BOSS" if is_boss else "SDSS"
    meta["instrument"] = instrument
    return meta


class _RawHeader:
    """``get`` on the raw cards of a header, parsed on first use (with card_value)."""

    def __init__(self, raw):
        self._raw, self._cards = raw, None

    def get(self, key, default=None):
        if self._cards is None:
            self._cards = {}
            for k in range(0, len(self._raw), 80):
                name = self._raw[k : k + 8].rstrip().decode("ascii", "replace")
                if name == "END":
                    break
                if self._raw[k + 8 : k + 10] == b"= " and name not in self._cards:
                    self._cards[name] = card_value(self._raw[k + 10 : k + 80])
        value = self._cards.get(key)
        return default if value is None else value


def _read_spec_fast(path):
    """Native pixels and metadata of a plain spec file, astropy-free.

    Reads the primary header, the COADD table and the SPECOBJ (SPALL) row,
    nothing after them (the per-exposure HDUs of a full spec file are never
    touched; a spec-lite file has none). The COADD columns come from one
    :func:`numpy.frombuffer` on a big-endian structured dtype. Anything
    unusual raises :class:`~skspec.datasets._fits.Unsupported` and the caller
    reads the file with astropy (the reference, which words the errors).
    """
    primary, coadd, specobj = read_leading_hdus(path, 3)
    coadd_layout, meta_layout = table_layout(coadd), table_layout(specobj)
    if coadd_layout.extname != "COADD" or meta_layout.extname not in ("SPECOBJ", "SPALL"):
        raise Unsupported
    rows = np.frombuffer(coadd.data, dtype=coadd_layout.dtype(_COADD_COLUMNS), count=coadd.naxis[1])
    table = {}
    if specobj.naxis[1]:
        row = specobj.data[: meta_layout.row_bytes]
        for name in _SPECOBJ_COLUMNS:
            if name.upper() not in meta_layout.columns:
                continue
            code = meta_layout.columns[name.upper()][2]
            table[name] = [
                meta_layout.text(row, name) if code == "A" else meta_layout.scalar(row, name)
            ]
    # The astropy path decodes these text columns the same way; a numeric
    # cell of a text column (or the reverse) would differ: leave it to astropy.
    for name in ("CLASS", "SUBCLASS", "INSTRUMENT", "RUN2D"):
        if name in table and not isinstance(table[name][0], str):
            raise Unsupported
    meta = _spec_meta(table, _RawHeader(primary.header), path)
    flux, ivar = _as_float(rows["flux"]), _as_float(rows["ivar"])
    mask = rows["and_mask"].astype(np.int64)
    return rows["loglam"].astype(np.float64), flux, ivar, mask, meta


def _read_spspec(hdul, path):
    """Native pixels and metadata of a DR7 ``spSpec`` file."""
    header = hdul[0].header
    image = hdul[0].data
    if image is None or image.ndim != 2 or image.shape[0] < 4:
        shape = None if image is None else image.shape
        raise _FileError(
            f"primary image has shape {shape}, expected (>=4, n_pixels) "
            f"(flux, continuum-subtracted flux, error, mask) of a DR7 spSpec file"
        )
    try:
        coeff0, coeff1 = float(header["COEFF0"]), float(header["COEFF1"])
    except (KeyError, TypeError, ValueError):
        raise _FileError(
            "primary header lacks COEFF0/COEFF1 (the spSpec wavelength solution)"
        ) from None
    if not math.isclose(coeff1, DLOGLAM, rel_tol=1e-5):
        raise _FileError(f"COEFF1 = {coeff1:g} is not the SDSS log-linear step {DLOGLAM:g}")
    image = np.asarray(image, dtype=np.float64)
    n = image.shape[1]
    loglam = coeff0 + coeff1 * np.arange(n)
    flux, err, mask = image[0], image[2], image[3]
    with np.errstate(divide="ignore", invalid="ignore"):
        # sigma == 0 marks a bad pixel (ivar 0); negative or NaN sigma is invalid
        # and is mapped to ivar = -1 so that the shared check reports it.
        ivar = np.where(err > 0, 1.0 / err**2, np.where(err == 0, 0.0, -1.0))
    mask = np.nan_to_num(mask, nan=0.0).astype(np.int64)
    ids = _id_from_name(path)
    spec_cln = header.get("SPEC_CLN")
    zwarning = header.get("ZWARNING", header.get("Z_WARNIN", -1))
    meta = {
        "format": "spSpec",
        "instrument": "SDSS",
        "plate": int(header.get("PLATEID", ids.get("plate", -1))),
        "mjd": int(header.get("MJD", ids.get("mjd", -1))),
        "fiber": int(header.get("FIBERID", ids.get("fiber", -1))),
        "class": (
            str(header["CLASS"]).strip().upper()
            if "CLASS" in header
            else _SPEC_CLN.get(spec_cln, "")
            if spec_cln is not None
            else ""
        ),
        # DR7 spSpec headers carry no stellar subtype; some re-packaged files
        # add a SUBCLASS keyword, which is used when present.
        "subclass": str(header.get("SUBCLASS", "")).strip(),
        "specobjid": str(header.get("SPECOBJID", "")).strip(),
        "ra": _header_float(header, ("RAOBJ", "RA")),
        "dec": _header_float(header, ("DECOBJ", "DEC")),
        "z": float(header.get("Z", math.nan)),
        "zwarning": int(zwarning),
        # DR7 has no SN_MEDIAN_ALL (only SN_G/R/I): always measured here.
        "snr": math.nan,
    }
    return loglam, flux, ivar, mask, meta


def _target(cls, subclass):
    """The spectral type used as ``target``.

    ``"M1 (204445)"`` -> ``"M1"``: the BOSS template number in parentheses is
    dropped, and so is a dwarf luminosity class ``V`` (``"K0V"`` -> ``"K0"``,
    ``"F3/F5V"`` -> ``"F3/F5"``) so that dwarfs read like the paper's labels;
    giants keep theirs (``"M6III"``) so they never pass for a dwarf subtype.
    Non-stellar objects get their CLASS (``"GALAXY"``, ``"QSO"``); a spectrum
    without a subclass gets ``""``.
    """
    sub = re.sub(r"\s*\(.*\)\s*$", "", subclass).strip()
    if cls and not cls.startswith("STAR"):
        return cls
    if len(sub) >= 2 and sub.endswith("V") and (sub[-2].isdigit() or sub[-2] == "."):
        sub = sub[:-1]
    return sub


def _grid_index(loglam):
    """Index on the paper's grid of each file pixel (exact integer mapping)."""
    with np.errstate(invalid="ignore", over="ignore"):
        pos = (loglam - LOGLAM0) / DLOGLAM
    if loglam.size == 0:
        raise _FileError("the spectrum has no pixels")
    if not np.all(np.isfinite(pos)) or np.abs(pos).max() > 1e7:
        raise _FileError("loglam holds non-finite or absurd values")
    index = np.rint(pos)
    offset = np.abs(pos - index).max()
    if offset > _GRID_TOLERANCE:
        raise _FileError(
            f"wavelengths are not on the SDSS log-linear grid (off by {offset:.2f} pixel)"
        )
    index = index.astype(np.int64)
    if np.any(np.diff(index) <= 0):
        raise _FileError("loglam is not strictly increasing by one grid step")
    return index


def _grid_start(loglam):
    """Grid index of the first pixel when the file's pixels are consecutive grid pixels.

    Then the mapping is an integer offset and a slice. None when they are not
    (gaps, another grid, absurd values): :func:`_grid_index` maps or refuses
    the file. Same tolerance, so the two agree wherever this answers.
    """
    n = loglam.size
    if n == 0:
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        pos = (loglam - LOGLAM0) / DLOGLAM
        start = np.rint(pos[0])
        if not (abs(start) <= 1e7 and abs(pos[-1]) <= 1e7):  # also False for NaN
            return None
        pos -= np.arange(start, start + n)  # in place: one temporary, not three
        offset = np.abs(pos, out=pos).max()
    if not offset <= _GRID_TOLERANCE:
        return None
    return int(start)


def _to_rest_frame(index, flux, ivar, z):
    """Shift to the rest frame by linear interpolation onto the same grid.

    Rest wavelength = observed / (1 + z), i.e. a shift of
    ``log10(1 + z) / 1e-4`` pixels. Flux is interpolated linearly between the
    two bracketing file pixels and the variance propagated
    (``(1-t)^2 var_a + t^2 var_b``); a grid pixel whose neighbours are not both
    good is bad. Neighbouring output pixels become correlated.
    """
    shift = math.log10(1.0 + z) / DLOGLAM
    lo = index[0]
    dense_flux = np.full(index[-1] - lo + 1, np.nan)
    dense_ivar = np.zeros(index[-1] - lo + 1)
    dense_flux[index - lo] = flux
    dense_ivar[index - lo] = ivar
    q = np.arange(N_PIXELS) + shift - lo  # position in the dense file array
    k = np.floor(q).astype(np.int64)
    t = q - k
    inside = (k >= 0) & (k + 1 < dense_flux.size)
    ka, kb = np.where(inside, k, 0), np.where(inside, k + 1, 0)
    fa, fb, ia, ib = dense_flux[ka], dense_flux[kb], dense_ivar[ka], dense_ivar[kb]
    good = inside & (ia > 0) & ((ib > 0) | (t == 0))
    out_flux = np.where(inside, (1 - t) * fa + t * np.where(t == 0, 0.0, fb), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = (1 - t) ** 2 / ia + np.where(t == 0, 0.0, t**2 / ib)
        out_ivar = np.where(good, 1.0 / var, 0.0)
    return out_flux, out_ivar, inside


def _read_native(path):
    """Native pixels ``(loglam, flux, ivar, and_mask, meta)`` of one file.

    The fast reader (:func:`_read_spec_fast`) when it can, else astropy; both
    give the same arrays and metadata (tests/test_survey_reader.py), and a
    file the fast reader does not take is read, or refused with its reason,
    by astropy exactly as before.
    """
    try:
        return _read_spec_fast(path)
    except Exception:  # Unsupported, unreadable, odd: astropy reads or words the error
        pass
    return _read_native_astropy(path)


def _read_native_astropy(path):
    """:func:`_read_native` with astropy: any file format, the reference reader."""
    from astropy.io import fits

    if not path.is_file():
        raise _FileError("no such file" if not path.exists() else "not a regular file")
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the `with` below
    except OSError as exc:
        raise _FileError(f"cannot open ({exc})") from exc
    # astropy only warns on a truncated data unit and may then return short
    # or garbage arrays: record its warnings and treat truncation as an error.
    with warnings.catch_warnings(record=True) as caught, fh:
        warnings.simplefilter("always")
        source = fh
        if fh.read(2) == b"\x1f\x8b":
            fh.seek(0)
            try:
                source = io.BytesIO(gzip.decompress(fh.read()))
            except (OSError, EOFError) as exc:
                raise _FileError(f"corrupted gzip file ({exc})") from exc
        check_layout(source)
        try:
            with open_fits(source) as hdul:
                if int(hdul[0].header.get("NAXIS", 0)) >= 2:
                    native = _read_spspec(hdul, path)
                else:
                    native = _read_spec(source, hdul, path)
        except _FileError:
            raise
        except (
            OSError,
            EOFError,
            KeyError,
            IndexError,
            TypeError,
            ValueError,
            AttributeError,
            UnicodeError,
            fits.VerifyError,
        ) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if any("truncated" in str(w.message) for w in caught):
                reason = f"file is truncated ({reason})"
            else:
                reason = f"corrupted or unexpected FITS content ({type(exc).__name__}: {reason})"
            raise _FileError(reason) from exc
        if any("truncated" in str(w.message) for w in caught):
            raise _FileError("file is truncated")
    return native


def _read_file(path, rest_frame=False):
    """Read one file onto the grid; raise :class:`_FileError` when unusable."""
    loglam, flux, ivar, mask, meta = _read_native(path)
    if not (flux.ndim == ivar.ndim == mask.ndim == loglam.ndim == 1):
        raise _FileError("flux/loglam/ivar/and_mask are not one value per pixel")
    start = None if rest_frame else _grid_start(loglam)
    index = _grid_index(loglam) if start is None else None
    # Negative or NaN ivar (or NaN flux at a pixel claiming ivar > 0) is not a
    # valid SDSS spectrum: those pixels are made bad and the file is reported.
    finite_flux = np.isfinite(flux)
    if finite_flux.all() and np.isfinite(ivar).all() and ivar.min(initial=0.0) >= 0:
        invalid = None  # the usual file: two cheap passes instead of the masks below
        good = ivar > 0
    else:
        invalid = ~np.isfinite(ivar) | (ivar < 0) | (~finite_flux & (ivar > 0))
        good = ~invalid & (ivar > 0)  # not invalid and ivar > 0 implies a finite flux
    ivar = np.where(good & ((mask & _BAD_MASK) == 0), ivar, 0.0)
    if not math.isfinite(meta["snr"]):
        meta["snr"] = float(sdss_snr(flux[None, :], ivar[None, :])[0])
        meta["snr_source"] = "computed"
    else:
        meta["snr_source"] = "SN_MEDIAN_ALL"
    if rest_frame:
        if not math.isfinite(meta["z"]) or meta["z"] <= -1:
            raise _FileError("rest_frame=True needs a redshift Z, which the file lacks")
        grid_flux, grid_ivar, covered = _to_rest_frame(index, flux, ivar, meta["z"])
    elif start is not None:  # consecutive pixels: an offset and a slice
        lo, hi = max(start, 0), min(start + flux.size, N_PIXELS)
        grid_flux = np.full(N_PIXELS, np.nan, dtype=flux.dtype)
        grid_ivar = np.zeros(N_PIXELS, dtype=ivar.dtype)
        covered = None
        if hi > lo:
            grid_flux[lo:hi] = flux[lo - start : hi - start]
            grid_ivar[lo:hi] = ivar[lo - start : hi - start]
        n_covered = max(hi - lo, 0)
    else:
        inside = (index >= 0) & (index < N_PIXELS)
        grid_flux = np.full(N_PIXELS, np.nan)
        grid_ivar = np.zeros(N_PIXELS)
        covered = np.zeros(N_PIXELS, dtype=bool)
        grid_flux[index[inside]] = flux[inside]
        grid_ivar[index[inside]] = ivar[inside]
        covered[index[inside]] = True
    coverage = float(covered.mean()) if covered is not None else n_covered / N_PIXELS
    if coverage == 0:
        raise _FileError(
            f"the spectrum ({10 ** loglam[0]:.0f}-{10 ** loglam[-1]:.0f} A) does not "
            f"overlap the 4000-9000 A grid"
        )
    meta["coverage"] = coverage
    meta["n_bad_pixels"] = int(np.count_nonzero(grid_ivar == 0))
    meta["n_invalid"] = 0 if invalid is None else int(np.count_nonzero(invalid))
    meta["target"] = _target(meta["class"], meta["subclass"])
    meta["path"] = str(path)
    return _Spectrum(
        grid_flux.astype(np.float32, copy=False), grid_ivar.astype(np.float32, copy=False), meta
    )


def read_sdss_spectrum(path, *, rest_frame=False):
    """Read one SDSS spectrum file onto the paper's 3522-pixel grid.

    The low-level reader behind :func:`load_sdss_spectra`: bad pixels are
    *not* filled, so ``flux`` holds the file's values (NaN where the file has
    no pixel) and ``ivar`` is 0 at every bad or missing pixel.

    Parameters
    ----------
    path : str or Path
        A ``spec-PLATE-MJD-FIBER.fits`` (SDSS-legacy or BOSS) or DR7
        ``spSpec-MJD-PLATE-FIBER.fit`` file, optionally gzipped.
    rest_frame : bool, default=False
        Shift the spectrum to the rest frame using the file's redshift ``Z``
        (linear interpolation, see :func:`load_sdss_spectra`).

    Returns
    -------
    spectrum : :class:`~sklearn.utils.Bunch`
        ``flux`` (3522,) float32, ``ivar`` (3522,) float32, ``wavelength``
        (3522,) vacuum Angstrom and ``meta``, a dict with the keys of
        :func:`load_sdss_spectra`'s ``frame`` (except ``snr_bin``).

    Raises
    ------
    ValueError
        If the file is not a readable SDSS spectrum; the message names the
        file and the reason.
    FileNotFoundError
        If ``path`` does not exist.

    See Also
    --------
    load_sdss_spectra : Many files into the shared dataset Bunch.
    """
    path = Path(path)
    try:
        spectrum = _read_file(path, rest_frame=rest_frame)
    except _FileError as exc:
        raise _as_exception(path, str(exc)) from exc.__cause__
    return Bunch(
        flux=spectrum.flux,
        ivar=spectrum.ivar,
        wavelength=sdss_wavelength(),
        meta=dict(spectrum.meta),
    )


def _as_exception(path, reason):
    cls = FileNotFoundError if reason == "no such file" else ValueError
    return cls(f"{path}: {reason}")


# --------------------------------------------------------------------------
# Many files
# --------------------------------------------------------------------------

_DESCR = """\
Real SDSS spectra on the EMCCNN paper's grid
--------------------------------------------
Files: spec-PLATE-MJD-FIBER.fits (SDSS-legacy ~3840 pixels, 3800-9200 A; BOSS
~4600 pixels, 3600-10400 A) and DR7 spSpec-*.fit, read with astropy.

Grid: 3522 pixels, loglam = 3.6021 + 1e-4 i (4000-9000 A, vacuum). File pixels
map onto it by integer index, round((loglam - 3.6021) / 1e-4): no interpolation
(unless rest_frame=True, which shifts by Z with linear interpolation).

Bad pixels: ivar == 0, and_mask bits FULLREJECT (18), NOSKY (22), BRIGHTSKY (23)
or NODATA (24), invalid values (negative or NaN ivar, NaN flux; counted in
frame['n_invalid']) and grid pixels the file does not cover (frame['coverage']).
They have ivar = 0 and their flux in `data` is linearly interpolated from the
good neighbours (skspec.utils.interpolate_bad_pixels).

target: the pipeline's SUBCLASS without the template number and a dwarf 'V'
("M1 (204445)" -> "M1", "K0V" -> "K0"; giants keep "III"); CLASS for non-stars;
"" when the file has no subclass (DR7 spSpec). The raw SUBCLASS is in frame.
snr: SN_MEDIAN_ALL, or when absent (DR7) the same statistic, median of
flux * sqrt(ivar) over the file's good pixels (frame['snr_source']).
"""


def _check_on_error(on_error):
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")


def _list_for_warning(items, limit=10):
    items = list(items)
    text = "; ".join(items[:limit])
    return text + (f"; ... ({len(items) - limit} more)" if len(items) > limit else "")


def _assemble(spectra, errors):
    """Stack read spectra into the shared dataset Bunch, warning about issues."""
    if spectra:
        flux = np.stack([s.flux for s in spectra])
        ivar = np.stack([s.ivar for s in spectra])
    else:
        flux = np.empty((0, N_PIXELS), dtype=np.float32)
        ivar = np.empty((0, N_PIXELS), dtype=np.float32)
    data = interpolate_bad_pixels(flux, ivar == 0).astype(np.float32, copy=False)
    frame = pd.DataFrame([s.meta for s in spectra], columns=list(_FRAME_COLUMNS))
    snr = frame["snr"].to_numpy(dtype=float)
    frame["snr_bin"] = snr_bin_label(snr)
    # Row selections only when there is something to warn about (rare, and
    # a boolean selection of a frame costs more than the rest of the chunk).
    is_partial = frame["coverage"].to_numpy() < 1
    if is_partial.any():
        partial = frame[is_partial]
        warnings.warn(
            f"{len(partial)} spectra do not cover the whole 4000-9000 A grid; uncovered "
            f"pixels are bad (ivar 0, flux interpolated), see frame['coverage']: "
            + _list_for_warning(
                f"{p} ({c:.3f})" for p, c in zip(partial["path"], partial["coverage"])
            ),
            UserWarning,
            stacklevel=3,
        )
    has_invalid = frame["n_invalid"].to_numpy() > 0
    if has_invalid.any():
        invalid = frame[has_invalid]
        warnings.warn(
            f"{len(invalid)} files hold invalid pixels (negative or NaN ivar, NaN flux), "
            f"treated as bad, see frame['n_invalid']: "
            + _list_for_warning(
                f"{p} ({n} pixels)" for p, n in zip(invalid["path"], invalid["n_invalid"])
            ),
            UserWarning,
            stacklevel=3,
        )
    if errors:
        warnings.warn(
            f"skipped {len(errors)} unreadable files (see .errors): "
            + _list_for_warning(f"{p}: {r}" for p, r in errors),
            UserWarning,
            stacklevel=3,
        )
    return Bunch(
        data=data,
        ivar=ivar,
        target=frame["target"].to_numpy(dtype=object),
        wavelength=sdss_wavelength(),
        snr=snr,
        frame=frame,
        errors=list(errors),
        DESCR=_DESCR,
    )


def _read_all(paths, on_error, rest_frame):
    """Yield ``(spectrum, None)`` or ``(None, (path, reason))`` per file."""
    for path in paths:
        try:
            yield _read_file(path, rest_frame=rest_frame), None
        except _FileError as exc:
            if on_error == "raise":
                raise _as_exception(path, str(exc)) from exc.__cause__
            yield None, (str(path), str(exc))


# The private names of skspec 0.1, kept for one release: use expand_paths.
_expand_paths = expand_paths
_resolve = resolve_paths


def iter_sdss_spectra(paths, chunk_size=256, *, on_error="skip", rest_frame=False):
    """Read SDSS spectra in chunks of bounded size, for survey-scale work.

    Memory holds at most ``chunk_size`` spectra at a time, so millions of
    files can be streamed through a fitted model.

    Parameters
    ----------
    paths : str, Path or iterable of them
        A file, a directory (its ``*.fits``, ``*.fit`` and gzipped files), a
        glob pattern, or a list mixing those.
    chunk_size : int, default=256
        Maximum number of spectra per yielded Bunch.
    on_error : {"skip", "raise"}, default="skip"
        What to do with an unreadable file: list it in the chunk's ``errors``
        (and warn) or raise a ``ValueError`` naming it.
    rest_frame : bool, default=False
        Shift spectra to the rest frame by their redshift (see
        :func:`load_sdss_spectra`).

    Yields
    ------
    chunk : :class:`~sklearn.utils.Bunch`
        The fields of :func:`load_sdss_spectra` for the next at most
        ``chunk_size`` readable files, with ``errors`` listing the files
        skipped since the previous chunk. A final chunk may hold no spectrum
        and only errors.

    Raises
    ------
    ValueError
        If ``paths`` matches no file, or a file is unreadable and
        ``on_error="raise"``.

    See Also
    --------
    load_sdss_spectra : All files at once.

    Examples
    --------
    >>> for chunk in iter_sdss_spectra("spectra/", chunk_size=1000):  # doctest: +SKIP
    ...     proba = model.predict_proba(chunk.data)
    """
    if (
        isinstance(chunk_size, bool)
        or not isinstance(chunk_size, (int, np.integer))
        or chunk_size < 1
    ):
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    _check_on_error(on_error)
    found = resolve_paths(paths)
    return _iter_chunks(found, int(chunk_size), on_error, bool(rest_frame))


def _iter_chunks(found, chunk_size, on_error, rest_frame):
    spectra, errors = [], []
    for spectrum, error in _read_all(found, on_error, rest_frame):
        if error is not None:
            errors.append(error)
            continue
        spectra.append(spectrum)
        if len(spectra) == chunk_size:
            yield _assemble(spectra, errors)
            spectra, errors = [], []
    if spectra or errors:
        yield _assemble(spectra, errors)


def load_sdss_spectra(paths, *, on_error="raise", rest_frame=False):
    """Load real SDSS spectra onto the paper's 3522-pixel grid.

    Reads SDSS-legacy and BOSS ``spec-PLATE-MJD-FIBER.fits`` files and DR7
    ``spSpec-*.fit`` files and maps them onto ``loglam = 3.6021 + 1e-4 i``
    (4000-9000 A, vacuum) by integer pixel index.

    Parameters
    ----------
    paths : str, Path or iterable of them
        A file, a directory (its ``*.fits``, ``*.fit`` and gzipped files), a
        glob pattern, or a list mixing those.
    on_error : {"raise", "skip"}, default="raise"
        An unreadable or foreign file (truncated or corrupted FITS, not FITS
        at all, missing HDUs or columns, wavelengths off the SDSS grid, no
        overlap with 4000-9000 A) raises a ``ValueError`` naming the file and
        the reason; with ``"skip"`` it is left out, listed in ``errors`` and
        reported by a warning.
    rest_frame : bool, default=False
        Shift each spectrum to the rest frame by its redshift ``Z``. This
        needs interpolation (linear, variance propagated, a pixel is bad when
        one of its two source pixels is), so pixels are no longer independent.
        For stars ``|z| < 1e-3`` (under 5 pixels) and the default keeps the
        exact observed-frame pixels.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        data : ndarray of shape (n_spectra, 3522), float32
            Flux in 1e-17 erg/s/cm^2/A; bad pixels filled by linear
            interpolation (:func:`skspec.utils.interpolate_bad_pixels`), so
            always finite.
        ivar : ndarray of shape (n_spectra, 3522), float32
            Inverse variance, 0 at bad pixels (masked, invalid, or not
            covered by the file).
        target : ndarray of shape (n_spectra,), object
            Spectral type from the pipeline's SUBCLASS (``"M1 (204445)"`` ->
            ``"M1"``), see Notes.
        wavelength : ndarray of shape (3522,)
            Vacuum wavelengths in Angstrom.
        snr : ndarray of shape (n_spectra,)
            ``SN_MEDIAN_ALL``, or the same statistic computed with
            :func:`skspec.utils.sdss_snr` when the file lacks it.
        frame : pandas.DataFrame
            One row per spectrum: ``path``, ``format`` ("spec" or "spSpec"),
            ``instrument`` ("SDSS" or "BOSS"), ``plate``, ``mjd``, ``fiber``,
            ``class``, ``subclass`` (raw), ``target``, ``specobjid`` (text,
            "" if absent), ``ra``, ``dec`` (the plug position, degrees),
            ``z``, ``zwarning``, ``snr``, ``snr_source``, ``snr_bin``,
            ``coverage`` (fraction of the grid the file covers), ``n_bad_pixels`` (grid pixels with
            ivar 0), ``n_invalid`` (file pixels with negative/NaN ivar or NaN
            flux). Unknown integers are -1, unknown floats NaN.
        errors : list of (str, str)
            ``(path, reason)`` of the skipped files (``on_error="skip"``).
        DESCR : str
            Description of the dataset.

    Raises
    ------
    ValueError
        If no file matches ``paths``, none can be read, or (with
        ``on_error="raise"``) one cannot be read.
    FileNotFoundError
        If a named file does not exist and ``on_error="raise"``.

    Warns
    -----
    UserWarning
        Listing the files that cover the grid only partly, that hold invalid
        pixels, or that were skipped.

    See Also
    --------
    iter_sdss_spectra : The same in chunks of bounded memory.
    read_sdss_spectrum : One file, bad pixels left unfilled.
    skspec.datasets.make_mdwarf_spectra : Synthetic spectra, same Bunch.

    Notes
    -----
    ``target`` drops the BOSS template number and a dwarf luminosity class
    "V" (``"K0V"`` -> ``"K0"``); giants keep theirs (``"M6III"``) and
    non-stars get their CLASS ("GALAXY", "QSO"). DR7 ``spSpec`` files carry
    no stellar subclass: their ``target`` is ``""`` unless the header has a
    ``SUBCLASS`` keyword; their class comes from ``SPEC_CLN`` and their S/N is
    always computed (DR7 has only per-band SN_G/R/I). Both SDSS-legacy
    (3800-9200 A) and BOSS (3600-10400 A) files normally cover the whole grid.

    Examples
    --------
    >>> from skspec.datasets import load_sdss_spectra
    >>> ds = load_sdss_spectra("spec-0618-52049-0372.fits")  # doctest: +SKIP
    >>> ds.data.shape, ds.target  # doctest: +SKIP
    ((1, 3522), array(['M1'], dtype=object))
    """
    _check_on_error(on_error)
    found = resolve_paths(paths)
    spectra, errors = [], []
    for spectrum, error in _read_all(found, on_error, bool(rest_frame)):
        if error is None:
            spectra.append(spectrum)
        else:
            errors.append(error)
    if not spectra:
        raise ValueError(
            f"none of the {len(found)} files could be read: "
            + _list_for_warning(f"{p}: {r}" for p, r in errors)
        )
    return _assemble(spectra, errors)
