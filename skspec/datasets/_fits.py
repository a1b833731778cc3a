"""The one FITS module: a fast hand-written path for what skspec reads often, astropy for the rest.

astropy (:mod:`astropy.io.fits`) is the reference reader, and the tests
compare the fast paths against it. Two things are read without it, because
astropy is measurably slower at them:

- :func:`fast_columns`: a few scalar columns of a binary table. astropy
  builds a ``Column`` object for each of the 126-232 fields of an SDSS
  ``SPECOBJ``/``SPALL`` table when its data are first touched (~70 ms, ten
  times the cost of the rest of a spectrum's read); slicing the few needed
  columns out of the raw rows avoids that. Anything unusual raises
  :class:`Unsupported` and :func:`table_columns` falls back on astropy.
- :func:`read_headers`: the header cards of every HDU, walking the file's
  2880-byte blocks, about 100 times faster than astropy and thread-safe
  (astropy reports a truncated file only by a warning, and catching warnings
  swaps process-wide state). It verifies downloads before they are cached.

Both decode card values with the one :func:`card_value`.
"""

import io
import os
import re

import numpy as np

__all__ = [
    "BLOCK",
    "FileError",
    "Unsupported",
    "card_value",
    "check_layout",
    "fast_columns",
    "open_fits",
    "read_headers",
    "table_columns",
    "verify_checksums",
]

#: FITS files are made of 2880-byte blocks.
BLOCK = 2880


class FileError(Exception):
    """A file that cannot be used; ``str()`` is the reason, without the path."""


class Unsupported(Exception):
    """The fast table reader cannot decode this table; use astropy instead."""


# --------------------------------------------------------------------------
# Header cards
# --------------------------------------------------------------------------


def card_value(raw, *, typed=True):
    """Value of a FITS header card from its bytes after ``"= "`` (columns 11-80).

    A string value is unquoted, its ``''`` escapes become ``'`` and its
    trailing blanks are dropped (leading blanks are significant in FITS).
    Any other value is the text before the comment (``/``), converted to
    bool (``T``/``F``), int or float when ``typed``; text that is none of
    those gives None.

    Parameters
    ----------
    raw : bytes
        The value field of one 80-byte card, with or without its comment.
    typed : bool, default=True
        Convert non-string values; False returns their text (for values
        such as ``1.0D0`` that a caller parses itself).

    Returns
    -------
    value : str, bool, int, float or None

    Examples
    --------
    >>> from skspec.datasets._fits import card_value
    >>> card_value(b"'O''HARA '           / observer")
    "O'HARA"
    >>> card_value(b"                  42 / a number"), card_value(b"T")
    (42, True)
    >>> card_value(b"1.0D0", typed=False)
    '1.0D0'
    """
    text = raw.decode("ascii", "replace").strip()
    if text.startswith("'"):
        end = text.find("'", 1)
        while end != -1 and text[end + 1 : end + 2] == "'":  # '' is an escaped quote
            end = text.find("'", end + 2)
        return text[1 : end if end != -1 else None].replace("''", "'").rstrip()
    text = text.split("/", 1)[0].strip()
    if not typed:
        return text
    if text in ("T", "F"):
        return text == "T"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            continue
    return None


# Header keywords that size the data of an HDU (always decoded by read_headers).
_SIZE_KEYS = {"SIMPLE", "XTENSION", "BITPIX", "NAXIS", "PCOUNT", "GCOUNT"}


def read_headers(path, keys=(), prefixes=()):
    """Header keywords of every HDU, walking the file's blocks without astropy.

    Checks that the file is FITS and holds every data unit its headers
    announce (a download cut short fails here). About 100 times faster than
    parsing the headers with astropy, and thread-safe.

    Parameters
    ----------
    path : path-like
    keys : iterable of str, default=()
        Keywords to decode besides those that size the data (``BITPIX``,
        ``NAXISn``, ``PCOUNT``, ``GCOUNT``, ...).
    prefixes : iterable of str, default=()
        Decode every keyword starting with one of these (e.g. ``"TTYPE"``).

    Returns
    -------
    headers : list of dict
        One ``{keyword: value}`` per HDU (values as :func:`card_value` gives).

    Raises
    ------
    FileError
        If the file is not FITS, its size is not a whole number of blocks
        (checked first: a cut download is the common case here), a header
        lacks its sizes, or the file ends before a data unit does.
    """
    wanted = {k.encode("ascii") for k in (*_SIZE_KEYS, *keys)}
    wanted_prefixes = (b"NAXIS", *(p.encode("ascii") for p in prefixes))
    size = os.path.getsize(path)
    if size == 0 or size % BLOCK:
        raise FileError(f"{size} bytes is not a whole number of FITS blocks (truncated?)")
    headers, pos = [], 0
    with open(path, "rb") as fh:
        if not fh.read(10).startswith(b"SIMPLE  ="):
            raise FileError("not a FITS file (it does not start with SIMPLE =)")
        fh.seek(0)
        while pos < size:
            raw = b""
            while True:  # the header: blocks up to the one holding END
                block = fh.read(BLOCK)
                if len(block) < BLOCK:
                    raise FileError(f"truncated inside the header of HDU {len(headers)}")
                raw += block
                pos += BLOCK
                if any(block[k : k + 8] == b"END     " for k in range(0, BLOCK, 80)):
                    break
            cards = {}
            for k in range(0, len(raw), 80):
                key = raw[k : k + 8].rstrip()
                if key == b"END":
                    break
                if (key in wanted or key.startswith(wanted_prefixes)) and raw[
                    k + 8 : k + 10
                ] == b"= ":
                    cards[key.decode("ascii")] = card_value(raw[k + 10 : k + 80])
            try:
                naxis = [int(cards[f"NAXIS{i}"]) for i in range(1, int(cards["NAXIS"]) + 1)]
                n_bytes = (
                    abs(int(cards["BITPIX"]))
                    // 8
                    * int(cards.get("GCOUNT", 1))
                    * (int(cards.get("PCOUNT", 0)) + (int(np.prod(naxis)) if naxis else 0))
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise FileError(f"HDU {len(headers)} has an invalid header ({exc!r})") from None
            headers.append(cards)
            pos += -(-n_bytes // BLOCK) * BLOCK
            if pos > size:
                raise FileError(
                    f"truncated: HDU {len(headers) - 1} ends at byte {pos}, the file has {size}"
                )
            fh.seek(pos)
    return headers


def check_layout(fh):
    """Refuse non-FITS and truncated files before astropy half-reads them.

    A FITS file starts with ``SIMPLE  =`` and is made of whole 2880-byte
    blocks; a file cut short almost never ends on a block boundary. ``fh`` is
    an open binary file, left at its start.

    Raises
    ------
    FileError
    """
    fh.seek(0)
    start = fh.read(9)
    size = fh.seek(0, io.SEEK_END)
    fh.seek(0)
    if start != b"SIMPLE  =":
        raise FileError("not a FITS file (it does not start with a SIMPLE card)")
    if size % BLOCK:
        raise FileError(
            f"file is truncated: its size ({size} bytes) is not a whole number "
            f"of {BLOCK}-byte FITS blocks"
        )


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------

_TFORM = re.compile(r"^\s*(\d*)\s*([LXBIJKAEDCMPQ])")
_TFORM_WIDTH = {
    "L": 1,
    "B": 1,
    "I": 2,
    "J": 4,
    "K": 8,
    "A": 1,
    "E": 4,
    "D": 8,
    "C": 8,
    "M": 16,
    "P": 8,
    "Q": 16,
}
_TFORM_DTYPE = {"B": "u1", "I": ">i2", "J": ">i4", "K": ">i8", "E": ">f4", "D": ">f8"}
_TABLE_CARD = re.compile(rb"^(TTYPE|TFORM|TSCAL|TZERO|TDIM)(\d+)\s*=\s*(.*)$")


def open_fits(fh):
    """astropy's HDU list of an open binary file (no memory map, HDUs read lazily)."""
    from astropy.io import fits

    return fits.open(fh, memmap=False, lazy_load_hdus=True)


def fast_columns(fh, hdul, index, names):
    """Read some columns of a binary table straight from the file bytes.

    ``hdul`` is :func:`open_fits` of ``fh``. Only simple scalar columns are
    decoded (integers, floats, fixed-width text); anything unusual
    (variable-length arrays, TDIM, bits, logicals, complex, a Fortran
    ``1.0D0`` scale) raises :class:`Unsupported`.

    Returns
    -------
    columns : dict
        ``{name: array}`` for those of ``names`` present (matched without
        regard to case); text columns are object arrays of stripped str.
    """
    info = hdul[index].fileinfo()
    header = hdul[index].header
    nrows, rowlen = int(header["NAXIS2"]), int(header["NAXIS1"])
    # Parse the table cards from the raw header bytes: astropy's Header
    # lookups cost ~10 us each, and these tables have ~1000 such cards.
    fh.seek(info["hdrLoc"])
    raw_header = fh.read(info["datLoc"] - info["hdrLoc"])
    cards = {}
    for k in range(0, len(raw_header), 80):
        m = _TABLE_CARD.match(raw_header[k : k + 80])
        if m:
            cards[(m[1].decode(), int(m[2]))] = card_value(m[3], typed=False).strip()
    fields, pos = {}, 0
    for k in range(1, int(header["TFIELDS"]) + 1):
        m = _TFORM.match(cards.get(("TFORM", k), ""))
        if m is None:
            raise Unsupported
        repeat = int(m[1]) if m[1] else 1
        width = (repeat + 7) // 8 if m[2] == "X" else repeat * _TFORM_WIDTH[m[2]]
        fields[cards.get(("TTYPE", k), "").upper()] = (pos, repeat, m[2], k)
        pos += width
    if pos != rowlen:
        raise Unsupported
    fh.seek(info["datLoc"])
    raw = fh.read(nrows * rowlen)
    if len(raw) < nrows * rowlen:
        raise FileError(f"file is truncated inside HDU {index} ({hdul[index].name})")
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(nrows, rowlen)
    out = {}
    for name in names:
        if name.upper() not in fields:
            continue
        start, repeat, code, k = fields[name.upper()]
        if ("TDIM", k) in cards:
            raise Unsupported
        if code == "A":
            cells = rows[:, start : start + repeat].copy().view(f"S{repeat}").ravel()
            out[name] = np.array(
                [c.rstrip(b"\x00 ").decode("ascii", "replace") for c in cells], dtype=object
            )
            continue
        if code not in _TFORM_DTYPE or repeat != 1:
            raise Unsupported
        dtype = np.dtype(_TFORM_DTYPE[code])
        values = rows[:, start : start + dtype.itemsize].copy().view(dtype).ravel()
        values = values.astype(dtype.newbyteorder("="))
        scale, zero = cards.get(("TSCAL", k)), cards.get(("TZERO", k))
        if scale is not None or zero is not None:
            try:
                values = values * float(scale or 1.0) + float(zero or 0.0)
            except ValueError:  # e.g. a Fortran "1.0D0": let astropy parse it
                raise Unsupported from None
        out[name] = values
    return out


def table_columns(fh, hdul, index, names):
    """``{name: array}`` for those of ``names`` present in table HDU ``index``.

    :func:`fast_columns` when it can decode the table, else astropy (the
    reference: both give the same arrays).
    """
    try:
        return fast_columns(fh, hdul, index, names)
    except Unsupported:
        pass
    data = hdul[index].data
    present = {n.upper(): n for n in data.columns.names}
    out = {}
    for name in names:
        if name.upper() in present:
            col = data[present[name.upper()]]
            if col.dtype.kind in "SU":
                out[name] = np.array([str(c).strip() for c in col], dtype=object)
            else:
                out[name] = np.asarray(col).astype(col.dtype.newbyteorder("="))
    return out


# --------------------------------------------------------------------------
# Checksums
# --------------------------------------------------------------------------


def verify_checksums(path):
    """Verify the FITS ``CHECKSUM``/``DATASUM`` keywords of every HDU (with astropy).

    Safe in a worker thread: ``verify_checksum``/``verify_datasum`` return 0
    on a mismatch rather than warn, as ``fits.open(checksum=True)`` does.

    Raises
    ------
    FileError
        On a mismatch or a file astropy cannot parse.
    """
    from astropy.io import fits

    try:
        with fits.open(path, memmap=False) as hdul:
            for index, hdu in enumerate(hdul):
                if hdu.verify_datasum() == 0 or hdu.verify_checksum() == 0:
                    raise FileError(f"FITS checksum verification failed for HDU {index}")
    except FileError:
        raise
    except Exception as exc:  # any failure to parse means a damaged file
        raise FileError(f"unreadable FITS ({type(exc).__name__}: {exc})") from exc
