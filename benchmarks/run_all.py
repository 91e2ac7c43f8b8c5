"""Run every benchmark in this folder, one after another, and print their figures.

Each benchmark is its own script (run one alone with ``python benchmarks/NAME.py``);
this runner exists so ``make bench`` gives all the figures in one go. Run it on
a quiet machine: the goals are about latency, and other load skews them.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = [
    "advisor_screen.py",
    "decision_durability.py",
    "decisions_scale.py",
    "review_scroll.py",
    "call_stream.py",
]


def main() -> int:
    failed = 0
    for name in ORDER:
        script = HERE / name
        if not script.exists():
            continue
        print(f"\n== {name}", flush=True)
        start = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], check=False)
        print(f"== {name}: {time.perf_counter() - start:.0f} s, exit {result.returncode}")
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
