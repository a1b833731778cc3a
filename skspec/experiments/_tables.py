"""The paper's tables in markdown, our numbers beside the paper's, and a verdict.

Every table takes the tidy score frame of
:func:`~skspec.experiments.run_experiments` and lays it out as the paper
does (models as rows, S/N bins as columns), each model with a row of our
accuracies and a row of the paper's. The verdict is computed from the
numbers: which model wins each bin (and whether its lead exceeds the
sampling noise of the test set), and whether each of the paper's claims
holds on this run.
"""

import numpy as np

from ..utils._subtypes import PAPER_BINS
from ._paper import PAPER, PAPER_CLAIMS, PAPER_TABLES
from ._registry import MODELS

__all__ = ["format_tables", "make_report", "table1", "table2", "table3", "verdict"]

_NA = "n/a"
_MISSING = "–"


def _pct(value, missing=_MISSING):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return missing
    return f"{100 * float(value):.1f}"


def _lookup(scores, model, dim, b, split, column="accuracy"):
    hit = scores[(scores["model"] == model) & (scores["dim"] == dim) & (scores["bin"] == b)
                 & (scores["split"] == split)]
    return float(hit[column].iloc[0]) if len(hit) else None


def _bins(scores):
    order = list(PAPER_BINS)
    present = list(dict.fromkeys(scores["bin"]))
    return [b for b in order if b in present] + [b for b in present if b not in order]


def _markdown(header, rows):
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _default_dim(model):
    return MODELS[model].default_dim


def table1(scores):
    """Table 1: DNN, CNN, VGG16, ResNet, EMCCNN; train and test accuracy (%) per S/N bin."""
    bins = _bins(scores)
    header = ["Network", "source"] + [f"S/N {b} {s}" for b in bins for s in ("train", "test")]
    rows = []
    for model in ("dnn", "cnn", "vgg16", "resnet", "emccnn"):
        label, dim = MODELS[model].label, _default_dim(model)
        paper = PAPER_TABLES["table1"][label]
        rows.append([f"{label} ({dim.upper()})", "ours"]
                    + [_pct(_lookup(scores, model, dim, b, s)) for b in bins
                       for s in ("train", "test")])
        rows.append(["", "paper"] + [_pct(paper[s].get(b), _NA) for b in bins
                                     for s in ("train", "test")])
    return _markdown(header, rows)


def table2(scores):
    """Table 2: SVM vs EMCCNN, test accuracy (%) and within-one-subtype accuracy per bin."""
    bins = _bins(scores)
    header = ["Method", "source"] + [f"S/N {b}" for b in bins]
    rows = []
    for model in ("svm", "emccnn"):
        label, dim = MODELS[model].label, _default_dim(model)
        rows.append([label, "ours"] + [_pct(_lookup(scores, model, dim, b, "test")) for b in bins])
        rows.append(["", "ours, within one subtype"]
                    + [_pct(_lookup(scores, model, dim, b, "test", "within_one")) for b in bins])
        rows.append(["", "paper"] + [_pct(PAPER_TABLES["table2"][label].get(b), _NA)
                                     for b in bins])
    return _markdown(header, rows)


def table3(scores):
    """Table 3: CNN, VGG16, ResNet on 1D spectra vs folded 2D images, test accuracy (%)."""
    bins = _bins(scores)
    header = ["Network", "input", "source"] + [f"S/N {b}" for b in bins]
    rows = []
    for model in ("cnn", "vgg16", "resnet"):
        label = MODELS[model].label
        for dim in ("1d", "2d"):
            rows.append([label, dim.upper(), "ours"]
                        + [_pct(_lookup(scores, model, dim, b, "test")) for b in bins])
            rows.append(["", "", "paper"]
                        + [_pct(PAPER_TABLES["table3"][label][dim].get(b), _NA) for b in bins])
    return _markdown(header, rows)


def _all_models_table(scores):
    """Every fit: test accuracy, within-one accuracy, train-test gap, fit time."""
    test = scores[scores["split"] == "test"]
    header = ["model", "input", "S/N bin", "test acc (%)", "within one (%)",
              "train - test (pts)", "fit (s)", "n test"]
    rows = []
    for _, r in test.iterrows():
        train = _lookup(scores, r["model"], r["dim"], r["bin"], "train")
        gap = _MISSING if train is None else f"{100 * (train - r['accuracy']):+.1f}"
        rows.append([r["label"], r["dim"].upper(), r["bin"], _pct(r["accuracy"]),
                     _pct(r["within_one"]), gap, f"{r['fit_seconds']:.1f}", int(r["n"])])
    return _markdown(header, rows)


def _noise(p1, p2, n):
    """1.96 x the standard error of the difference of two accuracies on n spectra."""
    var = (p1 * (1 - p1) + p2 * (1 - p2)) / max(n, 1)
    return 1.96 * np.sqrt(var)


def verdict(scores):
    """Sentences judging the paper's claims on these scores.

    Parameters
    ----------
    scores : pandas.DataFrame
        The ``scores`` of :class:`~skspec.experiments.ExperimentResult`.

    Returns
    -------
    sentences : list of str
        One finding per entry, each computed from the numbers (best model
        per bin with its margin, EMCCNN vs the rest and vs SVM, DNN vs the
        convolutional networks, overfitting, the effect of S/N, 2D vs 1D).
    """
    out = []
    test = scores[scores["split"] == "test"].copy()
    if test.empty:
        return ["No model was scored, so no verdict can be given."]
    bins = _bins(scores)
    test["name"] = test["label"] + "-" + test["dim"].str.upper()

    # Best per bin, with the margin over the runner-up against the test-set noise.
    emccnn_wins, emccnn_bins = 0, 0
    for b in bins:
        tb = test[test["bin"] == b].sort_values("accuracy", ascending=False)
        best = tb.iloc[0]
        text = f"S/N {b}: best is {best['name']} ({_pct(best['accuracy'])}%, n={int(best['n'])})"
        if len(tb) > 1:
            second = tb.iloc[1]
            margin = best["accuracy"] - second["accuracy"]
            noise = _noise(best["accuracy"], second["accuracy"], int(best["n"]))
            text += (f", {100 * margin:.1f} points ahead of {second['name']}"
                     + (" (within the test-set noise)" if margin <= noise
                        else " (beyond the test-set noise)"))
        out.append(text + ".")
        em = tb[(tb["model"] == "emccnn") & (tb["dim"] == _default_dim("emccnn"))]
        if len(em) and len(tb) > 1:
            emccnn_bins += 1
            gap = best["accuracy"] - em["accuracy"].iloc[0]
            if gap <= _noise(best["accuracy"], em["accuracy"].iloc[0], int(best["n"])):
                emccnn_wins += 1

    if emccnn_bins:
        if emccnn_wins == emccnn_bins:
            status = "supported"
        elif emccnn_wins:
            status = "partly supported"
        else:
            status = "not supported"
        out.append(f"Claim \"{PAPER_CLAIMS['emccnn_best']}\": {status} — EMCCNN is best or "
                   f"within noise of the best in {emccnn_wins} of {emccnn_bins} bins.")

    def acc(model, dim, b, split="test"):
        return _lookup(scores, model, dim, b, split)

    # EMCCNN vs SVM (Table 2).
    pairs = [(b, acc("emccnn", _default_dim("emccnn"), b), acc("svm", "1d", b)) for b in bins]
    pairs = [(b, e, s) for b, e, s in pairs if e is not None and s is not None]
    if pairs:
        ahead = sum(e > s for _, e, s in pairs)
        detail = ", ".join(f"{b}: {100 * (e - s):+.1f}" for b, e, s in pairs)
        out.append(f"EMCCNN beats the SVM in {ahead} of {len(pairs)} bins "
                   f"(EMCCNN - SVM, points: {detail}).")

    # DNN vs the convolutional networks.
    conv = [m for m in ("cnn", "vgg16", "resnet", "emccnn") if m in set(test["model"])]
    if "dnn" in set(test["model"]) and conv:
        below = 0
        for b in bins:
            d = acc("dnn", "1d", b)
            others = [acc(m, _default_dim(m), b) for m in conv]
            others = [o for o in others if o is not None]
            below += d is not None and bool(others) and d < min(others)
        status = "supported" if below == len(bins) else ("partly supported" if below
                                                          else "not supported")
        out.append(f"Claim \"{PAPER_CLAIMS['dnn_weak']}\": {status} — the DNN scores below "
                   f"every convolutional network in {below} of {len(bins)} bins.")

    # Overfitting: the train-test gap of the plain CNN against the other models.
    gaps = {}
    for (m, d), g in scores.groupby(["model", "dim"]):
        tr = g[g["split"] == "train"].set_index("bin")["accuracy"]
        te = g[g["split"] == "test"].set_index("bin")["accuracy"]
        gaps[(m, d)] = float((tr - te).mean())
    cnn_gaps = {k: v for k, v in gaps.items() if k[0] == "cnn"}
    if cnn_gaps:
        cnn_gap = max(cnn_gaps.values())
        others = [v for k, v in gaps.items() if k[0] != "cnn"]
        median_other = float(np.median(others)) if others else float("nan")
        status = ("supported" if cnn_gap > 0.05 and (not others or cnn_gap > median_other)
                  else "not supported")
        out.append(f"Claim \"{PAPER_CLAIMS['cnn_overfits']}\": {status} — the CNN's mean "
                   f"train-test gap is {100 * cnn_gap:.1f} points"
                   + (f" (median of the other models: {100 * median_other:.1f})."
                      if others else "."))

    # S/N effect: mean test accuracy per bin across the models run in every bin.
    if len(bins) > 1:
        means = test.groupby("bin")["accuracy"].mean().reindex(bins)
        rising = bool(np.all(np.diff(means.to_numpy()) > 0))
        detail = ", ".join(f"{b}: {_pct(v)}%" for b, v in means.items())
        out.append(f"Claim \"{PAPER_CLAIMS['snr_matters']}\": "
                   f"{'supported' if rising else 'not clearly supported'} — mean test accuracy "
                   f"by S/N bin is {detail}.")

    # 2D vs 1D (Table 3).
    comparisons = []
    for m in ("cnn", "vgg16", "resnet"):
        for b in bins:
            a1, a2 = acc(m, "1d", b), acc(m, "2d", b)
            if a1 is not None and a2 is not None:
                comparisons.append(a2 - a1)
    if comparisons:
        better = sum(c > 0 for c in comparisons)
        out.append(f"2D vs 1D ({PAPER_CLAIMS['two_d']}): the folded 2D input beats the 1D one in "
                   f"{better} of {len(comparisons)} (network, bin) pairs; mean difference "
                   f"{100 * float(np.mean(comparisons)):+.1f} points.")
    return out


def format_tables(scores):
    """The three paper tables as a dict of markdown strings (keys table1..table3)."""
    return {"table1": table1(scores), "table2": table2(scores), "table3": table3(scores)}


def make_report(scores, *, config=None, data_summary=None, skipped=()):
    """The full markdown report: the three tables, all fits, and the verdict.

    Parameters
    ----------
    scores : pandas.DataFrame
        Scores of :func:`~skspec.experiments.run_experiments`.
    config : dict, default=None
        Run settings, listed at the top.
    data_summary : str, default=None
        One paragraph describing the data.
    skipped : sequence of str
        Bins or fits that did not run.

    Returns
    -------
    report : str
        Markdown text.
    """
    tables = format_tables(scores)
    parts = ["# skspec reproduction of Jiang et al. (2020), EMCCNN",
             (f"Paper: {PAPER['authors']} ({PAPER['year']}), *{PAPER['title']}*, "
              f"{PAPER['journal']}, doi:{PAPER['doi']}."),
             (f"Accuracies in %. Rows \"ours\" come from this run; rows \"paper\" are the "
              f"published values. {PAPER['availability']} \"–\": not run.")]
    if data_summary:
        parts.append(data_summary)
    if config:
        parts.append("Settings: " + ", ".join(f"{k}={v}" for k, v in config.items()) + ".")
    parts += ["## Table 1. Train and test accuracy per S/N bin", tables["table1"],
              "## Table 2. SVM vs EMCCNN (test accuracy)", tables["table2"],
              "## Table 3. 1D spectra vs folded 2D images (test accuracy)", tables["table3"],
              "## All fits", _all_models_table(scores),
              "## Verdict", "\n".join(f"- {s}" for s in verdict(scores))]
    if skipped:
        parts += ["## Not run", "\n".join(f"- {s}" for s in skipped)]
    return "\n\n".join(parts) + "\n"
