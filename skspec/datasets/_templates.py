"""Read the Kesseli et al. (2017) PyHammer empirical templates onto the SDSS grid."""

import re

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..utils import rebin_to_grid, sdss_loglam, sdss_wavelength
from ._sdss import _expand_paths

_NAME = re.compile(r"^(?P<spt>[A-Z]\d(?:\.\d)?)_(?P<feh>[+-]\d\.\d)_(?P<lum>[A-Za-z]+)")


def load_kesseli_templates(paths, *, subtypes=None):
    """Load PyHammer (Kesseli et al. 2017) template FITS files onto the SDSS grid.

    The templates are co-adds of SDSS/BOSS spectra sampled ~14 times finer than
    SDSS; they are averaged into the pixels of the paper's 3522-pixel grid.

    Parameters
    ----------
    paths : str, Path or list of them
        A directory, a glob pattern, one file or a list of files named like
        ``M2_+0.0_Dwarf.fits``.
    subtypes : sequence of str, default=None
        Keep only these spectral types (e.g. ``("M0", "M1")``).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (n, 3522) float64 normalised flux, ``target`` spectral types,
        ``feh`` metallicity bin, ``wavelength`` vacuum Angstrom, ``frame``
        (path, target, feh, luminosity class) and ``DESCR``.

    Raises
    ------
    ValueError
        If a file name does not follow the template naming scheme or a file
        lacks the ``LogLam``/``Flux`` columns.
    """
    from astropy.io import fits

    rows, fluxes = [], []
    for path in _expand_paths(paths):
        m = _NAME.match(path.name)
        if m is None:
            raise ValueError(f"{path}: not a PyHammer template name (e.g. M2_+0.0_Dwarf.fits)")
        if subtypes is not None and m["spt"] not in subtypes:
            continue
        try:
            with fits.open(path, memmap=False) as hdul:
                table = hdul[1].data
                loglam = np.asarray(table["LogLam"], dtype=float)
                flux = np.asarray(table["Flux"], dtype=float)
        except (OSError, KeyError, IndexError, TypeError) as exc:
            raise ValueError(f"{path}: cannot read a template ({exc})") from exc
        fluxes.append(rebin_to_grid(loglam, flux, grid_loglam=sdss_loglam()))
        rows.append({"path": str(path), "target": m["spt"], "feh": float(m["feh"]),
                     "luminosity": m["lum"]})
    if not rows:
        raise ValueError(f"no template found in {paths!r}")
    frame = pd.DataFrame(rows)
    return Bunch(
        data=np.vstack(fluxes),
        target=frame["target"].to_numpy(dtype=object),
        feh=frame["feh"].to_numpy(),
        wavelength=sdss_wavelength(),
        frame=frame,
        DESCR="Kesseli et al. (2017) PyHammer empirical templates, averaged onto "
              "the SDSS grid loglam = 3.6021 + 1e-4 i (3522 pixels, 4000-9000 A).",
    )
