"""Faults mock backend: per-customer service status, faults, appointments; area incidents."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from advisor_tui.contract import (
    RESOLVED_WITHIN_DAYS,
    RESOLVED_WITHIN_DAYS_MAX,
    AreaIncident,
    ErrorBody,
    FaultStatus,
    LineState,
    ServiceStatus,
    routes,
)
from advisor_tui.contract._base import IdText, LineText
from advisor_tui.mock.state import CustomerRecord, MockState

_NOT_FOUND: dict[int | str, dict[str, Any]] = {status.HTTP_404_NOT_FOUND: {"model": ErrorBody}}


def fault_status(state: MockState, record: CustomerRecord) -> FaultStatus:
    """The customer's status as of now.

    Every product gets a line: those the scenario says nothing about are OK,
    so a customer without fault data reads as "all working" rather than empty.
    Incidents named by a fault are taken from the area incident list, which is
    the one place an incident is kept up to date.
    """
    profile = record.profile
    recorded = record.fault_status
    given = {s.product_id: s for s in recorded.services} if recorded else {}
    services = [
        given.get(p.id) or ServiceStatus(product_id=p.id, service=p.kind, state=LineState.OK)
        for p in profile.products
    ]
    # Keep statuses for products the profile does not list (retired services)
    # rather than hiding what the fault system says.
    product_ids = {p.id for p in profile.products}
    services += [s for pid, s in given.items() if pid not in product_ids]
    if recorded is None:
        return FaultStatus(
            customer_id=profile.id,
            checked_at=state.clock(),
            services=services,
            faults=[],
            incidents=[],
            appointments=[],
        )
    incidents = {i.id: i for i in recorded.incidents}
    for fault in recorded.faults:
        if fault.incident_id and fault.incident_id in state.incidents:
            incidents[fault.incident_id] = state.incidents[fault.incident_id]
    return recorded.model_copy(
        update={
            "customer_id": profile.id,
            "checked_at": state.clock(),
            "services": services,
            "incidents": list(incidents.values()),
        }
    )


def build_router(state: MockState) -> APIRouter:
    router = APIRouter()

    @router.get(routes.FAULT_STATUS, response_model=FaultStatus, responses=_NOT_FOUND)
    def customer_status(
        customer_id: IdText,
        resolved_within_days: Annotated[
            int,
            Query(
                ge=0,
                le=RESOLVED_WITHIN_DAYS_MAX,
                description="Resolved faults fixed longer ago than this many days are left out.",
            ),
        ] = RESOLVED_WITHIN_DAYS,
    ) -> FaultStatus:
        record = state.customers.get(customer_id)
        if record is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, detail=f"unknown customer {customer_id!r}"
            )
        return fault_status(state, record).resolved_within(resolved_within_days)

    @router.get(
        routes.INCIDENTS,
        response_model=list[AreaIncident],
        summary="Area incidents, newest first; area matches a town or postcode district",
    )
    def incidents(area: LineText | None = None) -> list[AreaIncident]:
        needle = area.strip().lower() if area else ""
        found = [i for i in state.incidents.values() if needle in i.area.lower()]
        return sorted(found, key=lambda i: (i.started_at, i.id), reverse=True)

    return router
