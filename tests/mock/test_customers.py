from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from ulid import ULID

from advisor_tui.contract import (
    Backend,
    Channel,
    CustomerProfile,
    ErrorBody,
    FollowUp,
    HistoryEvent,
    HistoryPage,
    Note,
    SearchField,
    SearchResult,
    routes,
)
from advisor_tui.mock.customers import normalise_phone, parse_query

from .conftest import NOW

P = routes.PREFIXES[Backend.CUSTOMERS]


def url(path: str, **params: str) -> str:
    return P + path.format(**params)


async def search(client: httpx.AsyncClient, q: str) -> SearchResult:
    response = await client.get(url(routes.SEARCH), params={"q": q})
    assert response.status_code == 200, response.text
    return SearchResult.model_validate(response.json())


@pytest.mark.parametrize(
    ("query", "field", "customer_id"),
    [
        ("4019 2275 63", SearchField.ACCOUNT_NUMBER, "cus-outage"),
        ("4019227563", SearchField.ACCOUNT_NUMBER, "cus-outage"),
        ("020 8977 4412", SearchField.PHONE, "cus-outage"),
        ("+44 20 8977 4412", SearchField.PHONE, "cus-outage"),
        ("01225 442907", SearchField.PHONE, "cus-callsign"),  # the Call Sign product number
        ("IAIN.Ballantyne@example.co.uk", SearchField.EMAIL, "cus-outage"),
        ("@BALLANTYNE70", SearchField.SOCIAL_HANDLE, "cus-outage"),
        ("TW11 9LL Ballantyne", SearchField.POSTCODE_SURNAME, "cus-outage"),
        ("ballantyne tw119ll", SearchField.POSTCODE_SURNAME, "cus-outage"),
        ("BA1 5BG brennan", SearchField.POSTCODE_SURNAME, "cus-callsign"),
        ("whitlock", SearchField.NAME, "cus-vulnerable"),
        ("Marlowe", SearchField.NAME, "cus-enterprise"),
    ],
)
async def test_search_by_every_kind_of_key(
    client: httpx.AsyncClient, query: str, field: SearchField, customer_id: str
) -> None:
    result = await search(client, query)
    assert result.query == query
    assert [m.id for m in result.matches] == [customer_id]
    assert result.matches[0].matched_on is field


async def test_search_postcode_needs_the_right_surname(client: httpx.AsyncClient) -> None:
    assert (await search(client, "TW11 9LL Brennan")).matches == []


async def test_search_returns_every_match(client: httpx.AsyncClient) -> None:
    # "e" is in every seed name: a name search lists all, each marked as such.
    result = await search(client, "e")
    assert len(result.matches) == 8
    assert {m.matched_on for m in result.matches} == {SearchField.NAME}


async def test_search_no_match_and_missing_query(client: httpx.AsyncClient) -> None:
    assert (await search(client, "Nobody Atall")).matches == []
    response = await client.get(url(routes.SEARCH))
    assert response.status_code == 422
    assert "q" in ErrorBody.model_validate(response.json()).detail


def test_parse_query_shapes() -> None:
    assert parse_query("07700 900418")[0] is SearchField.PHONE
    assert parse_query("5520884107")[0] is SearchField.ACCOUNT_NUMBER
    assert parse_query("@ProviderCare")[0] is SearchField.SOCIAL_HANDLE
    assert parse_query("a@b.co")[0] is SearchField.EMAIL
    assert parse_query("sw1a1aa smith") == (SearchField.POSTCODE_SURNAME, "SW1A1AA", "smith")
    assert parse_query("van der Berg EC1A 1BB") == (
        SearchField.POSTCODE_SURNAME,
        "EC1A1BB",
        "van der berg",
    )
    assert parse_query("Liz Brennan") == (SearchField.NAME, "liz brennan", "")
    assert normalise_phone("+44 (0)20 8977 4412") == "02089774412"
    assert normalise_phone("12345") is None


async def test_profile_and_unknown_customer(client: httpx.AsyncClient) -> None:
    response = await client.get(url(routes.PROFILE, customer_id="cus-outage"))
    profile = CustomerProfile.model_validate(response.json())
    assert profile.circumstances.works_from_home
    assert {p.kind.value for p in profile.products} == {"landline", "broadband"}
    missing = await client.get(url(routes.PROFILE, customer_id="cus-nobody"))
    assert missing.status_code == 404
    assert "cus-nobody" in ErrorBody.model_validate(missing.json()).detail


async def test_history_is_newest_first_and_pages_to_the_end(client: httpx.AsyncClient) -> None:
    seen: list[HistoryEvent] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"limit": "5"} | ({"cursor": cursor} if cursor else {})
        response = await client.get(url(routes.HISTORY, customer_id="cus-outage"), params=params)
        page = HistoryPage.model_validate(response.json())
        seen += page.events
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == 17 and pages == 4
    assert [e.at for e in seen] == sorted((e.at for e in seen), reverse=True)
    assert len({e.id for e in seen}) == 17


async def test_history_channel_filter_and_query(client: httpx.AsyncClient) -> None:
    response = await client.get(
        url(routes.HISTORY, customer_id="cus-outage"), params={"channel": "social"}
    )
    page = HistoryPage.model_validate(response.json())
    assert page.events and {e.channel for e in page.events} == {Channel.SOCIAL}
    tweets = [e for e in page.events if "rebate" in e.summary]
    # The routed tweet shows both accounts: who took it, and where it went.
    assert "@ProviderCare" in tweets[0].handled_by and tweets[0].via == "@Provider_UK"

    response = await client.get(
        url(routes.HISTORY, customer_id="cus-callsign"), params={"q": "UNRECOVERABLE"}
    )
    hits = HistoryPage.model_validate(response.json()).events
    assert hits and all(
        "unrecoverable" in (e.summary + e.body + e.handled_by).lower() for e in hits
    )


async def test_history_bad_requests(client: httpx.AsyncClient) -> None:
    path = url(routes.HISTORY, customer_id="cus-outage")
    bad_cursor = await client.get(path, params={"cursor": "not-a-cursor"})
    assert bad_cursor.status_code == 400
    ErrorBody.model_validate(bad_cursor.json())
    too_big = await client.get(path, params={"limit": str(routes.HISTORY_PAGE_MAX + 1)})
    assert too_big.status_code == 422
    bad_channel = await client.get(path, params={"channel": "pigeon"})
    assert bad_channel.status_code == 422
    unknown = await client.get(url(routes.HISTORY, customer_id="cus-nobody"))
    assert unknown.status_code == 404


async def test_history_default_limit_and_large_history(client: httpx.AsyncClient) -> None:
    path = url(routes.HISTORY, customer_id="cus-bighistory")
    page = HistoryPage.model_validate((await client.get(path)).json())
    assert len(page.events) == 50 and page.next_cursor
    big = HistoryPage.model_validate(
        (await client.get(path, params={"limit": str(routes.HISTORY_PAGE_MAX)})).json()
    )
    assert len(big.events) == routes.HISTORY_PAGE_MAX
    assert big.events[:50] == page.events


async def test_history_event(client: httpx.AsyncClient) -> None:
    found = await client.get(
        url(routes.HISTORY_EVENT, customer_id="cus-callsign", event_id="ev-cs-12")
    )
    event = HistoryEvent.model_validate(found.json())
    assert event.handled_by.startswith("David")
    generated = await client.get(
        url(routes.HISTORY_EVENT, customer_id="cus-bighistory", event_id="cus-bighistory-g99999")
    )
    assert generated.status_code == 200
    for customer, event_id in [("cus-callsign", "ev-out-01"), ("cus-nobody", "ev-cs-12")]:
        missing = await client.get(
            url(routes.HISTORY_EVENT, customer_id=customer, event_id=event_id)
        )
        assert missing.status_code == 404


def follow_up_body(**overrides: str) -> dict[str, str]:
    body = {
        "id": str(ULID()),
        "owner": "Kevin Doyle",
        "due_at": (NOW + timedelta(days=2)).isoformat(),
        "channel": "sms",
        "note": "Check the wifi is holding",
        "created_by": "adv-sam-carter",
    }
    return body | overrides


async def test_follow_up_create_is_idempotent(client: httpx.AsyncClient) -> None:
    path = url(routes.FOLLOW_UPS, customer_id="cus-outage")
    body = follow_up_body()
    first = await client.post(path, json=body)
    assert first.status_code == 201
    created = FollowUp.model_validate(first.json())
    assert created.customer_id == "cus-outage" and created.status.value == "open"

    again = await client.post(path, json=body)
    assert again.status_code == 200
    assert FollowUp.model_validate(again.json()) == created

    changed = await client.post(path, json=body | {"owner": "Natasha Reid"})
    assert changed.status_code == 409
    ErrorBody.model_validate(changed.json())
    elsewhere = await client.post(url(routes.FOLLOW_UPS, customer_id="cus-callsign"), json=body)
    assert elsewhere.status_code == 409

    listed = await client.get(path)
    assert [FollowUp.model_validate(f).id for f in listed.json()] == [created.id]
    profile = CustomerProfile.model_validate(
        (await client.get(url(routes.PROFILE, customer_id="cus-outage"))).json()
    )
    assert [f.id for f in profile.follow_ups] == [created.id]


async def test_seed_follow_ups_have_named_owners_soonest_first(client: httpx.AsyncClient) -> None:
    response = await client.get(url(routes.FOLLOW_UPS, customer_id="cus-followup"))
    follow_ups = [FollowUp.model_validate(f) for f in response.json()]
    assert {f.owner for f in follow_ups} == {"Kevin Doyle", "Natasha Reid"}
    assert [f.due_at for f in follow_ups] == sorted(f.due_at for f in follow_ups)


async def test_follow_up_validation(client: httpx.AsyncClient) -> None:
    path = url(routes.FOLLOW_UPS, customer_id="cus-outage")
    naive = await client.post(path, json=follow_up_body(due_at="2025-06-14T10:00:00"))
    assert naive.status_code == 422
    assert "due_at" in ErrorBody.model_validate(naive.json()).detail
    not_ulid = await client.post(path, json=follow_up_body(id="fu-1"))
    assert not_ulid.status_code == 422
    unknown = await client.post(
        url(routes.FOLLOW_UPS, customer_id="cus-nobody"), json=follow_up_body()
    )
    assert unknown.status_code == 404


async def test_notes_create_idempotent_and_newest_first(client: httpx.AsyncClient) -> None:
    path = url(routes.NOTES, customer_id="cus-vulnerable")
    seeded = [Note.model_validate(n) for n in (await client.get(path)).json()]
    assert any("Relay UK" in n.text for n in seeded)

    body = {"id": str(ULID()), "author": "adv-sam-carter", "text": "Wrote to confirm the visit."}
    first = await client.post(path, json=body)
    assert first.status_code == 201
    note = Note.model_validate(first.json())
    assert note.at >= NOW
    replay = await client.post(path, json=body)
    assert replay.status_code == 200 and Note.model_validate(replay.json()) == note
    clash = await client.post(path, json=body | {"text": "Something else"})
    assert clash.status_code == 409

    listed = [Note.model_validate(n) for n in (await client.get(path)).json()]
    assert listed[0] == note and len(listed) == len(seeded) + 1
    empty = await client.post(path, json=body | {"id": str(ULID()), "text": ""})
    assert empty.status_code == 422


async def test_many_customers_are_named_in_one_call(client: httpx.AsyncClient) -> None:
    """``GET /v1/customers?id=…``: short summaries in the order asked, each once;
    an id no customer has is absent; 1 to 100 ids, 422 otherwise."""
    url = "/customers" + routes.CUSTOMER_NAMES
    answer = await client.get(
        url, params={"id": ["cus-bighistory", "cus-nobody", "cus-outage"] * 2}
    )
    assert answer.status_code == 200
    assert answer.json() == {
        "items": [
            {"id": "cus-bighistory", "name": "Kestrel Retail Group Ltd"},
            {"id": "cus-outage", "name": "Iain Ballantyne"},
        ]
    }
    hundred = await client.get(url, params={"id": [f"cus-{n}" for n in range(100)]})
    assert hundred.status_code == 200 and hundred.json() == {"items": []}
    for params in ({"id": [f"cus-{n}" for n in range(101)]}, {}, {"id": "x" * 101}):
        refused = await client.get(url, params=params)
        assert refused.status_code == 422, params
        assert isinstance(refused.json()["detail"], str)
