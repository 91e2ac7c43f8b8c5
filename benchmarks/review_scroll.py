"""Review screen at scale: a supervisor scrolling a million-decision log with filters.

A child process seeds N decisions (default 1,000,000) with
``DecisionLedger.bulk_seed`` into a temporary SQLite file and serves them with
``BackgroundServer`` (the mock app on a real loopback socket). Keeping the
server in its own process means this process's RSS is the app alone.

This process opens the review screen headless (``App.run_test``) as a
supervisor, applies typical filters and scrolls about 40 pages, and prints:
- each filter's first page: filters applied -> rows on screen (HTTP + render);
- scrolling: cursor reaching the end of what is loaded -> next page on screen;
- the figures (override rates over the last 30 days of the log);
- the app's RSS (VmRSS from /proc/self/status) before and after scrolling.

    .venv/bin/python benchmarks/review_scroll.py             # 1M, ~2 minutes
    .venv/bin/python benchmarks/review_scroll.py --n 100000  # quick look
    .venv/bin/python benchmarks/review_scroll.py --quick     # smoke test, seconds
    .venv/bin/python benchmarks/review_scroll.py --db /tmp/d.sqlite --keep  # reuse a seed
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

# decisions_scale.py sits beside this script: same people, same NOW, same seed.
from decisions_scale import NOW, people
from pydantic import SecretStr

from advisor_tui.app import AdvisorApp
from advisor_tui.clients import Backends
from advisor_tui.config import Settings
from advisor_tui.contract import ApprovalState, DecisionKind
from advisor_tui.screens.review import ReviewScreen
from advisor_tui.session import RunKind, RunMode, Session
from advisor_tui.widgets import FiguresPanel, ReviewFilters

TOKEN = "bench-supervisor"
READY = "READY "


@dataclass(frozen=True)
class Scenario:
    name: str
    filters: dict[str, Any]  # widget id -> value, as a person would set them
    pages: int  # pages to scroll after the first


SCENARIOS = [
    Scenario("newest, no filter", {}, 12),
    Scenario("overrides", {"f-kind": DecisionKind.OVERRIDE}, 7),
    Scenario("one team", {"f-team": "team-03"}, 6),
    Scenario("approval queue", {"f-approval": ApprovalState.PENDING}, 4),
    Scenario(
        "team overrides, last 30 days",
        {
            "f-team": "team-03",
            "f-kind": DecisionKind.OVERRIDE,
            "f-since": (NOW - timedelta(days=29)).date().isoformat(),
        },
        4,
    ),
    Scenario(
        "one month, 3 months back",
        {
            "f-since": (NOW - timedelta(days=120)).date().isoformat(),
            "f-until": (NOW - timedelta(days=91)).date().isoformat(),
        },
        5,
    ),
    Scenario(
        "reason code, no approval needed",
        {"f-reason": "process-wrong", "f-needs": False},
        4,
    ),
]


# -- the server, in a child process ------------------------------------------------


def serve_child(db: Path, n: int, seed: int) -> int:
    """Seed (unless the file already holds decisions) and serve until stdin closes."""
    from advisor_tui.demo import create_demo_app
    from advisor_tui.mock.server import BackgroundServer
    from advisor_tui.mock.state import MockState
    from advisor_tui.services.decisions.sqlite_ledger import SqliteLedger as DecisionLedger

    everyone, tokens = people()
    with DecisionLedger(db) as ledger:
        if ledger.chain_head(everyone[0].id).count == 0:
            t0 = time.perf_counter()
            ledger.bulk_seed(n, seed=seed, advisors=everyone, now=NOW)
            print(f"seeded {n:,} decisions in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    state = MockState(advisors=tokens, customers={}, clock=lambda: NOW)
    with BackgroundServer(create_demo_app(state, decisions_db=db)) as server:
        print(READY + server.base_url, flush=True)
        sys.stdin.read()  # until the parent closes our stdin (or dies)
    return 0


def start_server(db: Path, n: int, seed: int) -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve-child", str(db), "--n", str(n), "--seed", str(seed)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line.startswith(READY):
        child.kill()
        raise RuntimeError(f"server child failed to start: {line!r}")
    return child, line[len(READY) :].strip()


# -- measuring the app ----------------------------------------------------------------


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def wait_until(done: Callable[[], bool], limit: float = 60.0) -> float:
    """Seconds until ``done()``; polls the loop the app runs on, so the app keeps working."""
    start = time.perf_counter()
    while not done():
        if time.perf_counter() - start > limit:
            raise TimeoutError("the review screen did not settle")
        await asyncio.sleep(0.001)
    return time.perf_counter() - start


def quantile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


async def apply_filters(screen: ReviewScreen, filters: dict[str, Any]) -> float:
    """Set the filters as a reviewer would and time the first page onto the screen."""
    generation = screen.generation
    start = time.perf_counter()
    screen.query_one(ReviewFilters).set_values(filters)
    await wait_until(lambda: screen.generation > generation and not screen.list_loading)
    if "list" in screen.failed:
        raise RuntimeError("the first page failed to load")
    return time.perf_counter() - start


async def scroll_pages(screen: ReviewScreen, pages: int) -> list[float]:
    from textual.widgets import DataTable

    table = screen.query_one("#review-table", DataTable)
    table.focus()
    times: list[float] = []
    for _ in range(pages):
        if screen.next_cursor is None:
            break
        loaded = len(screen.views)
        start = time.perf_counter()
        table.move_cursor(row=loaded - 1)  # the reviewer holds the down key to the end
        await wait_until(lambda n=loaded: len(screen.views) > n or "more" in screen.failed)
        if "more" in screen.failed:
            raise RuntimeError("a page failed to load")
        times.append(time.perf_counter() - start)
    return times


async def run_app(base_url: str) -> int:
    settings = Settings(token=SecretStr(TOKEN))
    backends = Backends.from_settings(settings, base_url=base_url)
    app = AdvisorApp(Session(backends=backends, mode=RunMode(RunKind.TEST, "benchmark")))
    rss_start = rss_mb()
    async with app.run_test(size=(160, 48)) as pilot:
        advisor_screen: Any = app.screen
        await wait_until(lambda: advisor_screen.advisor is not None)
        screen = ReviewScreen(app.session, advisor_screen.advisor, clock=lambda: NOW)
        start = time.perf_counter()
        await app.push_screen(screen)
        first = await wait_until(lambda: bool(screen.views))
        figures = screen.query_one(FiguresPanel)
        figures_s = await wait_until(lambda: figures.summary is not None) + first
        await pilot.pause()
        open_s = time.perf_counter() - start
        rss_before = rss_mb()
        summary = figures.summary
        assert summary is not None
        print(
            f"review screen opened: first rows {first * 1000:.0f} ms, figures "
            f"{figures_s * 1000:.0f} ms ({summary.decisions:,} decisions in the last 30 days, "
            f"override rate {summary.rate * 100:.1f}%), all in {open_s * 1000:.0f} ms"
        )
        print(f"\n{'filter':34s} {'total':>9s} {'first page':>11s}  {'scroll pages':>12s}")
        print(f"{'':34s} {'':>9s} {'ms':>11s}  {'n':>3s} {'p50 ms':>7s} {'p95 ms':>7s} {'max':>6s}")
        every: list[float] = []
        firsts: list[float] = []
        for scenario in SCENARIOS:
            first_page = await apply_filters(screen, scenario.filters)
            times = await scroll_pages(screen, scenario.pages)
            firsts.append(first_page)
            every.extend(times)
            scroll = (
                f"{len(times):3d} {statistics.median(times) * 1000:7.1f} "
                f"{quantile(times, 0.95) * 1000:7.1f} {max(times) * 1000:6.1f}"
                if times
                else f"{0:3d} {'(one page)':>22s}"
            )
            print(f"{scenario.name:34s} {screen.total:9,d} {first_page * 1000:11.1f}  {scroll}")
        rss_after = rss_mb()
        pages = len(every) + len(firsts)
        print(
            f"\n{pages} pages of 50: first pages p50 {statistics.median(firsts) * 1000:.0f} ms "
            f"max {max(firsts) * 1000:.0f} ms; scrolled pages p50 "
            f"{statistics.median(every) * 1000:.0f} ms, p95 {quantile(every, 0.95) * 1000:.0f} ms, "
            f"max {max(every) * 1000:.0f} ms"
        )
        print(
            f"app RSS: {rss_start:.0f} MB at start, {rss_before:.0f} MB with the screen open, "
            f"{rss_after:.0f} MB after scrolling ({rss_after - rss_before:+.0f} MB)"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=1_000_000, help="decisions to seed")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--db", help="SQLite file to use instead of a temporary one")
    parser.add_argument("--keep", action="store_true", help="reuse --db if already seeded")
    parser.add_argument("--serve-child", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument(
        "--quick", action="store_true", help="5,000 decisions: a smoke test, goals not judged"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n = 5_000
    if args.serve_child:
        return serve_child(Path(args.serve_child), args.n, args.seed)

    workdir = None
    if args.db is None:
        workdir = tempfile.TemporaryDirectory(prefix="review-scroll-")
        db = Path(workdir.name) / "decisions.sqlite"
    else:
        db = Path(args.db)
        if db.exists() and not args.keep:
            print(f"{db} exists; pass --keep to reuse it", file=sys.stderr)
            return 2
    try:
        print(f"seeding {args.n:,} decisions and starting the mock server ...", flush=True)
        t0 = time.perf_counter()
        child, base_url = start_server(db, args.n, args.seed)
        print(f"server ready in {time.perf_counter() - t0:.0f} s on {base_url}")
        try:
            status = asyncio.run(run_app(base_url))
            server_rss = rss_mb(child.pid)
            print(f"server RSS (its own process, SQLite cache included): {server_rss:.0f} MB")
            return status
        finally:
            assert child.stdin is not None
            child.stdin.close()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    finally:
        if workdir is not None:
            workdir.cleanup()


if __name__ == "__main__":
    sys.exit(main())
