"""Datasets: the synthetic M dwarf generator and the SDSS loaders."""

from ._fetch import fetch_sdss_mdwarfs, get_data_home
from ._generator import make_mdwarf_spectra
from ._sdss import iter_sdss_spectra, load_sdss_spectra, read_sdss_spectrum
from ._templates import load_kesseli_templates

__all__ = [
    "fetch_sdss_mdwarfs",
    "get_data_home",
    "iter_sdss_spectra",
    "load_kesseli_templates",
    "load_sdss_spectra",
    "make_mdwarf_spectra",
    "read_sdss_spectrum",
]
