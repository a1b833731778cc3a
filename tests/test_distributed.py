"""skspec.distributed: grid searches and partitioned prediction on a local Dask cluster.

One two-worker ``LocalCluster`` (processes, loopback only) serves the module;
tests that need it skip when Dask is not installed.
"""

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skspec.cli import main as cli_main
from skspec.distributed import dask_backend, predict_files
from skspec.io import save_model

SUBTYPES = np.array(["M0", "M1", "M2", "M3", "M4"])
N_COPIES = 4


# ---------------------------------------------------------------------------- helpers
def _training_data(n=60, n_features=3522, random_state=0):
    """Generated M dwarf spectra (the generator when present, else smooth toy shapes)."""
    try:
        from skspec.datasets import make_mdwarf_spectra
    except ImportError:
        make_mdwarf_spectra = None
    if make_mdwarf_spectra is not None and n_features == 3522:
        X, y = make_mdwarf_spectra(n, random_state=random_state, return_X_y=True)
        return np.asarray(X, dtype=np.float32), np.asarray(y, dtype=object)
    rng = np.random.default_rng(random_state)
    x = np.linspace(0, 1, n_features)
    y = np.resize(SUBTYPES, n).astype(object)
    k = np.searchsorted(SUBTYPES, y)[:, None]
    # Redder and deeper molecular bands with later subtype: enough to learn.
    X = (1 + 2 * k * x) * (1 - 0.1 * k * (np.sin(40 * x) > 0.5)) + rng.normal(0, 0.05, (n, x.size))
    return X.astype(np.float32), y


def _data_rows(path):
    """The lines of a CSV file after its header."""
    return path.read_text(encoding="utf-8").splitlines()[1:]


# ---------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # port and shutdown chatter of a loaded CI box
        cluster = distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
        )
    yield cluster
    cluster.close(timeout=30)


@pytest.fixture(scope="module")
def client(cluster):
    from distributed import Client

    with Client(cluster, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=120)
        yield client


@pytest.fixture
def one_torch_thread():
    """Train here as the workers do: one torch thread (Dask sets OMP_NUM_THREADS=1).

    It also keeps the test fast on a loaded 2-core box, where two spinning
    OpenMP threads per process make tiny fits ~50x slower.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def template_model(tmp_path_factory):
    from skspec.models import TemplateClassifier

    X, y = _training_data()
    path = tmp_path_factory.mktemp("model") / "template.skspec"
    save_model(TemplateClassifier().fit(X, y), path, metadata={"trained_on": "generated"})
    return path


@pytest.fixture(scope="module")
def spectra_dir(sdss_dir, tmp_path_factory):
    """The real SDSS files copied N_COPIES times, plus a truncated and a non-FITS file."""
    data = tmp_path_factory.mktemp("spectra")
    real = sorted(sdss_dir.glob("spec-*.fits"))
    assert real, "no spec-*.fits in the shared data"
    for k in range(N_COPIES):
        for p in real:
            shutil.copyfile(p, data / f"{p.stem}-c{k}.fits")
    (data / "spec-9999-59999-0001.fits").write_bytes(real[0].read_bytes()[:5000])
    (data / "spec-9999-59999-0002.fits").write_text("not a FITS file")
    return data


# ---------------------------------------------------------------------------- no Dask
def test_core_imports_without_dask():
    code = (
        "import sys, skspec, skspec.io, skspec.cli, skspec.distributed; "
        "bad = [m for m in ('dask', 'distributed') if m in sys.modules]; "
        "assert not bad, bad"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert res.returncode == 0, res.stderr


def test_missing_dask_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes "import distributed" fail
    with pytest.raises(ImportError, match=r"skspec\[dask\]"), dask_backend():
        pass
    with pytest.raises(ImportError, match=r"skspec\[dask\]"):
        predict_files(tmp_path / "m.skspec", tmp_path, tmp_path / "out")


# ---------------------------------------------------------------------------- dask_backend
def test_dask_backend_farms_joblib_out(cluster):
    import joblib
    from distributed import get_task_stream

    local = os.getpid()
    for scheduler in (cluster.scheduler_address, cluster):
        with dask_backend(scheduler) as client:
            with get_task_stream(client) as stream:
                pids = joblib.Parallel(n_jobs=2)(joblib.delayed(os.getpid)() for _ in range(6))
            assert client.status == "running"
        assert client.status == "closed"  # we opened it, we closed it
        assert local not in pids
        assert len(set(pids)) >= 1 and len(stream.data) >= 1
    assert cluster.status.name == "running"  # a cluster passed in is left running


def test_dask_backend_rejects_unknown_scheduler():
    pytest.importorskip("distributed")
    with pytest.raises(TypeError, match="scheduler must be"), dask_backend(42):
        pass


def _assert_same_search(remote, local, X):
    for key in ("split0_test_score", "split1_test_score", "mean_test_score", "rank_test_score"):
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(remote.predict_proba(X), local.predict_proba(X))


def _search_both_ways(client, pipe, grid, X, y):
    """The same grid search in this process and under dask_backend."""
    from distributed import get_task_stream
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    cv = StratifiedKFold(2, shuffle=True, random_state=0)
    local = GridSearchCV(pipe, grid, cv=cv, n_jobs=1).fit(X, y)
    with dask_backend(client), get_task_stream(client) as stream:
        remote = GridSearchCV(pipe, grid, cv=cv).fit(X, y)
    assert len(stream.data) >= 4  # the fits really ran on the workers
    return remote, local


def test_grid_search_on_dask_equals_local(client):
    from sklearn.pipeline import Pipeline

    from skspec.models import TemplateClassifier
    from skspec.preprocessing import QuadraticResampler

    X, y = _training_data(n=40, n_features=600, random_state=1)
    X = X + np.random.default_rng(1).normal(0, 0.5, X.shape)  # so that scores differ
    pipe = Pipeline([("resample", QuadraticResampler(n_points=300)), ("clf", TemplateClassifier())])
    grid = {"resample__n_points": [100, 400], "clf__poly_degree": [0, 3]}
    remote, local = _search_both_ways(client, pipe, grid, X, y)
    _assert_same_search(remote, local, X)


@pytest.mark.slow
def test_grid_search_of_a_network_on_dask_equals_local(client, one_torch_thread):
    from sklearn.pipeline import Pipeline

    from skspec.models import DNNClassifier
    from skspec.preprocessing import QuadraticResampler

    X, y = _training_data(n=40, n_features=600, random_state=1)
    pipe = Pipeline(
        [
            ("resample", QuadraticResampler(n_points=300)),
            (
                "clf",
                DNNClassifier(
                    hidden_layer_sizes=(16,),
                    max_epochs=4,
                    batch_size=16,
                    validation_fraction=None,
                    random_state=0,
                ),
            ),
        ]
    )
    grid = {"resample__n_points": [200, 400], "clf__hidden_layer_sizes": [(8,), (16,)]}
    remote, local = _search_both_ways(client, pipe, grid, X, y)
    _assert_same_search(remote, local, X)


def test_skorch_net_fitted_on_a_worker_predicts_identically(client, one_torch_thread):
    from skspec.models import DNNClassifier

    X, y = _training_data(n=40, n_features=300, random_state=2)
    net = DNNClassifier(
        hidden_layer_sizes=(16,),
        max_epochs=3,
        batch_size=16,
        validation_fraction=None,
        random_state=0,
    )

    def fit_on_worker(estimator, X, y):  # a local function: pickled by value
        import os

        fitted = estimator.fit(X, y)
        return fitted, fitted.predict_proba(X), os.getpid()

    fitted, proba_there, pid = client.submit(fit_on_worker, net, X, y).result()
    assert pid != os.getpid()
    np.testing.assert_array_equal(fitted.predict_proba(X), proba_there)
    np.testing.assert_array_equal(fitted.predict(X), fitted.classes_[proba_there.argmax(1)])
    # and it is the net this process would have trained
    np.testing.assert_array_equal(net.fit(X, y).predict_proba(X), proba_there)


def test_experiment_runner_fits_on_dask(client):
    from skspec.experiments import run_experiments

    X, y = _training_data(n=60, random_state=3)
    snr_bin = np.resize(np.array(["5-10", "10-15", ">15"]), len(y)).astype(object)
    local = run_experiments(X, y, snr_bin, models=["template"], quick=True, n_jobs=1)

    def prefixes(dask_scheduler):
        return list(dask_scheduler.task_prefixes)

    with dask_backend(client):
        remote = run_experiments(X, y, snr_bin, models=["template"], quick=True, n_jobs=-1)
    assert any("_run_job" in p for p in client.run_on_scheduler(prefixes))
    cols = ["model", "dim", "bin", "split", "accuracy", "within_one", "n"]
    pd.testing.assert_frame_equal(remote.scores[cols], local.scores[cols])


# ---------------------------------------------------------------------------- predict_files
def test_predict_files_equals_single_process(client, template_model, spectra_dir, tmp_path):
    from skspec.datasets import load_sdss_spectra
    from skspec.io import load_model

    # A path of its own: the workers cache models by path and hash, and other
    # tests (in any order) may have loaded the module's model already.
    template_model = Path(shutil.copy(template_model, tmp_path / "template.skspec"))
    out = tmp_path / "pred"
    summary = predict_files(
        template_model,
        spectra_dir,
        out,
        scheduler=client,
        partition_size=5,
        chunk_size=3,
        progress=False,
    )

    n_good = N_COPIES * len(list(spectra_dir.glob("*-c0.fits")))
    assert summary.n_files == n_good + 2
    assert summary.n_predicted == n_good
    assert summary.n_partitions == len(summary.outputs) == -(-(n_good + 2) // 5)
    assert sorted(os.path.basename(p) for p, _ in summary.errors) == [
        "spec-9999-59999-0001.fits",
        "spec-9999-59999-0002.fits",
    ]
    assert all(reason for _, reason in summary.errors)
    errors = pd.read_csv(summary.errors_path)
    assert list(errors.columns) == ["file", "reason"] and len(errors) == 2
    # each worker process loaded the model once, not once per partition
    assert 1 <= summary.model_loads <= summary.n_workers == 2 < summary.n_partitions
    assert summary.worker_peak_rss and all(v > 10e6 for v in summary.worker_peak_rss.values())
    assert 0 < summary.busy_seconds <= summary.seconds * summary.n_workers
    record = json.loads((out / "summary.json").read_text())
    assert record["n_predicted"] == n_good and record["outputs"][0] == "part-00000.csv"

    # byte for byte what `skspec predict` writes in one process (other chunking)
    ref = tmp_path / "ref.csv"
    assert (
        cli_main(["predict", str(template_model), str(spectra_dir), "--out", str(ref), "-q"]) == 3
    )
    assert [r for p in summary.outputs for r in _data_rows(p)] == _data_rows(ref)
    assert summary.write_csv(tmp_path / "joined.csv").read_bytes() == ref.read_bytes()
    header = ref.read_text().splitlines()[0]
    assert all(p.read_text().splitlines()[0] == header for p in summary.outputs)

    # and what the model says on the whole set loaded at once
    pred = summary.read()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ds = load_sdss_spectra(spectra_dir, on_error="skip")
    model = load_model(template_model)
    proba = model.predict_proba(ds.data)
    assert list(pred["file"]) == list(ds.frame["path"])
    assert list(pred["predicted"]) == list(model.classes_[proba.argmax(1)])
    np.testing.assert_array_equal(pred["probability"], np.round(proba.max(1), 4))

    # a second run reuses the workers' cached model; old parts are replaced
    with pytest.raises(FileExistsError, match="overwrite=True"):
        predict_files(template_model, spectra_dir, out, scheduler=client, progress=False)
    again = predict_files(
        template_model,
        spectra_dir,
        out,
        scheduler=client,
        partition_size=100,
        progress=False,
        overwrite=True,
    )
    assert again.model_loads == 0
    assert sorted(p.name for p in out.glob("part-*.csv")) == ["part-00000.csv"]
    assert _data_rows(again.outputs[0]) == _data_rows(ref)


def test_failing_partition_raises_and_names_it(client, spectra_dir, tmp_path):
    from skspec.models import TemplateClassifier

    X, y = _training_data(n=20, n_features=100)
    narrow = tmp_path / "narrow.skspec"
    save_model(TemplateClassifier().fit(X, y), narrow)
    with pytest.raises(RuntimeError, match=r"partition \d+ .*expects 100 pixels"):
        predict_files(
            narrow,
            spectra_dir,
            tmp_path / "out",
            scheduler=client,
            partition_size=10,
            progress=False,
        )
    assert not (tmp_path / "out" / "summary.json").exists()


def test_predict_files_validates_before_connecting(template_model, tmp_path):
    pytest.importorskip("distributed")
    spec = tmp_path / "spec-0001-50000-0001.fits"
    spec.write_bytes(b"x")
    with pytest.raises(ValueError, match="format"):
        predict_files(template_model, spec, tmp_path / "o", format="parquet")
    with pytest.raises(ValueError, match="partition_size"):
        predict_files(template_model, spec, tmp_path / "o", partition_size=0)
    with pytest.raises(ValueError, match="not a skspec model file"):
        predict_files(spec, spec, tmp_path / "o")
    with pytest.raises(ValueError, match="no SDSS spectrum file"):
        predict_files(template_model, tmp_path / "nothing-*.fits", tmp_path / "o")
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------------------- the command
def test_cli_predict_scheduler_equals_single_process(
    cluster, template_model, spectra_dir, tmp_path
):
    ref = tmp_path / "ref.csv"
    assert (
        cli_main(["predict", str(template_model), str(spectra_dir), "--out", str(ref), "-q"]) == 3
    )
    out = tmp_path / "dask.csv"
    assert (
        cli_main(
            [
                "predict",
                str(template_model),
                str(spectra_dir),
                "--out",
                str(out),
                "--scheduler",
                cluster.scheduler_address,
                "--partition-size",
                "7",
                "-q",
            ]
        )
        == 3
    )
    assert out.read_bytes() == ref.read_bytes()
    errors = pd.read_csv(tmp_path / "dask.errors.csv")
    assert sorted(map(os.path.basename, errors["file"])) == [
        "spec-9999-59999-0001.fits",
        "spec-9999-59999-0002.fits",
    ]
    # the partitions' scratch directory is gone
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "dask.csv",
        "dask.errors.csv",
        "ref.csv",
        "ref.errors.csv",
    ]


def test_cli_reproduce_scheduler_fits_on_the_cluster(client, cluster, tmp_path):
    def prefixes(dask_scheduler):
        return list(dask_scheduler.task_prefixes)

    out = tmp_path / "run"
    assert (
        cli_main(
            [
                "reproduce",
                "--quick",
                "--models",
                "template",
                "--n-samples",
                "120",
                "--out",
                str(out),
                "--scheduler",
                cluster.scheduler_address,
                "-q",
            ]
        )
        == 0
    )
    assert any("_run_job" in p for p in client.run_on_scheduler(prefixes))
    run = json.loads((out / "run.json").read_text())
    assert run["config"]["n_jobs"] == "dask"
    local = tmp_path / "local"
    assert (
        cli_main(
            [
                "reproduce",
                "--quick",
                "--models",
                "template",
                "--n-samples",
                "120",
                "--out",
                str(local),
                "--n-jobs",
                "1",
                "-q",
            ]
        )
        == 0
    )
    cols = ["model", "dim", "bin", "split", "accuracy", "within_one", "n"]
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "results.csv")[cols], pd.read_csv(local / "results.csv")[cols]
    )


def test_cli_scheduler_unreachable_is_one_line(template_model, spectra_dir, tmp_path, capsys):
    pytest.importorskip("distributed")
    code = cli_main(
        [
            "predict",
            str(template_model),
            str(spectra_dir),
            "--out",
            str(tmp_path / "p.csv"),
            "--scheduler",
            "tcp://127.0.0.1:1",
            "-q",
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "skspec predict: error" in err
    assert not (tmp_path / "p.csv").exists()
    assert [p.name for p in tmp_path.iterdir()] == []
