"""The TMF customers adapter (TMF629/632/637/683) against the mock's TMF profile."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from advisor_tui.clients import (
    Backends,
    BackendTimeout,
    BackendUnavailable,
    BadRequest,
    ContractViolation,
    NotFound,
)
from advisor_tui.clients.tmf import TmfCustomersClient
from advisor_tui.config import Protocol, TimeoutSettings
from advisor_tui.contract import Backend, Channel, Circumstances, FaultSpec
from advisor_tui.mock.app import create_app
from advisor_tui.mock.state import MockState
from advisor_tui.tmf import base
from tests.tmf.conftest import RecordingTransport, settings

SEARCHES = [
    "@ballantyne70",
    "TW11 9LL Ballantyne",
    "4019 2275 63",
    "01225 442907",
    "BA1 5BG Brennan",
    "N16 7UX Hale",
    "L18 1HP Lloyd",
    "Marlowe",
    "NR2 3HT Whitlock",
    "Kestrel",
    "iain.ballantyne@example.co.uk",
    "nobody at all",
]


async def test_tmf_and_native_give_the_same_profiles(
    state: MockState, native: Backends, tmf: Backends
) -> None:
    assert isinstance(tmf.customers, TmfCustomersClient)
    for customer_id in state.customers:
        assert await tmf.customers.profile(customer_id) == await native.customers.profile(
            customer_id
        ), customer_id


@pytest.mark.parametrize("query", SEARCHES)
async def test_tmf_and_native_find_the_same_customers(
    query: str, native: Backends, tmf: Backends
) -> None:
    assert await tmf.customers.search(query) == await native.customers.search(query)


async def test_history_pages_and_filters_match_native_server_side(
    state: MockState, native: Backends, tmf: Backends
) -> None:
    for customer_id in state.customers:
        for channel in (None, Channel.PHONE):
            mine = await tmf.customers.history(customer_id, limit=7, channel=channel)
            theirs = await native.customers.history(customer_id, limit=7, channel=channel)
            assert mine.events == theirs.events, (customer_id, channel)
            assert (mine.next_cursor is None) == (theirs.next_cursor is None)
            if mine.next_cursor and theirs.next_cursor:
                older = await tmf.customers.history(
                    customer_id, cursor=mine.next_cursor, limit=7, channel=channel
                )
                native_older = await native.customers.history(
                    customer_id, cursor=theirs.next_cursor, limit=7, channel=channel
                )
                assert older.events == native_older.events


async def test_the_100k_history_pages_by_offset_with_the_exact_total(
    transport: RecordingTransport, tmf: Backends, native: Backends
) -> None:
    first = await tmf.customers.history("cus-bighistory", limit=50)
    assert first.next_cursor is not None
    second = await tmf.customers.history("cus-bighistory", cursor=first.next_cursor, limit=50)
    native_first = await native.customers.history("cus-bighistory", limit=50)
    assert native_first.next_cursor is not None
    native_second = await native.customers.history(
        "cus-bighistory", cursor=native_first.next_cursor, limit=50
    )
    assert second.events == native_second.events
    async with httpx.AsyncClient(transport=transport, base_url="http://m/customers") as http:
        answer = await http.get(
            base.PARTY_INTERACTION,
            params={"relatedParty.id": "cus-bighistory", "offset": 99_990, "limit": 50},
        )
    assert answer.headers[base.TOTAL_COUNT_HEADER] == "100000"
    assert answer.headers[base.RESULT_COUNT_HEADER] == "10"


async def test_one_event_by_id(tmf: Backends, native: Backends) -> None:
    page = await native.customers.history("cus-outage", limit=3)
    event = page.events[1]
    assert await tmf.customers.history_event("cus-outage", event.id) == event
    with pytest.raises(NotFound):
        await tmf.customers.history_event("cus-outage", "ev-none")


async def test_without_extensions_circumstances_and_price_changes_read_as_none(
    state: MockState, tmf: Backends
) -> None:
    state.tmf_extensions = False
    profile = await tmf.customers.profile("cus-vulnerable")
    assert profile.circumstances == Circumstances()
    assert (await tmf.customers.profile("cus-pricerise")).contract.price_changes == []


async def test_unknown_fields_from_another_vendor_are_accepted(
    state: MockState, native: Backends
) -> None:
    def add_vendor_fields(body: Any) -> Any:
        for item in body if isinstance(body, list) else [body]:
            item["x_vendorScore"] = [{"deep": {"er": 1}}]
            for medium in item.get("contactMedium", []):
                medium["x_verified"] = True
                medium["characteristic"]["x_geo"] = {"lat": 51.4}
            for price in item.get("productPrice", []):
                price["x_discountPlan"] = "P1"
        return body

    transport = RecordingTransport(
        httpx.ASGITransport(app=create_app(state)), rewrite=add_vendor_fields
    )
    async with Backends.from_settings(settings(Protocol.TMF), transport) as bundle:
        assert await bundle.customers.profile("cus-outage") == await native.customers.profile(
            "cus-outage"
        )


async def test_writes_the_tmf_profile_does_not_map_say_so(tmf: Backends) -> None:
    from ulid import ULID

    from advisor_tui.contract import NoteCreate

    with pytest.raises(BadRequest, match="TMF"):
        await tmf.customers.add_note("cus-outage", NoteCreate(id=str(ULID()), author="a", text="t"))


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
    state.faults[Backend.CUSTOMERS] = spec
    for bundle in (native, tmf):
        with pytest.raises(error):
            await bundle.customers.profile("cus-outage")
        with pytest.raises(error):
            await bundle.customers.history("cus-outage")


async def test_a_hung_tmf_customers_backend_times_out(state: MockState) -> None:
    state.faults[Backend.CUSTOMERS] = FaultSpec(hang=True)
    short = TimeoutSettings(connect=0.1, read=0.2, write=0.2, pool=0.1)
    transport = httpx.ASGITransport(app=create_app(state))
    async with Backends.from_settings(settings(Protocol.TMF, short), transport) as bundle:
        with pytest.raises(BackendTimeout):
            await bundle.customers.search("Marlowe")


async def test_tmf_and_native_name_many_customers_in_one_call_each(
    state: MockState, transport: RecordingTransport, native: Backends, tmf: Backends
) -> None:
    """The review list's names: natively ``GET /v1/customers?id=a&id=b``, over TMF
    ``GET customer?id=a,b&fields=id,name`` (TMF630: a comma is "any of"); one
    request each, the same answer, in the order asked, unknown ids left out."""
    wanted = [*list(state.customers)[:3], "cus-nobody", list(state.customers)[0]]
    before = len(transport.requests)
    theirs = await native.customers.names(wanted)
    assert len(transport.requests) == before + 1
    mine = await tmf.customers.names(wanted)
    assert len(transport.requests) == before + 2
    asked = transport.requests[-1]
    assert asked.url.path.endswith(base.CUSTOMER)
    assert asked.url.params["id"] == ",".join(wanted[:4])
    assert asked.url.params["fields"] == "id,name"
    assert mine == theirs
    assert [c.id for c in mine.items] == wanted[:3]
    assert [c.name for c in mine.items] == [state.customers[i].profile.name for i in wanted[:3]]


async def test_a_tmf_server_matching_ids_loosely_names_only_the_ids_asked(
    state: MockState, tmf: Backends
) -> None:
    """The mock, like many gateways, matches ids ignoring case: 'CUS-OUTAGE' finds
    cus-outage, whose name must not be taken for an id nobody has."""
    assert (await tmf.customers.names(["CUS-OUTAGE", "a,b"])).items == []
    named = await tmf.customers.names(["cus-outage"])
    assert [(c.id, c.name) for c in named.items] == [("cus-outage", "Iain Ballantyne")]


async def test_more_names_than_a_lookup_takes_are_refused_before_any_call(
    transport: RecordingTransport, native: Backends, tmf: Backends
) -> None:
    too_many = [f"cus-{n}" for n in range(101)]
    before = len(transport.requests)
    for client in (native.customers, tmf.customers):
        with pytest.raises(ValueError, match="at most 100"):
            await client.names(too_many)
        assert (await client.names([])).items == []
    assert len(transport.requests) == before
