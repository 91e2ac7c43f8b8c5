"""The mock next-actions logic (pure) and its router, on records built from the contract."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from advisor_tui.contract import (
    ActionKind,
    Advisor,
    Appointment,
    AppointmentStatus,
    AreaIncident,
    Backend,
    Channel,
    Circumstances,
    CoachingValue,
    Contract,
    CustomerProfile,
    Direction,
    EtaChange,
    Fault,
    FaultState,
    FaultStatus,
    HistoryEvent,
    IncidentCause,
    LineState,
    NextAction,
    NextActions,
    Permissions,
    PriceChange,
    Product,
    ProductKind,
    ReasonCode,
    ReasonUse,
    Role,
    Segment,
    ServiceStatus,
    routes,
)
from advisor_tui.mock import actions
from advisor_tui.mock.history import ListHistory
from advisor_tui.mock.next_actions import next_actions_for
from advisor_tui.mock.state import CustomerRecord, MockState

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # Thursday
LOST = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)  # Saturday

PRODUCTS = [
    Product(
        id="p-line",
        kind=ProductKind.LANDLINE,
        name="Home phone",
        number="020 8977 0000",
        monthly_price_pence=2300,
    ),
    Product(id="p-bb", kind=ProductKind.BROADBAND, name="Fibre 2", monthly_price_pence=3700),
    Product(
        id="p-mob",
        kind=ProductKind.MOBILE,
        name="SIM only",
        number="07700 900123",
        monthly_price_pence=1200,
    ),
    Product(id="p-sport", kind=ProductKind.SPORTS, name="Sports", monthly_price_pence=2000),
]

PRICE_RISE = PriceChange(
    effective_from=date(2026, 4, 1),
    old_monthly_pence=5000,
    new_monthly_pence=5500,
    inflation_percent=3.6,
)


def profile(
    *,
    cid: str = "cus-1",
    works_from_home: bool = False,
    vulnerable: bool = False,
    named_owner: str | None = "Natasha",
    preferred: Channel = Channel.SMS,
    price_changes: list[PriceChange] | None = None,
) -> CustomerProfile:
    return CustomerProfile(
        id=cid,
        account_number="AC123",
        name="Sam Ballantine",
        segment=Segment.CONSUMER,
        postcode="TW11 8AA",
        address=["1 High St", "Teddington"],
        phones=["020 8977 0000"],
        emails=["sam@example.com"],
        social_handles=["@ballantine70"],
        products=PRODUCTS,
        contract=Contract(
            started_on=date(2025, 1, 1),
            ends_on=date(2027, 1, 1),
            minimum_term_months=24,
            price_changes=price_changes or [],
        ),
        circumstances=Circumstances(
            works_from_home=works_from_home,
            vulnerable=vulnerable,
            vulnerability_notes=["hearing impaired"] if vulnerable else [],
        ),
        preferred_channel=preferred,
        named_owner=named_owner,
    )


def event(ident: str, at: datetime, channel: Channel, summary: str, body: str = "") -> HistoryEvent:
    return HistoryEvent(
        id=ident,
        customer_id="cus-1",
        at=at,
        channel=channel,
        direction=Direction.INBOUND,
        handled_by="BTCare",
        via="@BT_UK" if channel is Channel.SOCIAL else None,
        summary=summary,
        body=body,
    )


def slipped_fault(moves: int = 3) -> Fault:
    first = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
    history = [EtaChange(eta=first, changed_at=LOST, reason="first estimate", automatic=True)]
    for i in range(1, moves + 1):
        history.append(
            EtaChange(
                eta=first + timedelta(hours=24 * i),
                changed_at=first - timedelta(hours=2) + timedelta(hours=24 * (i - 1)),
                reason="fix not complete",
                automatic=True,
            )
        )
    return Fault(
        id="F-1",
        product_ids=["p-line", "p-bb"],
        summary="No dial tone or broadband: cable theft",
        state=FaultState.OPEN,
        opened_at=LOST,
        incident_id="INC-1",
        total_loss=True,
        eta_history=history,
    )


def status(
    faults: list[Fault],
    states: dict[str, LineState] | None = None,
    appointments: list[Appointment] | None = None,
) -> FaultStatus:
    states = states or {}
    return FaultStatus(
        customer_id="cus-1",
        checked_at=NOW,
        services=[
            ServiceStatus(product_id=p.id, service=p.kind, state=states.get(p.id, LineState.OK))
            for p in PRODUCTS
            if p.kind in (ProductKind.LANDLINE, ProductKind.BROADBAND, ProductKind.MOBILE)
        ],
        faults=faults,
        incidents=[
            AreaIncident(
                id="INC-1",
                cause=IncidentCause.CABLE_THEFT,
                area="Teddington TW11",
                summary="Cable stolen",
                started_at=LOST,
                affected_premises=120,
            )
        ],
        appointments=appointments or [],
        service_lost_since=LOST if any(f.total_loss for f in faults) else None,
    )


def record(
    prof: CustomerProfile,
    fault_status: FaultStatus | None = None,
    history: list[HistoryEvent] | None = None,
    outcomes: dict[str, str] | None = None,
) -> CustomerRecord:
    return CustomerRecord(
        profile=prof,
        history=ListHistory(history or []),
        fault_status=fault_status,
        process_outcomes=outcomes or {},
    )


def outage_record(**kwargs: Any) -> CustomerRecord:
    down = {"p-line": LineState.DOWN, "p-bb": LineState.DOWN}
    return record(
        profile(works_from_home=True, price_changes=[PRICE_RISE], **kwargs),
        status([slipped_fault()], down),
        [
            event(
                "h1",
                datetime(2026, 11, 24, 12, 0, tzinfo=UTC),
                Channel.SOCIAL,
                "Day 3 of no phone or data: will @BT_UK give us some sort of rebate?",
            ),
            event("h2", datetime(2026, 11, 23, 9, 0, tzinfo=UTC), Channel.PHONE, "Reported fault"),
        ],
    )


def by_kind(result: NextActions, kind: ActionKind) -> list[NextAction]:
    return [a for a in result.actions if a.kind is kind]


def one(result: NextActions, kind: ActionKind) -> NextAction:
    found = by_kind(result, kind)
    assert len(found) == 1, [a.kind for a in result.actions]
    return found[0]


def assert_ranked(result: NextActions) -> None:
    assert [a.rank for a in result.actions] == list(range(1, len(result.actions) + 1))
    assert len({a.id for a in result.actions}) == len(result.actions)


# ------------------------------------------------------------------ the outage


def test_slipped_eta_total_loss_gives_honest_eta_interim_and_compensation() -> None:
    result = next_actions_for(outage_record(), NOW)
    assert_ranked(result)
    kinds = [a.kind for a in result.actions]
    assert kinds.index(ActionKind.HONEST_ETA) < kinds.index(ActionKind.AUTOMATIC_COMPENSATION)

    eta = one(result, ActionKind.HONEST_ETA)
    assert eta.id == "cus-1:honest_eta:F-1"
    assert "moved 3 times" in eta.label and "+72 h" in eta.label
    assert "do not quote it as firm" in eta.label
    assert eta.script is not None and "not going to promise" in eta.script
    assert "cable theft in Teddington TW11" in eta.script
    assert len(eta.working) == 4  # every ETA the customer was given
    assert eta.process_step.id == "PS-FAULT-ETA" and eta.process_step.version >= 1

    interim = one(result, ActionKind.INTERIM_SERVICE)
    names = {p.name for p in interim.parameters}
    assert names == {"mobile_data_boost", "call_divert"}
    assert all(p.editable for p in interim.parameters)
    assert any(f.label == "Works from home" for f in interim.why)

    comp = one(result, ActionKind.AUTOMATIC_COMPENSATION)
    amount = comp.parameter("amount_pence")
    assert amount is not None
    # Sat 21 Nov 09:00: full working days Mon 23, Tue 24; Wed 25 and Thu 26 eligible,
    # landline and broadband each paid: 2 days x 2 services x £10.34.
    assert amount.value == 4136
    assert amount.editable and amount.minimum == 4136 and amount.maximum == 3 * 4136
    assert amount.permission_limit == "max_goodwill_credit_pence"
    assert "£41.36" in comp.label
    assert comp.working[0].endswith(
        "eligible days 25–26 Nov = 2 days × 2 services × £10.34 = £41.36"
    )
    assert any("rebate" in f.value for f in comp.why)  # the customer's own ask
    assert any(f.source == "regulation" and "check the current year" in f.value for f in comp.why)

    assert not by_kind(result, ActionKind.RETENTION_OFFER)  # price rise, but no service
    assert [h.value for h in result.coaching][0] is CoachingValue.ACCOUNTABLE


def test_a_latest_eta_already_passed_is_called_out() -> None:
    eta = one(next_actions_for(outage_record(), NOW), ActionKind.HONEST_ETA)
    latest = next(f for f in eta.why if f.label == "Latest ETA")
    assert latest.value == "Wed 25 Nov 14:00 (already passed, not fixed)"


def test_a_single_eta_that_passed_is_not_quoted_either() -> None:
    fault = slipped_fault(moves=0)
    rec = record(profile(), status([fault], {"p-line": LineState.DOWN, "p-bb": LineState.DOWN}))
    eta = one(next_actions_for(rec, NOW), ActionKind.HONEST_ETA)
    assert eta.label == "Honest ETA: the promised fix time has passed; do not quote it"
    # One future ETA that has not moved is not flagged: it is still the honest answer.
    future = fault.model_copy(
        update={
            "eta_history": [
                fault.eta_history[0].model_copy(update={"eta": NOW + timedelta(hours=4)})
            ]
        }
    )
    rec.fault_status = status([future])
    assert not by_kind(next_actions_for(rec, NOW), ActionKind.HONEST_ETA)


def test_missed_appointment_adds_to_the_compensation() -> None:
    base = outage_record()
    assert base.fault_status is not None
    no_show = Appointment(
        id="A1",
        fault_id="F-1",
        starts_at=datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
        ends_at=datetime(2026, 11, 24, 13, 0, tzinfo=UTC),
        status=AppointmentStatus.NO_SHOW,
        purpose="repair",
    )
    base.fault_status = base.fault_status.model_copy(update={"appointments": [no_show]})
    comp = one(next_actions_for(base, NOW), ActionKind.AUTOMATIC_COMPENSATION)
    amount = comp.parameter("amount_pence")
    assert amount is not None and amount.value == 4136 + 3231
    assert "Engineer did not come Tue 24 Nov 08:00–13:00 = £32.31" in comp.working
    assert comp.working[-1] == "Owed under the scheme: £73.67"


def test_within_two_working_days_there_is_no_compensation_yet() -> None:
    result = next_actions_for(outage_record(), datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    assert not by_kind(result, ActionKind.AUTOMATIC_COMPENSATION)
    assert by_kind(result, ActionKind.HONEST_ETA)
    assert_ranked(result)


def test_outage_offers_complaint_with_ombudsman_date_and_goodwill() -> None:
    result = next_actions_for(outage_record(), NOW)
    complaint = one(result, ActionKind.FORMAL_COMPLAINT)
    adr = complaint.parameter("ombudsman_from")
    assert adr is not None and adr.value == "2027-01-07"  # 6 weeks from Thu 26 Nov 2026
    assert not adr.editable
    assert complaint.working == [
        "Complaint made Thu 26 Nov 2026 + 6 weeks = ombudsman from Thu 7 Jan 2027 "
        "(or earlier on a deadlock letter)"
    ]

    goodwill = one(result, ActionKind.GOODWILL_CREDIT)
    credit = goodwill.parameter("amount_pence")
    assert credit is not None
    # Landline £23 + broadband £37 a month, 5 whole days without them: £60 x 5 / 30.
    assert credit.value == 1000
    assert credit.minimum == 0 and credit.maximum == sum(p.monthly_price_pence for p in PRODUCTS)
    assert credit.permission_limit == "max_goodwill_credit_pence"


def test_existing_complaint_uses_its_own_date() -> None:
    rec = outage_record()
    rec.history = ListHistory(
        [
            event(
                "c1",
                datetime(2026, 4, 7, 10, 0, tzinfo=UTC),
                Channel.COMPLAINT,
                "Formal complaint raised",
            ),
            event(
                "c2", datetime(2026, 5, 1, 10, 0, tzinfo=UTC), Channel.COMPLAINT, "Complaint chased"
            ),
        ]
    )
    complaint = one(next_actions_for(rec, NOW), ActionKind.FORMAL_COMPLAINT)
    assert complaint.id == "cus-1:formal_complaint:c1"
    # Raised 7 April 2026, the day before the 6-week rule: 8 weeks.
    assert complaint.parameter("ombudsman_from") is not None
    assert complaint.parameter("ombudsman_from").value == "2026-06-02"  # type: ignore[union-attr]
    assert any("already reached" in f.value for f in complaint.why)


def test_no_complaint_without_a_reason() -> None:
    result = next_actions_for(record(profile(), status([])), NOW)
    assert not by_kind(result, ActionKind.FORMAL_COMPLAINT)


# ------------------------------------------------------------------- retention


def test_price_rise_with_a_fault_gets_no_retention_offer() -> None:
    degraded = Fault(
        id="F-2",
        product_ids=["p-bb"],
        summary="Slow broadband",
        state=FaultState.OPEN,
        opened_at=NOW - timedelta(hours=3),
        total_loss=False,
    )
    rec = record(
        profile(price_changes=[PRICE_RISE]),
        status([degraded], {"p-bb": LineState.DEGRADED}),
    )
    assert not by_kind(next_actions_for(rec, NOW), ActionKind.RETENTION_OFFER)


def test_price_rise_with_unknown_line_status_gets_no_retention_offer() -> None:
    rec = record(profile(price_changes=[PRICE_RISE]), None)
    assert not by_kind(next_actions_for(rec, NOW), ActionKind.RETENTION_OFFER)


def test_price_rise_with_everything_working_gets_a_retention_offer() -> None:
    rec = record(profile(price_changes=[PRICE_RISE]), status([]))
    result = next_actions_for(rec, NOW)
    assert_ranked(result)
    offer = one(result, ActionKind.RETENTION_OFFER)
    discount = offer.parameter("discount_pence_per_month")
    # £50.00 + 3.6% = £51.80; the new price £55.00 is £3.20 above that.
    assert discount is not None and discount.value == 320
    assert discount.maximum == 500 and discount.editable
    assert any(f.label == "Core services" and f.value == "all working" for f in offer.why)
    assert any("Sports" in f.value for f in offer.why)
    assert CoachingValue.CURIOUS in [h.value for h in result.coaching]
    assert offer.script is not None and "went up 10.0%" in offer.script
    # Nothing is broken, so the offer is what the call is about: before the follow-up.
    assert [a.kind for a in result.actions] == [ActionKind.RETENTION_OFFER, ActionKind.FOLLOW_UP]


def test_an_announced_rise_is_spoken_of_in_the_future() -> None:
    soon = PRICE_RISE.model_copy(update={"effective_from": date(2027, 1, 1)})
    offer = one(
        next_actions_for(record(profile(price_changes=[soon]), status([])), NOW),
        ActionKind.RETENTION_OFFER,
    )
    assert offer.script is not None and "is going up 10.0% from Fri 1 Jan 2027" in offer.script


def test_price_rise_within_inflation_gets_no_offer() -> None:
    fair = PRICE_RISE.model_copy(update={"new_monthly_pence": 5150})
    rec = record(profile(price_changes=[fair]), status([]))
    assert not by_kind(next_actions_for(rec, NOW), ActionKind.RETENTION_OFFER)


# ------------------------------------------------------------------ escalation


def test_unrecoverable_outcome_is_escalated_with_brave_coaching() -> None:
    told = event(
        "e1",
        datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
        Channel.EMAIL,
        "Call Sign number unrecoverable",
        "Sorry, the old number is unrecoverable.",
    )
    rec = record(profile(), status([]), [told], {"PS-NUM-RESTORE": "unrecoverable"})
    result = next_actions_for(rec, NOW)
    assert_ranked(result)
    action = one(result, ActionKind.ESCALATE_STEP)
    assert action.rank == 1
    assert action.id == "cus-1:escalate_step:PS-NUM-RESTORE"
    assert action.process_step.id == "PS-NUM-RESTORE"
    assert action.process_step.outcome == "unrecoverable"
    assert any(f.source == "customers/history" and "BTCare" in f.value for f in action.why)
    assert result.coaching[0].value is CoachingValue.BRAVE
    # The same case is complaint-worthy.
    assert by_kind(result, ActionKind.FORMAL_COMPLAINT)


def test_unknown_step_is_still_escalated_and_other_outcomes_are_not() -> None:
    rec = record(profile(), status([]), [], {"PS-X": "unrecoverable", "PS-Y": "completed"})
    escalations = by_kind(next_actions_for(rec, NOW), ActionKind.ESCALATE_STEP)
    assert [a.process_step.id for a in escalations] == ["PS-X"]


# ------------------------------------------------------- vulnerability, follow-up


def test_vulnerable_customer_support_comes_first() -> None:
    result = next_actions_for(outage_record(vulnerable=True), NOW)
    assert result.actions[0].kind is ActionKind.VULNERABILITY_SUPPORT
    assert any(f.value == "hearing impaired" for f in result.actions[0].why)
    assert_ranked(result)


def test_follow_up_defaults_to_named_owner_preferred_channel_next_working_day() -> None:
    # Thursday 24 Dec 2026: Christmas and the substitute Boxing Day push it to Tue 29.
    now = datetime(2026, 12, 24, 16, 0, tzinfo=UTC)
    follow = one(next_actions_for(record(profile(), status([])), now), ActionKind.FOLLOW_UP)
    params = {p.name: p for p in follow.parameters}
    assert params["owner"].value == "Natasha"
    assert params["due_at"].value == "2026-12-29T10:00:00Z"
    assert params["channel"].value == "sms"
    assert follow.label == "Follow up by SMS, Tue 29 Dec 10:00 (Natasha)"
    assert params["channel"].choices is not None and "sms" in params["channel"].choices
    assert all(p.editable for p in follow.parameters)


def test_follow_up_without_named_owner_defaults_to_the_advisor() -> None:
    advisor = Advisor(
        id="adv-1",
        display_name="Kevin",
        role=Role.ADVISOR,
        team="Care",
        permissions=Permissions(max_goodwill_credit_pence=2000),
    )
    rec = record(profile(named_owner=None, preferred=Channel.NOTE), status([]))
    follow = one(next_actions_for(rec, NOW, advisor), ActionKind.FOLLOW_UP)
    assert follow.parameter("owner").value == "Kevin"  # type: ignore[union-attr]
    assert follow.parameter("channel").value == "phone"  # type: ignore[union-attr]
    assert follow.parameter("due_at").value == "2026-11-27T10:00:00Z"  # type: ignore[union-attr]


# ------------------------------------------------------------ general properties


def test_ids_are_stable_and_result_round_trips_through_the_contract() -> None:
    first = next_actions_for(outage_record(), NOW)
    later = next_actions_for(outage_record(), NOW + timedelta(hours=1))
    assert [a.id for a in first.actions] == [a.id for a in later.actions]
    assert NextActions.model_validate_json(first.model_dump_json()) == first
    assert first.generated_at == NOW


def test_every_action_explains_itself() -> None:
    for rec in (
        outage_record(vulnerable=True),
        record(profile(price_changes=[PRICE_RISE]), status([])),
    ):
        for action in next_actions_for(rec, NOW).actions:
            assert action.why, action.kind
            assert action.script, action.kind
            for param in action.parameters:
                if param.type.value == "pence":
                    assert isinstance(param.value, int)
                    assert param.minimum is not None and param.maximum is not None
                    assert param.minimum <= param.value <= param.maximum


# ----------------------------------------------------------------------- router


ADVISOR = Advisor(
    id="adv-9",
    display_name="David",
    role=Role.ADVISOR,
    team="Care",
    permissions=Permissions(max_goodwill_credit_pence=2500),
)


def mock_state() -> MockState:
    rec = outage_record(named_owner=None)
    return MockState(advisors={"tok": ADVISOR}, customers={"cus-1": rec}, clock=lambda: NOW)


@pytest.fixture
def actions_client() -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(actions.build_router(mock_state()), prefix="/actions")
    with TestClient(app) as c:
        yield c


def test_router_serves_next_actions(actions_client: TestClient) -> None:
    url = "/actions" + routes.NEXT_ACTIONS.format(customer_id="cus-1")
    response = actions_client.get(url, headers={"Authorization": "Bearer tok"})
    assert response.status_code == 200
    result = NextActions.model_validate(response.json())
    assert result.generated_at == NOW
    assert_ranked(result)
    assert one(result, ActionKind.FOLLOW_UP).parameter("owner").value == "David"  # type: ignore[union-attr]
    # Without a caller the advisor must fill in the owner.
    anonymous = NextActions.model_validate(actions_client.get(url).json())
    assert one(anonymous, ActionKind.FOLLOW_UP).parameter("owner").value == ""  # type: ignore[union-attr]


def test_router_is_published_in_openapi(actions_client: TestClient) -> None:
    paths = actions_client.get("/openapi.json").json()["paths"]
    assert "/actions" + routes.NEXT_ACTIONS in paths
    assert "/actions" + routes.REASON_CODES in paths


def test_router_404s_unknown_customers(actions_client: TestClient) -> None:
    response = actions_client.get("/actions" + routes.NEXT_ACTIONS.format(customer_id="nobody"))
    assert response.status_code == 404
    assert response.json() == {"detail": "customer nobody not found"}


def test_router_serves_reason_codes(actions_client: TestClient) -> None:
    response = actions_client.get("/actions" + routes.REASON_CODES)
    assert response.status_code == 200
    codes = {c.code: c for c in (ReasonCode.model_validate(x) for x in response.json())}
    decline = {k for k, c in codes.items() if ReasonUse.DECLINE in c.applies_to}
    override = {k for k, c in codes.items() if ReasonUse.OVERRIDE in c.applies_to}
    assert decline == {"customer_declined", "not_relevant", "already_done", "other"}
    assert override == {
        "customer_circumstances",
        "process_wrong",
        "goodwill",
        "vulnerability",
        "escalated_to_senior",
        "other",
    }
    free_text = {k for k, c in codes.items() if c.free_text_required}
    assert free_text == {"other", "process_wrong", "escalated_to_senior"}


def test_through_the_full_mock_app() -> None:
    from advisor_tui.mock.app import create_app

    with TestClient(create_app(mock_state())) as c:
        prefix = routes.PREFIXES[Backend.ACTIONS]
        ok = c.get(prefix + routes.NEXT_ACTIONS.format(customer_id="cus-1"))
        assert ok.status_code == 200
        comp = one(NextActions.model_validate(ok.json()), ActionKind.AUTOMATIC_COMPENSATION)
        assert comp.parameter("amount_pence").value == 4136  # type: ignore[union-attr]
        missing = c.get(prefix + routes.NEXT_ACTIONS.format(customer_id="nobody"))
        assert missing.status_code == 404 and "detail" in missing.json()
        assert c.get(prefix + routes.REASON_CODES).status_code == 200


async def test_seed_scenarios_through_the_full_app(state: MockState) -> None:
    """The seed customers (``state`` from conftest) get the actions their stories need."""
    from advisor_tui.mock.app import create_app

    transport = httpx.ASGITransport(app=create_app(state))
    prefix = routes.PREFIXES[Backend.ACTIONS]
    results: dict[str, NextActions] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as c:
        for cid in state.customers:
            response = await c.get(prefix + routes.NEXT_ACTIONS.format(customer_id=cid))
            assert response.status_code == 200, (cid, response.text)
            results[cid] = NextActions.model_validate(response.json())
    for result in results.values():
        assert_ranked(result)
        assert result.coaching

    def kinds(cid: str) -> set[ActionKind]:
        return {a.kind for a in results[cid].actions}

    # Seed 003: slipped ETA on a total loss; compensation owed; interim service.
    assert {
        ActionKind.HONEST_ETA,
        ActionKind.INTERIM_SERVICE,
        ActionKind.AUTOMATIC_COMPENSATION,
    } <= kinds("cus-outage")
    assert ActionKind.RETENTION_OFFER not in kinds("cus-outage")
    # Seed 001: the process said unrecoverable; a complaint was raised.
    assert {ActionKind.ESCALATE_STEP, ActionKind.FORMAL_COMPLAINT} <= kinds("cus-callsign")
    # Seed 002: an above-inflation rise with everything working (the faults backend
    # reads products with no line as OK, and the actions agree).
    assert ActionKind.RETENTION_OFFER in kinds("cus-pricerise")
    assert results["cus-vulnerable"].actions[0].kind is ActionKind.VULNERABILITY_SUPPORT
