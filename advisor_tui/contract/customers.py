"""Customers backend: search, profile, history across channels, follow-ups, notes."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from advisor_tui.contract._base import (
    BoundedList,
    ContractModel,
    IdText,
    LineText,
    Pence,
    ProseText,
    Ulid,
    UtcDatetime,
)
from advisor_tui.contract.routes import CUSTOMER_NAMES_MAX, HISTORY_PAGE_MAX


class Channel(StrEnum):
    """The channel a contact, follow-up or preference is on."""

    PHONE = "phone"
    EMAIL = "email"
    SOCIAL = "social"
    SMS = "sms"
    LETTER = "letter"
    WEB_CHAT = "web_chat"
    ENGINEER_VISIT = "engineer_visit"
    ORDER = "order"
    COMPLAINT = "complaint"
    NOTE = "note"


class Direction(StrEnum):
    """Who started a contact: the customer, us, or neither (an internal note)."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


class Segment(StrEnum):
    """The kind of customer."""

    CONSUMER = "consumer"
    SMALL_BUSINESS = "small_business"
    ENTERPRISE = "enterprise"


class ProductKind(StrEnum):
    """The kinds of product a customer can hold."""

    LANDLINE = "landline"
    BROADBAND = "broadband"
    MOBILE = "mobile"
    TV = "tv"
    SPORTS = "sports"
    CALL_SIGN = "call_sign"
    LEASED_LINE = "leased_line"
    SIP_TRUNK = "sip_trunk"


class SearchField(StrEnum):
    """What a search query was read as, and so what it matched on."""

    ACCOUNT_NUMBER = "account_number"
    PHONE = "phone"
    EMAIL = "email"
    POSTCODE_SURNAME = "postcode_surname"
    SOCIAL_HANDLE = "social_handle"
    NAME = "name"


class CustomerSummary(ContractModel):
    """One search match: enough to pick the right customer."""

    id: IdText
    account_number: IdText
    name: LineText
    postcode: IdText
    segment: Segment = Segment.CONSUMER
    matched_on: SearchField


class SearchResult(ContractModel):
    """The customers a search matched (customers backend)."""

    query: LineText
    matches: BoundedList[CustomerSummary]


class CustomerName(ContractModel):
    """Who a customer id is, in short: what a list of many customers shows."""

    id: IdText
    name: LineText


class CustomerNames(ContractModel):
    """The customers of a batched lookup (``GET /v1/customers?id=a&id=b``), in the
    order asked; an id the backend does not know is simply absent."""

    items: Annotated[list[CustomerName], Field(max_length=CUSTOMER_NAMES_MAX)]


class Product(ContractModel):
    """One product the customer holds, with its monthly price."""

    id: IdText
    kind: ProductKind
    name: LineText
    number: IdText | None = Field(
        default=None, description="Phone number, circuit id or other identifier of the service."
    )
    monthly_price_pence: Pence = Field(ge=0)


class PriceChange(ContractModel):
    """One price rise (or fall) and the inflation figure it is judged against."""

    effective_from: date
    old_monthly_pence: Pence = Field(ge=0)
    new_monthly_pence: Pence = Field(ge=0)
    inflation_percent: float = Field(description="The inflation figure the rise is judged against.")
    inflation_measure: IdText = "CPI"

    # Plain properties, not computed fields: a computed field is serialised, and
    # extra="forbid" would then reject it when the client reads it back.
    @property
    def rise_percent(self) -> float:
        if self.old_monthly_pence == 0:
            return 0.0
        return round((self.new_monthly_pence / self.old_monthly_pence - 1) * 100, 2)

    @property
    def above_inflation(self) -> bool:
        return self.rise_percent > self.inflation_percent


class Contract(ContractModel):
    """The customer's contract: term and price changes."""

    started_on: date
    ends_on: date | None
    minimum_term_months: int = Field(ge=0)
    price_changes: BoundedList[PriceChange] = Field(default_factory=list)


class Circumstances(ContractModel):
    """What an advisor should know about the customer's situation and needs."""

    works_from_home: bool = False
    vulnerable: bool = False
    vulnerability_notes: BoundedList[LineText] = Field(default_factory=list)
    needs: BoundedList[LineText] = Field(
        default_factory=list, description="Accessibility or contact needs."
    )


class FollowUpStatus(StrEnum):
    """Where a promised follow-up stands."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class FollowUpCreate(ContractModel):
    """A follow-up to promise: who, when and how (``POST`` body)."""

    id: Ulid = Field(description="Client-chosen ULID; doubles as the idempotency key.")
    owner: LineText = Field(min_length=1, description="The named person who will follow up.")
    due_at: UtcDatetime
    channel: Channel
    note: ProseText = ""
    created_by: IdText


class FollowUp(FollowUpCreate):
    """A promised follow-up as the customers backend keeps it."""

    customer_id: IdText
    status: FollowUpStatus = FollowUpStatus.OPEN
    created_at: UtcDatetime


class NoteCreate(ContractModel):
    """A note to add to the customer (``POST`` body)."""

    id: Ulid
    author: IdText
    text: ProseText = Field(min_length=1)


class Note(NoteCreate):
    """A note on the customer as the customers backend keeps it."""

    customer_id: IdText
    at: UtcDatetime


class CustomerProfile(ContractModel):
    """Everything the customers backend knows about one customer."""

    id: IdText
    account_number: IdText
    name: LineText
    segment: Segment
    postcode: IdText
    address: BoundedList[LineText]
    phones: BoundedList[IdText]
    emails: BoundedList[LineText]
    social_handles: BoundedList[LineText]
    products: BoundedList[Product]
    contract: Contract
    circumstances: Circumstances
    preferred_channel: Channel
    named_owner: LineText | None = None
    follow_ups: BoundedList[FollowUp] = Field(default_factory=list)
    process_outcomes: dict[IdText, LineText] = Field(
        default_factory=dict,
        max_length=100,
        description="What the case's process steps said, by step id, e.g. "
        "{'PS-NUM-RESTORE': 'unrecoverable'}; the actions service escalates closing ones.",
    )


class HistoryEvent(ContractModel):
    """One contact or event in the customer's history, on any channel."""

    id: IdText
    customer_id: IdText
    at: UtcDatetime
    channel: Channel
    direction: Direction
    handled_by: LineText = Field(description="Person or team that handled the contact.")
    via: LineText | None = Field(
        default=None, description="Account, queue or address it came through, e.g. @BTCare."
    )
    summary: LineText
    body: ProseText = ""


class HistoryPage(ContractModel):
    """One page of history, newest first; ``next_cursor`` fetches older events."""

    events: Annotated[list[HistoryEvent], Field(max_length=HISTORY_PAGE_MAX)]
    next_cursor: IdText | None = Field(
        default=None, description="Opaque; pass back to get the next (older) page."
    )
