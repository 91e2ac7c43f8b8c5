from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Never read or write the developer's own config or data, here or in the
    # app processes the server starts (they inherit this environment).
    config = tmp_path / "config.toml"
    config.write_text("# empty: every default\n")
    for name in list(os.environ):
        if name.startswith("ADVISOR_TUI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ADVISOR_TUI_CONFIG", str(config))
    monkeypatch.setenv("ADVISOR_TUI_DATA_DIR", str(tmp_path / "data"))
