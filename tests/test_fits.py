"""The one FITS module: its fast paths against astropy, the reference reader."""

import numpy as np
import pytest
from astropy.io import fits

from skspec.datasets import _fits


@pytest.mark.parametrize(
    "raw, value",
    [
        (b"'M1 (204445)'        / SDSS subclass", "M1 (204445)"),
        (b"'O''HARA '", "O'HARA"),  # '' is an escaped quote
        (b"''''", "'"),
        (b"'  leading'", "  leading"),  # leading blanks are significant
        (b"'a/b' / comment", "a/b"),
        (b"                  42 / an int", 42),
        (b"-1.5E-3", -1.5e-3),
        (b"T", True),
        (b"F / flag", False),
        (b"1.0D0", None),  # Fortran exponent: not a Python float
        (b"", None),
    ],
)
def test_card_value(raw, value):
    assert _fits.card_value(raw) == value


def test_card_value_untyped_keeps_the_text():
    assert _fits.card_value(b"1.0D0 / scale", typed=False) == "1.0D0"
    assert _fits.card_value(b"'it''s'", typed=False) == "it's"


def _write_table(path, quoted_name=False):
    n = 5
    columns = [
        fits.Column(name="PLATE", format="J", array=np.arange(n) + 266),
        fits.Column(name="Z", format="D", array=np.linspace(-1e-4, 2e-4, n)),
        fits.Column(name="SN", format="E", array=np.linspace(3.5, 40.0, n)),
        fits.Column(name="CLASS", format="6A", array=["STAR", "GALAXY", "QSO", "STAR", ""]),
        fits.Column(name="SCALED", format="I", array=np.arange(n, dtype=np.int16)),
        fits.Column(name="BYTE", format="B", array=np.arange(n, dtype=np.uint8)),
        fits.Column(
            name="O'NAME" if quoted_name else "ONAME",
            format="K",
            array=np.arange(n, dtype=np.int64) * 10**12,
        ),
    ]
    hdul = fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(columns, name="T")])
    hdul.writeto(path)
    # A scaled column (physical = 10 + 0.5 * stored), added to the header
    # afterwards: astropy cannot write one from scratch under numpy 2.
    fits.setval(path, "TSCAL5", value=0.5, ext=1)
    fits.setval(path, "TZERO5", value=10.0, ext=1)
    return path


@pytest.mark.parametrize("quoted_name", [False, True])
def test_fast_columns_match_astropy(tmp_path, quoted_name):
    path = _write_table(tmp_path / "t.fits", quoted_name)
    names = [
        "PLATE",
        "Z",
        "SN",
        "CLASS",
        "SCALED",
        "BYTE",
        "O'NAME" if quoted_name else "ONAME",
        "ABSENT",
    ]
    with open(path, "rb") as fh, _fits.open_fits(fh) as hdul:
        fast = _fits.fast_columns(fh, hdul, 1, names)
        data = hdul[1].data
        assert set(fast) == set(names) - {"ABSENT"}
        for name in fast:
            ref = data[name]
            if ref.dtype.kind in "SU":
                assert fast[name].tolist() == [str(v).strip() for v in ref]
            else:
                np.testing.assert_array_equal(fast[name], np.asarray(ref))


def test_table_columns_fall_back_on_astropy(tmp_path, monkeypatch):
    path = _write_table(tmp_path / "t.fits")
    with open(path, "rb") as fh, _fits.open_fits(fh) as hdul:
        fast = _fits.table_columns(fh, hdul, 1, ["PLATE", "Z", "CLASS"])

    def unsupported(*args, **kwargs):
        raise _fits.Unsupported

    monkeypatch.setattr(_fits, "fast_columns", unsupported)
    with open(path, "rb") as fh, _fits.open_fits(fh) as hdul:
        slow = _fits.table_columns(fh, hdul, 1, ["PLATE", "Z", "CLASS"])
    assert fast.keys() == slow.keys()
    for name in fast:
        assert fast[name].tolist() == slow[name].tolist()


def test_read_headers_match_astropy(tmp_path):
    path = _write_table(tmp_path / "t.fits")
    headers = _fits.read_headers(path, keys=("EXTNAME", "TFIELDS"), prefixes=("TTYPE",))
    with fits.open(path) as hdul:
        assert len(headers) == len(hdul)
        for ours, hdu in zip(headers, hdul):
            for key, value in ours.items():
                assert hdu.header[key] == value, key
        assert headers[1]["TTYPE4"] == "CLASS" and headers[1]["EXTNAME"] == "T"


def test_truncation_and_foreign_files(tmp_path):
    path = _write_table(tmp_path / "t.fits")
    raw = path.read_bytes()
    assert len(raw) > 2 * _fits.BLOCK  # primary header, table header, table data
    (tmp_path / "cut.fits").write_bytes(raw[: 2 * _fits.BLOCK])
    with pytest.raises(_fits.FileError, match="truncated: HDU 1 ends at byte"):
        _fits.read_headers(tmp_path / "cut.fits")
    assert len(_fits.read_headers(tmp_path / "t.fits")) == 2
    (tmp_path / "odd.fits").write_bytes(raw[:-10])
    with pytest.raises(_fits.FileError, match="not a whole number of FITS blocks"):
        _fits.read_headers(tmp_path / "odd.fits")
    with (
        open(tmp_path / "odd.fits", "rb") as fh,
        pytest.raises(_fits.FileError, match="truncated.*2880-byte FITS blocks"),
    ):
        _fits.check_layout(fh)
    (tmp_path / "text.fits").write_bytes(b"plate,mjd\n".ljust(_fits.BLOCK))
    with (
        open(tmp_path / "text.fits", "rb") as fh,
        pytest.raises(_fits.FileError, match="not a FITS file"),
    ):
        _fits.check_layout(fh)
    with pytest.raises(_fits.FileError, match="not a FITS file"):
        _fits.read_headers(tmp_path / "text.fits")
