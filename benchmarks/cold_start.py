"""Cold start to first frame: the live app and the demo against a bare Textual app, in one run.

Each figure is a fresh interpreter, from just before it is spawned to the first
frame written to the terminal (headless, 160x48: written nowhere), interleaved
so machine load hits every kind alike. The bare app is a header, an input, a
data table and a footer: what any Textual screen of this shape costs. The live
app is ``advisor-tui run`` with every backend configured (at a closed loopback
port: no frame waits for a backend); the demo is ``advisor-tui demo``.

The live app is measured twice (``advisor_tui.startup``):
- config checked before (most starts): its first frame is the starting screen,
  whose search box takes typing at once, painted before pydantic, the config
  and the contract load; they load behind it, on another thread;
- config new or changed: the config is checked in full before the terminal is
  taken (so an error is said on a plain terminal), as every start did before.
Also printed, for every kind: the time to the advisor screen's own first frame
(the bare app's is its first frame), and to "settled", when Textual's pilot
first finds every message queue empty after it (the pilot's own waits and the
live app's sign-in and health pings, started just after, land in it too).

Goal: live app's first frame <= 1.5x the bare app's, measured in the same run.

Run: ``python benchmarks/cold_start.py [--quick] [--runs N]``.
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

painted = {}
display = App._display

def first_paint(app, screen, renderable):
    # The first frame written to the terminal (headless: to nowhere), and the
    # first of the advisor screen itself ("ready"). A start on a checked config
    # paints a starting line first; otherwise the two are the same frame.
    if renderable is not None:
        now = time.time() - t0
        painted.setdefault("first", now)
        if kind == "bare" or type(screen).__name__ == "AdvisorScreen":
            painted.setdefault("ready", now)
    return display(app, screen, renderable)

App._display = first_paint

def first_frame(app):
    async def auto(pilot):
        while "ready" not in painted:
            await pilot.pause(0.005)
        await pilot.pause()
        print(
            f"FIRST_FRAME {painted['first']:.6f} READY {painted['ready']:.6f} "
            f"SETTLED {time.time() - t0:.6f}",
            flush=True,
        )
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
    sys.exit(main(["run" if kind.startswith("run") else kind]))
"""

GOAL = 1.5

KINDS = {
    "bare": "bare Textual app",
    "run": "live app, config checked before",
    "run-new": "live app, config new or changed",
    "demo": "demo",
}


def one(kind: str, env: dict[str, str]) -> tuple[float, float, float]:
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
            return float(words[1]), float(words[3]), float(words[5])
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
        # Where a checked config's fingerprint is kept (advisor_tui.startup).
        "XDG_CACHE_HOME": str(home / "cache"),
        "TEXTUAL_ANIMATIONS": "none",
    }
    return env


def forget_checked(env: dict[str, str]) -> None:
    """A new config: no fingerprint of a checked one."""
    for stamp in Path(env["XDG_CACHE_HOME"]).glob("*/config-checked"):
        stamp.unlink()


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
        # "run-new" has a cache of its own, emptied before each of its runs.
        new = live | {"XDG_CACHE_HOME": str(Path(tmp) / "cache-new")}
        envs = {"bare": base, "run": live, "run-new": new, "demo": base}
        first: dict[str, list[float]] = {kind: [] for kind in KINDS}
        ready: dict[str, list[float]] = {kind: [] for kind in KINDS}
        settled: dict[str, list[float]] = {kind: [] for kind in KINDS}
        # Warm the file cache and byte-code first; the live app's first start
        # also checks the config in full and keeps its fingerprint.
        for kind in KINDS if not args.quick else ("run",):
            one(kind, envs[kind])
        for _ in range(runs):
            for kind in KINDS:
                if kind == "run-new":
                    forget_checked(envs[kind])
                frame, shown, quiet = one(kind, envs[kind])
                first[kind].append(frame)
                ready[kind].append(shown)
                settled[kind].append(quiet)

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f} ms"

    for kind, label in KINDS.items():
        values = first[kind]
        print(
            f"cold start to first frame, {label}: median {ms(values)} "
            f"(min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f}, {runs} runs); "
            f"to the advisor screen {ms(ready[kind])}; to settled {ms(settled[kind])}"
        )
    bare = statistics.median(first["bare"])
    ratio = statistics.median(first["run"]) / bare
    print(
        f"live app / bare app, to first frame: {ratio:.2f} (goal <= {GOAL}); "
        f"config new or changed: {statistics.median(first['run-new']) / bare:.2f}; "
        f"demo: {statistics.median(first['demo']) / bare:.2f}"
    )
    bare_ready = statistics.median(ready["bare"])
    print(
        f"to the advisor screen (the bare app's first frame is its whole screen), live / bare: "
        f"{statistics.median(ready['run']) / bare_ready:.2f}; config new or changed: "
        f"{statistics.median(ready['run-new']) / bare_ready:.2f}; to settled, live / bare: "
        f"{statistics.median(settled['run']) / statistics.median(settled['bare']):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
