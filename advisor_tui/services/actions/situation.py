"""The typed situation every rule reads, and the draft action a rule returns.

A ``Situation`` is what the service fetched for one customer (profile, fault
status, the newest page of history, the case's process outcomes, the caller)
plus ``now`` and the settings the rules depend on. Building one needs no HTTP:
rule tests make them from contract models directly.

A fact the service could not fetch is ``None`` (``status``, ``history``) and
named in ``facts_missing``; a rule that needs it gives no action rather than a
wrong one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from advisor_tui.contract import (
    RESOLVED_WITHIN_DAYS,
    ActionKind,
    Advisor,
    Channel,
    CustomerProfile,
    DecisionView,
    Fact,
    Fault,
    FaultState,
    FaultStatus,
    HistoryEvent,
    LineState,
    ParameterSpec,
    ParamType,
    ProcessStepRef,
    Product,
    ProductKind,
)
from advisor_tui.services.actions.catalogue import Catalogue, catalogue
from advisor_tui.services.actions.regulation import RateReading
from advisor_tui.services.actions.tables import RegulationTables, shipped_tables

HISTORY_LOOKBACK = 50
"""How many of the newest history events the rules read (one short page).

Bounded because a customer can have 100,000 events and the newest are the ones a
live call is about: what the customer asked for, what was said about a process
step. Complaints, which can be older, are read on their own (below).
"""

COMPLAINTS_LOOKBACK = 20
"""How many of the newest complaint events the rules read (history by channel)."""

CORE_SERVICES = frozenset({ProductKind.LANDLINE, ProductKind.BROADBAND, ProductKind.MOBILE})
"""What must be working before anything is sold (seed 004: offers only on a working core)."""

SCHEME_SERVICES = frozenset({ProductKind.LANDLINE, ProductKind.BROADBAND})
"""The services Ofcom's automatic compensation scheme covers, each paid separately."""


@dataclass(frozen=True)
class RuleSettings:
    """What an operator may set for the rules: the tables and how to read them."""

    tables: RegulationTables = field(default_factory=shipped_tables)
    rate_reading: RateReading = RateReading.EACH_DAY
    steps: Catalogue = field(default_factory=catalogue)
    resolved_within_days: int = RESOLVED_WITHIN_DAYS
    """A fault fixed longer ago than this no longer earns an action (config [faults])."""


@dataclass(frozen=True)
class Situation:
    """What is known about one customer at ``now``, read once and shared by every rule."""

    profile: CustomerProfile
    now: datetime
    status: FaultStatus | None = None
    """The faults backend's view; None when it could not be fetched."""
    history: tuple[HistoryEvent, ...] | None = ()
    """The newest events, newest first; None when they could not be fetched."""
    complaints: tuple[HistoryEvent, ...] | None = None
    """The newest complaint events, newest first, asked for by channel; None when
    not asked separately (then the complaints among ``history`` are used)."""
    process_outcomes: Mapping[str, str] = field(default_factory=dict)
    advisor: Advisor | None = None
    """The caller, when known: only sets the default follow-up owner."""
    settings: RuleSettings = field(default_factory=RuleSettings)
    facts_missing: tuple[str, ...] = ()
    compensation_decided: tuple[DecisionView, ...] | None = None
    """Automatic-compensation decisions already recorded on this customer, newest
    first; None when not known (no decisions backend, or it failed)."""

    @cached_property
    def products(self) -> dict[str, Product]:
        return {p.id: p for p in self.profile.products}

    @cached_property
    def open_faults(self) -> list[Fault]:
        faults = self.status.faults if self.status is not None else []
        return [f for f in faults if f.state is FaultState.OPEN]

    @cached_property
    def recently_resolved(self) -> list[Fault]:
        """Faults fixed within the window: compensation may still be owed."""
        faults = self.status.faults if self.status is not None else []
        since = self.now - timedelta(days=self.settings.resolved_within_days)
        return [
            f
            for f in faults
            if f.state is FaultState.RESOLVED
            and f.resolved_at is not None
            and since <= f.resolved_at <= self.now
        ]

    @property
    def events(self) -> tuple[HistoryEvent, ...]:
        return self.history or ()

    @property
    def complaint_events(self) -> tuple[HistoryEvent, ...]:
        if self.complaints is not None:
            return self.complaints
        return tuple(e for e in self.events if e.channel is Channel.COMPLAINT)

    def kinds_of(self, fault: Fault) -> list[ProductKind]:
        return [self.products[p].kind for p in fault.product_ids if p in self.products]

    @property
    def slipped(self) -> list[Fault]:
        return [f for f in self.open_faults if f.eta_moves > 0]

    @cached_property
    def down_faults(self) -> list[Fault]:
        """Open faults that leave the customer without a service."""
        services = self.status.services if self.status is not None else []
        down = {st.product_id for st in services if st.state is LineState.DOWN}
        return [f for f in self.open_faults if f.total_loss or down & set(f.product_ids)]

    @property
    def lost_since(self) -> datetime | None:
        if self.status is not None and self.status.service_lost_since is not None:
            return self.status.service_lost_since
        starts = [f.opened_at for f in self.down_faults]
        return min(starts) if starts else None

    def loss_began(self, fault: Fault) -> datetime | None:
        """When the fault's services went down, if known (it may predate the report).

        The fault's own ``lost_since`` is kept after the fix; the line statuses
        and ``service_lost_since`` only describe a loss still going on.
        """
        if fault.lost_since is not None:
            return fault.lost_since
        if self.status is None or fault.state is not FaultState.OPEN:
            return None
        starts = [
            st.since
            for st in self.status.services
            if st.product_id in fault.product_ids and st.state is LineState.DOWN and st.since
        ]
        if self.status.service_lost_since is not None and fault.total_loss:
            starts.append(self.status.service_lost_since)
        return min(starts) if starts else None

    def step(self, kind: ActionKind) -> ProcessStepRef:
        return self.settings.steps.ref(kind)

    def bound(self, kind: ActionKind, name: str) -> int:
        return self.settings.steps.bound(kind, name)


@dataclass
class Draft:
    """An action before it has a rank."""

    kind: ActionKind
    subject: str
    label: str
    why: list[Fact]
    process_step: ProcessStepRef
    parameters: list[ParameterSpec] = field(default_factory=list)
    script: str | None = None
    working: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ wording helpers

_CHANNEL_WORDS = {Channel.SMS: "SMS", Channel.WEB_CHAT: "web chat", Channel.SOCIAL: "social media"}

_PRODUCT_WORDS = {
    ProductKind.TV: "TV",
    ProductKind.CALL_SIGN: "Call Sign",
    ProductKind.LEASED_LINE: "leased line",
    ProductKind.SIP_TRUNK: "SIP trunk",
}


def kind_words(kind: ProductKind) -> str:
    return _PRODUCT_WORDS.get(kind, kind.value)


def channel_words(channel: Channel) -> str:
    return _CHANNEL_WORDS.get(channel, channel.value)


def times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def fault_label(s: Situation, fault: Fault) -> str:
    kinds = s.kinds_of(fault)
    return " and ".join(kind_words(k) for k in kinds) if kinds else fault.summary


def service_names(s: Situation, fault: Fault, kinds: Iterable[ProductKind]) -> str:
    wanted = set(kinds)
    names = []
    for pid in fault.product_ids:
        product = s.products.get(pid)
        if product is not None and product.kind in wanted:
            names.append(
                f"{kind_words(product.kind)} {product.number}"
                if product.number
                else kind_words(product.kind)
            )
    return ", ".join(names)


def incident_cause(s: Situation, fault: Fault) -> str | None:
    if s.status is None or fault.incident_id is None:
        return None
    for incident in s.status.incidents:
        if incident.id == fault.incident_id:
            return f"{incident.cause.value.replace('_', ' ')} in {incident.area}"
    return None


def pence_param(
    name: str, label: str, value: int, minimum: int, maximum: int, limit: str | None
) -> ParameterSpec:
    return ParameterSpec(
        name=name,
        label=label,
        type=ParamType.PENCE,
        value=value,
        editable=True,
        minimum=minimum,
        maximum=maximum,
        permission_limit=limit,
    )


def bool_param(name: str, label: str) -> ParameterSpec:
    return ParameterSpec(name=name, label=label, type=ParamType.BOOLEAN, value=True, editable=True)
