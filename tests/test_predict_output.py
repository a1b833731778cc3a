"""What ``skspec predict`` writes, column by column, on spectra whose answer is known.

doc/user_guide/command.rst documents one CSV row per spectrum with the columns
``file, plate, mjd, fiber, specobjid, ra, dec, z, predicted, probability,
prob_<class>..., subtype, subtype_sd, snr, snr_bin, TiO5, CaH2, CaH3, zeta,
index_subtype, out_of_scope_score, sdss_class, sdss_subclass, flags``. Each is
checked here on files written by the test (an M dwarf of each subtype, a hot
star, a hot star whose header claims M2, a spectrum at S/N 2, a spectrum that
covers part of the grid), so the checks run without ../shared/data; the real
SDSS files, where present, add a second layer.
"""

import numpy as np
import pandas as pd
import pytest
from _spec_files import write_spec
from sklearn.linear_model import RidgeClassifier

from skspec.cli import main
from skspec.datasets import load_sdss_spectra, make_mdwarf_spectra
from skspec.io import load_model, save_model
from skspec.metrics import expected_subtype
from skspec.preprocessing import measure_indices, out_of_scope_score
from skspec.utils import N_PIXELS, sdss_wavelength

#: The columns of command.rst, in its order.
DOCUMENTED_COLUMNS = [
    "file",
    "plate",
    "mjd",
    "fiber",
    "specobjid",
    "ra",
    "dec",
    "z",
    "predicted",
    "probability",
    "prob_M0",
    "prob_M1",
    "prob_M2",
    "prob_M3",
    "prob_M4",
    "subtype",
    "subtype_sd",
    "snr",
    "snr_bin",
    "TiO5",
    "CaH2",
    "CaH3",
    "zeta",
    "index_subtype",
    "out_of_scope_score",
    "sdss_class",
    "sdss_subclass",
    "flags",
]


def _write(directory, fiber, flux, ivar, *, subclass, snr, cls="STAR", start=0):
    """A spec file on the SDSS grid from pixel ``start`` on, with the given header."""
    n = flux.size
    path = directory / f"spec-4000-55500-{fiber:04d}.fits"
    write_spec(
        path,
        start=start,
        n=n,
        flux=np.asarray(flux, np.float32),
        ivar=np.asarray(ivar, np.float32),
        specobj={
            "FIBERID": ("J", [fiber]),
            "CLASS": ("6A", [cls]),
            "SUBCLASS": ("21A", [subclass]),
            "SN_MEDIAN_ALL": ("E", [snr]),
        },
    )
    return path


def _hot_star(seed=0):
    """A 7000 K black body at S/N 50 per pixel: no TiO or CaH bands at all."""
    wave = sdss_wavelength()
    flux = 1.0 / wave**5 / np.expm1(1.4388e8 / (wave * 7000.0))
    flux = 50.0 * flux / np.median(flux)
    return flux + np.random.default_rng(seed).normal(0.0, 1.0, N_PIXELS), np.ones(N_PIXELS)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "template.skspec"
    assert (
        main(
            [
                "train",
                "--model",
                "template",
                "--n-samples",
                "300",
                "--seed",
                "0",
                "--out",
                str(path),
                "-q",
            ]
        )
        == 0
    )
    return path


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    """Synthetic spec files and what each should give, by fiber number."""
    d = tmp_path_factory.mktemp("spectra")
    bright = make_mdwarf_spectra(60, snr=(30, 40), random_state=3)
    true = bright.frame["subtype_true"].to_numpy()
    # One star per subtype, each within 0.25 of its integer subtype (no borderline case).
    rows = [
        int(np.flatnonzero((bright.target == s) & (np.abs(true - int(s[1])) < 0.25))[0])
        for s in ("M0", "M1", "M2", "M3", "M4")
    ]
    truth = {}
    for fiber, i in enumerate(rows, start=1):
        _write(
            d,
            fiber,
            bright.data[i],
            bright.ivar[i],
            subclass=f"{bright.target[i]} (1)",
            snr=bright.snr[i],
        )
        truth[fiber] = {"label": bright.target[i], "snr": bright.snr[i]}
    faint = make_mdwarf_spectra(1, snr=(2.0, 2.5), random_state=4)
    _write(d, 100, faint.data[0], faint.ivar[0], subclass="M2", snr=faint.snr[0])
    truth[100] = {"label": faint.target[0], "snr": faint.snr[0]}
    hot, hot_ivar = _hot_star()
    _write(d, 200, hot, hot_ivar, subclass="F5V (1)", snr=50.0)
    _write(d, 201, hot, hot_ivar, subclass="M2", snr=50.0)  # a header that is wrong
    i = rows[2]
    _write(
        d,
        300,
        bright.data[i, 300:3300],
        bright.ivar[i, 300:3300],
        subclass="M2",
        snr=bright.snr[i],
        start=300,
    )  # 3000 of 3522 pixels
    return d, truth


def _load(directory):
    with pytest.warns(UserWarning, match=r"do not cover.*0300\.fits \(0\.852\)"):
        return load_sdss_spectra(sorted(directory.glob("spec-*.fits")))


@pytest.fixture(scope="module")
def predicted(model_file, known):
    d, _ = known
    out = d.parent / "predictions.csv"
    assert main(["predict", str(model_file), str(d), "--out", str(out), "-q"]) == 0
    return pd.read_csv(out, keep_default_na=False, na_values={"probability": [""]}).set_index(
        "fiber", drop=False
    )


def test_columns_are_the_documented_ones_in_order(predicted, known):
    assert list(predicted.columns) == DOCUMENTED_COLUMNS
    assert len(predicted) == 9


def test_where_each_spectrum_comes_from(predicted, known):
    d, _ = known
    for fiber, row in predicted.iterrows():
        assert row["file"] == str(d / f"spec-4000-55500-{fiber:04d}.fits")
        assert (row["plate"], row["mjd"]) == (4000, 55500)
    assert sorted(predicted["fiber"]) == [1, 2, 3, 4, 5, 100, 200, 201, 300]


def test_predicted_and_probability_are_the_models_answer(predicted, known, model_file):
    d, truth = known
    model = load_model(model_file)
    ds = _load(d)
    proba = model.predict_proba(ds.data)
    fibers = ds.frame["fiber"].to_numpy()
    rows = predicted.loc[fibers]
    np.testing.assert_array_equal(rows["predicted"], model.classes_[proba.argmax(axis=1)])
    np.testing.assert_allclose(rows["probability"], proba.max(axis=1), atol=5e-5)
    # The bright M dwarfs, one per subtype, get their own subtype.
    for fiber in range(1, 6):
        assert predicted.loc[fiber, "predicted"] == truth[fiber]["label"]


def test_snr_and_snr_bin_come_from_the_file(predicted, known):
    _, truth = known
    for fiber in [1, 2, 3, 4, 5, 100]:
        assert predicted.loc[fiber, "snr"] == pytest.approx(truth[fiber]["snr"], abs=0.005)
    assert (predicted.loc[[1, 2, 3, 4, 5, 200, 201, 300], "snr_bin"] == ">15").all()
    assert predicted.loc[100, "snr_bin"] == "<5"


def test_index_subtype_and_out_of_scope_score(predicted, known):
    d, _ = known
    ds = _load(d)
    scope = out_of_scope_score(ds.data, ds.ivar).set_index(ds.frame["fiber"].to_numpy())
    for column in ("index_subtype", "out_of_scope_score"):
        np.testing.assert_allclose(
            predicted[column], scope.loc[predicted.index, column], atol=0.005 + 1e-9
        )
    # M dwarfs sit inside M0-0.5 ... M4+0.5 (score 0), in subtype order.
    dwarfs = predicted.loc[[1, 2, 3, 4, 5]]
    assert (dwarfs["out_of_scope_score"] == 0).all()
    assert np.all(np.diff(dwarfs["index_subtype"]) > 0)
    assert dwarfs["index_subtype"].between(-0.5, 4.5).all()
    # A star without molecular bands piles up near -1.2: about 0.7 subtypes outside.
    for fiber in (200, 201):
        hot = predicted.loc[fiber]
        assert -1.5 < hot["index_subtype"] < -1.0
        assert hot["out_of_scope_score"] == pytest.approx(-0.5 - hot["index_subtype"], abs=0.011)


def test_sdss_class_and_subclass_are_the_headers(predicted):
    assert (predicted["sdss_class"] == "STAR").all()
    assert predicted.loc[200, "sdss_subclass"] == "F5V (1)"
    assert predicted.loc[201, "sdss_subclass"] == "M2"


def test_flags(predicted):
    flags = predicted["flags"].to_dict()
    for fiber in range(1, 6):
        assert flags[fiber] == "", fiber  # bright M dwarfs: nothing to say
    assert flags[100] == "low_snr"  # S/N 2: too noisy for out_of_scope too
    assert flags[200] == "out_of_scope;sdss_not_m0_m4"
    assert flags[201] == "out_of_scope"  # the bands alone, whatever the header
    assert flags[300] == "partial_coverage;many_bad_pixels"  # 85% covered, 522 bad


def test_model_without_predict_proba_leaves_probability_empty(known, tmp_path):
    d, truth = known
    train = make_mdwarf_spectra(200, random_state=0)
    model = RidgeClassifier().fit(
        train.data / np.median(train.data, axis=1, keepdims=True), train.target
    )
    path = tmp_path / "linear.skspec"
    save_model(model, path)
    out = tmp_path / "p.csv"
    assert main(["predict", str(path), str(d), "--out", str(out), "-q"]) == 0
    rows = pd.read_csv(out, keep_default_na=False, na_values={"probability": [""]})
    assert list(rows.columns) == DOCUMENTED_COLUMNS
    assert rows["probability"].isna().all()
    assert set(rows["predicted"]) <= {"M0", "M1", "M2", "M3", "M4"}
    # No probabilities: the subtype is the predicted class's number, spread unknown.
    probs = rows[[f"prob_M{k}" for k in range(5)]].replace("", np.nan).astype(float)
    assert probs.isna().all().all()
    np.testing.assert_array_equal(
        rows["subtype"].astype(float), rows["predicted"].str[1].astype(float)
    )
    assert (rows["subtype_sd"] == "").all()


def test_ids_position_and_redshift(predicted, model_file, tmp_path):
    # The test files carry no SPECOBJID or PLUG_RA/PLUG_DEC: empty id, NaN position.
    assert (predicted["specobjid"] == "").all()
    assert (predicted[["ra", "dec"]] == "").all().all()
    assert predicted["z"].astype(float).to_numpy() == pytest.approx(1e-4, rel=1e-6)
    # A file that has them: the id as text (beyond int64), RA and Dec in degrees.
    ds = make_mdwarf_spectra(1, snr=(30, 40), random_state=7)
    path = tmp_path / "spec-4000-55500-0009.fits"
    write_spec(
        path,
        start=0,
        n=N_PIXELS,
        flux=ds.data[0].astype(np.float32),
        ivar=ds.ivar[0].astype(np.float32),
        specobj={
            "SPECOBJID": ("23A", ["  12345678901234567890"]),  # > 2**63
            "PLUG_RA": ("D", [236.97794]),
            "PLUG_DEC": ("D", [-52.815963]),
            "Z": ("E", [0.0012]),
        },
    )
    out = tmp_path / "ids.csv"
    assert main(["predict", str(path), "--model", str(model_file), "--out", str(out), "-q"]) == 0
    row = pd.read_csv(out, dtype={"specobjid": str}).iloc[0]
    assert row["specobjid"] == "12345678901234567890"
    assert (row["ra"], row["dec"]) == (pytest.approx(236.97794), pytest.approx(-52.815963))
    assert row["z"] == pytest.approx(0.0012, rel=1e-6)


def test_class_probabilities_are_the_models(predicted, known, model_file):
    d, _ = known
    model = load_model(model_file)
    ds = _load(d)
    proba = model.predict_proba(ds.data)
    rows = predicted.loc[ds.frame["fiber"].to_numpy()]
    columns = [f"prob_{c}" for c in model.classes_]
    got = rows[columns].astype(float).to_numpy()
    np.testing.assert_allclose(got, proba, atol=5e-5 + 1e-12)
    np.testing.assert_allclose(got.sum(axis=1), 1, atol=5e-4)
    np.testing.assert_allclose(rows["probability"].astype(float), got.max(axis=1))


def test_continuous_subtype_and_its_spread(predicted, known, model_file):
    d, truth = known
    model = load_model(model_file)
    ds = _load(d)
    subtype, spread = expected_subtype(model.predict_proba(ds.data), model.classes_)
    rows = predicted.loc[ds.frame["fiber"].to_numpy()]
    np.testing.assert_allclose(rows["subtype"].astype(float), subtype, atol=0.005 + 1e-9)
    np.testing.assert_allclose(rows["subtype_sd"].astype(float), spread, atol=0.005 + 1e-9)
    # The bright dwarfs (within 0.25 of their integer subtype): within half a subtype.
    for fiber in range(1, 6):
        want = int(truth[fiber]["label"][1])
        assert abs(float(predicted.loc[fiber, "subtype"]) - want) < 0.5, fiber
    assert (rows["subtype"].astype(float).between(0, 4)).all()
    assert (rows["subtype_sd"].astype(float).between(0, 2)).all()


def test_band_indices(predicted, known):
    d, _ = known
    ds = _load(d)
    want = measure_indices(ds.data, indices=("TiO5", "CaH2", "CaH3", "zeta"))
    want.index = ds.frame["fiber"].to_numpy()
    for column in ("TiO5", "CaH2", "CaH3", "zeta"):
        np.testing.assert_allclose(
            predicted[column].astype(float), want.loc[predicted.index, column], atol=5e-5 + 1e-9
        )
    # M0 -> M4: TiO5 and CaH2 deepen (fall); the hot star has no bands (about 1).
    dwarfs = predicted.loc[[1, 2, 3, 4, 5]]
    assert np.all(np.diff(dwarfs["TiO5"].astype(float)) < 0)
    assert np.all(np.diff(dwarfs["CaH2"].astype(float)) < 0)
    assert float(predicted.loc[200, "TiO5"]) == pytest.approx(1.0, abs=0.05)


# --------------------------------------------------------------------------
# The real SDSS files of ../shared/data
# --------------------------------------------------------------------------


def test_real_files_m_dwarfs_controls_and_a_low_snr_star(
    model_file, sdss_dir, shared_data, tmp_path
):
    out = tmp_path / "real.csv"
    assert main(["predict", str(model_file), str(sdss_dir), "--out", str(out), "-q"]) == 0
    rows = pd.read_csv(out, keep_default_na=False)
    assert list(rows.columns) == DOCUMENTED_COLUMNS
    labels = pd.read_csv(shared_data / "labels.csv")
    labels = labels[labels["fmt"] == "sdss_spec"]
    labels = labels.set_index(labels["path"].str.rsplit("/", n=1).str[-1])
    rows = rows.set_index(rows["file"].str.rsplit("/", n=1).str[-1])
    assert set(rows.index) == set(labels.index)
    for name, row in rows.iterrows():
        label, snr = labels.loc[name, "label"], float(labels.loc[name, "snr"])
        assert row["snr"] == pytest.approx(snr, abs=0.051), name  # labels: 0.1
        flags = set(filter(None, row["flags"].split(";")))
        if snr < 5:
            # The S/N 1 "M6III" (an L0 by eye): low S/N, not an M0-M4 dwarf by its header,
            # and too noisy for the bands to call it out of scope.
            assert flags == {"low_snr", "sdss_not_m0_m4"}, name
            assert row["snr_bin"] == "<5"
        elif label.startswith("M"):
            assert flags == set(), name
            assert float(row["out_of_scope_score"]) <= 0.2, name
            assert abs(int(row["predicted"][1]) - min(int(label[1]), 4)) <= 1, name
        else:  # B2, F4, G8, K2 controls: no bands, and SDSS says so too
            assert flags == {"out_of_scope", "sdss_not_m0_m4"}, name
            assert float(row["index_subtype"]) < -1.0, name
            assert float(row["out_of_scope_score"]) > 0.5, name
    # The SPECOBJ row's id and plug position (the DR12 files hold the id as text).
    first = rows.loc["spec-0618-52049-0372.fits"]
    assert str(first["specobjid"]) == "695908431386667008"
    assert (float(first["ra"]), float(first["dec"])) == (
        pytest.approx(236.97794, abs=1e-5),
        pytest.approx(52.815963, abs=1e-5),
    )
