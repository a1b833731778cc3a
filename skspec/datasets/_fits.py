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
- :func:`read_leading_hdus` and :func:`table_layout`: the survey path. Only
  the first few HDUs of a file are read (an SDSS spec file's COADD and
  SPECOBJ, never its per-exposure HDUs); a binary table becomes one
  :func:`numpy.frombuffer` on a big-endian structured dtype, whose layout is
  parsed once per distinct header and cached. Anything unusual raises
  :class:`Unsupported`, and the caller falls back on astropy.

All decode card values with the one :func:`card_value`.
"""

import io
import math
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
    "read_leading_hdus",
    "table_layout",
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
# The survey path: the first HDUs only, one frombuffer per table
# --------------------------------------------------------------------------

_END_CARD = b"END" + b" " * 77
# Bytes read at a time while looking for the end of a header.
_READ_AHEAD = 16 * BLOCK


class LeadingHDU:
    """One HDU read by :func:`read_leading_hdus`.

    Attributes
    ----------
    header : bytes
        The header's cards (whole blocks, up to and including END).
    naxis : tuple of int
        ``NAXIS1``, ``NAXIS2``, ... from the mandatory cards.
    data : memoryview
        The data unit (without its block padding).
    """

    __slots__ = ("header", "naxis", "data")

    def __init__(self, header, naxis, data):
        self.header, self.naxis, self.data = header, naxis, data


def _mandatory_int(header, k, key):
    card = header[80 * k : 80 * k + 80]
    if card[:8].rstrip() != key or card[8:10] != b"= ":
        raise Unsupported  # not in the standard's mandatory order: let astropy judge
    try:
        return int(card[10:].split(b"/", 1)[0])
    except ValueError:
        raise Unsupported from None


def read_leading_hdus(path, n_hdus):
    """Headers and data of the first ``n_hdus`` HDUs, reading nothing beyond them.

    For the common case only: any departure from a plain FITS file (not a
    whole number of blocks, mandatory cards out of order, a primary image,
    fewer HDUs, a data unit past the end of the file) raises
    :class:`Unsupported`, so that the caller can hand the file to astropy,
    which gives the reasons of :func:`check_layout` and its own.

    Parameters
    ----------
    path : path-like
    n_hdus : int

    Returns
    -------
    hdus : list of :class:`LeadingHDU`
    """
    with open(path, "rb", buffering=0) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0 or size % BLOCK:
            raise Unsupported
        buf = bytearray()

        def ensure(end, ahead=0):
            if end > len(buf):
                buf.extend(fh.read(max(end, len(buf) + ahead) - len(buf)))
                if end > len(buf):
                    raise Unsupported  # truncated: astropy words the error

        hdus, pos = [], 0
        for index in range(n_hdus):
            if pos >= size:
                raise Unsupported
            start = pos
            ensure(pos + BLOCK, _READ_AHEAD)
            end = buf.find(_END_CARD, pos)
            while end == -1 or (end - start) % 80:  # the END card, on a card boundary
                if end == -1:
                    if len(buf) >= size:
                        raise Unsupported
                    ensure(len(buf) + 1, _READ_AHEAD)  # reads ahead
                    end = buf.find(_END_CARD, max(pos, len(buf) - _READ_AHEAD - 80))
                else:
                    end = buf.find(_END_CARD, end + 1)
            pos = start + ((end - start) // BLOCK + 1) * BLOCK
            ensure(pos)
            header = bytes(buf[start:pos])
            first = header[:10]
            if first != (b"SIMPLE  = " if index == 0 else b"XTENSION= "):
                raise Unsupported
            if _mandatory_int(header, 1, b"BITPIX") not in (8, 16, 32, 64, -32, -64):
                raise Unsupported
            n_axes = _mandatory_int(header, 2, b"NAXIS")
            naxis = tuple(
                _mandatory_int(header, 2 + k, f"NAXIS{k}".encode()) for k in range(1, n_axes + 1)
            )
            if index == 0:
                if n_axes:  # a primary image (e.g. DR7 spSpec): not this path
                    raise Unsupported
                n_bytes = 0
            else:
                pcount = _mandatory_int(header, 3 + n_axes, b"PCOUNT")
                gcount = _mandatory_int(header, 4 + n_axes, b"GCOUNT")
                bitpix = _mandatory_int(header, 1, b"BITPIX")
                n_bytes = abs(bitpix) // 8 * gcount * (pcount + math.prod(naxis))
            padded = -(-n_bytes // BLOCK) * BLOCK
            if pos + padded > size:
                raise Unsupported
            ensure(pos + n_bytes)
            hdus.append(LeadingHDU(header, naxis, (pos, n_bytes)))
            pos += padded
    view = memoryview(buf)  # only now: a bytearray with a view cannot grow
    for hdu in hdus:
        hdu.data = view[hdu.data[0] : hdu.data[0] + hdu.data[1]]
    return hdus


_LAYOUT_CACHE = {}
_MAX_CACHED_LAYOUTS = 64


class TableLayout:
    """Where the columns of a binary table lie in a row.

    Attributes
    ----------
    extname : str
        ``EXTNAME`` as astropy's ``hdu.name`` gives it (stripped, upper case).
    columns : dict
        Upper-case name -> ``(offset, repeat, code, plain)``: byte offset in
        the row, repeat count, TFORM letter, and whether the column has no
        TDIM, TSCAL or TZERO card.
    """

    __slots__ = ("extname", "columns", "row_bytes")

    def __init__(self, extname, columns, row_bytes):
        self.extname, self.columns, self.row_bytes = extname, columns, row_bytes

    def dtype(self, names):
        """Big-endian structured dtype of the (plain, numeric, scalar) columns ``names``."""
        formats, offsets = [], []
        for name in names:
            offset, repeat, code, plain = self.columns[name.upper()]
            if not plain or repeat != 1 or code not in _TFORM_DTYPE:
                raise Unsupported
            formats.append(_TFORM_DTYPE[code])
            offsets.append(offset)
        return np.dtype(
            {
                "names": list(names),
                "formats": formats,
                "offsets": offsets,
                "itemsize": self.row_bytes,
            }
        )

    def text(self, row, name):
        """A text cell of ``row`` (bytes of one row), stripped as :func:`fast_columns` does."""
        offset, repeat, code, plain = self.columns[name.upper()]
        if code != "A" or not plain:
            raise Unsupported
        return bytes(row[offset : offset + repeat]).rstrip(b"\x00 ").decode("ascii", "replace")

    def scalar(self, row, name):
        """A numeric cell of ``row`` as a Python int or float."""
        offset, repeat, code, plain = self.columns[name.upper()]
        if not plain or repeat != 1 or code not in _TFORM_DTYPE:
            raise Unsupported
        return np.frombuffer(row, dtype=_TFORM_DTYPE[code], count=1, offset=offset)[0].item()


def table_layout(hdu):
    """The :class:`TableLayout` of a binary-table :class:`LeadingHDU` (cached).

    The column cards of a survey's files are the same from file to file (only
    ``NAXIS2`` changes), so the layout is parsed once per distinct header:
    the key is the header after its eight mandatory cards.

    Raises
    ------
    Unsupported
        Not a plain BINTABLE (two axes, no heap, one group), or a column this
        reader does not decode (the caller falls back on astropy).
    """
    header = hdu.header
    if card_value(header[10:80]) != "BINTABLE" or len(hdu.naxis) != 2:
        raise Unsupported
    if _mandatory_int(header, 5, b"PCOUNT") or _mandatory_int(header, 6, b"GCOUNT") != 1:
        raise Unsupported
    key = (hdu.naxis[0], header[7 * 80 :])
    layout = _LAYOUT_CACHE.get(key)
    if layout is not None:
        return layout
    row_bytes = hdu.naxis[0]
    cards, extname, tfields = {}, "", None
    for k in range(7 * 80, len(header), 80):
        card = header[k : k + 80]
        if card[:8] == b"EXTNAME " and card[8:10] == b"= ":
            extname = str(card_value(card[10:])).strip().upper()
        elif card[:8] == b"TFIELDS " and card[8:10] == b"= ":
            tfields = card_value(card[10:])
        else:
            m = _TABLE_CARD.match(card)
            if m:
                cards[(m[1].decode(), int(m[2]))] = card_value(m[3], typed=False).strip()
    if not isinstance(tfields, int) or isinstance(tfields, bool):
        raise Unsupported
    columns, pos = {}, 0
    for k in range(1, tfields + 1):
        m = _TFORM.match(cards.get(("TFORM", k), ""))
        if m is None:
            raise Unsupported
        repeat = int(m[1]) if m[1] else 1
        width = (repeat + 7) // 8 if m[2] == "X" else repeat * _TFORM_WIDTH[m[2]]
        plain = not any((c, k) in cards for c in ("TDIM", "TSCAL", "TZERO"))
        name = cards.get(("TTYPE", k), "").upper()
        if name in columns:
            raise Unsupported  # ambiguous: astropy decides
        columns[name] = (pos, repeat, m[2], plain)
        pos += width
    if pos != row_bytes:
        raise Unsupported
    layout = TableLayout(extname, columns, row_bytes)
    if len(_LAYOUT_CACHE) >= _MAX_CACHED_LAYOUTS:
        _LAYOUT_CACHE.pop(next(iter(_LAYOUT_CACHE)))
    _LAYOUT_CACHE[key] = layout
    return layout


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
