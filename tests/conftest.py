"""Fixtures for every test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The platform cache directory (where ``advisor_tui.startup`` keeps the
    fingerprint of a checked config) is the test's own, never the developer's:
    a start the suite checked must not make the developer's next start skip the
    check, nor the other way round."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


@pytest.fixture
def no_advisor_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No ``ADVISOR_TUI_*`` variable of the developer's (or CI's) reaches the test."""
    for name in list(os.environ):
        if name.startswith("ADVISOR_TUI_"):
            monkeypatch.delenv(name)
