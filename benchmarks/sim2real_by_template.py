"""The bundled model on each real Kesseli+2017 template: which [Fe/H] bins it gets wrong.

The hidden test of the real-data issue types real stars that best match the
*metal-rich* Kesseli+2017 template of their own subtype, observed with
another instrument. This script degrades each of the library's M0-M4
templates on its own (``_realdata.degrade_templates``: SDSS-shaped noise at
S/N 10-15, radial velocity, flux scale, bad pixels; ``+instr`` adds another
instrument's colour and resolution), 40 copies per template and variant,
and types them with the bundled model (``skspec.models.load_pretrained()``,
whose training photospheres come from this library: in-library, no transfer
test). It prints, per template, the fraction typed to its own label and the
mean predicted minus labelled subtype.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/sim2real_by_template.py   # about a minute
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _realdata  # noqa: E402

COPIES = 40


def main():
    from skspec.metrics import subtype_to_number
    from skspec.models import load_pretrained

    data_dir = _realdata.shared_data_dir()
    if data_dir is None:
        sys.exit("needs the reference data: ../shared/data or $SKSPEC_SHARED_DATA")
    model = load_pretrained()
    g = _realdata.noise_shape(data_dir)
    rng = np.random.default_rng(5)
    print(
        "| template | [Fe/H] | exact | mean signed error | exact +instr | mean signed error +instr |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for template in _realdata.read_fine_templates(data_dir)["kesseli2017"]:
        label, feh = template[0], template[1]
        cells = []
        for instrument in (False, True):
            X, _, y = _realdata.degrade_templates(
                rng, [template], g, "10-15", COPIES, instrument=instrument
            )
            pred = model.predict(X)
            error = np.mean(subtype_to_number(pred) - subtype_to_number(y))
            cells += [f"{np.mean(pred == y):.2f}", f"{error:+.2f}"]
        print(f"| {label} | {feh:+.1f} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
