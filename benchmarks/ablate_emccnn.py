"""Why is (or isn't) EMCCNN the strongest model? Ablations on one S/N bin; prints markdown.

Same data and split as ``bench_accuracy.py`` (``make_mdwarf_spectra(6000,
random_state=0)``, 50/50 stratified within the bin, seed 0), one bin (default
``>15``, the largest), and these variants of the EMCCNN pipeline (the
experiment registry's, resampled to 5000 points), each at default size,
capped at ``--max-epochs`` with early stopping:

- ``default``: as shipped (centred input, augmentation ("reddening" since 2026-12-02: calibration curve, lost ends
  and a colour excess; "coverage", without the colour excess, from 2026-12-01),
  label smoothing 0.1, temperature scaling, supervised denoising);
- one ingredient off at a time: ``normalization="median"`` (no centring),
  ``augment=False`` (no augmentation: no calibration curve, lost ends or colour excess),
  ``augment="coverage"`` (no colour excess), ``label_smoothing=0``,
  ``calibrate=False`` (no temperature scaling: same predictions, see the ECE
  column);
- ``no denoising``: ``denoising_weight=0`` (a plain multi-scale CNN);
- ``two scales``: ``kernel_sizes=(3, 7)``;
- ``paper recipe``: ``recipe="paper"`` (SGD, lr 1e-4, MSE on one-hot);
- ``wide``: twice the branch channels and hidden units;
- ``on standardised pixels``: the SVM's input (median-normalised, then each
  pixel standardised over the training set) fed to EMCCNN;

beside the SVM baseline and the template matcher on the same split.

Usage::

    python benchmarks/ablate_emccnn.py [--bin ">15"] [--max-epochs 40]
"""

import argparse
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=">15")
    parser.add_argument("--n-samples", type=int, default=6000)
    parser.add_argument("--max-epochs", type=int, default=40)
    parser.add_argument("--variants", default=None, help="comma-separated subset")
    args = parser.parse_args()

    from sklearn.model_selection import train_test_split

    from skspec.datasets import make_mdwarf_spectra
    from skspec.experiments import make_model
    from skspec.metrics import expected_calibration_error, within_one_subtype_accuracy

    ds = make_mdwarf_spectra(args.n_samples, random_state=0)
    mask = ds.frame["snr_bin"].to_numpy() == args.bin
    X, y = ds.data[mask], np.asarray(ds.target)[mask]
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)

    variants = {
        "EMCCNN default": ("emccnn", {}, None),
        "EMCCNN without centring": ("emccnn", {"normalization": "median"}, None),
        "EMCCNN without augmentation": ("emccnn", {"augment": False}, None),
        "EMCCNN without the colour excess": ("emccnn", {"augment": "coverage"}, None),
        "EMCCNN without label smoothing": ("emccnn", {"label_smoothing": 0.0}, None),
        "EMCCNN without temperature scaling": ("emccnn", {"calibrate": False}, None),
        "EMCCNN no denoising": ("emccnn", {"denoising_weight": 0.0}, None),
        "EMCCNN two scales (3, 7)": ("emccnn", {"kernel_sizes": (3, 7)}, None),
        "EMCCNN paper recipe": ("emccnn", {}, "paper"),
        "EMCCNN wide": ("emccnn", {"branch_channels": 24, "hidden_units": 256}, None),
        "EMCCNN on standardised pixels": ("emccnn-standardised", {}, None),
        "SVM": ("svm", {}, None),
        "Template": ("template", {}, None),
    }
    if args.variants:
        keep = [v.strip() for v in args.variants.split(",")]
        variants = {k: v for k, v in variants.items() if any(s in k for s in keep)}

    print(f"## EMCCNN ablations on S/N {args.bin} (`benchmarks/ablate_emccnn.py`)\n")
    print(
        f"make_mdwarf_spectra({args.n_samples}, random_state=0), bin {args.bin}: "
        f"{len(y_tr)} training / {len(y_te)} test spectra (50/50, stratified, seed 0); "
        f"networks at default size, at most {args.max_epochs} epochs with early "
        "stopping.\n"
    )
    print("| variant | train acc | test acc | test within one | ECE (test) | epochs | fit s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, (name, params, recipe) in variants.items():
        if name == "emccnn-standardised":
            # The SVM's view of the data: each spectrum over its median, then each
            # pixel standardised across the training set, fed to EMCCNN.
            from sklearn.pipeline import Pipeline
            from sklearn.preprocessing import StandardScaler

            from skspec.models import EMCCNNClassifier
            from skspec.preprocessing import ContinuumNormalizer

            model = Pipeline(
                [
                    ("normalize", ContinuumNormalizer(method="median")),
                    ("scale", StandardScaler()),
                    (
                        "emccnn",
                        EMCCNNClassifier(
                            normalization=None, random_state=0, max_epochs=args.max_epochs
                        ),
                    ),
                ]
            )
        else:
            model = make_model(
                name,
                random_state=0,
                max_epochs=args.max_epochs if name == "emccnn" else None,
                recipe=recipe,
                params=params or None,
            )
        t0 = time.perf_counter()
        model.fit(X_tr, y_tr)
        seconds = time.perf_counter() - t0
        train = np.mean(model.predict(X_tr) == y_tr)
        pred = model.predict(X_te)
        test = np.mean(pred == y_te)
        within = within_one_subtype_accuracy(y_te, pred)
        ece = ""
        if hasattr(model, "predict_proba") and not label.startswith(("SVM", "Template")):
            ece = f"{expected_calibration_error(y_te, model.predict_proba(X_te)):.3f}"
        net = model.steps[-1][1]
        epochs = len(net.history_) if hasattr(net, "history_") else ""
        print(
            f"| {label} | {100 * train:.1f} | {100 * test:.1f} | {100 * within:.1f} | "
            f"{ece} | {epochs} | {seconds:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
