"""TMF621 Trouble Ticket, TMF646 Appointment, TMF656 Service Problem and TMF638
Service Inventory: the parts the Faults panel reads."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, Discriminator, Field, Tag

from advisor_tui.tmf.base import Characteristic, Extensible, Note, Ref, TimePeriod, TmfModel
from advisor_tui.tmf.extensions import ETA_REVISED_TICKET


class StatusChange(Extensible):
    status: str | None = None
    change_date: AwareDatetime | None = Field(default=None, alias="changeDate")
    change_reason: str | None = Field(default=None, alias="changeReason")


class TroubleTicket(Extensible):
    id: str
    href: str | None = None
    name: str | None = None
    description: str | None = None
    severity: str | None = None
    ticket_type: str | None = Field(default=None, alias="ticketType")
    status: str | None = None
    status_change_date: AwareDatetime | None = Field(default=None, alias="statusChangeDate")
    creation_date: AwareDatetime | None = Field(default=None, alias="creationDate")
    last_update: AwareDatetime | None = Field(default=None, alias="lastUpdate")
    expected_resolution_date: AwareDatetime | None = Field(
        default=None, alias="expectedResolutionDate"
    )
    resolution_date: AwareDatetime | None = Field(default=None, alias="resolutionDate")
    note: list[Note] | None = None
    related_entity: list[Ref] | None = Field(default=None, alias="relatedEntity")
    related_party: list[Ref] | None = Field(default=None, alias="relatedParty")
    status_change: list[StatusChange] | None = Field(default=None, alias="statusChange")


class EtaRevision(TmfModel):
    """One ETA given for a ticket (extension ``EtaRevisedTroubleTicket``)."""

    expected_resolution_date: AwareDatetime = Field(alias="expectedResolutionDate")
    revision_date: AwareDatetime = Field(alias="revisionDate")
    reason: str = ""
    automatic: bool = Field(description="Set by a system rule rather than a person.")
    revised_by: str | None = Field(default=None, alias="revisedBy")


class EtaRevisedTroubleTicket(TroubleTicket):
    expected_resolution_date_revision: list[EtaRevision] = Field(
        alias="expectedResolutionDateRevision"
    )
    loss_start_date: AwareDatetime | None = Field(default=None, alias="lossStartDate")


def _ticket_kind(value: Any) -> str:
    type_name = value.get("@type") if isinstance(value, dict) else getattr(value, "type_", None)
    return "eta" if type_name == ETA_REVISED_TICKET else "plain"


AnyTroubleTicket = Annotated[
    Annotated[EtaRevisedTroubleTicket, Tag("eta")] | Annotated[TroubleTicket, Tag("plain")],
    Discriminator(_ticket_kind),
]
"""A ticket read by its ``@type``: our extension when it says so, the base type otherwise."""


class Appointment(Extensible):
    id: str
    href: str | None = None
    category: str | None = None
    description: str | None = None
    status: str | None = None
    valid_for: TimePeriod = Field(alias="validFor")
    creation_date: AwareDatetime | None = Field(default=None, alias="creationDate")
    last_update: AwareDatetime | None = Field(default=None, alias="lastUpdate")
    related_entity: list[Ref] | None = Field(default=None, alias="relatedEntity")
    related_party: list[Ref] | None = Field(default=None, alias="relatedParty")
    note: list[Note] | None = None


class ServiceProblem(Extensible):
    id: str
    href: str | None = None
    name: str | None = None
    category: str | None = None
    description: str | None = None
    status: str | None = None
    creation_date: AwareDatetime | None = Field(default=None, alias="creationDate")
    resolution_date: AwareDatetime | None = Field(default=None, alias="resolutionDate")
    affected_number_of_services: int | None = Field(default=None, alias="affectedNumberOfServices")
    affected_location: list[Ref] | None = Field(default=None, alias="affectedLocation")
    related_entity: list[Ref] | None = Field(default=None, alias="relatedEntity")


class Service(Extensible):
    """TMF638: a customer's line; its live state rides in ``serviceCharacteristic``."""

    id: str
    href: str | None = None
    name: str | None = None
    service_type: str | None = Field(default=None, alias="serviceType")
    state: str | None = None
    related_entity: list[Ref] | None = Field(default=None, alias="relatedEntity")
    related_party: list[Ref] | None = Field(default=None, alias="relatedParty")
    service_characteristic: list[Characteristic] | None = Field(
        default=None, alias="serviceCharacteristic"
    )


# serviceCharacteristic names the Service carries (plain TMF characteristics, no extension).
LINE_STATE = "lineState"
LINE_STATE_SINCE = "lineStateSince"
LINE_STATE_DETAIL = "lineStateDetail"

APPOINTMENT_STATUS_TO_TMF = {
    "booked": "confirmed",
    "attended": "completed",
    "no_show": "failed",
    "cancelled": "cancelled",
}
APPOINTMENT_STATUS_FROM_TMF = {
    "initialized": "booked",
    "confirmed": "booked",
    "completed": "attended",
    "failed": "no_show",
    "cancelled": "cancelled",
}
CLOSED_TICKET_STATUSES = frozenset({"resolved", "closed", "cancelled"})
TOTAL_LOSS_SEVERITY = "critical"
