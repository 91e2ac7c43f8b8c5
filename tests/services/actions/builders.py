"""Builders of situations for the rule tests: contract models, no HTTP, no Textual."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from advisor_tui.contract import (
    ActionKind,
    Advisor,
    Appointment,
    AreaIncident,
    Channel,
    Circumstances,
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
    PriceChange,
    Product,
    ProductKind,
    Segment,
    ServiceStatus,
)
from advisor_tui.services.actions import engine
from advisor_tui.services.actions.situation import RuleSettings, Situation


@dataclass
class Case:
    """What the backends would say about one customer; tests change it in place."""

    profile: CustomerProfile
    fault_status: FaultStatus | None = None
    history: list[HistoryEvent] = field(default_factory=list)
    process_outcomes: dict[str, str] = field(default_factory=dict)

    def situation(
        self,
        now: datetime,
        advisor: Advisor | None = None,
        rules: RuleSettings | None = None,
    ) -> Situation:
        return Situation(
            profile=self.profile,
            now=now,
            status=self.fault_status,
            history=tuple(sorted(self.history, key=lambda e: (e.at, e.id), reverse=True)),
            process_outcomes=self.process_outcomes,
            advisor=advisor,
            settings=rules or RuleSettings(),
        )


def next_actions_for(
    case: Case, now: datetime, advisor: Advisor | None = None, rules: RuleSettings | None = None
) -> NextActions:
    return engine.next_actions_for(case.situation(now, advisor, rules))


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
) -> Case:
    return Case(
        profile=prof,
        fault_status=fault_status,
        history=list(history or []),
        process_outcomes=outcomes or {},
    )


def outage_record(**kwargs: Any) -> Case:
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
