"""Faults backend: line status, faults with their ETA history, area incidents, appointments."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import Field

from advisor_tui.contract._base import (
    BoundedList,
    ContractModel,
    IdText,
    LineText,
    UtcDatetime,
)
from advisor_tui.contract.customers import ProductKind

RESOLVED_WITHIN_DAYS = 30
"""How long after its fix a resolved fault is still shown and still earns
compensation owed (seed 003: a customer calling the day after a fix is often
calling about it). The faults status route's ``resolved_within_days`` default."""
RESOLVED_WITHIN_DAYS_MAX = 365


class LineState(StrEnum):
    """How a service line is working."""

    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"
    UNKNOWN = "unknown"


class ServiceStatus(ContractModel):
    """The state of one of the customer's services."""

    product_id: IdText
    service: ProductKind
    state: LineState
    since: UtcDatetime | None = None
    detail: LineText = ""


class EtaChange(ContractModel):
    """One fix time given for a fault, when and why it was given."""

    eta: UtcDatetime
    changed_at: UtcDatetime
    reason: LineText
    automatic: bool = Field(description="Set by a system rule rather than a person.")


class FaultState(StrEnum):
    """Whether a fault is still open."""

    OPEN = "open"
    RESOLVED = "resolved"


class Fault(ContractModel):
    """A fault on the customer's services, with every ETA it was given."""

    id: IdText
    product_ids: BoundedList[IdText]
    summary: LineText
    state: FaultState
    opened_at: UtcDatetime = Field(description="When the fault was reported (logged).")
    resolved_at: UtcDatetime | None = Field(
        default=None, description="When the service was restored; set once state is resolved."
    )
    lost_since: UtcDatetime | None = Field(
        default=None,
        description="When the loss of service began, if known; often before opened_at "
        "(the customer reports it later). Kept after resolution, when the status's "
        "service_lost_since is gone.",
    )
    incident_id: IdText | None = None
    total_loss: bool = Field(description="No service at all, as opposed to degraded.")
    eta_history: BoundedList[EtaChange] = Field(
        default_factory=list, description="Oldest first; the first entry is the first promise."
    )
    eta_history_known: bool = Field(
        default=True,
        description="False when the backend gives only the latest ETA, not how it moved "
        "(e.g. a TMF621 ticket without the ETA-history extension): eta_history then holds "
        "that one ETA and says nothing about earlier promises.",
    )

    @property
    def current_eta(self) -> datetime | None:
        return self.eta_history[-1].eta if self.eta_history else None

    @property
    def outage(self) -> timedelta | None:
        """How long the loss lasted (from the loss start, else the report, to the fix)."""
        if self.resolved_at is None:
            return None
        return self.resolved_at - (self.lost_since or self.opened_at)

    @property
    def eta_moves(self) -> int:
        return max(len(self.eta_history) - 1, 0)

    @property
    def eta_slip(self) -> timedelta:
        if len(self.eta_history) < 2:
            return timedelta(0)
        return self.eta_history[-1].eta - self.eta_history[0].eta


class IncidentCause(StrEnum):
    """What caused an area incident."""

    CABLE_THEFT = "cable_theft"
    CABLE_DAMAGE = "cable_damage"
    FLOOD = "flood"
    POWER = "power"
    EQUIPMENT = "equipment"
    UNKNOWN = "unknown"


class AreaIncident(ContractModel):
    """An incident affecting many premises in an area (faults backend)."""

    id: IdText
    cause: IncidentCause
    area: LineText
    summary: LineText
    started_at: UtcDatetime
    affected_premises: int = Field(ge=0)
    resolved_at: UtcDatetime | None = None


class AppointmentStatus(StrEnum):
    """Where an engineer appointment stands."""

    BOOKED = "booked"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class Appointment(ContractModel):
    """An engineer appointment, kept or not."""

    id: IdText
    fault_id: IdText | None = None
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    status: AppointmentStatus
    cancelled_at: UtcDatetime | None = None
    engineer: LineText | None = None
    purpose: LineText


class FaultStatus(ContractModel):
    """A customer's services, faults, area incidents and appointments (faults backend)."""

    customer_id: IdText
    checked_at: UtcDatetime
    services: BoundedList[ServiceStatus]
    faults: BoundedList[Fault]
    incidents: BoundedList[AreaIncident]
    appointments: BoundedList[Appointment]
    service_lost_since: UtcDatetime | None = Field(
        default=None, description="Start of the current total loss of service, if any."
    )

    def resolved_within(self, days: int) -> FaultStatus:
        """This status without faults fixed more than ``days`` before ``checked_at``.

        Every reader applies it (the mock's route, the clients, the rules), so a
        backend that ignores the query parameter is still held to the window.
        """
        since = self.checked_at - timedelta(days=days)
        kept = [
            f
            for f in self.faults
            if f.state is FaultState.OPEN or f.resolved_at is None or f.resolved_at >= since
        ]
        if len(kept) == len(self.faults):
            return self
        return self.model_copy(update={"faults": kept})
