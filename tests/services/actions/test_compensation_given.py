"""Compensation owed for a fault is offered until it is recorded as given, by
anyone: the actions service asks the decisions backend, as the caller, what was
already decided on the customer's compensation.

Runs the demo's wiring in process: the real actions service and the real
decisions service beside the mock's stand-in data, reached over HTTP by the
project's own clients.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeVar

import httpx
import pytest
from pydantic import SecretStr

from advisor_tui.clients import ActionsClient, DecisionsClient, IdentityClient
from advisor_tui.clients._http import BackendHttp
from advisor_tui.contract import (
    ActionKind,
    Backend,
    DecisionKind,
    FaultSpec,
    NextAction,
    NextActions,
    routes,
)
from advisor_tui.deciding import build_decision
from advisor_tui.demo import create_demo_app
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.state import MockState

C = TypeVar("C", bound=BackendHttp)

FIXED_YESTERDAY = "cus-fixed-yesterday"
OWED = "£9.98"


class Demo:
    def __init__(self, state: MockState) -> None:
        self.state = state
        # No upstream hangs here: a deadline for a busy CI machine, not the demo's 3 s.
        self.app = create_demo_app(state, upstream_deadline=60.0)
        self.transport = httpx.ASGITransport(app=self.app)

    def client(self, kind: type[C], backend: Backend, token: str = "demo-advisor") -> C:
        return kind(
            "http://demo.invalid" + routes.PREFIXES[backend],
            token=SecretStr(token),
            transport=self.transport,
        )

    async def actions(self, token: str = "demo-advisor") -> NextActions:
        client = self.client(ActionsClient, Backend.ACTIONS, token)
        try:
            return await client.next_actions(FIXED_YESTERDAY)
        finally:
            await client.aclose()

    async def decide(
        self, action: NextAction, kind: DecisionKind, token: str = "demo-advisor", **how: object
    ) -> str:
        identity = self.client(IdentityClient, Backend.IDENTITY, token)
        decisions = self.client(DecisionsClient, Backend.DECISIONS, token)
        actions = self.client(ActionsClient, Backend.ACTIONS, token)
        try:
            decision = build_decision(
                advisor=await identity.me(),
                customer_id=FIXED_YESTERDAY,
                action=action,
                kind=kind,
                codes=await actions.reason_codes(),
                **how,  # type: ignore[arg-type]
            )
            await decisions.record(decision)
            return decision.id
        finally:
            for client in (identity, decisions, actions):
                await client.aclose()


@pytest.fixture
async def demo() -> AsyncIterator[Demo]:
    yield Demo(load_state())


def compensation(answer: NextActions) -> NextAction | None:
    found = [a for a in answer.actions if a.kind is ActionKind.AUTOMATIC_COMPENSATION]
    assert len(found) <= 1
    return found[0] if found else None


async def test_accepted_compensation_is_not_offered_again_by_anyone(demo: Demo) -> None:
    offered = compensation(await demo.actions())
    assert offered is not None and OWED in offered.label
    await demo.decide(offered, DecisionKind.ACCEPT)
    # Another advisor, on the customer's next call: nothing more is owed.
    assert compensation(await demo.actions("demo-advisor-2")) is None
    assert compensation(await demo.actions()) is None


async def test_a_decline_gives_nothing_so_it_is_still_offered(demo: Demo) -> None:
    offered = compensation(await demo.actions())
    assert offered is not None
    await demo.decide(offered, DecisionKind.DECLINE, reason_code="customer_declined")
    again = compensation(await demo.actions())
    assert again is not None and again.label == offered.label


async def test_what_was_given_earlier_is_taken_off_what_is_owed_now(demo: Demo) -> None:
    # Given on an earlier call, when less was owed (an outage still adding up).
    offered = compensation(await demo.actions())
    assert offered is not None
    (amount,) = offered.parameters
    earlier = offered.model_copy(
        update={"parameters": [amount.model_copy(update={"value": 500, "minimum": 500})]}
    )
    await demo.decide(earlier, DecisionKind.ACCEPT)
    still = compensation(await demo.actions("demo-advisor-2"))
    assert still is not None
    assert still.label == "Automatic compensation still owed: £4.98 (Ofcom scheme)"
    assert "£9.98 owed − £5.00 already given = £4.98 still owed" in still.working
    (given,) = [f for f in still.why if f.label == "Already given"]
    assert given.value.startswith("£5.00, ") and given.source == "decisions"
    assert still.parameters[0].value == still.parameters[0].minimum == 498


async def test_without_the_decisions_backend_it_is_offered_and_says_it_was_not_checked(
    demo: Demo,
) -> None:
    demo.state.faults[Backend.DECISIONS] = FaultSpec.model_validate({"error_rate": 1.0})
    answer = await demo.actions()
    offered = compensation(answer)
    assert offered is not None and OWED in offered.label
    assert "decisions" in answer.facts_missing
    assert any(f.label == "Not checked" for f in offered.why), offered.why
