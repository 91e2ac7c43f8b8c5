"""One exporter for decisions, from the local log or from the decisions backend.

The advisor's ``decisions export`` (local log) and the supervisor's export
(review screen, ``decisions export --source server``) write the same CSV columns, by
the same rules, into files made the same way:

- One column set (``CSV_COLUMNS``): a row from the local log leaves the review
  columns empty, a row from the backend the delivery columns.
- Every cell through ``neutralise_cell``: a leading apostrophe before anything
  a spreadsheet would run as a formula (OWASP "CSV injection"), and every
  control, bidi or zero-width character written as ``\\uXXXX``.
- JSON Lines keeps each source's full record (the decision exactly as hashed,
  plus delivery state or the server's view), through ``compact_json``: the same
  ``\\uXXXX`` escapes, which a JSON parser reads back to the original.
- A file is written beside its final name and renamed into place at the end
  (``open_export``, file mode 0600), so an interrupted export never leaves half a file
  that looks complete.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import AsyncIterable, Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TextIO

from advisor_tui.contract import DecisionView
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

# What spreadsheet programs read as the start of a formula or a DDE call: =, +,
# -, @, and tab or carriage return (which some strip before looking; both are
# escaped as \u0009/\u000d anyway).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = (
    "id",
    "decided_at",
    "advisor_id",
    "team",
    "customer_id",
    "kind",
    "action_id",
    "action_kind",
    "action_label",
    "process_step_id",
    "process_step_version",
    "process_step_title",
    "process_step_outcome",
    "proposed_parameters",
    "changed_parameters",
    "alternative",
    "reason_code",
    "free_text",
    "situation",
    "needs_approval",
    "approver_role",
    # From the decisions backend only.
    "approval",
    "review_state",
    "reviews",
    "last_verdict",
    "last_reviewer",
    "last_note",
    # From the local log only.
    "local_seq",
    "delivery_status",
    "attempts",
    "last_error",
    "delivered_at",
    "local_prev_hash",
    "local_hash",
    # Both: the server's chain (known locally once delivered).
    "server_sequence",
    "server_prev_hash",
    "server_hash",
    "chain",
)

UNREADABLE = "(unreadable: run decisions verify)"


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
    bidi or zero-width character written as ``\\uXXXX`` (``text.escape_unsafe``)."""
    value = escape_unsafe(value)
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def compact_json(value: object) -> str:
    """One line of JSON, UTF-8 kept readable, but every control, bidi or
    zero-width character as a JSON ``\\uXXXX`` escape: a parser reads the exact
    data back, a terminal showing the file is never driven by it."""
    # The contract's canonical JSON (the form the chain hashes), escaped.
    return escape_unsafe(canonical_json(value).decode())


def csv_cells(row: Mapping[str, object]) -> list[str]:
    """``row`` (column -> value, missing columns empty) as neutralised CSV cells."""
    return [neutralise_cell("" if row.get(c) is None else str(row[c])) for c in CSV_COLUMNS]


def _decision_cells(d: Mapping[str, Any]) -> dict[str, object]:
    """The decision's own columns, from its JSON form (as hashed, or as served)."""
    step: Mapping[str, Any] = d.get("process_step") or {}
    return {
        "id": d.get("id"),
        "decided_at": d.get("decided_at"),
        "advisor_id": d.get("advisor_id"),
        "customer_id": d.get("customer_id"),
        "kind": d.get("kind"),
        "action_id": d.get("action_id"),
        "action_kind": d.get("action_kind"),
        "action_label": d.get("action_label"),
        "process_step_id": step.get("id"),
        "process_step_version": step.get("version"),
        "process_step_title": step.get("title"),
        "process_step_outcome": step.get("outcome"),
        "proposed_parameters": compact_json(d["proposed_parameters"])
        if d.get("proposed_parameters")
        else None,
        "changed_parameters": compact_json(d["changed_parameters"])
        if d.get("changed_parameters")
        else None,
        "alternative": d.get("alternative"),
        "reason_code": d.get("reason_code"),
        "free_text": d.get("free_text"),
        "situation": "; ".join(str(s) for s in d.get("situation") or []),
        "needs_approval": "yes" if d.get("needs_approval") else "no",
        "approver_role": d.get("approver_role"),
    }


def stored_row(record: StoredDecision) -> dict[str, object]:
    """A record of the local log as export columns.

    Reads the stored canonical JSON directly: it is exactly what was hashed,
    and parsing it into a model per row would only cost time. A body that is
    not readable is exported anyway, flagged: a supervisor must see that a
    record is broken rather than find it missing from the numbers.
    """
    body = _body(record)
    row = _decision_cells(body if body is not None else {"action_label": UNREADABLE})
    row["id"] = record.id
    row.update(
        {
            "local_seq": record.seq,
            "delivery_status": record.status.value,
            "attempts": record.attempts,
            "last_error": record.last_error,
            "delivered_at": record.delivered_at.isoformat() if record.delivered_at else None,
            "local_prev_hash": record.prev_hash,
            "local_hash": record.hash,
            "server_sequence": record.server_sequence,
            "server_prev_hash": record.server_prev_hash,
            "server_hash": record.server_hash,
        }
    )
    return row


def view_row(view: DecisionView, chain_ok: bool) -> dict[str, object]:
    """A decision as the decisions backend serves it, as export columns."""
    row = _decision_cells(view.decision.model_dump(mode="json"))
    last = view.reviews[-1] if view.reviews else None
    row.update(
        {
            "team": view.team,
            "approval": view.approval.value,
            "review_state": view.review_state.value,
            "reviews": len(view.reviews),
            "last_verdict": last.verdict.value if last else None,
            "last_reviewer": last.reviewer_id if last else None,
            "last_note": last.note if last else None,
            "server_sequence": view.receipt.sequence,
            "server_prev_hash": view.receipt.prev_hash,
            "server_hash": view.receipt.hash,
            "chain": "ok" if chain_ok else "BROKEN",
        }
    )
    return row


def stored_jsonl(record: StoredDecision) -> dict[str, Any]:
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


def view_jsonl(view: DecisionView, chain_ok: bool) -> dict[str, Any]:
    """The whole view as the server sent it, plus the chain check made here."""
    record: dict[str, Any] = view.model_dump(mode="json")
    record["chain"] = "ok" if chain_ok else "BROKEN"
    return record


def _body(record: StoredDecision) -> dict[str, Any] | None:
    try:
        body = json.loads(record.body)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


# -- writing ---------------------------------------------------------------------


def check_format(fmt: str) -> ExportFormat:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return "csv" if fmt == "csv" else "jsonl"


class ExportWriter:
    """Writes rows of either source to ``out`` in one format; counts them.

    For CSV open ``out`` with ``newline=""`` (the csv module writes CRLF itself).
    """

    def __init__(self, out: TextIO, fmt: str) -> None:
        self.fmt = check_format(fmt)
        self.out = out
        self.count = 0
        self._csv = csv.writer(out) if self.fmt == "csv" else None
        if self._csv is not None:
            self._csv.writerow(CSV_COLUMNS)

    def write(self, csv_row: Mapping[str, object], jsonl_record: Mapping[str, Any]) -> None:
        if self._csv is not None:
            self._csv.writerow(csv_cells(csv_row))
        else:
            self.out.write(compact_json(jsonl_record))
            self.out.write("\n")
        self.count += 1

    def write_stored(self, records: Iterable[StoredDecision]) -> int:
        for record in records:
            # Only the chosen format's form is built.
            if self._csv is not None:
                self.write(stored_row(record), {})
            else:
                self.write({}, stored_jsonl(record))
        return self.count

    async def write_views(
        self, views: AsyncIterable[DecisionView], chain_ok: Callable[[DecisionView], bool]
    ) -> int:
        async for view in views:
            ok = chain_ok(view)
            if self._csv is not None:
                self.write(view_row(view, ok), {})
            else:
                self.write({}, view_jsonl(view, ok))
        return self.count


def export(
    target: DecisionStore | Path,
    fmt: ExportFormat,
    out: TextIO,
    *,
    customer_id: str | None = None,
    kind: str | None = None,
    status: DeliveryStatus | str | None = None,
) -> int:
    """Write the local log's matching records to ``out`` in seq order; return how many.

    Streams from one snapshot: memory stays flat however long the log is.
    """
    writer = ExportWriter(out, fmt)
    path = target.path if isinstance(target, DecisionStore) else target
    conn = open_reader(path)
    try:
        conn.execute("BEGIN")
        records: Iterator[StoredDecision] = iter_records(
            conn, customer_id=customer_id, kind=kind, status=status
        )
        return writer.write_stored(records)
    finally:
        conn.close()
