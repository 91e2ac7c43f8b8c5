"""History sources for the mock customers backend.

Both implement ``HistorySource`` over an *index*: event 0 is the newest and the
cursor is the index where the next (older) page starts. ``ListHistory`` holds a
scenario's hand-written events; ``GeneratedHistory`` computes event ``i`` from
``(seed, i)`` alone, so a customer with 100,000+ events costs no memory and an
unfiltered page costs O(limit).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import itertools
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from advisor_tui.contract import Channel, Direction, HistoryEvent, HistoryPage

_T = TypeVar("_T")

_CURSOR_TAG = "h1:"

SCAN_BUDGET = 100_000
"""Most events a filtered page may examine. Large enough to cover the seed's
biggest history in one request, so a page is only short when the history ends;
it exists so a pathological history cannot make one request unbounded."""


def encode_cursor(index: int) -> str:
    # Opaque on purpose: clients must pass it back, not compute with it.
    raw = f"{_CURSOR_TAG}{index}".encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The index a cursor points at; ValueError for anything we did not issue."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise ValueError(f"invalid cursor {cursor!r}") from exc
    if not raw.startswith(_CURSOR_TAG) or not raw[len(_CURSOR_TAG) :].isdigit():
        raise ValueError(f"invalid cursor {cursor!r}")
    return int(raw[len(_CURSOR_TAG) :])


def _matches(event: HistoryEvent, channel: Channel | None, needle: str | None) -> bool:
    if channel is not None and event.channel is not channel:
        return False
    if needle:
        # ``via`` too: advisors look for "@ProviderCare" or a queue, not only words.
        haystack = (event.summary, event.body, event.handled_by, event.via or "")
        return any(needle in text.lower() for text in haystack)
    return True


class IndexedHistory(ABC):
    """Paging shared by both sources; subclasses say how to reach event ``i``."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def event(self, index: int) -> HistoryEvent: ...

    def page(
        self, cursor: str | None, limit: int, channel: Channel | None, query: str | None
    ) -> HistoryPage:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        start = decode_cursor(cursor) if cursor else 0
        total = len(self)
        if start > total:
            raise ValueError(f"cursor beyond the end of the history ({start} > {total})")
        needle = query.strip().lower() if query and query.strip() else None
        if channel is None and needle is None:
            # Unfiltered: exactly the slice, O(limit) however long the history is.
            stop = min(start + limit, total)
            events = [self.event(i) for i in range(start, stop)]
            return HistoryPage(
                events=events, next_cursor=encode_cursor(stop) if stop < total else None
            )
        return self._filtered_page(start, total, limit, channel, needle)

    def _filtered_page(
        self, start: int, total: int, limit: int, channel: Channel | None, needle: str | None
    ) -> HistoryPage:
        events: list[HistoryEvent] = []
        scan_end = min(total, start + SCAN_BUDGET)
        index = start
        resume_at: int | None = None
        while index < scan_end:
            candidate = self._candidate(index, channel, needle)
            index += 1
            if candidate is None:
                continue
            if len(events) == limit:
                # One match beyond the page proves there is a next page, so the
                # last page never comes back empty with a cursor.
                resume_at = index - 1
                break
            events.append(candidate)
        else:
            # Budget spent before the end: say where to carry on rather than
            # pretending the history is over.
            if index < total:
                resume_at = index
        return HistoryPage(
            events=events, next_cursor=encode_cursor(resume_at) if resume_at is not None else None
        )

    def _candidate(
        self, index: int, channel: Channel | None, needle: str | None
    ) -> HistoryEvent | None:
        """Event ``index`` if it passes the filters; overridable to skip building misses."""
        event = self.event(index)
        return event if _matches(event, channel, needle) else None

    def latest(self, n: int) -> list[HistoryEvent]:
        return [self.event(i) for i in range(min(n, len(self)))]


class ListHistory(IndexedHistory):
    """A fixed list of events, served newest first."""

    def __init__(self, events: Iterable[HistoryEvent]) -> None:
        # Ties on time are broken by id so the order (and every cursor) is stable.
        self._events = sorted(events, key=lambda e: (e.at, e.id), reverse=True)
        self._by_id = {e.id: e for e in self._events}
        if len(self._by_id) != len(self._events):
            raise ValueError("history event ids must be unique")

    def __len__(self) -> int:
        return len(self._events)

    def event(self, index: int) -> HistoryEvent:
        return self._events[index]

    def get(self, event_id: str) -> HistoryEvent | None:
        return self._by_id.get(event_id)


# What a busy multi-site business account's history looks like. Weights follow a
# contact mix where phone and email dominate and complaints are rare.
_CHANNEL_WEIGHTS: tuple[tuple[Channel, int], ...] = (
    (Channel.PHONE, 30),
    (Channel.EMAIL, 22),
    (Channel.WEB_CHAT, 10),
    (Channel.SMS, 8),
    (Channel.SOCIAL, 5),
    (Channel.ORDER, 8),
    (Channel.ENGINEER_VISIT, 5),
    (Channel.NOTE, 7),
    (Channel.LETTER, 3),
    (Channel.COMPLAINT, 2),
)
_CHANNELS = [c for c, _ in _CHANNEL_WEIGHTS]
_CUMULATIVE = list(itertools.accumulate(w for _, w in _CHANNEL_WEIGHTS))

_PEOPLE = (
    "Priya Shah",
    "Tom Gallagher",
    "Aisha Okafor",
    "Gareth Pryce",
    "Megan O'Neill",
    "Hamza Iqbal",
    "Chloe Whitfield",
    "Callum Reid",
    "Sian Morgan",
    "Oliver Bennett",
)
_TEAMS = (
    "Business Care",
    "Enterprise Service Desk",
    "Billing",
    "Provisioning",
    "Fault Management",
)
_ENGINEERS = ("Dave Kirby", "Raj Patel", "Steve Holt", "Lauren Price", "Mark Ellison")
_SITES = (
    "Leeds depot",
    "Bristol store",
    "Head office, Reading",
    "Glasgow store",
    "Cardiff store",
    "Norwich warehouse",
    "Manchester store",
    "Milton Keynes DC",
)
_TOPICS = (
    ("broadband slow at {site}", "Speed test {n} Mbps against {m} Mbps expected."),
    ("SIP trunk call drops at {site}", "{n} dropped calls reported since the morning."),
    ("invoice query for {month}", "Customer queried line {n} on the {month} invoice."),
    ("new line order for {site}", "Order {ref} placed; provisioning lead time {n} days."),
    ("move of lines at {site}", "Lines to be moved to a new comms room, {n} extensions."),
    ("password reset for the portal", "Portal user locked out after {n} attempts."),
    ("router replacement at {site}", "Hub swapped; serial ending {n}."),
    ("leased line latency at {site}", "Latency {n} ms at peak; circuit checks clean."),
    ("contract renewal discussion", "Renewal window opens in {n} days; quote {ref} sent."),
    ("number porting request", "Port of {n} numbers requested; order {ref}."),
)
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


_MASK64 = (1 << 64) - 1


class _Draws:
    """A tiny splitmix64 stream seeded from (seed, index).

    ``random.Random`` costs ~5 us just to seed; a scan of 100,000 generated
    events seeds once per event, so this keeps a full filtered scan fast while
    staying deterministic across Python versions. Small draws are decoded from
    one 64-bit word in mixed radix, so an event costs two or three hashes, not
    one per choice; the bias this adds is below 1/1024, irrelevant for fixtures.
    """

    __slots__ = ("_room", "_state", "_word")

    def __init__(self, seed: int, index: int) -> None:
        self._state = (seed * 0x9E3779B97F4A7C15 + index * 0xBF58476D1CE4E5B9) & _MASK64
        self._word = 0
        self._room = 1

    def _next(self) -> int:
        self._state = (self._state + 0x9E3779B97F4A7C15) & _MASK64
        z = self._state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return z ^ (z >> 31)

    def random(self) -> float:
        return (self._next() >> 11) / float(1 << 53)

    def below(self, n: int) -> int:
        if self._room < n << 10:
            self._word = self._next()
            self._room = 1 << 64
        value = self._word % n
        self._word //= n
        self._room //= n
        return value

    def randint(self, low: int, high: int) -> int:
        return low + self.below(high - low + 1)

    def choice(self, options: Sequence[_T]) -> _T:
        return options[self.below(len(options))]

    def weighted(self, options: Sequence[_T], cumulative: Sequence[int]) -> _T:
        ticket = self.below(cumulative[-1])
        return options[bisect.bisect_right(cumulative, ticket)]


class GeneratedHistory(IndexedHistory):
    """``count`` events computed on demand; event ``i`` depends only on (seed, i).

    Event times are strictly decreasing: event ``i`` lies in
    ``[end - (i + 1) * step, end - i * step)``, so the order needs no sort and
    no neighbour is consulted to place an event.
    """

    def __init__(
        self,
        customer_id: str,
        count: int,
        seed: int,
        end: datetime,
        step: timedelta = timedelta(minutes=47),
    ) -> None:
        if count < 0:
            raise ValueError("count must not be negative")
        if end.tzinfo is None:
            raise ValueError("end must be timezone-aware")
        self.customer_id = customer_id
        self.count = count
        self.seed = seed
        self.end = end
        self.step = step
        self._id_prefix = f"{customer_id}-g"

    def __len__(self) -> int:
        return self.count

    def event(self, index: int) -> HistoryEvent:
        fields = self._fields(index)
        assert fields is not None  # no channel restriction, so always built
        return HistoryEvent(**fields)

    def _candidate(
        self, index: int, channel: Channel | None, needle: str | None
    ) -> HistoryEvent | None:
        # Filtering on the raw fields skips model validation for the misses,
        # which is most of the cost of scanning a long history.
        fields = self._fields(index, only=channel)
        if fields is None:
            return None
        if needle:
            texts = (fields["summary"], fields["body"], fields["handled_by"], fields["via"] or "")
            if not any(needle in str(text).lower() for text in texts):
                return None
        return HistoryEvent(**fields)

    def _fields(self, index: int, only: Channel | None = None) -> dict[str, Any] | None:
        """Event ``index`` as raw fields; None early when its channel is not ``only``."""
        if not 0 <= index < self.count:
            raise IndexError(index)
        # A fresh generator per event keeps event i independent of every other,
        # which is what lets a page start anywhere without replaying the past.
        rng = _Draws(self.seed, index)
        channel = rng.weighted(_CHANNELS, _CUMULATIVE)
        if only is not None and channel is not only:
            return None
        at = self.end - self.step * index - self.step * rng.random()
        topic, detail = rng.choice(_TOPICS)
        fill = {
            "site": rng.choice(_SITES),
            "n": rng.randint(2, 80),
            "m": rng.choice((80, 160, 330, 500, 900)),
            "month": rng.choice(_MONTHS),
            "ref": f"ORD-{rng.randint(100000, 999999)}",
        }
        subject = topic.format(**fill)
        body = detail.format(**fill)
        person = rng.choice(_PEOPLE)
        team = rng.choice(_TEAMS)
        direction, handled_by, via, summary = self._shape(rng, channel, subject, person, team)
        return {
            "id": f"{self._id_prefix}{index}",
            "customer_id": self.customer_id,
            "at": at,
            "channel": channel,
            "direction": direction,
            "handled_by": handled_by,
            "via": via,
            "summary": summary,
            "body": body,
        }

    @staticmethod
    def _shape(
        rng: _Draws, channel: Channel, subject: str, person: str, team: str
    ) -> tuple[Direction, str, str | None, str]:
        """Direction, handler, route and wording that fit the channel."""
        handler = f"{person} ({team})"
        inbound = rng.random() < 0.6
        direction = Direction.INBOUND if inbound else Direction.OUTBOUND
        match channel:
            case Channel.PHONE:
                verb = "Call from customer" if inbound else "Call to customer"
                return direction, handler, "Business line 0800 800 152", f"{verb}: {subject}"
            case Channel.EMAIL:
                verb = "Email from customer" if inbound else "Email reply"
                return direction, handler, "business.care@provider.example", f"{verb}: {subject}"
            case Channel.WEB_CHAT:
                return Direction.INBOUND, handler, "Business portal chat", f"Web chat: {subject}"
            case Channel.SMS:
                return Direction.OUTBOUND, handler, "SMS 60055", f"Text update: {subject}"
            case Channel.SOCIAL:
                if inbound:
                    return (
                        direction,
                        "@ProviderCare (routed from @Provider_UK)",
                        "@Provider_UK",
                        f"Tweet: {subject}",
                    )
                return direction, "@ProviderCare", "@ProviderCare", f"Reply on Twitter: {subject}"
            case Channel.ORDER:
                return Direction.INTERNAL, "Provisioning", None, f"Order update: {subject}"
            case Channel.ENGINEER_VISIT:
                engineer = rng.choice(_ENGINEERS)
                return (
                    Direction.OUTBOUND,
                    f"{engineer} (Field Engineering)",
                    None,
                    f"Engineer visit: {subject}",
                )
            case Channel.NOTE:
                return Direction.INTERNAL, handler, None, f"Account note: {subject}"
            case Channel.LETTER:
                return Direction.OUTBOUND, "Billing", "Post", f"Letter sent: {subject}"
            case Channel.COMPLAINT:
                return (
                    Direction.INBOUND,
                    f"{person} (Complaints)",
                    None,
                    f"Complaint logged: {subject}",
                )
        raise AssertionError(f"unhandled channel {channel}")  # pragma: no cover

    def get(self, event_id: str) -> HistoryEvent | None:
        if not event_id.startswith(self._id_prefix):
            return None
        suffix = event_id[len(self._id_prefix) :]
        # Reject "g007"-style spellings so each event has exactly one id.
        if not suffix.isdigit() or (len(suffix) > 1 and suffix.startswith("0")):
            return None
        index = int(suffix)
        return self.event(index) if index < self.count else None
