"""The decisions service at scale, on SQLite and PostgreSQL side by side in one run.

For each engine:
- ingest: ``serve decisions`` in its own process on loopback, signed JWTs, and
  200 simulated advisors recording at once, each record sent with its chain
  link and a tenth of them sent twice at the same moment (a retry racing the
  original): decisions/s, p50/p99 acknowledgement latency, and a count proving
  0 lost and 0 duplicated with every chain intact;
- scale: a bulk-loaded log (10,000,000 decisions on PostgreSQL through COPY,
  1,000,000 on SQLite), then the typical supervisor pages (first page and
  page 21, p95 service-side; goal at most 50 ms) and a year of override
  figures (p95; goal at most 200 ms, from rollups on PostgreSQL);
- bytes stored per decision.

Run: ``python benchmarks/decisions_service.py [--quick]``. PostgreSQL is the
server named by ``ADVISOR_TUI_TEST_POSTGRES`` (or ``--postgres URL``): a
database is created for the run and dropped after it. ``--quick`` is a smoke
test with small numbers (the test suite runs it).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg
from ulid import ULID

from advisor_tui.contract import (
    GENESIS_HASH,
    ActionKind,
    Advisor,
    ApprovalState,
    ChainAuditPage,
    ChainHead,
    Decision,
    DecisionFilters,
    DecisionKind,
    DecisionReceipt,
    Permissions,
    ProcessStepRef,
    ReviewState,
    Role,
    routes,
)
from advisor_tui.mock.tokens import DemoTokenIssuer
from advisor_tui.services.decisions.engine import DecisionEngine
from advisor_tui.services.decisions.postgres_engine import PostgresEngine
from advisor_tui.services.decisions.postgres_seed import postgres_bulk_seed
from advisor_tui.services.decisions.sqlite_engine import SqliteEngine
from advisor_tui.services.decisions.sqlite_ledger import SqliteLedger

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
PAGE_GOAL_MS = 50.0
FIGURES_GOAL_MS = 200.0


def people(advisors: int, teams: int) -> list[Advisor]:
    out = [
        Advisor(
            id=f"adv-{i:05d}",
            display_name=f"Advisor {i}",
            role=Role.ADVISOR,
            team=f"team-{i % teams:03d}",
            permissions=Permissions(max_goodwill_credit_pence=2500, overridable_steps=["*"]),
        )
        for i in range(advisors)
    ]
    for role, limit in ((Role.TEAM_LEAD, 10_000), (Role.SUPERVISOR, 100_000)):
        out.append(
            Advisor(
                id=f"{role.value}-1",
                display_name=role.value,
                role=role,
                team="ops",
                permissions=Permissions(
                    max_goodwill_credit_pence=limit, may_approve_up_to_pence=limit
                ),
            )
        )
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# -- ingest over loopback -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def decision(advisor: Advisor, i: int) -> Decision:
    decided = NOW - timedelta(seconds=10_000 - i)
    kind = DecisionKind.OVERRIDE if i % 7 == 0 else DecisionKind.ACCEPT
    return Decision(
        id=str(ULID.from_datetime(decided)),
        customer_id=f"C{i % 997:05d}",
        action_id=f"act-{i}",
        action_kind=ActionKind.GOODWILL_CREDIT,
        action_label="Goodwill credit",
        process_step=ProcessStepRef(id="goodwill", version=4, title="Goodwill credit"),
        proposed_parameters={"amount_pence": 1000},
        kind=kind,
        reason_code="customer-impact" if kind is DecisionKind.OVERRIDE else None,
        changed_parameters={"amount_pence": 2000} if kind is DecisionKind.OVERRIDE else {},
        advisor_id=advisor.id,
        decided_at=decided,
    )


async def ingest(database: str, advisors: int, per_advisor: int, workdir: Path) -> dict[str, float]:
    crowd = people(advisors, max(1, advisors // 20))
    issuer = DemoTokenIssuer()
    jwks = workdir / "jwks.json"
    jwks.write_text(issuer.jwks())
    tokens = {a.id: issuer.issue(a) for a in crowd}
    port = free_port()
    # The service's log goes to a file: an unread pipe would fill and stall it.
    log = (workdir / "service.log").open("wb")
    env = {**os.environ, "ADVISOR_TUI_DECISIONS_DATABASE": database}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "advisor_tui",
            "serve",
            "decisions",
            "--migrate",
            "--port",
            str(port),
            "--jwks",
            str(jwks),
            "--audience",
            issuer.audience,
            "--issuer",
            issuer.issuer,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    duplicates_sent = 0
    resent = 0
    try:
        limits = httpx.Limits(
            max_connections=advisors + 10, max_keepalive_connections=advisors + 10
        )
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if (await client.get(routes.HEALTH)).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(
                        f"service did not start: {server.stderr.read() if server.stderr else ''}"
                    )
                await asyncio.sleep(0.2)

            async def post(d: Decision, advisor: Advisor, head: ChainHead) -> httpx.Response:
                # A connection the server closed as idle is resent, as any client
                # would: safe, since the id and the link make a resend a replay.
                nonlocal resent
                for attempt in range(5):
                    try:
                        return await send_once(d, advisor, head)
                    except httpx.TransportError:
                        if attempt == 4:
                            raise
                        resent += 1
                raise AssertionError("unreachable")

            async def send_once(d: Decision, advisor: Advisor, head: ChainHead) -> httpx.Response:
                return await client.post(
                    routes.DECISIONS,
                    content=d.model_dump_json(),
                    headers={
                        "Authorization": f"Bearer {tokens[advisor.id]}",
                        "Content-Type": "application/json",
                        routes.IDEMPOTENCY_HEADER: d.id,
                        routes.CHAIN_SEQUENCE_HEADER: str(head.count + 1),
                        routes.CHAIN_PREV_HEADER: head.head_hash,
                    },
                )

            async def run(advisor: Advisor) -> None:
                nonlocal duplicates_sent
                head = ChainHead(advisor_id=advisor.id, count=0, head_hash=GENESIS_HASH)
                for i in range(per_advisor):
                    d = decision(advisor, i)
                    started = time.perf_counter()
                    if i % 10 == 3:
                        duplicates_sent += 1
                        answers = await asyncio.gather(
                            post(d, advisor, head), post(d, advisor, head)
                        )
                    else:
                        answers = [await post(d, advisor, head)]
                    latencies.append((time.perf_counter() - started) * 1000)
                    for answer in answers:
                        if answer.status_code not in (200, 201):
                            raise RuntimeError(f"{answer.status_code}: {answer.text}")
                    receipt = DecisionReceipt.model_validate_json(answers[0].content)
                    head = ChainHead(
                        advisor_id=advisor.id, count=receipt.sequence, head_hash=receipt.hash
                    )

            started = time.perf_counter()
            await asyncio.gather(*(run(a) for a in crowd if a.role is Role.ADVISOR))
            elapsed = time.perf_counter() - started

            supervisor = next(a for a in crowd if a.role is Role.SUPERVISOR)
            auth = {"Authorization": f"Bearer {tokens[supervisor.id]}"}
            audited, broken, stored, after = 0, 0, 0, None
            while True:
                page = ChainAuditPage.model_validate_json(
                    (
                        await client.get(
                            routes.AUDIT,
                            params={"after": after, "limit": 100} if after else {"limit": 100},
                            headers=auth,
                        )
                    ).content
                )
                audited += len(page.items)
                broken += sum(1 for i in page.items if i.first_broken is not None)
                stored += sum(i.count for i in page.items)
                if page.next_after is None:
                    break
                after = page.next_after
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    sent = advisors * per_advisor
    return {
        "decisions": sent,
        "per_s": sent / elapsed,
        "p50": pct(latencies, 50),
        "p99": pct(latencies, 99),
        "lost": sent - stored,
        "duplicated": stored - sent if stored > sent else 0,
        "racing_duplicates": duplicates_sent,
        "resent": resent,
        "broken_chains": broken,
        "advisors_audited": audited,
    }


# -- scale ------------------------------------------------------------------------------


def queries(crowd: list[Advisor]) -> list[tuple[str, DecisionFilters]]:
    month, quarter, week = (
        NOW - timedelta(days=30),
        NOW - timedelta(days=90),
        NOW - timedelta(days=7),
    )
    o = DecisionKind.OVERRIDE
    return [
        ("all, newest first", DecisionFilters()),
        ("overrides", DecisionFilters(kind=o)),
        ("one advisor", DecisionFilters(advisor_id=crowd[7].id)),
        ("team + override", DecisionFilters(team="team-003", kind=o)),
        ("step + override, 30 days", DecisionFilters(step_id="goodwill", kind=o, since=month)),
        ("pending approval", DecisionFilters(approval=ApprovalState.PENDING)),
        ("unreviewed overrides", DecisionFilters(kind=o, review_state=ReviewState.UNREVIEWED)),
        ("reason, 90 days", DecisionFilters(reason_code="process-wrong", since=quarter)),
        ("one week", DecisionFilters(since=week, until=NOW)),
    ]


async def timed(call: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        out.append((time.perf_counter() - started) * 1000)
    return out


async def scale(engine: DecisionEngine, crowd: list[Advisor], runs: int) -> tuple[float, float]:
    # As the service does once started (service.create_app): without it a full
    # collection of this process's heap (the load's leftovers) lands in one query.
    gc.collect()
    gc.freeze()
    worst = 0.0
    print(f"    {'page':28s} {'total':>11s} {'first p95':>10s} {'page 21 p95':>12s}")
    for name, f in queries(crowd):
        first = await engine.list(f, None, 50)
        await timed(lambda f=f: engine.list(f, None, 50), 2)  # warm
        first_ms = await timed(lambda f=f: engine.list(f, None, 50), runs)
        cursor, page21_ms = first.next_cursor, [0.0]
        for _ in range(19):
            if cursor is None:
                break
            cursor = (await engine.list(f, cursor, 50)).next_cursor
        if cursor is not None:
            page21_ms = await timed(lambda f=f, c=cursor: engine.list(f, c, 50), runs)
        total = f"{first.total:,}" + ("" if first.total_exact else "~")
        p_first, p_21 = pct(first_ms, 95), pct(page21_ms, 95)
        worst = max(worst, p_first, p_21)
        print(f"    {name:28s} {total:>11s} {p_first:9.1f}  {p_21:11.1f}")
    year = NOW - timedelta(days=365)
    await engine.stats(year, None, None)
    figures = await timed(lambda: engine.stats(year, None, None), max(3, runs // 2))
    team = await timed(lambda: engine.stats(year, None, "team-003"), max(3, runs // 2))
    fig95 = max(pct(figures, 95), pct(team, 95))
    print(
        f"    year of figures: all {pct(figures, 95):.1f} ms p95, "
        f"one team {pct(team, 95):.1f} ms p95"
    )
    return worst, fig95


# -- main -------------------------------------------------------------------------------


def postgres_database(server: str) -> tuple[str, Callable[[], None]]:
    name = f"advisor_tui_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlsplit(server)._replace(path=f"/{name}").geturl(), drop


async def postgres_size(url: str) -> int:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        row = await (await conn.execute("SELECT pg_database_size(current_database())")).fetchone()
        return int(row[0]) if row else 0


async def bench_engine(
    name: str, args: argparse.Namespace, server: str | None, workdir: Path
) -> dict[str, object]:
    print(f"\n== {name}", flush=True)
    crowd = people(2000 if not args.quick else 40, 100 if not args.quick else 4)
    rows = args.sqlite_rows if name == "sqlite" else args.pg_rows
    drops: list[Callable[[], None]] = []
    try:
        if name == "postgresql":
            assert server is not None
            ingest_url, drop = postgres_database(server)
            drops.append(drop)
        else:
            ingest_url = f"sqlite:///{workdir / 'ingest.sqlite3'}"
        got = await ingest(ingest_url, args.advisors, args.per_advisor, workdir)
        print(
            f"  ingest: {got['decisions']:,} decisions from {args.advisors} concurrent advisors "
            f"({got['racing_duplicates']} sent twice at once, {got['resent']} resent after a "
            f"dropped connection): {got['per_s']:,.0f} decisions/s, "
            f"ack p50 {got['p50']:.1f} ms, p99 {got['p99']:.1f} ms; lost {got['lost']}, "
            f"duplicated {got['duplicated']}, broken chains {got['broken_chains']}",
            flush=True,
        )
        started = time.perf_counter()
        engine: DecisionEngine
        if name == "postgresql":
            url, drop = postgres_database(server or "")
            drops.append(drop)
            pg = PostgresEngine(url, pool_size=4)
            await pg.start(migrate=True)
            await asyncio.to_thread(postgres_bulk_seed, url, rows, 7, crowd, NOW)
            engine = pg
            size = await postgres_size(url)
        else:
            path = workdir / "scale.sqlite3"
            ledger = SqliteLedger(path)
            await asyncio.to_thread(ledger.bulk_seed, rows, 7, crowd, NOW)
            engine = SqliteEngine(ledger)
            size = sum(p.stat().st_size for p in workdir.glob("scale.sqlite3*"))
        load_s = time.perf_counter() - started
        print(
            f"  loaded {rows:,} decisions in {load_s:.0f} s ({rows / load_s:,.0f}/s); "
            f"{size / rows:,.0f} bytes per decision ({size / 1e9:.2f} GB)",
            flush=True,
        )
        worst, figures = await scale(engine, crowd, args.runs)
        await engine.aclose()
        print(
            f"  worst page p95 {worst:.1f} ms (goal {PAGE_GOAL_MS:.0f}: "
            f"{'met' if worst <= PAGE_GOAL_MS else 'MISSED'}); year figures p95 {figures:.1f} ms "
            f"(goal {FIGURES_GOAL_MS:.0f}: {'met' if figures <= FIGURES_GOAL_MS else 'MISSED'})",
            flush=True,
        )
        ok = got["lost"] == 0 and got["duplicated"] == 0 and got["broken_chains"] == 0
        return {"ok": ok}
    finally:
        for drop in drops:
            drop()


async def main_async(args: argparse.Namespace) -> int:
    server = args.postgres or os.environ.get("ADVISOR_TUI_TEST_POSTGRES")
    engines = [name for name in ("sqlite", "postgresql") if name in args.engines]
    unmeasured = "postgresql" in engines and not server
    if unmeasured:
        # The SQLite figures are still worth having; the full run fails at the
        # end all the same, as it did not measure what it is for.
        print(
            f"{'quick: ' if args.quick else ''}PostgreSQL skipped: "
            "pass --postgres URL or set ADVISOR_TUI_TEST_POSTGRES"
        )
        engines.remove("postgresql")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="decisions-bench-") as tmp:
        for name in engines:
            result = await bench_engine(name, args, server, Path(tmp))
            failed += not result["ok"]
    if failed:
        return 1
    if unmeasured and not args.quick:
        print("no PostgreSQL: its figures were not measured", file=sys.stderr)
        return 2
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small numbers: a smoke test")
    parser.add_argument("--postgres", default=None, metavar="URL", help="a PostgreSQL server")
    parser.add_argument("--pg-rows", type=int, default=10_000_000)
    parser.add_argument("--sqlite-rows", type=int, default=1_000_000)
    parser.add_argument("--advisors", type=int, default=200)
    parser.add_argument("--per-advisor", type=int, default=25)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--engines",
        type=lambda text: set(text.split(",")),
        default={"sqlite", "postgresql"},
        help="which to run, comma-separated (default sqlite,postgresql: side by side)",
    )
    args = parser.parse_args()
    if args.quick:
        args.pg_rows = args.sqlite_rows = 5_000
        args.advisors, args.per_advisor, args.runs = 20, 5, 3
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
