"""Figures of the reproduction, drawn with matplotlib's Agg canvas.

Figures are built with :class:`matplotlib.figure.Figure` directly, never
through ``pyplot``: no global state, no GUI backend, safe in worker
processes and on headless machines. Each function draws one figure and
writes it atomically (:func:`skspec.utils.atomic_path`) to the given path.
"""

from pathlib import Path

import numpy as np

from ..utils import atomic_path
from ..utils._subtypes import PAPER_BINS, PAPER_SUBTYPES
from ._paper import paper_accuracy
from ._registry import FOLD_SHAPE, MODELS, N_RESAMPLED

__all__ = [
    "make_figures",
    "plot_accuracy",
    "plot_accuracy_by_snr",
    "plot_confusion_matrices",
    "plot_distribution",
    "plot_folded_images",
    "plot_predicted_indices",
    "plot_resampling",
    "plot_snr_examples",
    "plot_training_curves",
]


def _figure(width, height):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _save(fig, path):
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    return path


def _ordered_bins(values):
    present = list(dict.fromkeys(values))
    return [b for b in PAPER_BINS if b in present] + [b for b in present if b not in PAPER_BINS]


def _median_normalised(flux):
    flux = np.asarray(flux, dtype=float)
    med = np.median(flux, axis=-1, keepdims=True)
    return flux / np.where(med == 0, 1.0, med)


def _resampled_wavelength(wavelength, n):
    # The resampler spaces its points evenly in pixel index, i.e. in log wavelength.
    lo, hi = np.log10(wavelength[0]), np.log10(wavelength[-1])
    return 10 ** np.linspace(lo, hi, n)


def plot_resampling(wavelength, flux, path, *, window=(7000.0, 7250.0)):
    """One spectrum before and after quadratic interpolation to 5000 points.

    Parameters
    ----------
    wavelength : ndarray of shape (3522,)
    flux : ndarray of shape (3522,)
    path : str or Path
        PNG written atomically.
    window : (float, float), default=(7000, 7250)
        Wavelength range of the zoomed panel (the TiO band heads near 7100 A).
    """
    from ..preprocessing import QuadraticResampler

    flux = _median_normalised(np.asarray(flux, dtype=float)[None, :])
    resampled = QuadraticResampler(n_points=N_RESAMPLED).fit_transform(flux)[0]
    w_new = _resampled_wavelength(wavelength, resampled.size)
    fig = _figure(10, 5.5)
    top, bottom = fig.subplots(2, 1)
    top.plot(wavelength, flux[0], lw=0.6, label=f"SDSS grid ({flux.shape[1]} pixels)")
    top.plot(w_new, resampled, lw=0.6, alpha=0.7, label=f"quadratic ({resampled.size} points)")
    top.set_ylabel("flux / median")
    top.legend(loc="upper left", fontsize=8)
    top.set_title("Spectrum before and after quadratic interpolation")
    sel = (wavelength >= window[0]) & (wavelength <= window[1])
    sel_new = (w_new >= window[0]) & (w_new <= window[1])
    bottom.plot(wavelength[sel], flux[0][sel], "o", ms=3, label="original pixels")
    bottom.plot(w_new[sel_new], resampled[sel_new], ".-", ms=2, lw=0.6, label="interpolated")
    bottom.set_xlabel("vacuum wavelength (Å)")
    bottom.set_ylabel("flux / median")
    bottom.legend(loc="upper left", fontsize=8)
    return _save(fig, path)


def plot_distribution(target, snr_bin, path):
    """Number of spectra per subtype in each S/N bin (grouped bars)."""
    target = np.asarray(target, dtype=object)
    snr_bin = np.asarray(snr_bin, dtype=object)
    bins = _ordered_bins(snr_bin)
    subtypes = [s for s in PAPER_SUBTYPES if s in set(target)] or sorted(set(target))
    fig = _figure(7, 4)
    ax = fig.subplots()
    width = 0.8 / max(len(bins), 1)
    x = np.arange(len(subtypes))
    for i, b in enumerate(bins):
        counts = [int(np.sum((snr_bin == b) & (target == s))) for s in subtypes]
        bars = ax.bar(x + (i - (len(bins) - 1) / 2) * width, counts, width, label=f"S/N {b}")
        ax.bar_label(bars, fontsize=7)
    ax.set_xticks(x, subtypes)
    ax.set_xlabel("subtype")
    ax.set_ylabel("number of spectra")
    ax.set_title("Data set per S/N bin and subtype")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_snr_examples(wavelength, data, target, snr_bin, path):
    """One spectrum of the same subtype at each of the S/N levels."""
    target = np.asarray(target, dtype=object)
    snr_bin = np.asarray(snr_bin, dtype=object)
    bins = _ordered_bins(snr_bin)
    common = [
        s for s in PAPER_SUBTYPES if all(np.any((target == s) & (snr_bin == b)) for b in bins)
    ]
    fig = _figure(10, 5)
    ax = fig.subplots()
    subtype = common[len(common) // 2] if common else None
    for i, b in enumerate(bins):
        sel = snr_bin == b
        if subtype is not None:
            sel &= target == subtype
        if not np.any(sel):
            continue
        flux = _median_normalised(np.asarray(data)[np.flatnonzero(sel)[0]])
        ax.plot(wavelength, flux + 1.5 * i, lw=0.5, label=f"S/N {b}")
    ax.set_xlabel("vacuum wavelength (Å)")
    ax.set_ylabel("flux / median + offset")
    ax.set_title(f"{subtype or 'Spectra'} at the three S/N levels")
    ax.legend(loc="upper left", fontsize=8)
    return _save(fig, path)


def plot_folded_images(data, target, path):
    """The folded 50 x 100 input of the 2D networks, one image per subtype."""
    from ..preprocessing import Folder2D, QuadraticResampler

    target = np.asarray(target, dtype=object)
    subtypes = [s for s in PAPER_SUBTYPES if s in set(target)]
    rows = np.array([np.flatnonzero(target == s)[0] for s in subtypes])
    flux = _median_normalised(np.asarray(data, dtype=float)[rows])
    images = Folder2D(shape=FOLD_SHAPE).fit_transform(
        QuadraticResampler(n_points=N_RESAMPLED).fit_transform(flux)
    )
    fig = _figure(2.6 * len(subtypes), 2.4)
    axes = np.atleast_1d(fig.subplots(1, len(subtypes)))
    for ax, s, img in zip(axes, subtypes, images):
        im = ax.imshow(img, aspect="auto", cmap="viridis")
        ax.set_title(s)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(im, ax=list(axes), shrink=0.8, label="flux / median")
    fig.suptitle(f"Spectra folded to {FOLD_SHAPE[0]} x {FOLD_SHAPE[1]}")
    return _save(fig, path)


def _accuracy_figure(scores):
    """The accuracy figure (see :func:`plot_accuracy`), not yet written."""
    bins = _ordered_bins(scores["bin"])
    keys = list(dict.fromkeys(zip(scores["model"], scores["dim"])))
    fig = _figure(max(8, 0.9 * len(keys) + 4), 4.8)
    ax = fig.subplots()
    width = 0.8 / max(len(keys), 1)
    x = np.arange(len(bins))
    paper_drawn = False
    for i, (model, dim) in enumerate(keys):
        offs = x + (i - (len(keys) - 1) / 2) * width
        sub = scores[(scores["model"] == model) & (scores["dim"] == dim)]
        test = sub[sub["split"] == "test"].set_index("bin")["accuracy"].reindex(bins)
        train = sub[sub["split"] == "train"].set_index("bin")["accuracy"].reindex(bins)
        bars = ax.bar(offs, test.to_numpy(), width, label=f"{MODELS[model].label} {dim.upper()}")
        ax.plot(
            offs, train.to_numpy(), "o", mfc="none", color=bars.patches[0].get_facecolor(), ms=4
        )
        # The paper's published accuracies of the same model, input and bin.
        label = MODELS[model].label
        paper_test = np.array([paper_accuracy(label, dim, b) for b in bins], dtype=float)
        paper_train = np.array([paper_accuracy(label, dim, b, "train") for b in bins], dtype=float)
        if np.isfinite(paper_test).any():
            ax.plot(
                offs,
                paper_test,
                "D",
                color="black",
                mfc="black",
                ms=5,
                zorder=4,
                label=None if paper_drawn else "paper, test (Tables 1-3)",
            )
            ax.plot(
                offs,
                paper_train,
                "x",
                color="black",
                ms=5,
                mew=1.2,
                zorder=4,
                label=None if paper_drawn else "paper, train",
            )
            paper_drawn = True
    ax.set_xticks(x, [f"S/N {b}" for b in bins])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("accuracy (bars: test, circles: train)")
    ax.set_title("Accuracy per model and S/N bin, beside the paper's")
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda k: labels[k].startswith("paper"))
    ax.legend(
        [handles[k] for k in order],
        [labels[k] for k in order],
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0,
    )
    return fig


def plot_accuracy(scores, path):
    """Test accuracy of every model and input form per S/N bin, beside the paper's.

    Bars are this run's test accuracies and open circles its training
    accuracies; black diamonds (test) and crosses (train) on a bar are the
    values the paper's Tables 1-3 print for the same model, input and bin
    (none for models the paper does not have, such as the template matcher).
    """
    return _save(_accuracy_figure(scores), path)


def _default_keys(predictions, keys):
    if keys is not None:
        return list(keys)
    present = list(dict.fromkeys(zip(predictions["model"], predictions["dim"])))
    return [k for k in present if k[1] == MODELS[k[0]].default_dim] or present


def plot_confusion_matrices(predictions, path, *, keys=None, normalize=None):
    """Confusion matrices (rows: true, columns: predicted), one per model and S/N bin.

    Drawn with scikit-learn's :class:`~sklearn.metrics.ConfusionMatrixDisplay`.

    Parameters
    ----------
    predictions : pandas.DataFrame
        ``predictions`` of :class:`~skspec.experiments.ExperimentResult`.
    path : str or Path
    keys : list of (model, dim), default=None
        Models to show; by default each model in its default input form.
    normalize : {None, "true"}, default=None
        None: counts; ``"true"``: each row divided by the number of spectra of
        that true class (the recall of each class on the diagonal).
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    if normalize not in (None, "true"):
        raise ValueError(f"normalize must be None or 'true', got {normalize!r}")
    keys = _default_keys(predictions, keys)
    bins = _ordered_bins(predictions["bin"])
    labels = [
        s for s in PAPER_SUBTYPES if s in set(predictions["y_true"]) | set(predictions["y_pred"])
    ]
    labels += sorted((set(predictions["y_true"]) | set(predictions["y_pred"])) - set(labels))
    fig = _figure(2.4 * len(bins) + 0.8, 2.2 * len(keys) + 0.6)
    axes = np.array(fig.subplots(len(keys), len(bins), squeeze=False))
    for r, (model, dim) in enumerate(keys):
        for c, b in enumerate(bins):
            ax = axes[r, c]
            sub = predictions[
                (predictions["model"] == model)
                & (predictions["dim"] == dim)
                & (predictions["bin"] == b)
            ]
            if len(sub) == 0:
                ax.set_axis_off()
                ax.text(0.5, 0.5, "not run", ha="center", va="center", transform=ax.transAxes)
                continue
            ConfusionMatrixDisplay.from_predictions(
                np.asarray(sub["y_true"], dtype=object),
                np.asarray(sub["y_pred"], dtype=object),
                labels=labels,
                normalize=normalize,
                ax=ax,
                colorbar=False,
                cmap="Blues",
                values_format=".2f" if normalize else "d",
                text_kw={"fontsize": 6 if normalize else 7},
            )
            ax.set_xticks(range(len(labels)), labels, fontsize=7)
            ax.set_yticks(range(len(labels)), labels, fontsize=7)
            ax.set_xlabel("predicted" if r == len(keys) - 1 else "", fontsize=8)
            ax.set_ylabel(
                f"{MODELS[model].label} {dim.upper()}\ntrue" if c == 0 else "", fontsize=8
            )
            if r == 0:
                ax.set_title(f"S/N {b}", fontsize=9)
    fig.suptitle(
        "Confusion matrices on the test sets"
        + (", normalised per true class" if normalize else " (counts)")
    )
    return _save(fig, path)


def plot_accuracy_by_snr(predictions, path, *, keys=None, bins="auto"):
    """Test accuracy against continuous S/N, in fine bins with binomial error bars.

    Parameters
    ----------
    predictions : pandas.DataFrame
        ``predictions`` of :class:`~skspec.experiments.ExperimentResult`,
        with its ``snr`` column.
    path : str or Path
    keys : list of (model, dim), default=None
        Models to show; by default each model in its default input form.
    bins : "auto", int or array-like, default="auto"
        S/N bins, shared by all models (see
        :func:`skspec.plotting.accuracy_by_snr`; "auto" aims at 40 test
        spectra per bin, at most 25 bins).
    """
    from ..plotting import plot_accuracy_vs_snr
    from ..plotting._scores import _edges

    keys = _default_keys(predictions, keys)
    fig = _figure(8, 4.5)
    ax = fig.subplots()
    if "snr" not in predictions or not np.isfinite(predictions["snr"].to_numpy(float)).any():
        ax.text(0.5, 0.5, "no S/N in the predictions", ha="center", va="center")
        return _save(fig, path)
    snr = predictions["snr"].to_numpy(dtype=float)
    first = predictions[(predictions["model"] == keys[0][0]) & (predictions["dim"] == keys[0][1])]
    first_snr = first["snr"].to_numpy(dtype=float)
    edges = _edges(first_snr[np.isfinite(first_snr)], bins)  # one set of bins for all
    for model, dim in keys:
        sub = predictions[(predictions["model"] == model) & (predictions["dim"] == dim)]
        plot_accuracy_vs_snr(
            np.asarray(sub["y_true"], dtype=object),
            np.asarray(sub["y_pred"], dtype=object),
            sub["snr"].to_numpy(dtype=float),
            bins=edges,
            label=f"{MODELS[model].label} {dim.upper()}",
            ax=ax,
        )
    if np.nanmax(snr) / max(np.nanmin(snr), 1e-9) > 8:
        ax.set_xscale("log")
    ax.set_title(
        "Test accuracy against S/N (1σ Wilson intervals; dotted: the paper's bin edges)",
        fontsize=10,
    )
    return _save(fig, path)


def plot_reliability(predictions, path, *, keys=None, n_bins=10):
    """Reliability diagram of the test predictions of the models with probabilities.

    Parameters
    ----------
    predictions : pandas.DataFrame
        ``predictions`` of :class:`~skspec.experiments.ExperimentResult`,
        with its ``confidence`` column (NaN for models without
        ``predict_proba``, which are left out).
    path : str or Path
    keys : list of (model, dim), default=None
        Models to show; by default each model in its default input form.
    n_bins : int, default=10
    """
    from ..plotting import plot_reliability_diagram

    keys = _default_keys(predictions, keys)
    fig = _figure(5.5, 5.5)
    ax = fig.subplots()
    drawn = 0
    for model, dim in keys:
        sub = predictions[(predictions["model"] == model) & (predictions["dim"] == dim)]
        sub = sub[np.isfinite(sub["confidence"].to_numpy(dtype=float))]
        if not len(sub):
            continue
        plot_reliability_diagram(
            np.asarray(sub["y_true"], dtype=object),
            np.asarray(sub["y_pred"], dtype=object),
            sub["confidence"].to_numpy(dtype=float),
            n_bins=n_bins,
            label=f"{MODELS[model].label} {dim.upper()}",
            ax=ax,
        )
        drawn += 1
    if not drawn:
        ax.text(0.5, 0.5, "no model with probabilities", ha="center", va="center")
    ax.set_title("Reliability of the test probabilities (all S/N bins)", fontsize=10)
    return _save(fig, path)


def plot_predicted_indices(predictions, data, path, *, key=None):
    """TiO5 against CaH2 + CaH3 of the test spectra, coloured by predicted type.

    Parameters
    ----------
    predictions : pandas.DataFrame
        ``predictions`` of :class:`~skspec.experiments.ExperimentResult`,
        with its ``row`` column.
    data : Bunch
        From :func:`~skspec.experiments.load_experiment_data`: ``data`` holds
        the spectra the rows refer to.
    path : str or Path
    key : (model, dim), default=None
        Whose predictions colour the points; by default the model with the
        best mean test accuracy among the models in their default form.
    """
    from ..plotting import plot_index_diagram

    keys = _default_keys(predictions, None)
    if key is None:
        correct = predictions["y_true"] == predictions["y_pred"]
        acc = correct.groupby([predictions["model"], predictions["dim"]]).mean()
        key = max(keys, key=lambda k: acc[k])
    sub = predictions[(predictions["model"] == key[0]) & (predictions["dim"] == key[1])]
    X = np.asarray(data.data, dtype=float)[sub["row"].to_numpy(dtype=int)]
    good = np.all(np.isfinite(X), axis=1)
    fig = _figure(6.5, 5.2)
    ax = fig.subplots()
    plot_index_diagram(
        X[good],
        np.asarray(sub["y_pred"], dtype=object)[good],
        ax=ax,
        title=f"Test spectra by the {MODELS[key[0]].label} {key[1].upper()}'s predicted type",
    )
    return _save(fig, path)


def plot_training_curves(histories, path):
    """Training (solid) and validation (dashed) loss per epoch of every network."""
    bins = _ordered_bins([k[2] for k in histories])
    fig = _figure(4.2 * max(len(bins), 1), 3.8)
    axes = np.atleast_1d(fig.subplots(1, max(len(bins), 1)))
    for ax, b in zip(axes, bins):
        for (model, dim, kb), hist in histories.items():
            if kb != b:
                continue
            epochs = [h.get("epoch", i + 1) for i, h in enumerate(hist)]
            name = f"{MODELS[model].label} {dim.upper()}"
            line = None
            if any("train_loss" in h for h in hist):
                (line,) = ax.plot(
                    epochs, [h.get("train_loss", np.nan) for h in hist], lw=1, label=name
                )
            if any("valid_loss" in h for h in hist):
                ax.plot(
                    epochs,
                    [h.get("valid_loss", np.nan) for h in hist],
                    "--",
                    lw=1,
                    color=None if line is None else line.get_color(),
                    label=None if line is not None else name,
                )
        ax.set_title(f"S/N {b}")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.legend(fontsize=7)
    if not bins:
        axes[0].text(0.5, 0.5, "no network was trained", ha="center", va="center")
    fig.suptitle("Training curves (solid: train loss, dashed: validation loss)")
    return _save(fig, path)


def make_figures(result, data, out_dir):
    """Draw every figure of the reproduction into ``out_dir``.

    Parameters
    ----------
    result : ExperimentResult
        From :func:`~skspec.experiments.run_experiments`.
    data : Bunch
        From :func:`~skspec.experiments.load_experiment_data`.
    out_dir : str or Path

    Returns
    -------
    paths : dict
        ``{figure name: path}`` of the PNG files written.
    """
    out_dir = Path(out_dir)
    paths = {}
    if len(data.data):
        paths["resampling"] = plot_resampling(
            data.wavelength, data.data[0], out_dir / "fig1_resampling.png"
        )
        paths["distribution"] = plot_distribution(
            data.target, data.snr_bin, out_dir / "fig2_distribution.png"
        )
        paths["snr_examples"] = plot_snr_examples(
            data.wavelength, data.data, data.target, data.snr_bin, out_dir / "fig3_snr_levels.png"
        )
        paths["folded"] = plot_folded_images(data.data, data.target, out_dir / "fig4_folded_2d.png")
    if len(result.scores):
        paths["accuracy"] = plot_accuracy(result.scores, out_dir / "fig5_accuracy.png")
        paths["confusion"] = plot_confusion_matrices(
            result.predictions, out_dir / "fig6_confusion.png"
        )
        paths["confusion_normalised"] = plot_confusion_matrices(
            result.predictions, out_dir / "fig6_confusion_normalised.png", normalize="true"
        )
    paths["training"] = plot_training_curves(result.histories, out_dir / "fig7_training_curves.png")
    if len(result.predictions) and "snr" in result.predictions:
        paths["accuracy_snr"] = plot_accuracy_by_snr(
            result.predictions, out_dir / "fig8_accuracy_snr.png"
        )
    if len(result.predictions) and "row" in result.predictions and len(data.data):
        paths["index_diagram"] = plot_predicted_indices(
            result.predictions, data, out_dir / "fig9_index_diagram.png"
        )
    if len(result.predictions) and "confidence" in result.predictions:
        paths["reliability"] = plot_reliability(
            result.predictions, out_dir / "fig10_reliability.png"
        )
    return paths
