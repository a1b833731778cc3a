"""A model on real templates observed under conditions the real-data check does not vary.

The real-data check (``bench_sim2real.py``) degrades the real templates with
a radial velocity of N(0, 40) km/s, a mild calibration wobble and, with
``--instrument``, up to one pixel of extra broadening and a 0.8-1.25 colour
factor. Real spectra go further. This script types the Kesseli+2017
(in-library for the bundled model) and the Bochanski+2007 (held out)
templates, degraded as in the check (``_realdata.degrade_templates``: noise
shaped like SDSS's, flux scale, bad pixels; 12 and 48 copies per template
and S/N bin), with one condition pushed at a time:

* ``rv``: a systematic radial velocity (km/s) on top of the N(0, 40) scatter
  (fast-moving stars; 83 km/s is an air-wavelength spectrum read as vacuum);
* ``lsf``: extra Gaussian broadening, sigma in SDSS pixels (a
  lower-resolution spectrograph; SDSS's own LSF is about 1 pixel);
* ``ebv``: interstellar reddening E(B-V), CCM law with R_V = 3.1 (the
  generator draws 0-0.08);
* ``telluric``: uncorrected telluric absorption, multiples of mean depths
  of 0.15, 0.45, 0.05 and 0.10 over the O2 B (6867-6884 A), O2 A
  (7594-7630 A) and H2O (7160-7340, 8130-8350 A) bands of the generator
  (roughly an uncorrected spectrum at airmass 1.2 and SDSS resolution; 2 is
  a high airmass or a humid night);
* ``halpha``: H-alpha emission (6564.6 A vacuum) of this equivalent width
  in A, a Gaussian of sigma 1.5 A (SDSS's resolution) on the local
  continuum: active M dwarfs, common from M3 on, show 1-10 A;
* ``spikes``: this many unflagged outlier pixels per spectrum, each adding
  0.5-3 times the spectrum's median flux (cosmic rays and sky-line
  residuals that the pipeline did not mask; ``ivar`` left as it was).

It prints exact and mean signed subtype error per S/N bin (5-10 / 10-15 /
>15). One model, one seed of the degradation: the bundled one
(``skspec.models.load_pretrained()``), a saved model file (``--model``), or
an ``EMCCNNClassifier(max_epochs=40, random_state=seed)`` fitted here on
``make_mdwarf_spectra(4000, random_state=seed)`` with the given ``augment``
(``--augment``, spelled as in ``bench_sim2real.py``; about 6 min on a core),
or the SVM, the learned template classifier or the 2-D CNN fitted on the same data
(``--baseline svm|template|cnn``; ``skspec.experiments.make_model``, the
networks capped at 40 epochs as in ``bench_sim2real.py``; seconds, the 2-D CNN
about 8 min).

Usage::

    OMP_NUM_THREADS=1 python benchmarks/sim2real_robustness.py [--seed 0]
    OMP_NUM_THREADS=1 python benchmarks/sim2real_robustness.py --augment coverage
    OMP_NUM_THREADS=1 python benchmarks/sim2real_robustness.py --baseline svm
    OMP_NUM_THREADS=1 python benchmarks/sim2real_robustness.py --baseline template \
        --params outlier_sigma=None --conditions halpha,spikes
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _realdata  # noqa: E402

#: Mean absorption depths of the generator's telluric bands (O2 B, O2 A,
#: H2O 7200, H2O 8200), uncorrected, at the ``telluric`` level 1.
TELLURIC_DEPTHS = (0.15, 0.45, 0.05, 0.10)


def _broaden(sigma):
    from scipy.ndimage import gaussian_filter1d

    return lambda clean: gaussian_filter1d(clean, sigma, axis=1, mode="nearest")


def _redden(ebv):
    from skspec.utils import ccm_extinction, sdss_loglam

    factor = 10.0 ** (-0.4 * ebv * ccm_extinction(10.0 ** sdss_loglam()))
    return lambda clean: clean * factor


def _telluric(level):
    from skspec.datasets._generator import _observation_templates

    depth = np.minimum(level * np.array(TELLURIC_DEPTHS), 0.95)
    transmission = np.exp(np.log1p(-depth) @ _observation_templates().telluric)
    return lambda clean: clean * transmission


def _halpha(ew):
    from skspec.utils import sdss_loglam

    wave = 10.0 ** sdss_loglam()
    line = np.exp(-0.5 * ((wave - 6564.6) / 1.5) ** 2) / (1.5 * np.sqrt(2 * np.pi))
    side = ((wave > 6530) & (wave < 6555)) | ((wave > 6575) & (wave < 6600))

    def effect(clean):
        continuum = np.median(clean[:, side], axis=1, keepdims=True)
        return clean + ew * continuum * line

    return effect


def _spikes(count):
    def after_noise(rng, noisy, ivar):
        n, m = noisy.shape
        rows = np.repeat(np.arange(n), count)
        cols = rng.integers(0, m, rows.size)
        height = rng.uniform(0.5, 3.0, rows.size) * np.median(noisy, axis=1)[rows]
        noisy = noisy.copy()
        np.add.at(noisy, (rows, cols), height)
        return noisy

    return after_noise


#: Condition: (levels, how each level reads as ``degrade_templates`` arguments).
CONDITIONS = {
    "rv": ((0, 100, 200, 300, -300), lambda v: {"rv_offset": float(v)}),
    "lsf": ((1, 2, 4), lambda s: {"effect": _broaden(s)}),
    "ebv": ((0.1, 0.2, 0.4), lambda e: {"effect": _redden(e)}),
    "telluric": ((0.5, 1, 2), lambda k: {"effect": _telluric(k)}),
    "halpha": ((2, 5, 10), lambda ew: {"effect": _halpha(ew)}),
    "spikes": ((5, 20, 50), lambda k: {"after_noise": _spikes(k)}),
}


def _model(args):
    """The bundled model, a saved one, or one fitted here (EMCCNN with ``args.augment``, a baseline)."""
    if args.model:
        from skspec.io import load_model

        return load_model(args.model)
    if not (args.augment or args.baseline):
        from skspec.models import load_pretrained

        return load_pretrained()
    from skspec.datasets import make_mdwarf_spectra

    ds = make_mdwarf_spectra(4000, random_state=args.seed)
    if args.baseline:
        from _machine import parse_params

        from skspec.experiments import make_model

        # The networks at bench_sim2real.py's cap of 40 epochs (early stopping may end sooner).
        params = parse_params(args.params) if args.params else None
        model = make_model(args.baseline, random_state=args.seed, max_epochs=40, params=params)
        return model.fit(ds.data, ds.target)
    from _machine import parse_augment

    from skspec.models import EMCCNNClassifier

    augment = parse_augment(args.augment)
    kwargs = {} if augment is None else {"augment": augment}
    net = EMCCNNClassifier(max_epochs=40, random_state=args.seed, verbose=0, **kwargs)
    return net.fit(ds.data, ds.target)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the degradation (and of a model fitted here)"
    )
    parser.add_argument(
        "--params",
        help="with --baseline: its estimator's parameters, e.g. outlier_sigma=None "
        "(spelled as in bench_sim2real.py)",
    )
    parser.add_argument(
        "--conditions",
        default=",".join(CONDITIONS),
        help="comma-separated, from " + ", ".join(CONDITIONS),
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--model", help="a saved skspec model file (default: the bundled one)")
    which.add_argument("--augment", help="fit EMCCNN here with this augment")
    which.add_argument(
        "--baseline",
        choices=("svm", "template", "cnn"),
        help="fit this model of skspec.experiments.make_model here instead (seconds; "
        "cnn, the 2-D CNN, about 8 min on a core)",
    )
    args = parser.parse_args(argv)

    data_dir = _realdata.shared_data_dir()
    if data_dir is None:
        sys.exit("needs the reference data: ../shared/data or $SKSPEC_SHARED_DATA")
    import datetime
    import shlex

    from _machine import machine_info

    t0 = time.perf_counter()
    command = shlex.join(["python", "benchmarks/sim2real_robustness.py", *sys.argv[1:]])
    print(f"Command: `{command}`")
    print(f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    for key, value in machine_info(("numpy", "torch", "sklearn")).items():
        print(f"- {key}: {value}")
    print()
    model = _model(args)
    g = _realdata.noise_shape(data_dir)
    fine = _realdata.read_fine_templates(data_dir)
    print("exact (mean signed error) per S/N bin 5-10 / 10-15 / >15\n")
    print("| condition | level | Bochanski+2007 (held out) | Kesseli+2017 (in-library) |")
    print("|---|---|---|---|")
    for name in args.conditions.split(","):
        levels, kwargs_of = CONDITIONS[name]
        for level in levels:
            rng = np.random.default_rng(args.seed)
            cells = []
            for lib, copies in (("bochanski2007", 48), ("kesseli2017", 12)):
                parts = []
                for snr_bin in _realdata.SNR_BINS:
                    X, _, y = _realdata.degrade_templates(
                        rng, fine[lib], g, snr_bin, copies, **kwargs_of(level)
                    )
                    s = _realdata.score(y, model.predict(X))
                    parts.append(f"{s['exact']:.2f} ({s['bias']:+.2f})")
                cells.append(" / ".join(parts))
            print(f"| {name} | {level} | {cells[0]} | {cells[1]} |", flush=True)
    print(f"\nWall time {time.perf_counter() - t0:.0f} s (fit included).")


if __name__ == "__main__":
    main()
