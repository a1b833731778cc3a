"""The files a new user meets first: licence, citation, README, CI script, docs (issue 12)."""

import json
import re
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

import skspec

ROOT = Path(__file__).resolve().parents[1]
README_TEST_COMMAND = 'pip install -e ".[test]" && python -m pytest'
README_RUN_COMMAND = "pip install -e . && skspec reproduce --quick --out skspec_out"


def _text(name):
    path = ROOT / name
    if not path.is_file():
        pytest.skip(
            f"{name} is not here: these checks need a source checkout, not an installed copy"
        )
    return path.read_text(encoding="utf-8")


def _pyproject():
    tomllib = pytest.importorskip("tomllib" if sys.version_info >= (3, 11) else "tomli")
    _text("pyproject.toml")
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)


def _lower_bounds():
    bounds = {}
    for dep in _pyproject()["project"]["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*>=\s*([0-9.]+)", dep)
        assert match, f"dependency without a plain lower bound: {dep!r}"
        bounds[match[1]] = match[2]
    return bounds


# ----------------------------------------------------------------------------- item 1
def test_skorch_lower_bound_is_one_that_works():
    """skorch 1.0 fails with scikit-learn 1.9; 1.1 cannot unpickle a net with torch >= 2.6."""
    packaging_version = pytest.importorskip("packaging.version")
    assert packaging_version.Version(_lower_bounds()["skorch"]) >= packaging_version.Version("1.2")


def test_installed_versions_satisfy_the_lower_bounds():
    packaging_version = pytest.importorskip("packaging.version")
    for name, bound in _lower_bounds().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            pytest.fail(f"{name} is a dependency but is not installed")
        assert packaging_version.Version(installed) >= packaging_version.Version(bound), name


def test_ci_checks_the_oldest_skorch_and_the_newest_torch():
    ci = _text(".ci/run")
    # the oldest skorch is read from pyproject.toml, so the two cannot drift apart
    assert "skorch==$skorch_min" in ci and "pyproject.toml" in ci
    assert "tests/test_networks.py" in ci
    assert "--upgrade torch" in ci


# ----------------------------------------------------------------------------- item 4
def test_command_docs_list_sdss_dr14_for_train():
    text = _text("doc/user_guide/command.rst")
    train = text[text.index("``skspec train``\n---") : text.index("Model files\n")]
    assert "sdss-dr14" in train


# ----------------------------------------------------------------------------- item 5
def test_readme_gives_the_torch_command_for_cpu_and_gpu_machines():
    readme = _text("README.md")
    quick = readme[readme.index("## Quick start") : readme.index("## In Python")]
    lines = [line.strip() for line in quick.splitlines()]
    assert "pip install torch --index-url https://download.pytorch.org/whl/cpu" in lines
    assert "pip install torch" in lines
    assert README_RUN_COMMAND in lines and README_TEST_COMMAND in lines


# ----------------------------------------------------------------------------- item 6
def test_license_file_matches_the_declared_licence():
    text = _text("LICENSE")
    assert text.startswith("BSD 3-Clause License\n")
    assert "Copyright (c) 2026, the skspec developers" in text
    assert "Neither the name of the copyright holder" in text
    project = _pyproject()["project"]
    assert project["license"] == "BSD-3-Clause"
    assert "LICENSE" in project["license-files"]


def test_citation_cff_cites_skspec_and_the_paper():
    yaml = pytest.importorskip("yaml")
    cff = yaml.safe_load(_text("CITATION.cff"))
    assert cff["cff-version"] == "1.2.0"
    assert cff["title"].startswith("skspec")
    assert str(cff["version"]) == skspec.__version__
    assert cff["license"] == "BSD-3-Clause"
    assert cff["authors"] == [{"name": "the skspec developers"}]
    (paper,) = [ref for ref in cff["references"] if ref["type"] == "article"]
    assert paper["doi"] == "10.3390/universe6040060"
    assert (paper["journal"], paper["volume"], paper["start"], paper["year"]) == (
        "Universe",
        6,
        60,
        2020,
    )
    assert paper["authors"][0]["family-names"] == "Jiang"


def test_intersphinx_mapping_with_offline_fallback():
    """Every inventory falls back to a local empty one, so an offline -W build passes."""
    _text("doc/conf.py")
    script = (
        "import json, runpy; ns = runpy.run_path('conf.py'); "
        "print(json.dumps(ns['intersphinx_mapping']))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT / "doc",
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    mapping = json.loads(out.stdout.strip().splitlines()[-1])
    assert {
        "python",
        "numpy",
        "scipy",
        "scikit-learn",
        "astropy",
        "skorch",
        "torch",
        "pandas",
        "matplotlib",
    } <= set(mapping)
    inventory = pytest.importorskip("sphinx.util.inventory")
    for name, (url, locations) in mapping.items():
        assert url.startswith("https://"), name
        assert locations[0] is None, name  # the project's own objects.inv first
        fallback = ROOT / "doc" / locations[1]
        loaded = inventory.InventoryFile.loads(fallback.read_bytes(), uri=url)
        assert not getattr(loaded, "data", loaded), name  # valid and empty


# ----------------------------------------------------------------------------- item 8
def test_ci_runs_the_readme_test_command_then_a_random_order():
    ci = _text(".ci/run")
    readme = _text("README.md")
    assert README_TEST_COMMAND in readme.splitlines()
    lines = ci.splitlines()
    assert README_TEST_COMMAND in lines  # exactly the README's command
    first = lines.index(README_TEST_COMMAND)
    random_run = next(
        i
        for i, line in enumerate(lines)
        if "-m pytest -p randomly" in line and not line.startswith(("#", "echo"))
    )
    assert random_run > first and "--randomly-seed" in lines[random_run]
    assert "pytest-randomly" in ci
