"""``skspec predict --format csv|parquet|fits|ecsv`` and ``--overwrite``.

Every format holds the same rows as the CSV file (read back with pandas or
astropy); an existing output is kept unless ``--overwrite`` is given; a
failed write leaves nothing behind.
"""

import importlib.util

import numpy as np
import pandas as pd
import pytest
from _spec_files import write_spec
from astropy.io import fits
from astropy.table import Table

from skspec._predict import read_prediction_csv
from skspec.cli import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, main
from skspec.datasets import make_mdwarf_spectra
from skspec.io import read_model_metadata, table_format, write_table
from skspec.utils import N_PIXELS


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "template.skspec"
    argv = ["train", "--model", "template", "--n-samples", "300", "--out", str(path), "-q"]
    assert main(argv) == EXIT_OK
    return path


@pytest.fixture(scope="module")
def spectra(tmp_path_factory):
    """Four M dwarf files, one with an id and position, one faint (flagged)."""
    d = tmp_path_factory.mktemp("spectra")
    ds = make_mdwarf_spectra(4, snr=(20, 30), random_state=11)
    for k in range(4):
        specobj = {"FIBERID": ("J", [k + 1]), "SN_MEDIAN_ALL": ("E", [3.0 if k == 3 else 25.0])}
        if k == 0:
            specobj.update(
                SPECOBJID=("19A", ["9223372036854775999"]),  # above int64
                PLUG_RA=("D", [10.5]),
                PLUG_DEC=("D", [-3.25]),
            )
        write_spec(
            d / f"spec-4000-55500-{k + 1:04d}.fits",
            start=0,
            n=N_PIXELS,
            flux=ds.data[k].astype(np.float32),
            ivar=ds.ivar[k].astype(np.float32),
            specobj=specobj,
        )
    return d


@pytest.fixture(scope="module")
def reference(model_file, spectra, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "p.csv"
    assert main(["predict", str(spectra), "--model", str(model_file), "--out", str(out), "-q"]) == 0
    return read_prediction_csv(out)


def _same_rows(got, want):
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want) == 4
    for name in want.columns:
        if want[name].dtype.kind in "fiu":
            np.testing.assert_allclose(
                got[name].astype(float), want[name].astype(float), err_msg=name
            )
        else:
            # astropy reads an empty text cell back as masked (NaN in pandas).
            assert list(got[name].fillna("").astype(str)) == list(want[name].astype(str)), name


def test_csv_reads_back_with_ids_as_text(reference):
    assert reference.loc[0, "specobjid"] == "9223372036854775999"
    assert (reference.loc[0, "ra"], reference.loc[0, "dec"]) == (10.5, -3.25)
    assert list(reference["specobjid"][1:]) == ["", "", ""]
    assert reference["ra"][1:].isna().all()
    assert reference.loc[3, "flags"] == "low_snr" and reference.loc[0, "flags"] == ""


@pytest.mark.parametrize(
    "suffix, fmt",
    [(".fits", "fits"), (".ecsv", "ecsv"), (".parquet", "parquet"), (".csv", "csv")],
)
def test_each_format_round_trips(suffix, fmt, model_file, spectra, reference, tmp_path):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    out = tmp_path / f"p{suffix}"
    argv = ["predict", str(spectra), "--model", str(model_file), "--out", str(out), "-q"]
    assert main(argv) == EXIT_OK
    sha = read_model_metadata(model_file)["payload_sha256"]
    if fmt == "csv":
        got = read_prediction_csv(out)
    elif fmt == "parquet":
        got = pd.read_parquet(out)
    else:
        table = Table.read(out, format="fits" if fmt == "fits" else "ascii.ecsv")
        assert table.meta["MODELSHA"] == sha and table.meta["MODEL"] == "template.skspec"
        got = table.to_pandas()
        for name in got.columns:
            if got[name].dtype == object:
                got[name] = got[name].map(lambda v: v.decode() if isinstance(v, bytes) else v)
    _same_rows(got, reference)
    if fmt == "fits":
        with fits.open(out) as hdul:
            assert len(hdul) == 2 and hdul[1].header["SKSPEC"]


def test_format_option_beats_the_suffix(model_file, spectra, reference, tmp_path):
    out = tmp_path / "predictions.dat"
    argv = ["predict", str(spectra), "--model", str(model_file), "--out", str(out), "-q"]
    assert main([*argv, "--format", "ecsv"]) == EXIT_OK
    _same_rows(Table.read(out, format="ascii.ecsv").to_pandas(), reference)
    assert table_format("x.dat") == "csv" and table_format("x.FITS") == "fits"
    assert main([*argv, "--format", "xml"]) == EXIT_USAGE


def test_existing_output_is_kept_without_overwrite(model_file, spectra, tmp_path, capsys):
    out = tmp_path / "p.fits"
    out.write_text("precious")
    argv = ["predict", str(spectra), "--model", str(model_file), "--out", str(out), "-q"]
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "exists" in err and "--overwrite" in err and len(err.strip().splitlines()) == 1
    assert out.read_text() == "precious"
    assert main([*argv, "--overwrite"]) == EXIT_OK
    assert len(Table.read(out)) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.fits"]


def test_parquet_without_pyarrow_names_the_extra(
    model_file, spectra, tmp_path, monkeypatch, capsys
):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a)
    )
    out = tmp_path / "p.parquet"
    argv = ["predict", str(spectra), "--model", str(model_file), "--out", str(out), "-q"]
    assert main(argv) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "pyarrow" in err and "skspec[parquet]" in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_interrupted_table_write_leaves_nothing(model_file, spectra, tmp_path, monkeypatch):
    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Table, "write", interrupted)
    out = tmp_path / "p.fits"
    argv = ["predict", str(spectra), "--model", str(model_file), "--out", str(out), "-q"]
    assert main(argv) == EXIT_INTERRUPTED
    assert list(tmp_path.iterdir()) == []


def test_the_older_positional_model_form_gives_the_same_rows(
    model_file, spectra, reference, tmp_path
):
    out = tmp_path / "p.csv"
    assert main(["predict", str(model_file), str(spectra), "--out", str(out), "-q"]) == EXIT_OK
    _same_rows(read_prediction_csv(out), reference)


def test_write_table_text_and_missing_values(tmp_path):
    frame = pd.DataFrame({"name": ["a", None], "x": [1.5, np.nan], "n": [1, 2]})
    for suffix in (".fits", ".ecsv", ".csv"):
        path = tmp_path / f"t{suffix}"
        write_table(frame, path, meta={"NOTE": "hi"})
        got = read_prediction_csv(path) if suffix == ".csv" else Table.read(path).to_pandas()
        names = [v.decode() if isinstance(v, bytes) else v for v in got["name"]]
        assert [n if isinstance(n, str) else "" for n in names] == ["a", ""], suffix
        assert got["x"][0] == 1.5 and np.isnan(got["x"][1]) and list(got["n"]) == [1, 2]
    with pytest.raises(ValueError, match="unknown table format"):
        write_table(frame, tmp_path / "t.csv", format="xlsx")
