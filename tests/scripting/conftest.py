"""Helpers for the scripting tests: an isolated environment and ``advisor-tui call`` run
in process with its output captured as bytes (exactly what a pipe would get)."""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from advisor_tui.cli import build_parser
from advisor_tui.scripting.call import run_call


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Never read the developer's own config or token.
    config = tmp_path / "config.toml"
    config.write_text("# empty: every default\n")
    for name in list(os.environ):
        if name.startswith("ADVISOR_TUI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ADVISOR_TUI_CONFIG", str(config))
    monkeypatch.setenv("ADVISOR_TUI_DATA_DIR", str(tmp_path / "data"))
    return config


@dataclass
class CallResult:
    code: int
    stdout: bytes
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def lines(self) -> list[Any]:
        return [json.loads(line) for line in self.stdout.splitlines()]


def call(*argv: str, stdin: str = "") -> CallResult:
    """``advisor-tui call ARGV...`` in process; argparse usage errors come back as code 2."""
    out, err = io.BytesIO(), io.StringIO()
    try:
        args = build_parser().parse_args(["call", *argv])
    except SystemExit as exit:
        return CallResult(int(exit.code or 0), b"", "")
    code = run_call(args, stdout=out, stderr=err, stdin=io.StringIO(stdin))
    return CallResult(code, out.getvalue(), err.getvalue())
