"""Tamper tests: each way of changing the log behind the app's back is caught by
``verify`` (and ``decisions verify``) with the right record named."""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from decision_samples import FakeServerChain, make_decision

from advisor_tui.contract import GENESIS_HASH, Decision, chain_hash
from advisor_tui.store.cli import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, cmd_verify
from advisor_tui.store.decisions import DecisionStore
from advisor_tui.store.verify import Breakage, verify

N = 10
ACKED = 6


@pytest.fixture
def log(store_path: Path) -> Iterator[list[Decision]]:
    """Ten decisions; the server has acknowledged the first six."""
    decisions = [make_decision(n, free_text=f"note {n}") for n in range(N)]
    server = FakeServerChain()
    with DecisionStore(store_path, synchronous="NORMAL") as store:
        for d in decisions:
            store.append(d)
        for d in decisions[:ACKED]:
            store.mark_delivered(d.id, server.receipt(d))
    yield decisions


def tamper(path: Path, *statements: str | tuple[str, tuple[object, ...]]) -> None:
    """Edit the file the way someone with a SQLite shell would."""
    conn = sqlite3.connect(path)
    with conn:
        for statement in statements:
            if isinstance(statement, tuple):
                conn.execute(*statement)
            else:
                conn.execute(statement)
    conn.close()


def row(path: Path, seq: int) -> dict[str, object]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    found = conn.execute("SELECT * FROM decisions WHERE seq = ?", (seq,)).fetchone()
    conn.close()
    return dict(found)


def test_intact_log_passes(store_path: Path, log: list[Decision]) -> None:
    report = verify(store_path)
    assert report.ok, report.describe()
    assert (report.checked, report.head_seq, report.acked_seq) == (N, N, ACKED)
    out = io.StringIO()
    assert cmd_verify(store_path, out) == EXIT_OK
    assert out.getvalue().startswith("OK: 10 record(s)")


def test_empty_store_passes(store_path: Path) -> None:
    DecisionStore(store_path).close()
    assert verify(store_path).ok


def test_missing_store_is_not_an_intact_one(tmp_path: Path) -> None:
    err = io.StringIO()
    assert cmd_verify(tmp_path / "nothing.sqlite3", io.StringIO(), err=err) == EXIT_USAGE
    assert "no decision store" in err.getvalue()


def test_edited_body_field(store_path: Path, log: list[Decision]) -> None:
    body = json.loads(str(row(store_path, 8)["body"]))
    body["free_text"] = "customer agreed"
    edited = json.dumps(body, sort_keys=True, separators=(",", ":"))
    tamper(store_path, ("UPDATE decisions SET body = ? WHERE seq = 8", (edited,)))

    report = verify(store_path)
    assert report.broken is not None
    assert (report.broken.seq, report.broken.id) == (8, log[7].id)
    assert report.broken.what is Breakage.EDITED
    assert report.checked == 7

    out = io.StringIO()
    assert cmd_verify(store_path, out) == EXIT_PROBLEM
    assert f"seq 8 (id {log[7].id}): edited content" in out.getvalue()


def test_edited_queryable_column(store_path: Path, log: list[Decision]) -> None:
    tamper(store_path, "UPDATE decisions SET customer_id = 'cus-other' WHERE seq = 3")
    broken = verify(store_path).broken
    assert broken is not None
    assert (broken.seq, broken.what) == (3, Breakage.EDITED)
    assert "customer_id" in broken.detail


def test_edited_hash_column(store_path: Path, log: list[Decision]) -> None:
    tamper(store_path, ("UPDATE decisions SET hash = ? WHERE seq = 9", ("f" * 64,)))
    broken = verify(store_path).broken
    assert broken is not None
    assert (broken.seq, broken.id, broken.what) == (9, log[8].id, Breakage.HASH_MISMATCH)


def test_edit_with_the_local_chain_rehashed_is_caught_by_the_server_hash(
    store_path: Path, log: list[Decision]
) -> None:
    """Someone edits a delivered record and recomputes every later local hash:
    the local chain is consistent again, but the server's hash is not."""
    conn = sqlite3.connect(path := store_path)
    rows = conn.execute("SELECT seq, body FROM decisions ORDER BY seq").fetchall()
    prev = GENESIS_HASH
    for seq, body in rows:
        decision = Decision.model_validate_json(body)
        if seq == 4:
            decision = decision.model_copy(update={"free_text": "never said that"})
        digest = chain_hash(prev, decision)
        conn.execute(
            "UPDATE decisions SET body = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            (decision.canonical_bytes().decode(), prev, digest, seq),
        )
        prev = digest
    conn.execute("UPDATE meta SET value = ? WHERE key = 'head_hash'", (prev,))
    conn.commit()
    conn.close()

    broken = verify(path).broken
    assert broken is not None
    assert (broken.seq, broken.what) == (4, Breakage.EDITED)
    assert "server acknowledged" in broken.detail


def test_deleted_record(store_path: Path, log: list[Decision]) -> None:
    tamper(store_path, "DELETE FROM decisions WHERE seq = 5")
    broken = verify(store_path).broken
    assert broken is not None
    assert (broken.seq, broken.id, broken.what) == (6, log[5].id, Breakage.DELETED)
    assert "seq 5 missing" in broken.detail


def test_deleted_first_record(store_path: Path, log: list[Decision]) -> None:
    tamper(store_path, "DELETE FROM decisions WHERE seq = 1")
    broken = verify(store_path).broken
    assert broken is not None
    assert (broken.seq, broken.what) == (2, Breakage.DELETED)


def _swap_rows(path: Path, a: int, b: int) -> None:
    """Swap two records' positions: every column but seq trades places."""
    tamper(
        path,
        f"UPDATE decisions SET seq = -1 WHERE seq = {a}",
        f"UPDATE decisions SET seq = {a} WHERE seq = {b}",
        f"UPDATE decisions SET seq = {b} WHERE seq = -1",
    )


def test_reordered_pair_of_rows(store_path: Path, log: list[Decision]) -> None:
    _swap_rows(store_path, 3, 4)
    broken = verify(store_path).broken
    assert broken is not None
    # Seq 3 now holds the record that was 4th.
    assert (broken.seq, broken.id, broken.what) == (3, log[3].id, Breakage.REORDERED)
    assert "chains from seq 4" in broken.detail


def test_reordered_bodies_under_fixed_hashes(store_path: Path, log: list[Decision]) -> None:
    """Only the content columns swapped; prev_hash and hash left in place."""
    columns = "id, advisor_id, customer_id, kind, decided_at, body"
    r7, r8 = row(store_path, 7), row(store_path, 8)
    sets = ", ".join(f"{c} = ?" for c in columns.split(", "))
    values7 = tuple(r8[c.strip()] for c in columns.split(","))
    values8 = tuple(r7[c.strip()] for c in columns.split(","))
    tamper(
        store_path,
        ("UPDATE decisions SET id = 'x' WHERE seq = 7", ()),
        (f"UPDATE decisions SET {sets} WHERE seq = 8", values8),
        (f"UPDATE decisions SET {sets} WHERE seq = 7", values7),
    )
    broken = verify(store_path).broken
    assert broken is not None
    assert (broken.seq, broken.id, broken.what) == (7, log[7].id, Breakage.REORDERED)
    assert "hashed at seq 8" in broken.detail


def test_truncated_tail_after_acknowledgement(store_path: Path, log: list[Decision]) -> None:
    """Cut everything from seq 5: gone with it is seq 6, which the server acknowledged."""
    tamper(store_path, "DELETE FROM decisions WHERE seq >= 5")
    report = verify(store_path)
    assert report.broken is not None
    assert (report.broken.seq, report.broken.what) == (5, Breakage.TRUNCATED)
    assert "seq 5..10 missing" in report.broken.detail
    assert f"acknowledged seq {ACKED}" in report.broken.detail
    assert report.checked == 4


def test_truncated_tail_even_with_the_head_rewritten(store_path: Path, log: list[Decision]) -> None:
    """Whoever cuts the tail and fixes the chain head still cannot hide the
    record the server acknowledged."""
    last = row(store_path, 4)
    tamper(
        store_path,
        "DELETE FROM decisions WHERE seq >= 5",
        ("UPDATE meta SET value = '4' WHERE key = 'head_seq'", ()),
        ("UPDATE meta SET value = ? WHERE key = 'head_hash'", (last["hash"],)),
    )
    broken = verify(store_path).broken
    assert broken is not None
    assert (broken.seq, broken.what) == (5, Breakage.TRUNCATED)
    assert "server acknowledged" in broken.detail


def test_truncated_unacknowledged_tail(store_path: Path, log: list[Decision]) -> None:
    tamper(store_path, "DELETE FROM decisions WHERE seq >= 9")
    broken = verify(store_path).broken
    assert broken is not None
    assert (broken.seq, broken.what) == (9, Breakage.TRUNCATED)
    assert "seq 9..10 missing" in broken.detail


def test_truncation_stays_visible_after_new_appends(store_path: Path, log: list[Decision]) -> None:
    tamper(store_path, "DELETE FROM decisions WHERE seq >= 9")
    extra = make_decision(99)
    with DecisionStore(store_path) as store:
        stored = store.append(extra)
    assert stored.seq == 11
    broken = verify(store_path).broken
    assert broken is not None
    assert (broken.seq, broken.id, broken.what) == (11, extra.id, Breakage.DELETED)
    assert "seq 9..10 missing" in broken.detail


def test_body_that_no_longer_parses(store_path: Path, log: list[Decision]) -> None:
    tamper(store_path, "UPDATE decisions SET body = '{\"id\": 1}' WHERE seq = 2")
    broken = verify(store_path).broken
    assert broken is not None
    assert (broken.seq, broken.what) == (2, Breakage.EDITED)
    assert "not a valid decision" in broken.detail


def test_pending_record_marked_delivered_by_hand(store_path: Path, log: list[Decision]) -> None:
    """That would stop the outbox sending it: the server would never see it."""
    tamper(store_path, "UPDATE decisions SET status = 'delivered' WHERE seq = 9")
    broken = verify(store_path).broken
    assert broken is not None
    assert (broken.seq, broken.id, broken.what) == (9, log[8].id, Breakage.EDITED)
    assert "no server receipt" in broken.detail
