"""Write SDSS-like spectrum files for the tests: spec-*.fits (DR8+) and spSpec (DR7).

Shared by the loader tests (tests/test_sdss.py) and the tests of what
``skspec predict`` writes (tests/test_predict_output.py), so that neither
needs the real files of ../shared/data.
"""

import numpy as np
from astropy.io import fits

from skspec.utils import DLOGLAM, LOGLAM0


def flux_at(index):
    # Distinct, smooth, positive values: any off-by-one mapping shows up.
    return (100.0 + 10.0 * np.sin(index / 37.0) + 0.01 * index).astype(np.float32)


def write_spec(
    path,
    start=-200,
    n=3840,
    *,
    loglam=None,
    flux=None,
    ivar=None,
    and_mask=None,
    drop=(),
    specobj=None,
    coadd_name="COADD",
    meta_name="SPECOBJ",
):
    """Write a spec-like file whose first pixel sits at grid index ``start``."""
    index = np.arange(start, start + n)
    coadd = {
        "flux": ("E", flux_at(index) if flux is None else flux),
        "loglam": (
            "E",
            (LOGLAM0 + DLOGLAM * index).astype(np.float32) if loglam is None else loglam,
        ),
        "ivar": ("E", np.full(n, 4.0, np.float32) if ivar is None else ivar),
        "and_mask": ("J", np.zeros(n, np.int32) if and_mask is None else and_mask),
        "or_mask": ("J", np.zeros(n, np.int32)),
        "wdisp": ("E", np.ones(n, np.float32)),
    }
    meta = {
        "PLATE": ("J", [4000]),
        "MJD": ("J", [55500]),
        "FIBERID": ("J", [17]),
        "CLASS": ("6A", ["STAR"]),
        "SUBCLASS": ("21A", ["M2 (123456)"]),
        "Z": ("E", [1e-4]),
        "ZWARNING": ("J", [0]),
        "SN_MEDIAN_ALL": ("E", [12.5]),
        "SN_MEDIAN": ("5E", [[1.0, 2.0, 3.0, 4.0, 5.0]]),
    }
    meta.update(specobj or {})
    hdus = [fits.PrimaryHDU()]
    if coadd_name is not None:
        hdus.append(
            fits.BinTableHDU.from_columns(
                [
                    fits.Column(name=k, format=f, array=np.asarray(a))
                    for k, (f, a) in coadd.items()
                    if k not in drop
                ],
                name=coadd_name,
            )
        )
    if meta_name is not None:
        hdus.append(
            fits.BinTableHDU.from_columns(
                [
                    fits.Column(name=k, format=v[0], array=np.asarray(v[1]))
                    for k, v in meta.items()
                    if v is not None
                ],
                name=meta_name,
            )
        )
    fits.HDUList(hdus).writeto(path)
    return path


def write_spspec(path, coeff0=3.5800, n=3900, *, coeff1=1e-4, err=None, mask=None, header=None):
    """Write a DR7 spSpec-like file: a (5, n) primary image + header keys."""
    index = np.rint((coeff0 - LOGLAM0) / DLOGLAM).astype(int) + np.arange(n)
    image = np.zeros((5, n), np.float32)
    image[0] = flux_at(index)
    image[1] = image[0] - 100.0
    image[2] = 0.5 if err is None else err
    image[3] = 0 if mask is None else mask
    hdu = fits.PrimaryHDU(image)
    keys = {
        "COEFF0": coeff0,
        "COEFF1": coeff1,
        "PLATEID": 266,
        "MJD": 51630,
        "FIBERID": 145,
        "Z": 2e-4,
        "Z_WARNIN": 0,
        "SPEC_CLN": 1,
    }
    keys.update(header or {})
    for k, v in keys.items():
        if v is not None:
            hdu.header[k] = v
    hdu.writeto(path)
    return path
