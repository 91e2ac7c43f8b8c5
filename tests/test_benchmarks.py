"""Every benchmark still runs: ``benchmarks/run_all.py --quick`` as part of make test.

The full runs (``make bench``) take minutes and want a quiet machine, so they
are not part of the test command; but a benchmark nobody runs rots (one failed
for weeks on a model that had moved into the contract). The quick mode runs
each one with a small N in seconds and judges no goal: this test only fails if
a benchmark exits non-zero or prints a traceback, at shutdown included.
run_all finds benchmarks/*.py itself, so a new benchmark is covered here too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RUN_ALL = Path(__file__).resolve().parent.parent / "benchmarks" / "run_all.py"
RUN_LIMIT_S = 900
"""A deadline for a wedged benchmark, not a speed goal (idle 2 cores: about a minute)."""


def test_every_benchmark_runs_in_quick_mode(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(RUN_ALL), "--quick"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT_S,
        check=False,
    )
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, output
    assert "Traceback" not in result.stderr, output
    ran = [line for line in result.stdout.splitlines() if line.startswith("== ")]
    names = {path.name for path in RUN_ALL.parent.glob("*.py")} - {RUN_ALL.name}
    assert {f"== {name} --quick" for name in names if not name.startswith("_")} <= set(ran)
    print(result.stdout.splitlines()[-1])
