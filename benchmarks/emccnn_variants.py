"""EMCCNN as the estimator itself (no pipeline), on the accuracy study's data and splits.

``bench_accuracy.py`` runs the registry's pipelines (resampled to 5000
points, epochs capped by ``--max-epochs``). This script fits
``EMCCNNClassifier(random_state=seed, **params)`` directly on the 3522-pixel
spectra, with every other setting at its default (``max_epochs=100`` with
early stopping), per S/N bin of ``make_mdwarf_spectra(6000,
random_state=seed)`` split 50/50 (``_study.study_splits``, the study's own split), and
prints one JSON line per fit: train and test accuracy (%), the test ECE (top
label, 15 bins), epochs run and fit seconds. It is the "``EMCCNNClassifier()``
with default parameters" that issue 11 asks about.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/emccnn_variants.py default 0,1,2
    OMP_NUM_THREADS=1 python benchmarks/emccnn_variants.py ord05 0,1,2 ordinal_width=0.5
    OMP_NUM_THREADS=1 python benchmarks/emccnn_variants.py redraw 0,1,2 --clean
    OMP_NUM_THREADS=1 python benchmarks/emccnn_variants.py fresh 0,1,2 --fresh-noise

Parameters are ``name=value`` pairs, read as ``--params`` of the ``bench_*.py``
scripts (None, True/False, numbers, else strings). ``--clean`` fits with
``X_clean``, the training spectra's noiseless versions, so that every epoch
re-signs their noise (the package's ``X_clean``); ``--fresh-noise`` instead
draws new Gaussian noise of the generator's own ``1/sqrt(ivar)`` each epoch
(exploratory: the package has no such option; the script swaps the
network's training dataset for one that does it). ``--subtype`` fits with
the training stars' true subtypes (``fit(..., subtype=...)``, from
``frame["subtype_true"]``). ``--proba DIR`` saves
each fit's test probabilities as ``DIR/<tag>_<seed>_<bin>.npy`` (rows in
the test half's order, columns in ``classes_`` order), for ensembles scored
afterwards. ``--bins B1,B2``
fits only those S/N bins (e.g. ``--bins '>15'``). ``--mixup ALPHA``
(exploratory, not a package option) trains on mixup batches: each batch's
median-normalised spectra blended with a shuffled copy, ``lam * x + (1 -
lam) * x[perm]`` with one ``lam ~ Beta(ALPHA, ALPHA)`` per batch and the
loss blended alike; ``--mixup-within-class`` pairs each spectrum with one
of its own label. ``--subtemplate-denoising K`` (exploratory, not a package
option) replaces the denoising target, the class mean, by the nearest of up
to K group means of the class (k-means on the first 10 principal components
of the class's normalised training spectra, at least 10 spectra a group):
the reconstruction term is the minimum over the class's group means.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

import skspec.nn._net
from skspec.experiments import resolve_bins
from skspec.metrics import expected_calibration_error
from skspec.models import EMCCNNClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import parse_augment, parse_params  # noqa: E402
from _study import study_splits  # noqa: E402

from skspec.nn._data import _ArrayDataset  # noqa: E402


class FreshNoiseDataset(_ArrayDataset):
    """Serves ``X_clean + sd * N(0, 1)``, a new draw each time; bad pixels as observed.

    Built by the network in place of its ``_RedrawDataset`` (same
    signature); each training row's ``sd`` is found from its clean spectrum
    in ``NOISE_SD``, which ``main`` fills before each fit.
    """

    def __init__(self, X, X_clean, y=None, subtype=None):
        super().__init__(X_clean, y, subtype)
        self.observed = torch.from_numpy(np.ascontiguousarray(X))
        self.sd = torch.from_numpy(np.stack([NOISE_SD[row.tobytes()] for row in X_clean]))

    def _spectra(self, idx):
        sd = self.sd[idx]
        drawn = self.X[idx] + sd * torch.randn_like(sd)
        return torch.where(sd > 0, drawn, self.observed[idx])


NOISE_SD = {}


def mixup_step(alpha, within_class):
    """A ``train_step_single`` that trains on mixup batches (see the module docstring)."""
    from skorch.dataset import unpack_data

    def step(self, batch, **fit_params):
        Xi, yi = unpack_data(batch)
        augmenter = self._augmenter()
        with torch.no_grad():
            x = torch.as_tensor(Xi)
            if augmenter is not None:
                x = augmenter(x)
            flat = x.reshape(len(x), -1)
            flat = flat / flat.abs().median(dim=1, keepdim=True).values.clamp_min(1e-30)
            lam = float(torch.distributions.Beta(alpha, alpha).sample())
            if within_class:
                perm = torch.arange(len(x))
                for c in torch.unique(yi):
                    idx = torch.nonzero(yi == c).flatten()
                    perm[idx] = idx[torch.randperm(len(idx))]
            else:
                perm = torch.randperm(len(x))
            x = (lam * flat + (1 - lam) * flat[perm]).reshape(x.shape)
        self._set_training(True)
        y_pred = self.infer(x, **fit_params)
        loss = lam * self.get_loss(y_pred, yi, X=x, training=True) + (1 - lam) * self.get_loss(
            y_pred, yi[perm], X=x, training=True
        )
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    return step


def subtemplate_denoising(k):
    """Patch SupervisedDenoisingLoss: the reconstruction target is the nearest of
    up to ``k`` group means of the class (see the module docstring)."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    from skspec.nn._losses import SupervisedDenoisingLoss

    update = SupervisedDenoisingLoss.update_templates

    @torch.no_grad()
    def update_templates(self, x, y):
        update(self, x, y)  # the class means stay (denoising_targets_)
        xs, ys = x.cpu().numpy().astype(np.float64), y.cpu().numpy()
        groups = self.templates[:, None, :].repeat(1, k, 1).clone()  # repeats: no-ops in min
        for c in range(self.templates.shape[0]):  # a loop over classes
            xc = xs[ys == c]
            n = min(k, len(xc) // 10)
            if n > 1:
                z = PCA(min(10, len(xc) - 1), random_state=0).fit_transform(xc)
                g = KMeans(n, n_init=4, random_state=0).fit_predict(z)
                for j in range(n):
                    groups[c, j] = torch.from_numpy(xc[g == j].mean(0)).to(groups)
        self.groups = groups

    def forward(self, output, y, subtype=None):
        if not isinstance(output, tuple):
            return self.classification(output, y, subtype)
        logits, recon = output[0], output[1]
        loss = self.classification(logits, y, subtype)
        if self.weight:
            d = ((recon[:, None, :] - self.groups[y]) ** 2).mean(-1)
            loss = loss + self.weight * d.min(1).values.mean()
        return loss

    SupervisedDenoisingLoss.update_templates = update_templates
    SupervisedDenoisingLoss.forward = forward


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag", help="name written in every row")
    parser.add_argument("seeds", help="comma-separated data seeds, e.g. 0,1,2")
    parser.add_argument("params", nargs="*", help="EMCCNNClassifier parameters, name=value")
    noise = parser.add_mutually_exclusive_group()
    noise.add_argument("--clean", action="store_true", help="fit with X_clean")
    noise.add_argument(
        "--fresh-noise", action="store_true", help="a new Gaussian noise draw each epoch"
    )
    parser.add_argument(
        "--subtype", action="store_true", help="fit with the training stars' true subtypes"
    )
    parser.add_argument("--proba", metavar="DIR", help="save the test probabilities here")
    parser.add_argument("--bins", help="comma-separated S/N bins to fit (default: all)")
    parser.add_argument("--mixup", type=float, metavar="ALPHA", help="train on mixup batches")
    parser.add_argument(
        "--mixup-within-class", action="store_true", help="mix spectra of one label only"
    )
    parser.add_argument(
        "--subtemplate-denoising",
        type=int,
        metavar="K",
        help="denoise towards the nearest of K group means of the class",
    )
    parser.add_argument(
        "--augment",
        default="default",
        help="augment as in bench_sim2real.py: default, off, on, a preset name, or "
        "keyword settings of SpectrumAugmenter, e.g. 'wobble=0.05,blue_cut=0.5'",
    )
    return parser.parse_intermixed_args(argv)


def main(argv):
    args = parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    params = parse_params(",".join(args.params))
    augment = parse_augment(args.augment)
    if augment is not None:
        params["augment"] = augment
    bins = None if args.bins is None else set(args.bins.split(","))
    if bins is not None and not bins <= set(resolve_bins(None)):
        sys.exit(f"--bins: unknown bin(s) {sorted(bins - set(resolve_bins(None)))}")
    if args.proba is not None:
        Path(args.proba).mkdir(parents=True, exist_ok=True)
    clean = args.clean or args.fresh_noise
    if args.fresh_noise:
        skspec.nn._net._RedrawDataset = FreshNoiseDataset
    if args.subtemplate_denoising is not None:
        subtemplate_denoising(args.subtemplate_denoising)
    if args.mixup is not None:
        if args.subtype:
            sys.exit("--mixup mixes the labels; it does not take --subtype")
        EMCCNNClassifier.train_step_single = mixup_step(args.mixup, args.mixup_within_class)
    for seed in seeds:
        splits = study_splits(seed, clean=clean, train_subtype=args.subtype)
        for b, X_tr, X_te, y_tr, y_te, _, *extra in splits:
            if bins is not None and b not in bins:
                continue
            fit_params = {"subtype": extra.pop(0)} if args.subtype else {}
            X_clean = extra  # [X_clean_train, noise_sd_train] with --clean or --fresh-noise
            if clean:
                fit_params["X_clean"] = X_clean[0]
            if args.fresh_noise:
                NOISE_SD.clear()
                NOISE_SD.update((c.tobytes(), sd) for c, sd in zip(*X_clean))
            t0 = time.perf_counter()
            clf = EMCCNNClassifier(**{"random_state": seed, **params})
            clf.fit(X_tr, y_tr, **fit_params)
            proba = clf.predict_proba(X_te)
            if args.proba is not None:
                name = f"{args.tag}_{seed}_{b.replace('>', 'gt')}.npy"
                np.save(Path(args.proba) / name, proba)
            row = {
                "tag": args.tag,
                "seed": seed,
                "bin": b,
                "train": 100 * float(np.mean(clf.predict(X_tr) == y_tr)),
                "test": 100 * float(np.mean(clf.classes_[proba.argmax(1)] == y_te)),
                "ece": expected_calibration_error(y_te, proba, classes=clf.classes_),
                "epochs": len(clf.history_),
                "s": time.perf_counter() - t0,
            }
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
