"""The paper's tables in markdown, our numbers beside the paper's, and a verdict.

Every table takes the tidy score frame of
:func:`~skspec.experiments.run_experiments` and lays it out as the paper
does (models as rows, S/N bins as columns): each model has a row per split,
and each S/N bin a column of our accuracies with a "paper" column beside it
holding the value printed in the paper's table. The verdict is computed from
the numbers: which model wins each bin (and whether its lead exceeds the
sampling noise of the test set), whether each of the paper's claims holds on
this run, whether the same test gives the same answer on the paper's own
figures, and, where the two disagree, which model's accuracy moved.
"""

from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from ..utils._subtypes import PAPER_BINS
from ._paper import PAPER, PAPER_CLAIMS, paper_accuracy
from ._registry import MODELS

__all__ = ["format_tables", "make_report", "table1", "table2", "table3", "verdict"]

_NA = "n/a"  # the paper reports no such value
_MISSING = "–"  # not run here
_SPLITS = ("train", "test")


def _decimal(value):
    # The shortest repr of the float, so that a printed 0.8905 is 89.05 %, not 89.0499...
    return Decimal(repr(float(value)))


def _pct(value, missing=_MISSING):
    """A fraction as a percentage with one decimal, rounded half up as printed tables are."""
    if value is None or not np.isfinite(float(value)):
        return missing
    return str((100 * _decimal(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _pts(a, b):
    """a - b in percentage points, signed, one decimal, rounded half up."""
    diff = (100 * (_decimal(a) - _decimal(b))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{'+' if diff >= 0 else ''}{diff}"


def _lookup(scores, model, dim, b, split, column="accuracy"):
    hit = scores[
        (scores["model"] == model)
        & (scores["dim"] == dim)
        & (scores["bin"] == b)
        & (scores["split"] == split)
    ]
    return float(hit[column].iloc[0]) if len(hit) else None


def _paper(model, dim, b, split="test"):
    """The paper's accuracy of one of our models (by registry name), or None."""
    spec = MODELS.get(model)
    return None if spec is None else paper_accuracy(spec.label, dim, b, split)


def _bins(scores):
    order = list(PAPER_BINS)
    present = list(dict.fromkeys(scores["bin"]))
    return [b for b in order if b in present] + [b for b in present if b not in order]


def _markdown(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _default_dim(model):
    return MODELS[model].default_dim


def _bin_header(bins):
    """An "ours" column and a "paper" column per S/N bin."""
    return [c for b in bins for c in (f"S/N {b} ours", "paper")]


def _bin_cells(scores, model, dim, bins, split, column="accuracy", paper=True):
    cells = []
    for b in bins:
        cells.append(_pct(_lookup(scores, model, dim, b, split, column)))
        cells.append(_pct(_paper(model, dim, b, split), _NA) if paper else _NA)
    return cells


def table1(scores):
    """Table 1: DNN, CNN, VGG16, ResNet, EMCCNN on 1D spectra; train and test accuracy (%).

    As in the paper's Table 1 every network takes the 1D spectrum; each S/N
    bin has our accuracy and, beside it, the paper's.
    """
    bins = _bins(scores)
    header = ["Network", "split"] + _bin_header(bins)
    rows = []
    for model in ("dnn", "cnn", "vgg16", "resnet", "emccnn"):
        name = f"{MODELS[model].label} (1D)"
        for i, split in enumerate(_SPLITS):
            rows.append(
                [name if i == 0 else "", split] + _bin_cells(scores, model, "1d", bins, split)
            )
    return _markdown(header, rows)


def table2(scores):
    """Table 2: SVM vs EMCCNN, train and test accuracy (%) and within-one-subtype accuracy."""
    bins = _bins(scores)
    header = ["Method", "split"] + _bin_header(bins)
    rows = []
    for model in ("svm", "emccnn"):
        label, dim = MODELS[model].label, _default_dim(model)
        for i, split in enumerate(_SPLITS):
            rows.append(
                [label if i == 0 else "", split] + _bin_cells(scores, model, dim, bins, split)
            )
        rows.append(
            ["", "test, within one subtype"]
            + _bin_cells(scores, model, dim, bins, "test", "within_one", paper=False)
        )
    return _markdown(header, rows)


def table3(scores):
    """Table 3: CNN, VGG16, ResNet on 1D spectra vs folded 2D images, accuracy (%)."""
    bins = _bins(scores)
    header = ["Network", "input", "split"] + _bin_header(bins)
    rows = []
    for model in ("cnn", "vgg16", "resnet"):
        label = MODELS[model].label
        for j, dim in enumerate(("1d", "2d")):
            for i, split in enumerate(_SPLITS):
                rows.append(
                    [label if i == j == 0 else "", dim.upper() if i == 0 else "", split]
                    + _bin_cells(scores, model, dim, bins, split)
                )
    return _markdown(header, rows)


def _all_models_table(scores):
    """Every fit: test accuracy (ours and the paper's), within-one accuracy, gap, fit time."""
    test = scores[scores["split"] == "test"]
    header = [
        "model",
        "input",
        "S/N bin",
        "test acc (%)",
        "paper test acc (%)",
        "within one (%)",
        "train - test (pts)",
        "fit (s)",
        "n test",
    ]
    rows = []
    for _, r in test.iterrows():
        train = _lookup(scores, r["model"], r["dim"], r["bin"], "train")
        gap = _MISSING if train is None else f"{100 * (train - r['accuracy']):+.1f}"
        rows.append(
            [
                r["label"],
                r["dim"].upper(),
                r["bin"],
                _pct(r["accuracy"]),
                _pct(_paper(r["model"], r["dim"], r["bin"]), _NA),
                _pct(r["within_one"]),
                gap,
                f"{r['fit_seconds']:.1f}",
                int(r["n"]),
            ]
        )
    return _markdown(header, rows)


def _noise(p1, p2, n):
    """1.96 x the standard error of the difference of two accuracies on n spectra."""
    var = (p1 * (1 - p1) + p2 * (1 - p2)) / max(n, 1)
    return 1.96 * np.sqrt(var)


def _name(model, dim):
    label = MODELS[model].label if model in MODELS else model
    return f"{label}-{dim.upper()}"


def _status(hits, total):
    return "supported" if hits == total else ("partly supported" if hits else "not supported")


def _agree(ours, paper):
    return (
        "this run agrees with the paper's figures"
        if ours == paper
        else "this run disagrees with the paper's figures"
    )


def _shift(scores, model, dim, bins, split="test"):
    """Mean of (ours - paper) over the bins where both exist, or None."""
    diffs = []
    for b in bins:
        ours, paper = _lookup(scores, model, dim, b, split), _paper(model, dim, b, split)
        if ours is not None and paper is not None:
            diffs.append(ours - paper)
    return float(np.mean(diffs)) if diffs else None


def _why(scores, keys, bins, what=None):
    """Where this run and the paper disagree: which model moved away from the paper's numbers.

    ``keys`` are the (model, dim) whose accuracies decide the finding; the one
    whose test accuracy here differs most from the paper's is named.
    """
    keys = list(dict.fromkeys(keys))
    shifts = [(m, d, _shift(scores, m, d, bins)) for m, d in keys]
    known = [(m, d, x) for m, d, x in shifts if x is not None]
    if not known:
        return ""
    text = " Test accuracy here minus the paper's (mean over the bins, points): " + ", ".join(
        f"{_name(m, d)} {100 * x:+.1f}" for m, d, x in known
    )
    missing = [_name(m, d) for m, d, x in shifts if x is None]
    if missing:
        text += f" ({', '.join(missing)} not in the paper)"
    m, d, x = max(known, key=lambda t: abs(t[2]))
    subject = what(m, d) if what else _name(m, d)
    return (
        text + f"; the measurements suggest the difference comes mostly from {subject} "
        f"scoring {'higher' if x > 0 else 'lower'} here than in the paper."
    )


def _data_note(data):
    """How far this run's numbers can be set against the paper's."""
    paper = (
        f"The paper's figures (its Tables 1-3) come from {PAPER['data']}, with no sample "
        "sizes or train/test split given, so they carry no stated uncertainty"
    )
    if data is None:
        return paper + "; on other data compare the patterns, not the absolute accuracies."
    if str(data).startswith("synthetic"):
        return (
            paper + "; this run used synthetic spectra, so compare the patterns (rankings, "
            "gaps between models and bins), not the absolute accuracies."
        )
    return paper + f"; this run used {data}."


def verdict(scores, *, data=None):
    """Sentences judging the paper's claims on these scores and beside the paper's figures.

    Parameters
    ----------
    scores : pandas.DataFrame
        The ``scores`` of :class:`~skspec.experiments.ExperimentResult`.
    data : str, default=None
        Where the spectra came from ("synthetic", "sdss-dr14", a directory);
        says how far the absolute accuracies compare with the paper's.

    Returns
    -------
    sentences : list of str
        One finding per entry, each computed from the numbers: our test
        accuracies against the paper's, the best model per bin with its margin
        (and the paper's best of the same models), EMCCNN vs the rest and vs
        SVM, DNN vs the convolutional networks, overfitting, the effect of
        S/N and 2D vs 1D. Each claim is tested on this run and, by the same
        rule and on the same models and bins, on the paper's own figures;
        where the two disagree, the sentence says which model's accuracy
        moved away from the paper's.
    """
    out = []
    test = scores[scores["split"] == "test"].copy()
    if test.empty:
        return ["No model was scored, so no verdict can be given."]
    bins = _bins(scores)
    test["name"] = test["label"] + "-" + test["dim"].str.upper()
    run = list(dict.fromkeys(zip(test["model"], test["dim"])))
    in_paper = [(m, d) for m, d in run if any(_paper(m, d, b) is not None for b in bins)]

    def acc(model, dim, b, split="test"):
        return _lookup(scores, model, dim, b, split)

    # This run against the paper, cell by cell.
    out.append(_data_note(data))
    diffs = []
    for m, d in in_paper:
        for b in bins:
            ours, paper = acc(m, d, b), _paper(m, d, b)
            if ours is not None and paper is not None:
                diffs.append((ours - paper, m, d, b))
    if diffs:
        values = np.array([x for x, *_ in diffs])
        big = max(diffs, key=lambda t: abs(t[0]))
        out.append(
            f"Test accuracy against the paper's, over the {len(diffs)} (model, input, "
            f"bin) cells both report: ours is higher in {int(np.sum(values > 0))} and "
            f"lower in {int(np.sum(values < 0))}, by {100 * float(np.mean(values)):+.1f} "
            f"points on average; the largest difference is {_name(big[1], big[2])} at "
            f"S/N {big[3]} ({_pct(acc(big[1], big[2], big[3]))}% here, "
            f"{_pct(_paper(big[1], big[2], big[3]))}% in the paper)."
        )
    else:
        out.append(
            "None of the models run here is in the paper's tables, so no accuracy can "
            "be set beside the paper's."
        )

    # Best per bin, with the margin over the runner-up against the test-set noise,
    # and the paper's best of the same models.
    em_dim = _default_dim("emccnn")
    emccnn_wins, emccnn_bins, emccnn_won, ours_eval, ours_lead = 0, 0, set(), set(), {}
    paper_em_wins, paper_em_bins, paper_em_won, paper_eval, paper_lead = 0, 0, set(), set(), {}
    for b in bins:
        tb = test[test["bin"] == b].sort_values("accuracy", ascending=False)
        best = tb.iloc[0]
        text = f"S/N {b}: best is {best['name']} ({_pct(best['accuracy'])}%, n={int(best['n'])})"
        if len(tb) > 1:
            second = tb.iloc[1]
            margin = best["accuracy"] - second["accuracy"]
            noise = _noise(best["accuracy"], second["accuracy"], int(best["n"]))
            text += f", {100 * margin:.1f} points ahead of {second['name']}" + (
                " (within the test-set noise)"
                if margin <= noise
                else " (beyond the test-set noise)"
            )
        published = sorted(
            ((_paper(m, d, b), m, d) for m, d in in_paper if _paper(m, d, b) is not None),
            reverse=True,
        )
        if len(published) > 1:
            value, m, d = published[0]
            same = (m, d) == (best["model"], best["dim"])
            text += (
                f". The paper's best of these models is {'also ' if same else ''}"
                f"{_name(m, d)} ({_pct(value)}%)"
            )
            if not same:
                theirs = _paper(best["model"], best["dim"], b)
                text += (
                    f"; it gives {best['name']} {_pct(theirs)}%"
                    if theirs is not None
                    else f"; {best['name']} is not in the paper"
                )
        elif published:
            value, m, d = published[0]
            text += f". Of these models the paper reports only {_name(m, d)} ({_pct(value)}%)"
        out.append(text + ".")

        em = tb[(tb["model"] == "emccnn") & (tb["dim"] == em_dim)]
        if len(em) and len(tb) > 1:
            emccnn_bins += 1
            ours_eval.add(b)
            gap = best["accuracy"] - em["accuracy"].iloc[0]
            if gap <= _noise(best["accuracy"], em["accuracy"].iloc[0], int(best["n"])):
                emccnn_wins += 1
                emccnn_won.add(b)
            else:
                ours_lead[b] = (best["model"], best["dim"])
        em_paper = _paper("emccnn", em_dim, b)
        if em_paper is not None and len(published) > 1:
            paper_em_bins += 1
            paper_eval.add(b)
            value, m, d = published[0]
            if value <= em_paper:
                paper_em_wins += 1
                paper_em_won.add(b)
            else:
                paper_lead[b] = (m, d)

    if emccnn_bins:
        status = _status(emccnn_wins, emccnn_bins)
        text = (
            f'Claim "{PAPER_CLAIMS["emccnn_best"]}": {status} — EMCCNN is best or '
            f"within noise of the best in {emccnn_wins} of {emccnn_bins} bins."
        )
        if paper_em_bins:
            both = ours_eval & paper_eval
            beaten = [
                f"{_name(*paper_lead[b])} is higher at S/N {b}: "
                f"{_pct(_paper(*paper_lead[b], b))} vs {_pct(_paper('emccnn', em_dim, b))}"
                for b in bins
                if b in paper_lead
            ]
            text += (
                f" On the paper's own figures for the same models it is the highest in "
                f"{paper_em_wins} of {paper_em_bins} bins"
                + (f" ({'; '.join(beaten)})" if beaten else "")
                + f": {_agree(emccnn_won & both, paper_em_won & both)}."
            )
            details = []
            for b in sorted(both, key=bins.index):
                if b in ours_lead and b in paper_em_won:
                    m, d = ours_lead[b]
                    theirs = _paper(m, d, b)
                    details.append(
                        f"at S/N {b} {_name(m, d)} leads here ({_pct(acc(m, d, b))}% against "
                        f"EMCCNN's {_pct(acc('emccnn', em_dim, b))}%); "
                        + (
                            f"the paper gives it {_pct(theirs)}%"
                            if theirs is not None
                            else "the paper did not test it"
                        )
                        + f" and its EMCCNN {_pct(_paper('emccnn', em_dim, b))}%"
                    )
                elif b in paper_lead and b in emccnn_won:
                    m, d = paper_lead[b]
                    here = acc(m, d, b)
                    details.append(
                        f"at S/N {b} the paper's {_name(m, d)} ({_pct(_paper(m, d, b))}%) is "
                        f"above its EMCCNN ({_pct(_paper('emccnn', em_dim, b))}%); here it scores "
                        f"{_pct(here)}% against EMCCNN's {_pct(acc('emccnn', em_dim, b))}%"
                    )
            if details:
                joined = "; ".join(details)
                text += f" {joined[0].upper()}{joined[1:]}."
            if emccnn_won & both != paper_em_won & both:
                leaders = [ours_lead[b] for b in both if b in ours_lead]
                leaders += [paper_lead[b] for b in both if b in paper_lead]
                text += _why(scores, [("emccnn", em_dim)] + leaders, bins)
        out.append(text)

    # EMCCNN vs SVM (Table 2).
    pairs = [(b, acc("emccnn", em_dim, b), acc("svm", "1d", b)) for b in bins]
    pairs = [(b, e, s) for b, e, s in pairs if e is not None and s is not None]
    if pairs:
        ahead = sum(e > s for _, e, s in pairs)
        detail = ", ".join(f"{b}: {_pts(e, s)}" for b, e, s in pairs)
        text = (
            f"EMCCNN beats the SVM in {ahead} of {len(pairs)} bins "
            f"(EMCCNN - SVM, points: {detail})."
        )
        published = [(b, _paper("emccnn", em_dim, b), _paper("svm", "1d", b)) for b, _, _ in pairs]
        published = [(b, e, s) for b, e, s in published if e is not None and s is not None]
        if published:
            paper_ahead = sum(e > s for _, e, s in published)
            ours_set = {b for b, e, s in pairs if e > s and b in {p[0] for p in published}}
            paper_set = {b for b, e, s in published if e > s}
            text += (
                f" The paper's Table 2: EMCCNN ahead in {paper_ahead} of {len(published)} "
                f"({', '.join(f'{b}: {_pts(e, s)}' for b, e, s in published)}); "
                f"{_agree(ours_set, paper_set)}."
            )
            if ours_set != paper_set:
                text += _why(scores, [("emccnn", em_dim), ("svm", "1d")], bins)
        out.append(text)

    # DNN vs the convolutional networks.
    conv = [
        (m, _default_dim(m))
        for m in ("cnn", "vgg16", "resnet", "emccnn")
        if (m, _default_dim(m)) in run
    ]
    if ("dnn", "1d") in run and conv:
        below, below_bins = 0, set()
        for b in bins:
            d = acc("dnn", "1d", b)
            others = [o for o in (acc(m, dm, b) for m, dm in conv) if o is not None]
            if d is not None and others and d < min(others):
                below += 1
                below_bins.add(b)
        status = _status(below, len(bins))
        text = (
            f'Claim "{PAPER_CLAIMS["dnn_weak"]}": {status} — the DNN scores below '
            f"every convolutional network in {below} of {len(bins)} bins."
        )
        paper_below, paper_bins, paper_below_bins, exceptions = 0, set(), set(), []
        for b in bins:
            d = _paper("dnn", "1d", b)
            others = [(o, m, dm) for m, dm in conv if (o := _paper(m, dm, b)) is not None]
            if d is None or not others:
                continue
            paper_bins.add(b)
            low, m, dm = min(others)
            if d < low:
                paper_below += 1
                paper_below_bins.add(b)
            else:
                exceptions.append(
                    f"at S/N {b} its DNN, {_pct(d)}%, is above its {_name(m, dm)}, {_pct(low)}%"
                )
        if paper_bins:
            ours_set = below_bins & paper_bins
            text += (
                f" On the paper's own figures for the same networks: {paper_below} of "
                f"{len(paper_bins)} bins"
                + (f" ({'; '.join(exceptions)})" if exceptions else "")
                + f"; {_agree(ours_set, paper_below_bins)}."
            )
            if ours_set != paper_below_bins:
                text += _why(scores, [("dnn", "1d")] + conv, bins)
        out.append(text)

    # Overfitting: the train-test gap of the plain CNN against the other models,
    # here and, for the same models and bins, in the paper.
    def overfit(gaps):
        cnn = [v for k, v in gaps.items() if k[0] == "cnn"]
        if not cnn:
            return None
        others = [v for k, v in gaps.items() if k[0] != "cnn"]
        median = float(np.median(others)) if others else float("nan")
        ok = max(cnn) > 0.05 and (not others or max(cnn) > median)
        return max(cnn), median, others, "supported" if ok else "not supported"

    gaps, paper_gaps = {}, {}
    for (m, d), g in scores.groupby(["model", "dim"]):
        tr = g[g["split"] == "train"].set_index("bin")["accuracy"]
        te = g[g["split"] == "test"].set_index("bin")["accuracy"]
        gaps[(m, d)] = float((tr - te).mean())
        published = [
            _paper(m, d, b, "train") - _paper(m, d, b)
            for b in bins
            if _paper(m, d, b, "train") is not None and _paper(m, d, b) is not None
        ]
        if published:
            paper_gaps[(m, d)] = float(np.mean(published))
    ours = overfit(gaps)
    if ours is not None:
        cnn_gap, median_other, others, status = ours
        text = (
            f'Claim "{PAPER_CLAIMS["cnn_overfits"]}": {status} — the CNN\'s mean '
            f"train-test gap is {100 * cnn_gap:.1f} points"
            + (f" (median of the other models: {100 * median_other:.1f})." if others else ".")
        )
        theirs = overfit(paper_gaps)
        if theirs is not None:
            p_gap, p_median, p_others, paper_status = theirs
            text += (
                f" In the paper's tables for the same models and bins it is "
                f"{100 * p_gap:.1f} points"
                + (f" (median of the others: {100 * p_median:.1f})" if p_others else "")
                + f"; {_agree(status, paper_status)}."
            )
            ratio = p_gap / cnn_gap if cnn_gap > 0 and p_gap > 0 else None
            far = ratio is not None and not 0.5 <= ratio <= 2
            if status != paper_status or far:
                if status == paper_status:
                    text += f" The gaps differ {max(ratio, 1 / ratio):.1f}-fold, though."
                cnn_dim = max((k for k in gaps if k[0] == "cnn"), key=gaps.get)[1]
                d_test = _shift(scores, "cnn", cnn_dim, bins)
                d_train = _shift(scores, "cnn", cnn_dim, bins, "train")
                if d_test is not None and d_train is not None:
                    text += (
                        f" Our CNN-{cnn_dim.upper()} is {100 * d_test:+.1f} points from the "
                        f"paper's on the test set and {100 * d_train:+.1f} on the training "
                        "set: the measurements suggest the gap differs mostly through the "
                        f"{'test' if abs(d_test) >= abs(d_train) else 'training'} accuracy."
                    )
        out.append(text)

    # S/N effect: mean test accuracy per bin across the models run in every bin.
    if len(bins) > 1:
        means = test.groupby("bin")["accuracy"].mean().reindex(bins)
        rising = bool(np.all(np.diff(means.to_numpy()) > 0))
        detail = ", ".join(f"{b}: {_pct(v)}%" for b, v in means.items())
        text = (
            f'Claim "{PAPER_CLAIMS["snr_matters"]}": '
            f"{'supported' if rising else 'not clearly supported'} — mean test accuracy "
            f"by S/N bin is {detail}"
            + ("" if rising else f" (lowest at S/N {means.idxmin()})")
            + "."
        )
        full = [(m, d) for m, d in in_paper if all(_paper(m, d, b) is not None for b in bins)]
        if full:
            paper_means = {b: float(np.mean([_paper(m, d, b) for m, d in full])) for b in bins}
            paper_rising = bool(np.all(np.diff(list(paper_means.values())) > 0))
            lowest = min(paper_means, key=paper_means.get)
            ours_order = sorted(bins, key=lambda b: means[b])
            paper_order = sorted(bins, key=paper_means.get)
            text += (
                f" The paper's mean over the {len(full)} of these models it reports is "
                + ", ".join(f"{b}: {_pct(v)}%" for b, v in paper_means.items())
                + (" (rising with S/N)" if paper_rising else f" (lowest at S/N {lowest})")
                + f"; {_agree(ours_order, paper_order)} (the order of the bins)."
            )
        if not rising:
            n_train = scores[scores["split"] == "train"].groupby("bin")["n"].max().reindex(bins)
            if n_train.notna().all() and n_train.idxmin() == means.idxmin():
                text += (
                    f" Here the lowest bin, S/N {means.idxmin()}, also has the fewest "
                    f"training spectra ({int(n_train.min())} against "
                    f"{int(n_train.max())}): the measurements suggest sample size, as "
                    "much as S/N, orders the bins."
                )
        out.append(text)

    # 2D vs 1D (Table 3).
    comparisons, paired, paper_comparisons = [], [], []
    for m in ("cnn", "vgg16", "resnet"):
        for b in bins:
            a1, a2 = acc(m, "1d", b), acc(m, "2d", b)
            if a1 is not None and a2 is not None:
                comparisons.append(a2 - a1)
                p1, p2 = _paper(m, "1d", b), _paper(m, "2d", b)
                if p1 is not None and p2 is not None:
                    paired.append(a2 - a1)
                    paper_comparisons.append(p2 - p1)
    if comparisons:
        better = sum(c > 0 for c in comparisons)
        text = (
            f"2D vs 1D ({PAPER_CLAIMS['two_d']}): the folded 2D input beats the 1D one in "
            f"{better} of {len(comparisons)} (network, bin) pairs; mean difference "
            f"{100 * float(np.mean(comparisons)):+.1f} points."
        )
        if paper_comparisons:
            paper_better = sum(c > 0 for c in paper_comparisons)
            same_sign = sum((o > 0) == (p > 0) for o, p in zip(paired, paper_comparisons))
            text += (
                f" The paper's Table 3 for the same pairs: 2D ahead in {paper_better} of "
                f"{len(paper_comparisons)}, mean "
                f"{100 * float(np.mean(paper_comparisons)):+.1f} points; "
                + _agree(2 * better > len(comparisons), 2 * paper_better > len(paper_comparisons))
                + f" (the sign agrees in {same_sign} of {len(paper_comparisons)} pairs)."
            )
            if (2 * better > len(comparisons)) != (2 * paper_better > len(paper_comparisons)):
                nets = [
                    m for m in ("cnn", "vgg16", "resnet") if (m, "1d") in run and (m, "2d") in run
                ]
                text += _why(scores, [(m, d) for d in ("1d", "2d") for m in nets], bins)
        out.append(text)
    return out


def format_tables(scores):
    """The three paper tables as a dict of markdown strings (keys table1..table3)."""
    return {"table1": table1(scores), "table2": table2(scores), "table3": table3(scores)}


def make_report(scores, *, config=None, data_summary=None, skipped=()):
    """The full markdown report: the three tables beside the paper's, all fits, the verdict.

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
    parts = [
        "# skspec reproduction of Jiang et al. (2020), EMCCNN",
        (
            f"Paper: {PAPER['authors']} ({PAPER['year']}), *{PAPER['title']}*, "
            f"{PAPER['journal']}, doi:{PAPER['doi']}."
        ),
        (
            f'Accuracies in %. Columns "ours" come from this run; each column "paper" '
            f"beside them holds the paper's published value for the same model, input, S/N "
            f'bin and split. {PAPER["note"]} "–": not run here; "n/a": the paper '
            "reports no such value."
        ),
    ]
    if data_summary:
        parts.append(data_summary)
    if config:
        parts.append("Settings: " + ", ".join(f"{k}={v}" for k, v in config.items()) + ".")
    parts += [
        "## Table 1. The five networks on 1D spectra",
        tables["table1"],
        "## Table 2. SVM vs EMCCNN",
        tables["table2"],
        "## Table 3. 1D spectra vs folded 2D images",
        tables["table3"],
        "## All fits",
        _all_models_table(scores),
        "## Verdict",
        "\n".join(f"- {s}" for s in verdict(scores, data=(config or {}).get("data"))),
    ]
    if skipped:
        parts += ["## Not run", "\n".join(f"- {s}" for s in skipped)]
    return "\n\n".join(parts) + "\n"
