"""The paper's tables as data, the model registry, the per-bin runner, tables, figures."""

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from skspec.experiments import (
    MODELS,
    PAPER_BINS,
    PAPER_TABLES,
    available_models,
    check_out_dir,
    make_model,
    make_report,
    paper_results,
    plot_accuracy,
    plot_confusion_matrices,
    plot_distribution,
    plot_folded_images,
    plot_resampling,
    plot_snr_examples,
    plot_training_curves,
    resolve_bins,
    resolve_models,
    run_experiments,
    table1,
    table2,
    table3,
    verdict,
)
from skspec.experiments._tables import _pct
from skspec.utils import N_PIXELS, sdss_wavelength
from skspec.utils._subtypes import normalise_subtypes

PNG = b"\x89PNG\r\n\x1a\n"
SUBTYPES = ["M0", "M1", "M2", "M3", "M4"]


def toy_spectra(n, seed=0, noise=0.05):
    """Spectra whose slope encodes the subtype: easy for any classifier, no generator needed."""
    rng = np.random.default_rng(seed)
    w = sdss_wavelength()
    k = np.arange(n) % 5
    base = 1.0 + 0.25 * k[:, None] * (w[None, :] - 4000.0) / 5000.0
    X = base * (1.0 + noise * rng.normal(size=(n, N_PIXELS)))
    y = np.array(SUBTYPES, dtype=object)[k]
    bins = np.array(PAPER_BINS, dtype=object)[np.arange(n) // 5 % 3]
    return X.astype(np.float32), y, bins


# ----------------------------------------------------------------------------- paper data
def test_paper_tables_shape_and_values():
    frame = paper_results()
    assert set(frame["table"]) == {"table1", "table2", "table3"}
    t1 = frame[frame["table"] == "table1"]
    assert set(t1["label"]) == {"DNN", "CNN", "VGG16", "ResNet", "EMCCNN"}
    assert len(t1) == 5 * 2 * 3
    assert set(frame[frame["table"] == "table2"]["label"]) == {"SVM", "EMCCNN"}
    t3 = frame[frame["table"] == "table3"]
    assert set(zip(t3["label"], t3["dim"])) == {(m, d) for m in ("CNN", "VGG16", "ResNet")
                                                for d in ("1d", "2d")}
    assert set(frame["bin"]) == set(PAPER_BINS)
    acc = frame["accuracy"].dropna()
    assert ((acc >= 0) & (acc <= 1)).all()  # fractions, never percentages


def test_tables_show_the_papers_numbers():
    scores = pd.DataFrame(columns=["model", "label", "dim", "bin", "split", "accuracy",
                                   "within_one", "fit_seconds", "n"])
    scores.loc[0] = ["svm", "SVM", "1d", "5-10", "test", 0.5, 0.9, 1.0, 10]
    t1, t2, t3 = table1(scores), table2(scores), table3(scores)
    # The paper row of each model holds exactly the stored values ("n/a" where unknown).
    for label, splits in PAPER_TABLES["table1"].items():
        start = t1.index(f"| {label} (")
        paper_row = t1[start:].splitlines()[1]
        expected = [_pct(splits[s]["5-10"], "n/a") for s in ("train", "test")]
        assert paper_row.startswith("|  | paper | " + " | ".join(expected))
    for label, per_bin in PAPER_TABLES["table2"].items():
        rows = t2[t2.index(f"| {label} |"):].splitlines()
        assert rows[2] == "|  | paper | " + _pct(per_bin["5-10"], "n/a") + " |"
    assert "| SVM | ours | 50.0 |" in t2
    assert t3.count("paper") == 6


# ----------------------------------------------------------------------------- registry
def test_registry_names_and_errors():
    assert available_models() == ["dnn", "cnn", "vgg16", "resnet", "emccnn", "svm", "template"]
    assert resolve_models("svm, Template,svm") == ["svm", "template"]
    with pytest.raises(ValueError, match="unknown model.*choose from"):
        resolve_models("svm,lstm")
    with pytest.raises(ValueError, match="no model"):
        resolve_models(",")
    assert resolve_bins(None) == list(PAPER_BINS)
    assert resolve_bins(">15,5-10") == [">15", "5-10"]
    with pytest.raises(ValueError, match="unknown S/N bin"):
        resolve_bins("0-5")


@pytest.mark.parametrize("name", ["svm", "template"])
def test_make_model_classic(name):
    pipe = make_model(name, random_state=0)
    assert isinstance(pipe, Pipeline)
    assert [s for s, _ in pipe.steps] == ["resample", "clf"]
    assert pipe.named_steps["resample"].n_points == 5000
    with pytest.raises(ValueError, match="no '2d' form"):
        make_model(name, dim="2d")


def test_make_model_networks():
    pytest.importorskip("skspec.models", reason="networks not available")
    from skspec import models

    for name, spec in MODELS.items():
        if not spec.network or not hasattr(models, spec.estimator):
            continue
        for dim in spec.dims:
            pipe = make_model(name, dim=dim, quick=True, max_epochs=2, random_state=3)
            steps = [s for s, _ in pipe.steps]
            assert steps[-1] == "clf"
            assert ("fold" in steps) == (dim == "2d")
            if dim == "2d":
                assert pipe.named_steps["fold"].shape == (50, 100)
            clf = pipe.named_steps["clf"]
            assert clf.get_params()["max_epochs"] == 2
            assert clf.get_params()["random_state"] == 3
    if hasattr(models, "EMCCNNClassifier"):
        clf = make_model("emccnn", recipe="paper").named_steps["clf"]
        assert clf.get_params()["recipe"] == "paper"
        with pytest.raises(ValueError, match="no '2d' form"):
            make_model("emccnn", dim="2d")


def test_make_model_params_are_not_filtered():
    with pytest.raises(TypeError):
        make_model("svm", params={"not_a_parameter": 1})


def test_normalise_subtypes():
    got = normalise_subtypes(["M2", "M2V", "dM3", "M1 (204445)", "M1III", "M6", "M2.5",
                              "K7", None, "m4"])
    assert list(got) == ["M2", "M2", "M3", "M1", None, None, None, None, None, "M4"]


# ----------------------------------------------------------------------------- runner
def test_run_experiments_per_bin_scores():
    X, y, bins = toy_spectra(150)
    result = run_experiments(X, y, bins, models=["svm", "template"], random_state=0,
                             n_jobs=1)
    s = result.scores
    assert list(s.columns[:6]) == ["model", "label", "dim", "bin", "split", "accuracy"]
    assert len(s) == 2 * 3 * 2  # models x bins x splits
    assert set(s["bin"]) == set(PAPER_BINS)
    assert s["accuracy"].between(0, 1).all() and s["within_one"].between(0, 1).all()
    assert (s["within_one"] >= s["accuracy"]).all()
    # Each bin has 50 spectra, split 75/25 and scored separately.
    assert set(s.loc[s["split"] == "test", "n"]) == {13}
    assert set(s.loc[s["split"] == "train", "n"]) == {37}
    # The toy task is easy: the SVM must get it right, or the pipeline is broken.
    assert s.loc[(s["model"] == "svm") & (s["split"] == "test"), "accuracy"].min() >= 0.9
    preds = result.predictions
    assert len(preds) == 2 * 3 * 13
    assert set(preds["y_pred"]) <= set(SUBTYPES)
    assert result.histories == {}


def test_run_experiments_is_reproducible_and_skips_tiny_bins():
    X, y, bins = toy_spectra(120, seed=1, noise=0.3)
    bins = bins.copy()
    bins[:] = "10-15"
    bins[:5] = ">15"  # far too few to train
    kw = {"models": ["svm"], "bins": ["10-15", ">15"], "random_state": 4, "n_jobs": 1}
    a = run_experiments(X, y, bins, **kw)
    b = run_experiments(X, y, bins, **kw)
    pd.testing.assert_frame_equal(a.scores.drop(columns="fit_seconds"),
                                  b.scores.drop(columns="fit_seconds"))
    assert set(a.scores["bin"]) == {"10-15"}
    assert len(a.skipped) == 1 and a.skipped[0].startswith("bin >15")


def test_run_experiments_rejects_mismatched_lengths():
    X, y, bins = toy_spectra(30)
    with pytest.raises(ValueError, match="different lengths"):
        run_experiments(X, y[:-1], bins, models=["svm"], n_jobs=1)


@pytest.mark.slow  # starting joblib worker processes takes seconds on a busy 2-core machine
def test_run_experiments_parallel_matches_serial():
    X, y, bins = toy_spectra(90, noise=0.5)
    kw = {"models": ["svm"], "bins": ["5-10", "10-15"], "random_state": 0}
    serial = run_experiments(X, y, bins, n_jobs=1, **kw).scores
    parallel = run_experiments(X, y, bins, n_jobs=2, **kw).scores
    pd.testing.assert_frame_equal(serial.drop(columns="fit_seconds"),
                                  parallel.drop(columns="fit_seconds"))


def test_check_out_dir(tmp_path):
    assert check_out_dir(tmp_path / "new") == tmp_path / "new"
    check_out_dir(tmp_path)  # empty: fine
    (tmp_path / "results.csv").write_text("x")
    with pytest.raises(FileExistsError, match="overwrite"):
        check_out_dir(tmp_path)
    check_out_dir(tmp_path, overwrite=True)
    with pytest.raises(FileExistsError, match="not a directory"):
        check_out_dir(tmp_path / "results.csv", overwrite=True)


# ----------------------------------------------------------------------------- verdict
def _scores(acc, n=2000, gap=None):
    """Score frame from {(model, dim): {bin: test acc}}; train = test + gap."""
    rows = []
    for (model, dim), per_bin in acc.items():
        for b, a in per_bin.items():
            g = (gap or {}).get(model, 0.02)
            rows.append([model, MODELS[model].label, dim, b, "train", min(1.0, a + g), a, 1.0, n])
            rows.append([model, MODELS[model].label, dim, b, "test", a, a, 1.0, n])
    return pd.DataFrame(rows, columns=["model", "label", "dim", "bin", "split", "accuracy",
                                       "within_one", "fit_seconds", "n"])


def test_verdict_supports_the_paper_when_emccnn_wins():
    bins = {"5-10": 0.0, "10-15": 0.05, ">15": 0.1}
    acc = {("emccnn", "1d"): {b: 0.80 + d for b, d in bins.items()},
           ("cnn", "1d"): {b: 0.70 + d for b, d in bins.items()},
           ("cnn", "2d"): {b: 0.72 + d for b, d in bins.items()},
           ("svm", "1d"): {b: 0.65 + d for b, d in bins.items()},
           ("dnn", "1d"): {b: 0.50 + d for b, d in bins.items()}}
    text = "\n".join(verdict(_scores(acc, gap={"cnn": 0.25})))
    assert "best is EMCCNN-1D" in text
    assert "EMCCNN addresses these problems (the paper's best model)\": supported" in text
    assert "EMCCNN beats the SVM in 3 of 3 bins" in text
    assert "cannot extract enough features\": supported" in text
    assert "tends to overfit\": supported" in text
    assert "signal-to-noise ratios also have effects on the network\": supported" in text
    assert "beats the 1D one in 3 of 3" in text


def test_verdict_rejects_the_paper_when_svm_wins():
    acc = {("emccnn", "1d"): {"5-10": 0.60, ">15": 0.60},
           ("svm", "1d"): {"5-10": 0.80, ">15": 0.75},
           ("dnn", "1d"): {"5-10": 0.70, ">15": 0.70}}
    text = "\n".join(verdict(_scores(acc)))
    assert "best is SVM-1D" in text
    assert "(the paper's best model)\": not supported" in text
    assert "EMCCNN beats the SVM in 0 of 2 bins" in text
    assert "cannot extract enough features\": not supported" in text
    assert "not clearly supported" in text  # accuracy does not rise with S/N


def test_verdict_calls_small_margins_noise():
    acc = {("emccnn", "1d"): {">15": 0.80}, ("svm", "1d"): {">15": 0.82}}
    text = "\n".join(verdict(_scores(acc, n=20)))
    assert "within the test-set noise" in text
    assert "\": supported" in text  # EMCCNN within noise of the best


def test_report_sections():
    acc = {("svm", "1d"): {"5-10": 0.8}, ("template", "1d"): {"5-10": 0.5}}
    report = make_report(_scores(acc), config={"seed": 0}, data_summary="Data: toy.",
                         skipped=["bin >15: too few"])
    for part in ("## Table 1", "## Table 2", "## Table 3", "## All fits", "## Verdict",
                 "## Not run", "Data: toy.", "seed=0", "doi:10.3390/universe6040060"):
        assert part in report


# ----------------------------------------------------------------------------- figures
def _is_png(path):
    return path.is_file() and path.read_bytes()[:8] == PNG


def test_figures_are_written(tmp_path):
    X, y, bins = toy_spectra(30)
    w = sdss_wavelength()
    assert _is_png(plot_distribution(y, bins, tmp_path / "d.png"))
    assert _is_png(plot_snr_examples(w, X, y, bins, tmp_path / "s.png"))
    assert _is_png(plot_resampling(w, X[0], tmp_path / "r.png"))
    assert _is_png(plot_folded_images(X, y, tmp_path / "f.png"))
    acc = {("svm", "1d"): {"5-10": 0.8, ">15": 0.9}, ("cnn", "2d"): {"5-10": 0.7, ">15": 0.95}}
    scores = _scores(acc)
    assert _is_png(plot_accuracy(scores, tmp_path / "a.png"))
    preds = pd.DataFrame({"model": "svm", "dim": "1d", "bin": ["5-10"] * 5 + [">15"] * 5,
                          "y_true": SUBTYPES * 2, "y_pred": SUBTYPES[::-1] * 2})
    assert _is_png(plot_confusion_matrices(preds, tmp_path / "c.png"))
    hist = {("cnn", "2d", "5-10"): [{"epoch": i, "train_loss": 1 / i, "valid_loss": 2 / i}
                                    for i in range(1, 4)]}
    assert _is_png(plot_training_curves(hist, tmp_path / "t.png"))
    assert _is_png(plot_training_curves({}, tmp_path / "t0.png"))
    # Atomic writes leave no temporaries behind.
    assert all(not p.name.startswith(".") for p in tmp_path.iterdir())
