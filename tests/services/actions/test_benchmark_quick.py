"""The actions service benchmark runs in its quick mode and prints both figures
(no timing asserted here: figures are for people, a busy CI machine skews them)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "actions_service.py"


def test_quick_mode_prints_both_figures() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "seed customer cus-outage: p50" in done.stdout
    assert "100,000-event customer: p50" in done.stdout and "with 10 events" in done.stdout
