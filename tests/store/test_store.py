"""The local decision store: durable appends, the chain, delivery state, filters."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from decision_samples import FakeServerChain, make_decision

from advisor_tui.contract import GENESIS_HASH, DecisionKind, chain_hash
from advisor_tui.store.decisions import (
    DecisionConflict,
    DecisionStore,
    DeliveryStatus,
    MetaKey,
    default_store_path,
)
from advisor_tui.store.verify import verify


def test_default_path_is_in_the_user_data_dir(tmp_path: Path) -> None:
    assert default_store_path(tmp_path) == tmp_path / "decisions.sqlite3"
    default = default_store_path()
    assert default.name == "decisions.sqlite3"
    assert "advisor-tui" in str(default.parent)


def test_wal_and_full_sync_are_in_force(store: DecisionStore) -> None:
    assert store.durability() == {"journal_mode": "wal", "synchronous": "FULL"}


def test_store_file_is_private(store: DecisionStore) -> None:
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_append_is_there_after_reopen(store_path: Path) -> None:
    decision = make_decision(1)
    with DecisionStore(store_path) as store:
        stored = store.append(decision)
    with DecisionStore(store_path) as store:
        again = store.get(decision.id)
    assert again is not None
    assert again == stored
    assert again.decision == decision
    assert again.status is DeliveryStatus.PENDING


_KILLED_CHILD = """
import sys, time
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from decision_samples import make_decision
from advisor_tui.store.decisions import DecisionStore
store = DecisionStore(Path(sys.argv[1]))
for n in range(3):
    print(store.append(make_decision(n)).id, flush=True)
time.sleep(60)
"""


def test_append_survives_sigkill_right_after_it_returns(store_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_CHILD, str(store_path), str(Path(__file__).parent)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    ids = [child.stdout.readline().strip() for _ in range(3)]
    os.kill(child.pid, signal.SIGKILL)
    child.wait(10)
    with DecisionStore(store_path) as store:
        assert [store.get(i) is not None for i in ids] == [True, True, True]
    assert verify(store_path).ok


def test_records_are_chained_in_seq_order(store: DecisionStore) -> None:
    first = store.append(make_decision(1))
    second = store.append(make_decision(2))
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert first.hash == chain_hash(GENESIS_HASH, first.decision)
    assert second.prev_hash == first.hash
    assert store.meta()[MetaKey.HEAD_HASH] == second.hash


def test_append_again_is_idempotent_and_other_content_conflicts(store: DecisionStore) -> None:
    decision = make_decision(1)
    first = store.append(decision)
    assert store.append(decision) == first
    assert store.pending_count() == 1
    changed = decision.model_copy(update={"free_text": "changed my mind"})
    with pytest.raises(DecisionConflict):
        store.append(changed)


def test_delivery_state_round_trip(store: DecisionStore) -> None:
    server = FakeServerChain()
    decisions = [make_decision(n) for n in range(4)]
    for d in decisions:
        store.append(d)
    assert [r.id for r in store.pending(10)] == [d.id for d in decisions]
    assert [r.id for r in store.pending(2)] == [d.id for d in decisions[:2]]

    store.mark_failed(decisions[0].id, "decisions: connection refused")
    failed = store.get(decisions[0].id)
    assert failed is not None
    assert (failed.status, failed.attempts) == (DeliveryStatus.PENDING, 1)
    status = store.status()
    assert (status.pending, status.last_error) == (4, "decisions: connection refused")
    assert status.failing

    receipt = server.receipt(decisions[0])
    delivered = store.mark_delivered(decisions[0].id, receipt)
    assert delivered.status is DeliveryStatus.DELIVERED
    assert (delivered.server_hash, delivered.server_sequence) == (receipt.hash, 1)
    assert delivered.attempts == 2
    assert store.mark_delivered(decisions[0].id, receipt).server_hash == receipt.hash
    meta = store.meta()
    assert meta[MetaKey.ACKED_SEQ] == "1"
    assert meta[MetaKey.ACKED_SERVER_HASH] == receipt.hash

    store.mark_rejected(decisions[1].id, "decisions: conflict")
    status = store.status()
    assert (status.pending, status.delivered, status.rejected) == (2, 1, 1)
    assert store.queue_counts() == (2, 1)
    assert [r.id for r in store.pending(10)] == [decisions[2].id, decisions[3].id]

    with pytest.raises(ValueError):
        store.mark_delivered(decisions[2].id, receipt)
    with pytest.raises(KeyError):
        store.mark_failed("01ARZ3NDEKTSV4RRFFQ69G5FAV", "nope")


def test_list_filters_and_pages_newest_first(store: DecisionStore) -> None:
    kinds = [DecisionKind.ACCEPT, DecisionKind.DECLINE, DecisionKind.OVERRIDE]
    for n in range(30):
        store.append(make_decision(n, customer_id=f"cus-{n % 3}", kind=kinds[n % 3]))
    server = FakeServerChain()
    for record in store.pending(5):
        store.mark_delivered(record.id, server.receipt(record.decision))

    page = store.list(limit=7)
    assert [r.seq for r in page.items] == list(range(30, 23, -1))
    seen = [r.seq for r in page.items]
    while page.next_cursor is not None:
        page = store.list(limit=7, before=page.next_cursor)
        seen += [r.seq for r in page.items]
    assert seen == list(range(30, 0, -1))

    by_customer = store.list(customer_id="cus-1", limit=100).items
    assert {r.customer_id for r in by_customer} == {"cus-1"} and len(by_customer) == 10
    overrides = store.list(kind="override", limit=100).items
    assert len(overrides) == 10 and all(r.kind == "override" for r in overrides)
    delivered = store.list(status=DeliveryStatus.DELIVERED, limit=100).items
    assert [r.seq for r in delivered] == [5, 4, 3, 2, 1]
    both = store.list(customer_id="cus-0", status="pending", limit=100).items
    assert [r.seq for r in both] == [28, 25, 22, 19, 16, 13, 10, 7]


def test_iter_all_streams_in_seq_order_with_filters(fast_store: DecisionStore) -> None:
    for n in range(1200):
        fast_store.append(make_decision(n, customer_id=f"cus-{n % 2}"))
    seqs = [r.seq for r in fast_store.iter_all()]
    assert seqs == list(range(1, 1201))
    odd = list(fast_store.iter_all(customer_id="cus-1"))
    assert len(odd) == 600 and odd[0].seq == 2


def test_iter_all_reads_one_snapshot_while_the_store_writes(fast_store: DecisionStore) -> None:
    for n in range(600):
        fast_store.append(make_decision(n))
    it = fast_store.iter_all()
    first = next(it)
    fast_store.append(make_decision(600))
    assert first.seq == 1
    assert sum(1 for _ in it) == 599


def test_concurrent_writers_keep_one_intact_chain(store_path: Path) -> None:
    """Two connections (as the TUI and a shell's `decisions sync` would be), each
    with threads appending: every record lands once and the chain holds."""
    stores = [DecisionStore(store_path), DecisionStore(store_path)]
    try:

        def work(store: DecisionStore, base: int) -> None:
            for n in range(base, base + 25):
                store.append(make_decision(n))

        threads = [threading.Thread(target=work, args=(stores[i % 2], i * 100)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert stores[0].status().pending == 100
    finally:
        for s in stores:
            s.close()
    report = verify(store_path)
    assert report.ok, report.describe()
    assert report.checked == 100


def test_wal_is_checkpointed_in_the_background(fast_store: DecisionStore) -> None:
    """Appends never checkpoint themselves (that is what made their tail slow);
    the store does it on another thread, so the WAL still stays small."""
    assert fast_store.durability()["journal_mode"] == "wal"
    for n in range(1500):
        fast_store.append(make_decision(n))
    wal = fast_store.path.with_name(fast_store.path.name + "-wal")
    # Without checkpoints 1,500 appends leave about 40 MB of WAL.
    assert wal.stat().st_size < 12 * 1024 * 1024


def test_the_store_never_imports_textual() -> None:
    """The CLI and the crash test run it headless; a fresh interpreter proves it."""
    probe = (
        "import sys\n"
        "import advisor_tui.store.cli, advisor_tui.store.decisions, advisor_tui.store.export\n"
        "import advisor_tui.store.outbox, advisor_tui.store.verify\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
