"""Concurrent requests through two service instances on one store (as two worker
processes would be), on both engines: sequences, links and idempotency hold
because the database enforces them, not process memory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from ulid import ULID

from advisor_tui.contract import (
    GENESIS_HASH,
    Advisor,
    ChainAuditPage,
    ChainHead,
    Decision,
    DecisionReceipt,
    chain_hash,
    routes,
)
from advisor_tui.services.decisions.engine import DecisionEngine
from tests.services.decisions.builders import make_decision, many_advisors
from tests.services.decisions.conftest import EngineMaker
from tests.services.decisions.test_api import app_with

ADVISORS = many_advisors(12)
PER_ADVISOR = 8


def tokens_app(engine: DecisionEngine) -> httpx.AsyncClient:
    app = app_with(engine, extra={f"tok-{a.id}": a for a in ADVISORS})
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc")


@pytest.fixture
async def workers(make_engine: EngineMaker) -> AsyncIterator[tuple[httpx.AsyncClient, ...]]:
    """Two instances of the service, each with its own engine (pool or connection)."""
    first, second = tokens_app(await make_engine()), tokens_app(await make_engine())
    async with first, second:
        yield first, second


def auth(advisor: Advisor) -> dict[str, str]:
    return {"Authorization": f"Bearer tok-{advisor.id}"}


async def send(
    client: httpx.AsyncClient, d: Decision, advisor: Advisor, after: ChainHead
) -> httpx.Response:
    return await client.post(
        "/decisions" + routes.DECISIONS,
        content=d.model_dump_json(),
        headers={
            **auth(advisor),
            "Content-Type": "application/json",
            routes.IDEMPOTENCY_HEADER: d.id,
            routes.CHAIN_SEQUENCE_HEADER: str(after.count + 1),
            routes.CHAIN_PREV_HEADER: after.head_hash,
        },
    )


def decision_for(advisor: Advisor, i: int) -> Decision:
    d = make_decision(advisor, minutes_ago=600 - i)
    return d.model_copy(update={"id": str(ULID.from_datetime(d.decided_at))})


async def test_racing_duplicate_sends_from_many_advisors_store_each_decision_once(
    workers: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    first, second = workers

    async def advisor_run(advisor: Advisor) -> list[DecisionReceipt]:
        head = ChainHead(advisor_id=advisor.id, count=0, head_hash=GENESIS_HASH)
        receipts = []
        for i in range(PER_ADVISOR):
            d = decision_for(advisor, i)
            # The same record sent to both workers at once (a retry racing the
            # original): one stores it, the other answers with the same receipt.
            a, b = await asyncio.gather(
                send(first, d, advisor, head), send(second, d, advisor, head)
            )
            assert sorted([a.status_code, b.status_code]) == [200, 201], (a.text, b.text)
            assert a.json() == b.json()
            receipt = DecisionReceipt.model_validate(a.json())
            assert receipt.sequence == i + 1 and receipt.prev_hash == head.head_hash
            assert receipt.hash == chain_hash(head.head_hash, d)
            head = ChainHead(advisor_id=advisor.id, count=receipt.sequence, head_hash=receipt.hash)
            receipts.append(receipt)
        return receipts

    results = await asyncio.gather(*(advisor_run(a) for a in ADVISORS))
    assert sum(len(r) for r in results) == len(ADVISORS) * PER_ADVISOR

    audit = await second.get(
        "/decisions" + routes.AUDIT,
        params={"limit": 100},
        headers={"Authorization": "Bearer demo-supervisor"},
    )
    assert audit.status_code == 200, audit.text
    items = ChainAuditPage.model_validate(audit.json()).items
    assert {i.advisor_id for i in items} == {a.id for a in ADVISORS}
    assert all(i.first_broken is None and i.count == PER_ADVISOR for i in items)
    assert all(i.refused_links == 0 for i in items)
    page = await first.get(
        "/decisions" + routes.DECISIONS,
        params={"limit": 500},
        headers={"Authorization": "Bearer demo-supervisor"},
    )
    ids = [v["decision"]["id"] for v in page.json()["items"]]
    assert len(ids) == len(set(ids)) == len(ADVISORS) * PER_ADVISOR == page.json()["total"]


async def test_two_different_records_racing_for_one_link_store_one_and_refuse_the_other(
    workers: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    first, second = workers
    advisor = ADVISORS[0]
    start = ChainHead(advisor_id=advisor.id, count=0, head_hash=GENESIS_HASH)
    for round_ in range(6):
        one, other = decision_for(advisor, 2 * round_), decision_for(advisor, 2 * round_ + 1)
        a, b = await asyncio.gather(
            send(first, one, advisor, start), send(second, other, advisor, start)
        )
        codes = sorted([a.status_code, b.status_code])
        assert codes == [201, 409], (a.text, b.text)
        refused = a if a.status_code == 409 else b
        assert routes.CHAIN_BROKEN_DETAIL in refused.json()["detail"]
        stored = DecisionReceipt.model_validate((a if a.status_code == 201 else b).json())
        assert stored.sequence == round_ + 1
        start = ChainHead(advisor_id=advisor.id, count=stored.sequence, head_hash=stored.hash)
    audit = await first.get(
        "/decisions" + routes.AUDIT, headers={"Authorization": "Bearer demo-supervisor"}
    )
    (item,) = ChainAuditPage.model_validate(audit.json()).items
    assert (item.count, item.first_broken, item.refused_links) == (6, None, 6)
    assert item.head_hash == start.head_hash
