from __future__ import annotations

import pytest

from store_factory import build_store


@pytest.fixture(scope="session")
def store_path(tmp_path_factory):
    """A small store with synthetic-labelled outlet, gaps, and hostile strings."""
    return build_store(tmp_path_factory.mktemp("store") / "s.duckdb")


@pytest.fixture(scope="session")
def real_store_path(tmp_path_factory):
    """The same store, with no outlet of type ``synthetic``."""
    return build_store(tmp_path_factory.mktemp("store_real") / "s.duckdb", synthetic=False)
