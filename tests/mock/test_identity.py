from __future__ import annotations

import httpx
import pytest

from advisor_tui.contract import Advisor, Backend, ErrorBody, Role, routes
from advisor_tui.contract.routes import bearer_token
from advisor_tui.mock.identity import require_advisor
from advisor_tui.mock.state import MockState

ME = routes.PREFIXES[Backend.IDENTITY] + routes.ME


@pytest.mark.parametrize(
    ("token", "role", "limit"),
    [
        ("demo-advisor", Role.ADVISOR, 2500),
        ("demo-team-lead", Role.TEAM_LEAD, 10000),
        ("demo-supervisor", Role.SUPERVISOR, 50000),
    ],
)
async def test_me_returns_the_advisor_for_the_token(
    client: httpx.AsyncClient, token: str, role: Role, limit: int
) -> None:
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    advisor = Advisor.model_validate(response.json())
    assert advisor.role is role
    assert advisor.permissions.max_goodwill_credit_pence == limit
    assert advisor.team


async def test_supervisor_may_override_everything_advisor_only_some(
    client: httpx.AsyncClient,
) -> None:
    sup = await client.get(ME, headers={"Authorization": "Bearer demo-supervisor"})
    adv = await client.get(ME, headers={"Authorization": "Bearer demo-advisor"})
    supervisor = Advisor.model_validate(sup.json())
    advisor = Advisor.model_validate(adv.json())
    assert supervisor.permissions.may_override("PS-NUM-RESTORE")
    assert supervisor.permissions.may_approve_up_to_pence == 100000
    assert not advisor.permissions.may_override("PS-NUM-RESTORE")
    assert advisor.permissions.overridable_steps


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}, {"Authorization": ""}],
)
async def test_missing_or_unknown_token_is_401_with_error_body(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get(ME, headers=headers)
    assert response.status_code == 401
    body = ErrorBody.model_validate(response.json())
    assert "nope" not in body.detail  # the token is never echoed back
    assert response.headers["www-authenticate"] == "Bearer"


def test_bearer_token_parsing() -> None:
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer  abc ") == "abc"
    assert bearer_token("Bearer") is None
    assert bearer_token("Token abc") is None
    assert bearer_token(None) is None


def test_require_advisor_is_reusable(state: MockState) -> None:
    from fastapi import HTTPException

    assert require_advisor(state, "Bearer demo-team-lead").role is Role.TEAM_LEAD
    with pytest.raises(HTTPException) as caught:
        require_advisor(state, None)
    assert caught.value.status_code == 401
