"""The customers' history as TMF683 Party Interactions, paged with offset/limit.

A history can be 100,000+ generated events, so a page is never built by listing
everything: unfiltered pages are a slice of the source (O(limit)); filtered ones
use the indices of the matching events, found once per filter and kept (the
mock's histories never change), which also gives the exact ``X-Total-Count``.
"""

from __future__ import annotations

import functools
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from advisor_tui.contract import Channel, Direction, FollowUp, HistoryEvent
from advisor_tui.mock.history import SCAN_BUDGET, IndexedHistory
from advisor_tui.mock.state import HistorySource, MockState
from advisor_tui.mock.tmf.listing import TmfProblem, item_response, not_found, page_response, paging
from advisor_tui.mock.tmf.times import tmf_time
from advisor_tui.tmf import base
from advisor_tui.tmf.base import Note, Ref, TimePeriod
from advisor_tui.tmf.customers import (
    CHANNEL_ROLE,
    CREATOR_ROLE,
    CUSTOMER_ROLE,
    FOLLOW_UP_REASON,
    FOLLOW_UP_STATUS_TO_TMF,
    HANDLER_ROLE,
    OWNER_ROLE,
    VIA_ROLE,
    PartyInteraction,
)

SUPPORTED_FILTERS = frozenset({"relatedParty.id", "channel.name", "description.like", "reason"})
NEWEST_FIRST = "-interactionDate.startDateTime"


def follow_up_interaction(follow_up: FollowUp) -> dict[str, Any]:
    """A follow-up as a planned interaction (``reason`` follow-up), see the README."""
    return PartyInteraction(
        id=follow_up.id,
        description=follow_up.note or None,
        direction=Direction.OUTBOUND.value,
        status=FOLLOW_UP_STATUS_TO_TMF[follow_up.status.value],
        reason=FOLLOW_UP_REASON,
        creation_date=tmf_time(follow_up.created_at),
        interaction_date=TimePeriod(start_date_time=tmf_time(follow_up.due_at)),
        channel=[Ref(id=follow_up.channel.value, name=follow_up.channel.value, role=CHANNEL_ROLE)],
        note=[Note(text=follow_up.note, author=follow_up.created_by)] if follow_up.note else None,
        related_party=[
            Ref(id=follow_up.customer_id, role=CUSTOMER_ROLE, referred_type="Customer"),
            Ref(
                id=f"owner-{follow_up.id}",
                name=follow_up.owner,
                role=OWNER_ROLE,
                referred_type="Individual",
            ),
            Ref(
                id=f"creator-{follow_up.id}",
                name=follow_up.created_by,
                role=CREATOR_ROLE,
                referred_type="Individual",
            ),
        ],
    ).to_json_dict()


def party_interaction(event: HistoryEvent) -> dict[str, Any]:
    channels = [Ref(id=event.channel.value, name=event.channel.value, role=CHANNEL_ROLE)]
    if event.via:
        channels.append(Ref(id=f"via-{event.id}", name=event.via, role=VIA_ROLE))
    return PartyInteraction(
        id=event.id,
        description=event.summary,
        direction=event.direction.value,
        status="completed",
        creation_date=tmf_time(event.at),
        interaction_date=TimePeriod(start_date_time=tmf_time(event.at)),
        channel=channels,
        note=[Note(text=event.body)] if event.body else None,
        related_party=[
            Ref(id=event.customer_id, role=CUSTOMER_ROLE, referred_type="Customer"),
            Ref(
                id=f"handler-{event.id}",
                name=event.handled_by,
                role=HANDLER_ROLE,
                referred_type="Individual",
            ),
        ],
    ).to_json_dict()


@functools.lru_cache(maxsize=32)
def _matching(source: IndexedHistory, channel: Channel | None, needle: str) -> tuple[int, ...]:
    """Indices of the events passing the filters, newest first (within the scan budget)."""
    found = []
    for index in range(min(len(source), SCAN_BUDGET)):
        if source._candidate(index, channel, needle or None) is not None:
            found.append(index)
    return tuple(found)


def _page(
    source: HistorySource, channel: Channel | None, needle: str, offset: int, limit: int
) -> tuple[list[HistoryEvent], int]:
    if not isinstance(source, IndexedHistory):
        raise TmfProblem(500, "Internal Error", "history source cannot be paged by offset")
    if channel is None and not needle:
        total = len(source)
        return [source.event(i) for i in range(offset, min(offset + limit, total))], total
    indices = _matching(source, channel, needle)
    return [source.event(i) for i in indices[offset : offset + limit]], len(indices)


def build_router(state: MockState) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(base.PARTY_INTERACTION, name="list_partyInteraction")
    def list_interactions(request: Request) -> JSONResponse:
        query = request.query_params
        try:
            offset, limit = paging(request)
            unsupported = sorted(
                k for k in query if k not in base.RESERVED_QUERY and k not in SUPPORTED_FILTERS
            )
            if unsupported:
                raise TmfProblem(400, "Bad Request", f"unsupported filter {unsupported[0]!r}")
            if query.get("sort", NEWEST_FIRST) != NEWEST_FIRST:
                raise TmfProblem(400, "Bad Request", f"sort must be {NEWEST_FIRST}")
            customer_id = query.get("relatedParty.id")
            if not customer_id:
                raise TmfProblem(400, "Bad Request", "filter by relatedParty.id (a customer)")
            record = state.customers.get(customer_id)
            if record is None:
                return page_response([], 0, None)
            reason = query.get("reason")
            if reason is not None:
                # Only follow-ups carry a reason here; history events have none.
                planned = sorted(record.follow_ups, key=lambda f: (f.due_at, f.id))
                wanted = [follow_up_interaction(f) for f in planned if reason == FOLLOW_UP_REASON]
                chosen = wanted[offset : offset + limit]
                return page_response(chosen, len(wanted), query.get("fields"))
            raw_channel = query.get("channel.name")
            try:
                channel = Channel(raw_channel) if raw_channel else None
            except ValueError:
                return page_response([], 0, None)
            needle = (query.get("description.like") or "").strip().lower()
            events, total = _page(record.history, channel, needle, offset, limit)
        except TmfProblem as problem:
            return problem.response()
        return page_response([party_interaction(e) for e in events], total, query.get("fields"))

    @router.get(base.PARTY_INTERACTION + "/{item_id}", name="get_partyInteraction")
    def get_interaction(request: Request, item_id: str) -> JSONResponse:
        for record in state.customers.values():
            event = record.history.get(item_id)
            if event is not None:
                return item_response(request, party_interaction(event))
        return not_found("partyInteraction", item_id).response()

    return router
