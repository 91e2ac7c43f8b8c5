"""Export the local decision log as CSV or JSON Lines, one record at a time.

Supervisors open the CSV in a spreadsheet, and an advisor's free text is typed
by whoever was on the phone, so a cell like ``=HYPERLINK(...)`` must arrive as
text, not as a formula (``neutralise_cell``). JSON Lines keeps the full record
for scripts, exactly as hashed. Neither ever holds a raw control, bidi or
zero-width character: both write them as ``\\uXXXX`` (README, "Exports").
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TextIO

from advisor_tui.contract.decisions import canonical_json
from advisor_tui.store.decisions import (
    DecisionStore,
    DeliveryStatus,
    StoredDecision,
    iter_records,
    open_reader,
)
from advisor_tui.text import escape_unsafe

ExportFormat = Literal["csv", "jsonl"]
FORMATS: tuple[ExportFormat, ...] = ("csv", "jsonl")

# What spreadsheet programs read as the start of a formula or a DDE call (OWASP
# "CSV injection"): =, +, -, @, and tab or carriage return, which some strip
# before looking at the first character.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = (
    "seq",
    "id",
    "decided_at",
    "advisor_id",
    "customer_id",
    "kind",
    "action_id",
    "action_kind",
    "action_label",
    "process_step_id",
    "process_step_version",
    "process_step_outcome",
    "proposed_parameters",
    "changed_parameters",
    "alternative",
    "reason_code",
    "free_text",
    "needs_approval",
    "approver_role",
    "status",
    "attempts",
    "last_error",
    "delivered_at",
    "server_sequence",
    "server_hash",
    "prev_hash",
    "hash",
)


@contextmanager
def open_export(path: Path) -> Iterator[TextIO]:
    """A text file to export into that appears at ``path`` only when complete.

    Written beside its final name (``mkstemp``: mode 0600, since decisions name
    customers and carry advisors' notes) and renamed into place on success; on
    any error the partial file is removed, so a half export never reads as a
    whole one. Open for CSV (``newline=""``: the csv module writes CRLF itself).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as out:
            yield out
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def neutralise_cell(value: str) -> str:
    """Make a text cell safe to open in a spreadsheet and to ``cat``: a leading
    apostrophe before anything that would start a formula, and every control,
    bidi or zero-width character written as ``\\uXXXX`` (``text.escape_unsafe``).
    Reusable by any CSV writer."""
    value = escape_unsafe(value)
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def csv_row(record: StoredDecision) -> list[str]:
    """One record as CSV cells, every text cell neutralised.

    Numbers we produce (seq, version, counts) cannot start a formula, but a
    parameter value or free text can, so everything goes through the same gate.
    Reads the stored canonical JSON directly: it is exactly what was hashed,
    and parsing it into a model per row would only cost time.
    """
    d = _body(record)
    if d is None:
        # Exported anyway, flagged: a supervisor must see that a record is
        # broken rather than find it missing from the numbers.
        d = {"action_label": UNREADABLE}
    step: dict[str, Any] = d.get("process_step") or {}
    cells: list[object] = [
        record.seq,
        record.id,
        d.get("decided_at", ""),
        d.get("advisor_id", ""),
        d.get("customer_id", ""),
        d.get("kind", ""),
        d.get("action_id", ""),
        d.get("action_kind", ""),
        d.get("action_label", ""),
        step.get("id", ""),
        step.get("version", ""),
        step.get("outcome") or "",
        compact_json(d["proposed_parameters"]) if d.get("proposed_parameters") else "",
        compact_json(d["changed_parameters"]) if d.get("changed_parameters") else "",
        d.get("alternative") or "",
        d.get("reason_code") or "",
        d.get("free_text") or "",
        "yes" if d.get("needs_approval") else "no",
        d.get("approver_role") or "",
        record.status.value,
        record.attempts,
        record.last_error or "",
        record.delivered_at.isoformat() if record.delivered_at else "",
        "" if record.server_sequence is None else record.server_sequence,
        record.server_hash or "",
        record.prev_hash,
        record.hash,
    ]
    return [neutralise_cell(str(c)) for c in cells]


def jsonl_record(record: StoredDecision) -> dict[str, Any]:
    """One record for JSON Lines: the decision as hashed plus its delivery state."""
    decision = _body(record)
    line: dict[str, Any] = {
        "seq": record.seq,
        "status": record.status.value,
        "attempts": record.attempts,
        "last_error": record.last_error,
        "delivered_at": record.delivered_at.isoformat() if record.delivered_at else None,
        "prev_hash": record.prev_hash,
        "hash": record.hash,
        "server_sequence": record.server_sequence,
        "server_prev_hash": record.server_prev_hash,
        "server_hash": record.server_hash,
        "decision": decision,
    }
    if decision is None:
        line["unreadable_body"] = record.body
    return line


UNREADABLE = "(unreadable: run decisions verify)"


def _body(record: StoredDecision) -> dict[str, Any] | None:
    try:
        body = json.loads(record.body)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def compact_json(value: object) -> str:
    """The contract's canonical JSON (the form the chain hashes), with every
    control, bidi or zero-width character as a JSON ``\\uXXXX`` escape: a parser
    reads the exact data back, a terminal showing the file is never driven by it."""
    return escape_unsafe(canonical_json(value).decode())


def export(
    target: DecisionStore | Path,
    fmt: ExportFormat,
    out: TextIO,
    *,
    customer_id: str | None = None,
    kind: str | None = None,
    status: DeliveryStatus | str | None = None,
) -> int:
    """Write matching records to ``out`` in seq order; return how many.

    Streams from one snapshot: memory stays flat however long the log is.
    For CSV, open ``out`` with ``newline=""`` (the csv module writes CRLF itself).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    path = target.path if isinstance(target, DecisionStore) else target
    conn = open_reader(path)
    try:
        conn.execute("BEGIN")
        records = iter_records(conn, customer_id=customer_id, kind=kind, status=status)
        return _write_csv(records, out) if fmt == "csv" else _write_jsonl(records, out)
    finally:
        conn.close()


def _write_csv(records: Iterator[StoredDecision], out: TextIO) -> int:
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    n = 0
    for record in records:
        writer.writerow(csv_row(record))
        n += 1
    return n


def _write_jsonl(records: Iterator[StoredDecision], out: TextIO) -> int:
    n = 0
    for record in records:
        out.write(compact_json(jsonl_record(record)))
        out.write("\n")
        n += 1
    return n
