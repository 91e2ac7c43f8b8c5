"""The decisions backend's storage: an append-only, hash-chained ledger on SQLite.

Nothing here knows about HTTP; ``advisor_tui.mock.decisions`` maps the errors
raised here to status codes.

Design notes
- The hashed content of a decision (its canonical JSON) is stored verbatim in
  ``decision_bodies`` (same rowid as its ``decisions`` row) and never
  rewritten. Kept out of ``decisions`` so that table stays narrow: index
  builds and any scan that has to touch rows read a fifth of the bytes.
  Reviews are appended rows; the ``approval`` and ``review_state`` columns on
  a decision are caches derived from its reviews so that filters can use an
  index. Nothing a supervisor does edits a record.
- The filterable fields are copied out of the body into their own columns
  (denormalised) with one ``(column, id, decided_at)`` index each, so a
  filtered page is a walk down one index in id order that stops after
  ``limit`` rows: decision ids are ULIDs, which sort by time, so ``id DESC`` is
  newest first and doubles as the keyset cursor. Totals are index-only counts
  (see ``_count_hint``). Measured by ``benchmarks/decisions_scale.py``.
- Each advisor has their own chain: ``hash = chain_hash(prev_hash, decision)``
  with ``prev_hash`` the advisor's previous hash (``GENESIS_HASH`` first). A
  unique ``(advisor_id, sequence)`` index makes a forked chain impossible even
  if two threads raced past the lock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import queue
import random
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from advisor_tui.contract.actions import ActionKind, ParamValue
from advisor_tui.contract.decisions import (
    GENESIS_HASH,
    ApprovalState,
    ChainHead,
    Decision,
    DecisionFilters,
    DecisionKind,
    DecisionPage,
    DecisionReceipt,
    DecisionStats,
    DecisionView,
    RateBucket,
    RepeatedOverride,
    Review,
    ReviewCreate,
    ReviewState,
    Verdict,
    canonical_json,
    chain_hash,
)
from advisor_tui.contract.identity import Advisor, Role

__all__ = [
    "AlreadyDecided",
    "ApprovalLimitExceeded",
    "DecisionFilters",
    "DecisionLedger",
    "DecisionNotFound",
    "IdempotencyConflict",
    "InvalidCursor",
    "LedgerError",
    "ReviewNotAllowed",
    "largest_pence_change",
]


class LedgerError(Exception):
    """Base of every refusal the ledger makes; the message is safe to show a caller."""


class IdempotencyConflict(LedgerError):
    """The same id (idempotency key) arrived again with a different body."""


class DecisionNotFound(LedgerError):
    pass


class ReviewNotAllowed(LedgerError):
    """The verdict does not apply to this decision (e.g. approving one that needs no approval)."""


class AlreadyDecided(LedgerError):
    """An approve/reject arrived for a decision whose approval is no longer pending."""


class ApprovalLimitExceeded(LedgerError):
    """The reviewer may not approve this decision (limit, role, or their own decision)."""


class InvalidCursor(LedgerError, ValueError):
    pass


_FACETS = "ix_decisions_facets"
_BY_TIME = "ix_decisions_by_time"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id             TEXT NOT NULL UNIQUE,
    advisor_id     TEXT NOT NULL,
    team           TEXT NOT NULL,
    customer_id    TEXT NOT NULL,
    kind           TEXT NOT NULL,
    step_id        TEXT NOT NULL,
    step_title     TEXT NOT NULL,
    reason_code    TEXT,
    needs_approval INTEGER NOT NULL,
    approval       TEXT NOT NULL,
    review_state   TEXT NOT NULL,
    decided_at     INTEGER NOT NULL,  -- microseconds since the epoch, UTC
    action_kind    TEXT NOT NULL,
    alternative    TEXT,
    sequence       INTEGER NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL,
    recorded_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS ux_decisions_chain ON decisions (advisor_id, sequence);
CREATE TABLE IF NOT EXISTS decision_bodies (
    rowid INTEGER PRIMARY KEY,  -- the rowid of the decisions row
    body  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reviews (
    id          TEXT PRIMARY KEY,
    decision_id TEXT NOT NULL,
    reviewer_id TEXT NOT NULL,
    verdict     TEXT NOT NULL,
    body        TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_reviews_decision ON reviews (decision_id, at, id);
"""

# One index per filter, (column, id, decided_at): a filtered page is read in id
# order straight off the index (no sort), a date range is checked without
# touching the row, and counting one filter is an index-only range scan.
# Kept apart from _SCHEMA so bulk_seed can build them after loading an empty
# table, which is several times faster than maintaining them row by row.
_FILTER_INDEXES: dict[str, str] = {
    "ix_decisions_time": "id, decided_at",
    "ix_decisions_advisor": "advisor_id, id, decided_at",
    "ix_decisions_team": "team, id, decided_at",
    "ix_decisions_customer": "customer_id, id, decided_at",
    "ix_decisions_kind": "kind, id, decided_at",
    "ix_decisions_step": "step_id, id, decided_at",
    "ix_decisions_reason": "reason_code, id, decided_at",
    "ix_decisions_needs_approval": "needs_approval, id, decided_at",
    "ix_decisions_approval": "approval, id, decided_at",
    "ix_decisions_review": "review_state, id, decided_at",
    # Counting a combination of the low-cardinality filters: every such column
    # is in here, so the count is an index-only scan (a row lookup per match
    # costs ~10x more). kind, step_id, alternative lead so the repeated
    # overrides query groups straight off it too.
    _FACETS: "kind, step_id, alternative, review_state, approval, needs_approval, team, "
    "reason_code, decided_at",
    # Date ranges and the per-advisor/step/day figures, index-only.
    _BY_TIME: "decided_at, kind, team, advisor_id, step_id",
}

_EQUALITY_COLUMNS = (
    "advisor_id",
    "team",
    "customer_id",
    "kind",
    "step_id",
    "reason_code",
    "needs_approval",
    "approval",
    "review_state",
)

_COLUMNS = (
    "id, advisor_id, team, customer_id, kind, step_id, step_title, reason_code, needs_approval, "
    "approval, review_state, decided_at, action_kind, alternative, sequence, prev_hash, hash, "
    "recorded_at"
)
_MARKS = ", ".join("?" * len(_COLUMNS.split(",")))
_BODY = "(SELECT body FROM decision_bodies b WHERE b.rowid = decisions.rowid)"
_VIEW_COLUMNS = (
    f"id, advisor_id, team, approval, review_state, {_BODY}, sequence, prev_hash, hash, recorded_at"
)

_REVIEW_STATE_FOR: dict[Verdict, ReviewState] = {
    Verdict.ENDORSE: ReviewState.ENDORSED,
    Verdict.COACH: ReviewState.COACHED,
    Verdict.PROPOSE_PROCESS_CHANGE: ReviewState.PROPOSED,
}

_ROLE_RANK = {Role.ADVISOR: 0, Role.TEAM_LEAD: 1, Role.SUPERVISOR: 2}

# Aliases so annotations inside DecisionLedger are not shadowed by its ``list`` method.
_ReviewRow = tuple[str, str, str, str, str, str]
_ReviewList = list[Review]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US_PER_DAY = 86_400_000_000
_ULID_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _ts(value: datetime) -> str:
    """Fixed-width UTC text, so string order is time order and [:10] is the day."""
    if value.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    # isoformat is several times faster than strftime, which matters in bulk_seed.
    return value.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def _us(value: datetime) -> int:
    """Microseconds since the epoch: 8 bytes in every index instead of 27 of text."""
    if value.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def largest_pence_change(decision: Decision) -> int:
    """The largest money amount an override changes, 0 if it changes none."""
    return _largest_pence(decision.changed_parameters)


def _largest_pence(params: dict[str, ParamValue]) -> int:
    """Parameters carry no type in a decision record, so money is recognised by
    the contract's naming convention: integer pence under a ``*_pence`` name."""
    amounts = [
        value
        for name, value in params.items()
        if isinstance(value, int)
        and not isinstance(value, bool)
        and (name == "pence" or name.endswith("_pence"))
    ]
    return max(amounts, default=0)


def _override_key(
    kind: DecisionKind, alternative: str | None, changed: dict[str, ParamValue]
) -> str | None:
    """What an override did instead, as a key for spotting repeats.

    Two overrides of the same step are "the same" when they chose the same
    alternative, or changed the same set of parameters (values differ case by
    case; the shape of the deviation is what could become process).
    """
    if kind is not DecisionKind.OVERRIDE:
        return None
    if alternative:
        return alternative
    if changed:
        return "changed " + ", ".join(sorted(changed))
    return "override without changes"


def _encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(f"v1:{last_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor("cursor is not one this server issued") from exc
    version, _, last_id = raw.partition(":")
    if version != "v1" or not _ULID_RE.match(last_id):
        raise InvalidCursor("cursor is not one this server issued")
    return last_id


class DecisionLedger:
    """Append-only decision log with per-advisor hash chains and appended reviews.

    One SQLite connection shared by every thread, serialised by a lock: the
    mock runs sync endpoints in uvicorn's thread pool, and SQLite writes are
    serial anyway. ``db_path=None`` keeps everything in memory.
    """

    def __init__(self, db_path: Path | None = None) -> None:
        self._path = db_path
        self._lock = threading.RLock()
        target = ":memory:" if db_path is None else str(db_path)
        if db_path is not None:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        if db_path is not None:
            # WAL so readers are not blocked by a writer. NORMAL (not FULL) is
            # enough here: this is the mock server, and WAL+NORMAL never
            # corrupts, it can only lose the last commits on power loss.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        # 64 MiB of page cache keeps the hot ends of the indexes in memory.
        self._db.execute("PRAGMA cache_size=-65536")
        self._db.execute("PRAGMA temp_store=MEMORY")
        with self._lock:
            self._db.executescript(_SCHEMA)
            self._create_filter_indexes()

    # -- lifecycle -------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> DecisionLedger:
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

    def _create_filter_indexes(self) -> None:
        for name, columns in _FILTER_INDEXES.items():
            self._db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON decisions ({columns})")

    # -- decisions -------------------------------------------------------

    def record(
        self, decision: Decision, advisor: Advisor, now: datetime
    ) -> tuple[DecisionReceipt, bool]:
        """Append ``decision`` to ``advisor``'s chain; replaying the same body is a no-op.

        Returns the receipt and whether this call created the record.
        """
        if decision.advisor_id != advisor.id:
            # The chain is keyed by the recording advisor; a body naming someone
            # else would sit in the wrong chain.
            raise ValueError(f"decision is by {decision.advisor_id!r}, not {advisor.id!r}")
        body = decision.canonical_bytes()
        with self._tx() as db:
            row = db.execute(
                f"SELECT {_BODY}, advisor_id, sequence, prev_hash, hash, recorded_at "
                "FROM decisions WHERE id = ?",
                (decision.id,),
            ).fetchone()
            if row is not None:
                if row[0].encode() != body:
                    raise IdempotencyConflict(
                        f"decision {decision.id} was already recorded with a different body"
                    )
                return self._receipt(decision.id, *row[1:]), False
            sequence, prev_hash = self._head(db, advisor.id)
            sequence += 1
            digest = chain_hash(prev_hash, decision)
            recorded_at = _ts(now)
            cursor = db.execute(
                f"INSERT INTO decisions ({_COLUMNS}) VALUES ({_MARKS})",
                (
                    decision.id,
                    advisor.id,
                    advisor.team,
                    decision.customer_id,
                    decision.kind.value,
                    decision.process_step.id,
                    decision.process_step.title,
                    decision.reason_code,
                    int(decision.needs_approval),
                    (
                        ApprovalState.PENDING
                        if decision.needs_approval
                        else ApprovalState.NOT_NEEDED
                    ).value,
                    ReviewState.UNREVIEWED.value,
                    _us(decision.decided_at),
                    decision.action_kind.value,
                    _override_key(decision.kind, decision.alternative, decision.changed_parameters),
                    sequence,
                    prev_hash,
                    digest,
                    recorded_at,
                ),
            )
            db.execute(
                "INSERT INTO decision_bodies (rowid, body) VALUES (?, ?)",
                (cursor.lastrowid, body.decode()),
            )
        return self._receipt(
            decision.id, advisor.id, sequence, prev_hash, digest, recorded_at
        ), True

    @staticmethod
    def _receipt(
        decision_id: str,
        advisor_id: str,
        sequence: int,
        prev_hash: str,
        digest: str,
        recorded_at: str,
    ) -> DecisionReceipt:
        return DecisionReceipt(
            id=decision_id,
            advisor_id=advisor_id,
            sequence=sequence,
            prev_hash=prev_hash,
            hash=digest,
            recorded_at=_from_ts(recorded_at),
        )

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
        return self._view(row, reviews.get(decision_id, []))

    def list(
        self, filters: DecisionFilters, cursor: str | None = None, limit: int = 50
    ) -> DecisionPage:
        """One page, newest first, and how many match ``filters`` in all."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        where, args = _where(filters)
        page_where, page_args = _where(filters, page=True)
        if cursor is not None:
            page_where.append("id < ?")
            page_args.append(_decode_cursor(cursor))
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_VIEW_COLUMNS} FROM decisions{_sql_where(page_where)} "
                "ORDER BY id DESC LIMIT ?",
                (*page_args, limit + 1),
            ).fetchall()
            total = int(
                self._db.execute(
                    f"SELECT count(*) FROM decisions{_count_hint(filters)}{_sql_where(where)}",
                    args,
                ).fetchone()[0]
            )
            more = len(rows) > limit
            rows = rows[:limit]
            reviews = self._reviews_for([r[0] for r in rows])
        items = [self._view(r, reviews.get(r[0], [])) for r in rows]
        next_cursor = _encode_cursor(rows[-1][0]) if more else None
        return DecisionPage(items=items, next_cursor=next_cursor, total=total)

    def _reviews_for(self, decision_ids: Sequence[str]) -> dict[str, _ReviewList]:
        if not decision_ids:
            return {}
        marks = ", ".join("?" * len(decision_ids))
        out: dict[str, _ReviewList] = {}
        for decision_id, body in self._db.execute(
            f"SELECT decision_id, body FROM reviews WHERE decision_id IN ({marks}) "
            "ORDER BY decision_id, at, id",
            tuple(decision_ids),
        ):
            out.setdefault(decision_id, []).append(Review.model_validate_json(body))
        return out

    def _view(self, row: Sequence[Any], reviews: _ReviewList) -> DecisionView:
        decision_id, advisor_id, team, approval, review_state, body = row[:6]
        sequence, prev_hash, digest, recorded_at = row[6:]
        return DecisionView(
            decision=Decision.model_validate_json(body),
            receipt=self._receipt(
                decision_id, advisor_id, sequence, prev_hash, digest, recorded_at
            ),
            team=team,
            approval=ApprovalState(approval),
            review_state=ReviewState(review_state),
            reviews=reviews,
        )

    def chain_head(self, advisor_id: str) -> ChainHead:
        with self._lock:
            count, head = self._head(self._db, advisor_id)
        return ChainHead(advisor_id=advisor_id, count=count, head_hash=head)

    def verify_chain(self, advisor_id: str) -> int | None:
        """Recompute one advisor's chain; the first bad sequence number, or None if intact."""
        expected_prev = GENESIS_HASH
        expected_seq = 1
        with self._lock:
            rows = self._db.execute(
                f"SELECT sequence, prev_hash, hash, {_BODY} FROM decisions "
                "WHERE advisor_id = ? ORDER BY sequence",
                (advisor_id,),
            ).fetchall()
        for sequence, prev_hash, digest, body in rows:
            recomputed = hashlib.sha256(
                prev_hash.encode("ascii") + b"\n" + body.encode()
            ).hexdigest()
            if sequence != expected_seq or prev_hash != expected_prev or digest != recomputed:
                return int(sequence)
            expected_prev, expected_seq = digest, expected_seq + 1
        return None

    # -- reviews ---------------------------------------------------------

    def add_review(
        self, decision_id: str, review: ReviewCreate, reviewer: Advisor, now: datetime
    ) -> tuple[Review, bool]:
        """Append a verdict; replaying the same review id and body returns the first one.

        Raises DecisionNotFound, IdempotencyConflict, ReviewNotAllowed (verdict
        does not apply), AlreadyDecided (approval no longer pending) or
        ApprovalLimitExceeded (reviewer may not approve this one).
        """
        wanted = {**review.model_dump(), "decision_id": decision_id, "reviewer_id": reviewer.id}
        with self._tx() as db:
            existing = db.execute("SELECT body FROM reviews WHERE id = ?", (review.id,)).fetchone()
            if existing is not None:
                stored = Review.model_validate_json(existing[0])
                if stored.model_dump(exclude={"at"}) != wanted:
                    raise IdempotencyConflict(
                        f"review {review.id} was already recorded with a different body"
                    )
                return stored, False

            row = db.execute(
                f"SELECT advisor_id, needs_approval, approval, {_BODY} FROM decisions WHERE id = ?",
                (decision_id,),
            ).fetchone()
            if row is None:
                raise DecisionNotFound(f"no decision {decision_id}")
            advisor_id, needs_approval, approval, body = row
            if advisor_id == reviewer.id:
                raise ApprovalLimitExceeded("a reviewer may not review their own decision")

            new_approval: ApprovalState | None = None
            new_review_state: ReviewState | None = None
            if review.verdict in (Verdict.APPROVE, Verdict.REJECT):
                if not needs_approval:
                    raise ReviewNotAllowed(
                        f"decision {decision_id} does not need approval, so it cannot be "
                        f"{'approved' if review.verdict is Verdict.APPROVE else 'rejected'}"
                    )
                if approval != ApprovalState.PENDING.value:
                    raise AlreadyDecided(f"decision {decision_id} is already {approval}")
                if review.verdict is Verdict.APPROVE:
                    self._check_may_approve(Decision.model_validate_json(body), reviewer)
                    new_approval = ApprovalState.APPROVED
                else:
                    new_approval = ApprovalState.REJECTED
            else:
                new_review_state = _REVIEW_STATE_FOR[review.verdict]

            stored = Review(
                **review.model_dump(), decision_id=decision_id, reviewer_id=reviewer.id, at=now
            )
            db.execute(
                "INSERT INTO reviews (id, decision_id, reviewer_id, verdict, body, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    review.id,
                    decision_id,
                    reviewer.id,
                    review.verdict.value,
                    stored.model_dump_json(),
                    _ts(now),
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

    @staticmethod
    def _check_may_approve(decision: Decision, reviewer: Advisor) -> None:
        if decision.approver_role is not None and (
            _ROLE_RANK[reviewer.role] < _ROLE_RANK[decision.approver_role]
        ):
            raise ApprovalLimitExceeded(
                f"this decision must be approved by a {decision.approver_role.value}"
            )
        amount = largest_pence_change(decision)
        limit = reviewer.permissions.may_approve_up_to_pence
        if amount > limit:
            raise ApprovalLimitExceeded(
                f"approving {amount} pence is above your approval limit of {limit} pence"
            )

    # -- figures ---------------------------------------------------------

    def stats(
        self, since: datetime | None = None, until: datetime | None = None, team: str | None = None
    ) -> DecisionStats:
        """Override rates per advisor, step and day, and the most repeated overrides."""
        where, args = _where(DecisionFilters(team=team, since=since, until=until))
        clause = _sql_where(where)
        override = f"sum(kind = '{DecisionKind.OVERRIDE.value}')"

        # INDEXED BY: both indexes hold every column these read, so each query
        # is one index-only scan; the planner would otherwise take the team
        # index and look up every row for its kind and advisor.
        # Advisor and step come from one (advisor, step) grouping: each GROUP BY
        # over a period is a sort of every row in it, the expensive part.
        repeat_where = [*where, "kind = ?"]
        with self._lock:
            cells = self._db.execute(
                f"SELECT advisor_id, step_id, count(*), {override} "
                f"FROM decisions INDEXED BY {_BY_TIME}{clause} GROUP BY advisor_id, step_id",
                args,
            ).fetchall()
            by_day = self._db.execute(
                f"SELECT decided_at / {_US_PER_DAY} AS k, count(*), {override} "
                f"FROM decisions INDEXED BY {_BY_TIME}{clause} GROUP BY k ORDER BY k",
                args,
            ).fetchall()
            repeated = self._db.execute(
                f"SELECT step_id, alternative, count(*) AS n FROM decisions INDEXED BY {_FACETS}"
                f"{_sql_where(repeat_where)} GROUP BY step_id, alternative HAVING n >= 2 "
                "ORDER BY n DESC, step_id, alternative",
                (*args, DecisionKind.OVERRIDE.value),
            ).fetchall()
            titles = {step_id: self._step_title(step_id) for step_id in {r[0] for r in repeated}}
        by_advisor: dict[str, tuple[int, int]] = {}
        by_step: dict[str, tuple[int, int]] = {}
        for advisor_id, step_id, n, o in cells:
            for totals, key in ((by_advisor, advisor_id), (by_step, step_id)):
                seen, overridden = totals.get(key, (0, 0))
                totals[key] = (seen + n, overridden + o)
        day = timedelta(days=1)
        return DecisionStats(
            by_advisor=[
                RateBucket(key=k, decisions=n, overrides=o)
                for k, (n, o) in sorted(by_advisor.items())
            ],
            by_step=[
                RateBucket(key=k, decisions=n, overrides=o) for k, (n, o) in sorted(by_step.items())
            ],
            by_day=[
                RateBucket(key=(_EPOCH + k * day).date().isoformat(), decisions=n, overrides=o)
                for k, n, o in by_day
            ],
            repeated_overrides=[
                RepeatedOverride(step_id=s, step_title=titles[s], alternative=a, count=n)
                for s, a, n in repeated
            ],
        )

    def _step_title(self, step_id: str) -> str:
        """The step's title as of its latest decision (titles change with versions)."""
        row = self._db.execute(
            "SELECT step_title FROM decisions INDEXED BY ix_decisions_step "
            "WHERE step_id = ? ORDER BY id DESC LIMIT 1",
            (step_id,),
        ).fetchone()
        return str(row[0]) if row else step_id

    # -- benchmarks ------------------------------------------------------

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
        """Append ``n`` generated decisions spread over ``days`` before ``now``.

        For benchmarks and demos: deterministic for a given seed, chained
        correctly per advisor after whatever each advisor already has, inserted
        with executemany in batches. Older needs-approval overrides get approved
        or rejected, and some decisions get verdicts, by the reviewers among
        ``advisors`` (as appended review rows, like the real path).
        On an empty ledger the filter indexes are dropped during the load and
        rebuilt after it: sorting once beats maintaining ten indexes per row.
        """
        if not advisors:
            raise ValueError("bulk_seed needs at least one advisor")
        gen = _SeedGenerator(random.Random(seed), now, days, advisors)
        with self._lock:
            db = self._db
            empty = db.execute("SELECT 1 FROM decisions LIMIT 1").fetchone() is None
            heads = {a.id: self._head(db, a.id) for a in advisors}
            rowid = int(db.execute("SELECT coalesce(max(rowid), 0) FROM decisions").fetchone()[0])
            if empty:
                for name in _FILTER_INDEXES:
                    db.execute(f"DROP INDEX IF EXISTS {name}")
            self._bulk_mode(True)
            # A writer thread runs the inserts while this one generates and
            # hashes the next batch: sqlite3 releases the GIL while it works,
            # so the two overlap on separate cores.
            batches: queue.Queue[_Batch | None] = queue.Queue(maxsize=3)
            failure: list[BaseException] = []

            def write() -> None:
                while (item := batches.get()) is not None:
                    if failure:
                        continue  # drain so the producer never blocks
                    try:
                        db.executemany(
                            f"INSERT INTO decisions (rowid, {_COLUMNS}) VALUES (?, {_MARKS})",
                            item.rows,
                        )
                        db.executemany(
                            "INSERT INTO decision_bodies (rowid, body) VALUES (?, ?)", item.bodies
                        )
                        db.executemany(
                            "INSERT INTO reviews (id, decision_id, reviewer_id, verdict, body, at) "
                            "VALUES (?, ?, ?, ?, ?, ?)",
                            item.reviews,
                        )
                    except BaseException as exc:  # handed to the producer below
                        failure.append(exc)

            writer = threading.Thread(target=write, name="ledger-bulk-seed", daemon=True)
            db.execute("BEGIN IMMEDIATE")
            writer.start()
            try:
                batch = _Batch()
                for item in gen.decisions(n):
                    if failure:
                        break
                    sequence, prev_hash = heads[item.advisor.id]
                    body = item.body.encode()
                    digest = hashlib.sha256(prev_hash.encode("ascii") + b"\n" + body).hexdigest()
                    sequence += 1
                    rowid += 1
                    heads[item.advisor.id] = (sequence, digest)
                    batch.rows.append(
                        (
                            rowid,
                            item.id,
                            item.advisor.id,
                            item.advisor.team,
                            item.customer_id,
                            item.kind.value,
                            item.step.id,
                            item.step.title,
                            item.reason_code,
                            int(item.needs_approval),
                            item.approval.value,
                            item.review_state.value,
                            item.decided_at,
                            item.step.action_kind.value,
                            item.override_key,
                            sequence,
                            prev_hash,
                            digest,
                            item.recorded_at,
                        )
                    )
                    batch.bodies.append((rowid, item.body))
                    batch.reviews.extend(item.reviews)
                    if len(batch.rows) >= batch_size:
                        batches.put(batch)
                        batch = _Batch()
                batches.put(batch)
            finally:
                batches.put(None)
                writer.join()
            try:
                if failure:
                    raise failure[0]
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            finally:
                self._create_filter_indexes()
                self._bulk_mode(False)
            # Fresh statistics so the planner picks the most selective index
            # when several filters combine.
            db.execute("ANALYZE")

    def _bulk_mode(self, on: bool) -> None:
        """Journal in memory, no fsync, while seeding a file; WAL again after.

        In WAL mode one big load is written twice (WAL, then checkpoint) and
        the WAL grows to the size of the database. Seeding is for benchmarks:
        a crash mid-load loses the seed, which can simply be run again.
        """
        if self._path is None:
            return
        try:
            if on:
                self._db.execute("PRAGMA journal_mode=MEMORY")
                self._db.execute("PRAGMA synchronous=OFF")
            else:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.OperationalError:
            pass  # another connection holds the file open: keep WAL, just slower


def _where(filters: DecisionFilters, *, page: bool = False) -> tuple[list[str], list[Any]]:
    """SQL conditions for ``filters``.

    For a page the date conditions are written ``+decided_at``, which keeps
    the planner off the decided_at-first index: that index finds a range
    quickly but in time order, so a page would sort every row of the range by
    id (0.3 s for a month of a million-row log). Walking an id-ordered index
    and checking the date in the index entry stops after ``limit`` rows.
    """
    date_column = "+decided_at" if page else "decided_at"
    clauses: list[str] = []
    args: list[Any] = []
    for column in _EQUALITY_COLUMNS:
        value = getattr(filters, column)
        if value is None:
            continue
        clauses.append(f"{column} = ?")
        if isinstance(value, bool):
            args.append(int(value))
        elif isinstance(value, str):
            args.append(str(value))  # StrEnum members to their plain value
        else:
            args.append(value)
    if filters.since is not None:
        clauses.append(f"{date_column} >= ?")
        args.append(_us(filters.since))
    if filters.until is not None:
        clauses.append(f"{date_column} < ?")
        args.append(_us(filters.until))
    return clauses, args


def _count_hint(filters: DecisionFilters) -> str:
    """Which index counts ``filters`` fastest, chosen here rather than by the planner.

    One filter (with or without a date range) is counted off its own index,
    index-only, and so are advisor and customer filters, which are narrow
    enough that row lookups for the rest are cheap. Two or more of the
    low-cardinality filters go to the facets index, which holds them all: the
    planner would pick one single-column index and look up every matching
    row, ~10x slower (0.5 s instead of 50 ms on a million decisions).
    """
    if filters.advisor_id is not None or filters.customer_id is not None:
        return ""
    equalities = sum(getattr(filters, c) is not None for c in _EQUALITY_COLUMNS)
    return f" INDEXED BY {_FACETS}" if equalities >= 2 else ""


def _sql_where(clauses: Sequence[str]) -> str:
    return (" WHERE " + " AND ".join(clauses)) if clauses else ""


# _where reads the filters by column name; a filter added without its column would be ignored.
assert set(DecisionFilters.model_fields) == {*_EQUALITY_COLUMNS, "since", "until"}


# -- generated data for benchmarks ------------------------------------------


@dataclass(frozen=True, slots=True)
class _Step:
    """A process step as the generator uses it, with its JSON fragments made once."""

    id: str
    version: int
    title: str
    outcome: str | None
    action_kind: ActionKind
    params: dict[str, ParamValue]
    weight: int

    @property
    def ref(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "outcome": self.outcome,
        }

    @property
    def money_key(self) -> str | None:
        return next((k for k in self.params if k.endswith("_pence")), None)


_STEPS = [
    _Step("eta-quote", 3, "Quote the published fix time", None, ActionKind.HONEST_ETA, {}, 20),
    _Step(
        "interim-4g",
        2,
        "Offer interim 4G router",
        None,
        ActionKind.INTERIM_SERVICE,
        {"device": "4g_router"},
        12,
    ),
    _Step(
        "auto-comp",
        1,
        "Automatic compensation",
        None,
        ActionKind.AUTOMATIC_COMPENSATION,
        {"amount_pence": 1064},
        10,
    ),
    _Step(
        "goodwill",
        4,
        "Goodwill credit",
        None,
        ActionKind.GOODWILL_CREDIT,
        {"amount_pence": 1000},
        14,
    ),
    _Step(
        "number-port-back",
        2,
        "Recover a released number",
        "unrecoverable",
        ActionKind.ESCALATE_STEP,
        {},
        3,
    ),
    _Step("formal-complaint", 1, "Open formal complaint", None, ActionKind.FORMAL_COMPLAINT, {}, 6),
    _Step(
        "follow-up",
        2,
        "Follow up by SMS",
        None,
        ActionKind.FOLLOW_UP,
        {"channel": "sms", "in_hours": 24},
        14,
    ),
    _Step(
        "retention",
        5,
        "Retention offer",
        None,
        ActionKind.RETENTION_OFFER,
        {"discount_pence": 500},
        10,
    ),
    _Step("engineer", 3, "Book an engineer", None, ActionKind.BOOK_ENGINEER, {"slot": "am"}, 8),
    _Step(
        "vulnerable",
        1,
        "Vulnerability support",
        None,
        ActionKind.VULNERABILITY_SUPPORT,
        {"priority": True},
        3,
    ),
]
_DECLINE_REASONS = ["customer-declined", "not-eligible", "already-done", "wrong-customer"]
_OVERRIDE_REASONS = ["customer-impact", "process-wrong", "vulnerable", "retention-risk"]
_ALTERNATIVES = ["Escalated to porting team", "Sent engineer same day", "Offered mobile data boost"]
_SITUATIONS = [
    [],
    [],
    ["Works from home"],
    ["Broadband down 4 days", "Works from home"],
    ["Landline down 4 days"],
    ["Vulnerable: hearing impaired"],
    ["Price rise above inflation", "Sports package"],
]
_FREE_TEXT = "Customer was clear about what they needed"
_COACH_NOTE = "Talk it through at the next 1:1"

# Crockford base32 two characters at a time: a ULID's 128 bits (plus two zero
# bits on top) are 13 ten-bit chunks.
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]


def _dumps(value: Any) -> str:
    return canonical_json(value).decode()


def _json_time(value: datetime) -> str:
    """A UTC time exactly as pydantic writes it in JSON mode (the hashed form):
    no fraction when the microseconds are zero, six digits otherwise."""
    return value.astimezone(UTC).isoformat()[:-6] + "Z"


# The canonical JSON of a Decision, as a format string: keys sorted, no
# spaces, one placeholder per field. Built from the model's own field list so
# a field added to the contract fails the seed's self-check instead of
# silently producing bodies that hash differently from the model's.
_BODY_TEMPLATE = (
    "{{" + ",".join(f'"{name}":{{{name}}}' for name in sorted(Decision.model_fields)) + "}}"
)


@dataclass(slots=True)
class _Batch:
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    bodies: list[tuple[int, str]] = field(default_factory=list)
    reviews: list[_ReviewRow] = field(default_factory=list)


@dataclass(slots=True)
class _SeedItem:
    advisor: Advisor
    id: str
    body: str  # exactly Decision.canonical_bytes(), decoded
    customer_id: str
    kind: DecisionKind
    step: _Step
    reason_code: str | None
    needs_approval: bool
    decided_at: int
    recorded_at: str
    override_key: str | None
    approval: ApprovalState
    review_state: ReviewState
    reviews: list[_ReviewRow]


class _SeedGenerator:
    """Deterministic, realistic-looking decisions: mostly accepts, some overrides.

    Bodies are formatted straight into canonical JSON from fragments made once,
    because building and dumping a million pydantic models (or even dicts)
    would dominate the load time; the tests check the result by validating
    seeded rows as Decisions and recomputing their hashes.
    """

    def __init__(
        self, rng: random.Random, now: datetime, days: int, advisors: Sequence[Advisor]
    ) -> None:
        self._rng = rng
        self._end = now.astimezone(UTC)
        self._start = self._end - timedelta(days=days)
        self._advisors = [a for a in advisors if a.role is Role.ADVISOR] or list(advisors)
        self._reviewers = [a for a in advisors if a.role.may_review]
        self._advisor_json = {a.id: _dumps(a.id) for a in self._advisors}

    def _ulid(self, when_us: int) -> str:
        value = ((when_us // 1000) << 80) | self._rng.getrandbits(80)
        pairs = _PAIRS
        return "".join([pairs[(value >> shift) & 1023] for shift in range(120, -1, -10)])

    def decisions(self, n: int) -> Iterator[_SeedItem]:
        rng = self._rng
        start_us = _us(self._start)
        span_us = _us(self._end) - start_us
        # Sorted offsets so ids (time-ordered ULIDs) arrive in order, as they
        # would from a live system, and each chain runs forward in time.
        offsets = sorted(rng.randrange(span_us) for _ in range(n))
        customers = max(1, n // 20)
        steps = rng.choices(_STEPS, weights=[s.weight for s in _STEPS], k=n)
        fragments = {
            s.id: (_dumps(s.ref), _dumps(s.params), _dumps(s.action_kind.value), _dumps(s.title))
            for s in _STEPS
        }
        situations = [_dumps(x) for x in _SITUATIONS]
        null = "null"
        for i, offset in enumerate(offsets):
            decided_us = start_us + offset
            decided = _EPOCH + timedelta(microseconds=decided_us)
            advisor = self._advisors[int(rng.random() * len(self._advisors))]
            step = steps[i]
            roll = rng.random()
            kind = (
                DecisionKind.ACCEPT
                if roll < 0.72
                else DecisionKind.DECLINE
                if roll < 0.86
                else DecisionKind.OVERRIDE
            )
            reason: str | None = None
            changed: dict[str, ParamValue] = {}
            alternative: str | None = None
            needs_approval = False
            approver: Role | None = None
            if kind is DecisionKind.DECLINE:
                reason = _DECLINE_REASONS[int(rng.random() * len(_DECLINE_REASONS))]
            elif kind is DecisionKind.OVERRIDE:
                reason = _OVERRIDE_REASONS[int(rng.random() * len(_OVERRIDE_REASONS))]
                money = step.money_key
                if money is not None and rng.random() < 0.6:
                    amount = int(step.params[money]) * (2, 3, 5)[int(rng.random() * 3)]
                    changed = {money: amount}
                    needs_approval = amount > advisor.permissions.max_goodwill_credit_pence
                    approver = Role.TEAM_LEAD if needs_approval else None
                else:
                    pick = int(rng.random() * (len(_ALTERNATIVES) + 2))
                    if pick < len(_ALTERNATIVES):
                        alternative = _ALTERNATIVES[pick]
                    elif step.params:
                        key = next(iter(step.params))
                        changed = {key: step.params[key]}
            ulid = self._ulid(decided_us)
            customer_id = f"C{int(rng.random() * customers):07d}"
            ref_json, params_json, action_kind_json, title_json = fragments[step.id]
            body = _BODY_TEMPLATE.format(
                action_id=f'"{step.id}-{i % 7}"',
                action_kind=action_kind_json,
                action_label=title_json,
                advisor_id=self._advisor_json[advisor.id],
                alternative=_dumps(alternative) if alternative else null,
                approver_role=f'"{approver.value}"' if approver else null,
                changed_parameters=_dumps(changed) if changed else "{}",
                customer_id=f'"{customer_id}"',
                decided_at=f'"{_json_time(decided)}"',
                free_text=f'"{_FREE_TEXT}"' if reason else null,
                id=f'"{ulid}"',
                kind=f'"{kind.value}"',
                needs_approval="true" if needs_approval else "false",
                process_step=ref_json,
                proposed_parameters=params_json,
                reason_code=f'"{reason}"' if reason else null,
                situation=situations[int(rng.random() * len(situations))],
            )
            item = _SeedItem(
                advisor=advisor,
                id=ulid,
                body=body,
                customer_id=customer_id,
                kind=kind,
                step=step,
                reason_code=reason,
                needs_approval=needs_approval,
                decided_at=decided_us,
                recorded_at=_ts(decided + timedelta(seconds=2)),
                override_key=_override_key(kind, alternative, changed),
                approval=ApprovalState.PENDING if needs_approval else ApprovalState.NOT_NEEDED,
                review_state=ReviewState.UNREVIEWED,
                reviews=[],
            )
            if kind is DecisionKind.OVERRIDE or rng.random() < 0.01:
                self._review(item, decided, changed)
            yield item

    def _review(self, item: _SeedItem, decided: datetime, changed: dict[str, ParamValue]) -> None:
        """Give the item the verdicts a supervisor would plausibly have left by now:
        most older needs-approval overrides decided, a third of overrides reviewed."""
        rng = self._rng
        at = decided + timedelta(hours=int(rng.random() * 71) + 1)
        if at >= self._end:
            return  # too recent to have been looked at
        if item.approval is ApprovalState.PENDING and rng.random() < 0.85:
            amount = _largest_pence(changed)
            able = [
                r
                for r in self._reviewers
                if r.permissions.may_approve_up_to_pence >= amount
                and _ROLE_RANK[r.role] >= _ROLE_RANK[Role.TEAM_LEAD]
                and r.id != item.advisor.id
            ]
            if able:
                verdict = Verdict.APPROVE if rng.random() < 0.85 else Verdict.REJECT
                self._add(item, able[int(rng.random() * len(able))], verdict, at)
                item.approval = (
                    ApprovalState.APPROVED if verdict is Verdict.APPROVE else ApprovalState.REJECTED
                )
        if item.kind is not DecisionKind.OVERRIDE or rng.random() < 0.35:
            others = [r for r in self._reviewers if r.id != item.advisor.id]
            if others:
                verdict = (
                    Verdict.ENDORSE,
                    Verdict.ENDORSE,
                    Verdict.COACH,
                    Verdict.PROPOSE_PROCESS_CHANGE,
                )[int(rng.random() * 4)]
                reviewer = others[int(rng.random() * len(others))]
                self._add(item, reviewer, verdict, at + timedelta(minutes=5))
                item.review_state = _REVIEW_STATE_FOR[verdict]

    def _add(self, item: _SeedItem, reviewer: Advisor, verdict: Verdict, at: datetime) -> None:
        review_id = self._ulid(_us(at))
        review = {
            "id": review_id,
            "verdict": verdict.value,
            "note": _COACH_NOTE if verdict is Verdict.COACH else "",
            "proposed_step": item.step.ref if verdict is Verdict.PROPOSE_PROCESS_CHANGE else None,
            "decision_id": item.id,
            "reviewer_id": reviewer.id,
            "at": _json_time(at),
        }
        item.reviews.append(
            (review_id, item.id, reviewer.id, verdict.value, _dumps(review), _ts(at))
        )
