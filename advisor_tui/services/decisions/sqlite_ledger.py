"""The decision log on SQLite: the embedded engine (demo, a single site).

Synchronous and thread-safe; ``sqlite_engine.SqliteEngine`` runs it in worker
threads behind the async engine interface the router uses.

Design notes
- The hashed content of a decision (its canonical JSON) is stored verbatim in
  ``decision_bodies`` (same rowid as its ``decisions`` row) and never
  rewritten. Kept out of ``decisions`` so that table stays narrow: index
  builds and any scan that has to touch rows read a fifth of the bytes.
  Reviews are appended rows; the ``approval`` and ``review_state`` columns on
  a decision are caches derived from its reviews so that filters can use an
  index. Nothing a supervisor does edits a record.
- Filtered pages and counts: see ``sqlite_queries``.
- Each advisor has their own chain: ``hash = chain_hash(prev_hash, decision)``
  with ``prev_hash`` the advisor's previous hash (``GENESIS_HASH`` first).
  Writes take SQLite's database lock (``BEGIN IMMEDIATE``) before reading the
  head, so several worker processes on one file append in turn, and the unique
  ``(advisor_id, sequence)`` index makes a forked chain impossible regardless.
"""

from __future__ import annotations

import builtins
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from advisor_tui.contract.decisions import (
    GENESIS_HASH,
    ChainAudit,
    ChainHead,
    ChainLink,
    Decision,
    DecisionFilters,
    DecisionKind,
    DecisionPage,
    DecisionReceipt,
    DecisionStats,
    DecisionView,
    Review,
    ReviewCreate,
)
from advisor_tui.contract.identity import Advisor
from advisor_tui.services.decisions import (
    chain,
    migrations,
    sqlite_figures,
    sqlite_queries,
)
from advisor_tui.services.decisions.errors import ChainLinkBroken, DecisionNotFound
from advisor_tui.services.decisions.rows import (
    DECISION_COLUMNS,
    alternative,
    check_decision_replay,
    new_row,
    receipt,
    replayed_review,
    stored_review,
    view,
)
from advisor_tui.services.decisions.rules import (
    decode_cursor,
    encode_cursor,
    from_ts,
    review_outcome,
    ts,
    us,
)

_MARKS = ", ".join("?" * len(DECISION_COLUMNS.split(",")))
_BODY = "(SELECT body FROM decision_bodies b WHERE b.rowid = decisions.rowid)"
_VIEW_COLUMNS = (
    f"id, advisor_id, team, approval, review_state, {_BODY}, sequence, prev_hash, hash, recorded_at"
)


class SqliteLedger:
    """Append-only decision log with per-advisor hash chains and appended reviews.

    One connection per ledger shared by its threads, serialised by a lock;
    SQLite writes are serial anyway. ``db_path=None`` keeps everything in
    memory. ``migrate=True`` applies missing schema steps (the demo and tests
    do; ``serve decisions`` does only when asked with ``--migrate``).
    """

    def __init__(self, db_path: Path | None = None, *, migrate: bool = True) -> None:
        self._path = db_path
        self._lock = threading.RLock()
        target = ":memory:" if db_path is None else str(db_path)
        if db_path is not None:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        # timeout: another worker process may hold the write lock for a moment.
        self._db = sqlite3.connect(
            target, check_same_thread=False, isolation_level=None, timeout=30
        )
        if db_path is not None:
            # WAL so readers are not blocked by a writer; NORMAL never corrupts
            # in WAL mode, it can only lose the last commits on power loss.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        # 64 MiB of page cache keeps the hot ends of the indexes in memory.
        self._db.execute("PRAGMA cache_size=-65536")
        self._db.execute("PRAGMA temp_store=MEMORY")
        if migrate:
            self.migrate()
        else:
            self.check_schema()

    # -- lifecycle -------------------------------------------------------

    @property
    def path(self) -> Path | None:
        return self._path

    def schema_version(self) -> int:
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> builtins.list[int]:
        """Apply the missing schema steps in order; the versions applied."""
        applied: builtins.list[int] = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                found = int(self._db.execute("PRAGMA user_version").fetchone()[0])
                for version, script in enumerate(migrations.SQLITE, start=1):
                    if version <= found:
                        continue
                    for statement in _statements(script):
                        self._db.execute(statement)
                    self._db.execute(f"PRAGMA user_version = {version}")
                    applied.append(version)
                if found < 1:
                    sqlite_queries.create_filter_indexes(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return applied

    def check_schema(self) -> None:
        found = self.schema_version()
        if found != migrations.LATEST_SQLITE:
            raise migrations.SchemaOutOfDate(
                found, migrations.LATEST_SQLITE, str(self._path or ":memory:")
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> SqliteLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection, for bulk loads and tests that forge records."""
        return self._db

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def head(self, advisor_id: str) -> tuple[int, str]:
        """``advisor_id``'s chain length and head hash (GENESIS_HASH when empty)."""
        with self._lock:
            return self._head(self._db, advisor_id)

    def bulk_seed(
        self,
        n: int,
        seed: int,
        advisors: Sequence[Advisor],
        now: datetime,
        *,
        days: int = 365,
        batch_size: int = 20_000,
    ) -> None:
        """Append ``n`` generated decisions (see ``seed.sqlite_bulk_seed``)."""
        from advisor_tui.services.decisions.seed import sqlite_bulk_seed

        sqlite_bulk_seed(self, n, seed, advisors, now, days=days, batch_size=batch_size)

    # -- decisions -------------------------------------------------------

    def record(
        self,
        decision: Decision,
        advisor: Advisor,
        now: datetime,
        *,
        link: chain.Link | None = None,
    ) -> tuple[DecisionReceipt, bool]:
        """Append ``decision`` to ``advisor``'s chain; replaying the same body is a no-op.

        ``link`` is where the client says the record goes (its last
        acknowledged head); a record that does not fit is refused with
        ChainLinkBroken, counted, and not stored. Returns the receipt and
        whether this call created the record.
        """
        if decision.advisor_id != advisor.id:
            # The chain is keyed by the recording advisor; a body naming someone
            # else would sit in the wrong chain.
            raise ValueError(f"decision is by {decision.advisor_id!r}, not {advisor.id!r}")
        body = decision.canonical_bytes()
        refused: ChainLinkBroken | None = None
        with self._tx() as db:
            row = db.execute(
                f"SELECT {_BODY}, advisor_id, sequence, prev_hash, hash, recorded_at "
                "FROM decisions WHERE id = ?",
                (decision.id,),
            ).fetchone()
            if row is not None:
                check_decision_replay(decision.id, row[0], body.decode())
                return _receipt(decision.id, *row[1:]), False
            count, head = self._head(db, advisor.id)
            refused = chain.check_link(advisor.id, count, head, link)
            if refused is not None:
                # Counted in this transaction, raised after it commits.
                db.execute(
                    "INSERT INTO chain_refusals (advisor_id, refused, last_at) VALUES (?, 1, ?) "
                    "ON CONFLICT (advisor_id) DO UPDATE SET refused = refused + 1, "
                    "last_at = excluded.last_at",
                    (advisor.id, ts(now)),
                )
            else:
                sequence = count + 1
                digest = chain.link_hash(head, body)
                recorded_at = ts(now)
                kept_alternative = alternative(decision)
                cursor = db.execute(
                    f"INSERT INTO decisions ({DECISION_COLUMNS}) VALUES ({_MARKS})",
                    new_row(
                        decision,
                        advisor,
                        decided_at=us(decision.decided_at),
                        alternative=kept_alternative,
                        sequence=sequence,
                        prev_hash=head,
                        digest=digest,
                        recorded_at=recorded_at,
                    ),
                )
                db.execute(
                    "INSERT INTO decision_bodies (rowid, body) VALUES (?, ?)",
                    (cursor.lastrowid, body.decode()),
                )
                sqlite_figures.add_to_rollups(
                    db,
                    decided_at=decision.decided_at,
                    team=advisor.team,
                    advisor_id=advisor.id,
                    step_id=decision.process_step.id,
                    override=decision.kind is DecisionKind.OVERRIDE,
                    alternative=kept_alternative,
                )
        if refused is not None:
            raise refused
        return _receipt(decision.id, advisor.id, sequence, head, digest, recorded_at), True

    @staticmethod
    def _head(db: sqlite3.Connection, advisor_id: str) -> tuple[int, str]:
        row = db.execute(
            "SELECT sequence, hash FROM decisions WHERE advisor_id = ? "
            "ORDER BY sequence DESC LIMIT 1",
            (advisor_id,),
        ).fetchone()
        return (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))

    def get(self, decision_id: str) -> DecisionView | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_VIEW_COLUMNS} FROM decisions WHERE id = ?", (decision_id,)
            ).fetchone()
            if row is None:
                return None
            reviews = self._reviews_for([decision_id])
        return _view(row, reviews.get(decision_id, []))

    def list(
        self, filters: DecisionFilters, cursor: str | None = None, limit: int = 50
    ) -> DecisionPage:
        """One page, newest first, and how many match ``filters`` in all."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        where, args = sqlite_queries.where(filters)
        page_where, page_args = sqlite_queries.where(filters, page=True)
        if cursor is not None:
            page_where.append("id < ?")
            page_args.append(decode_cursor(cursor, "v1")[0])
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_VIEW_COLUMNS} FROM decisions{sqlite_queries.page_hint(filters)}"
                f"{sqlite_queries.sql_where(page_where)} ORDER BY id DESC LIMIT ?",
                (*page_args, limit + 1),
            ).fetchall()
            total = int(
                self._db.execute(
                    f"SELECT count(*) FROM decisions{sqlite_queries.count_hint(filters)}"
                    f"{sqlite_queries.sql_where(where)}",
                    args,
                ).fetchone()[0]
            )
            more = len(rows) > limit
            rows = rows[:limit]
            reviews = self._reviews_for([r[0] for r in rows])
        items = [_view(r, reviews.get(r[0], [])) for r in rows]
        next_cursor = encode_cursor(rows[-1][0]) if more else None
        return DecisionPage(items=items, next_cursor=next_cursor, total=total)

    def _reviews_for(self, decision_ids: Sequence[str]) -> dict[str, builtins.list[Review]]:
        if not decision_ids:
            return {}
        marks = ", ".join("?" * len(decision_ids))
        out: dict[str, builtins.list[Review]] = {}
        for decision_id, body in self._db.execute(
            f"SELECT decision_id, body FROM reviews WHERE decision_id IN ({marks}) "
            "ORDER BY decision_id, at, id",
            tuple(decision_ids),
        ):
            out.setdefault(decision_id, []).append(Review.model_validate_json(body))
        return out

    # -- the chain -------------------------------------------------------

    def chain_head(self, advisor_id: str) -> ChainHead:
        with self._lock:
            count, head = self._head(self._db, advisor_id)
        return ChainHead(advisor_id=advisor_id, count=count, head_hash=head)

    def chain_links(self, advisor_id: str, after: int, limit: int) -> builtins.list[ChainLink]:
        """``advisor_id``'s links with sequence > ``after``, in order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT sequence, id, prev_hash, hash FROM decisions "
                "WHERE advisor_id = ? AND sequence > ? ORDER BY sequence LIMIT ?",
                (advisor_id, after, limit),
            ).fetchall()
        return [ChainLink(sequence=s, id=i, prev_hash=p, hash=h) for s, i, p, h in rows]

    def audit(self, after: str | None, limit: int) -> builtins.list[ChainAudit]:
        """Recompute the chains of up to ``limit`` advisors whose id sorts after ``after``."""
        with self._lock:
            advisors = [
                r[0]
                for r in self._db.execute(
                    "SELECT DISTINCT advisor_id FROM decisions WHERE advisor_id > ? "
                    "ORDER BY advisor_id LIMIT ?",
                    (after or "", limit),
                )
            ]
            out: builtins.list[ChainAudit] = []
            for advisor_id in advisors:
                rows = self._db.execute(
                    f"SELECT sequence, prev_hash, hash, {_BODY} FROM decisions "
                    "WHERE advisor_id = ? ORDER BY sequence",
                    (advisor_id,),
                )
                checked = chain.check_rows(advisor_id, rows)
                refused = self._db.execute(
                    "SELECT refused FROM chain_refusals WHERE advisor_id = ?", (advisor_id,)
                ).fetchone()
                out.append(checked.with_refused(int(refused[0]) if refused else 0))
        return out

    def verify_chain(self, advisor_id: str) -> int | None:
        """Recompute one advisor's chain; the first bad sequence number, or None if intact."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT sequence, prev_hash, hash, {_BODY} FROM decisions "
                "WHERE advisor_id = ? ORDER BY sequence",
                (advisor_id,),
            )
            return chain.check_rows(advisor_id, rows).first_broken

    # -- reviews ---------------------------------------------------------

    def add_review(
        self, decision_id: str, review: ReviewCreate, reviewer: Advisor, now: datetime
    ) -> tuple[Review, bool]:
        """Append a verdict; replaying the same review id and body returns the first one.

        Raises DecisionNotFound, IdempotencyConflict, ReviewNotAllowed (verdict
        does not apply), AlreadyDecided (approval no longer pending) or
        ApprovalLimitExceeded (reviewer may not approve this one).
        """
        with self._tx() as db:
            existing = db.execute("SELECT body FROM reviews WHERE id = ?", (review.id,)).fetchone()
            if existing is not None:
                return replayed_review(existing[0], review, decision_id, reviewer), False
            row = db.execute(
                f"SELECT advisor_id, needs_approval, approval, {_BODY} FROM decisions WHERE id = ?",
                (decision_id,),
            ).fetchone()
            if row is None:
                raise DecisionNotFound(f"no decision {decision_id}")
            advisor_id, needs_approval, approval, body = row
            new_approval, new_review_state = review_outcome(
                decision_id, review, reviewer, advisor_id, bool(needs_approval), approval, body
            )
            stored = stored_review(review, decision_id, reviewer, now)
            db.execute(
                "INSERT INTO reviews (id, decision_id, reviewer_id, verdict, body, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    review.id,
                    decision_id,
                    reviewer.id,
                    review.verdict.value,
                    stored.model_dump_json(),
                    ts(now),
                ),
            )
            # The caches that filters read; the decision's hashed body is untouched.
            if new_approval is not None:
                db.execute(
                    "UPDATE decisions SET approval = ? WHERE id = ?",
                    (new_approval.value, decision_id),
                )
            if new_review_state is not None:
                db.execute(
                    "UPDATE decisions SET review_state = ? WHERE id = ?",
                    (new_review_state.value, decision_id),
                )
        return stored, True

    # -- figures ---------------------------------------------------------

    def stats(
        self, since: datetime | None = None, until: datetime | None = None, team: str | None = None
    ) -> DecisionStats:
        """Override rates per advisor, step and day, and the most repeated overrides."""
        with self._lock:
            return sqlite_figures.stats(self._db, since, until, team)


def _receipt(
    decision_id: str,
    advisor_id: str,
    sequence: int,
    prev_hash: str,
    digest: str,
    recorded_at: str,
) -> DecisionReceipt:
    # SQLite keeps the time as text.
    return receipt(decision_id, advisor_id, sequence, prev_hash, digest, from_ts(recorded_at))


def _view(row: Sequence[Any], reviews: builtins.list[Review]) -> DecisionView:
    return view([*row[:9], from_ts(row[9])], reviews)


def _statements(script: str) -> builtins.list[str]:
    """A migration script's statements (they hold no semicolons inside literals)."""
    return [s.strip() for s in script.split(";") if s.strip()]
