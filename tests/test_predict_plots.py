"""``skspec predict FILES --out OUT --plots DIR``: one figure per spectrum (issue 12).

SDSS-like files written by tests/_spec_files.py and the bundled model, so
nothing here needs ../shared/data.
"""

import gzip
import os

import pandas as pd
import pytest
from _spec_files import write_spec

from skspec.cli import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

pytest.importorskip("matplotlib")


@pytest.fixture
def spectra(tmp_path):
    data = tmp_path / "spectra"
    data.mkdir()
    write_spec(data / "spec-4000-55500-0017.fits")
    write_spec(data / "spec-4000-55500-0018.fits", start=-150)
    gz = data / "spec-4000-55500-0019.fits.gz"
    plain = write_spec(tmp_path / "tmp.fits")
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    return data


def _pngs(directory):
    return sorted(p.name for p in directory.iterdir())


def test_predict_plots_one_png_per_spectrum(spectra, tmp_path, capsys):
    bad = spectra / "spec-9999-59999-0001.fits"
    bad.write_bytes((spectra / "spec-4000-55500-0017.fits").read_bytes()[:5000])  # truncated
    plots = tmp_path / "figures" / "new"  # created, parents too
    out = tmp_path / "pred.csv"
    code = main(["predict", str(spectra), "--out", str(out), "--plots", str(plots), "-q"])
    captured = capsys.readouterr()
    assert code == EXIT_PARTIAL  # the truncated file: no prediction, no figure
    assert "2 plot(s)" not in captured.out and "3 plot(s) in" in captured.out
    assert _pngs(plots) == [
        "spec-4000-55500-0017.png",
        "spec-4000-55500-0018.png",
        "spec-4000-55500-0019.png",
    ]
    for name in _pngs(plots):
        data = (plots / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 20_000
    assert len(pd.read_csv(out)) == 3
    # umask honoured, as for the other outputs
    mask = os.umask(0)
    os.umask(mask)
    assert (plots / "spec-4000-55500-0017.png").stat().st_mode & 0o777 == 0o666 & ~mask


def test_predict_plots_refuses_existing_figures(spectra, tmp_path, capsys):
    plots = tmp_path / "figures"
    plots.mkdir()
    old = plots / "spec-4000-55500-0018.png"
    old.write_bytes(b"old")
    out = tmp_path / "pred.csv"
    argv = ["predict", str(spectra), "--out", str(out), "--plots", str(plots), "-q"]
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "1 figure(s) exist" in err and "--overwrite" in err
    assert not out.exists()  # refused before any work
    assert _pngs(plots) == ["spec-4000-55500-0018.png"]

    assert main([*argv, "--overwrite"]) == EXIT_OK
    assert old.read_bytes().startswith(PNG_MAGIC)
    assert len(_pngs(plots)) == 3  # no temporary file left behind


def test_predict_plots_usage_errors(spectra, tmp_path, capsys):
    out = tmp_path / "pred.csv"
    a_file = tmp_path / "figures.png"
    a_file.write_bytes(b"")
    assert main(["predict", str(spectra), "--out", str(out), "--plots", str(a_file)]) == EXIT_USAGE
    assert "is a file" in capsys.readouterr().err
    # Two inputs of the same name would draw into one figure.
    other = tmp_path / "other"
    other.mkdir()
    write_spec(other / "spec-4000-55500-0017.fits")
    argv = ["predict", str(spectra), str(other), "--out", str(out), "--plots", str(tmp_path / "f")]
    assert main(argv) == EXIT_USAGE
    assert "would both be drawn" in capsys.readouterr().err
    assert not out.exists()
