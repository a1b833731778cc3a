"""Shared fixtures: the real reference data beside the checkout (optional, except on CI)."""

import os
from pathlib import Path

import pytest

# ../shared/data next to the repository (present for developers and CI, absent
# for users); SKSPEC_SHARED_DATA overrides it.
_DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data"
SHARED_DATA = Path(os.environ.get("SKSPEC_SHARED_DATA", _DEFAULT))


def _on_ci():
    """True when the CI environment variable is set (CI runs with CI=true)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def shared_data():
    """Path to ../shared/data; skips the test when it is absent, fails on CI.

    CI has the reference data: there a missing folder is a broken set-up, and
    skipping would silently drop every real-data check.
    """
    if not (SHARED_DATA / "labels.csv").is_file():
        if _on_ci():
            pytest.fail(
                f"reference data {SHARED_DATA} (labels.csv) is not available, but "
                "CI is set: CI must run the real-data tests, not skip them (put the "
                "data at ../shared/data or point SKSPEC_SHARED_DATA at it)",
                pytrace=False,
            )
        pytest.skip("reference data ../shared/data is not available")
    return SHARED_DATA


@pytest.fixture(scope="session")
def templates_dir(shared_data):
    return shared_data / "pyhammer_templates"


@pytest.fixture(scope="session")
def sdss_dir(shared_data):
    return shared_data / "pyhammer_sdss_spec"
