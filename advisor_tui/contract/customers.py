"""Customers backend: search, profile, history across channels, follow-ups, notes."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from advisor_tui.contract._base import ContractModel, Pence, Ulid, UtcDatetime


class Channel(StrEnum):
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
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


class Segment(StrEnum):
    CONSUMER = "consumer"
    SMALL_BUSINESS = "small_business"
    ENTERPRISE = "enterprise"


class ProductKind(StrEnum):
    LANDLINE = "landline"
    BROADBAND = "broadband"
    MOBILE = "mobile"
    TV = "tv"
    SPORTS = "sports"
    CALL_SIGN = "call_sign"
    LEASED_LINE = "leased_line"
    SIP_TRUNK = "sip_trunk"


class SearchField(StrEnum):
    ACCOUNT_NUMBER = "account_number"
    PHONE = "phone"
    EMAIL = "email"
    POSTCODE_SURNAME = "postcode_surname"
    SOCIAL_HANDLE = "social_handle"
    NAME = "name"


class CustomerSummary(ContractModel):
    id: str
    account_number: str
    name: str
    postcode: str
    segment: Segment = Segment.CONSUMER
    matched_on: SearchField


class SearchResult(ContractModel):
    query: str
    matches: list[CustomerSummary]


class Product(ContractModel):
    id: str
    kind: ProductKind
    name: str
    number: str | None = Field(
        default=None, description="Phone number, circuit id or other identifier of the service."
    )
    monthly_price_pence: Pence = Field(ge=0)


class PriceChange(ContractModel):
    effective_from: date
    old_monthly_pence: Pence = Field(ge=0)
    new_monthly_pence: Pence = Field(ge=0)
    inflation_percent: float = Field(description="The inflation figure the rise is judged against.")
    inflation_measure: str = "CPI"

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
    started_on: date
    ends_on: date | None
    minimum_term_months: int = Field(ge=0)
    price_changes: list[PriceChange] = Field(default_factory=list)


class Circumstances(ContractModel):
    works_from_home: bool = False
    vulnerable: bool = False
    vulnerability_notes: list[str] = Field(default_factory=list)
    needs: list[str] = Field(default_factory=list, description="Accessibility or contact needs.")


class FollowUpStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class FollowUpCreate(ContractModel):
    id: Ulid = Field(description="Client-chosen ULID; doubles as the idempotency key.")
    owner: str = Field(min_length=1, description="The named person who will follow up.")
    due_at: UtcDatetime
    channel: Channel
    note: str = ""
    created_by: str


class FollowUp(FollowUpCreate):
    customer_id: str
    status: FollowUpStatus = FollowUpStatus.OPEN
    created_at: UtcDatetime


class NoteCreate(ContractModel):
    id: Ulid
    author: str
    text: str = Field(min_length=1)


class Note(NoteCreate):
    customer_id: str
    at: UtcDatetime


class CustomerProfile(ContractModel):
    id: str
    account_number: str
    name: str
    segment: Segment
    postcode: str
    address: list[str]
    phones: list[str]
    emails: list[str]
    social_handles: list[str]
    products: list[Product]
    contract: Contract
    circumstances: Circumstances
    preferred_channel: Channel
    named_owner: str | None = None
    follow_ups: list[FollowUp] = Field(default_factory=list)


class HistoryEvent(ContractModel):
    id: str
    customer_id: str
    at: UtcDatetime
    channel: Channel
    direction: Direction
    handled_by: str = Field(description="Person or team that handled the contact.")
    via: str | None = Field(
        default=None, description="Account, queue or address it came through, e.g. @BTCare."
    )
    summary: str
    body: str = ""


class HistoryPage(ContractModel):
    events: list[HistoryEvent]
    next_cursor: str | None = Field(
        default=None, description="Opaque; pass back to get the next (older) page."
    )
