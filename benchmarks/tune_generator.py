"""Tune the photosphere of ``make_mdwarf_spectra`` to the Kesseli et al. (2017) templates.

Reproduces ``skspec/datasets/_generator_coefs.py``. For every integer subtype
M0-M5 the rest-frame log flux of the SDSS-typed templates of all [Fe/H] bins
is fitted as

    log F_t = log B(Teff) + offset_t + colour . P  -  sum_k theta_k phi_k * scale_{t, family(k)}

with the basis ``phi`` of :func:`skspec.datasets._generator.model_basis`
(band heads with non-negative red tails, atomic lines, Legendre colour
term). Absorber amplitudes are non-negative (NNLS), so every band keeps its
physical shape: a sharp head and a monotonic tail. The templates, co-adds of
observed stars, are first dereddened by the generator's mean E(B-V). Each template of a
subtype gets its own multiplier per family (TiO/VO, CaH, metal lines); these
are fitted alternately with ``theta`` and then normalised so that the
*median* template of each subtype has multiplier 1: the tabulated star is the
typical one over the visible [Fe/H] bins, not the solar bin alone. The
spread of the TiO multipliers against [Fe/H] gives the slope used to report a
[Fe/H]-equivalent for the generator's zeta.

Also measured: the fine-structure residual (template minus smooth model,
high-pass filtered), which sets the strength of the generator's pseudo line
forest.

Usage::

    python benchmarks/tune_generator.py [--data-dir ../shared/data] [--check]

``--check`` only prints how far the current coefficients are from a fresh fit.
"""

import argparse
import os
import sys
from pathlib import Path

import numpy as np
from scipy.ndimage import median_filter
from scipy.optimize import nnls

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from skspec.datasets import _physics as phys  # noqa: E402
from skspec.datasets._generator import (  # noqa: E402
    EBV_RANGE,
    log_planck,
    model_basis,
)
from skspec.datasets._templates import load_kesseli_templates  # noqa: E402
from skspec.utils import atomic_write, ccm_extinction  # noqa: E402

ANCHORS = ("M0", "M1", "M2", "M3", "M4", "M5")
SCALED = {"blanket": 0, "tio": 0, "vo": 0, "cah": 1, "mgh": 2, "metal": 2, "alkali": 2, "caii": 2}
RIDGE = 1e-4
#: Extra weight of the pixels in the classical index windows (TiO5, CaH1-3,
#: VO1, PC3): the indices are what the literature calibrates, so they must
#: not be traded for a slightly better fit elsewhere.
INDEX_WEIGHT = 20.0
N_ITER = 6
OUT = ROOT / "skspec" / "datasets" / "_generator_coefs.py"


def _weights(flux):
    """Pixel weights of a template's log flux: low where the flux (and S/N) is low."""
    smooth = median_filter(flux, size=31, mode="nearest")
    w = np.clip(smooth / np.median(smooth), 0.1, 1.0)
    return w


def _index_pixels(lam):
    from skspec.utils import air_to_vacuum

    sel = np.zeros(lam.size, bool)
    for windows in phys.INDEX_WINDOWS.values():
        for lo, hi in (w for part in windows for w in part):
            lo, hi = air_to_vacuum([lo, hi])
            sel |= (lam > lo - 2.0) & (lam < hi + 2.0)
    return sel


def _solve(design, target, free):
    """min ||design x - target|| with x >= 0 except on ``free`` columns (via the Gram matrix)."""
    gram = design.T @ design
    gram[np.diag_indices_from(gram)] += RIDGE * np.trace(gram) / gram.shape[0]
    rhs = design.T @ target
    upper = np.linalg.cholesky(gram).T
    z = np.linalg.solve(upper.T, rhs)
    q, _ = np.linalg.qr(upper[:, free])
    bounded = upper[:, ~free] - q @ (q.T @ upper[:, ~free])
    x_b, _ = nnls(bounded, z - q @ (q.T @ z), maxiter=20 * bounded.shape[1])
    x_f, *_ = np.linalg.lstsq(upper[:, free], z - upper[:, ~free] @ x_b, rcond=None)
    x = np.empty(design.shape[1])
    x[~free], x[free] = x_b, x_f
    return x


def fit(templates):
    basis = model_basis(0)
    phi, family = basis.matrix, basis.family
    lam = basis.wavelength
    k = phi.shape[0]
    group = np.array([SCALED.get(f, -1) for f in family])
    subtype = templates.target
    keep = np.isin(subtype, ANCHORS)
    flux = templates.data[keep]
    subtype, feh = subtype[keep], templates.feh[keep]
    logf = np.log(np.clip(flux, 0.02 * np.median(flux, axis=1, keepdims=True), None))
    # The templates co-add observed (reddened) stars: deredden them by the
    # generator's mean E(B-V), which the generator adds back on average.
    logf += 0.4 * np.log(10.0) * np.mean(EBV_RANGE) * ccm_extinction(lam)[None, :]
    weight = np.array([_weights(f) for f in flux])
    weight[:, lam > 8700] *= 0.5
    weight[:, _index_pixels(lam)] *= INDEX_WEIGHT
    scale = np.ones((len(flux), 3))
    theta = np.zeros((len(ANCHORS), k))
    offsets = np.zeros(len(flux))
    for _ in range(N_ITER):
        for a, name in enumerate(ANCHORS):
            rows = np.flatnonzero(subtype == name)
            teff = phys.TEFF[name]
            blocks, targets = [], []
            for i, r in enumerate(rows):
                mult = np.where(group >= 0, scale[r, np.clip(group, 0, 2)], 1.0)
                off = np.zeros((lam.size, len(rows)))
                off[:, i] = 1.0
                sw = np.sqrt(weight[r])[:, None]
                blocks.append(np.hstack([(phi * mult[:, None]).T, off]) * sw)
                targets.append((logf[r] - log_planck(lam, [teff])[0]) * sw[:, 0])
            free = np.concatenate([family == "colour", np.ones(len(rows), bool)])
            x = _solve(np.vstack(blocks), np.concatenate(targets), free)
            theta[a], offsets[rows] = x[:k], x[k:]
        # Per-template multipliers of the scaled families, solar or not.
        for r in range(len(flux)):
            a = ANCHORS.index(subtype[r])
            fixed = log_planck(lam, [phys.TEFF[subtype[r]]])[0] + offsets[r]
            fixed = fixed + (theta[a] * (group < 0)) @ phi
            parts = np.array([(theta[a] * (group == g)) @ phi for g in range(3)]).T
            sw = np.sqrt(weight[r])
            sol, *_ = np.linalg.lstsq(parts * sw[:, None], (logf[r] - fixed) * sw, rcond=None)
            scale[r] = np.clip(sol, 0.2, 3.0)
        # Normalise: the median template of each subtype has multiplier 1.
        for a, name in enumerate(ANCHORS):
            rows = subtype == name
            med = np.median(scale[rows], axis=0)
            scale[rows] /= med
            for g in range(3):
                theta[a, group == g] *= med[g]
    model = np.empty_like(logf)
    for r in range(len(flux)):
        a = ANCHORS.index(subtype[r])
        mult = np.where(group >= 0, scale[r, np.clip(group, 0, 2)], 1.0)
        model[r] = (
            log_planck(lam, [phys.TEFF[subtype[r]]])[0] + offsets[r] + (theta[a] * mult) @ phi
        )
    return dict(
        theta=theta,
        scale=scale,
        subtype=subtype,
        feh=feh,
        logf=logf,
        model=model,
        weight=weight,
        names=basis.names,
        lam=lam,
    )


def forest_statistics(res):
    """RMS of the high-pass residual (template - model) in log flux, blue and red."""
    resid = res["logf"] - res["model"]
    high = resid - median_filter(resid, size=(1, 9), mode="nearest")
    lam = res["lam"]
    out = {}
    for lo, hi in ((4500, 5500), (5500, 6500), (6500, 7500), (7500, 8700)):
        sel = (lam > lo) & (lam < hi)
        out[(lo, hi)] = float(np.median(np.sqrt(np.mean(high[:, sel] ** 2, axis=1))))
    return out


def feh_slopes(res, templates):
    """d ln(TiO5 optical depth)/d[Fe/H] over the templates, and the metal-line slope.

    The TiO slope is measured on the templates' own TiO5 index (within-subtype
    regression of ln(-ln TiO5) on [Fe/H], M0-M4): it turns the generator's
    TiO multiplier zeta into a [Fe/H] equivalent, ``ln(zeta) / slope``.
    """
    from skspec.preprocessing import measure_indices

    keep = np.isin(templates.target, ANCHORS[:-1])
    tio5 = measure_indices(templates.data[keep], indices=("TiO5",))["TiO5"].to_numpy()
    y, feh, sub = np.log(-np.log(tio5)), templates.feh[keep], templates.target[keep]
    dummies = np.array([sub == a for a in ANCHORS[:-1]], float).T
    coef, *_ = np.linalg.lstsq(np.column_stack([feh, dummies]), y, rcond=None)
    slope_metal = np.polyfit(res["feh"], res["scale"][:, 2], 1)[0]
    return float(coef[0]), float(slope_metal)


def write(res, templates, path=OUT):
    slope_tio, slope_metal = feh_slopes(res, templates)
    forest = forest_statistics(res)
    lines = [
        '"""Photosphere coefficients of the M dwarf generator, tabulated at M0-M5.',
        "",
        "Generated by ``python benchmarks/tune_generator.py`` from the Kesseli et al.",
        "(2017) templates of all [Fe/H] bins; do not edit by hand. ``THETA[i, k]`` is",
        "the amplitude of basis column ``NAMES[k]`` of",
        ":func:`skspec.datasets._generator.model_basis` for subtype ``ANCHORS[i]``",
        '(non-negative for every absorber)."""',
        "",
        "import numpy as np",
        "",
        f"ANCHORS = {tuple(float(a[1:]) for a in ANCHORS)!r}",
        "NAMES = (",
    ]
    names = [repr(str(n)) for n in res["names"]]
    lines += ["    " + ", ".join(names[i : i + 4]) + "," for i in range(0, len(names), 4)]
    lines += [")", "THETA = np.array(["]
    for name, row in zip(ANCHORS, res["theta"]):
        values = [f"{v:.5g}" for v in row]
        lines.append(f"    [  # {name}")
        lines += ["        " + ", ".join(values[i : i + 8]) + "," for i in range(0, len(values), 8)]
        lines.append("    ],")
    lines += [
        "])",
        "",
        "#: d ln(TiO optical depth)/d[Fe/H] (from the templates' TiO5) and",
        "#: d(metal-line multiplier)/d[Fe/H] over the template [Fe/H] bins.",
        f"FEH_SLOPE_TIO = {slope_tio:.4f}",
        f"FEH_SLOPE_METAL = {slope_metal:.4f}",
        "#: RMS of the templates' fine structure missing from the smooth model (log",
        "#: flux, high-pass), per wavelength range in A.",
        "FOREST_RMS = {",
    ]
    lines += [f"    {k!r}: {v:.4f}," for k, v in forest.items()]
    lines += ["}", ""]
    with atomic_write(path, "w") as fh:
        fh.write("\n".join(lines))


def main(argv=None):
    default = os.environ.get("SKSPEC_SHARED_DATA", str(ROOT.parent / "shared" / "data"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=default)
    parser.add_argument(
        "--check", action="store_true", help="compare a fresh fit with the stored coefficients only"
    )
    args = parser.parse_args(argv)
    templates = load_kesseli_templates(Path(args.data_dir) / "pyhammer_templates")
    res = fit(templates)
    rms = np.sqrt(np.average((res["logf"] - res["model"]) ** 2, axis=1, weights=res["weight"]))
    for t, f, s, e in zip(res["subtype"], res["feh"], res["scale"], rms):
        print(f"{t} {f:+.1f}  multipliers TiO/CaH/metal {s.round(2)}  rms(log F) {e:.3f}")
    print("feh slopes (TiO, metal):", feh_slopes(res, templates))
    print("forest rms:", forest_statistics(res))
    if args.check:
        from skspec.datasets import _generator_coefs as cur

        print("max |theta - stored|:", np.abs(cur.THETA - res["theta"]).max())
        return
    write(res, templates)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
