"""Run every benchmark in this folder, one after another, and print their figures.

Each benchmark is its own script (run one alone with ``python benchmarks/NAME.py``);
this runner finds them all (every ``benchmarks/*.py`` but itself and ``_*.py``),
so a new benchmark is run without being listed anywhere.

    python benchmarks/run_all.py          # full runs (make bench): on a quiet machine
    python benchmarks/run_all.py --quick  # small N, seconds each (make test runs this)

Every benchmark takes ``--quick``. The quick run is a smoke test that the
benchmark still works, not a measurement: its figures are printed but its goals
are not judged. Either run fails when a benchmark exits non-zero or writes a
traceback to stderr (one printed at shutdown included), so a benchmark that
breaks fails CI instead of rotting until someone next runs ``make bench``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRACEBACK = "Traceback (most recent call last)"


def discover() -> list[Path]:
    return sorted(
        path
        for path in HERE.glob("*.py")
        if path.name != Path(__file__).name and not path.name.startswith("_")
    )


def run_one(script: Path, quick: bool) -> str | None:
    """Run one benchmark, echoing its output; the reason it failed, or None."""
    command = [sys.executable, str(script), *(["--quick"] if quick else [])]
    # stdout streams through (a full run takes minutes); stderr is kept to be
    # searched for tracebacks, then shown.
    sys.stdout.flush()
    result = subprocess.run(command, check=False, stderr=subprocess.PIPE, text=True)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        return f"exit {result.returncode}"
    if TRACEBACK in result.stderr:
        return "a traceback on stderr"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small N, seconds each")
    args = parser.parse_args(argv)
    failures: list[str] = []
    started = time.perf_counter()
    for script in discover():
        print(f"\n== {script.name}{' --quick' if args.quick else ''}", flush=True)
        start = time.perf_counter()
        problem = run_one(script, args.quick)
        took = time.perf_counter() - start
        print(f"== {script.name}: {took:.1f} s, {problem or 'ok'}", flush=True)
        if problem:
            failures.append(f"{script.name}: {problem}")
    print(f"\n{len(discover())} benchmarks in {time.perf_counter() - started:.1f} s")
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
