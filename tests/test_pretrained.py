"""The bundled model: skspec.models.load_pretrained and ``skspec predict`` without --model.

The fast tests load the shipped file (through the SHA-256 check), check that
it was built by this skspec and its own command, and type the real SDSS
spectra of ../shared/data (skipped when absent), keeping the flags on
out-of-range input. The slow test reruns the documented command and checks
that it gives the same predictions.
"""

import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skspec import __version__
from skspec.cli import EXIT_OK, main
from skspec.datasets import load_sdss_spectra, make_mdwarf_spectra
from skspec.io import MAGIC, load_model, read_model_metadata
from skspec.models import PRETRAINED_MODELS, EMCCNNClassifier, load_pretrained, pretrained_path

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model():
    return load_pretrained()


def test_the_file_is_small_hash_checked_and_built_by_its_command():
    path = pretrained_path()
    assert path.parent.name == "data" and path.parent.parent.name == "models"
    assert path.stat().st_size <= 5_000_000
    header = read_model_metadata(path)
    user = header["user"]
    assert header["classes"] == ["M0", "M1", "M2", "M3", "M4"]
    assert header["n_features_in"] == 3522
    assert user["command"] == PRETRAINED_MODELS["default"]["command"]
    assert (user["model"], user["data"], user["seed"], user["max_epochs"]) == (
        "emccnn",
        "synthetic",
        0,
        40,
    )
    assert user["test_accuracy"] > 0.8 and user["test_within_one"] > 0.98
    # Shipped for this release: rebuild it (benchmarks/build_pretrained.py) on a version bump.
    assert header["versions"]["skspec"] == __version__


def test_load_pretrained_returns_a_fitted_emccnn(model):
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    assert isinstance(final, EMCCNNClassifier)
    # Its parameters are this code's: a file pickled by an older class would fail here.
    assert "kernel_sizes" in final.get_params()
    assert repr(model)
    ds = make_mdwarf_spectra(100, snr=(20, 40), random_state=123)
    proba = model.predict_proba(ds.data)
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-5)
    assert (model.predict(ds.data) == ds.target).mean() > 0.8


def test_load_pretrained_checks_the_hash(tmp_path, monkeypatch):
    bad = tmp_path / "emccnn_default.skspec"
    shutil.copyfile(pretrained_path(), bad)
    with open(bad, "r+b") as fh:
        fh.seek(-100, 2)
        byte = fh.read(1)
        fh.seek(-100, 2)
        fh.write(bytes([byte[0] ^ 0xFF]))
    assert bad.read_bytes()[: len(MAGIC)] == MAGIC
    monkeypatch.setattr("skspec.models._pretrained.pretrained_path", lambda name="default": bad)
    with pytest.raises(ValueError, match="SHA-256"):
        load_pretrained()
    with pytest.raises(ValueError, match="no pretrained model named 'best'"):
        pretrained_path("best")


def test_predict_without_a_model_uses_the_bundled_one(sdss_dir, shared_data, tmp_path, capsys):
    out = tmp_path / "p.csv"
    assert main(["predict", str(sdss_dir), "--out", str(out), "-q"]) == EXIT_OK
    assert "with the bundled model" in capsys.readouterr().out
    rows = pd.read_csv(out, keep_default_na=False)
    # The same rows as --model on the bundled file.
    again = tmp_path / "q.csv"
    argv = ["predict", str(sdss_dir), "--model", str(pretrained_path()), "--out", str(again)]
    assert main([*argv, "-q"]) == EXIT_OK
    pd.testing.assert_frame_equal(rows, pd.read_csv(again, keep_default_na=False))

    labels = pd.read_csv(shared_data / "labels.csv")
    labels = labels[labels["fmt"] == "sdss_spec"]
    labels = labels.set_index(labels["path"].str.rsplit("/", n=1).str[-1])
    rows = rows.set_index(rows["file"].str.rsplit("/", n=1).str[-1])
    for name, row in rows.iterrows():
        label, snr = labels.loc[name, "label"], float(labels.loc[name, "snr"])
        flags = set(filter(None, row["flags"].split(";")))
        probs = row[[f"prob_M{k}" for k in range(5)]].astype(float)
        assert probs.sum() == pytest.approx(1, abs=5e-4), name
        assert 0 <= float(row["subtype"]) <= 4, name
        if snr < 5:
            assert {"low_snr", "sdss_not_m0_m4"} <= flags, name
        elif label in ("M0", "M1", "M2", "M3", "M4"):
            # The real M0-M4 dwarfs: typed within one subtype, nothing flagged.
            assert flags == set(), name
            assert abs(int(row["predicted"][1]) - int(label[1])) <= 1, name
            assert abs(float(row["subtype"]) - int(label[1])) <= 1.0, name
        elif label.startswith("M"):
            # The M5 (M4 by the pipeline): the model can say no more than M4.
            assert row["predicted"] in ("M3", "M4"), name
        else:  # B2, F4, G8, K2: typed M-something, but flagged as out of scope
            assert {"out_of_scope", "sdss_not_m0_m4"} <= flags, name


def test_pretrained_types_the_shared_m_dwarfs(model, sdss_dir, shared_data):
    labels = pd.read_csv(shared_data / "labels.csv")
    labels = labels[(labels["fmt"] == "sdss_spec") & labels["in_scope"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ds = load_sdss_spectra([shared_data / p for p in labels["path"]])
    pred = model.predict(ds.data)
    true = labels["label"].to_numpy()
    assert len(true) >= 3
    within = [abs(int(p[1]) - int(t[1])) <= 1 for p, t in zip(pred, true)]
    assert all(within), list(zip(pred, true))


def test_pretrained_is_not_fooled_by_interstellar_reddening(model, shared_data):
    """The held-out Bochanski+2007 templates reddened by E(B-V) = 0.2 keep their types.

    Trained without the colour excess (``augment="coverage"``), the bundled
    model typed them 0.63-0.65 exactly here, a third of a subtype late
    (BENCHMARKS.md, "Robustness to the observing conditions").
    """
    from skspec.utils import ccm_extinction, sdss_wavelength

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import _realdata
    finally:
        sys.path.pop(0)
    dust = 10.0 ** (-0.4 * 0.2 * ccm_extinction(sdss_wavelength()))
    g = _realdata.noise_shape(shared_data)
    bochanski = _realdata.read_fine_templates(shared_data)["bochanski2007"]
    for snr_bin in ("10-15", ">15"):
        for effect in (None, lambda clean: clean * dust):
            rng = np.random.default_rng(0)
            X, _, y = _realdata.degrade_templates(rng, bochanski, g, snr_bin, 24, effect=effect)
            s = _realdata.score(y, model.predict(X))
            assert s["exact"] >= 0.9 and abs(s["bias"]) <= 0.1, (snr_bin, effect, s)


@pytest.mark.slow
def test_the_documented_command_rebuilds_the_same_model(tmp_path):
    """Retrain with benchmarks/build_pretrained.py (about 10 min on one core): same predictions."""
    import torch

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import build_pretrained
    finally:
        sys.path.pop(0)
    out = tmp_path / "rebuilt.skspec"
    threads = torch.get_num_threads()
    try:
        assert build_pretrained.main(["--out", str(out), "-q"]) == 0
    finally:
        torch.set_num_threads(threads)
    ds = make_mdwarf_spectra(300, random_state=2024)
    bundled, rebuilt = load_pretrained(), load_model(out)
    np.testing.assert_array_equal(rebuilt.predict(ds.data), bundled.predict(ds.data))
    np.testing.assert_allclose(
        rebuilt.predict_proba(ds.data), bundled.predict_proba(ds.data), atol=1e-4
    )
