"""``decisions verify --server``: forgeries the local check cannot see, caught by
comparing the local log with the decisions service's chain sequence by sequence.

The service is the real one, in process (the mock app wires it on SQLite)."""

from __future__ import annotations

import asyncio
import io
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from decision_samples import make_decision

from advisor_tui.clients import DecisionsClient, RetryPolicy
from advisor_tui.contract import GENESIS_HASH, Decision, chain_hash
from advisor_tui.demo import create_demo_app as create_app
from advisor_tui.mock.scenario import load_state
from advisor_tui.store.cli import EXIT_OK, EXIT_PROBLEM, cmd_verify_server
from advisor_tui.store.decisions import DecisionStore
from advisor_tui.store.outbox import DecisionOutbox
from advisor_tui.store.server_check import check_against_server
from advisor_tui.store.verify import verify

TOKEN = "demo-advisor"
ADVISOR = "adv-sam-carter"
BASE_URL = "http://service.invalid/decisions"
N = 8


def new_client(transport: httpx.AsyncBaseTransport) -> DecisionsClient:
    return DecisionsClient(
        BASE_URL,
        token=TOKEN,
        transport=transport,
        retry=RetryPolicy(attempts=1, initial=0.01, maximum=0.01, jitter=0.0, total=30.0),
        timeout=httpx.Timeout(10.0),
    )


@pytest.fixture
def transport(tmp_path: Path) -> httpx.ASGITransport:
    app = create_app(load_state(seed=1), decisions_db=tmp_path / "service.sqlite3")
    return httpx.ASGITransport(app=app)


@pytest.fixture
async def delivered(
    store_path: Path, transport: httpx.ASGITransport
) -> AsyncIterator[list[Decision]]:
    """Eight decisions, all delivered to the service and acknowledged."""
    decisions = [make_decision(n, advisor_id=ADVISOR, free_text=f"note {n}") for n in range(N)]
    async with new_client(transport) as client:
        with DecisionStore(store_path) as store:
            for d in decisions:
                store.append(d)
            result = await DecisionOutbox(store, client).deliver_pending()
    assert (result.delivered, result.remaining) == (N, 0)
    yield decisions


def rechain(path: Path, edit_seq: int | None = None) -> None:
    """What a careful forger does after editing: recompute every local hash, the
    receipts the server gave, and the head and acknowledged-head bookkeeping."""
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT seq, body FROM decisions ORDER BY seq").fetchall()
    prev, last_seq = GENESIS_HASH, 0
    for seq, body in rows:
        decision = Decision.model_validate_json(body)
        if seq == edit_seq:
            decision = decision.model_copy(update={"free_text": "never said that"})
        digest = chain_hash(prev, decision)
        conn.execute(
            "UPDATE decisions SET body = ?, prev_hash = ?, hash = ?, server_prev_hash = ?, "
            "server_hash = ? WHERE seq = ?",
            (decision.canonical_bytes().decode(), prev, digest, prev, digest, seq),
        )
        prev, last_seq = digest, seq
    for key, value in (
        ("head_seq", str(last_seq)),
        ("head_hash", prev),
        ("acked_seq", str(last_seq)),
        ("acked_hash", prev),
        ("acked_server_hash", prev),
        ("acked_server_sequence", str(last_seq)),
        (
            "acked_id",
            conn.execute("SELECT id FROM decisions WHERE seq = ?", (last_seq,)).fetchone()[0],
        ),
    ):
        conn.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))
    conn.commit()
    conn.close()


async def check(path: Path, transport: httpx.ASGITransport) -> list[str]:
    with DecisionStore(path) as store:
        records = list(store.iter_all())
    async with new_client(transport) as client:
        return [c.describe() for c in await check_against_server(records, client)]


async def test_an_intact_log_matches_the_server(
    store_path: Path, transport: httpx.ASGITransport, delivered: list[Decision]
) -> None:
    assert await check(store_path, transport) == [
        f"{ADVISOR}: matches the server ({N} on the server, {N} in the local log)"
    ]


async def test_an_edit_with_every_hash_and_receipt_rewritten_is_caught(
    store_path: Path, transport: httpx.ASGITransport, delivered: list[Decision]
) -> None:
    rechain(store_path, edit_seq=4)
    # The local check alone is satisfied: the forgery is consistent with itself.
    assert verify(store_path).ok
    (line,) = await check(store_path, transport)
    assert "DIFFERS from the server at sequence 4" in line
    assert delivered[3].id in line and "edited" in line


async def test_deleted_records_with_the_head_rewritten_are_caught(
    store_path: Path, transport: httpx.ASGITransport, delivered: list[Decision]
) -> None:
    conn = sqlite3.connect(store_path)
    conn.execute("DELETE FROM decisions WHERE seq > 5")
    conn.commit()
    conn.close()
    rechain(store_path)
    assert verify(store_path).ok
    (line,) = await check(store_path, transport)
    assert "DIFFERS from the server at sequence 6" in line
    assert delivered[5].id in line and "missing from the local log" in line


async def test_the_command_exits_1_naming_the_sequence(
    store_path: Path, transport: httpx.ASGITransport, delivered: list[Decision]
) -> None:
    rechain(store_path, edit_seq=2)
    out = io.StringIO()
    # cmd_verify_server runs its own event loop, so it gets a thread of its own.
    code = await asyncio.to_thread(cmd_verify_server, store_path, new_client(transport), out)
    assert code == EXIT_PROBLEM
    assert "DIFFERS from the server at sequence 2" in out.getvalue()


async def test_the_command_exits_0_for_an_intact_log(
    store_path: Path, transport: httpx.ASGITransport, delivered: list[Decision]
) -> None:
    out = io.StringIO()
    code = await asyncio.to_thread(cmd_verify_server, store_path, new_client(transport), out)
    assert code == EXIT_OK, out.getvalue()
