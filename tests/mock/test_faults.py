from __future__ import annotations

from datetime import timedelta

import httpx

from advisor_tui.contract import (
    AppointmentStatus,
    AreaIncident,
    Backend,
    ErrorBody,
    FaultState,
    FaultStatus,
    IncidentCause,
    LineState,
    routes,
)

from .conftest import NOW

P = routes.PREFIXES[Backend.FAULTS]


async def status_of(client: httpx.AsyncClient, customer_id: str) -> FaultStatus:
    response = await client.get(P + routes.FAULT_STATUS.format(customer_id=customer_id))
    assert response.status_code == 200, response.text
    return FaultStatus.model_validate(response.json())


async def test_outage_eta_slipped_three_times_automatically(client: httpx.AsyncClient) -> None:
    status = await status_of(client, "cus-outage")
    assert {s.state for s in status.services} == {LineState.DOWN}
    (fault,) = status.faults
    assert fault.total_loss and fault.state is FaultState.OPEN
    assert fault.eta_moves == 3
    assert fault.eta_slip == timedelta(hours=72)
    first = fault.eta_history[0]
    # First promise: "2pm tomorrow" (BST), made when the fault opened.
    assert first.changed_at == fault.opened_at
    assert first.eta.date() == (fault.opened_at + timedelta(days=1)).date()
    assert first.eta.hour == 13
    for move in fault.eta_history[1:]:
        assert move.automatic
        assert 10 <= move.changed_at.hour <= 12  # around midday, UK time
    assert status.service_lost_since is not None
    assert NOW - status.service_lost_since >= timedelta(days=4)
    (incident,) = status.incidents
    assert incident.id == fault.incident_id and incident.cause is IncidentCause.CABLE_THEFT
    assert incident.affected_premises > 100
    assert [a.status for a in status.appointments] == [AppointmentStatus.NO_SHOW]
    assert status.checked_at >= NOW


async def test_customer_without_fault_data_is_all_ok(client: httpx.AsyncClient) -> None:
    status = await status_of(client, "cus-pricerise")
    assert status.faults == [] and status.incidents == [] and status.service_lost_since is None
    kinds = {s.service.value for s in status.services}
    assert kinds == {"broadband", "landline", "tv", "sports"}
    assert {s.state for s in status.services} == {LineState.OK}


async def test_partial_service_list_is_completed_from_products(client: httpx.AsyncClient) -> None:
    status = await status_of(client, "cus-enterprise")
    states = {s.product_id: s.state for s in status.services}
    assert states["prd-en-sip"] is LineState.DEGRADED
    assert states["prd-en-leased"] is LineState.OK
    (fault,) = status.faults
    assert not fault.eta_history[-1].automatic  # a person moved this one


async def test_unknown_customer_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(P + routes.FAULT_STATUS.format(customer_id="cus-nobody"))
    assert response.status_code == 404
    ErrorBody.model_validate(response.json())


async def test_incidents_with_and_without_area(client: httpx.AsyncClient) -> None:
    everything = await client.get(P + routes.INCIDENTS)
    incidents = [AreaIncident.model_validate(i) for i in everything.json()]
    assert len(incidents) == 3
    assert [i.started_at for i in incidents] == sorted(
        (i.started_at for i in incidents), reverse=True
    )
    for area in ("TW11", "teddington"):
        found = (await client.get(P + routes.INCIDENTS, params={"area": area})).json()
        assert [i["id"] for i in found] == ["INC-TW11-0608"]
    assert (await client.get(P + routes.INCIDENTS, params={"area": "Glasgow"})).json() == []


async def test_the_resolved_window_is_a_bounded_query_parameter(
    client: httpx.AsyncClient,
) -> None:
    url = P + routes.FAULT_STATUS.format(customer_id="cus-followup")
    default = FaultStatus.model_validate((await client.get(url)).json())
    assert [f.id for f in default.faults] == ["FLT-87412281"]  # fixed 7 days ago, within 30
    narrow = await client.get(url, params={"resolved_within_days": 6})
    assert narrow.status_code == 200, narrow.text
    assert FaultStatus.model_validate(narrow.json()).faults == []
    for bad in ("-1", "366", "soon"):
        response = await client.get(url, params={"resolved_within_days": bad})
        assert response.status_code == 422, (bad, response.text)
