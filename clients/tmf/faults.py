"""Faults over TMF: TMF621 tickets, TMF646 appointments, TMF656 service problems and
TMF638 service inventory, mapped into the contract's ``FaultStatus``.

What maps to what (the README has the full list):

- ticket ``name`` (else ``description``) → summary; ``status`` resolved/closed/cancelled →
  resolved, anything else open; ``creationDate`` → opened; ``resolutionDate`` → resolved;
  ``severity`` "critical" → total loss; ``relatedEntity`` Product → product ids,
  ServiceProblem → the area incident.
- ETA history: our ``EtaRevisedTroubleTicket`` extension when sent. Without it only
  ``expectedResolutionDate`` is known, and the fault says so (``eta_history_known``)
  instead of passing the latest ETA off as the first promise.
- service problem → area incident (``category`` → cause, ``affectedLocation`` name → area,
  ``affectedNumberOfServices`` → premises affected).
- appointment ``status`` confirmed/completed/failed/cancelled → booked/attended/no show/
  cancelled, ``validFor`` → slot, ``relatedParty`` role engineer → engineer, ``lastUpdate``
  of a cancelled visit → when it was cancelled.
- service ``serviceCharacteristic`` lineState/lineStateSince/lineStateDetail → line status;
  a line without them is "unknown".
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from pydantic import ValidationError

from advisor_tui.clients._http import path
from advisor_tui.clients.errors import ContractViolation
from advisor_tui.clients.faults import FaultsClient
from advisor_tui.clients.tmf._http import TmfHttp
from advisor_tui.contract import (
    RESOLVED_WITHIN_DAYS,
    AppointmentStatus,
    AreaIncident,
    EtaChange,
    Fault,
    FaultState,
    FaultStatus,
    IncidentCause,
    LineState,
    ProductKind,
    ServiceStatus,
    utcnow,
)
from advisor_tui.contract import (
    Appointment as ContractAppointment,
)
from advisor_tui.contract.common import Backend
from advisor_tui.tmf import base
from advisor_tui.tmf.base import Ref, characteristic
from advisor_tui.tmf.faults import (
    APPOINTMENT_STATUS_FROM_TMF,
    CLOSED_TICKET_STATUSES,
    LINE_STATE,
    LINE_STATE_DETAIL,
    LINE_STATE_SINCE,
    TOTAL_LOSS_SEVERITY,
    AnyTroubleTicket,
    Appointment,
    EtaRevisedTroubleTicket,
    Service,
    ServiceProblem,
    TroubleTicket,
)

log = logging.getLogger(__name__)


def _refs(refs: list[Ref] | None, referred_type: str) -> list[Ref]:
    return [r for r in refs or [] if r.referred_type == referred_type]


class TmfFaultsClient(TmfHttp, FaultsClient):
    backend = Backend.FAULTS

    async def status(
        self, customer_id: str, resolved_within_days: int = RESOLVED_WITHIN_DAYS
    ) -> FaultStatus:
        try:
            # TMF621 has no "resolved within" filter: the window is applied here.
            return (await self._status(customer_id)).resolved_within(resolved_within_days)
        except ValidationError as exc:
            # TMF allows what our contract bounds (longer texts, more items): a
            # resource we cannot map is off-contract data, named like any other.
            raise ContractViolation.from_validation(self.backend, exc) from None

    async def _status(self, customer_id: str) -> FaultStatus:
        asked_at = utcnow()
        by_customer = {"relatedParty.id": customer_id}
        # Three independent APIs: ask them at once, not one after another.
        services, tickets, visits = await asyncio.gather(
            self.tmf_list(base.SERVICE, Service, by_customer),
            self.tmf_list(base.TROUBLE_TICKET, AnyTroubleTicket, by_customer),
            self.tmf_list(base.APPOINTMENT, Appointment, by_customer),
        )
        # TMF bodies carry no "as of": the server's Date says when this was true.
        checked_at = self.server_date or asked_at
        faults = [self._fault(t) for t in tickets]
        incident_ids = list(dict.fromkeys(i for f in faults if (i := f.incident_id)))
        problems = (
            await self.tmf_list(
                base.SERVICE_PROBLEM, ServiceProblem, {"id": ",".join(incident_ids)}
            )
            if incident_ids
            else []
        )
        by_id = {p.id: p for p in problems}
        lines = [self._line(s) for s in services]
        return FaultStatus(
            customer_id=customer_id,
            checked_at=checked_at,
            services=lines,
            faults=faults,
            incidents=[self._incident(by_id[i]) for i in incident_ids if i in by_id],
            appointments=[self._appointment(v) for v in visits],
            service_lost_since=_lost_since(lines),
        )

    async def incidents(self, area: str | None = None) -> list[AreaIncident]:
        # TMF filtering is by equality; "area" here is a part of the area's name
        # (a town or a postcode district), so the match is made on our side.
        problems = await self.tmf_list(base.SERVICE_PROBLEM, ServiceProblem, {})
        found = [self._incident(p) for p in problems]
        needle = area.strip().lower() if area else ""
        matched = [i for i in found if needle in i.area.lower()]
        return sorted(matched, key=lambda i: (i.started_at, i.id), reverse=True)

    async def ticket(self, ticket_id: str) -> Fault:
        """One ticket by id (``GET /troubleTicket/{id}``)."""
        found: TroubleTicket = await self.tmf_get(
            path(base.TROUBLE_TICKET + "/{id}", id=ticket_id), AnyTroubleTicket
        )
        return self._fault(found)

    # -- mapping -------------------------------------------------------------------------

    def _bad(self, message: str) -> ContractViolation:
        return ContractViolation(self.backend, message)

    def _fault(self, ticket: TroubleTicket) -> Fault:
        if ticket.creation_date is None:
            raise self._bad(f"troubleTicket {ticket.id}: no creationDate")
        closed = (ticket.status or "").lower() in {s.lower() for s in CLOSED_TICKET_STATUSES}
        problems = _refs(ticket.related_entity, "ServiceProblem")
        if isinstance(ticket, EtaRevisedTroubleTicket):
            history = [
                EtaChange(
                    eta=r.expected_resolution_date,
                    changed_at=r.revision_date,
                    reason=r.reason,
                    automatic=r.automatic,
                )
                for r in ticket.expected_resolution_date_revision
            ]
            known = True
            lost_since = ticket.loss_start_date
        else:
            # Only the latest ETA: keep it (it is what the backend says now) but
            # mark that nothing is known of how it got there.
            history = []
            if ticket.expected_resolution_date is not None:
                set_at = ticket.last_update or ticket.status_change_date or ticket.creation_date
                history.append(
                    EtaChange(
                        eta=ticket.expected_resolution_date,
                        changed_at=set_at,
                        reason="",
                        automatic=False,
                    )
                )
            known = False
            lost_since = None
        return Fault(
            id=ticket.id,
            product_ids=[r.id for r in _refs(ticket.related_entity, "Product")],
            summary=ticket.name or ticket.description or "",
            state=FaultState.RESOLVED if closed else FaultState.OPEN,
            opened_at=ticket.creation_date,
            resolved_at=ticket.resolution_date if closed else None,
            lost_since=lost_since,
            incident_id=problems[0].id if problems else None,
            total_loss=(ticket.severity or "").lower() == TOTAL_LOSS_SEVERITY,
            eta_history=history,
            eta_history_known=known,
        )

    def _line(self, service: Service) -> ServiceStatus:
        products = _refs(service.related_entity, "Product")
        try:
            kind = ProductKind(service.service_type or "")
        except ValueError:
            raise self._bad(
                f"service {service.id}: unknown serviceType {service.service_type!r}"
            ) from None
        chars = service.service_characteristic
        try:
            state = LineState(str(characteristic(chars, LINE_STATE) or LineState.UNKNOWN))
        except ValueError:
            state = LineState.UNKNOWN
        since = characteristic(chars, LINE_STATE_SINCE)
        return ServiceStatus.model_validate(
            {
                "product_id": products[0].id if products else service.id,
                "service": kind,
                "state": state,
                "since": since,
                "detail": str(characteristic(chars, LINE_STATE_DETAIL) or ""),
            }
        )

    def _incident(self, problem: ServiceProblem) -> AreaIncident:
        if problem.creation_date is None:
            raise self._bad(f"serviceProblem {problem.id}: no creationDate")
        try:
            cause = IncidentCause(problem.category or "unknown")
        except ValueError:
            cause = IncidentCause.UNKNOWN
        closed = (problem.status or "").lower() in CLOSED_TICKET_STATUSES
        places = [p.name for p in problem.affected_location or [] if p.name]
        return AreaIncident(
            id=problem.id,
            cause=cause,
            area=places[0] if places else "",
            summary=problem.description or problem.name or "",
            started_at=problem.creation_date,
            affected_premises=max(problem.affected_number_of_services or 0, 0),
            resolved_at=problem.resolution_date if closed else None,
        )

    def _appointment(self, visit: Appointment) -> ContractAppointment:
        slot = visit.valid_for
        if slot.start_date_time is None or slot.end_date_time is None:
            raise self._bad(f"appointment {visit.id}: validFor needs a start and an end")
        status = AppointmentStatus(
            APPOINTMENT_STATUS_FROM_TMF.get((visit.status or "").lower(), "booked")
        )
        tickets = _refs(visit.related_entity, "TroubleTicket")
        engineers = [p for p in visit.related_party or [] if p.role == "engineer" and p.name]
        return ContractAppointment(
            id=visit.id,
            fault_id=tickets[0].id if tickets else None,
            starts_at=slot.start_date_time,
            ends_at=slot.end_date_time,
            status=status,
            cancelled_at=visit.last_update if status is AppointmentStatus.CANCELLED else None,
            engineer=engineers[0].name if engineers else None,
            purpose=visit.description or "",
        )


def _lost_since(lines: list[ServiceStatus]) -> datetime | None:
    """Total loss: every line down. It started when the last line went (TMF has no
    field for it, so it is read off the lines)."""
    if not lines or any(line.state is not LineState.DOWN for line in lines):
        return None
    starts = [line.since for line in lines]
    if any(start is None for start in starts):
        return None
    return max(s for s in starts if s is not None)
