"""The TMF faults adapter (TMF621/646/656/638) against the mock's TMF profile."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from rich.console import Console

from advisor_tui.clients import (
    Backends,
    BackendTimeout,
    BackendUnavailable,
    ContractViolation,
    NotFound,
)
from advisor_tui.clients.tmf import TmfFaultsClient
from advisor_tui.config import Protocol, TimeoutSettings
from advisor_tui.contract import Backend, FaultSpec
from advisor_tui.mock.app import create_app
from advisor_tui.mock.state import MockState
from advisor_tui.tmf import base
from advisor_tui.widgets.faults_panel import render_faults
from tests.tmf.conftest import NOW, RecordingTransport, settings

OUTAGE = "cus-outage"


def plain(status: Any) -> Any:
    # checked_at is each client's own clock reading, not backend data.
    return status.model_copy(update={"checked_at": NOW})


async def test_tmf_and_native_give_the_same_fault_status_for_every_seed_customer(
    state: MockState, native: Backends, tmf: Backends
) -> None:
    assert isinstance(tmf.faults, TmfFaultsClient)
    assert not isinstance(native.faults, TmfFaultsClient)
    for customer_id in state.customers:
        assert plain(await tmf.faults.status(customer_id)) == plain(
            await native.faults.status(customer_id)
        ), customer_id


async def test_the_outage_reads_as_a_slipped_eta_with_its_incident_and_missed_visit(
    tmf: Backends,
) -> None:
    status = await tmf.faults.status(OUTAGE)
    (fault,) = status.faults
    assert fault.eta_history_known and fault.eta_moves == 3 and fault.total_loss
    assert fault.incident_id == "INC-TW11-0608"
    assert [i.id for i in status.incidents] == ["INC-TW11-0608"]
    assert status.incidents[0].affected_premises == 342
    assert [a.status.value for a in status.appointments] == ["no_show"]
    assert status.service_lost_since is not None


async def test_without_the_eta_extension_the_history_is_unknown_not_a_promise(
    state: MockState, tmf: Backends, native: Backends
) -> None:
    state.tmf_extensions = False
    (fault,) = (await tmf.faults.status(OUTAGE)).faults
    (native_fault,) = (await native.faults.status(OUTAGE)).faults
    assert not fault.eta_history_known
    assert fault.current_eta == native_fault.current_eta
    assert fault.eta_moves == 0
    console = Console(width=120, record=True)
    console.print(render_faults(await tmf.faults.status(OUTAGE), NOW))
    text = console.export_text()
    assert "ETA history unknown" in text and "do not quote as firm" in text
    assert "ETA moved" not in text


async def test_unknown_fields_from_another_vendor_are_accepted(state: MockState) -> None:
    def add_vendor_fields(body: Any) -> Any:
        items = body if isinstance(body, list) else [body]
        for item in items:
            item["x_vendorTrace"] = {"id": 7, "nested": [1, 2]}
            for ref in item.get("relatedEntity", []) + item.get("relatedParty", []):
                ref["x_vendorFlag"] = True
        return body

    transport = RecordingTransport(
        httpx.ASGITransport(app=create_app(state)), rewrite=add_vendor_fields
    )
    async with Backends.from_settings(settings(Protocol.TMF), transport) as bundle:
        status = await bundle.faults.status(OUTAGE)
    assert status.faults[0].id == "FLT-88213407"


async def test_lists_are_followed_across_pages_by_x_total_count(
    transport: RecordingTransport, tmf: Backends, native: Backends
) -> None:
    assert isinstance(tmf.faults, TmfFaultsClient)
    tmf.faults.page_size = 1
    status = await tmf.faults.status(OUTAGE)
    assert plain(status) == plain(await native.faults.status(OUTAGE))
    service_calls = [r for r in transport.requests if r.url.path.endswith(base.SERVICE)]
    assert [r.url.params["offset"] for r in service_calls] == ["0", "1"]
    assert all(r.url.params["limit"] == "1" for r in service_calls)


async def test_the_mock_pages_filters_and_selects_fields(
    transport: RecordingTransport,
) -> None:
    async with httpx.AsyncClient(transport=transport, base_url="http://m/faults") as http:
        first = await http.get(base.SERVICE, params={"relatedParty.id": OUTAGE, "limit": 1})
        assert first.status_code == 206
        assert first.headers[base.TOTAL_COUNT_HEADER] == "2"
        assert first.headers[base.RESULT_COUNT_HEADER] == "1"
        chosen = await http.get(
            base.TROUBLE_TICKET, params={"status": "inProgress", "fields": "status"}
        )
        assert chosen.status_code == 200
        assert {t["status"] for t in chosen.json()} == {"inProgress"}
        assert all(
            set(t) <= {"id", "status", "@type", "@baseType", "@schemaLocation"}
            for t in chosen.json()
        )
        bad = await http.get(base.TROUBLE_TICKET, params={"limit": "lots"})
        assert bad.status_code == 400 and bad.json()["code"] == "400"


async def test_an_unknown_ticket_is_not_found_with_the_tmf_reason(tmf: Backends) -> None:
    assert isinstance(tmf.faults, TmfFaultsClient)
    with pytest.raises(NotFound) as caught:
        await tmf.faults.ticket("FLT-NOPE")
    assert "Not Found" in str(caught.value) and "FLT-NOPE" in str(caught.value)


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        (FaultSpec(error_rate=1.0), BackendUnavailable),
        (FaultSpec(malformed_json=True), ContractViolation),
        (FaultSpec(wrong_schema=True), ContractViolation),
    ],
)
async def test_injected_faults_map_to_the_same_typed_errors_as_native(
    state: MockState, tmf: Backends, native: Backends, spec: FaultSpec, error: type[Exception]
) -> None:
    state.faults[Backend.FAULTS] = spec
    with pytest.raises(error):
        await native.faults.status(OUTAGE)
    with pytest.raises(error):
        await tmf.faults.status(OUTAGE)


async def test_an_injected_error_is_a_tmf_error_body_named_in_the_message(
    state: MockState, tmf: Backends
) -> None:
    state.faults[Backend.FAULTS] = FaultSpec(error_rate=1.0)
    with pytest.raises(BackendUnavailable, match="injected fault: faults answered 50"):
        await tmf.faults.status(OUTAGE)


async def test_a_hung_tmf_backend_times_out(state: MockState) -> None:
    state.faults[Backend.FAULTS] = FaultSpec(hang=True)
    short = TimeoutSettings(connect=0.1, read=0.2, write=0.2, pool=0.1)
    transport = httpx.ASGITransport(app=create_app(state))
    async with Backends.from_settings(settings(Protocol.TMF, short), transport) as bundle:
        with pytest.raises(BackendTimeout):
            await bundle.faults.status(OUTAGE)


@pytest.mark.parametrize("days, kept", [(30, True), (6, False), (0, False)])
async def test_the_resolved_window_holds_on_both_protocols(
    native: Backends, tmf: Backends, days: int, kept: bool
) -> None:
    # Hale's fault was fixed on 5 Jun, seven days before the story's "now".
    for backends in (native, tmf):
        status = await backends.faults.status("cus-followup", resolved_within_days=days)
        assert [f.id for f in status.faults] == (["FLT-87412281"] if kept else []), backends
    # A fault fixed yesterday is inside a one-day window on either protocol.
    for backends in (native, tmf):
        status = await backends.faults.status("cus-fixed-yesterday", resolved_within_days=1)
        assert [f.id for f in status.faults] == ["FLT-88214950"]
