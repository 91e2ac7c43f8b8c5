"""The faults backend as TMF621 / TMF646 / TMF656 / TMF638, built from the same
``FaultStatus`` the native route serves (``advisor_tui.mock.faults``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter

from advisor_tui.contract import (
    Appointment as ContractAppointment,
)
from advisor_tui.contract import (
    AreaIncident,
    Fault,
    FaultState,
    FaultStatus,
    ServiceStatus,
)
from advisor_tui.mock.faults import fault_status
from advisor_tui.mock.state import MockState
from advisor_tui.mock.tmf.listing import add_collection
from advisor_tui.mock.tmf.times import tmf_time
from advisor_tui.tmf import base
from advisor_tui.tmf.base import Characteristic, Ref, TimePeriod
from advisor_tui.tmf.extensions import ETA_REVISED_TICKET, extension_attributes
from advisor_tui.tmf.faults import (
    APPOINTMENT_STATUS_TO_TMF,
    LINE_STATE,
    LINE_STATE_DETAIL,
    LINE_STATE_SINCE,
    TOTAL_LOSS_SEVERITY,
    Appointment,
    EtaRevision,
    Service,
    ServiceProblem,
    StatusChange,
    TroubleTicket,
)


def _customer(customer_id: str) -> Ref:
    return Ref(id=customer_id, role="customer", referred_type="Customer")


def trouble_ticket(fault: Fault, customer_id: str, *, extensions: bool = True) -> dict[str, Any]:
    changes = [StatusChange(status="acknowledged", change_date=tmf_time(fault.opened_at))]
    if fault.state is FaultState.RESOLVED and fault.resolved_at is not None:
        changes.append(StatusChange(status="resolved", change_date=tmf_time(fault.resolved_at)))
    entities = [
        Ref(id=p, role="affectedProduct", referred_type="Product") for p in fault.product_ids
    ]
    if fault.incident_id:
        entities.append(Ref(id=fault.incident_id, role="cause", referred_type="ServiceProblem"))
    latest = fault.eta_history[-1] if fault.eta_history else None
    ticket = TroubleTicket(
        id=fault.id,
        name=fault.summary,
        description=fault.summary,
        ticket_type="fault",
        severity=TOTAL_LOSS_SEVERITY if fault.total_loss else "major",
        status="resolved" if fault.state is FaultState.RESOLVED else "inProgress",
        status_change_date=changes[-1].change_date,
        creation_date=tmf_time(fault.opened_at),
        last_update=tmf_time(max([fault.opened_at, *(c.changed_at for c in fault.eta_history)])),
        expected_resolution_date=tmf_time(latest.eta) if latest else None,
        resolution_date=tmf_time(fault.resolved_at) if fault.resolved_at else None,
        related_entity=entities,
        related_party=[_customer(customer_id)],
        status_change=changes,
    )
    data = ticket.to_json_dict()
    if extensions:
        data.update(extension_attributes(ETA_REVISED_TICKET, "TroubleTicket"))
        data["expectedResolutionDateRevision"] = [
            EtaRevision(
                expected_resolution_date=tmf_time(change.eta),
                revision_date=tmf_time(change.changed_at),
                reason=change.reason,
                automatic=change.automatic,
            ).to_json_dict()
            for change in fault.eta_history
        ]
        if fault.lost_since is not None:
            data["lossStartDate"] = tmf_time(fault.lost_since).isoformat()
    else:
        data["@type"] = "TroubleTicket"
    return data


def appointment(visit: ContractAppointment, customer_id: str) -> dict[str, Any]:
    parties = [_customer(customer_id)]
    if visit.engineer:
        engineer_id = "eng-" + "-".join(visit.engineer.lower().split())
        parties.append(
            Ref(id=engineer_id, name=visit.engineer, role="engineer", referred_type="Individual")
        )
    entities = []
    if visit.fault_id:
        entities.append(Ref(id=visit.fault_id, role="fault", referred_type="TroubleTicket"))
    last_update: datetime | None = visit.cancelled_at
    return Appointment(
        id=visit.id,
        type_="Appointment",
        category="engineer visit",
        description=visit.purpose,
        status=APPOINTMENT_STATUS_TO_TMF[visit.status.value],
        valid_for=TimePeriod(
            start_date_time=tmf_time(visit.starts_at), end_date_time=tmf_time(visit.ends_at)
        ),
        last_update=tmf_time(last_update) if last_update else None,
        related_entity=entities or None,
        related_party=parties,
    ).to_json_dict()


def service_problem(incident: AreaIncident) -> dict[str, Any]:
    return ServiceProblem(
        id=incident.id,
        type_="ServiceProblem",
        name=incident.summary,
        category=incident.cause.value,
        description=incident.summary,
        status="resolved" if incident.resolved_at else "inProgress",
        creation_date=tmf_time(incident.started_at),
        resolution_date=tmf_time(incident.resolved_at) if incident.resolved_at else None,
        affected_number_of_services=incident.affected_premises,
        affected_location=[
            Ref(
                id=f"{incident.id}-area",
                name=incident.area,
                role="affectedArea",
                referred_type="GeographicArea",
            )
        ],
    ).to_json_dict()


def service(line: ServiceStatus, customer_id: str) -> dict[str, Any]:
    chars = [Characteristic(name=LINE_STATE, value=line.state.value, value_type="string")]
    if line.since is not None:
        since = tmf_time(line.since).isoformat()
        chars.append(Characteristic(name=LINE_STATE_SINCE, value=since, value_type="dateTime"))
    if line.detail:
        chars.append(Characteristic(name=LINE_STATE_DETAIL, value=line.detail, value_type="string"))
    return Service(
        id=f"svc-{line.product_id}",
        type_="Service",
        name=line.service.value,
        service_type=line.service.value,
        state="active",
        related_entity=[Ref(id=line.product_id, role="realizes", referred_type="Product")],
        related_party=[_customer(customer_id)],
        service_characteristic=chars,
    ).to_json_dict()


def _statuses(state: MockState) -> Iterator[FaultStatus]:
    for record in state.customers.values():
        yield fault_status(state, record)


def build_router(state: MockState) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def tickets() -> Iterator[dict[str, Any]]:
        for status in _statuses(state):
            for fault in status.faults:
                yield trouble_ticket(fault, status.customer_id, extensions=state.tmf_extensions)

    def appointments() -> Iterator[dict[str, Any]]:
        for status in _statuses(state):
            for visit in status.appointments:
                yield appointment(visit, status.customer_id)

    def problems() -> Iterator[dict[str, Any]]:
        incidents = sorted(
            state.incidents.values(), key=lambda i: (i.started_at, i.id), reverse=True
        )
        for incident in incidents:
            yield service_problem(incident)

    def services() -> Iterator[dict[str, Any]]:
        for status in _statuses(state):
            for line in status.services:
                yield service(line, status.customer_id)

    collections = {
        base.TROUBLE_TICKET: ("troubleTicket", tickets),
        base.APPOINTMENT: ("appointment", appointments),
        base.SERVICE_PROBLEM: ("serviceProblem", problems),
        base.SERVICE: ("service", services),
    }
    for url, (kind, source) in collections.items():
        add_collection(router, url, kind, source)
    return router
