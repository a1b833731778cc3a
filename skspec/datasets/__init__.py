"""Datasets: the synthetic M dwarf generator and the SDSS loaders."""

from ._fetch import fetch_sdss_mdwarfs, get_data_home
from ._generator import make_mdwarf_spectra
from ._paths import expand_paths
from ._sdss import iter_sdss_spectra, load_sdss_spectra, read_sdss_spectrum
from ._specutils import from_quantity, from_specutils
from ._templates import load_bochanski_templates, load_kesseli_templates

__all__ = [
    "expand_paths",
    "fetch_sdss_mdwarfs",
    "from_quantity",
    "from_specutils",
    "get_data_home",
    "iter_sdss_spectra",
    "load_bochanski_templates",
    "load_kesseli_templates",
    "load_sdss_spectra",
    "make_mdwarf_spectra",
    "read_sdss_spectrum",
]
