"""Model files: round trip, verification before unpickling, atomic writes."""

import contextlib
import hashlib
import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skspec
import skspec.io as skio
from skspec.io import MAGIC, load_model, read_model_metadata, save_model


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 12))
    y = np.array(["M0", "M1", "M2"])[np.arange(60) % 3]
    X[:, 0] += np.arange(60) % 3  # learnable
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), X


class _Boom:
    """Unpickling this object creates a marker file: proof that a file was unpickled."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_round_trip_identical_predictions(tmp_path, fitted):
    model, X = fitted
    path = tmp_path / "m.skspec"
    header = save_model(model, path, metadata={"note": "unit test", "n": np.int64(3)})
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    meta = read_model_metadata(path)
    assert meta == header
    assert meta["versions"]["skspec"] == skspec.__version__
    for lib in ("numpy", "sklearn", "torch", "skorch", "python"):
        assert lib in meta["versions"]
    assert meta["classes"] == ["M0", "M1", "M2"]
    assert meta["n_features_in"] == 12
    assert meta["grid"]["n_pixels"] == 3522
    assert meta["user"] == {"note": "unit test", "n": 3}
    payload = path.read_bytes()[-meta["payload_size"] :]
    assert hashlib.sha256(payload).hexdigest() == meta["payload_sha256"]


def test_unfitted_model_is_refused(tmp_path):
    with pytest.raises(NotFittedError):
        save_model(LogisticRegression(), tmp_path / "m.skspec")
    assert not (tmp_path / "m.skspec").exists()


def test_metadata_must_be_json(tmp_path, fitted):
    with pytest.raises(TypeError, match="JSON"):
        save_model(fitted[0], tmp_path / "m.skspec", metadata={"f": object()})
    with pytest.raises(TypeError, match="dict"):
        save_model(fitted[0], tmp_path / "m.skspec", metadata=["x"])


def test_bad_magic_is_never_unpickled(tmp_path):
    marker = tmp_path / "unpickled"
    path = tmp_path / "evil.skspec"
    path.write_bytes(pickle.dumps(_Boom(str(marker))))
    with pytest.raises(ValueError, match="not a skspec model file"):
        load_model(path)
    with pytest.raises(ValueError, match="not a skspec model file"):
        read_model_metadata(path)
    assert not marker.exists()


def test_non_model_file_gives_clear_error(tmp_path):
    path = tmp_path / "predictions.csv"
    path.write_text("file,predicted\nspec-1.fits,M2\n")
    with pytest.raises(ValueError, match="not a skspec model file.*trust=True"):
        load_model(path)
    empty = tmp_path / "empty.skspec"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="not a skspec model file"):
        load_model(empty)


def test_trust_loads_a_raw_joblib_file(tmp_path, fitted):
    model, X = fitted
    path = tmp_path / "raw.joblib"
    joblib.dump(model, path)
    with pytest.raises(ValueError):
        load_model(path)
    np.testing.assert_array_equal(load_model(path, trust=True).predict(X), model.predict(X))


def test_tampered_payload_fails_sha_check_before_unpickling(tmp_path, fitted):
    path = tmp_path / "m.skspec"
    header = save_model(fitted[0], path)
    marker = tmp_path / "unpickled"
    evil = pickle.dumps(_Boom(str(marker)))
    data = path.read_bytes()
    start = len(data) - header["payload_size"]
    # Same size, different content: only the hash can catch it.
    forged = data[:start] + evil + b"\0" * (header["payload_size"] - len(evil))
    assert len(evil) < header["payload_size"]
    path.write_bytes(forged)
    with pytest.raises(ValueError, match="SHA-256"):
        load_model(path)
    assert not marker.exists()

    # A single flipped byte, too.
    flipped = bytearray(data)
    flipped[-10] ^= 0xFF
    path.write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match="SHA-256"):
        load_model(path)


def test_truncated_file(tmp_path, fitted):
    path = tmp_path / "m.skspec"
    save_model(fitted[0], path)
    data = path.read_bytes()
    for cut in (len(MAGIC) + 3, len(MAGIC) + 20, len(data) - 5):
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="truncated"):
            load_model(path)


def test_corrupt_header(tmp_path, fitted):
    path = tmp_path / "m.skspec"
    save_model(fitted[0], path)
    data = bytearray(path.read_bytes())
    data[len(MAGIC) + 8] = ord("#")  # breaks the JSON
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="corrupt"):
        load_model(path)


def test_version_mismatch(tmp_path, fitted, monkeypatch):
    model, X = fitted
    path = tmp_path / "old.skspec"
    with monkeypatch.context() as m:
        m.setattr(skio, "__version__", "0.0.1")
        save_model(model, path)
    assert read_model_metadata(path)["versions"]["skspec"] == "0.0.1"
    with pytest.raises(ValueError, match=r"skspec 0\.0\.1.*skspec " + skspec.__version__):
        load_model(path)
    with pytest.warns(UserWarning, match="0.0.1"):
        loaded = load_model(path, allow_version_mismatch=True)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_newer_format_refused(tmp_path, fitted):
    path = tmp_path / "m.skspec"
    save_model(fitted[0], path)
    data = path.read_bytes()
    n = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 8], "big")
    header = json.loads(data[len(MAGIC) + 8 : len(MAGIC) + 8 + n])
    header["format_version"] = 99
    raw = json.dumps(header).encode()
    path.write_bytes(MAGIC + len(raw).to_bytes(8, "big") + raw + data[len(MAGIC) + 8 + n :])
    with pytest.raises(ValueError, match="newer"):
        load_model(path)


def test_interrupted_write_keeps_old_file(tmp_path, fitted, monkeypatch):
    """A save that fails part-way leaves neither a half file nor a temporary."""
    path = tmp_path / "m.skspec"
    save_model(fitted[0], path)
    before = path.read_bytes()
    real = skio.atomic_write

    class _Failing:
        def __init__(self, fh):
            self.fh, self.calls = fh, 0

        def write(self, data):
            self.calls += 1
            if self.calls == 3:  # magic and length written, header not
                raise OSError("disk full (simulated)")
            return self.fh.write(data)

    @contextlib.contextmanager
    def failing(p, mode="wb", **kw):
        with real(p, mode, **kw) as fh:
            yield _Failing(fh)

    monkeypatch.setattr(skio, "atomic_write", failing)
    with pytest.raises(OSError, match="simulated"):
        save_model(fitted[0], path, metadata={"second": True})
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.skspec"]


def test_killed_writer_leaves_no_half_file(tmp_path):
    """Kill a process in the middle of save_model: the destination never holds half a file."""
    path = tmp_path / "big.skspec"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import numpy as np
        from sklearn.dummy import DummyClassifier
        import skspec.io as skio
        from _slow_writes import stall_model_writes

        stall_model_writes("writing")
        clf = DummyClassifier().fit(np.zeros((4, 2)), ["M0", "M1", "M0", "M1"])
        clf.big_ = np.ones(2_000_000)
        skio.save_model(clf, {str(path)!r})
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        line = proc.stdout.readline()
        assert line.strip() == "writing", proc.stderr.read()
        proc.kill()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not path.exists()
    # The only trace is the temporary file beside it, which is not a model.
    leftovers = [p for p in tmp_path.iterdir()]
    assert all(p.name.startswith(".big.skspec.") for p in leftovers)
    for p in leftovers:
        with pytest.raises(ValueError):
            load_model(p)
    if os.name == "posix":
        assert proc.returncode != 0


@contextlib.contextmanager
def _umask(mask):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_outputs_honour_the_umask(tmp_path, fitted, mask, expected):
    """Atomic outputs get the mode of a plain open(), not mkstemp's 0600 (issue 12, item 2)."""
    from skspec.utils import atomic_path, atomic_write

    def mode(p):
        return os.stat(p).st_mode & 0o777

    with _umask(mask):
        save_model(fitted[0], tmp_path / "m.skspec")
        with atomic_write(tmp_path / "p.csv", "w") as fh:
            fh.write("a,b\n")
        with atomic_path(tmp_path / "fig.png") as tmp:
            tmp.write_bytes(b"\x89PNG")
        with open(tmp_path / "plain.txt", "w") as fh:  # the reference
            fh.write("x")
    assert mode(tmp_path / "plain.txt") == expected
    for name in ("m.skspec", "p.csv", "fig.png"):
        assert mode(tmp_path / name) == expected, name
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "fig.png",
        "m.skspec",
        "p.csv",
        "plain.txt",
    ]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_rewrite_keeps_the_mode_of_the_replaced_file(tmp_path, fitted):
    """Like open() truncating a file: an overwritten output keeps its permissions."""
    from skspec.utils import atomic_write

    path = tmp_path / "p.csv"
    path.write_text("old")
    os.chmod(path, 0o600)
    with _umask(0o022), atomic_write(path, "w") as fh:
        fh.write("new")
    assert path.read_text() == "new"
    assert os.stat(path).st_mode & 0o777 == 0o600
