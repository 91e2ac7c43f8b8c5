"""The decisions backend's ledger, called directly: chains, idempotency, filters, reviews."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest

from advisor_tui.contract import (
    GENESIS_HASH,
    ApprovalState,
    Decision,
    DecisionFilters,
    DecisionKind,
    DecisionView,
    RateBucket,
    ReviewCreate,
    ReviewState,
    Role,
    Verdict,
    chain_hash,
)
from advisor_tui.services.decisions import sqlite_queries
from advisor_tui.services.decisions.errors import (
    AlreadyDecided,
    ApprovalLimitExceeded,
    DecisionNotFound,
    IdempotencyConflict,
    InvalidCursor,
    ReviewNotAllowed,
)
from advisor_tui.services.decisions.rules import largest_pence_change
from advisor_tui.services.decisions.sqlite_ledger import SqliteLedger as DecisionLedger
from tests.services.decisions.builders import (
    AMY,
    BOB,
    NOW,
    SAM,
    TESS,
    goodwill_override,
    make_decision,
    review,
)


@pytest.fixture
def ledger() -> DecisionLedger:
    return DecisionLedger(None)


def all_views(ledger: DecisionLedger, filters: DecisionFilters, limit: int) -> list[DecisionView]:
    views: list[DecisionView] = []
    cursor: str | None = None
    while True:
        page = ledger.list(filters, cursor, limit)
        views.extend(page.items)
        if page.next_cursor is None:
            return views
        cursor = page.next_cursor


# -- recording and the chain ----------------------------------------------


def test_each_advisor_has_a_chain_that_recomputes(ledger: DecisionLedger) -> None:
    amy = [make_decision(AMY, minutes_ago=100 - i, customer_id=f"C{i}") for i in range(5)]
    bob = [make_decision(BOB, minutes_ago=50 - i) for i in range(3)]
    receipts = {}
    for d in [*amy[:2], *bob, *amy[2:]]:  # interleaved: chains must not mix
        receipt, created = ledger.record(d, AMY if d.advisor_id == AMY.id else BOB, NOW)
        assert created
        receipts[d.id] = receipt

    for decisions in (amy, bob):
        prev = GENESIS_HASH
        for sequence, d in enumerate(decisions, start=1):
            r = receipts[d.id]
            assert (r.sequence, r.prev_hash) == (sequence, prev)
            assert r.hash == chain_hash(prev, d)
            assert r.recorded_at == NOW
            prev = r.hash
        head = ledger.chain_head(decisions[0].advisor_id)
        assert (head.count, head.head_hash) == (len(decisions), prev)
        assert ledger.verify_chain(decisions[0].advisor_id) is None

    assert ledger.chain_head("nobody").model_dump() == {
        "advisor_id": "nobody",
        "count": 0,
        "head_hash": GENESIS_HASH,
    }


def test_replay_returns_the_original_receipt_and_appends_nothing(ledger: DecisionLedger) -> None:
    d = make_decision(AMY, minutes_ago=5)
    first, created = ledger.record(d, AMY, NOW)
    assert created
    # Rebuilt from JSON, as a retried HTTP request would be, and recorded later.
    again, created = ledger.record(
        Decision.model_validate_json(d.model_dump_json()), AMY, NOW + timedelta(hours=1)
    )
    assert not created
    assert again == first
    assert ledger.chain_head(AMY.id).count == 1


def test_same_id_with_a_different_body_is_a_conflict(ledger: DecisionLedger) -> None:
    d = make_decision(AMY, minutes_ago=5)
    ledger.record(d, AMY, NOW)
    changed = d.model_copy(update={"free_text": "edited afterwards"})
    with pytest.raises(IdempotencyConflict, match=d.id):
        ledger.record(changed, AMY, NOW)
    view = ledger.get(d.id)
    assert view is not None and view.decision == d
    assert ledger.chain_head(AMY.id).count == 1


def test_approval_starts_pending_only_when_needed(ledger: DecisionLedger) -> None:
    plain = make_decision(AMY, minutes_ago=3)
    big = goodwill_override(AMY, minutes_ago=2, pence=6000)
    ledger.record(plain, AMY, NOW)
    ledger.record(big, AMY, NOW)
    plain_view, big_view = ledger.get(plain.id), ledger.get(big.id)
    assert plain_view is not None and plain_view.approval is ApprovalState.NOT_NEEDED
    assert big_view is not None and big_view.approval is ApprovalState.PENDING
    assert big_view.team == "north"
    assert big_view.review_state is ReviewState.UNREVIEWED
    assert ledger.get("01JZZZZZZZZZZZZZZZZZZZZZZZ") is None


def test_concurrent_records_keep_the_chain_gapless(ledger: DecisionLedger) -> None:
    decisions = [make_decision(AMY, minutes_ago=1000 - i) for i in range(200)]

    def worker(part: list[Decision]) -> None:
        for d in part:
            ledger.record(d, AMY, NOW)

    threads = [threading.Thread(target=worker, args=(decisions[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ledger.chain_head(AMY.id).count == 200
    assert ledger.verify_chain(AMY.id) is None


def test_decisions_survive_a_restart_and_the_chain_continues(tmp_path: Path) -> None:
    path = tmp_path / "decisions.sqlite"
    first = make_decision(AMY, minutes_ago=10)
    big = goodwill_override(AMY, minutes_ago=9, pence=6000)
    with DecisionLedger(path) as ledger:
        r1, _ = ledger.record(first, AMY, NOW)
        ledger.record(big, AMY, NOW)
        ledger.add_review(big.id, review(Verdict.APPROVE), TESS, NOW)

    with DecisionLedger(path) as reopened:
        again, created = reopened.record(first, AMY, NOW)
        assert (again, created) == (r1, False)
        view = reopened.get(big.id)
        assert view is not None and view.approval is ApprovalState.APPROVED
        assert [r.verdict for r in view.reviews] == [Verdict.APPROVE]
        third, created = reopened.record(make_decision(AMY, minutes_ago=1), AMY, NOW)
        assert created and third.sequence == 3
        assert third.prev_hash == view.receipt.hash
        assert reopened.verify_chain(AMY.id) is None


def test_verify_chain_names_an_edited_record(tmp_path: Path) -> None:
    with DecisionLedger(tmp_path / "d.sqlite") as ledger:
        ds = [make_decision(AMY, minutes_ago=10 - i) for i in range(3)]
        for d in ds:
            ledger.record(d, AMY, NOW)
        tampered = ds[1].model_copy(update={"free_text": "rewritten"}).canonical_bytes().decode()
        ledger.connection.execute(
            "UPDATE decision_bodies SET body = ? "
            "WHERE rowid = (SELECT rowid FROM decisions WHERE id = ?)",
            (tampered, ds[1].id),
        )
        assert ledger.verify_chain(AMY.id) == 2


# -- filters and pages ----------------------------------------------------


@pytest.fixture
def known(ledger: DecisionLedger) -> list[Decision]:
    """A small log with every filterable field varied, some approved and reviewed."""
    decisions: list[Decision] = []
    minutes = 60 * 24 * 10  # ten days ago, one decision every 2 hours
    for i in range(120):
        advisor = AMY if i % 3 else BOB
        step = ["eta-quote", "goodwill", "number-port-back"][i % 3 if i % 5 else 0]
        if i % 7 == 0 and step == "goodwill":
            d = goodwill_override(advisor, minutes_ago=minutes, pence=3000 + i)
        elif i % 4 == 0:
            d = make_decision(
                advisor,
                minutes_ago=minutes,
                kind=DecisionKind.OVERRIDE,
                step_id=step,
                customer_id=f"C{i % 9}",
                alternative="Escalated to porting team" if i % 8 == 0 else None,
                reason_code="process-wrong" if i % 8 else "customer-impact",
            )
        elif i % 4 == 1:
            d = make_decision(
                advisor,
                minutes_ago=minutes,
                kind=DecisionKind.DECLINE,
                step_id=step,
                customer_id=f"C{i % 9}",
            )
        else:
            d = make_decision(advisor, minutes_ago=minutes, step_id=step, customer_id=f"C{i % 9}")
        ledger.record(d, advisor, NOW)
        decisions.append(d)
        minutes -= 120
    pending = [d for d in decisions if d.needs_approval]
    ledger.add_review(pending[0].id, review(Verdict.APPROVE), TESS, NOW)
    ledger.add_review(pending[1].id, review(Verdict.REJECT, "too generous"), TESS, NOW)
    overrides = [d for d in decisions if d.kind is DecisionKind.OVERRIDE]
    ledger.add_review(overrides[0].id, review(Verdict.ENDORSE), SAM, NOW)
    ledger.add_review(overrides[1].id, review(Verdict.COACH, "say why"), SAM, NOW)
    ledger.add_review(overrides[2].id, review(Verdict.ENDORSE), SAM, NOW)
    return decisions


FILTER_CASES: dict[str, DecisionFilters] = {
    "none": DecisionFilters(),
    "advisor": DecisionFilters(advisor_id=BOB.id),
    "team": DecisionFilters(team="north"),
    "customer": DecisionFilters(customer_id="C4"),
    "kind": DecisionFilters(kind=DecisionKind.OVERRIDE),
    "step": DecisionFilters(step_id="goodwill"),
    "reason": DecisionFilters(reason_code="process-wrong"),
    "needs_approval": DecisionFilters(needs_approval=True),
    "no_approval_needed": DecisionFilters(needs_approval=False),
    "approval": DecisionFilters(approval=ApprovalState.PENDING),
    "review_state": DecisionFilters(review_state=ReviewState.ENDORSED),
    "since": DecisionFilters(since=NOW - timedelta(days=3)),
    "until": DecisionFilters(until=NOW - timedelta(days=8)),
    "kind+step": DecisionFilters(kind=DecisionKind.OVERRIDE, step_id="goodwill"),
    "kind+review": DecisionFilters(kind=DecisionKind.OVERRIDE, review_state=ReviewState.UNREVIEWED),
    "review queue+range": DecisionFilters(
        kind=DecisionKind.OVERRIDE,
        review_state=ReviewState.UNREVIEWED,
        since=NOW - timedelta(days=9),
        until=NOW - timedelta(days=1),
    ),
    "team+kind+range": DecisionFilters(
        team="north",
        kind=DecisionKind.DECLINE,
        since=NOW - timedelta(days=7),
        until=NOW - timedelta(days=2),
    ),
    "advisor+customer": DecisionFilters(advisor_id=AMY.id, customer_id="C2"),
    "approval+team": DecisionFilters(approval=ApprovalState.APPROVED, team="north"),
    "nothing matches": DecisionFilters(team="south", step_id="nope"),
}


def expected(ledger: DecisionLedger, decisions: list[Decision], f: DecisionFilters) -> list[str]:
    """The oracle: the filter applied in Python to what was recorded, newest first."""
    out = []
    for d in decisions:
        view = ledger.get(d.id)
        assert view is not None
        checks = [
            f.advisor_id in (None, d.advisor_id),
            f.team in (None, view.team),
            f.customer_id in (None, d.customer_id),
            f.kind in (None, d.kind),
            f.step_id in (None, d.process_step.id),
            f.reason_code in (None, d.reason_code),
            f.needs_approval in (None, d.needs_approval),
            f.approval in (None, view.approval),
            f.review_state in (None, view.review_state),
            f.since is None or d.decided_at >= f.since,
            f.until is None or d.decided_at < f.until,
        ]
        if all(checks):
            out.append(d.id)
    return sorted(out, reverse=True)


@pytest.mark.parametrize("case", FILTER_CASES)
def test_each_filter_and_combination_matches_the_oracle(
    ledger: DecisionLedger, known: list[Decision], case: str
) -> None:
    f = FILTER_CASES[case]
    want = expected(ledger, known, f)
    if case not in ("nothing matches",):
        assert want, "the known set should exercise this filter"
    first = ledger.list(f, None, 10)
    assert first.total == len(want)
    assert [v.decision.id for v in first.items] == want[:10]
    assert [v.decision.id for v in all_views(ledger, f, 7)] == want


def test_the_review_queue_is_read_off_its_own_partial_index(ledger: DecisionLedger) -> None:
    """Unreviewed overrides: the page and its count walk the partial index (usable
    only because the enum filters are literals; SQLite refuses INDEXED BY an index
    it cannot use), not the facets or review_state index past everything else."""
    f = DecisionFilters(kind=DecisionKind.OVERRIDE, review_state=ReviewState.UNREVIEWED)
    where, args = sqlite_queries.where(f)
    page_where, page_args = sqlite_queries.where(f, page=True)
    plans = [
        ledger.connection.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
        for sql, params in (
            (
                "SELECT count(*) FROM decisions"
                + sqlite_queries.count_hint(f)
                + sqlite_queries.sql_where(where),
                args,
            ),
            (
                "SELECT id FROM decisions"
                + sqlite_queries.page_hint(f)
                + sqlite_queries.sql_where(page_where)
                + " ORDER BY id DESC LIMIT 51",
                page_args,
            ),
        )
    ]
    for plan in plans:
        assert sqlite_queries.UNREVIEWED_OVERRIDES in str(plan), plan
    # Any other combination keeps its old path.
    assert sqlite_queries.page_hint(DecisionFilters(kind=DecisionKind.OVERRIDE)) == ""
    other = DecisionFilters(kind=DecisionKind.OVERRIDE, review_state=ReviewState.ENDORSED)
    assert sqlite_queries.UNREVIEWED_OVERRIDES not in sqlite_queries.count_hint(other)


def test_paging_covers_everything_exactly_once_newest_first(
    ledger: DecisionLedger, known: list[Decision]
) -> None:
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = ledger.list(DecisionFilters(), cursor, 11)
        assert page.total == len(known)
        assert len(page.items) <= 11
        seen.extend(v.decision.id for v in page.items)
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 11  # 120 / 11 rounded up
    assert seen == sorted((d.id for d in known), reverse=True)
    assert len(set(seen)) == len(known)
    # A page that ends exactly at the last row says there is nothing more.
    exact = ledger.list(DecisionFilters(), None, len(known))
    assert exact.next_cursor is None and len(exact.items) == len(known)


def test_pages_carry_reviews(ledger: DecisionLedger, known: list[Decision]) -> None:
    page = ledger.list(DecisionFilters(review_state=ReviewState.COACHED), None, 10)
    assert page.total == 1
    [view] = page.items
    assert [(r.verdict, r.note, r.reviewer_id) for r in view.reviews] == [
        (Verdict.COACH, "say why", SAM.id)
    ]


@pytest.mark.parametrize("cursor", ["nonsense", "djE6bm90LWEtdWxpZA", "!!!"])
def test_a_forged_cursor_is_refused(ledger: DecisionLedger, cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        ledger.list(DecisionFilters(), cursor, 10)


# -- reviews --------------------------------------------------------------


def test_verdicts_set_review_state_without_touching_the_record(ledger: DecisionLedger) -> None:
    d = make_decision(AMY, minutes_ago=5, kind=DecisionKind.OVERRIDE, step_id="number-port-back")
    receipt, _ = ledger.record(d, AMY, NOW)
    for verdict, state in [
        (Verdict.COACH, ReviewState.COACHED),
        (Verdict.ENDORSE, ReviewState.ENDORSED),
        (Verdict.PROPOSE_PROCESS_CHANGE, ReviewState.PROPOSED),
    ]:
        stored, created = ledger.add_review(d.id, review(verdict), SAM, NOW)
        assert created and stored.reviewer_id == SAM.id and stored.decision_id == d.id
        seen = ledger.get(d.id)
        assert seen is not None and seen.review_state is state
    view = ledger.get(d.id)
    assert view is not None
    assert view.decision == d and view.receipt == receipt
    assert [r.verdict for r in view.reviews] == [
        Verdict.COACH,
        Verdict.ENDORSE,
        Verdict.PROPOSE_PROCESS_CHANGE,
    ]
    assert ledger.verify_chain(AMY.id) is None


def test_a_verdict_replayed_is_the_same_review_and_a_changed_one_conflicts(
    ledger: DecisionLedger,
) -> None:
    d = make_decision(AMY, minutes_ago=5, kind=DecisionKind.OVERRIDE)
    ledger.record(d, AMY, NOW)
    r = review(Verdict.COACH, "explain the ETA history first")
    first, created = ledger.add_review(d.id, r, TESS, NOW)
    assert created
    again, created = ledger.add_review(d.id, r, TESS, NOW + timedelta(minutes=3))
    assert not created and again == first
    with pytest.raises(IdempotencyConflict):
        ledger.add_review(d.id, r.model_copy(update={"note": "changed"}), TESS, NOW)
    with pytest.raises(IdempotencyConflict):  # same id, other reviewer
        ledger.add_review(d.id, r, SAM, NOW)
    view = ledger.get(d.id)
    assert view is not None and len(view.reviews) == 1


def test_review_of_an_unknown_decision(ledger: DecisionLedger) -> None:
    with pytest.raises(DecisionNotFound):
        ledger.add_review("01JZZZZZZZZZZZZZZZZZZZZZZZ", review(Verdict.ENDORSE), SAM, NOW)


def test_approve_and_reject_rules(ledger: DecisionLedger) -> None:
    plain = make_decision(AMY, minutes_ago=9, kind=DecisionKind.OVERRIDE)
    small = goodwill_override(AMY, minutes_ago=8, pence=6000)  # within Tess's 10,000
    large = goodwill_override(AMY, minutes_ago=7, pence=20_000)  # above Tess's limit
    for d in (plain, small, large):
        ledger.record(d, AMY, NOW)
    assert largest_pence_change(large) == 20_000

    with pytest.raises(ReviewNotAllowed, match="does not need approval"):
        ledger.add_review(plain.id, review(Verdict.APPROVE), TESS, NOW)
    with pytest.raises(ReviewNotAllowed):
        ledger.add_review(plain.id, review(Verdict.REJECT), TESS, NOW)
    with pytest.raises(ApprovalLimitExceeded, match="20000 pence"):
        ledger.add_review(large.id, review(Verdict.APPROVE), TESS, NOW)

    # Rejecting needs no money limit; approving within the limit works.
    ledger.add_review(large.id, review(Verdict.REJECT, "above policy"), TESS, NOW)
    ledger.add_review(small.id, review(Verdict.APPROVE), TESS, NOW)
    views = {d.id: ledger.get(d.id) for d in (small, large)}
    assert {i: v.approval for i, v in views.items() if v} == {
        small.id: ApprovalState.APPROVED,
        large.id: ApprovalState.REJECTED,
    }
    # Once decided, neither verdict applies again, even from someone allowed.
    with pytest.raises(AlreadyDecided, match="approved"):
        ledger.add_review(small.id, review(Verdict.REJECT), SAM, NOW)
    with pytest.raises(AlreadyDecided, match="rejected"):
        ledger.add_review(large.id, review(Verdict.APPROVE), SAM, NOW)
    # Endorsing an approved override is still allowed: it is a different question.
    ledger.add_review(small.id, review(Verdict.ENDORSE), SAM, NOW)
    small_view = ledger.get(small.id)
    assert small_view is not None
    assert (small_view.approval, small_view.review_state) == (
        ApprovalState.APPROVED,
        ReviewState.ENDORSED,
    )


def test_approver_role_and_self_review(ledger: DecisionLedger) -> None:
    needs_supervisor = goodwill_override(AMY, minutes_ago=5, pence=3000).model_copy(
        update={"approver_role": Role.SUPERVISOR}
    )
    ledger.record(needs_supervisor, AMY, NOW)
    with pytest.raises(ApprovalLimitExceeded, match="supervisor"):
        ledger.add_review(needs_supervisor.id, review(Verdict.APPROVE), TESS, NOW)
    ledger.add_review(needs_supervisor.id, review(Verdict.APPROVE), SAM, NOW)

    own = goodwill_override(TESS, minutes_ago=4, pence=20_000)
    ledger.record(own, TESS, NOW)
    with pytest.raises(ApprovalLimitExceeded, match="own decision"):
        ledger.add_review(
            own.id, ReviewCreate(id=review(Verdict.ENDORSE).id, verdict=Verdict.ENDORSE), TESS, NOW
        )


# -- figures --------------------------------------------------------------


def _as_tuples(buckets: list[RateBucket]) -> list[tuple[str, int, int]]:
    return [(b.key, b.decisions, b.overrides) for b in buckets]


def test_stats_on_a_known_set(ledger: DecisionLedger) -> None:
    day1 = 60 * 24 * 2 + 30  # two days ago (2025-06-10), minutes before NOW
    day2 = 60 * 24 + 30  # 2025-06-11
    rows = [
        # Amy, north: 4 decisions, 3 overrides of goodwill raising the amount
        goodwill_override(AMY, minutes_ago=day1, pence=2000),
        goodwill_override(AMY, minutes_ago=day1 - 1, pence=2200),
        goodwill_override(AMY, minutes_ago=day2, pence=4000),
        make_decision(AMY, minutes_ago=day2 - 1),
        # Bob, south: 4 decisions, 2 overrides of number-port-back with one alternative
        make_decision(
            BOB,
            minutes_ago=day1 - 2,
            kind=DecisionKind.OVERRIDE,
            step_id="number-port-back",
            alternative="Escalated to porting team",
        ),
        make_decision(
            BOB,
            minutes_ago=day2 - 2,
            kind=DecisionKind.OVERRIDE,
            step_id="number-port-back",
            alternative="Escalated to porting team",
        ),
        make_decision(BOB, minutes_ago=day2 - 3, kind=DecisionKind.DECLINE),
        make_decision(BOB, minutes_ago=day2 - 4),
        # One override of eta-quote: not repeated, so not a candidate
        make_decision(AMY, minutes_ago=10, kind=DecisionKind.OVERRIDE, alternative="Honest ETA"),
    ]
    for d in rows:
        ledger.record(d, AMY if d.advisor_id == AMY.id else BOB, NOW)

    stats = ledger.stats(NOW - timedelta(days=3), NOW - timedelta(hours=1), None)
    assert _as_tuples(stats.by_advisor) == [(AMY.id, 4, 3), (BOB.id, 4, 2)]
    assert _as_tuples(stats.by_step) == [
        ("eta-quote", 3, 0),
        ("goodwill", 3, 3),
        ("number-port-back", 2, 2),
    ]
    assert _as_tuples(stats.by_day) == [("2025-06-10", 3, 3), ("2025-06-11", 5, 2)]
    assert stats.by_advisor[0].rate == 0.75
    assert [
        (r.step_id, r.step_title, r.alternative, r.count) for r in stats.repeated_overrides
    ] == [
        ("goodwill", "Goodwill credit", "changed amount_pence", 3),
        ("number-port-back", "Recover a released number", "Escalated to porting team", 2),
    ]

    north = ledger.stats(None, None, "north")
    assert _as_tuples(north.by_advisor) == [(AMY.id, 5, 4)]
    assert [r.count for r in north.repeated_overrides] == [3]
    assert ledger.stats(None, None, "nowhere").model_dump() == {
        "by_advisor": [],
        "by_step": [],
        "by_day": [],
        "repeated_overrides": [],
    }


# -- bulk seed ------------------------------------------------------------


def test_bulk_seed_writes_valid_chained_records(tmp_path: Path) -> None:
    everyone = [AMY, BOB, TESS, SAM]
    with DecisionLedger(tmp_path / "seed.sqlite") as ledger:
        early, _ = ledger.record(make_decision(AMY, minutes_ago=60 * 24 * 400), AMY, NOW)
        ledger.bulk_seed(3000, seed=7, advisors=everyone, now=NOW, days=30)
        heads = {a.id: ledger.chain_head(a.id) for a in everyone}
        # Decisions are taken by advisors; reviewers only review.
        assert heads[TESS.id].count == heads[SAM.id].count == 0
        assert heads[AMY.id].count + heads[BOB.id].count == 3001
        assert ledger.verify_chain(AMY.id) is None and ledger.verify_chain(BOB.id) is None

        # Each stored body is exactly what the model would hash (the seed builds dicts).
        rows = ledger.connection.execute(
            "SELECT b.body, d.prev_hash, d.hash FROM decisions d "
            "JOIN decision_bodies b ON b.rowid = d.rowid"
        ).fetchall()
        assert len(rows) == 3001
        for body, prev, digest in rows:
            decision = Decision.model_validate_json(body)
            assert decision.canonical_bytes().decode() == body
            assert chain_hash(prev, decision) == digest

        everything = ledger.list(DecisionFilters(), None, 500)
        assert everything.total == 3001
        assert everything.items[-1].decision.decided_at >= NOW - timedelta(days=30)
        ids = [v.decision.id for v in all_views(ledger, DecisionFilters(), 500)]
        assert ids == sorted(ids, reverse=True) and ids[-1] == early.id

        # The cached states agree with the appended reviews.
        for state in (ApprovalState.APPROVED, ApprovalState.REJECTED):
            views = all_views(ledger, DecisionFilters(approval=state), 500)
            assert views
            verdict = Verdict.APPROVE if state is ApprovalState.APPROVED else Verdict.REJECT
            assert all(verdict in [r.verdict for r in v.reviews] for v in views)
        endorsed = all_views(ledger, DecisionFilters(review_state=ReviewState.ENDORSED), 500)
        assert endorsed
        assert all(v.reviews[-1].verdict is Verdict.ENDORSE for v in endorsed)
        pending = ledger.list(DecisionFilters(approval=ApprovalState.PENDING), None, 5)
        assert all(v.decision.needs_approval for v in pending.items)
        # Deterministic: the same seed gives the same log.
        head = ledger.chain_head(BOB.id).head_hash
    with DecisionLedger(None) as other:
        other.record(make_decision(AMY, minutes_ago=60 * 24 * 400), AMY, NOW)
        other.bulk_seed(3000, seed=7, advisors=everyone, now=NOW, days=30)
        assert other.chain_head(BOB.id).head_hash == head
