from __future__ import annotations

import httpx
import pytest

from advisor_tui.contract import Advisor, AdvisorDirectoryPage, Backend, ErrorBody, Role, routes
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


# -- the advisor directory (reviewers) -------------------------------------------------

ADVISORS = routes.PREFIXES[Backend.IDENTITY] + routes.ADVISORS
SUPERVISOR = {"Authorization": "Bearer demo-supervisor"}


async def test_the_directory_lists_every_advisor_once_in_id_order(
    client: httpx.AsyncClient, state: MockState
) -> None:
    response = await client.get(ADVISORS, headers=SUPERVISOR)
    assert response.status_code == 200
    page = AdvisorDirectoryPage.model_validate(response.json())
    people = {a.id: a for a in state.advisors.values()}
    assert [e.id for e in page.items] == sorted(people)
    assert page.next_after is None
    sam = next(e for e in page.items if e.id == "adv-sam-carter")
    assert (sam.display_name, sam.team, sam.role) == (
        "Sam Carter",
        "Residential Care, Team 4",
        Role.ADVISOR,
    )
    assert "permissions" not in response.json()["items"][0], "names, not what others may do"


async def test_the_directory_pages_by_id(client: httpx.AsyncClient, state: MockState) -> None:
    seen: list[str] = []
    after: str | None = None
    while True:
        params = {"limit": 1} | ({"after": after} if after else {})
        response = await client.get(ADVISORS, headers=SUPERVISOR, params=params)
        page = AdvisorDirectoryPage.model_validate(response.json())
        assert len(page.items) <= 1
        seen += [e.id for e in page.items]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == sorted({a.id for a in state.advisors.values()})


async def test_the_directory_is_for_reviewers_and_bounded(client: httpx.AsyncClient) -> None:
    refused = await client.get(ADVISORS, headers={"Authorization": "Bearer demo-advisor"})
    assert refused.status_code == 403
    assert "team leads and supervisors" in ErrorBody.model_validate(refused.json()).detail
    assert (await client.get(ADVISORS)).status_code == 401
    for limit in (0, routes.ADVISORS_PAGE_MAX + 1):
        response = await client.get(ADVISORS, headers=SUPERVISOR, params={"limit": limit})
        assert response.status_code == 422
    lead = await client.get(ADVISORS, headers={"Authorization": "Bearer demo-team-lead"})
    assert lead.status_code == 200
