"""Rebuild the model bundled with skspec (``skspec/models/data/emccnn_default.skspec``).

The command is the one recorded in ``skspec.models.PRETRAINED_MODELS`` (and
in ``skspec/models/data/README.txt``)::

    skspec train --model emccnn --n-samples 4000 --max-epochs 40 --seed 0 \\
        --out skspec/models/data/emccnn_default.skspec

run on one thread (``OMP_NUM_THREADS=1``: float sums in another order give
other weights), so that a rerun gives the same model; tests/test_pretrained.py
(``-m slow``) retrains it and compares predictions. The bundled file is then
an inference copy: the optimizer's state (Adam's two moments per weight, 1.7
of the 5.2 MB) is dropped, which changes no prediction, and the header
records the command. The script reports the file's size, the training time
and, where ``../shared/data`` is present, the types of the real SDSS M dwarfs.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/build_pretrained.py            # about 8 min on one core
    OMP_NUM_THREADS=1 python benchmarks/build_pretrained.py --out /tmp/check.skspec
"""

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pretrained_argv(name="default", out=None):
    """The ``skspec train`` arguments of a bundled model, ``--out`` replaced by ``out``."""
    from skspec.models import PRETRAINED_MODELS

    argv = shlex.split(PRETRAINED_MODELS[name]["command"])[1:]  # drop "skspec"
    if out is not None:
        argv[argv.index("--out") + 1] = str(out)
    return argv


def strip_for_inference(model):
    """Drop the optimizer's state of every network in ``model`` (in place).

    Adam keeps two moments per weight; ``predict`` never reads them. A
    ``warm_start`` or ``partial_fit`` from the stripped model restarts them.
    """
    steps = getattr(model, "steps", None) or [(None, model)]
    for _, step in steps:
        optimizer = getattr(step, "optimizer_", None)
        if optimizer is not None:
            optimizer.state.clear()
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="default", help="bundled model to rebuild")
    parser.add_argument(
        "--out", default=None, help="write here instead of the package data (for a check)"
    )
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)

    import torch

    from skspec.cli import main as skspec_main
    from skspec.io import load_model, read_model_metadata, save_model
    from skspec.models import PRETRAINED_MODELS

    if os.environ.get("OMP_NUM_THREADS") != "1":
        print("build_pretrained: setting torch to one thread (as OMP_NUM_THREADS=1)")
    torch.set_num_threads(1)
    train_argv = pretrained_argv(args.name, args.out)
    out = Path(train_argv[train_argv.index("--out") + 1])
    if not out.is_absolute():
        out = ROOT / out
    trained = out.with_name(out.stem + ".trained.skspec")
    train_argv[train_argv.index("--out") + 1] = str(trained)
    print("build_pretrained: skspec " + " ".join(train_argv) + " --overwrite")
    t0 = time.perf_counter()
    code = skspec_main([*train_argv, "--overwrite", *(["-q"] if args.quiet else [])])
    seconds = time.perf_counter() - t0
    if code != 0:
        return code
    user = read_model_metadata(trained)["user"]
    model = load_model(trained)
    strip_for_inference(model)
    save_model(
        model,
        out,
        metadata={
            **user,
            "pretrained": args.name,
            "command": PRETRAINED_MODELS[args.name]["command"],
            "built_by": "benchmarks/build_pretrained.py (optimizer state dropped)",
            "train_seconds": round(seconds, 1),
        },
    )
    trained.unlink()
    header = read_model_metadata(out)
    print(
        f"build_pretrained: {out} {out.stat().st_size / 1e6:.2f} MB, trained in {seconds:.0f} s; "
        f"held-out accuracy {user.get('test_accuracy', float('nan')):.3f} "
        f"(n={user.get('n_test')}), torch {header['versions']['torch']}"
    )
    shared = Path(os.environ.get("SKSPEC_SHARED_DATA", ROOT.parent / "shared" / "data"))
    files = sorted((shared / "pyhammer_sdss_spec").glob("spec-*.fits"))
    if files:
        import warnings

        from skspec.datasets import load_sdss_spectra

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            ds = load_sdss_spectra(files)
        model = load_model(out)
        pred = model.predict(ds.data)
        for path, p, sub in zip(ds.frame["path"], pred, ds.frame["subclass"]):
            print(f"  {Path(path).name}: {p} (SDSS pipeline: {sub})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
