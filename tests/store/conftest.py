from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor_tui.store.decisions import DecisionStore


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "decisions.sqlite3"


@pytest.fixture
def store(store_path: Path) -> Iterator[DecisionStore]:
    with DecisionStore(store_path) as s:
        yield s


@pytest.fixture
def fast_store(store_path: Path) -> Iterator[DecisionStore]:
    """For bulk data only: NORMAL skips the per-commit fsync that FULL pays, which
    these tests do not exercise (test_store.py does)."""
    with DecisionStore(store_path, synchronous="NORMAL") as s:
        yield s
