"""How fast ``advisor-tui call ... --all`` streams, and that its memory stays flat.

Streams the 100,000-event history of the seed's ``cus-bighistory`` as JSON
Lines, as a user would (``advisor-tui call history list cus-bighistory --all
--limit 200``), in a subprocess reading a pipe, against:

- ``loopback``: the mock on a real 127.0.0.1 port (``mock serve``-like), and
- ``embedded``: no backends configured, the demo mock in the call's process.

Prints time to the first row, rows per second, and the call's peak RSS. The
peak should not grow with the row count: rows are written page by page.

Run: ``python benchmarks/call_stream.py [--quick]`` (quick: 2,000 rows each,
then the pipe is closed, as ``| head -2000`` would).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from advisor_tui.testing import mock_backends

ARGV = ["call", "history", "list", "cus-bighistory", "--all", "--limit", "200"]


def _clean_env(config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_TUI_")}
    env["ADVISOR_TUI_CONFIG"] = str(config)
    return env


def stream(env: dict[str, str], limit: int | None) -> dict[str, float]:
    started = time.perf_counter()
    first = None
    rows = 0
    with subprocess.Popen(
        [sys.executable, "-m", "advisor_tui", *ARGV],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    ) as process:
        assert process.stdout is not None
        for _ in process.stdout:
            rows += 1
            if first is None:
                first = time.perf_counter() - started
            if limit is not None and rows >= limit:
                break
        process.stdout.close()
        code = process.wait(timeout=600)
    total = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"call exited {code}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"rows": rows, "first_s": first or 0.0, "total_s": total, "peak_mb": peak_kb / 1024}


def report(name: str, figures: dict[str, float]) -> None:
    rate = figures["rows"] / figures["total_s"] if figures["total_s"] else 0.0
    print(
        f"{name:>9}: {figures['rows']:>7.0f} rows in {figures['total_s']:6.2f} s "
        f"({rate:>7.0f} rows/s), first row after {figures['first_s']:.2f} s, "
        f"peak RSS of any call so far {figures['peak_mb']:.0f} MB",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 rows each (a smoke test)")
    args = parser.parse_args()
    limit = 2000 if args.quick else None
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text("# empty: every default\n")
        with mock_backends(loopback=True) as mock:
            report("loopback", stream({**_clean_env(config), **mock.env()}, limit))
        report("embedded", stream(_clean_env(config), limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
