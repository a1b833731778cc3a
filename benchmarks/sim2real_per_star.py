"""One EMCCNN on the real-data check, with the SDSS files' types star by star.

What BENCHMARKS.md's "Another instrument" table was measured with for the
augmentation variants other than the ``bench_sim2real.py`` runs: EMCCNN is
fitted on ``make_mdwarf_spectra(4000, random_state=seed)`` with the given
``augment`` (as in ``bench_sim2real.py --augment``), then scored on every
set of ``_realdata.test_sets(..., instrument=True)`` (the same degraded
copies as ``bench_sim2real.py --instrument``). Libraries get exact and mean
signed error; the three SDSS files get the count of each predicted type per
star (40 copies each), plus the types of the files as observed.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/sim2real_per_star.py SEED AUGMENT
    OMP_NUM_THREADS=1 python benchmarks/sim2real_per_star.py 0 'wobble=0.05,shift=0,snr=None,bad_run=0'
    OMP_NUM_THREADS=1 python benchmarks/sim2real_per_star.py 1 off
    OMP_NUM_THREADS=1 python benchmarks/sim2real_per_star.py 1 default   # EMCCNN's own
    OMP_NUM_THREADS=1 python benchmarks/sim2real_per_star.py 1 calibration --subtype --max-epochs 100

``--params`` passes further EMCCNN arguments (``name=value,...``).
``--subtype`` fits with the training stars' true subtypes
(``fit(..., subtype=frame["subtype_true"])``); ``--max-epochs`` caps the
epochs (40 by default, as in the first runs; ``bench_sim2real.py`` runs
used 100 since).
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import parse_augment, parse_params
from _realdata import SDSS_M_DWARFS, score, shared_data_dir, test_sets


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("seed", type=int)
    parser.add_argument("augment")
    parser.add_argument("--subtype", action="store_true")
    parser.add_argument("--max-epochs", type=int, default=40)
    parser.add_argument("--params", default=None, help="EMCCNN arguments, e.g. label_noise=0.5")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    seed = args.seed

    from skspec.datasets import load_sdss_spectra, make_mdwarf_spectra
    from skspec.experiments import make_model

    data_dir = shared_data_dir()
    if data_dir is None:
        sys.exit("sim2real_per_star needs ../shared/data (or $SKSPEC_SHARED_DATA)")
    ds = make_mdwarf_spectra(4000, random_state=seed)
    augment = parse_augment(args.augment)  # None: EMCCNN's own default ("reddening")
    model = make_model(
        "emccnn",
        random_state=seed,
        max_epochs=args.max_epochs,
        params={**({} if augment is None else {"augment": augment}), **parse_params(args.params)}
        or None,
    )
    fit_params = {"clf__subtype": ds.frame["subtype_true"].to_numpy()} if args.subtype else {}
    t = time.perf_counter()
    model.fit(ds.data, ds.target, **fit_params)
    print(f"fit {time.perf_counter() - t:.0f} s", flush=True)
    real = load_sdss_spectra([data_dir / "pyhammer_sdss_spec" / n for n in SDSS_M_DWARFS])
    labels = list(SDSS_M_DWARFS.values())
    proba = np.round(model.predict_proba(real.data), 2).tolist()
    print("as observed:", list(zip(labels, model.predict(real.data), proba)))
    copies = 40  # test_sets' sdss_copies: rows grouped by file
    for (source, snr_bin), (X, _, y) in test_sets(data_dir, copies=12, instrument=True).items():
        pred = model.predict(X)
        if not source.startswith("sdss"):
            r = score(y, pred)
            print(source, snr_bin, f"exact {r['exact']:.2f}", f"bias {r['bias']:+.2f}")
            continue
        per_star = {}
        for i, label in enumerate(labels):
            types, counts = np.unique(pred[i * copies : (i + 1) * copies], return_counts=True)
            per_star[f"{i}:{label}"] = dict(zip(types.tolist(), counts.tolist()))
        print(source, snr_bin, per_star)


if __name__ == "__main__":
    main()
