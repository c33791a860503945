"""The package's own tests: they use the installed package and its pytest plugin (loaded
through its pytest11 entry point), never a copy of the sources."""

import pathlib

import pytest

pytest_plugins = ["pytester"]

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def repo() -> pathlib.Path:
    """The repository root (scenarios/ and fixtures/ live there)."""
    return REPO
