"""Continuum-normalised input: TemplateClassifier and the indices, before and after.

Each test spectrum (600 synthetic, the Bochanski M0-M4 templates, four SDSS M
dwarfs of ../shared/data) is divided by a pseudo-continuum (a cubic in log
flux, a cubic in flux, a running upper envelope, a running median) and typed
by TemplateClassifier(templates=load_kesseli_templates()) at each Legendre
degree; indices are measured as is and after TemplateClassifier.recalibrate.
Numbers quoted in doc/user_guide/real_data.rst ("Continuum-normalised spectra").

    OMP_NUM_THREADS=1 python benchmarks/bench_continuum_normalised.py 2,5,8
    USE_IVAR=1 OMP_NUM_THREADS=1 python benchmarks/bench_continuum_normalised.py 2,5,8

(about a minute each on one core). USE_IVAR=1 passes the inverse variances,
scaled by continuum**2 for the normalised spectra (the Bochanski templates,
without ivar, are then left out).
"""

import glob
import os
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy import ndimage

from skspec.datasets import load_kesseli_templates, load_sdss_spectra, make_mdwarf_spectra
from skspec.metrics import subtype_to_number
from skspec.models import TemplateClassifier
from skspec.preprocessing import ContinuumNormalizer, measure_indices
from skspec.utils import rebin_to_grid

sys.path.insert(0, str(Path(__file__).parent))
from _realdata import shared_data_dir  # noqa: E402

warnings.simplefilter("ignore")
DATA = shared_data_dir()

degrees = [int(d) for d in sys.argv[1].split(",")] if len(sys.argv) > 1 else [2]
extra = sys.argv[2] if len(sys.argv) > 2 else ""
USE_IVAR = bool(os.environ.get("USE_IVAR"))


def runmax(X, width=301):
    sm = ndimage.median_filter(X, size=(1, 7), mode="nearest")
    env = ndimage.maximum_filter1d(sm, width, axis=1, mode="nearest")
    return X / ndimage.uniform_filter1d(env, width, axis=1, mode="nearest")


def poly(deg):
    return lambda X: ContinuumNormalizer(method="polynomial", degree=deg).fit_transform(X)


def linfit(X, deg=3):  # least-squares polynomial in flux (not log)
    x = np.linspace(-1, 1, X.shape[1])
    V = np.polynomial.legendre.legvander(x, deg)
    c = np.linalg.lstsq(V, X.T, rcond=None)[0]
    return X / (V @ c).T


norms = {
    "flux": lambda X: X,
    "poly3(log)": poly(3),
    "linfit3": linfit,
    "runmax301": runmax,
    "runmed201": lambda X: ContinuumNormalizer(method="running_median", window=201).fit_transform(
        X
    ),
}

ds = make_mdwarf_spectra(600, random_state=3)
Xs, ys, ivs = ds.data.astype(float), ds.target, ds.ivar.astype(float)
kes = load_kesseli_templates()
boc = sorted(glob.glob(str(DATA) + "/bochanski2007_templates/*"))

Xb, yb = [], []
for p in boc:
    m = re.search(r"(M\d)", p.split("/")[-1])
    if not m or m.group(1) not in ("M0", "M1", "M2", "M3", "M4"):
        continue
    a = np.loadtxt(p)
    Xb.append(rebin_to_grid(np.log10(a[:, 0]), a[:, 1]))
    yb.append(m.group(1))
Xb = np.array(Xb)
Xb = np.where(np.isfinite(Xb), Xb, np.nanmedian(Xb))
real = load_sdss_spectra(
    [
        DATA / f"pyhammer_sdss_spec/spec-{s}.fits"
        for s in ("0618-52049-0372", "1079-52621-0509", "5047-55833-0936", "1123-52882-0065")
    ]
)
Xr = real.data.astype(float)
yr = np.array(["M1", "M2", "M2", "M5"])  # PyHammer labels
sets = {
    "synthetic": (Xs, ys, ivs),
    "bochanski": (Xb, np.array(yb), None),
    "sdss4": (Xr, yr, real.ivar.astype(float)),
}


def acc(pred, y):
    p = np.array([subtype_to_number(v) for v in pred])
    t = np.array([subtype_to_number(v) for v in y])
    return np.mean(p == t), np.mean(np.abs(p - t) <= 1), np.mean(p - t)


for deg in degrees:
    kw = {}
    if extra:
        kw[extra.split("=")[0]] = extra.split("=")[1]
    clf = TemplateClassifier(templates=kes, poly_degree=deg, temperature=1.0, **kw).fit(
        kes.data, kes.target
    )
    for sname, (X, y, iv) in sets.items():
        if iv is None and USE_IVAR:
            continue
        base = clf.predict(X, ivar=iv if USE_IVAR else None)
        for nname, f in norms.items():
            Xn = f(X)
            ivn = None if not USE_IVAR else iv * (X / Xn) ** 2
            t = time.time()
            pred = clf.predict(Xn, ivar=ivn)
            dt = time.time() - t
            e, w, b = acc(pred, y)
            print(
                f"deg={deg} ivar={USE_IVAR:d} {extra:10s} {sname:10s} {nname:11s} exact={e:.3f} within1={w:.3f} bias={b:+.2f} same_as_flux={np.mean(pred == base):.3f} ({dt:.1f}s)",
                flush=True,
            )

if not extra and not USE_IVAR:
    for sname, (X, y, _) in sets.items():
        ref = measure_indices(X, indices=("TiO5", "CaH2", "CaH3", "zeta"))
        for nname, f in list(norms.items())[1:]:
            d = measure_indices(f(X), indices=("TiO5", "CaH2", "CaH3", "zeta")) - ref
            print(
                f"indices {sname:10s} {nname:11s} "
                + " ".join(
                    f"{c}: med|d|={np.median(np.abs(d[c])):.4f} max|d|={np.max(np.abs(d[c])):.4f}"
                    for c in d.columns
                ),
                flush=True,
            )

# Indices measured as is and after recalibration (ivar used when present).
cols = ("TiO5", "CaH2", "CaH3", "zeta")
for deg in degrees:
    clf = TemplateClassifier(templates=kes, poly_degree=deg, temperature=1.0).fit(
        kes.data, kes.target
    )
    for sname, (X, y, iv) in sets.items():
        ref = measure_indices(X, indices=cols)
        fitf = clf.best_fit(X, ivar=iv)
        d_flux = measure_indices(X / fitf.continuum, indices=cols) - ref
        print(
            f"deg={deg} {sname:10s} flux/P        "
            + " ".join(f"{c}={np.median(np.abs(d_flux[c])):.4f}" for c in cols)
        )
        for nname, f in list(norms.items())[1:]:
            Xn = f(X)
            ivn = None if iv is None else iv * (X / Xn) ** 2
            fit = clf.best_fit(Xn, ivar=ivn)
            naive = measure_indices(Xn, indices=cols) - ref
            rec = measure_indices(Xn / fit.continuum, indices=cols) - ref
            print(
                f"deg={deg} {sname:10s} {nname:11s} naive "
                + " ".join(f"{c}={np.median(np.abs(naive[c])):.4f}" for c in cols)
                + " | recoloured "
                + " ".join(f"{c}={np.median(np.abs(rec[c])):.4f}" for c in cols),
                flush=True,
            )
