"""Export: CSV and JSON Lines of the whole log, streamed, spreadsheet-safe."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from decision_samples import FakeServerChain, make_decision

from advisor_tui.contract import Decision, DecisionKind
from advisor_tui.store.cli import EXIT_OK, EXIT_USAGE, cmd_export, cmd_list
from advisor_tui.store.decisions import DecisionStore
from advisor_tui.store.export import CSV_COLUMNS, UNREADABLE, export, neutralise_cell

MANY = 3000
KINDS = [DecisionKind.ACCEPT, DecisionKind.DECLINE, DecisionKind.OVERRIDE]


@pytest.fixture(scope="module")
def big_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once for the module; the tests only read it."""
    path = tmp_path_factory.mktemp("export") / "decisions.sqlite3"
    server = FakeServerChain()
    with DecisionStore(path, synchronous="NORMAL") as store:
        for n in range(MANY):
            store.append(make_decision(n, customer_id=f"cus-{n % 4}", kind=KINDS[n % 3]))
        for record in store.pending(1000):
            store.mark_delivered(record.id, server.receipt(record.decision))
    return path


@pytest.fixture
def big(big_path: Path) -> Iterator[DecisionStore]:
    with DecisionStore(big_path) as store:
        yield store


def test_csv_has_a_header_and_one_row_per_record(big: DecisionStore) -> None:
    out = io.StringIO(newline="")
    assert export(big, "csv", out) == MANY
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows[0] == list(CSV_COLUMNS)
    assert len(rows) == MANY + 1
    first = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert (first["local_seq"], first["delivery_status"], first["server_sequence"]) == (
        "1",
        "delivered",
        "1",
    )
    seq = CSV_COLUMNS.index("local_seq")
    assert [r[seq] for r in rows[1:]] == [str(n) for n in range(1, MANY + 1)]
    # One exporter: the review columns exist, empty for a row from the local log.
    assert first["approval"] == first["review_state"] == first["chain"] == ""


def test_jsonl_round_trips_every_decision(big: DecisionStore) -> None:
    out = io.StringIO()
    assert export(big, "jsonl", out) == MANY
    lines = out.getvalue().splitlines()
    assert len(lines) == MANY
    records = [json.loads(line) for line in lines]
    by_seq = {r.seq: r for r in big.iter_all()}
    for rec in records[::97]:
        stored = by_seq[rec["seq"]]
        assert Decision.model_validate(rec["decision"]) == stored.decision
        assert rec["hash"] == stored.hash
    assert sum(r["status"] == "pending" for r in records) == MANY - 1000


def test_filters_apply_to_both_formats(big: DecisionStore) -> None:
    out = io.StringIO()
    assert export(big, "jsonl", out, customer_id="cus-1", kind="override") == 250
    assert all(
        json.loads(line)["decision"]["customer_id"] == "cus-1"
        for line in out.getvalue().splitlines()
    )
    assert export(big, "csv", io.StringIO(), status="delivered") == 1000


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        # A tab or CR is written as its \\u escape, which starts no formula.
        ("\t=1", "\\u0009=1"),
        ("\r=1", "\\u000d=1"),
        ("\x1b]52;c;aGk=\x07 text", "\\u001b]52;c;aGk=\\u0007 text"),
        ("abc\u202edef", "abc\\u202edef"),
        ("customer was upset", "customer was upset"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_neutralise_cell(cell: str, safe: str) -> None:
    assert neutralise_cell(cell) == safe


def test_csv_neutralises_formulas_typed_by_advisors(store: DecisionStore) -> None:
    store.append(make_decision(1, kind=DecisionKind.DECLINE, free_text='=cmd|" /C calc"!A0'))
    store.append(make_decision(2, kind=DecisionKind.DECLINE, free_text="@risk"))
    store.append(make_decision(3, kind=DecisionKind.DECLINE, free_text="fine"))
    out = io.StringIO(newline="")
    export(store, "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert [r["free_text"] for r in rows] == ['\'=cmd|" /C calc"!A0', "'@risk", "fine"]
    # JSON Lines is for programs: it keeps the text exactly as recorded.
    out = io.StringIO()
    export(store, "jsonl", out)
    first = json.loads(out.getvalue().splitlines()[0])
    assert first["decision"]["free_text"] == '=cmd|" /C calc"!A0'


class _Sink(io.StringIO):
    """Counts what is written and keeps none of it."""

    chars = 0

    def write(self, s: str) -> int:
        self.chars += len(s)
        return len(s)


def _export_peak(store: DecisionStore, fmt: str) -> tuple[int, int]:
    sink = _Sink()
    tracemalloc.start()
    try:
        export(store, "csv" if fmt == "csv" else "jsonl", sink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, sink.chars


def test_export_memory_stays_flat_as_the_log_grows(fast_store: DecisionStore) -> None:
    """Five times the records, about the same peak memory: rows are streamed."""
    for n in range(1000):
        fast_store.append(make_decision(n))
    small = {}
    for fmt in ("csv", "jsonl"):
        _export_peak(fast_store, fmt)  # warm caches (pydantic, sqlite statements)
        small[fmt] = _export_peak(fast_store, fmt)
    for n in range(1000, 5000):
        fast_store.append(make_decision(n))
    for fmt in ("csv", "jsonl"):
        small_peak, small_chars = small[fmt]
        big_peak, big_chars = _export_peak(fast_store, fmt)
        assert big_chars > 4.5 * small_chars
        assert big_peak < 1.3 * small_peak, (fmt, small_peak, big_peak)


def test_cli_export_to_a_file_and_to_stdout(big: DecisionStore, tmp_path: Path) -> None:
    target = tmp_path / "out" / "decisions.csv"
    err = io.StringIO()
    assert cmd_export(big.path, "csv", target, io.StringIO(), kind="decline", err=err) == EXIT_OK
    assert f"exported 1000 decision(s) to {target}" in err.getvalue()
    with target.open(newline="", encoding="utf-8") as f:
        assert sum(1 for _ in csv.reader(f)) == 1001
    assert [p.name for p in target.parent.iterdir()] == ["decisions.csv"]

    out = io.StringIO()
    assert cmd_export(big.path, "jsonl", None, out, customer="cus-2") == EXIT_OK
    assert len(out.getvalue().splitlines()) == MANY // 4


def test_cli_export_refuses_bad_arguments(big: DecisionStore, tmp_path: Path) -> None:
    err = io.StringIO()
    assert cmd_export(big.path, "xlsx", None, io.StringIO(), err=err) == EXIT_USAGE
    assert cmd_export(big.path, "csv", None, io.StringIO(), status="lost", err=err) == EXIT_USAGE
    missing = tmp_path / "none.sqlite3"
    assert cmd_export(missing, "csv", None, io.StringIO(), err=err) == EXIT_USAGE
    assert not missing.exists()


def test_a_broken_record_is_exported_flagged_not_dropped(store: DecisionStore) -> None:
    for n in range(3):
        store.append(make_decision(n))
    conn = sqlite3.connect(store.path)
    with conn:
        conn.execute("UPDATE decisions SET body = '{not json' WHERE seq = 2")
    conn.close()
    out = io.StringIO(newline="")
    assert export(store, "csv", out) == 3
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert rows[1]["action_label"] == UNREADABLE
    out = io.StringIO()
    assert export(store, "jsonl", out) == 3
    broken = json.loads(out.getvalue().splitlines()[1])
    assert (broken["decision"], broken["unreadable_body"]) == (None, "{not json")
    listing = io.StringIO()
    assert cmd_list(store.path, None, None, None, listing) == EXIT_OK
    assert "(unreadable: run decisions" in listing.getvalue()
