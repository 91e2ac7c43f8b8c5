"""The decisions service benchmark's quick mode runs in the test command (both engines
when ADVISOR_TUI_TEST_POSTGRES is set), so the script the figures come from keeps working."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_quick_benchmark_runs_and_loses_nothing() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "decisions_service.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "lost 0, duplicated 0, broken chains 0" in result.stdout
    assert "year figures p95" in result.stdout
