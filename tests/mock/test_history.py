from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from advisor_tui.contract import Channel, Direction, HistoryEvent
from advisor_tui.mock.history import (
    GeneratedHistory,
    ListHistory,
    decode_cursor,
    encode_cursor,
)

END = datetime(2025, 6, 12, 10, 0, tzinfo=UTC)


def make_events() -> list[HistoryEvent]:
    channels = [Channel.PHONE, Channel.EMAIL, Channel.SOCIAL, Channel.SMS]
    return [
        HistoryEvent(
            id=f"e{i:02d}",
            customer_id="c",
            at=END - timedelta(hours=i),
            channel=channels[i % 4],
            direction=Direction.INBOUND,
            handled_by="Kevin" if i % 5 == 0 else "Natasha",
            summary=f"contact {i}",
            body="refund asked" if i % 7 == 0 else "",
        )
        for i in range(23)
    ]


def test_list_history_sorts_newest_first_and_pages() -> None:
    events = make_events()
    history = ListHistory(reversed(events))  # given oldest first on purpose
    got: list[HistoryEvent] = []
    cursor = None
    while True:
        page = history.page(cursor, 10, None, None)
        got += page.events
        cursor = page.next_cursor
        if cursor is None:
            break
    assert got == events
    assert history.latest(3) == events[:3]
    assert history.get("e05") == events[5]
    assert history.get("nope") is None


def test_list_history_filters() -> None:
    history = ListHistory(make_events())
    social = history.page(None, 100, Channel.SOCIAL, None)
    assert [e.id for e in social.events] == [f"e{i:02d}" for i in range(2, 23, 4)]
    assert social.next_cursor is None
    # q searches summary, body and handler, case-insensitively.
    assert [e.id for e in history.page(None, 100, None, "REFUND").events] == [
        "e00",
        "e07",
        "e14",
        "e21",
    ]
    assert len(history.page(None, 100, None, "kevin").events) == 5
    both = history.page(None, 100, Channel.PHONE, "kevin").events
    assert [e.id for e in both] == ["e00", "e20"]


def test_filtered_paging_never_ends_on_an_empty_page() -> None:
    history = ListHistory(make_events())
    first = history.page(None, 3, Channel.SOCIAL, None)
    second = history.page(first.next_cursor, 3, Channel.SOCIAL, None)
    assert len(first.events) == 3 and len(second.events) == 3
    assert second.next_cursor is None  # exactly six social events: no empty third page


def test_cursor_is_opaque_and_checked() -> None:
    assert decode_cursor(encode_cursor(1234)) == 1234
    history = ListHistory(make_events())
    for bad in ("xyz", encode_cursor(999), "aDE6LTE"):
        with pytest.raises(ValueError):
            history.page(bad, 5, None, None)


def test_generated_history_is_deterministic_and_ordered() -> None:
    a = GeneratedHistory("big", 100_000, seed=7, end=END)
    b = GeneratedHistory("big", 100_000, seed=7, end=END)
    other = GeneratedHistory("big", 100_000, seed=8, end=END)
    sample = [0, 1, 2, 50_000, 99_998, 99_999]
    assert [a.event(i) for i in sample] == [b.event(i) for i in sample]
    assert [a.event(i).summary for i in range(20)] != [other.event(i).summary for i in range(20)]
    times = [a.event(i).at for i in range(0, 100_000, 997)]
    assert times == sorted(times, reverse=True)
    assert a.event(0).at <= END
    assert a.get("big-g99999") == a.event(99_999)
    assert a.get("big-g100000") is None and a.get("big-g007") is None and a.get("x-g1") is None


def test_generated_history_is_varied() -> None:
    history = GeneratedHistory("big", 5_000, seed=1, end=END)
    events = [history.event(i) for i in range(2_000)]
    assert {e.channel for e in events} == set(Channel)
    assert {e.direction for e in events} == set(Direction)
    assert len({e.handled_by for e in events}) >= 10
    assert len({e.summary for e in events}) >= 500


def test_generated_history_pages_reach_the_end_in_o_limit() -> None:
    history = GeneratedHistory("big", 100_000, seed=7, end=END)
    # Jump straight to deep cursors: each page costs its limit, not its depth,
    # counted in events made (a stopwatch would flake on a busy machine).
    made: list[int] = []
    make_event = history.event

    def counting(index: int) -> HistoryEvent:
        made.append(index)
        return make_event(index)

    history.event = counting  # type: ignore[method-assign]
    for start in (0, 40_000, 99_800):
        page = history.page(encode_cursor(start) if start else None, 200, None, None)
        assert page.events[0].id == f"big-g{start}"
        assert len(page.events) == 200
    assert page.next_cursor is None  # 99,800 + 200 is the end
    assert len(made) == 3 * 200, len(made)

    # Follow the cursors through a stretch and confirm no gaps or repeats.
    cursor = encode_cursor(50_000)
    ids: list[str] = []
    for _ in range(10):
        page = history.page(cursor, 200, None, None)
        ids += [e.id for e in page.events]
        assert page.next_cursor is not None
        cursor = page.next_cursor
    assert ids == [f"big-g{i}" for i in range(50_000, 52_000)]


def test_generated_history_filters_scan_forward() -> None:
    history = GeneratedHistory("big", 100_000, seed=7, end=END)
    complaints = history.page(None, 20, Channel.COMPLAINT, None)
    assert len(complaints.events) == 20
    assert {e.channel for e in complaints.events} == {Channel.COMPLAINT}
    again = history.page(complaints.next_cursor, 20, Channel.COMPLAINT, None)
    assert again.events[0].at < complaints.events[-1].at
    assert not {e.id for e in again.events} & {e.id for e in complaints.events}

    leeds = history.page(None, 10, None, "LEEDS DEPOT")
    assert all("leeds depot" in e.summary.lower() for e in leeds.events)

    # A filter nothing matches scans to the end and says so, instead of looping.
    nothing = history.page(None, 10, None, "no such text anywhere")
    assert nothing.events == [] and nothing.next_cursor is None


def test_small_generated_history_filtered_to_the_end() -> None:
    history = GeneratedHistory("s", 300, seed=3, end=END)
    phone = [history.event(i) for i in range(300) if history.event(i).channel is Channel.PHONE]
    got = []
    cursor = None
    while True:
        page = history.page(cursor, 7, Channel.PHONE, None)
        got += page.events
        cursor = page.next_cursor
        if cursor is None:
            break
    assert got == phone
