"""Advisors, state and decisions for the decisions backend's tests.

The three demo identities are built here rather than loaded from the seed
scenarios so these tests pin the limits they rely on.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ulid import ULID

from advisor_tui.contract import (
    ActionKind,
    Advisor,
    Decision,
    DecisionKind,
    ParamValue,
    Permissions,
    ProcessStepRef,
    ReviewCreate,
    Role,
    Verdict,
)
from advisor_tui.mock.state import MockState

NOW = datetime(2025, 6, 12, 10, 0, tzinfo=UTC)

AMY = Advisor(
    id="adv-amy",
    display_name="Amy Advisor",
    role=Role.ADVISOR,
    team="north",
    permissions=Permissions(max_goodwill_credit_pence=2500, overridable_steps=["goodwill"]),
)
BOB = Advisor(
    id="adv-bob",
    display_name="Bob Advisor",
    role=Role.ADVISOR,
    team="south",
    permissions=Permissions(max_goodwill_credit_pence=2500),
)
TESS = Advisor(
    id="tl-tess",
    display_name="Tess Team-Lead",
    role=Role.TEAM_LEAD,
    team="north",
    permissions=Permissions(
        max_goodwill_credit_pence=10_000, overridable_steps=["*"], may_approve_up_to_pence=10_000
    ),
)
SAM = Advisor(
    id="sup-sam",
    display_name="Sam Supervisor",
    role=Role.SUPERVISOR,
    team="ops",
    permissions=Permissions(
        max_goodwill_credit_pence=50_000, overridable_steps=["*"], may_approve_up_to_pence=100_000
    ),
)

TOKENS = {
    "demo-advisor": AMY,
    "demo-advisor-2": BOB,
    "demo-team-lead": TESS,
    "demo-supervisor": SAM,
}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_state() -> MockState:
    return MockState(advisors=dict(TOKENS), customers={}, clock=lambda: NOW, wall_clock=lambda: NOW)


_STEP_TITLES = {
    "goodwill": "Goodwill credit",
    "eta-quote": "Quote the published fix time",
    "number-port-back": "Recover a released number",
}
_STEP_KIND = {
    "goodwill": ActionKind.GOODWILL_CREDIT,
    "eta-quote": ActionKind.HONEST_ETA,
    "number-port-back": ActionKind.ESCALATE_STEP,
}


def make_decision(
    advisor: Advisor,
    *,
    minutes_ago: int,
    kind: DecisionKind = DecisionKind.ACCEPT,
    step_id: str = "eta-quote",
    customer_id: str = "C001",
    reason_code: str | None = None,
    changed: dict[str, ParamValue] | None = None,
    alternative: str | None = None,
    needs_approval: bool = False,
    approver_role: Role | None = None,
    free_text: str | None = None,
) -> Decision:
    """A decision whose ULID carries its decision time, so id order is time order."""
    decided = NOW - timedelta(minutes=minutes_ago)
    proposed: dict[str, ParamValue] = {"amount_pence": 1000} if step_id == "goodwill" else {}
    if kind is not DecisionKind.ACCEPT and reason_code is None:
        reason_code = "customer-impact" if kind is DecisionKind.OVERRIDE else "customer-declined"
    return Decision(
        id=str(ULID.from_datetime(decided)),
        customer_id=customer_id,
        action_id=f"act-{step_id}",
        action_kind=_STEP_KIND[step_id],
        action_label=_STEP_TITLES[step_id],
        process_step=ProcessStepRef(id=step_id, version=2, title=_STEP_TITLES[step_id]),
        proposed_parameters=proposed,
        kind=kind,
        reason_code=reason_code,
        free_text=free_text,
        changed_parameters=changed or {},
        alternative=alternative,
        advisor_id=advisor.id,
        decided_at=decided,
        needs_approval=needs_approval,
        approver_role=approver_role,
    )


def goodwill_override(advisor: Advisor, *, minutes_ago: int, pence: int) -> Decision:
    """An override raising a goodwill credit; above the advisor's limit it needs approval."""
    above = pence > advisor.permissions.max_goodwill_credit_pence
    return make_decision(
        advisor,
        minutes_ago=minutes_ago,
        kind=DecisionKind.OVERRIDE,
        step_id="goodwill",
        changed={"amount_pence": pence},
        needs_approval=above,
        approver_role=Role.TEAM_LEAD if above else None,
        free_text="Four days without service, works from home",
    )


def review(verdict: Verdict, note: str = "", *, review_id: str | None = None) -> ReviewCreate:
    return ReviewCreate(id=review_id or str(ULID()), verdict=verdict, note=note)


def many_advisors(count: int, prefix: str = "adv-") -> list[Advisor]:
    """``count`` plain advisors in three teams, for concurrency tests."""
    return [
        Advisor(
            id=f"{prefix}{i:02d}",
            display_name=f"Advisor {i}",
            role=Role.ADVISOR,
            team=f"team-{i % 3}",
            permissions=Permissions(max_goodwill_credit_pence=2500),
        )
        for i in range(count)
    ]
