"""Customers mock backend: search, profile, history, follow-ups and notes.

Search reads the *shape* of what the advisor typed, the way a real front door
would, so one box takes an account number, phone, email, social handle,
postcode + surname, or a name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, HTTPException, Query, Response, status

from advisor_tui.contract import (
    Channel,
    CustomerName,
    CustomerNames,
    CustomerProfile,
    CustomerSummary,
    ErrorBody,
    FollowUp,
    FollowUpCreate,
    HistoryEvent,
    HistoryPage,
    Note,
    NoteCreate,
    SearchField,
    SearchResult,
    routes,
)
from advisor_tui.contract._base import LINE_MAX, IdText, LineText
from advisor_tui.mock.state import CustomerRecord, MockState
from advisor_tui.search_query import (
    normalise_phone,
    normalise_postcode,
    parse_query,
    surname_matches,
)

_NOT_FOUND: dict[int | str, dict[str, Any]] = {status.HTTP_404_NOT_FOUND: {"model": ErrorBody}}
_CONFLICT: dict[int | str, dict[str, Any]] = {status.HTTP_409_CONFLICT: {"model": ErrorBody}}


def _replayed(model: type[Any]) -> dict[int | str, dict[str, Any]]:
    return {
        status.HTTP_200_OK: {
            "model": model,
            "description": "A replay: this id was created before with the same body.",
        }
    }


def _customer_numbers(profile: CustomerProfile) -> set[str]:
    numbers = {normalise_phone(p) for p in profile.phones}
    # Product numbers (landline, Call Sign, mobile) are searchable too: the
    # customer often quotes the number that is broken, not their contact number.
    numbers |= {normalise_phone(p.number) for p in profile.products if p.number}
    return {n for n in numbers if n is not None}


def _matches(profile: CustomerProfile, field: SearchField, key: str, surname: str) -> bool:
    match field:
        case SearchField.PHONE:
            return key in _customer_numbers(profile)
        case SearchField.ACCOUNT_NUMBER:
            return profile.account_number.replace(" ", "") == key
        case SearchField.SOCIAL_HANDLE:
            return key in {h.lower() for h in profile.social_handles}
        case SearchField.EMAIL:
            return key in {e.lower() for e in profile.emails}
        case SearchField.POSTCODE_SURNAME:
            if normalise_postcode(profile.postcode) != key:
                return False
            # A postcode alone lists everyone there: the advisor then picks by name.
            return not surname or surname_matches(profile.name, surname)
        case SearchField.NAME:
            return bool(key) and key in profile.name.lower()
    raise AssertionError(f"unhandled search field {field}")  # pragma: no cover


def search(state: MockState, query: str) -> SearchResult:
    field, key, surname = parse_query(query)
    matches = [
        CustomerSummary(
            id=record.profile.id,
            account_number=record.profile.account_number,
            name=record.profile.name,
            postcode=record.profile.postcode,
            segment=record.profile.segment,
            matched_on=field,
        )
        for record in state.customers.values()
        if _matches(record.profile, field, key, surname)
    ]
    return SearchResult(query=query, matches=matches)


def names(state: MockState, customer_ids: list[str]) -> CustomerNames:
    found = (state.customers.get(i) for i in dict.fromkeys(customer_ids))
    return CustomerNames(
        items=[CustomerName(id=r.profile.id, name=r.profile.name) for r in found if r is not None]
    )


def get_record(state: MockState, customer_id: str) -> CustomerRecord:
    record = state.customers.get(customer_id)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown customer {customer_id!r}")
    return record


def _conflict(kind: str, item_id: str) -> HTTPException:
    return HTTPException(
        status.HTTP_409_CONFLICT,
        detail=f"{kind} {item_id} already exists with a different body",
    )


def build_router(state: MockState) -> APIRouter:
    router = APIRouter()

    @router.get(routes.SEARCH, response_model=SearchResult, summary="Find customers")
    def search_customers(
        q: Annotated[
            str,
            Query(
                min_length=1,
                max_length=LINE_MAX,
                description="Account number, phone, email, @handle, postcode + surname, or name.",
            ),
        ],
    ) -> SearchResult:
        return search(state, q)

    @router.get(
        routes.CUSTOMER_NAMES,
        response_model=CustomerNames,
        summary="Names of many customers in one call",
        description=f"1 to {routes.CUSTOMER_NAMES_MAX} ids, each as its own id= parameter "
        "(422 beyond). Answers in the order asked, each id once; an id no customer has "
        "is left out, not an error.",
    )
    def customer_names(
        id: Annotated[
            list[IdText],
            Query(
                min_length=1,
                max_length=routes.CUSTOMER_NAMES_MAX,
                description="A customer id; repeat for more.",
            ),
        ],
    ) -> CustomerNames:
        return names(state, id)

    @router.get(routes.PROFILE, response_model=CustomerProfile, responses=_NOT_FOUND)
    def profile(customer_id: IdText) -> CustomerProfile:
        record = get_record(state, customer_id)
        # Follow-ups live on the record so POSTs show up in the profile at once.
        # The case's process outcomes are part of what the customers backend says
        # about the customer; the actions service reads them from here.
        outcomes = {**record.profile.process_outcomes, **record.process_outcomes}
        return record.profile.model_copy(
            update={"follow_ups": _sorted_follow_ups(record), "process_outcomes": outcomes}
        )

    @router.get(
        routes.HISTORY,
        response_model=HistoryPage,
        responses={**_NOT_FOUND, status.HTTP_400_BAD_REQUEST: {"model": ErrorBody}},
        summary="History across every channel, newest first",
    )
    def history(
        customer_id: IdText,
        cursor: Annotated[
            IdText | None,
            Query(description="next_cursor of the previous page; empty or absent: the first."),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=routes.HISTORY_PAGE_MAX)] = 50,
        channel: Channel | None = None,
        q: LineText | None = None,
    ) -> HistoryPage:
        record = get_record(state, customer_id)
        try:
            return record.history.page(cursor, limit, channel, q)
        except ValueError as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=str(exc)) from exc

    @router.get(routes.HISTORY_EVENT, response_model=HistoryEvent, responses=_NOT_FOUND)
    def history_event(customer_id: IdText, event_id: IdText) -> HistoryEvent:
        event = get_record(state, customer_id).history.get(event_id)
        if event is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown event {event_id!r}")
        return event

    @router.get(
        routes.FOLLOW_UPS,
        response_model=list[FollowUp],
        responses=_NOT_FOUND,
        summary="Follow-ups, soonest due first",
    )
    def list_follow_ups(customer_id: IdText) -> list[FollowUp]:
        return _sorted_follow_ups(get_record(state, customer_id))

    @router.post(
        routes.FOLLOW_UPS,
        response_model=FollowUp,
        status_code=status.HTTP_201_CREATED,
        responses={**_replayed(FollowUp), **_NOT_FOUND, **_CONFLICT},
        summary="Create a follow-up (idempotent by id: a replay answers 200)",
    )
    def create_follow_up(customer_id: IdText, body: FollowUpCreate, response: Response) -> FollowUp:
        return _create(
            state,
            customer_id,
            body,
            response,
            "follow-up",
            lambda r: r.follow_ups,
            lambda now: FollowUp(**body.model_dump(), customer_id=customer_id, created_at=now),
        )

    @router.get(
        routes.NOTES,
        response_model=list[Note],
        responses=_NOT_FOUND,
        summary="Notes, newest first",
    )
    def list_notes(customer_id: IdText) -> list[Note]:
        record = get_record(state, customer_id)
        return sorted(record.notes, key=lambda n: (n.at, n.id), reverse=True)

    @router.post(
        routes.NOTES,
        response_model=Note,
        status_code=status.HTTP_201_CREATED,
        responses={**_replayed(Note), **_NOT_FOUND, **_CONFLICT},
        summary="Add a note (idempotent by id: a replay answers 200)",
    )
    def create_note(customer_id: IdText, body: NoteCreate, response: Response) -> Note:
        return _create(
            state,
            customer_id,
            body,
            response,
            "note",
            lambda r: r.notes,
            lambda now: Note(**body.model_dump(), customer_id=customer_id, at=now),
        )

    return router


def _sorted_follow_ups(record: CustomerRecord) -> list[FollowUp]:
    return sorted(record.follow_ups, key=lambda f: (f.due_at, f.id))


Stored = TypeVar("Stored", FollowUp, Note)


def _replay(
    existing: Stored,
    customer_id: str,
    body: FollowUpCreate | NoteCreate,
    kind: str,
    response: Response,
) -> Stored:
    """An identical replay gets the stored record with 200; any other use of the id, 409."""
    created_part = {name: getattr(existing, name) for name in type(body).model_fields}
    if existing.customer_id != customer_id or type(body)(**created_part) != body:
        raise _conflict(kind, body.id)
    response.status_code = status.HTTP_200_OK
    return existing


def _create(
    state: MockState,
    customer_id: str,
    body: FollowUpCreate | NoteCreate,
    response: Response,
    kind: str,
    stored_in: Callable[[CustomerRecord], list[Stored]],
    make: Callable[[datetime], Stored],
) -> Stored:
    """Create a follow-up or note idempotently by its client-chosen id.

    An unknown customer is 404 before anything else; a replay is ``_replay``'s.
    """
    record = get_record(state, customer_id)
    existing = _find(state, stored_in, body.id)
    if existing is not None:
        return _replay(existing, customer_id, body, kind, response)
    created = make(state.clock())
    stored_in(record).append(created)
    return created


# Ids are ULIDs chosen by the client, unique across customers: a replay to a
# different customer is a different request, so the search spans them all.
def _find(
    state: MockState, stored_in: Callable[[CustomerRecord], list[Stored]], item_id: str
) -> Stored | None:
    for record in state.customers.values():
        for item in stored_in(record):
            if item.id == item_id:
                return item
    return None
