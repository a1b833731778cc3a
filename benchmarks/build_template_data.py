"""Build the template library shipped as package data (``skspec/datasets/data``).

Reads the two real SDSS M dwarf template libraries of the reference data
(Kesseli et al. 2017, the PyHammer FITS co-adds; Bochanski et al. 2007, the
SDSS text co-adds), averages each onto the generator's model grid (the paper's
3522-pixel SDSS grid plus ``PAD`` pixels on each side, 1e-4 dex, vacuum) and
writes them, normalised to a median of 1, as float32 to
``skspec/datasets/data/mdwarf_templates.npz`` with the licences beside it.

Run from the repository root (not part of the package; the package reads
only the written file)::

    python benchmarks/build_template_data.py [--shared ../shared/data]
"""

import argparse
import re
import shutil
from pathlib import Path

import numpy as np
from astropy.io import fits

from skspec.datasets._generator import PAD, model_loglam
from skspec.utils import rebin_to_grid

OUT = Path(__file__).resolve().parents[1] / "skspec" / "datasets" / "data"
_KESSELI = re.compile(r"^M(?P<spt>\d)_(?P<feh>[+-]\d\.\d)_Dwarf\.fits$")
_BOCHANSKI = re.compile(r"^M(?P<spt>\d)0_SDSS_bochanski2007\.txt\.gz$")


def _normalise(flux):
    flux = np.asarray(flux, float)
    if np.isnan(flux).any():
        raise ValueError("a template does not cover the model grid")
    # A few non-positive pixels at the noisy blue end of the Bochanski co-adds.
    flux = np.clip(flux, 1e-3 * np.median(flux), None)
    return (flux / np.median(flux)).astype(np.float32)


def kesseli(folder):
    rows = []
    for path in sorted(Path(folder).glob("M*_Dwarf.fits")):
        m = _KESSELI.match(path.name)
        with fits.open(path, memmap=False) as hdul:
            table = hdul[1].data
            flux = rebin_to_grid(
                table["LogLam"].astype(float),
                table["Flux"].astype(float),
                grid_loglam=model_loglam(),
            )
        rows.append((float(m["spt"]), float(m["feh"]), _normalise(flux)))
    return rows


def bochanski(folder):
    rows = []
    for path in sorted(Path(folder).glob("M*_SDSS_bochanski2007.txt.gz")):
        m = _BOCHANSKI.match(path.name)
        wave, flux = np.loadtxt(path, usecols=(0, 1), unpack=True)
        flux = rebin_to_grid(np.log10(wave), flux, grid_loglam=model_loglam())
        rows.append((float(m["spt"]), np.nan, _normalise(flux)))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared",
        default=Path(__file__).resolve().parents[2] / "shared" / "data",
        type=Path,
        help="the reference data folder",
    )
    args = parser.parse_args(argv)
    arrays = {"loglam": model_loglam().astype(np.float64), "pad": np.int64(PAD)}
    for name, rows in (
        ("kesseli2017", kesseli(args.shared / "pyhammer_templates")),
        ("bochanski2007", bochanski(args.shared / "bochanski2007_templates")),
    ):
        arrays[f"{name}_subtype"] = np.array([r[0] for r in rows])
        arrays[f"{name}_feh"] = np.array([r[1] for r in rows])
        arrays[f"{name}_flux"] = np.array([r[2] for r in rows])
        print(f"{name}: {len(rows)} templates")
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT / "mdwarf_templates.npz", **arrays)
    lic = args.shared / "LICENSES"
    shutil.copy(lic / "PyHammer_MIT.txt", OUT / "LICENSE_kesseli2017_PyHammer.txt")
    shutil.copy(lic / "bochanski2007-templates-MIT.txt", OUT / "LICENSE_bochanski2007.txt")
    print(
        f"wrote {OUT / 'mdwarf_templates.npz'} "
        f"({(OUT / 'mdwarf_templates.npz').stat().st_size / 1024:.0f} kB)"
    )


if __name__ == "__main__":
    main()
