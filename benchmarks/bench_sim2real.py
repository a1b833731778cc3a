"""Sim-to-real check: models trained on the embedded data only, scored on real spectra.

Every model is trained on ``make_mdwarf_spectra(n_train)`` (the embedded
default data, or another photosphere source given on the command line) and
then asked to type real M0-M4 spectra it never saw, from three sources in
``../shared/data`` (or ``$SKSPEC_SHARED_DATA``):

* ``kesseli2017``: the 20 Kesseli et al. (2017) templates, M0-M4, all [Fe/H] bins;
* ``bochanski2007``: the 5 Bochanski et al. (2007) templates, M0-M4;
* ``sdss``: the three in-scope real SDSS M dwarf files (PyHammer labels).

Each is degraded many times into each of the paper's S/N bins by
``benchmarks/_realdata.py`` (RV, calibration wobble, flux scale, SDSS-shaped
noise, bad pixels; written independently of the generator).

Leave-library-out discipline: a library that the training data were built
from (``photosphere="empirical"`` with its ``templates``) is marked
``in-library`` and is not a transfer score; the other library and the SDSS
files are. The reference row "template (real X)" is chi-square matching
against the real templates of library X (TemplateClassifier, quadratic
continuum), scored on the other sources only.

Reported per model, source and bin: exact, within one subtype, mean signed
subtype error (predicted - true), and the confusion matrix at S/N > 15. The
per-fit rows go to ``benchmarks/results/sim2real.csv``.

Usage::

    python benchmarks/bench_sim2real.py                       # defaults, ~8 min on 2 cores
    python benchmarks/bench_sim2real.py --photosphere physical,empirical --seeds 0,1,2
    python benchmarks/bench_sim2real.py --models svm,template --n-train 1000   # smoke run
    /tmp/aeonenv/bin/python benchmarks/bench_sim2real.py --models minirocket --instrument

``minirocket`` (aeon's MiniRocketClassifier on median-normalised spectra,
``benchmarks/_peers.py``) is the general-purpose peer of issue 11; it needs
aeon, an optional benchmark dependency, and runs only when named.
"""

import argparse
import inspect
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import load_average, parse_augment, parse_params
from _peers import PEERS, make_peer
from _realdata import IN_SCOPE, SNR_BINS, score, shared_data_dir, test_sets

#: Model name -> (label, make_model arguments).
MODELS = {
    "emccnn": ("EMCCNN", {"name": "emccnn"}),
    "svm": ("SVM", {"name": "svm"}),
    "template": ("Template (learned)", {"name": "template"}),
    "cnn2d": ("CNN-2D", {"name": "cnn", "dim": "2d"}),
    "resnet2d": ("ResNet-2D", {"name": "resnet", "dim": "2d"}),
}
SOURCES = ("kesseli2017", "bochanski2007", "sdss")


def _rows(model, label, photosphere, seed, sets, fit_s, in_library):
    rows, confusion = [], None
    for (source, snr_bin), (X, ivar, y) in sets.items():
        pred = model.predict(X)
        r = score(y, pred)
        rows.append(
            {
                "model": label,
                "photosphere": photosphere,
                "seed": seed,
                "source": source,
                "bin": snr_bin,
                **r,
                "in_library": source.split("+")[0] == in_library,
                "fit_s": fit_s,
            }
        )
        if source == "bochanski2007" and snr_bin == ">15":
            confusion = pd.crosstab(pd.Series(y, name="true"), pd.Series(pred, name="pred"))
    return rows, confusion


def reference_rows(sets):
    """Chi-square matching against each real library, scored on the other sources."""
    from skspec.datasets import load_bochanski_templates, load_kesseli_templates
    from skspec.models import TemplateClassifier

    rows = []
    for lib, loader in (
        ("kesseli2017", load_kesseli_templates),
        ("bochanski2007", load_bochanski_templates),
    ):
        tpl = loader(subtypes=IN_SCOPE)
        clf = TemplateClassifier(templates=tpl.data, template_labels=tpl.target, poly_degree=2)
        clf.fit(tpl.data, tpl.target)
        for (source, snr_bin), (X, ivar, y) in sets.items():
            if source.split("+")[0] == lib:
                continue
            rows.append(
                {
                    "model": f"template (real {lib})",
                    "photosphere": "-",
                    "seed": 0,
                    "source": source,
                    "bin": snr_bin,
                    **score(y, clf.predict(X, ivar=ivar)),
                    "in_library": False,
                    "fit_s": 0.0,
                }
            )
    return rows


def markdown(frame):
    """Mean over seeds (and spread where several) per model/photosphere/source/bin."""
    out = []
    agg = frame.groupby(["model", "photosphere", "source", "bin"], sort=False).agg(
        exact=("exact", "mean"),
        exact_sd=("exact", "std"),
        within1=("within1", "mean"),
        bias=("bias", "mean"),
        seeds=("seed", "nunique"),
        in_library=("in_library", "first"),
    )
    out.append(
        "| model | photosphere | source | exact 5-10 / 10-15 / >15 | within one | "
        "mean signed error | seeds |"
    )
    out.append("|---|---|---|---|---|---|---|")
    for (model, photo, source), g in agg.groupby(level=[0, 1, 2], sort=False):
        g = g.droplevel([0, 1, 2]).reindex(list(SNR_BINS))
        ex = " / ".join(
            f"{e:.2f}" + (f"±{s:.2f}" if np.isfinite(s) else "")
            for e, s in zip(g.exact, g.exact_sd)
        )
        tag = " (in-library)" if g.in_library.iloc[0] else ""
        out.append(
            f"| {model} | {photo} | {source}{tag} | {ex} | {g.within1.min():.2f}"
            f"–{g.within1.max():.2f} | {g.bias.mean():+.2f} | {g.seeds.iloc[0]} |"
        )
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models",
        default="emccnn,svm,template",
        help="comma-separated from emccnn, svm, template, cnn2d and resnet2d (the "
        "2-D baselines; slow on a CPU) and minirocket (aeon's MiniRocketClassifier, "
        "needs aeon; never run unless named)",
    )
    parser.add_argument(
        "--photosphere",
        default="default",
        help="comma-separated: default (make_mdwarf_spectra's own), physical, "
        "empirical, empirical:bochanski2007",
    )
    parser.add_argument("--n-train", type=int, default=4000)
    parser.add_argument("--seeds", default="0")
    parser.add_argument(
        "--copies",
        type=int,
        default=12,
        help="degraded copies per Kesseli template and bin (x4 for Bochanski)",
    )
    parser.add_argument(
        "--max-epochs",
        type=int,
        default=40,
        help="cap on the networks' epochs (early stopping may end sooner)",
    )
    parser.add_argument(
        "--type-offset",
        default="auto",
        help="make_mdwarf_spectra's type_offset (empirical photosphere)",
    )
    parser.add_argument(
        "--augment",
        default="default",
        help="networks' augment: default (each network's own: EMCCNN's is 'reddening'), "
        "off, on (SpectrumAugmenter defaults), a preset name, or keyword settings, "
        "e.g. 'wobble=0.1,shift=0,snr=None,bad_run=0'",
    )
    parser.add_argument(
        "--params",
        default=None,
        help="further constructor arguments of the networks, e.g. 'normalization=median+standard'",
    )
    parser.add_argument(
        "--instrument",
        action="store_true",
        help="also score each source as if observed with another instrument "
        "(colour change, extra broadening: benchmarks/_realdata.py)",
    )
    parser.add_argument(
        "--coverage",
        action="store_true",
        help="also score each source's plain copies seen through a narrower "
        "wavelength window (benchmarks/_realdata.py COVERAGES)",
    )
    parser.add_argument(
        "--subtype",
        action="store_true",
        help="fit the networks with the training stars' true subtypes "
        "(fit(..., subtype=frame['subtype_true']))",
    )
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "sim2real.csv"))
    args = parser.parse_args(argv)

    from skspec.datasets import make_mdwarf_spectra
    from skspec.experiments import MODELS as REGISTRY
    from skspec.experiments import make_model

    names = args.models.split(",")
    unknown = [n for n in names if n not in MODELS and n not in PEERS]
    if unknown:
        parser.error(
            f"unknown model(s) {', '.join(unknown)}; choose from {', '.join([*MODELS, *PEERS])}"
        )
    for name in names:
        if name in PEERS:
            try:
                make_peer(name)  # fail now, not after the test sets, when aeon is missing
            except ImportError as exc:
                sys.exit(f"bench_sim2real: {exc}")
    data_dir = shared_data_dir()
    if data_dir is None:
        sys.exit("bench_sim2real needs ../shared/data (or $SKSPEC_SHARED_DATA)")
    t0 = time.perf_counter()
    load = load_average()
    sets = test_sets(
        data_dir, copies=args.copies, instrument=args.instrument, coverage=args.coverage
    )
    rows = reference_rows(sets)
    confusions = {}
    for photo in args.photosphere.split(","):
        defaults = {
            k: p.default for k, p in inspect.signature(make_mdwarf_spectra).parameters.items()
        }
        kwargs = {
            "photosphere": defaults["photosphere"],
            "templates": defaults["templates"],
            "type_offset": (
                args.type_offset if args.type_offset == "auto" else float(args.type_offset)
            ),
        }
        if photo != "default":
            source, _, lib = photo.partition(":")
            kwargs["photosphere"] = source
            kwargs["templates"] = lib or defaults["templates"]
        # The library the training photospheres came from is no transfer test.
        in_library = kwargs["templates"] if kwargs["photosphere"] == "empirical" else None
        for seed in (int(s) for s in args.seeds.split(",")):
            ds = make_mdwarf_spectra(args.n_train, random_state=seed, **kwargs)
            for name in names:
                if name in PEERS:
                    label, net = PEERS[name], False
                    model = make_peer(name, random_state=seed)
                else:
                    label, spec = MODELS[name]
                    net = REGISTRY[spec["name"]].network  # epochs, augment, params apply
                    augment = parse_augment(args.augment)
                    params = None
                    if net:
                        params = {} if augment is None else {"augment": augment}
                        params = {**params, **parse_params(args.params)} or None
                    model = make_model(
                        **spec, random_state=seed, max_epochs=args.max_epochs, params=params
                    )
                fit_params = {}
                if net and args.subtype:
                    fit_params["clf__subtype"] = ds.frame["subtype_true"].to_numpy()
                t = time.perf_counter()
                model.fit(ds.data, ds.target, **fit_params)
                fit_s = time.perf_counter() - t
                tag = photo
                if args.type_offset != "auto" and kwargs["photosphere"] == "empirical":
                    tag += f" (type_offset {args.type_offset})"
                if net and args.augment != "default":
                    tag += f" (augment {args.augment})"
                if net and args.params:
                    tag += f" ({args.params})"
                if net and args.subtype:
                    tag += " (subtype)"
                new, confusion = _rows(model, label, tag, seed, sets, fit_s, in_library)
                rows += new
                confusions[label, tag] = confusion
                print(
                    f"[{time.perf_counter() - t0:6.0f} s] {photo} seed {seed} {label}: "
                    f"fit {fit_s:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
    frame = pd.DataFrame(rows)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    print("## Real spectra: models trained on the embedded data (`benchmarks/bench_sim2real.py`)\n")
    print(
        f"Command: `python benchmarks/bench_sim2real.py {' '.join(argv or sys.argv[1:])}`; "
        f"training data `make_mdwarf_spectra({args.n_train}, random_state=seed)`; "
        f"{args.copies} degraded copies per Kesseli template and bin, "
        f"{4 * args.copies} per Bochanski template, 40 per SDSS file. "
        "Exact is the fraction typed to the labelled subtype; the mean signed error "
        "is predicted minus labelled subtype (positive: typed too late). "
        "Rows marked in-library score the library the training photospheres came from "
        "(no transfer test).\n"
    )
    print(markdown(frame))
    print()
    for (label, photo), conf in confusions.items():
        print(f"Bochanski+2007 at S/N > 15, {label} ({photo}): rows true, columns predicted\n")
        print(conf.to_markdown() if hasattr(conf, "to_markdown") else conf.to_string())
        print()
    print(f"Wall time {time.perf_counter() - t0:.0f} s; load average at start {load}.")


if __name__ == "__main__":
    main()
