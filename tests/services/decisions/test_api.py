"""The decisions service over HTTP, on both engines: status codes, roles, idempotency,
filters, figures."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from advisor_tui.contract import (
    GENESIS_HASH,
    Advisor,
    ChainHead,
    Decision,
    DecisionKind,
    DecisionPage,
    DecisionReceipt,
    DecisionStats,
    DecisionView,
    Review,
    Verdict,
    chain_hash,
    routes,
)
from advisor_tui.services.decisions.auth import TokenTable
from advisor_tui.services.decisions.engine import DecisionEngine
from advisor_tui.services.decisions.postgres_engine import PostgresEngine
from advisor_tui.services.decisions.router import build_router
from advisor_tui.services.decisions.sqlite_engine import SqliteEngine
from tests.services.decisions.builders import (
    AMY,
    BOB,
    NOW,
    SAM,
    TESS,
    auth,
    goodwill_override,
    make_decision,
    make_state,
    review,
)
from tests.services.decisions.conftest import EngineMaker

BASE = "/decisions"
DECISIONS = BASE + routes.DECISIONS
ADVISOR, ADVISOR_2 = auth("demo-advisor"), auth("demo-advisor-2")
TEAM_LEAD, SUPERVISOR = auth("demo-team-lead"), auth("demo-supervisor")


def app_with(engine: DecisionEngine, extra: dict[str, Advisor] | None = None) -> FastAPI:
    """The service's router on ``engine``, with the test identities' static tokens
    (and ``extra`` token -> advisor pairs)."""
    app = FastAPI()
    state = make_state()
    state.advisors.update(extra or {})
    app.include_router(
        build_router(engine, TokenTable(state.advisor_for_token), state.clock), prefix=BASE
    )
    return app


@pytest.fixture
async def api(engine: DecisionEngine) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_with(engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        yield client


async def link_headers(
    client: httpx.AsyncClient, d: Decision, headers: dict[str, str]
) -> dict[str, str]:
    """Where ``d`` goes in its advisor's chain: after the server's current head."""
    response = await client.get(url(routes.CHAIN_HEAD, advisor_id=d.advisor_id), headers=headers)
    if response.status_code != 200:
        return {}
    head = ChainHead.model_validate(response.json())
    return {
        routes.CHAIN_SEQUENCE_HEADER: str(head.count + 1),
        routes.CHAIN_PREV_HEADER: head.head_hash,
    }


async def post(
    client: httpx.AsyncClient, d: Decision, headers: dict[str, str], key: str | None = None
) -> httpx.Response:
    return await client.post(
        DECISIONS,
        content=d.model_dump_json(),
        headers={
            **headers,
            **await link_headers(client, d, headers),
            "Content-Type": "application/json",
            routes.IDEMPOTENCY_HEADER: d.id if key is None else key,
        },
    )


def detail(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str), body
    return str(body["detail"])


def url(template: str, **params: str) -> str:
    return BASE + template.format(**params)


# -- recording ------------------------------------------------------------


async def test_record_is_idempotent_on_the_key(api: httpx.AsyncClient) -> None:
    d = make_decision(AMY, minutes_ago=5, kind=DecisionKind.OVERRIDE, alternative="Escalated")
    created = await post(api, d, ADVISOR)
    assert created.status_code == 201
    receipt = DecisionReceipt.model_validate(created.json())
    assert (receipt.id, receipt.advisor_id, receipt.sequence) == (d.id, AMY.id, 1)
    assert receipt.prev_hash == GENESIS_HASH and receipt.hash == chain_hash(GENESIS_HASH, d)

    replay = await post(api, d, ADVISOR)
    assert replay.status_code == 200
    assert replay.json() == created.json()

    changed = d.model_copy(update={"free_text": "a different story"})
    conflict = await post(api, changed, ADVISOR)
    assert conflict.status_code == 409
    assert detail(conflict) == f"decision {d.id} was already recorded with a different body"

    head = await api.get(url(routes.CHAIN_HEAD, advisor_id=AMY.id), headers=ADVISOR)
    assert ChainHead.model_validate(head.json()).count == 1


async def test_record_refusals(api: httpx.AsyncClient) -> None:
    d = make_decision(AMY, minutes_ago=5)
    other = make_decision(AMY, minutes_ago=4)

    mismatch = await post(api, d, ADVISOR, key=other.id)
    assert mismatch.status_code == 422
    assert "does not match" in detail(mismatch)

    missing = await api.post(
        DECISIONS,
        content=d.model_dump_json(),
        headers={**ADVISOR, "Content-Type": "application/json"},
    )
    assert missing.status_code == 422
    assert routes.IDEMPOTENCY_HEADER in detail(missing)

    assert (await post(api, d, {})).status_code == 401
    assert (await post(api, d, auth("stolen-or-typo"))).status_code == 401
    # Bob may not record a decision in Amy's name.
    forged = await post(api, d, ADVISOR_2)
    assert forged.status_code == 403
    assert "own decisions" in detail(forged)

    body: dict[str, Any] = d.model_dump(mode="json")
    body["kind"] = "shrug"
    bad = await api.post(DECISIONS, json=body, headers={**ADVISOR, routes.IDEMPOTENCY_HEADER: d.id})
    assert bad.status_code == 422
    # None of the refused calls recorded anything.
    head = await api.get(url(routes.CHAIN_HEAD, advisor_id=AMY.id), headers=ADVISOR)
    assert ChainHead.model_validate(head.json()).count == 0


async def test_receipts_chain_per_advisor(api: httpx.AsyncClient) -> None:
    prev = {AMY.id: GENESIS_HASH, BOB.id: GENESIS_HASH}
    for i in range(6):
        advisor, headers = (AMY, ADVISOR) if i % 2 else (BOB, ADVISOR_2)
        d = make_decision(advisor, minutes_ago=60 - i)
        receipt = DecisionReceipt.model_validate((await post(api, d, headers)).json())
        assert receipt.sequence == i // 2 + 1
        assert receipt.prev_hash == prev[advisor.id]
        assert receipt.hash == chain_hash(prev[advisor.id], d)
        prev[advisor.id] = receipt.hash
    for advisor, headers in ((AMY, ADVISOR), (BOB, TEAM_LEAD)):
        response = await api.get(url(routes.CHAIN_HEAD, advisor_id=advisor.id), headers=headers)
        head = ChainHead.model_validate(response.json())
        assert (head.count, head.head_hash) == (3, prev[advisor.id])
    # Advisors read their own chain only.
    refused = await api.get(url(routes.CHAIN_HEAD, advisor_id=BOB.id), headers=ADVISOR)
    assert refused.status_code == 403


async def test_decisions_survive_a_restart_of_the_backend(make_engine: EngineMaker) -> None:
    d = make_decision(AMY, minutes_ago=5)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app_with(await make_engine())), base_url="http://mock"
    ) as first:
        created = await post(first, d, ADVISOR)
        assert created.status_code == 201
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app_with(await make_engine())), base_url="http://mock"
    ) as second:
        replay = await post(second, d, ADVISOR)
        assert replay.status_code == 200 and replay.json() == created.json()
        view = await second.get(url(routes.DECISION, decision_id=d.id), headers=ADVISOR)
        assert DecisionView.model_validate(view.json()).decision == d


# -- reading --------------------------------------------------------------


@pytest.fixture
async def logged(api: httpx.AsyncClient) -> list[Decision]:
    """Amy and Bob each record a handful of decisions over the last days."""
    out: list[Decision] = []
    for i in range(12):
        advisor, headers = (AMY, ADVISOR) if i % 3 else (BOB, ADVISOR_2)
        if i % 4 == 0:
            d = goodwill_override(advisor, minutes_ago=60 * (48 - i), pence=3000 + i)
        elif i % 4 == 1:
            d = make_decision(
                advisor, minutes_ago=60 * (48 - i), kind=DecisionKind.DECLINE, customer_id="C7"
            )
        else:
            d = make_decision(advisor, minutes_ago=60 * (48 - i), step_id="number-port-back")
        assert (await post(api, d, headers)).status_code == 201
        out.append(d)
    return out


async def test_advisors_see_only_their_own(api: httpx.AsyncClient, logged: list[Decision]) -> None:
    mine = await api.get(DECISIONS, headers=ADVISOR)
    page = DecisionPage.model_validate(mine.json())
    amy_ids = sorted((d.id for d in logged if d.advisor_id == AMY.id), reverse=True)
    assert page.total == len(amy_ids) == 8
    assert [v.decision.id for v in page.items] == amy_ids

    asking_for_bob = await api.get(DECISIONS, params={"advisor_id": BOB.id}, headers=ADVISOR)
    assert asking_for_bob.status_code == 403
    explicit_self = await api.get(DECISIONS, params={"advisor_id": AMY.id}, headers=ADVISOR)
    assert explicit_self.json()["total"] == 8

    # One customer's decisions are the exception: the advisor on the call sees what
    # was already given or promised to that customer, whoever decided it.
    on_c7 = await api.get(DECISIONS, params={"customer_id": "C7"}, headers=ADVISOR)
    assert on_c7.status_code == 200, on_c7.text
    c7_ids = sorted((d.id for d in logged if d.customer_id == "C7"), reverse=True)
    assert {d.advisor_id for d in logged if d.customer_id == "C7"} == {AMY.id, BOB.id}
    assert [v.decision.id for v in DecisionPage.model_validate(on_c7.json()).items] == c7_ids

    bobs = next(d for d in logged if d.advisor_id == BOB.id)
    other = await api.get(url(routes.DECISION, decision_id=bobs.id), headers=ADVISOR)
    assert other.status_code == 403
    own = await api.get(url(routes.DECISION, decision_id=bobs.id), headers=ADVISOR_2)
    assert own.status_code == 200
    unknown = await api.get(
        url(routes.DECISION, decision_id="01JZZZZZZZZZZZZZZZZZZZZZZZ"), headers=SUPERVISOR
    )
    assert unknown.status_code == 404
    assert "01JZZZZZZZZZZZZZZZZZZZZZZZ" in detail(unknown)


@pytest.mark.parametrize(
    ("params", "expected_total"),
    [
        ({}, 12),
        ({"advisor_id": BOB.id}, 4),
        ({"team": "north"}, 8),
        ({"customer_id": "C7"}, 3),
        ({"kind": "override"}, 3),
        ({"kind": "decline"}, 3),
        ({"step_id": "number-port-back"}, 6),
        ({"reason_code": "customer-declined"}, 3),
        ({"needs_approval": "true"}, 3),
        ({"needs_approval": "false"}, 9),
        ({"approval": "pending"}, 3),
        ({"review_state": "unreviewed"}, 12),
        ({"since": (NOW - timedelta(hours=40)).isoformat()}, 4),
        ({"until": (NOW - timedelta(hours=40)).isoformat()}, 8),
        ({"team": "north", "kind": "decline", "customer_id": "C7"}, 2),
        ({"kind": "override", "team": "south", "approval": "pending"}, 1),
        (
            {
                "step_id": "number-port-back",
                "since": (NOW - timedelta(hours=45)).isoformat(),
                "until": (NOW - timedelta(hours=38)).isoformat(),
            },
            3,
        ),
    ],
)
async def test_filters_through_the_api(
    api: httpx.AsyncClient, logged: list[Decision], params: dict[str, str], expected_total: int
) -> None:
    response = await api.get(DECISIONS, params={**params, "limit": "2"}, headers=TEAM_LEAD)
    assert response.status_code == 200, response.text
    page = DecisionPage.model_validate(response.json())
    assert page.total == expected_total
    seen = [v.decision.id for v in page.items]
    while page.next_cursor:
        response = await api.get(
            DECISIONS,
            params={**params, "limit": "2", "cursor": page.next_cursor},
            headers=TEAM_LEAD,
        )
        page = DecisionPage.model_validate(response.json())
        assert page.total == expected_total
        seen.extend(v.decision.id for v in page.items)
    assert len(seen) == len(set(seen)) == expected_total
    assert seen == sorted(seen, reverse=True)


@pytest.mark.parametrize(
    "params",
    [
        {"limit": str(routes.DECISIONS_PAGE_MAX + 1)},
        {"limit": "0"},
        {"cursor": "not-a-cursor"},
        {"since": "2025-06-10T10:00:00"},  # naive: which timezone?
        {"kind": "shrug"},
    ],
)
async def test_bad_list_queries_are_422(
    api: httpx.AsyncClient, logged: list[Decision], params: dict[str, str]
) -> None:
    response = await api.get(DECISIONS, params=params, headers=SUPERVISOR)
    assert response.status_code == 422


async def test_largest_page_is_allowed(api: httpx.AsyncClient, logged: list[Decision]) -> None:
    response = await api.get(
        DECISIONS, params={"limit": str(routes.DECISIONS_PAGE_MAX)}, headers=SUPERVISOR
    )
    page = DecisionPage.model_validate(response.json())
    assert len(page.items) == 12 and page.next_cursor is None


# -- reviews --------------------------------------------------------------


async def test_advisors_may_not_review_or_read_figures(
    api: httpx.AsyncClient, logged: list[Decision]
) -> None:
    bobs = next(d for d in logged if d.advisor_id == BOB.id)
    r = review(Verdict.ENDORSE)
    refused = await api.post(
        url(routes.REVIEWS, decision_id=bobs.id), json=r.model_dump(mode="json"), headers=ADVISOR
    )
    assert refused.status_code == 403
    assert "advisor" in detail(refused)
    approve = review(Verdict.APPROVE)
    assert (
        await api.post(
            url(routes.REVIEWS, decision_id=bobs.id),
            json=approve.model_dump(mode="json"),
            headers=ADVISOR,
        )
    ).status_code == 403
    stats = await api.get(BASE + routes.STATS, headers=ADVISOR)
    assert stats.status_code == 403
    # Nothing was recorded by the refused calls.
    view = await api.get(url(routes.DECISION, decision_id=bobs.id), headers=SUPERVISOR)
    assert DecisionView.model_validate(view.json()).reviews == []


async def test_verdicts_are_idempotent(api: httpx.AsyncClient, logged: list[Decision]) -> None:
    d = next(d for d in logged if d.kind is DecisionKind.OVERRIDE and d.advisor_id == AMY.id)
    r = review(Verdict.COACH, "Next time say the ETA has slipped before offering credit")
    path = url(routes.REVIEWS, decision_id=d.id)
    first = await api.post(path, json=r.model_dump(mode="json"), headers=SUPERVISOR)
    assert first.status_code == 201
    stored = Review.model_validate(first.json())
    assert (stored.decision_id, stored.reviewer_id, stored.at) == (d.id, "sup-sam", NOW)

    again = await api.post(path, json=r.model_dump(mode="json"), headers=SUPERVISOR)
    assert again.status_code == 200 and again.json() == first.json()

    changed = r.model_copy(update={"verdict": Verdict.ENDORSE})
    conflict = await api.post(path, json=changed.model_dump(mode="json"), headers=SUPERVISOR)
    assert conflict.status_code == 409
    assert detail(conflict) == f"review {r.id} was already recorded with a different body"

    view = await api.get(url(routes.DECISION, decision_id=d.id), headers=ADVISOR)
    seen = DecisionView.model_validate(view.json())
    assert seen.review_state == "coached"
    assert [x.note for x in seen.reviews] == [r.note]

    coached = await api.get(DECISIONS, params={"review_state": "coached"}, headers=SUPERVISOR)
    assert [v["decision"]["id"] for v in coached.json()["items"]] == [d.id]

    missing = await api.post(
        url(routes.REVIEWS, decision_id="01JZZZZZZZZZZZZZZZZZZZZZZZ"),
        json=review(Verdict.ENDORSE).model_dump(mode="json"),
        headers=SUPERVISOR,
    )
    assert missing.status_code == 404


async def test_approval_rules_and_the_advisor_sees_the_outcome(api: httpx.AsyncClient) -> None:
    small = goodwill_override(AMY, minutes_ago=30, pence=6000)
    large = goodwill_override(AMY, minutes_ago=20, pence=20_000)
    plain = make_decision(AMY, minutes_ago=10)
    for d in (small, large, plain):
        assert (await post(api, d, ADVISOR)).status_code == 201

    async def verdict(d: Decision, v: Verdict, headers: dict[str, str]) -> httpx.Response:
        body = review(v).model_dump(mode="json")
        return await api.post(url(routes.REVIEWS, decision_id=d.id), json=body, headers=headers)

    not_applicable = await verdict(plain, Verdict.APPROVE, TEAM_LEAD)
    assert not_applicable.status_code == 422
    assert "does not need approval" in detail(not_applicable)

    over_limit = await verdict(large, Verdict.APPROVE, TEAM_LEAD)  # Tess approves up to 10,000
    assert over_limit.status_code == 403
    assert "limit" in detail(over_limit)

    assert (await verdict(small, Verdict.APPROVE, TEAM_LEAD)).status_code == 201
    assert (await verdict(large, Verdict.APPROVE, SUPERVISOR)).status_code == 201
    late = await verdict(small, Verdict.REJECT, SUPERVISOR)
    assert late.status_code == 409
    assert "already approved" in detail(late)

    mine = await api.get(DECISIONS, params={"needs_approval": "true"}, headers=ADVISOR)
    outcome = {v["decision"]["id"]: v["approval"] for v in mine.json()["items"]}
    assert outcome == {small.id: "approved", large.id: "approved"}
    pending = await api.get(DECISIONS, params={"approval": "pending"}, headers=SUPERVISOR)
    assert pending.json()["total"] == 0


def rewrite_review_body(engine: DecisionEngine, review_id: str, body: str) -> None:
    """Put back a review as an earlier release kept it (its JSON body, verbatim)."""
    if isinstance(engine, PostgresEngine):
        with psycopg.connect(engine.url, autocommit=True) as conn:
            conn.execute("UPDATE reviews SET body = %s WHERE id = %s", (body, review_id))
    else:
        assert isinstance(engine, SqliteEngine)
        with sqlite3.connect(engine.ledger.path) as db:
            db.execute("UPDATE reviews SET body = ? WHERE id = ?", (body, review_id))
        db.close()


async def test_the_approver_is_named_from_their_identity_for_the_advisor(
    engine: DecisionEngine,
) -> None:
    """An advisor may not read the advisor directory, so the approval carries the
    approver's display name from their verified identity; an identity without a
    name (it repeats the id) and a review kept before names were give none, and
    replaying a review is not a conflict because the name differs."""
    nameless = SAM.model_copy(update={"id": "sup-nameless", "display_name": "sup-nameless"})
    renamed = TESS.model_copy(update={"display_name": "Tess Renamed"})
    app = app_with(engine, {"tok-nameless": nameless, "tok-renamed": renamed})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://m"
    ) as api:
        small = goodwill_override(AMY, minutes_ago=30, pence=6000)
        large = goodwill_override(AMY, minutes_ago=20, pence=7000)
        for d in (small, large):
            assert (await post(api, d, ADVISOR)).status_code == 201
        approve = review(Verdict.APPROVE)
        path = url(routes.REVIEWS, decision_id=small.id)
        answer = await api.post(path, json=approve.model_dump(mode="json"), headers=TEAM_LEAD)
        assert answer.status_code == 201
        assert Review.model_validate(answer.json()).reviewer_name == "Tess Team-Lead"
        by_nameless = await api.post(
            url(routes.REVIEWS, decision_id=large.id),
            json=review(Verdict.APPROVE).model_dump(mode="json"),
            headers=auth("tok-nameless"),
        )
        assert Review.model_validate(by_nameless.json()).reviewer_name is None

        # What the advisor's own "Approved by …" line reads.
        mine = await api.get(DECISIONS, params={"needs_approval": "true"}, headers=ADVISOR)
        page = DecisionPage.model_validate(mine.json())
        named = {v.decision.id: [r.reviewer_name for r in v.reviews] for v in page.items}
        assert named == {small.id: ["Tess Team-Lead"], large.id: [None]}

        # The same review sent again after the identity renamed Tess: a replay.
        again = await api.post(
            path, json=approve.model_dump(mode="json"), headers=auth("tok-renamed")
        )
        assert again.status_code == 200 and again.json() == answer.json()

        # A review kept by an earlier release has no name: read as None, and
        # replaying it is still a replay.
        old = answer.json()
        del old["reviewer_name"]
        rewrite_review_body(engine, approve.id, json.dumps(old))
        view = await api.get(url(routes.DECISION, decision_id=small.id), headers=ADVISOR)
        assert DecisionView.model_validate(view.json()).reviews[0].reviewer_name is None
        replay = await api.post(path, json=approve.model_dump(mode="json"), headers=TEAM_LEAD)
        assert replay.status_code == 200
        assert Review.model_validate(replay.json()).reviewer_name is None


# -- figures --------------------------------------------------------------


async def test_stats_for_reviewers(api: httpx.AsyncClient, logged: list[Decision]) -> None:
    response = await api.get(
        BASE + routes.STATS,
        params={"since": (NOW - timedelta(days=3)).isoformat(), "team": "north"},
        headers=TEAM_LEAD,
    )
    assert response.status_code == 200
    stats = DecisionStats.model_validate(response.json())
    # Amy (north) took 8 of the 12: two goodwill overrides, two declines, four accepts.
    assert [(b.key, b.decisions, b.overrides) for b in stats.by_advisor] == [(AMY.id, 8, 2)]
    assert [(b.key, b.decisions, b.overrides) for b in stats.by_step] == [
        ("eta-quote", 2, 0),
        ("goodwill", 2, 2),
        ("number-port-back", 4, 0),
    ]
    assert [(b.key, b.decisions) for b in stats.by_day] == [("2025-06-10", 8)]
    assert [(r.step_id, r.alternative, r.count) for r in stats.repeated_overrides] == [
        ("goodwill", "changed amount_pence", 2)
    ]

    everyone = await api.get(BASE + routes.STATS, headers=SUPERVISOR)
    repeated = DecisionStats.model_validate(everyone.json()).repeated_overrides
    assert [(r.step_id, r.alternative, r.count) for r in repeated] == [
        ("goodwill", "changed amount_pence", 3)
    ]
