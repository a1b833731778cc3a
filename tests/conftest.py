"""Shared fixtures: the optional real reference data beside the checkout."""

import os
from pathlib import Path

import pytest

# ../shared/data next to the repository (present for developers and CI, absent
# for users); SKSPEC_SHARED_DATA overrides it.
_DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data"
SHARED_DATA = Path(os.environ.get("SKSPEC_SHARED_DATA", _DEFAULT))


@pytest.fixture(scope="session")
def shared_data():
    """Path to ../shared/data; skips the test when it is absent."""
    if not (SHARED_DATA / "labels.csv").is_file():
        pytest.skip("reference data ../shared/data is not available")
    return SHARED_DATA


@pytest.fixture(scope="session")
def templates_dir(shared_data):
    return shared_data / "pyhammer_templates"


@pytest.fixture(scope="session")
def sdss_dir(shared_data):
    return shared_data / "pyhammer_sdss_spec"
