"""Kill ``skspec`` runs part-way (SIGKILL, no clean-up possible) and check the files.

Each test first runs the command to completion, keeps the bytes of what it
wrote, then starts the same command again over those outputs with a hook that
stops it in the middle of writing a file, kills the process, and checks that
every output is still the complete old file: nothing half-written under a
final name. The hook only slows the run down at a known point; the writing
code is the product's own.
"""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from skspec.cli import main

pytestmark = pytest.mark.skipif(os.name != "posix", reason="uses SIGKILL")


def _run_until(script, marker, timeout=300):
    """Run ``script`` in a new interpreter, SIGKILL it once it prints ``marker``."""
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in proc.stdout:
            if line.strip() == marker:
                break
        else:
            raise AssertionError(f"the run ended before {marker!r}: {proc.stderr.read()}")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL


def _snapshot(directory):
    return {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()}


def _final_names_unchanged(directory, before):
    """Every earlier output holds its old bytes; new names are only hidden temporaries."""
    after = _snapshot(directory)
    for name, data in before.items():
        assert after.get(name) == data, f"{name} changed or vanished"
    extra = set(after) - set(before)
    assert all(n.startswith(".") for n in extra), f"unexpected files {sorted(extra)}"


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "template.skspec"
    assert (
        main(["train", "--model", "template", "--n-samples", "150", "--out", str(path), "-q"]) == 0
    )
    return path


def test_killed_predict_keeps_the_old_csv(model_file, sdss_dir, tmp_path):
    out = tmp_path / "predictions.csv"
    assert main(["predict", str(model_file), str(sdss_dir), "--out", str(out), "-q"]) in (0, 3)
    before = _snapshot(tmp_path)
    _run_until(
        f"""
        import sys, time
        import skspec.datasets as ds
        from skspec.cli import main

        real = ds.iter_sdss_spectra
        def slow(*args, **kwargs):
            for i, chunk in enumerate(real(*args, **kwargs)):
                yield chunk
                if i == 0:       # one chunk's rows are in the temporary file
                    print("mid-run", flush=True)
                    time.sleep(120)
        ds.iter_sdss_spectra = slow
        sys.exit(main(["predict", {str(model_file)!r}, {str(sdss_dir)!r}, "--out",
                       {str(out)!r}, "--overwrite", "--chunk-size", "2", "-q"]))
    """,
        "mid-run",
    )
    _final_names_unchanged(tmp_path, before)


def test_killed_train_keeps_the_old_model(model_file, tmp_path):
    from skspec.io import load_model

    out = tmp_path / "model.skspec"
    out.write_bytes(model_file.read_bytes())
    before = _snapshot(tmp_path)
    _run_until(
        f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from _slow_writes import stall_model_writes
        from skspec.cli import main

        stall_model_writes("mid-write", keep_bytes=100)
        sys.exit(main(["train", "--model", "template", "--n-samples", "150", "--seed", "1",
                       "--out", {str(out)!r}, "--overwrite", "-q"]))
    """,
        "mid-write",
    )
    _final_names_unchanged(tmp_path, before)
    load_model(out)  # still the complete old model


def test_killed_reproduce_leaves_only_complete_files(tmp_path):
    out = tmp_path / "run"
    args = [
        "reproduce",
        "--quick",
        "--models",
        "template",
        "--n-samples",
        "150",
        "--n-jobs",
        "1",
        "--out",
        str(out),
        "-q",
    ]
    assert main(args) == 0
    before = _snapshot(out)
    assert {"results.csv", "tables.md", "run.json"} <= set(before)
    # Killed while the third figure is half written: results.csv, tables.md and
    # two figures of the new run are complete, the third is the old one.
    _run_until(
        f"""
        import sys, time
        import skspec.experiments._figures as figs
        from skspec.cli import main

        real, calls = figs._save, []
        def slow(fig, path):
            calls.append(path)
            if len(calls) < 3:
                return real(fig, path)
            with figs.atomic_path(path) as tmp:
                fig.savefig(tmp, format="png")
                with open(tmp, "r+b") as fh:
                    fh.truncate(100)
                print("mid-write", flush=True)
                time.sleep(120)
        figs._save = slow
        sys.exit(main({[*args, "--overwrite", "--seed", "1"]!r}))
    """,
        "mid-write",
    )
    after = _snapshot(out)
    assert set(after) - set(before) <= {n for n in after if n.startswith(".")}
    assert after["run.json"] == before["run.json"]  # written last: marks the old run
    for name, data in after.items():
        if name.endswith(".png") and not name.startswith("."):
            assert data.endswith(b"IEND\xaeB`\x82"), f"{name} is not a complete PNG"
    # The figure being written when the kill came is still the old one.
    half = [n for n in after if n.startswith(".")]
    assert len(half) == 1 and after[half[0]] != before.get(half[0][1:].split(".")[0] + ".png")
    target = half[0][1:].split(".")[0] + ".png"
    assert after[target] == before[target]
