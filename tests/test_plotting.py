"""skspec.plotting, the figures of skspec reproduce and ``skspec plot``.

Figures are checked by what they hold (the artists' data against the numbers
they are meant to show), not by their pixels. They are drawn on
:class:`~matplotlib.figure.Figure` objects, never through pyplot, so no GUI
backend is involved.
"""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from sklearn.metrics import confusion_matrix

from skspec.cli import EXIT_OK, EXIT_USAGE, main
from skspec.datasets import load_kesseli_templates, make_mdwarf_spectra
from skspec.models import TemplateClassifier
from skspec.plotting import (
    accuracy_by_snr,
    bundled_template_classifier,
    dwarf_sequence,
    index_windows_vacuum,
    plot_accuracy_vs_snr,
    plot_index_diagram,
    plot_spectrum,
    sequence_subtypes,
    wilson_interval,
)
from skspec.preprocessing import index_subtype, measure_indices
from skspec.preprocessing._indices import INDEX_WINDOWS, index_weights, zeta_from_indices
from skspec.preprocessing._scope import INDEX_SUBTYPE_COEF
from skspec.utils import air_to_vacuum, sdss_snr, sdss_wavelength

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def spectra():
    return make_mdwarf_spectra(40, random_state=3)


@pytest.fixture(scope="module")
def classifier():
    return bundled_template_classifier()


def _by_gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def _span(patch):
    """(lo, hi) in data x of an axvspan, whatever artist matplotlib made it."""
    xy = patch.get_patch_transform().transform(patch.get_path().vertices)
    return xy[:, 0].min(), xy[:, 0].max()


def _figure():
    return Figure(figsize=(10, 5.5), layout="constrained")


# ----------------------------------------------------------------------------- best_fit
@pytest.mark.parametrize("with_ivar", [False, True])
def test_best_fit_is_the_minimum_chi2_template(spectra, classifier, with_ivar):
    X = spectra.data[:10].astype(float)
    ivar = spectra.ivar[:10].astype(float) if with_ivar else None
    fit = classifier.best_fit(X, ivar)
    reduced = classifier.reduced_chi2(X, ivar)
    np.testing.assert_array_equal(fit.template_index, reduced.argmin(axis=1))
    np.testing.assert_allclose(fit.reduced_chi2, reduced.min(axis=1), rtol=1e-9)
    np.testing.assert_array_equal(fit.label, classifier.predict(X, ivar))
    # The drawn model is the template, moved by the fitted shift (the
    # radial-velocity search), times the continuum, and its chi-square
    # (recomputed from the residuals) is the classifier's minimum.
    from skspec.models._template import _shift_pixels

    shifted = np.vstack(
        [
            _shift_pixels(classifier.templates_[[i]], s)[0]
            for i, s in zip(fit.template_index, fit.shift)
        ]
    )
    np.testing.assert_allclose(fit.model, shifted * fit.continuum, rtol=1e-12)
    if with_ivar:
        chi2 = np.sum(ivar * (X - fit.model) ** 2, axis=1)
        np.testing.assert_allclose(chi2, fit.chi2, rtol=1e-7)
    # Any other continuum does worse: perturbing the fitted one raises chi-square.
    w = ivar if with_ivar else np.ones_like(X)
    worse = np.sum(w * (X - fit.model * 1.01) ** 2, axis=1)
    assert np.all(worse > np.sum(w * (X - fit.model) ** 2, axis=1))


def test_best_fit_recovers_a_template_times_a_polynomial():
    tpl = load_kesseli_templates()
    clf = TemplateClassifier(templates=tpl, temperature=1.0).fit(tpl.data, tpl.target)
    x = np.linspace(-1, 1, tpl.data.shape[1])
    continuum = 3.0 * (1 + 0.3 * x - 0.2 * x**2)
    X = (clf.templates_[7] * continuum)[None, :]
    fit = clf.best_fit(X, np.ones_like(X))
    assert fit.template_index[0] == 7
    np.testing.assert_allclose(fit.continuum[0], continuum, rtol=1e-8)
    np.testing.assert_allclose(fit.model[0], X[0], rtol=1e-8)


# ----------------------------------------------------------------------------- plot_spectrum
def test_plot_spectrum_panels_and_template_line(spectra, classifier):
    flux, ivar = spectra.data[0], spectra.ivar[0]
    fig, (top, bottom) = plot_spectrum(flux, ivar, classifier=classifier, fig=_figure())
    assert fig.axes == [top, bottom]
    (observed,) = _by_gid(top, "observed")
    (template,) = _by_gid(top, "template")
    (resid,) = _by_gid(bottom, "residuals")
    np.testing.assert_array_equal(observed.get_xdata(), sdss_wavelength())
    fit = classifier.best_fit(flux[None].astype(float), ivar[None].astype(float))
    np.testing.assert_allclose(template.get_ydata(), fit.model[0])
    # The drawn template's chi-square is the classifier's minimum over all templates.
    chi2 = np.sum(ivar * (flux - template.get_ydata()) ** 2)
    dof = np.sum(ivar > 0) - (classifier.poly_degree + 1)
    np.testing.assert_allclose(
        chi2 / dof, classifier.min_reduced_chi2(flux[None], ivar[None])[0], rtol=1e-6
    )
    # Residuals at the good pixels; bad ones (ivar 0) are gaps.
    expected = np.where(ivar > 0, flux - fit.model[0], np.nan)
    np.testing.assert_allclose(resid.get_ydata(), expected, rtol=1e-6, atol=1e-9)
    assert bottom.get_xlabel() == "vacuum wavelength (Å)"


def test_plot_spectrum_title_has_type_probability_and_snr(spectra, classifier):
    flux, ivar = spectra.data[1], spectra.ivar[1]
    _, (top, _) = plot_spectrum(flux, ivar, classifier=classifier, fig=_figure())
    proba = classifier.predict_proba(flux[None], ivar[None])[0]
    label = classifier.classes_[proba.argmax()]
    snr = sdss_snr(flux[None], ivar[None])[0]
    first = top.get_title().splitlines()[0]
    assert first == f"{label} (p = {proba.max():.2f}), S/N {snr:.1f}"


def test_plot_spectrum_takes_the_type_from_model(spectra, classifier):
    class Fixed:
        classes_ = np.array(["M7", "M8"])

        def predict_proba(self, X):
            assert np.all(np.isfinite(X))  # other models get filled flux
            return np.tile([0.25, 0.75], (len(X), 1))

    flux, ivar = spectra.data[2].copy(), spectra.ivar[2].copy()
    flux[100:120], ivar[100:120] = np.nan, 0.0
    _, (top, _) = plot_spectrum(
        {"flux": flux, "ivar": ivar, "meta": {"snr": 12.345, "path": "/x/spec-1-2-3.fits"}},
        classifier=classifier,
        model=Fixed(),
        fig=_figure(),
    )
    assert top.get_title().startswith("spec-1-2-3.fits: M8 (p = 0.75), S/N 12.3\n")
    # Bad pixels are gaps in the observed line, not zeros.
    (observed,) = _by_gid(top, "observed")
    assert np.isnan(observed.get_ydata()[100:120]).all()
    assert np.isfinite(observed.get_ydata()[:100]).all()


def test_shaded_windows_are_the_index_definitions(spectra, classifier):
    _, (top, bottom) = plot_spectrum(spectra.data[0], classifier=classifier, fig=_figure())
    wave = sdss_wavelength()
    for name in ("TiO5", "CaH2", "CaH3"):
        num, den = INDEX_WINDOWS[name]
        for part, windows in (("numerator", num), ("denominator", den)):
            for ax in (top, bottom):
                spans = sorted(_span(p) for p in _by_gid(ax, f"{name} {part}"))
                expected = sorted(tuple(air_to_vacuum(np.asarray(w))) for w in windows)
                np.testing.assert_allclose(spans, expected, rtol=1e-12)
        # Independently of the conversion: the pixels measure_indices weighs
        # are those under the shaded numerator window (give or take an edge pixel).
        weights, ratios = index_weights(None, (name,))
        used = wave[weights[:, 2 * ratios.index(name)] > 0]
        ((lo, hi),) = [_span(p) for p in _by_gid(top, f"{name} numerator")]
        step = np.diff(wave).max()
        assert lo - step <= used.min() and used.max() <= hi + step
    # No window of another index is shaded.
    assert not _by_gid(top, "VO1 numerator")
    assert index_windows_vacuum(("TiO5",))["TiO5"]["numerator"] == [
        tuple(air_to_vacuum(np.array(INDEX_WINDOWS["TiO5"][0][0])))
    ]


def test_lines_are_marked_at_their_vacuum_wavelengths(spectra, classifier):
    _, (top, _) = plot_spectrum(spectra.data[0], classifier=classifier, fig=_figure())
    for label, air in (("Hα", [6562.8]), ("Na I", [8183.3, 8194.8]), ("K I", [7664.9, 7699.0])):
        xs = sorted(line.get_xdata()[0] for line in _by_gid(top, f"line {label}"))
        np.testing.assert_allclose(xs, air_to_vacuum(np.array(air)))
    assert _by_gid(top, "band TiO") and _by_gid(top, "band CaH")
    texts = {t.get_text() for t in top.texts}
    assert {"Hα", "Na I", "K I", "TiO", "CaH"} <= texts
    _, (top, _) = plot_spectrum(
        spectra.data[0], classifier=classifier, mark_lines=False, indices=(), fig=_figure()
    )
    assert not _by_gid(top, "line Hα") and not _by_gid(top, "TiO5 numerator")


def test_plot_spectrum_draws_into_given_axes_and_checks_input(spectra, classifier):
    fig = _figure()
    axes = fig.subplots(2, 1)
    got_fig, got_axes = plot_spectrum(spectra.data[0], classifier=classifier, axes=axes)
    assert got_fig is fig and tuple(got_axes) == tuple(axes)
    with pytest.raises(ValueError, match="give ivar"):
        bad = spectra.data[0].copy()
        bad[5] = np.nan
        plot_spectrum(bad, classifier=classifier, fig=_figure())
    with pytest.raises(ValueError, match="give wavelength"):
        plot_spectrum(np.ones(100), classifier=classifier, fig=_figure())
    with pytest.raises(ValueError, match="one spectrum"):
        plot_spectrum(spectra.data[:2], classifier=classifier, fig=_figure())


def test_bundled_classifier_is_a_fresh_copy():
    a, b = bundled_template_classifier(), bundled_template_classifier()
    assert a is not b
    assert a.classes_.tolist() == ["M0", "M1", "M2", "M3", "M4", "M5"]
    np.testing.assert_array_equal(a.templates_, b.templates_)


# ----------------------------------------------------------------------------- matplotlib
def test_import_does_not_need_matplotlib():
    code = (
        "import sys; import skspec, skspec.plotting, skspec.experiments, skspec.cli; "
        "assert 'matplotlib' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_matplotlib_names_what_to_install(monkeypatch, spectra):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_index_diagram(spectra.data[:3])
    with pytest.raises(ImportError, match="plot_spectrum needs matplotlib"):
        plot_spectrum(spectra.data[0])


# ----------------------------------------------------------------------------- index diagram
def test_index_diagram_points_are_the_measured_indices(spectra):
    fig = Figure()
    ax = plot_index_diagram(spectra.data, spectra.target, ax=fig.subplots())
    m = measure_indices(spectra.data, indices=("TiO5", "CaH2", "CaH3"))
    drawn = {}
    for cls in np.unique(spectra.target):
        (points,) = _by_gid(ax, f"points {cls}")
        drawn[cls] = points.get_offsets()
        sel = spectra.target == cls
        np.testing.assert_allclose(
            drawn[cls], np.c_[m.CaH2[sel] + m.CaH3[sel], m.TiO5[sel]], rtol=1e-12
        )
    # One colour per type, in subtype order, and the legend counts them.
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    counts = pd.Series(spectra.target).value_counts()
    assert labels[: len(counts)] == [f"{c} ({counts[c]})" for c in sorted(counts.index)]
    # Measured indices give the same diagram.
    ax2 = plot_index_diagram(indices=m, y=spectra.target, ax=Figure().subplots())
    for cls in drawn:
        np.testing.assert_allclose(_by_gid(ax2, f"points {cls}")[0].get_offsets(), drawn[cls])


def test_dwarf_sequence_is_zeta_one_and_subtypes_follow_the_index_relation():
    cah = np.linspace(0.6, 2.0, 15)
    np.testing.assert_allclose(zeta_from_indices(dwarf_sequence(cah), cah / 2, cah / 2), 1.0)
    np.testing.assert_allclose(
        zeta_from_indices(dwarf_sequence(cah, 0.825), cah / 2, cah / 2), 0.825
    )
    marks = sequence_subtypes(range(6))
    assert sorted(marks) == [0, 1, 2, 3, 4, 5]
    c0, c1, c2 = INDEX_SUBTYPE_COEF
    for k, (c, t) in marks.items():
        assert t == pytest.approx(dwarf_sequence(c))
        assert c0 + c1 * t + c2 * c == pytest.approx(k, abs=1e-3)
    # Later types lie further down the sequence.
    cs = [marks[k][0] for k in range(6)]
    assert all(np.diff(cs) < 0)
    # And the relation agrees with index_subtype on a spectrum with those indices:
    # a real template sits near its subtype's mark.
    tpl = load_kesseli_templates(subtypes=["M3"])
    sub, _ = index_subtype(tpl.data[:1])
    assert abs(sub[0] - 3) < 1


def test_index_diagram_draws_the_sequence_and_checks_input(spectra):
    ax = plot_index_diagram(spectra.data[:5], ax=Figure().subplots())
    seq = [line for line in ax.get_lines() if line.get_label().startswith("dwarf sequence")]
    (line,) = seq
    np.testing.assert_allclose(line.get_ydata(), dwarf_sequence(line.get_xdata()))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("CaH2 + CaH3", "TiO5")
    with pytest.raises(ValueError, match="not both"):
        plot_index_diagram(spectra.data[:2], indices={"TiO5": [1], "CaH2": [1], "CaH3": [1]})
    with pytest.raises(ValueError, match="lacks"):
        plot_index_diagram(indices={"TiO5": [1.0]}, ax=Figure().subplots())
    with pytest.raises(ValueError, match="labels for"):
        plot_index_diagram(spectra.data[:3], ["M1"], ax=Figure().subplots())


# ----------------------------------------------------------------------------- accuracy by S/N
def test_wilson_interval_known_values():
    lo, hi = wilson_interval(5, 10, confidence=0.95)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)
    lo, hi = wilson_interval(np.array([0, 20]), np.array([20, 20]))
    assert lo[0] == pytest.approx(0, abs=1e-12) and hi[0] > 0.01  # no zero-width bar at 0 % ...
    assert hi[1] == pytest.approx(1) and lo[1] < 0.99  # ... nor at 100 %
    # The interval holds the proportion itself, exactly, for every n: rounding
    # once put the bound past 0 % or 100 % by ~1e-16, a negative error bar that
    # made matplotlib (and skspec reproduce) fail.
    n = np.arange(1, 300)
    for k in (np.zeros_like(n), n // 3, n):
        lo, hi = wilson_interval(k, n)
        assert np.all(lo <= k / n) and np.all(k / n <= hi)


def test_accuracy_by_snr_counts_each_bin():
    rng = np.random.default_rng(0)
    snr = rng.uniform(3, 50, 400)
    right = rng.random(400) < np.clip(snr / 40, 0, 1)
    y_true = np.where(right, "M1", "M2")
    y_pred = np.full(400, "M1")
    table = accuracy_by_snr(y_true, y_pred, snr, bins=[3, 10, 20, 50])
    for (_, row), lo, hi in zip(table.iterrows(), [3, 10, 20], [10, 20, 50]):
        sel = (snr >= lo) & (snr < hi)
        assert row.n == sel.sum() and row.n_correct == right[sel].sum()
        assert row.lower <= row.accuracy <= row.upper
    assert table["n"].sum() == 400
    # "auto": equal-count bins of about 40; NaN S/N left out.
    snr[:10] = np.nan
    auto = accuracy_by_snr(y_true, y_pred, snr)
    assert len(auto) == 390 // 40 and auto["n"].sum() == 390
    assert auto["n"].max() - auto["n"].min() <= 1
    assert np.all(np.diff(auto["snr_median"]) > 0)
    with pytest.raises(ValueError, match="different lengths"):
        accuracy_by_snr(y_true[:3], y_pred, snr)


def test_plot_accuracy_vs_snr_draws_the_table():
    rng = np.random.default_rng(1)
    snr = rng.uniform(5, 30, 300)
    y_true = np.where(rng.random(300) < 0.7, "M0", "M1")
    ax = Figure().subplots()
    plot_accuracy_vs_snr(y_true, ["M0"] * 300, snr, bins=5, label="toy", ax=ax)
    table = accuracy_by_snr(y_true, ["M0"] * 300, snr, bins=5)
    (container,) = ax.containers
    line = container.lines[0]
    np.testing.assert_allclose(line.get_xdata(), table["snr_median"])
    np.testing.assert_allclose(line.get_ydata(), table["accuracy"])
    # The paper's bin edges, once, however many models are drawn.
    plot_accuracy_vs_snr(y_true, ["M1"] * 300, snr, bins=5, label="other", ax=ax)
    edges = [ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_linestyle() == ":"]
    assert sorted(edges) == [5.0, 10.0, 15.0]


def test_reliability_curve_by_hand_and_its_ece_is_the_metric():
    from skspec.metrics import expected_calibration_error
    from skspec.plotting import reliability_curve

    conf = np.array([0.95, 0.95, 0.91, 0.55, 0.52, 0.35])
    y_true = np.array(["M1", "M1", "M2", "M1", "M2", "M0"])
    y_pred = np.array(["M1", "M1", "M1", "M1", "M1", "M0"])
    table = reliability_curve(y_true, y_pred, conf, n_bins=10)
    np.testing.assert_array_equal(table["n"], [1, 2, 3])
    np.testing.assert_allclose(table["accuracy"], [1.0, 0.5, 2 / 3])
    np.testing.assert_allclose(table["mean_confidence"], [0.35, 0.535, 2.81 / 3])
    np.testing.assert_allclose(table["conf_lo"], [0.3, 0.5, 0.9])
    assert np.all((table["lower"] <= table["accuracy"]) & (table["accuracy"] <= table["upper"]))
    ece = np.sum(table["n"] * np.abs(table["accuracy"] - table["mean_confidence"])) / 6
    proba = np.column_stack([conf, np.zeros(6)])  # column 0 is the predicted type
    right = np.where(y_true == y_pred, "hit", "miss")
    assert ece == pytest.approx(
        expected_calibration_error(right, proba, classes=["hit", "miss"], n_bins=10)
    )
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        reliability_curve(y_true, y_pred, conf + 0.5)


def test_plot_reliability_diagram_draws_the_curve_and_its_ece():
    from skspec.plotting import plot_reliability_diagram, reliability_curve

    rng = np.random.default_rng(0)
    conf = rng.uniform(0.2, 1.0, 400)
    y_pred = np.full(400, "M1", dtype=object)
    y_true = np.where(rng.random(400) < conf**2, "M1", "M2")  # over-confident
    ax = plot_reliability_diagram(y_true, y_pred, conf, label="model")
    table = reliability_curve(y_true, y_pred, conf)
    (container,) = ax.containers
    np.testing.assert_allclose(container.lines[0].get_xdata(), table["mean_confidence"])
    np.testing.assert_allclose(container.lines[0].get_ydata(), table["accuracy"])
    ece = np.sum(table["n"] * np.abs(table["accuracy"] - table["mean_confidence"])) / 400
    assert ax.get_legend().get_texts()[0].get_text() == f"model: ECE {ece:.3f}"
    assert ece > 0.1


# ----------------------------------------------------------------------------- reproduce figures
def test_predictions_carry_row_and_snr():
    from skspec.experiments import run_experiments

    ds = make_mdwarf_spectra(90, random_state=0)
    kw = {"models": ["template"], "bins": ["10-15"], "n_jobs": 1}
    bins = np.full(90, "10-15", dtype=object)
    with_snr = run_experiments(ds.data, ds.target, bins, snr=ds.snr, **kw)
    without = run_experiments(ds.data, ds.target, bins, **kw)
    preds = with_snr.predictions
    np.testing.assert_array_equal(preds["y_true"], ds.target[preds["row"]])
    np.testing.assert_array_equal(preds["snr"], ds.snr[preds["row"]])
    assert "snr" not in without.predictions
    # The S/N changes nothing else: same split, same predictions.
    cols = ["model", "dim", "bin", "row", "y_true", "y_pred"]
    pd.testing.assert_frame_equal(preds[cols], without.predictions[cols])


@pytest.fixture
def captured(monkeypatch):
    """make_figures' figures, kept instead of (as well as) written."""
    import skspec.experiments._figures as figs

    kept, real = {}, figs._save

    def keep(fig, path):
        kept[path.name] = fig
        return real(fig, path)

    monkeypatch.setattr(figs, "_save", keep)
    return kept


def test_confusion_matrices_count_and_normalise(tmp_path, captured):
    from skspec.experiments import plot_confusion_matrices

    labels = ["M0", "M1", "M2", "M3", "M4"]
    rng = np.random.default_rng(0)
    y_true = rng.choice(labels, 60)
    y_pred = np.where(rng.random(60) < 0.7, y_true, rng.choice(labels, 60))
    preds = pd.DataFrame(
        {"model": "svm", "dim": "1d", "bin": ["5-10"] * 30 + [">15"] * 30}
        | {"y_true": y_true, "y_pred": y_pred}
    )
    plot_confusion_matrices(preds, tmp_path / "counts.png")
    plot_confusion_matrices(preds, tmp_path / "norm.png", normalize="true")
    assert (tmp_path / "counts.png").read_bytes()[:8] == PNG
    for name, normalise in (("counts.png", None), ("norm.png", "true")):
        axes = captured[name].axes
        assert len(axes) == 2
        for ax, rows in zip(axes, (slice(0, 30), slice(30, 60))):
            expected = confusion_matrix(
                y_true[rows], y_pred[rows], labels=labels, normalize=normalise
            )
            (image,) = ax.images  # drawn by ConfusionMatrixDisplay
            np.testing.assert_allclose(image.get_array(), expected)
            if normalise:
                sums = np.asarray(image.get_array()).sum(axis=1)
                present = np.isin(labels, y_true[rows])
                np.testing.assert_allclose(sums[present], 1.0)
    with pytest.raises(ValueError, match="normalize"):
        plot_confusion_matrices(preds, tmp_path / "x.png", normalize="all")


def test_make_figures_writes_the_new_figures(tmp_path, captured):
    from skspec.experiments import load_experiment_data, make_figures, run_experiments

    ds = load_experiment_data("synthetic", n_samples=150, random_state=0)
    result = run_experiments(
        ds.data, ds.target, ds.snr_bin, models=["template"], n_jobs=1, snr=ds.snr
    )
    paths = make_figures(result, ds, tmp_path)
    for key, name in (
        ("confusion", "fig6_confusion.png"),
        ("confusion_normalised", "fig6_confusion_normalised.png"),
        ("accuracy_snr", "fig8_accuracy_snr.png"),
        ("index_diagram", "fig9_index_diagram.png"),
        ("reliability", "fig10_reliability.png"),
    ):
        assert paths[key] == tmp_path / name
        assert paths[key].read_bytes()[:8] == PNG
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    # The index diagram shows every test spectrum once, by its predicted type.
    (ax,) = captured["fig9_index_diagram.png"].axes
    n_points = sum(len(c.get_offsets()) for c in ax.collections)
    assert n_points == len(result.predictions)
    # The S/N figure covers the test spectra.
    ax = captured["fig8_accuracy_snr.png"].axes[0]
    (container,) = ax.containers
    assert len(container.lines[0].get_xdata()) >= 1
    # The reliability diagram shows the test predictions' confidences.
    ax = captured["fig10_reliability.png"].axes[0]
    (container,) = ax.containers
    conf = result.predictions["confidence"].to_numpy(dtype=float)
    assert np.isfinite(conf).all()
    assert container.lines[0].get_xdata().min() >= conf.min() - 1e-12


# ----------------------------------------------------------------------------- skspec plot
@pytest.fixture(scope="module")
def spec_file(tmp_path_factory):
    from _spec_files import write_spec

    tpl = load_kesseli_templates(subtypes=["M3"])
    path = tmp_path_factory.mktemp("spec") / "spec-4000-55500-0017.fits"
    rng = np.random.default_rng(0)
    flux = (50 * tpl.data[0] + rng.normal(0, 1.0, 3522)).astype(np.float32)
    write_spec(path, start=0, n=3522, flux=flux, ivar=np.ones(3522, np.float32))
    return path


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_plot_writes_a_png(tmp_path, spec_file, capsys):
    out = tmp_path / "fig.png"
    code, stdout, err = _run(capsys, "plot", spec_file, "--out", out)
    assert code == EXIT_OK, err
    assert out.read_bytes()[:8] == PNG
    assert stdout.startswith("skspec plot: spec-4000-55500-0017.fits: M3 (p = ")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    # The file gets the permissions of a plain open() (the umask), not 0600.
    umask = os.umask(0)
    os.umask(umask)
    assert (out.stat().st_mode & 0o777) == 0o666 & ~umask
    # Another format by the suffix.
    code, _, _ = _run(capsys, "plot", spec_file, "--out", tmp_path / "fig.pdf")
    assert code == EXIT_OK and (tmp_path / "fig.pdf").read_bytes()[:5] == b"%PDF-"


def test_cli_plot_refuses_to_overwrite(tmp_path, spec_file, capsys):
    out = tmp_path / "fig.png"
    out.write_bytes(b"old")
    code, _, err = _run(capsys, "plot", spec_file, "--out", out)
    assert code == EXIT_USAGE
    assert err.strip().count("\n") == 0 and "--overwrite" in err
    assert out.read_bytes() == b"old"
    code, _, _ = _run(capsys, "plot", spec_file, "--out", out, "--overwrite")
    assert code == EXIT_OK and out.read_bytes()[:8] == PNG


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/missing.fits", "--out", "{tmp}/a.png"], "no such file"),
        (["{spec}", "--out", "{tmp}/a.xyz"], "unknown image format"),
        (["{spec}", "--out", "{tmp}/a"], "unknown image format"),
        (["{spec}", "--out", "{tmp}/a.png", "--model", "{tmp}/none.skspec"], "not found"),
        (["{tmp}", "--out", "{tmp}/a.png"], "is a directory"),
    ],
)
def test_cli_plot_usage_errors_exit_2(tmp_path, spec_file, capsys, args, message):
    argv = [a.format(tmp=tmp_path, spec=spec_file) for a in args]
    code, _, err = _run(capsys, "plot", *argv)
    assert code == EXIT_USAGE
    assert message in err and err.strip().count("\n") == 0
    assert not (tmp_path / "a.png").exists()


def test_cli_plot_types_with_a_model_file(tmp_path, spec_file, capsys):
    from skspec.datasets import load_bochanski_templates
    from skspec.io import save_model

    tpl = load_bochanski_templates()  # M0-M9: another classifier than the default
    clf = TemplateClassifier(templates=tpl, temperature=1.0).fit(tpl.data, tpl.target)
    save_model(clf, tmp_path / "m.skspec")
    code, stdout, err = _run(
        capsys, "plot", spec_file, "--out", tmp_path / "f.png", "--model", tmp_path / "m.skspec"
    )
    assert code == EXIT_OK, err
    from skspec.datasets import read_sdss_spectrum

    sp = read_sdss_spectrum(spec_file)
    label = clf.predict(sp.flux[None].astype(float), sp.ivar[None].astype(float))[0]
    assert f": {label} (p = " in stdout
