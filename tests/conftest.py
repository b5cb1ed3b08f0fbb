"""Shared test helpers: where the shared corpora and cases are, tiny corpora on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CASES = SHARED / "cases"
CORPORA = SHARED / "corpora"


def case_dir(name: str) -> Path:
    """The folder of a shared failure case, or skip the test with the reason."""
    path = CASES / name
    if not path.is_dir():
        pytest.skip(f"shared case {name} not found at ../shared/cases (it is not part of the repository)")
    return path


def corpus_dir(name: str) -> Path:
    """The folder of a shared real corpus, or skip the test with the reason."""
    path = CORPORA / name
    if not path.is_dir():
        pytest.skip(f"real corpus {name} not found at ../shared/corpora (it is not part of the repository)")
    return path
