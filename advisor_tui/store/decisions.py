"""The advisor's local decision log: durable first, then delivered.

Every decision is written here, in one SQLite transaction that is on disk
before ``append`` returns, and only then does the screen say "recorded". A
background outbox (``advisor_tui.store.outbox``) later delivers pending records
to the decisions backend and writes the server's receipt back.

Each record carries a SHA-256 hash of its canonical content chained to the
previous record's hash (``chain_hash`` from the contract), one chain per local
store in ``seq`` order, so ``advisor_tui.store.verify`` can tell an edited,
deleted, reordered or truncated log from an intact one.

This module must not import Textual: the CLI and the crash test use it headless.
"""

from __future__ import annotations

import builtins
import contextlib
import logging
import os
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

import platformdirs

from advisor_tui import APP_NAME
from advisor_tui.contract import GENESIS_HASH, Decision, DecisionReceipt, chain_hash, utcnow

STORE_FILENAME = "decisions.sqlite3"
SCHEMA_VERSION = "1"

Synchronous = Literal["FULL", "NORMAL"]


def default_store_path(data_dir: Path | None = None) -> Path:
    """Where the decision store lives: the platform's per-user data directory."""
    base = data_dir if data_dir is not None else Path(platformdirs.user_data_dir(APP_NAME))
    return base / STORE_FILENAME


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    # The server refused this exact request for good (409 on the idempotency key,
    # or 4xx validation). Retrying cannot help and hiding it would lose the
    # decision silently, so it stays in the log, out of the queue, and is
    # surfaced by ``status()`` until a person looks at it.
    REJECTED = "rejected"


class DecisionConflict(Exception):
    """``append`` was given an id that is already stored with different content."""


# AUTOINCREMENT so a seq is never reused after rows are deleted: a reader's
# cursor, an exported seq and the acknowledged seq in ``meta`` keep naming the
# same record forever.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    advisor_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'rejected')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_attempt_at TEXT,
    delivered_at TEXT,
    server_prev_hash TEXT,
    server_hash TEXT,
    server_sequence INTEGER
);
CREATE INDEX IF NOT EXISTS decisions_by_status ON decisions (status, seq);
CREATE INDEX IF NOT EXISTS decisions_by_customer ON decisions (customer_id, seq);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

_COLUMNS = (
    "seq, id, advisor_id, customer_id, kind, decided_at, body, prev_hash, hash, status, "
    "attempts, last_error, last_attempt_at, delivered_at, server_prev_hash, server_hash, "
    "server_sequence"
)


class MetaKey(StrEnum):
    SCHEMA_VERSION = "schema_version"
    # The chain head as the store last wrote it. Appends chain from here rather
    # than from whatever row is last, so a truncated tail stays visible: the
    # next record points at a hash that is no longer in the table.
    HEAD_SEQ = "head_seq"
    HEAD_HASH = "head_hash"
    # The highest local record the server has acknowledged, with the server's
    # own hash and sequence for it: the anchor ``verify`` compares against to
    # catch a tail cut off after delivery.
    ACKED_SEQ = "acked_seq"
    ACKED_ID = "acked_id"
    ACKED_HASH = "acked_hash"
    ACKED_SERVER_HASH = "acked_server_hash"
    ACKED_SERVER_SEQUENCE = "acked_server_sequence"
    # Outcome of the most recent delivery attempt, for ``status()``.
    LAST_ATTEMPT_AT = "last_attempt_at"
    LAST_ERROR = "last_error"


@dataclass(frozen=True, slots=True)
class StoredDecision:
    seq: int
    id: str
    advisor_id: str
    customer_id: str
    kind: str
    decided_at: datetime
    body: str
    prev_hash: str
    hash: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    server_prev_hash: str | None
    server_hash: str | None
    server_sequence: int | None

    @property
    def decision(self) -> Decision:
        return Decision.model_validate_json(self.body)

    @classmethod
    def from_row(cls, row: sqlite3.Row | tuple[object, ...]) -> StoredDecision:
        (
            seq,
            id_,
            advisor_id,
            customer_id,
            kind,
            decided_at,
            body,
            prev_hash,
            hash_,
            status,
            attempts,
            last_error,
            last_attempt_at,
            delivered_at,
            server_prev_hash,
            server_hash,
            server_sequence,
        ) = tuple(row)
        return cls(
            seq=int(str(seq)),
            id=str(id_),
            advisor_id=str(advisor_id),
            customer_id=str(customer_id),
            kind=str(kind),
            decided_at=datetime.fromisoformat(str(decided_at)),
            body=str(body),
            prev_hash=str(prev_hash),
            hash=str(hash_),
            status=DeliveryStatus(str(status)),
            attempts=int(str(attempts)),
            last_error=_opt_str(last_error),
            last_attempt_at=_opt_time(last_attempt_at),
            delivered_at=_opt_time(delivered_at),
            server_prev_hash=_opt_str(server_prev_hash),
            server_hash=_opt_str(server_hash),
            server_sequence=None if server_sequence is None else int(str(server_sequence)),
        )


@dataclass(frozen=True, slots=True)
class StoredPage:
    items: list[StoredDecision]
    # Pass as ``before`` to get the next (older) page; None on the last page.
    next_cursor: int | None


@dataclass(frozen=True, slots=True)
class StoreStatus:
    pending: int
    delivered: int
    rejected: int
    # The error of the most recent delivery attempt, None if it succeeded.
    last_error: str | None
    last_attempt_at: datetime | None

    @property
    def failing(self) -> bool:
        return self.last_error is not None


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _opt_time(value: object) -> datetime | None:
    return None if value is None or value == "" else datetime.fromisoformat(str(value))


def _iso(value: datetime) -> str:
    return value.isoformat()


def _create_private(path: Path) -> None:
    """Create the database file readable by its owner only, before SQLite does.

    Decisions name customers and their circumstances. SQLite gives the -wal and
    -shm files the main file's permissions, so setting them here covers all three.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)


def connect(path: Path, *, synchronous: Synchronous = "FULL") -> sqlite3.Connection:
    """Open the store's database with the pragmas every connection needs.

    Autocommit mode (``isolation_level=None``): transactions are explicit
    ``BEGIN IMMEDIATE`` / ``COMMIT`` so what is durable when is plain to see.
    """
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    # The TUI's outbox and a `decisions sync` from a shell can write at the same
    # time; wait for the other writer's short transaction rather than fail.
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL, not NORMAL. In WAL mode NORMAL already survives a killed process
    # (the WAL is written before COMMIT returns), but it only fsyncs at
    # checkpoints, so a power cut or OS crash can lose the last commits. The
    # screen tells the advisor "recorded" as soon as append() returns, and that
    # promise has to survive the machine going down, so every commit is fsynced.
    # What it costs, measured by benchmarks/decision_durability.py (500 appends
    # 5 ms apart, ext4 on a 2-CPU VM, six runs on a quiet machine): FULL p50
    # 0.66-0.76 ms, p99 1.1-2.5 ms; NORMAL p50 0.29-0.34 ms, p99 0.6-0.8 ms.
    # About 0.4 ms per decision (0.35-1.6 ms at p99), well inside the 10 ms
    # budget. With other test suites hammering the same disk and CPUs, FULL's
    # p99 rose to 8-12 ms (NORMAL's to 2-4 ms): the disk, not FULL, dominates.
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    # SQLite checkpoints inside whichever commit takes the WAL past 1,000 pages
    # (about every 140th append): that advisor waits while ~4 MB is copied into
    # the database file and fsynced. DecisionStore also runs a PASSIVE
    # checkpoint on a background thread every CHECKPOINT_EVERY writes, so when
    # SQLite's own turn comes only a few pages are left to copy. SQLite's own
    # is kept because only a checkpoint that finishes between two commits lets
    # the WAL restart from the top; without it the WAL grew to 40 MB per 1,500
    # appends and a growing file makes every fsync dearer. Measured (1,000
    # FULL appends 2 ms apart, ext4, eight runs each): p99 1.0-1.9 ms (median
    # 1.3) with the background thread, 1.4-3.4 ms (median 2.4) without; worst
    # single append 3.5-7.5 ms against 4.2-10.9 ms.
    conn.execute("PRAGMA wal_autocheckpoint = 1000")
    if sys.platform == "darwin":
        # macOS fsync() does not flush the drive's cache; only F_FULLFSYNC does,
        # and without it FULL is no stronger than NORMAL against power loss.
        conn.execute("PRAGMA fullfsync = ON")
    return conn


# Write transactions between background checkpoints. An append adds about seven
# WAL pages, so this is about 350 pages: two or three background passes before
# SQLite's own checkpoint at 1,000.
CHECKPOINT_EVERY = 50


def _checkpoint(path: Path) -> None:
    """Copy the WAL into the database without blocking writers (PASSIVE).

    A daemon thread: if the process dies mid-checkpoint SQLite simply redoes it.
    """
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=10.0)
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        # Only housekeeping: the WAL keeps every commit until the next try.
        logging.getLogger(__name__).warning("decision store checkpoint failed", exc_info=True)


def open_reader(path: Path) -> sqlite3.Connection:
    """A separate connection for long reads (export, verify), never for writes.

    Inside ``BEGIN`` it reads one WAL snapshot, so a report is consistent while
    the outbox keeps writing, and it holds no lock a writer waits on. It refuses
    a missing path rather than create an empty store there.
    """
    if not path.is_file():
        raise FileNotFoundError(f"no decision store at {path}")
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA query_only = ON")
    return conn


def _filters(
    customer_id: str | None, kind: str | None, status: DeliveryStatus | str | None
) -> tuple[list[str], list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if customer_id is not None:
        clauses.append("customer_id = ?")
        params.append(customer_id)
    if kind is not None:
        clauses.append("kind = ?")
        params.append(str(kind))
    if status is not None:
        clauses.append("status = ?")
        params.append(DeliveryStatus(status).value)
    return clauses, params


def iter_records(
    conn: sqlite3.Connection,
    *,
    customer_id: str | None = None,
    kind: str | None = None,
    status: DeliveryStatus | str | None = None,
    batch: int = 500,
) -> Iterator[StoredDecision]:
    """Records in seq order, ``batch`` rows at a time, from ``conn``'s current snapshot."""
    clauses, params = _filters(customer_id, kind, status)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    cur = conn.execute(f"SELECT {_COLUMNS} FROM decisions{where} ORDER BY seq", params)
    while rows := cur.fetchmany(batch):
        for row in rows:
            yield StoredDecision.from_row(row)


def read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    return {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM meta")}


class StoreDamaged(Exception):
    """The file at ``path`` is not a usable decision store; ``problem`` says how."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(path, problem)
        self.path = path
        self.problem = problem

    def __str__(self) -> str:
        return f"the decision log {self.path} is damaged: {self.problem}"


_TABLES = frozenset({"decisions", "meta"})


def _problem(conn: sqlite3.Connection, *, allow_empty: bool) -> str | None:
    """What is wrong with the open database, or None. Reads only."""
    rows = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
    if rows != ["ok"]:
        return "integrity check failed: " + "; ".join(str(r) for r in rows[:3])
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not tables and allow_empty:
        return None
    if not _TABLES <= tables:
        return "a SQLite file, but not a decision log (no decisions table)"
    return None


def check_store(path: Path) -> str | None:
    """What is wrong with the decision log at ``path``, or None when it is sound.

    Never creates or writes it: a missing or empty file is a problem reported,
    not an empty log made (read-only commands rely on that).
    """
    if not path.is_file():
        return "no such file"
    if path.stat().st_size == 0 and not path.with_name(path.name + "-wal").exists():
        return "the file is empty (0 bytes)"
    try:
        conn = open_reader(path)
    except (sqlite3.Error, OSError) as exc:
        return str(exc)
    try:
        return _problem(conn, allow_empty=False)
    except sqlite3.DatabaseError as exc:
        return str(exc)  # e.g. "file is not a database"
    finally:
        conn.close()


def set_aside(path: Path, now: datetime) -> Path:
    """Rename a damaged log (and its -wal/-shm) out of the way, kept for whoever
    investigates; returns the new name of the main file."""
    kept = path.with_name(f"{path.name}.damaged-{now:%Y%m%dT%H%M%SZ}")
    for suffix in ("-wal", "-shm", ""):
        part = path.with_name(path.name + suffix)
        if part.exists():
            part.rename(kept.with_name(kept.name + suffix))
    return kept


def open_for_app(path: Path, now: datetime | None = None) -> tuple[DecisionStore, str | None]:
    """The app's decision log, and a warning for the advisor if the one at ``path``
    was damaged: then it is kept under another name, never written to, and a fresh
    log takes its place so the advisor can go on recording decisions."""
    try:
        return DecisionStore(path), None
    except StoreDamaged as damaged:
        kept = set_aside(path, now or utcnow())
        store = DecisionStore(path)
        return store, (
            f"The decision log {path} is damaged ({damaged.problem}). It was kept, "
            f"untouched, as {kept} for your supervisor; decisions still undelivered "
            "in it are not sent. New decisions go to a fresh log."
        )


class DecisionStore:
    """The local decision log. Thread-safe; one instance per process is enough.

    Every method is a short synchronous SQLite call (append is about a
    millisecond, mostly fsync). The TUI and the outbox call them through
    ``asyncio.to_thread`` so the fsync never stalls an event loop.
    """

    def __init__(
        self,
        path: Path,
        *,
        synchronous: Synchronous = "FULL",
        clock: Callable[[], datetime] = utcnow,
        read_only: bool = False,
    ) -> None:
        """Open (or create) the log; raise ``StoreDamaged`` if it is not sound.

        ``read_only`` opens an existing, sound log for reports only.
        ``synchronous="NORMAL"`` exists only so the benchmark can show what FULL costs."""
        self.path = path
        self._clock = clock
        self._synchronous = synchronous
        self._lock = threading.Lock()
        self._writes_since_checkpoint = 0
        self._checkpointer: threading.Thread | None = None
        if read_only:
            # Reports (list, status) never create, initialise or rewrite a log:
            # a missing, empty or damaged file is reported as it is.
            problem = check_store(path)
            if problem is not None:
                raise StoreDamaged(path, problem)
            self._conn = open_reader(path)
            return
        _create_private(path)
        try:
            self._conn = connect(path, synchronous=synchronous)
            # Mid-file damage does not stop SQLite opening a file; checking it
            # now means no decision is ever appended to a broken log. An empty
            # file is a log being created (perhaps by another process right now).
            problem = _problem(self._conn, allow_empty=True)
        except sqlite3.DatabaseError as exc:  # "file is not a database" and kin
            problem = str(exc)
        if problem is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            raise StoreDamaged(path, problem)
        with self._lock:
            # CREATE ... IF NOT EXISTS: two processes opening a fresh store at once
            # both succeed. executescript commits by itself.
            self._conn.executescript(_SCHEMA)
            with self._write():
                self._conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                    (MetaKey.SCHEMA_VERSION.value, SCHEMA_VERSION),
                )

    # -- lifecycle ---------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is not None:
            checkpointer.join()
        with self._lock:
            self._conn.close()

    def _after_commit(self) -> None:
        """Count write transactions; every ``CHECKPOINT_EVERY`` start a checkpoint
        on another thread and connection, so no append waits for one. The caller
        holds ``self._lock``."""
        self._writes_since_checkpoint += 1
        if self._writes_since_checkpoint < CHECKPOINT_EVERY:
            return
        if self._checkpointer is not None and self._checkpointer.is_alive():
            return
        self._writes_since_checkpoint = 0
        self._checkpointer = threading.Thread(
            target=_checkpoint, args=(self.path,), name="decision-store-checkpoint", daemon=True
        )
        self._checkpointer.start()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _write(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction; the caller holds ``self._lock``.

        IMMEDIATE takes SQLite's write lock up front, so reading the chain head
        and inserting after it cannot interleave with a writer in another
        process (a `decisions sync` running beside the TUI).

        ``durable=False`` commits without its own fsync. Only for delivery
        state: losing a receipt to a power cut means the decision is sent again
        and the server answers with the same receipt. The next durable commit's
        fsync covers it anyway (the WAL is one append-only file), and an append
        no longer queues behind an fsync the outbox did not need.
        """
        relax = not durable and self._synchronous == "FULL"
        if relax:
            self._conn.execute("PRAGMA synchronous = NORMAL")
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            # Durable: COMMIT returns only once the WAL is fsynced (FULL).
            self._conn.execute("COMMIT")
            self._after_commit()
        finally:
            if relax:
                self._conn.execute("PRAGMA synchronous = FULL")

    def _set_meta(self, conn: sqlite3.Connection, values: dict[MetaKey, str]) -> None:
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [(k.value, v) for k, v in values.items()],
        )

    def _get(self, conn: sqlite3.Connection, decision_id: str) -> StoredDecision | None:
        row = conn.execute(f"SELECT {_COLUMNS} FROM decisions WHERE id = ?", (decision_id,))
        found = row.fetchone()
        return None if found is None else StoredDecision.from_row(found)

    # -- writing -----------------------------------------------------------

    def append(self, decision: Decision) -> StoredDecision:
        """Record ``decision``; when this returns it is on disk.

        Appending the same decision again returns the stored record (a UI that
        retries after an error must not record it twice); the same id with other
        content raises ``DecisionConflict``.
        """
        body = decision.canonical_bytes().decode()
        with self._lock, self._write() as conn:
            existing = self._get(conn, decision.id)
            if existing is not None:
                if existing.body != body:
                    raise DecisionConflict(
                        f"decision {decision.id} is already stored with other content"
                    )
                return existing
            meta = read_meta(conn)
            # Chain from the head the store last wrote, not from the last row: if
            # rows were cut off the end, the new record points at a hash that is
            # missing and verify names the break. Recording is never refused for
            # a damaged chain; losing the decision would be worse.
            prev_hash = meta.get(MetaKey.HEAD_HASH, GENESIS_HASH)
            digest = chain_hash(prev_hash, decision)
            cur = conn.execute(
                "INSERT INTO decisions (id, advisor_id, customer_id, kind, decided_at, body, "
                "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    decision.id,
                    decision.advisor_id,
                    decision.customer_id,
                    decision.kind.value,
                    _iso(decision.decided_at),
                    body,
                    prev_hash,
                    digest,
                ),
            )
            seq = cur.lastrowid
            assert seq is not None
            self._set_meta(conn, {MetaKey.HEAD_SEQ: str(seq), MetaKey.HEAD_HASH: digest})
        return StoredDecision(
            seq=seq,
            id=decision.id,
            advisor_id=decision.advisor_id,
            customer_id=decision.customer_id,
            kind=decision.kind.value,
            decided_at=decision.decided_at,
            body=body,
            prev_hash=prev_hash,
            hash=digest,
            status=DeliveryStatus.PENDING,
            attempts=0,
            last_error=None,
            last_attempt_at=None,
            delivered_at=None,
            server_prev_hash=None,
            server_hash=None,
            server_sequence=None,
        )

    def mark_delivered(self, decision_id: str, receipt: DecisionReceipt) -> StoredDecision:
        """Store the server's receipt; the record leaves the queue.

        Safe to repeat: a replayed delivery gets the same receipt back.
        """
        if receipt.id != decision_id:
            raise ValueError(f"receipt is for {receipt.id}, not {decision_id}")
        now = _iso(self._clock())
        with self._lock, self._write(durable=False) as conn:
            cur = conn.execute(
                "UPDATE decisions SET status = 'delivered', attempts = attempts + 1, "
                "last_attempt_at = ?, delivered_at = ?, server_prev_hash = ?, server_hash = ?, "
                "server_sequence = ? WHERE id = ?",
                (
                    now,
                    _iso(receipt.recorded_at),
                    receipt.prev_hash,
                    receipt.hash,
                    receipt.sequence,
                    decision_id,
                ),
            )
            stored = self._get(conn, decision_id) if cur.rowcount else None
            if stored is None:
                raise KeyError(decision_id)
            meta = read_meta(conn)
            updates = {MetaKey.LAST_ATTEMPT_AT: now, MetaKey.LAST_ERROR: ""}
            if stored.seq >= int(meta.get(MetaKey.ACKED_SEQ, "0")):
                updates |= {
                    MetaKey.ACKED_SEQ: str(stored.seq),
                    MetaKey.ACKED_ID: decision_id,
                    MetaKey.ACKED_HASH: stored.hash,
                    MetaKey.ACKED_SERVER_HASH: receipt.hash,
                    MetaKey.ACKED_SERVER_SEQUENCE: str(receipt.sequence),
                }
            self._set_meta(conn, updates)
        return stored

    def mark_failed(self, decision_id: str, error_text: str) -> None:
        """A delivery attempt failed in a way worth retrying; it stays pending."""
        self._record_failure(decision_id, error_text, DeliveryStatus.PENDING)

    def mark_rejected(self, decision_id: str, error_text: str) -> None:
        """The server refused this decision for good; take it out of the queue."""
        self._record_failure(decision_id, error_text, DeliveryStatus.REJECTED)

    def _record_failure(self, decision_id: str, error_text: str, status: DeliveryStatus) -> None:
        now = _iso(self._clock())
        with self._lock, self._write(durable=False) as conn:
            cur = conn.execute(
                "UPDATE decisions SET status = ?, attempts = attempts + 1, last_error = ?, "
                "last_attempt_at = ? WHERE id = ? AND status != 'delivered'",
                (status.value, error_text, now, decision_id),
            )
            if cur.rowcount == 0 and self._get(conn, decision_id) is None:
                raise KeyError(decision_id)
            self._set_meta(conn, {MetaKey.LAST_ATTEMPT_AT: now, MetaKey.LAST_ERROR: error_text})

    # -- reading -----------------------------------------------------------

    def get(self, decision_id: str) -> StoredDecision | None:
        with self._lock:
            return self._get(self._conn, decision_id)

    def pending(self, limit: int = 100, after: int = 0) -> builtins.list[StoredDecision]:
        """The oldest ``limit`` undelivered decisions with seq above ``after``, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM decisions WHERE status = 'pending' AND seq > ? "
                "ORDER BY seq LIMIT ?",
                (after, limit),
            ).fetchall()
        return [StoredDecision.from_row(r) for r in rows]

    def acknowledged_head(self, advisor_id: str) -> tuple[int, str] | None:
        """The server's (sequence, hash) in the newest receipt held for ``advisor_id``:
        where the next record of theirs goes in the server's chain. None if none."""
        with self._lock:
            row = self._conn.execute(
                "SELECT server_sequence, server_hash FROM decisions WHERE advisor_id = ? "
                "AND status = 'delivered' AND server_sequence IS NOT NULL "
                "ORDER BY server_sequence DESC LIMIT 1",
                (advisor_id,),
            ).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def pending_count(self) -> int:
        with self._lock:
            (n,) = self._conn.execute(
                "SELECT count(*) FROM decisions WHERE status = 'pending'"
            ).fetchone()
        return int(n)

    def queue_counts(self) -> tuple[int, int]:
        """(pending, rejected): what a header shows, counted from the status
        index, so it stays cheap however many delivered records pile up."""
        with self._lock:
            counts = dict(
                self._conn.execute(
                    "SELECT status, count(*) FROM decisions "
                    "WHERE status IN ('pending', 'rejected') GROUP BY status"
                )
            )
        return int(counts.get("pending", 0)), int(counts.get("rejected", 0))

    def list(
        self,
        *,
        customer_id: str | None = None,
        kind: str | None = None,
        status: DeliveryStatus | str | None = None,
        limit: int = 50,
        before: int | None = None,
    ) -> StoredPage:
        """One page, newest first. ``before`` is the previous page's ``next_cursor``.

        Keyset paging on seq, so page N costs the same as page 1 however long
        the log grows.
        """
        clauses, params = _filters(customer_id, kind, status)
        if before is not None:
            clauses.append("seq < ?")
            params.append(before)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM decisions{where} ORDER BY seq DESC LIMIT ?",
                [*params, limit + 1],
            ).fetchall()
        items = [StoredDecision.from_row(r) for r in rows[:limit]]
        more = len(rows) > limit
        return StoredPage(items=items, next_cursor=items[-1].seq if more and items else None)

    def status(self) -> StoreStatus:
        with self._lock:
            counts = dict(
                self._conn.execute("SELECT status, count(*) FROM decisions GROUP BY status")
            )
            meta = read_meta(self._conn)
        return StoreStatus(
            pending=int(counts.get("pending", 0)),
            delivered=int(counts.get("delivered", 0)),
            rejected=int(counts.get("rejected", 0)),
            last_error=meta.get(MetaKey.LAST_ERROR) or None,
            last_attempt_at=_opt_time(meta.get(MetaKey.LAST_ATTEMPT_AT)),
        )

    def durability(self) -> dict[str, str]:
        """The journal and sync settings in force on this store's connection."""
        names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
        with self._lock:
            (journal,) = self._conn.execute("PRAGMA journal_mode").fetchone()
            (sync,) = self._conn.execute("PRAGMA synchronous").fetchone()
        return {"journal_mode": str(journal), "synchronous": names.get(int(sync), str(sync))}

    def meta(self) -> dict[str, str]:
        with self._lock:
            return read_meta(self._conn)

    def iter_all(
        self,
        *,
        customer_id: str | None = None,
        kind: str | None = None,
        status: DeliveryStatus | str | None = None,
    ) -> Iterator[StoredDecision]:
        """Every matching record in seq order, streamed from one snapshot.

        Runs on its own connection so a long export neither holds this
        store's lock nor sees a half-written page of the outbox's updates.
        """
        conn = open_reader(self.path)
        try:
            conn.execute("BEGIN")
            yield from iter_records(conn, customer_id=customer_id, kind=kind, status=status)
        finally:
            conn.close()
