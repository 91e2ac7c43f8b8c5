"""Check the local decision log's hash chain and name the first broken record.

The chain proves the log was not edited silently: each record's hash covers its
canonical content and the previous record's hash, from ``GENESIS_HASH`` in seq
order. What it can and cannot show, locally:

- an edited field, a deleted record, a reordered pair: always, unless the
  editor also recomputed every later hash *and* the server hashes kept for the
  delivered records (those are checked too: the server chained the same content);
- a truncated tail: whenever the store wrote its head or the server acknowledged
  a record that is now gone (both kept in the ``meta`` table). Someone who
  rewrites ``meta`` as well can only be caught by asking the server, which keeps
  its own chain per advisor and returned the hash it stored.

Reads one snapshot on its own connection; safe while the app is running.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import ValidationError

from advisor_tui.contract import GENESIS_HASH, Decision, chain_hash
from advisor_tui.store.decisions import DecisionStore, MetaKey, open_reader, read_meta


class Breakage(StrEnum):
    EDITED = "edited content"
    HASH_MISMATCH = "hash mismatch"
    DELETED = "missing predecessor (deleted)"
    REORDERED = "out of order (reordered)"
    TRUNCATED = "truncated tail"


@dataclass(frozen=True, slots=True)
class BrokenRecord:
    seq: int
    # None when the record is gone and nothing remembers its id.
    id: str | None
    what: Breakage
    detail: str

    def describe(self) -> str:
        name = f"seq {self.seq}" + (f" (id {self.id})" if self.id else "")
        return f"{name}: {self.what.value}: {self.detail}"


@dataclass(frozen=True, slots=True)
class VerifyReport:
    path: Path
    checked: int
    head_seq: int
    head_hash: str
    acked_seq: int | None
    broken: BrokenRecord | None

    @property
    def ok(self) -> bool:
        return self.broken is None

    def describe(self) -> str:
        if self.broken is not None:
            return f"BROKEN after {self.checked} intact record(s): {self.broken.describe()}"
        acked = f", server acknowledged up to seq {self.acked_seq}" if self.acked_seq else ""
        return f"OK: {self.checked} record(s), chain head {self.head_hash[:16]}…{acked}"


_ROW = (
    "seq, id, advisor_id, customer_id, kind, decided_at, body, prev_hash, hash, "
    "server_prev_hash, server_hash, server_sequence, status"
)


@dataclass(frozen=True, slots=True)
class _Row:
    """A record as stored, untyped: verify must not trust any column to parse."""

    seq: int
    id: str
    advisor_id: str
    customer_id: str
    kind: str
    decided_at: str
    body: str
    prev_hash: str
    hash: str
    server_prev_hash: str | None
    server_hash: str | None
    server_sequence: str | None
    status: str

    @classmethod
    def of(cls, row: tuple[object, ...]) -> _Row:
        def text(i: int) -> str:
            return "" if row[i] is None else str(row[i])

        def opt(i: int) -> str | None:
            return None if row[i] is None else str(row[i])

        return cls(
            seq=int(str(row[0])),
            id=text(1),
            advisor_id=text(2),
            customer_id=text(3),
            kind=text(4),
            decided_at=text(5),
            body=text(6),
            prev_hash=text(7),
            hash=text(8),
            server_prev_hash=opt(9),
            server_hash=opt(10),
            server_sequence=opt(11),
            status=text(12),
        )


def verify(target: DecisionStore | Path) -> VerifyReport:
    """Recompute the chain from ``GENESIS_HASH``; report the first broken record."""
    path = target.path if isinstance(target, DecisionStore) else target
    conn = open_reader(path)
    try:
        # One snapshot for meta and every row, even while the outbox writes.
        conn.execute("BEGIN")
        return _verify(conn, path)
    finally:
        conn.close()


def _verify(conn: sqlite3.Connection, path: Path) -> VerifyReport:
    meta = read_meta(conn)
    head_seq = _meta_int(meta, MetaKey.HEAD_SEQ)
    head_hash = meta.get(MetaKey.HEAD_HASH, GENESIS_HASH)
    acked_seq = _meta_int(meta, MetaKey.ACKED_SEQ)

    def report(checked: int, broken: BrokenRecord | None) -> VerifyReport:
        return VerifyReport(path, checked, head_seq or 0, head_hash, acked_seq, broken)

    expected_prev = GENESIS_HASH
    last: _Row | None = None
    checked = 0
    cur = conn.execute(f"SELECT {_ROW} FROM decisions ORDER BY seq")
    while rows := cur.fetchmany(500):
        for raw in rows:
            row = _Row.of(tuple(raw))
            broken = _check(conn, row, expected_prev, last, head_hash)
            if broken is not None:
                return report(checked, broken)
            expected_prev, last = row.hash, row
            checked += 1

    return report(checked, _check_tail(conn, meta, last, head_seq, acked_seq))


def _check(
    conn: sqlite3.Connection,
    row: _Row,
    expected_prev: str,
    last: _Row | None,
    head_hash: str,
) -> BrokenRecord | None:
    def broken(what: Breakage, detail: str) -> BrokenRecord:
        return BrokenRecord(row.seq, row.id or None, what, detail)

    try:
        decision = Decision.model_validate_json(row.body)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        return broken(Breakage.EDITED, f"body is not a valid decision ({where}: {first['msg']})")
    if decision.canonical_bytes().decode() != row.body:
        return broken(Breakage.EDITED, "body is not byte-for-byte the canonical JSON it was")
    # The queryable columns are copies of fields inside the hashed body; an edit
    # to a copy changes what `decisions list` shows, so it is an edit too.
    for column, stored, hashed in (
        ("id", row.id, decision.id),
        ("advisor_id", row.advisor_id, decision.advisor_id),
        ("customer_id", row.customer_id, decision.customer_id),
        ("kind", row.kind, decision.kind.value),
        ("decided_at", row.decided_at, decision.decided_at.isoformat()),
    ):
        if stored != hashed:
            return broken(
                Breakage.EDITED,
                f"column {column} reads {stored!r}; the hashed body says {hashed!r}",
            )

    recomputed = chain_hash(row.prev_hash, decision)
    consistent = recomputed == row.hash
    last_seq = last.seq if last is not None else 0

    if row.prev_hash != expected_prev:
        if not consistent:
            return broken(
                Breakage.HASH_MISMATCH,
                "its prev_hash does not follow the previous record and its hash does not "
                "match its content",
            )
        holder = _seq_with_hash(conn, row.prev_hash, row.seq)
        if holder is not None:
            return broken(
                Breakage.REORDERED,
                f"it chains from seq {holder} but is stored at seq {row.seq}, after seq "
                f"{last_seq or 'none'}{_ulid_hint(row, last)}",
            )
        if row.seq != last_seq + 1:
            gone = _span(last_seq + 1, row.seq - 1)
            return broken(
                Breakage.DELETED,
                f"{gone} missing: the record it chains from is no longer in the store",
            )
        return broken(Breakage.DELETED, "the record it chains from is no longer in the store")

    if not consistent:
        home = _seq_whose_slot_fits(conn, decision, row.seq)
        if home is not None:
            return broken(
                Breakage.REORDERED,
                f"its content was hashed at seq {home}; the contents of seq {row.seq} and "
                f"seq {home} were swapped",
            )
        follower = conn.execute(
            "SELECT prev_hash FROM decisions WHERE seq > ? ORDER BY seq LIMIT 1", (row.seq,)
        ).fetchone()
        witness = str(follower[0]) if follower is not None else head_hash
        if witness == recomputed:
            return broken(
                Breakage.HASH_MISMATCH,
                "its hash column was changed; the content and the next link are intact",
            )
        return broken(
            Breakage.EDITED,
            "its content no longer matches the hash it was recorded with",
        )

    if row.status == "delivered" and not (row.server_hash and row.server_prev_hash):
        # Marking a record delivered by hand would stop the outbox sending it:
        # the decision would never reach the server, so this is an edit too.
        return broken(Breakage.EDITED, "marked delivered but holds no server receipt")
    if row.server_hash and row.server_prev_hash:
        if chain_hash(row.server_prev_hash, decision) != row.server_hash:
            return broken(
                Breakage.EDITED,
                f"its content no longer matches the hash the server acknowledged "
                f"(server sequence {row.server_sequence})",
            )
    return None


def _check_tail(
    conn: sqlite3.Connection,
    meta: dict[str, str],
    last: _Row | None,
    head_seq: int | None,
    acked_seq: int | None,
) -> BrokenRecord | None:
    last_seq = last.seq if last is not None else 0
    last_hash = last.hash if last is not None else GENESIS_HASH

    if acked_seq is not None:
        acked_id = meta.get(MetaKey.ACKED_ID)
        server_seq = meta.get(MetaKey.ACKED_SERVER_SEQUENCE, "?")
        server_hash = meta.get(MetaKey.ACKED_SERVER_HASH, "")
        acked = (
            f"the server acknowledged seq {acked_seq} as its #{server_seq} "
            f"(hash {server_hash[:16]}…)"
        )
        found = conn.execute(
            "SELECT id, hash, server_hash FROM decisions WHERE seq = ?", (acked_seq,)
        ).fetchone()
        if found is None:
            return BrokenRecord(
                last_seq + 1,
                acked_id if acked_seq == last_seq + 1 else None,
                Breakage.TRUNCATED,
                f"{_span(last_seq + 1, max(acked_seq, head_seq or 0))} missing from the end; "
                f"{acked}",
            )
        if (str(found[0]), str(found[1]), found[2]) != (
            acked_id,
            meta.get(MetaKey.ACKED_HASH),
            server_hash,
        ):
            return BrokenRecord(
                acked_seq,
                str(found[0]),
                Breakage.TRUNCATED,
                f"the record at seq {acked_seq} is not the one {acked}",
            )

    if head_seq is None:
        if last is None:
            return None
        return BrokenRecord(
            last.seq, last.id, Breakage.HASH_MISMATCH, "records exist but the chain head is gone"
        )
    if head_seq > last_seq:
        return BrokenRecord(
            last_seq + 1,
            None,
            Breakage.TRUNCATED,
            f"{_span(last_seq + 1, head_seq)} missing from the end; the store last wrote "
            f"seq {head_seq}",
        )
    if head_seq < last_seq or meta.get(MetaKey.HEAD_HASH) != last_hash:
        assert last is not None
        return BrokenRecord(
            last.seq,
            last.id,
            Breakage.HASH_MISMATCH,
            f"the chain ends at seq {last.seq} but the store last wrote seq {head_seq} "
            "(rows added or the head changed outside the app)",
        )
    return None


def _seq_with_hash(conn: sqlite3.Connection, digest: str, other_than: int) -> int | None:
    found = conn.execute(
        "SELECT seq FROM decisions WHERE hash = ? AND seq != ? LIMIT 1", (digest, other_than)
    ).fetchone()
    return None if found is None else int(found[0])


def _seq_whose_slot_fits(conn: sqlite3.Connection, decision: Decision, seq: int) -> int | None:
    """The seq whose stored prev_hash and hash this content fits, if another one.

    Only run at the first break, so one pass over the store is affordable.
    """
    cur = conn.execute("SELECT seq, prev_hash, hash FROM decisions WHERE seq != ?", (seq,))
    while rows := cur.fetchmany(1000):
        for other, prev_hash, digest in rows:
            if chain_hash(str(prev_hash), decision) == digest:
                return int(other)
    return None


def _ulid_hint(row: _Row, last: _Row | None) -> str:
    if last is not None and row.id < last.id:
        return f" (its id sorts before seq {last.seq}'s: decided earlier, stored later)"
    return ""


def _span(first: int, end: int) -> str:
    return f"seq {first}" if first >= end else f"seq {first}..{end}"


def _meta_int(meta: dict[str, str], key: MetaKey) -> int | None:
    value = meta.get(key)
    try:
        return None if value is None else int(value)
    except ValueError:
        return None
