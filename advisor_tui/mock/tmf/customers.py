"""The customers backend as TMF629 / TMF632 / TMF637, built from the same profiles
the native routes serve. History (TMF683) is in ``history.py``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from typing import Any

from fastapi import APIRouter

from advisor_tui.contract import CustomerProfile, Segment
from advisor_tui.mock.state import MockState
from advisor_tui.mock.tmf import history
from advisor_tui.mock.tmf.listing import add_collection
from advisor_tui.mock.tmf.times import tmf_time
from advisor_tui.tmf import base
from advisor_tui.tmf.base import Characteristic, Price, Quantity, Ref, TimePeriod, pounds
from advisor_tui.tmf.customers import (
    ACCOUNT_MANAGER_ROLE,
    CUSTOMER_ROLE,
    EMAIL,
    PHONE,
    POSTAL,
    PREFERRED_CHANNEL,
    PROCESS_OUTCOME,
    PRODUCT_KIND,
    SERVICE_NUMBER,
    SOCIAL,
    AccountRef,
    Circumstances,
    ContactMedium,
    Customer,
    Individual,
    MediumCharacteristic,
    Organization,
    Product,
    ProductPrice,
    ProductTerm,
    ScheduledPriceChange,
)
from advisor_tui.tmf.extensions import (
    CUSTOMER_CIRCUMSTANCES,
    SCHEDULED_PRICE_CHANGE,
    extension_attributes,
)


def party_id(profile: CustomerProfile) -> str:
    return f"party-{profile.id}"


def _is_person(profile: CustomerProfile) -> bool:
    return profile.segment is Segment.CONSUMER


def _postal(profile: CustomerProfile) -> ContactMedium:
    # Address lines map onto street1 / street2 / city; the last line is the postcode.
    lines = list(profile.address)
    if lines and lines[-1].replace(" ", "").upper() == profile.postcode.replace(" ", "").upper():
        lines = lines[:-1]
    street1 = lines[0] if lines else None
    middle = lines[1:]
    city = middle[-1] if middle else None
    street2 = ", ".join(middle[:-1]) or None
    return ContactMedium(
        medium_type=POSTAL,
        preferred=profile.preferred_channel.value == "letter",
        characteristic=MediumCharacteristic(
            street1=street1, street2=street2, city=city, post_code=profile.postcode, country="GB"
        ),
    )


def contact_media(profile: CustomerProfile) -> list[ContactMedium]:
    preferred = profile.preferred_channel.value
    # (medium type, the channel that prefers it, the values, how one is written)
    kinds: list[tuple[str, str, list[str], Callable[[str], MediumCharacteristic]]] = [
        (PHONE, "phone", profile.phones, lambda v: MediumCharacteristic(phone_number=v)),
        (EMAIL, "email", profile.emails, lambda v: MediumCharacteristic(email_address=v)),
        (
            SOCIAL,
            "social",
            profile.social_handles,
            lambda v: MediumCharacteristic(social_network_id=v),
        ),
    ]
    media = [_postal(profile)]
    for medium_type, channel, values, characteristic in kinds:
        # The first of the preferred channel's values is the preferred medium.
        media += [
            ContactMedium(
                medium_type=medium_type,
                preferred=preferred == channel and i == 0,
                characteristic=characteristic(value),
            )
            for i, value in enumerate(values)
        ]
    return media


def party(profile: CustomerProfile) -> dict[str, Any]:
    chars = [
        Characteristic(
            name=PREFERRED_CHANNEL, value=profile.preferred_channel.value, value_type="string"
        )
    ]
    if _is_person(profile):
        given, _, family = profile.name.rpartition(" ")
        return Individual(
            id=party_id(profile),
            type_="Individual",
            given_name=given or None,
            family_name=family,
            full_name=profile.name,
            contact_medium=contact_media(profile),
            party_characteristic=chars,
        ).to_json_dict()
    return Organization(
        id=party_id(profile),
        type_="Organization",
        name=profile.name,
        trading_name=profile.name,
        organization_type=profile.segment.value,
        contact_medium=contact_media(profile),
        party_characteristic=chars,
    ).to_json_dict()


def customer(profile: CustomerProfile, *, extensions: bool = True) -> dict[str, Any]:
    related = []
    if profile.named_owner:
        owner_id = "emp-" + "-".join(profile.named_owner.lower().split()[:2])
        related.append(
            Ref(
                id=owner_id,
                name=profile.named_owner,
                role=ACCOUNT_MANAGER_ROLE,
                referred_type="Individual",
            )
        )
    data = Customer(
        id=profile.id,
        type_="Customer",
        name=profile.name,
        status="Approved",
        engaged_party=Ref(
            id=party_id(profile),
            name=profile.name,
            referred_type="Individual" if _is_person(profile) else "Organization",
        ),
        account=[
            AccountRef(
                id=profile.account_number.replace(" ", ""),
                name=profile.account_number,
                referred_type="BillingAccount",
            )
        ],
        related_party=related or None,
        characteristic=[
            Characteristic(
                name=PROCESS_OUTCOME,
                value={"stepId": step, "outcome": outcome},
                value_type="object",
            )
            for step, outcome in profile.process_outcomes.items()
        ]
        or None,
    ).to_json_dict()
    if extensions:
        c = profile.circumstances
        data.update(extension_attributes(CUSTOMER_CIRCUMSTANCES, "Customer"))
        data["circumstances"] = Circumstances(
            vulnerable=c.vulnerable,
            vulnerability_notes=list(c.vulnerability_notes),
            works_from_home=c.works_from_home,
            needs=list(c.needs),
        ).to_json_dict()
    return data


def _midnight(day: date) -> datetime:
    # A date-only field written as that day's start; the offset keeps it that day.
    return tmf_time(datetime.combine(day, time(0), tzinfo=UTC)).replace(hour=0)


def products(profile: CustomerProfile, *, extensions: bool = True) -> Iterator[dict[str, Any]]:
    contract = profile.contract
    term = ProductTerm(
        name="minimum term",
        duration=Quantity(amount=contract.minimum_term_months, units="month"),
        valid_for=TimePeriod(
            start_date_time=_midnight(contract.started_on),
            end_date_time=_midnight(contract.ends_on) if contract.ends_on else None,
        ),
    )
    for index, item in enumerate(profile.products):
        chars = [Characteristic(name=PRODUCT_KIND, value=item.kind.value, value_type="string")]
        if item.number:
            chars.append(
                Characteristic(name=SERVICE_NUMBER, value=item.number, value_type="string")
            )
        prices: list[Any] = [
            ProductPrice(
                name="monthly price",
                price_type="recurring",
                recurring_charge_period="month",
                price=Price(tax_included_amount=pounds(item.monthly_price_pence)),
            )
        ]
        # Price changes in our contract are for the whole account; they ride on
        # the first product, where the adapter collects them from.
        if extensions and index == 0:
            prices += [
                ScheduledPriceChange(
                    **extension_attributes(SCHEDULED_PRICE_CHANGE, "ProductPrice"),
                    name="account monthly price change",
                    price_type="recurring",
                    recurring_charge_period="month",
                    price=Price(tax_included_amount=pounds(change.new_monthly_pence)),
                    previous_price=Price(tax_included_amount=pounds(change.old_monthly_pence)),
                    valid_for=TimePeriod(start_date_time=_midnight(change.effective_from)),
                    inflation_percent=change.inflation_percent,
                    inflation_measure=change.inflation_measure,
                )
                for change in contract.price_changes
            ]
        yield Product(
            id=item.id,
            name=item.name,
            status="active",
            start_date=_midnight(contract.started_on),
            product_characteristic=chars,
            product_price=prices,
            product_term=[term],
            related_party=[Ref(id=profile.id, role=CUSTOMER_ROLE, referred_type="Customer")],
        ).to_json_dict()


def build_router(state: MockState) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def profiles() -> Iterator[CustomerProfile]:
        for record in state.customers.values():
            yield record.profile

    def customers() -> Iterator[dict[str, Any]]:
        for record in state.customers.values():
            # As the native profile route: outcomes recorded since load count too.
            outcomes = {**record.profile.process_outcomes, **record.process_outcomes}
            profile = record.profile.model_copy(update={"process_outcomes": outcomes})
            yield customer(profile, extensions=state.tmf_extensions)

    def individuals() -> Iterator[dict[str, Any]]:
        for profile in profiles():
            if _is_person(profile):
                yield party(profile)

    def organizations() -> Iterator[dict[str, Any]]:
        for profile in profiles():
            if not _is_person(profile):
                yield party(profile)

    def all_products() -> Iterator[dict[str, Any]]:
        for profile in profiles():
            yield from products(profile, extensions=state.tmf_extensions)

    collections = {
        base.CUSTOMER: ("customer", customers),
        base.INDIVIDUAL: ("individual", individuals),
        base.ORGANIZATION: ("organization", organizations),
        base.PRODUCT: ("product", all_products),
    }
    for url, (kind, source) in collections.items():
        add_collection(router, url, kind, source)
    router.include_router(history.build_router(state))
    return router
