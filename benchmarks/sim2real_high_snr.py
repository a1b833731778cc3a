"""The bundled model on real templates above the paper's S/N bins.

The generator's default S/N range is 5-40 and the real-data check's top bin
15-30; real stars are often observed at higher S/N. This script degrades the
real Kesseli+2017 and Bochanski+2007 templates (``_realdata``: SDSS-shaped
noise, radial velocity, flux scale, bad pixels; ``+instr`` adds another
instrument's colour and resolution) at S/N 15-30, 30-60, 60-150 and 150-400,
24 copies per template and range, and types them with the bundled model
(``skspec.models.load_pretrained()``). Kesseli is in-library for that model.
A second table lists the wrong types per template label.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/sim2real_high_snr.py
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _realdata  # noqa: E402

RANGES = ((15, 30), (30, 60), (60, 150), (150, 400))


def main():
    from skspec.models import load_pretrained

    model = load_pretrained()
    data_dir = _realdata.shared_data_dir()
    if data_dir is None:
        sys.exit("needs the reference data: ../shared/data or $SKSPEC_SHARED_DATA")
    g = _realdata.noise_shape(data_dir)
    fine = _realdata.read_fine_templates(data_dir)
    print("| S/N | source | exact | mean signed error | n |")
    print("|---|---|---:|---:|---:|")
    errors = []
    for lo, hi in RANGES:
        _realdata.SNR_BINS["range"] = (lo, hi)
        rng = np.random.default_rng(0)
        for lib in ("bochanski2007", "kesseli2017"):
            for instrument in (False, True):
                X, _, y = _realdata.degrade_templates(
                    rng, fine[lib], g, "range", 24, instrument=instrument
                )
                pred = model.predict(X)
                s = _realdata.score(y, pred)
                name = lib + (" +instr" if instrument else "")
                for label in np.unique(y):
                    wrong = pred[(y == label) & (pred != label)]
                    if wrong.size:
                        types = ", ".join(
                            f"{t} x{int(np.sum(wrong == t))}" for t in np.unique(wrong)
                        )
                        n = int(np.sum(y == label))
                        errors.append(f"| {lo}-{hi} | {name} | {label} | {n} | {types} |")
                print(
                    f"| {lo}-{hi} | {name} | {s['exact']:.2f} | {s['bias']:+.2f} | {s['n']} |",
                    flush=True,
                )
    print("\n| S/N | source | template label | copies | typed as |")
    print("|---|---|---|---:|---|")
    print("\n".join(errors))


if __name__ == "__main__":
    main()
