"""Generated decisions for benchmarks and large test fixtures, and the SQLite bulk load.

Deterministic for a seed: mostly accepts, some declines and overrides, older
needs-approval overrides approved or rejected, a share reviewed. Rows come
out already chained per advisor, so either engine can load them as they are
(SQLite with executemany here, PostgreSQL with COPY in ``postgres_seed``).
"""

from __future__ import annotations

import queue
import random
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from advisor_tui.contract.actions import ActionKind, ParamValue
from advisor_tui.contract.decisions import (
    ApprovalState,
    Decision,
    DecisionKind,
    ReviewState,
    Verdict,
    canonical_json,
)
from advisor_tui.contract.identity import Advisor, Role
from advisor_tui.services.decisions import sqlite_figures, sqlite_queries
from advisor_tui.services.decisions.chain import link_hash
from advisor_tui.services.decisions.rows import DECISION_COLUMNS
from advisor_tui.services.decisions.rules import (
    EPOCH,
    REVIEW_STATE_FOR,
    ROLE_RANK,
    largest_pence,
    override_key,
    ts,
    us,
)

if TYPE_CHECKING:
    from advisor_tui.services.decisions.sqlite_ledger import SqliteLedger

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ReviewRow = tuple[str, str, str, str, str, str]


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
class SeedItem:
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


class SeedGenerator:
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

    def decisions(self, n: int) -> Iterator[SeedItem]:
        rng = self._rng
        start_us = us(self._start)
        span_us = us(self._end) - start_us
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
            decided = EPOCH + timedelta(microseconds=decided_us)
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
            item = SeedItem(
                advisor=advisor,
                id=ulid,
                body=body,
                customer_id=customer_id,
                kind=kind,
                step=step,
                reason_code=reason,
                needs_approval=needs_approval,
                decided_at=decided_us,
                recorded_at=ts(decided + timedelta(seconds=2)),
                override_key=override_key(kind, alternative, changed),
                approval=ApprovalState.PENDING if needs_approval else ApprovalState.NOT_NEEDED,
                review_state=ReviewState.UNREVIEWED,
                reviews=[],
            )
            if kind is DecisionKind.OVERRIDE or rng.random() < 0.01:
                self._review(item, decided, changed)
            yield item

    def _review(self, item: SeedItem, decided: datetime, changed: dict[str, ParamValue]) -> None:
        """Give the item the verdicts a supervisor would plausibly have left by now:
        most older needs-approval overrides decided, a third of overrides reviewed."""
        rng = self._rng
        at = decided + timedelta(hours=int(rng.random() * 71) + 1)
        if at >= self._end:
            return  # too recent to have been looked at
        if item.approval is ApprovalState.PENDING and rng.random() < 0.85:
            amount = largest_pence(changed)
            able = [
                r
                for r in self._reviewers
                if r.permissions.may_approve_up_to_pence >= amount
                and ROLE_RANK[r.role] >= ROLE_RANK[Role.TEAM_LEAD]
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
                item.review_state = REVIEW_STATE_FOR[verdict]

    def _add(self, item: SeedItem, reviewer: Advisor, verdict: Verdict, at: datetime) -> None:
        review_id = self._ulid(us(at))
        review = {
            "id": review_id,
            "verdict": verdict.value,
            "note": _COACH_NOTE if verdict is Verdict.COACH else "",
            "proposed_step": item.step.ref if verdict is Verdict.PROPOSE_PROCESS_CHANGE else None,
            "decision_id": item.id,
            "reviewer_id": reviewer.id,
            "reviewer_name": reviewer.display_name,
            "at": _json_time(at),
        }
        item.reviews.append(
            (review_id, item.id, reviewer.id, verdict.value, _dumps(review), ts(at))
        )


# -- the SQLite bulk load ----------------------------------------------------------

_MARKS = ", ".join("?" * len(DECISION_COLUMNS.split(",")))


def sqlite_bulk_seed(
    ledger: SqliteLedger,
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
    gen = SeedGenerator(random.Random(seed), now, days, advisors)
    with ledger.lock:
        db = ledger.connection
        empty = db.execute("SELECT 1 FROM decisions LIMIT 1").fetchone() is None
        heads = {a.id: ledger.head(a.id) for a in advisors}
        rowid = int(db.execute("SELECT coalesce(max(rowid), 0) FROM decisions").fetchone()[0])
        if empty:
            for name in sqlite_queries.FILTER_INDEXES:
                db.execute(f"DROP INDEX IF EXISTS {name}")
        _bulk_mode(ledger, True)
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
                        f"INSERT INTO decisions (rowid, {DECISION_COLUMNS}) VALUES (?, {_MARKS})",
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
                digest = link_hash(prev_hash, body)
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
            sqlite_queries.create_filter_indexes(db)
            _bulk_mode(ledger, False)
        # COPY-style loading bypasses the record path that keeps the rollups.
        db.execute("BEGIN IMMEDIATE")
        for statement in sqlite_figures.REBUILD:
            db.execute(statement)
        db.execute("COMMIT")
        # Fresh statistics so the planner picks the most selective index
        # when several filters combine.
        db.execute("ANALYZE")


def _bulk_mode(ledger: SqliteLedger, on: bool) -> None:
    """Journal in memory, no fsync, while seeding a file; WAL again after.

    In WAL mode one big load is written twice (WAL, then checkpoint) and
    the WAL grows to the size of the database. Seeding is for benchmarks:
    a crash mid-load loses the seed, which can simply be run again.
    """
    if ledger.path is None:
        return
    try:
        if on:
            ledger.connection.execute("PRAGMA journal_mode=MEMORY")
            ledger.connection.execute("PRAGMA synchronous=OFF")
        else:
            ledger.connection.execute("PRAGMA journal_mode=WAL")
            ledger.connection.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.OperationalError:
        pass  # another connection holds the file open: keep WAL, just slower
