"""Ground floor of skspec: the SDSS grid, bad-pixel handling, atomic writes."""

from ._extinction import ccm_extinction
from ._grid import (
    C_KMS,
    DLOGLAM,
    LOGLAM0,
    N_PIXELS,
    air_to_vacuum,
    rebin_to_grid,
    sdss_loglam,
    sdss_wavelength,
    vacuum_to_air,
)
from ._io import atomic_path, atomic_write
from ._masking import constant_end_runs, interpolate_bad_pixels
from ._snr import (
    SNR_EDGES,
    der_noise,
    der_snr,
    sdss_snr,
    snr_bin_index,
    snr_bin_label,
    snr_bin_labels,
)

__all__ = [
    "C_KMS",
    "DLOGLAM",
    "LOGLAM0",
    "N_PIXELS",
    "SNR_EDGES",
    "air_to_vacuum",
    "atomic_path",
    "atomic_write",
    "ccm_extinction",
    "constant_end_runs",
    "der_noise",
    "der_snr",
    "interpolate_bad_pixels",
    "rebin_to_grid",
    "sdss_loglam",
    "sdss_snr",
    "snr_bin_index",
    "snr_bin_label",
    "snr_bin_labels",
    "sdss_wavelength",
    "vacuum_to_air",
]
