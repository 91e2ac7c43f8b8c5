"""Customers over TMF: TMF629 customers, TMF632 parties, TMF637 products and TMF683
party interactions, mapped into the contract's profile, search results and history.

What maps to what (the README has the full list):

- customer ``engagedParty`` → the Individual (consumer) or Organization
  (``organizationType`` → segment) for the name, contact media and
  ``partyCharacteristic`` preferredChannel; ``account`` (BillingAccount) ``name`` →
  account number; ``relatedParty`` accountManager → named owner;
  circumstances from our ``CustomerWithCircumstances`` extension (none recorded without it).
- contact media: postalAddress → address lines and postcode, phone, email, socialMedia.
- product ``productCharacteristic`` productKind / serviceNumber → kind and number, the
  recurring ``productPrice`` → monthly price, ``productTerm`` → contract start, end and
  minimum term; our ``ScheduledPriceChange`` prices → price changes.
- party interaction → history event: ``interactionDate`` → when, ``channel`` role
  interactionChannel / contactPoint → channel / via, ``direction``, ``description`` →
  summary, ``note`` → body, ``relatedParty`` role handledBy → who handled it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii

from pydantic import ValidationError

from advisor_tui.clients._http import path
from advisor_tui.clients.customers import CustomersClient, check_history_limit, wanted_names
from advisor_tui.clients.errors import BadRequest, ContractViolation
from advisor_tui.clients.tmf._http import TmfHttp
from advisor_tui.contract import (
    Channel,
    Circumstances,
    Contract,
    CustomerName,
    CustomerNames,
    CustomerProfile,
    CustomerSummary,
    Direction,
    FollowUp,
    FollowUpCreate,
    HistoryEvent,
    HistoryPage,
    NoteCreate,
    PriceChange,
    ProductKind,
    SearchField,
    SearchResult,
    Segment,
)
from advisor_tui.contract import (
    Note as ContractNote,
)
from advisor_tui.contract import (
    Product as ContractProduct,
)
from advisor_tui.contract.common import Backend
from advisor_tui.search_query import parse_query, surname_matches
from advisor_tui.tmf import base
from advisor_tui.tmf.base import characteristic, local_date, pence
from advisor_tui.tmf.customers import (
    ACCOUNT_MANAGER_ROLE,
    CHANNEL_ROLE,
    CREATOR_ROLE,
    CUSTOMER_ROLE,
    EMAIL,
    FOLLOW_UP_REASON,
    FOLLOW_UP_STATUS_FROM_TMF,
    HANDLER_ROLE,
    OWNER_ROLE,
    PHONE,
    POSTAL,
    PREFERRED_CHANNEL,
    PROCESS_OUTCOME,
    PRODUCT_KIND,
    SERVICE_NUMBER,
    SOCIAL,
    VIA_ROLE,
    AnyCustomer,
    ContactMedium,
    Customer,
    CustomerIdName,
    CustomerWithCircumstances,
    Individual,
    Organization,
    PartyInteraction,
    Product,
    ScheduledPriceChange,
)

_CURSOR_TAG = "tmf-offset:"
NEWEST_FIRST = "-interactionDate.startDateTime"


def encode_cursor(offset: int) -> str:
    # Still opaque to callers, as the contract's cursor is.
    return base64.urlsafe_b64encode(f"{_CURSOR_TAG}{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raw = ""
    if not raw.startswith(_CURSOR_TAG) or not raw[len(_CURSOR_TAG) :].isdigit():
        raise ValueError(f"invalid cursor {cursor!r}")
    return int(raw[len(_CURSOR_TAG) :])


Party = Individual | Organization


class TmfCustomersClient(TmfHttp, CustomersClient):
    backend = Backend.CUSTOMERS

    # -- search --------------------------------------------------------------------------

    async def search(self, q: str) -> SearchResult:
        field, key, surname = parse_query(q)
        try:
            customers = await self._find(field, key)
            matches = []
            for found in customers:
                summary = await self._summary(found, field)
                if (
                    field is not SearchField.POSTCODE_SURNAME
                    or not surname
                    or surname_matches(summary.name, surname)
                ):
                    matches.append(summary)
        except ValidationError as exc:
            raise ContractViolation.from_validation(self.backend, exc) from None
        return SearchResult(query=q, matches=matches)

    async def _find(self, field: SearchField, key: str) -> list[Customer]:
        """TMF attribute filters for each kind of key; parties first where the key is theirs."""
        if field is SearchField.ACCOUNT_NUMBER:
            return await self.tmf_list(base.CUSTOMER, AnyCustomer, {"account.id": key})
        if field is SearchField.NAME:
            # TMF630 has equality only; ".like" (contains) is what our mock and many
            # gateways offer for names. Documented in the README.
            return await self.tmf_list(base.CUSTOMER, AnyCustomer, {"name.like": key})
        attribute = {
            SearchField.PHONE: "contactMedium.characteristic.phoneNumber",
            SearchField.EMAIL: "contactMedium.characteristic.emailAddress",
            SearchField.SOCIAL_HANDLE: "contactMedium.characteristic.socialNetworkId",
            SearchField.POSTCODE_SURNAME: "contactMedium.characteristic.postCode",
        }[field]
        lookups = [
            self.tmf_list(base.INDIVIDUAL, Individual, {attribute: key}, fields=["id"]),
            self.tmf_list(base.ORGANIZATION, Organization, {attribute: key}, fields=["id"]),
        ]
        if field is SearchField.PHONE:
            # The number that is broken (a product's) is as good as a contact number.
            lookups.append(
                self.tmf_list(
                    base.PRODUCT,
                    Product,
                    {"productCharacteristic.value": key},
                    fields=["relatedParty"],
                )
            )
        found = await asyncio.gather(*lookups)
        party_ids = [p.id for group in found[:2] for p in group]
        customer_ids = [
            r.id
            for product in (found[2] if len(found) > 2 else [])
            for r in product.related_party or []
            if r.role == CUSTOMER_ROLE
        ]
        by_party = (
            await self.tmf_list(
                base.CUSTOMER, AnyCustomer, {"engagedParty.id": ",".join(party_ids)}
            )
            if party_ids
            else []
        )
        by_id = (
            await self.tmf_list(base.CUSTOMER, AnyCustomer, {"id": ",".join(customer_ids)})
            if customer_ids
            else []
        )
        unique = {c.id: c for c in [*by_party, *by_id]}
        return list(unique.values())

    async def _summary(self, customer: Customer, field: SearchField) -> CustomerSummary:
        party = await self._party(customer)
        postal = _postal(party)
        return CustomerSummary(
            id=customer.id,
            account_number=_account_number(customer),
            name=party.display_name or customer.name or "",
            postcode=(postal.characteristic.post_code or "") if postal else "",
            segment=_segment(party),
            matched_on=field,
        )

    # -- names ---------------------------------------------------------------------------

    async def names(self, customer_ids: list[str]) -> CustomerNames:
        """Names of up to 100 customers in one call (TMF629 ``GET customer?id=a,b&fields=id,name``);
        an id the backend does not know is absent from the answer."""
        # A comma separates alternatives in a TMF630 filter: an id holding one
        # cannot be asked for on its own, so it stays unknown (shown as the id).
        unique = [i for i in wanted_names(customer_ids) if i and "," not in i]
        if not unique:
            return CustomerNames(items=[])
        found: list[CustomerIdName] = await self.tmf_list(
            base.CUSTOMER, CustomerIdName, {"id": ",".join(unique)}, fields=["id", "name"]
        )
        # Exactly the ids asked: a server may match ids ignoring case.
        named = {c.id: c.name for c in found if c.name}
        try:
            return CustomerNames(
                items=[CustomerName(id=i, name=named[i]) for i in unique if i in named]
            )
        except ValidationError as exc:
            raise ContractViolation.from_validation(self.backend, exc) from None

    # -- profile -------------------------------------------------------------------------

    async def profile(self, customer_id: str) -> CustomerProfile:
        try:
            return await self._profile(customer_id)
        except ValidationError as exc:
            raise ContractViolation.from_validation(self.backend, exc) from None

    async def _profile(self, customer_id: str) -> CustomerProfile:
        customer: Customer = await self.tmf_get(
            path(base.CUSTOMER + "/{id}", id=customer_id), AnyCustomer
        )
        party, products, follow_ups = await asyncio.gather(
            self._party(customer),
            self.tmf_list(base.PRODUCT, Product, {"relatedParty.id": customer_id}),
            self.follow_ups(customer_id),
        )
        media = party.contact_medium or []
        postal = _postal(party)
        address = []
        if postal is not None:
            c = postal.characteristic
            parts = (c.street1, c.street2, c.city, c.state_or_province, c.post_code)
            address = [p for p in parts if p]
        owners = [
            r.name
            for r in customer.related_party or []
            if r.role == ACCOUNT_MANAGER_ROLE and r.name
        ]
        try:
            preferred = Channel(str(characteristic(party.party_characteristic, PREFERRED_CHANNEL)))
        except ValueError:
            preferred = _preferred_from_media(media)
        return CustomerProfile(
            id=customer.id,
            account_number=_account_number(customer),
            name=party.display_name or customer.name or "",
            segment=_segment(party),
            postcode=(postal.characteristic.post_code or "") if postal else "",
            address=address,
            phones=_values(media, PHONE, "phone_number"),
            emails=_values(media, EMAIL, "email_address"),
            social_handles=_values(media, SOCIAL, "social_network_id"),
            products=[self._product(p) for p in products],
            contract=self._contract(customer_id, products),
            circumstances=_circumstances(customer),
            preferred_channel=preferred,
            named_owner=owners[0] if owners else None,
            follow_ups=follow_ups,
            process_outcomes=_process_outcomes(customer),
        )

    async def _party(self, customer: Customer) -> Party:
        ref = customer.engaged_party
        if ref.referred_type == "Organization":
            organization: Organization = await self.tmf_get(
                path(base.ORGANIZATION + "/{id}", id=ref.id), Organization
            )
            return organization
        individual: Individual = await self.tmf_get(
            path(base.INDIVIDUAL + "/{id}", id=ref.id), Individual
        )
        return individual

    def _product(self, product: Product) -> ContractProduct:
        chars = product.product_characteristic
        try:
            kind = ProductKind(str(characteristic(chars, PRODUCT_KIND)))
        except ValueError:
            raise ContractViolation(
                self.backend, f"product {product.id}: no known {PRODUCT_KIND} characteristic"
            ) from None
        current = [
            p
            for p in product.product_price or []
            if not isinstance(p, ScheduledPriceChange) and p.price_type == "recurring"
        ]
        monthly = pence(current[0].price.tax_included_amount) if current else None
        number = characteristic(chars, SERVICE_NUMBER)
        return ContractProduct(
            id=product.id,
            kind=kind,
            name=product.name or "",
            number=str(number) if number is not None else None,
            monthly_price_pence=monthly or 0,
        )

    def _contract(self, customer_id: str, products: list[Product]) -> Contract:
        terms = [t for p in products for t in p.product_term or [] if t.valid_for]
        if not terms or terms[0].valid_for is None or terms[0].valid_for.start_date_time is None:
            raise ContractViolation(
                self.backend, f"customer {customer_id}: no product carries a dated productTerm"
            )
        term = terms[0]
        period = term.valid_for
        assert period is not None and period.start_date_time is not None
        changes = [
            PriceChange(
                effective_from=local_date(p.valid_for.start_date_time),
                old_monthly_pence=pence(p.previous_price.tax_included_amount) or 0,
                new_monthly_pence=pence(p.price.tax_included_amount) or 0,
                inflation_percent=p.inflation_percent,
                inflation_measure=p.inflation_measure,
            )
            for product in products
            for p in product.product_price or []
            if isinstance(p, ScheduledPriceChange) and p.valid_for.start_date_time is not None
        ]
        months = term.duration.amount if term.duration and term.duration.amount else 0
        return Contract(
            started_on=local_date(period.start_date_time),
            ends_on=local_date(period.end_date_time) if period.end_date_time else None,
            minimum_term_months=int(months),
            price_changes=sorted(changes, key=lambda c: c.effective_from),
        )

    # -- history -------------------------------------------------------------------------

    async def history(
        self,
        customer_id: str,
        cursor: str | None = None,
        limit: int = 50,
        channel: Channel | None = None,
        query: str | None = None,
    ) -> HistoryPage:
        check_history_limit(limit)
        offset = decode_cursor(cursor) if cursor else 0
        params = {
            "relatedParty.id": customer_id,
            "sort": NEWEST_FIRST,
            "channel.name": channel.value if channel is not None else None,
            # TMF has no free-text search; ".like" on the description (our summary)
            # is the closest a TMF backend offers. See the README.
            "description.like": query or None,
        }
        items, total = await self.tmf_page(
            base.PARTY_INTERACTION, PartyInteraction, params, offset=offset, limit=limit
        )
        try:
            events = [self._event(customer_id, i) for i in items]
        except ValidationError as exc:
            raise ContractViolation.from_validation(self.backend, exc) from None
        end = offset + len(events)
        more = end < total if total is not None else len(events) == limit
        return HistoryPage(events=events, next_cursor=encode_cursor(end) if more else None)

    async def history_event(self, customer_id: str, event_id: str) -> HistoryEvent:
        item: PartyInteraction = await self.tmf_get(
            path(base.PARTY_INTERACTION + "/{id}", id=event_id), PartyInteraction
        )
        try:
            return self._event(customer_id, item)
        except ValidationError as exc:
            raise ContractViolation.from_validation(self.backend, exc) from None

    def _event(self, customer_id: str, item: PartyInteraction) -> HistoryEvent:
        channels = item.channel or []
        kinds = [c for c in channels if c.role == CHANNEL_ROLE] or channels[:1]
        via = [c.name for c in channels if c.role == VIA_ROLE and c.name]
        handlers = [p.name for p in item.related_party or [] if p.role == HANDLER_ROLE and p.name]
        period = item.interaction_date
        at = (period.start_date_time if period else None) or item.creation_date
        return HistoryEvent.model_validate(
            {
                "id": item.id,
                "customer_id": customer_id,
                "at": at,
                "channel": (kinds[0].name or kinds[0].id) if kinds else None,
                "direction": item.direction or Direction.INTERNAL,
                "handled_by": handlers[0] if handlers else "",
                "via": via[0] if via else None,
                "summary": item.description or "",
                "body": "\n\n".join(n.text for n in item.note or [] if n.text),
            }
        )

    # -- not in the TMF profile ----------------------------------------------------------

    def _unsupported(self, what: str) -> BadRequest:
        return BadRequest(
            self.backend, f"{what}: not available when the customers backend speaks TMF"
        )

    async def follow_ups(self, customer_id: str) -> list[FollowUp]:
        """Planned interactions with reason follow-up, soonest due first."""
        params = {"relatedParty.id": customer_id, "reason": FOLLOW_UP_REASON}
        items = await self.tmf_list(base.PARTY_INTERACTION, PartyInteraction, params)
        try:
            found = [self._follow_up(customer_id, i) for i in items]
        except ValidationError as exc:
            raise ContractViolation.from_validation(self.backend, exc) from None
        return sorted(found, key=lambda f: (f.due_at, f.id))

    def _follow_up(self, customer_id: str, item: PartyInteraction) -> FollowUp:
        def party(role: str) -> str | None:
            names = [p.name for p in item.related_party or [] if p.role == role and p.name]
            return names[0] if names else None

        channels = item.channel or []
        notes = [n for n in item.note or [] if n.text]
        return FollowUp.model_validate(
            {
                "id": item.id,
                "customer_id": customer_id,
                "owner": party(OWNER_ROLE),
                "due_at": item.interaction_date.start_date_time if item.interaction_date else None,
                "channel": (channels[0].name or channels[0].id) if channels else None,
                "note": notes[0].text if notes else "",
                "created_by": party(CREATOR_ROLE) or (notes[0].author if notes else None),
                "status": FOLLOW_UP_STATUS_FROM_TMF.get(item.status or "", "open"),
                "created_at": item.creation_date,
            }
        )

    async def create_follow_up(self, customer_id: str, follow_up: FollowUpCreate) -> FollowUp:
        raise self._unsupported("follow-ups")

    async def notes(self, customer_id: str) -> list[ContractNote]:
        return []

    async def add_note(self, customer_id: str, note: NoteCreate) -> ContractNote:
        raise self._unsupported("notes")


def _account_number(customer: Customer) -> str:
    accounts = customer.account or []
    billing = [a for a in accounts if a.referred_type == "BillingAccount"] or accounts
    return billing[0].name if billing else ""


def _segment(party: Party) -> Segment:
    if isinstance(party, Individual):
        return Segment.CONSUMER
    try:
        return Segment(party.organization_type or Segment.SMALL_BUSINESS)
    except ValueError:
        return Segment.SMALL_BUSINESS


def _postal(party: Party) -> ContactMedium | None:
    found = [m for m in party.contact_medium or [] if m.medium_type == POSTAL]
    preferred = [m for m in found if m.preferred]
    chosen = preferred or found
    return chosen[0] if chosen else None


def _values(media: list[ContactMedium], medium_type: str, attribute: str) -> list[str]:
    values = (getattr(m.characteristic, attribute) for m in media if m.medium_type == medium_type)
    return [v for v in values if v]


def _preferred_from_media(media: list[ContactMedium]) -> Channel:
    by_type = {POSTAL: Channel.LETTER, PHONE: Channel.PHONE, EMAIL: Channel.EMAIL}
    by_type[SOCIAL] = Channel.SOCIAL
    for medium in media:
        if medium.preferred and medium.medium_type in by_type:
            return by_type[medium.medium_type]
    return Channel.PHONE


def _circumstances(customer: Customer) -> Circumstances:
    if not isinstance(customer, CustomerWithCircumstances):
        return Circumstances()
    c = customer.circumstances
    return Circumstances(
        works_from_home=c.works_from_home,
        vulnerable=c.vulnerable,
        vulnerability_notes=list(c.vulnerability_notes),
        needs=list(c.needs),
    )


def _process_outcomes(customer: Customer) -> dict[str, str]:
    outcomes: dict[str, str] = {}
    for item in customer.characteristic or []:
        value = item.value
        if item.name == PROCESS_OUTCOME and isinstance(value, dict):
            step, outcome = value.get("stepId"), value.get("outcome")
            if isinstance(step, str) and isinstance(outcome, str):
                outcomes[step] = outcome
    return outcomes
