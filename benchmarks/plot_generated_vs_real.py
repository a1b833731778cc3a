"""Plot the median generated spectrum of each subtype over the real SDSS templates.

For every subtype M0-M5 (or those given) the median of noiseless spectra
from :func:`skspec.datasets.make_mdwarf_spectra` is drawn over the
Kesseli et al. (2017) templates of that subtype (all [Fe/H] bins, solar bin
emphasised), each normalised by its median flux in 8000-8500 A. A second
column zooms into 6000-7400 A, where the TiO and CaH indices live; the
ratio generated/solar template is shown below each panel.

Usage::

    python benchmarks/plot_generated_vs_real.py OUT.png [--data-dir ../shared/data]
        [--subtypes M0 M1 M2 M3 M4 M5] [--n 300] [--seed 0]
"""

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from skspec.datasets import load_kesseli_templates, make_mdwarf_spectra  # noqa: E402
from skspec.utils import atomic_path  # noqa: E402


def _norm(flux, wavelength):
    sel = (wavelength > 8000) & (wavelength < 8500)
    return flux / np.median(flux[..., sel], axis=-1, keepdims=True)


def main(argv=None):
    default = os.environ.get("SKSPEC_SHARED_DATA", str(ROOT.parent / "shared" / "data"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="PNG file to write")
    parser.add_argument("--data-dir", default=default)
    parser.add_argument("--subtypes", nargs="+", default=["M0", "M1", "M2", "M3", "M4", "M5"])
    parser.add_argument("--n", type=int, default=300, help="generated spectra per subtype")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    templates = load_kesseli_templates(
        Path(args.data_dir) / "pyhammer_templates", subtypes=args.subtypes
    )
    gen = make_mdwarf_spectra(
        args.n * len(args.subtypes), subtypes=args.subtypes, random_state=args.seed, noise=False
    )
    wl = gen.wavelength
    fig, axes = plt.subplots(
        2 * len(args.subtypes),
        2,
        figsize=(16, 3.2 * len(args.subtypes)),
        gridspec_kw={"height_ratios": [3, 1] * len(args.subtypes), "width_ratios": [2, 1]},
        sharex="col",
    )
    for i, subtype in enumerate(args.subtypes):
        med = np.median(_norm(gen.data[gen.target == subtype], wl), axis=0)
        rows = np.flatnonzero(templates.target == subtype)
        for col, (lo, hi) in enumerate(((4000, 9000), (6000, 7400))):
            ax, rax = axes[2 * i, col], axes[2 * i + 1, col]
            sel = (wl >= lo) & (wl <= hi)
            solar = None
            for r in rows:
                t = _norm(templates.data[r], wl)
                is_solar = templates.feh[r] == 0.0
                ax.plot(
                    wl[sel],
                    t[sel],
                    lw=0.8 if is_solar else 0.4,
                    color="k" if is_solar else "0.6",
                    label=f"template [Fe/H]={templates.feh[r]:+.1f}" if is_solar else None,
                )
                solar = t if is_solar else solar
            ax.plot(wl[sel], med[sel], lw=0.8, color="C3", label="generated median")
            if solar is not None:
                rax.plot(wl[sel], (med / solar)[sel], lw=0.6, color="C3")
            rax.axhline(1.0, color="k", lw=0.5)
            rax.set_ylim(0.8, 1.2)
            if col == 0:
                ax.set_ylabel(f"{subtype}\nflux / F(8000-8500)")
                rax.set_ylabel("gen / solar")
                ax.legend(loc="upper left", fontsize=8)
    axes[-1, 0].set_xlabel("vacuum wavelength (A)")
    axes[-1, 1].set_xlabel("vacuum wavelength (A)")
    fig.suptitle("make_mdwarf_spectra (noiseless median) vs Kesseli et al. 2017 templates")
    fig.tight_layout()
    with atomic_path(args.out) as tmp:
        fig.savefig(tmp, dpi=90)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
