"""Cold start to first frame: the live app and the demo against a bare Textual app, in one run.

Each figure is a fresh interpreter, from just before it is spawned to the first
frame of the app's screen written to the terminal (headless, 160x48: written
nowhere), interleaved so machine load hits all three alike. Also printed: the
time to "settled", when Textual's pilot first finds every message queue empty
after that frame: this benchmark's only figure until the second pass, which
added ~90 ms to every kind alike (the pilot's own waits; the live app's
sign-in and health pings, started just after its first frame, land in it too)
and so flattered the ratio. The bare app is a header, an input, a data table and a footer: what any
Textual screen of this shape costs. The live app is ``advisor-tui run`` with
every backend configured (at a closed loopback port: the first frame must not
wait for any backend); the demo is ``advisor-tui demo``.

Goal: live app <= 1.5x the bare app measured in the same run.

Run: ``python benchmarks/cold_start.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import sys, time
t0 = float(sys.argv[1])
kind = sys.argv[2]
from textual.app import App

painted = []
display = App._display

def first_paint(app, screen, renderable):
    # The first frame written to the terminal (headless: to nowhere). The
    # advisor app's is its AdvisorScreen's: its blank default screen, replaced
    # in on_mount, is never painted.
    if renderable is not None and not painted:
        painted.append(time.time() - t0)
    return display(app, screen, renderable)

App._display = first_paint

def first_frame(app):
    async def auto(pilot):
        await pilot.pause()
        print(f"FIRST_FRAME {painted[0]:.6f} SETTLED {time.time() - t0:.6f}", flush=True)
        app.exit()
    return auto

if kind == "bare":
    from textual.widgets import DataTable, Footer, Header, Input

    class Bare(App):
        def compose(self):
            yield Header()
            yield Input()
            yield DataTable()
            yield Footer()

    bare = Bare()
    bare.run(headless=True, size=(160, 48), auto_pilot=first_frame(bare))
else:
    original = App.run

    def run(self, *args, **kwargs):
        return original(self, headless=True, size=(160, 48), auto_pilot=first_frame(self))

    App.run = run
    from advisor_tui.cli import main
    main([kind])
"""

GOAL = 1.5


def one(kind: str, env: dict[str, str]) -> tuple[float, float]:
    start = time.time()
    result = subprocess.run(
        [sys.executable, "-c", CHILD, repr(start), kind],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    for line in result.stdout.splitlines():
        if line.startswith("FIRST_FRAME "):
            words = line.split()
            return float(words[1]), float(words[3])
    raise RuntimeError(
        f"{kind}: no first frame (exit {result.returncode}): {result.stderr[-2000:]}"
    )


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_TUI_")}
    # An installed app starts from byte-code (pip compiles on install); with
    # PYTHONDONTWRITEBYTECODE every run would recompile every module it imports,
    # which measures the compiler, not the app. The warm-up runs write the caches.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    config = home / "config.toml"
    config.write_text("# empty: defaults\n")
    env |= {
        "ADVISOR_TUI_CONFIG": str(config),
        "ADVISOR_TUI_DATA_DIR": str(home / "data"),
        "TEXTUAL_ANIMATIONS": "none",
    }
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run each (a smoke test)")
    parser.add_argument("--runs", type=int, default=9, help="runs of each (default 9)")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    with tempfile.TemporaryDirectory() as tmp:
        base = environment(Path(tmp))
        live = base | {
            f"ADVISOR_TUI_BACKENDS__{b}__URL": f"http://127.0.0.1:9/{b.lower()}"
            for b in ("IDENTITY", "CUSTOMERS", "FAULTS", "ACTIONS", "DECISIONS")
        }
        live["ADVISOR_TUI_TOKEN"] = "benchmark-token"
        figures: dict[str, list[float]] = {"bare": [], "run": [], "demo": []}
        settled: dict[str, list[float]] = {"bare": [], "run": [], "demo": []}
        if not args.quick:  # a smoke test need not warm anything
            for kind, env in (("bare", base), ("run", live), ("demo", base)):
                one(kind, env)  # warm the file cache and byte-code first
        for _ in range(runs):
            for kind, env in (("bare", base), ("run", live), ("demo", base)):
                frame, quiet = one(kind, env)
                figures[kind].append(frame)
                settled[kind].append(quiet)
    median = {kind: statistics.median(values) for kind, values in figures.items()}
    for kind, label in (("bare", "bare Textual app"), ("run", "live app"), ("demo", "demo")):
        values = figures[kind]
        print(
            f"cold start to first frame, {label}: median {median[kind] * 1000:.0f} ms "
            f"(min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f}, {runs} runs); "
            f"to settled {statistics.median(settled[kind]) * 1000:.0f} ms"
        )
    ratio = median["run"] / median["bare"]
    print(
        f"live app / bare app: {ratio:.2f} (goal <= {GOAL}); "
        f"demo / bare app: {median['demo'] / median['bare']:.2f}; "
        f"to settled, live / bare: "
        f"{statistics.median(settled['run']) / statistics.median(settled['bare']):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
