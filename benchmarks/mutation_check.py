"""Put known bugs into skspec one at a time and check that the test suite catches each.

The mutations are those of issue 15's table: plausible one-line bugs that the
default test suite once let through. For each, this script writes the mutated
source into a *temporary copy* of the package (the checkout is never
modified), runs the relevant default-suite tests against that copy and
reports whether they fail ("caught") or pass ("NOT caught").

It runs twice by default: once with the reference data of ../shared/data
visible and once with ``SKSPEC_SHARED_DATA`` pointing at an empty folder (a
new user's checkout), because a check that only exists with the real files
vanishes as a skip without them. Every mutation must be caught in both runs;
the exit status is 0 only then. Not part of the test suite (it takes minutes).

Usage::

    python benchmarks/mutation_check.py [--data shared|empty|both] [--only NAME ...]
                                        [--shared-data DIR] [--rev REV]

``--rev`` takes the package and the tests from a commit (``git archive``)
instead of the working tree: uncommitted edits, for instance those of someone
else working in the same checkout, then neither help nor spoil the result.

Before the mutations, the same tests run on the unmutated copy and must pass
(otherwise "caught" would mean nothing); the import location is checked too,
so that the tests really see the copy. Torch runs on one thread
(``OMP_NUM_THREADS=1``): the machine is shared, and the tests are sized for it.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared" / "data"


@dataclass(frozen=True)
class Mutation:
    name: str
    path: str  # relative to the repository root
    old: str  # must occur exactly once in the file
    new: str
    bug: str  # the bug, in words
    tests: tuple  # pytest arguments (files, node ids, -k expressions)


MUTATIONS = (
    Mutation(
        "cnn_forward_ignores_input",
        "skspec/nn/_cnn.py",
        "        return self.head(self.features(self.normalizer(x).unsqueeze(1)))",
        "        return self.head(0 * self.features(self.normalizer(x).unsqueeze(1)))",
        "the plain CNN's forward: features multiplied by 0 (ignores its input)",
        (
            "tests/test_networks.py",
            "tests/test_common.py",
            "-k",
            "CNNClassifier and (learns or check_classifiers_train)",
        ),
    ),
    Mutation(
        "prediction_rows_drops_out_of_scope",
        "skspec/_predict.py",
        '"flags": prediction_flags(frame, X.shape[1], scope["out_of_scope"])',
        '"flags": prediction_flags(frame, X.shape[1])',
        "prediction_rows: the out_of_scope flag dropped",
        ("tests/test_predict_output.py",),
    ),
    Mutation(
        "template_dof_without_rank",
        "skspec/models/_template.py",
        "return chi2, n_good[:, None] - self.rank[None, :]",
        "return chi2, n_good[:, None] - 0 * self.rank[None, :]",
        "template chi-square: degrees of freedom without the fit's rank",
        ("tests/test_template.py",),
    ),
    Mutation(
        "der_noise_neighbours_one_away",
        "skspec/utils/_snr.py",
        "second = np.abs(2.0 * flux[:, 2:-2] - flux[:, :-4] - flux[:, 4:])",
        "second = np.abs(2.0 * flux[:, 1:-1] - flux[:, :-2] - flux[:, 2:])",
        "der_noise: neighbours i+-1 instead of i+-2",
        ("tests/test_snr_binner.py",),
    ),
    Mutation(
        "template_class_score_mean",
        "skspec/models/_template.py",
        "cls[:, c] = chi2[:, self.template_class == c].min(axis=1)",
        "cls[:, c] = chi2[:, self.template_class == c].mean(axis=1)",
        "template class score: mean of a class's templates instead of the min",
        ("tests/test_template.py",),
    ),
    Mutation(
        "atomic_path_renames_on_error",
        "skspec/utils/_io.py",
        "        if exc_type is None:\n            os.replace(self.tmp, self.path)",
        "        if True:\n            os.replace(self.tmp, self.path)",
        "atomic_path.__exit__: rename even on error",
        ("tests/test_atomic_io.py", "tests/test_io.py"),
    ),
)


_COPIED = ("skspec", "tests", "pyproject.toml")


def _workspace(tmp, rev=None):
    """A copy of the package, the tests and the pytest configuration under ``tmp``.

    From the working tree, or with ``rev`` from that commit.
    """
    if rev is not None:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", rev, *_COPIED],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
        return
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    shutil.copytree(ROOT / "skspec", tmp / "skspec", ignore=ignore)
    shutil.copytree(ROOT / "tests", tmp / "tests", ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", tmp / "pyproject.toml")


def _resolve(rev):
    """The full commit id of ``rev`` (None: the working tree)."""
    if rev is None:
        return None
    return subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _env(tmp, shared):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["OMP_NUM_THREADS"] = "1"
    env["SKSPEC_SHARED_DATA"] = str(shared)
    # Without the data the real-data tests must skip, not fail as on CI: a
    # fixture error would count as a "catch".
    env.pop("CI", None)
    return env


def _short(test_id):
    """A test id with its estimator's parameters left out."""
    while True:
        shorter = re.sub(r"\((?!\.\.\.\))[^()]*(\(\.\.\.\)[^()]*)*\)", "(...)", test_id)
        if shorter == test_id:
            return test_id
        test_id = shorter


def _pytest(tmp, env, args):
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        *args,
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    summary = lines[-1].strip("= ") if lines else proc.stderr.strip()[-200:]
    # -ra (the project's addopts) lists "FAILED node - message": name the failures.
    failed = [
        ln.split(" ", 1)[1].split(" - ", 1)[0]
        for ln in lines
        if ln.startswith(("FAILED ", "ERROR "))
    ]
    if failed:
        summary += ": " + ", ".join(_short(f.split("::", 1)[-1]) for f in failed)
    return proc.returncode, summary, time.perf_counter() - t0, proc.stdout + proc.stderr


def _check_import(tmp, env):
    out = subprocess.run(
        [sys.executable, "-c", "import skspec; print(skspec.__file__)"],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    where = Path(out.stdout.strip()).resolve()
    if tmp.resolve() not in where.parents:
        raise SystemExit(f"the tests would import {where}, not the copy in {tmp}")


def run(mode, shared, mutations, verbose=False, rev=None):
    """Baseline then each mutation; returns a list of result rows."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="skspec-mutation-") as tmp_name:
        tmp = Path(tmp_name)
        _workspace(tmp, rev)
        env = _env(tmp, shared)
        _check_import(tmp, env)
        for m in mutations:
            target = tmp / m.path
            original = target.read_text(encoding="utf-8")
            count = original.count(m.old)
            if count != 1:
                rows.append((mode, m, "NOT APPLIED", f"the text occurs {count} times", 0.0))
                continue
            rc, summary, secs, _ = _pytest(tmp, env, m.tests)
            if rc != 0:
                rows.append((mode, m, "BASELINE FAILS", summary, secs))
                continue
            try:
                target.write_text(original.replace(m.old, m.new), encoding="utf-8")
                rc, summary, secs, output = _pytest(tmp, env, m.tests)
            finally:  # the copy goes back to the original, whatever happened
                target.write_text(original, encoding="utf-8")
            verdict = {0: "NOT caught", 1: "caught"}.get(rc, f"error (pytest exit {rc})")
            rows.append((mode, m, verdict, summary, secs))
            if verbose or rc not in (0, 1):
                print(output[-3000:], file=sys.stderr)
            print(f"  {mode:6s} {m.name:38s} {verdict:12s} {secs:6.1f}s  {summary}", flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", choices=["shared", "empty", "both"], default="both")
    parser.add_argument(
        "--shared-data",
        type=Path,
        default=Path(os.environ.get("SKSPEC_SHARED_DATA", DEFAULT_SHARED)),
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help="run only these mutations: " + ", ".join(m.name for m in MUTATIONS),
    )
    parser.add_argument(
        "--rev",
        metavar="REV",
        help="test the package and tests of this commit (default: the working tree)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print pytest's output")
    args = parser.parse_args(argv)
    rev = _resolve(args.rev)
    mutations = [m for m in MUTATIONS if not args.only or m.name in args.only]
    if args.only and len(mutations) != len(args.only):
        parser.error(f"unknown mutation in {args.only}")
    modes = ["shared", "empty"] if args.data == "both" else [args.data]
    if "shared" in modes and not (args.shared_data / "labels.csv").is_file():
        parser.error(f"no reference data at {args.shared_data} (labels.csv); use --data empty")

    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="skspec-no-data-") as empty:
            for mode in modes:
                shared = args.shared_data if mode == "shared" else Path(empty)
                source = f"commit {rev}" if rev else f"the working tree of {ROOT}"
                print(f"{mode}: SKSPEC_SHARED_DATA={shared}; {source}", flush=True)
                rows += run(mode, shared, mutations, args.verbose, rev)
    except KeyboardInterrupt:
        print(
            "interrupted: the checkout was never modified; the temporary copy is removed",
            file=sys.stderr,
        )
        return 130

    print("\n| mutation | bug | data | result | seconds | tests (pytest summary) |")
    print("|---|---|---|---|---|---|")
    for mode, m, verdict, summary, secs in rows:
        data = "../shared/data" if mode == "shared" else "none"
        print(f"| `{m.name}` | {m.bug} | {data} | {verdict} | {secs:.0f} | {summary} |")
    ok = all(verdict == "caught" for *_, verdict, _s, _t in rows)
    print(
        f"\n{'every mutation caught' if ok else 'SOME MUTATIONS NOT CAUGHT'} "
        f"({sum(r[2] == 'caught' for r in rows)} of {len(rows)})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
