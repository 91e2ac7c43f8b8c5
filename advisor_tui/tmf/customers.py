"""TMF629 Customer, TMF632 Party (Individual / Organization), TMF637 Product and
TMF683 Party Interaction: the parts the Customer and History panels read."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, Discriminator, Field, Tag

from advisor_tui.tmf.base import (
    Characteristic,
    Extensible,
    Note,
    Price,
    Quantity,
    Ref,
    TimePeriod,
    TmfModel,
)
from advisor_tui.tmf.extensions import CUSTOMER_CIRCUMSTANCES, SCHEDULED_PRICE_CHANGE


class MediumCharacteristic(Extensible):
    city: str | None = None
    contact_type: str | None = Field(default=None, alias="contactType")
    country: str | None = None
    email_address: str | None = Field(default=None, alias="emailAddress")
    phone_number: str | None = Field(default=None, alias="phoneNumber")
    post_code: str | None = Field(default=None, alias="postCode")
    social_network_id: str | None = Field(default=None, alias="socialNetworkId")
    state_or_province: str | None = Field(default=None, alias="stateOrProvince")
    street1: str | None = None
    street2: str | None = None


class ContactMedium(Extensible):
    medium_type: str = Field(alias="mediumType")
    preferred: bool | None = None
    characteristic: MediumCharacteristic


# mediumType values we write and read (TMF leaves the vocabulary open).
POSTAL = "postalAddress"
PHONE = "phone"
EMAIL = "email"
SOCIAL = "socialMedia"


class AccountRef(Extensible):
    id: str | None = None
    name: str
    referred_type: str | None = Field(default=None, alias="@referredType")


class Customer(Extensible):
    id: str
    href: str | None = None
    name: str | None = None
    status: str | None = None
    engaged_party: Ref = Field(alias="engagedParty")
    account: list[AccountRef] | None = None
    characteristic: list[Characteristic] | None = None
    contact_medium: list[ContactMedium] | None = Field(default=None, alias="contactMedium")
    related_party: list[Ref] | None = Field(default=None, alias="relatedParty")


class CustomerIdName(Extensible):
    """A customer as ``fields=id,name`` selects it (TMF630): a list's worth of names
    in one call, without the parties behind them."""

    id: str
    name: str | None = None


class Circumstances(TmfModel):
    """Extension ``CustomerWithCircumstances``: what the advisor must know to treat
    the customer fairly (Ofcom's fair treatment of vulnerable customers)."""

    vulnerable: bool = False
    vulnerability_notes: list[str] = Field(default_factory=list, alias="vulnerabilityNotes")
    works_from_home: bool = Field(default=False, alias="worksFromHome")
    needs: list[str] = Field(default_factory=list)


class CustomerWithCircumstances(Customer):
    circumstances: Circumstances


def _customer_kind(value: Any) -> str:
    type_name = value.get("@type") if isinstance(value, dict) else getattr(value, "type_", None)
    return "circumstances" if type_name == CUSTOMER_CIRCUMSTANCES else "plain"


AnyCustomer = Annotated[
    Annotated[CustomerWithCircumstances, Tag("circumstances")] | Annotated[Customer, Tag("plain")],
    Discriminator(_customer_kind),
]


class Individual(Extensible):
    id: str
    given_name: str | None = Field(default=None, alias="givenName")
    family_name: str | None = Field(default=None, alias="familyName")
    full_name: str | None = Field(default=None, alias="fullName")
    formatted_name: str | None = Field(default=None, alias="formattedName")
    contact_medium: list[ContactMedium] | None = Field(default=None, alias="contactMedium")
    party_characteristic: list[Characteristic] | None = Field(
        default=None, alias="partyCharacteristic"
    )

    @property
    def display_name(self) -> str:
        parts = [p for p in (self.given_name, self.family_name) if p]
        return self.full_name or self.formatted_name or " ".join(parts)


class Organization(Extensible):
    id: str
    name: str | None = None
    trading_name: str | None = Field(default=None, alias="tradingName")
    organization_type: str | None = Field(default=None, alias="organizationType")
    contact_medium: list[ContactMedium] | None = Field(default=None, alias="contactMedium")
    party_characteristic: list[Characteristic] | None = Field(
        default=None, alias="partyCharacteristic"
    )

    @property
    def display_name(self) -> str:
        return self.trading_name or self.name or ""


class ProductPrice(Extensible):
    name: str | None = None
    description: str | None = None
    price_type: str = Field(alias="priceType")
    recurring_charge_period: str | None = Field(default=None, alias="recurringChargePeriod")
    price: Price


class ScheduledPriceChange(ProductPrice):
    """Extension: a dated change of a recurring price and the inflation it is judged by."""

    valid_for: TimePeriod = Field(alias="validFor")
    previous_price: Price = Field(alias="previousPrice")
    inflation_percent: float = Field(alias="inflationPercent")
    inflation_measure: str = Field(default="CPI", alias="inflationMeasure")


def _price_kind(value: Any) -> str:
    type_name = value.get("@type") if isinstance(value, dict) else getattr(value, "type_", None)
    return "change" if type_name == SCHEDULED_PRICE_CHANGE else "plain"


AnyProductPrice = Annotated[
    Annotated[ScheduledPriceChange, Tag("change")] | Annotated[ProductPrice, Tag("plain")],
    Discriminator(_price_kind),
]


class ProductTerm(TmfModel):
    name: str | None = None
    description: str | None = None
    duration: Quantity | None = None
    valid_for: TimePeriod | None = Field(default=None, alias="validFor")


class Product(TmfModel):
    # TMF637 v4's Product has no @type of its own; ours never needs one.
    id: str
    href: str | None = None
    name: str | None = None
    status: str | None = None
    start_date: AwareDatetime | None = Field(default=None, alias="startDate")
    product_characteristic: list[Characteristic] | None = Field(
        default=None, alias="productCharacteristic"
    )
    product_price: list[AnyProductPrice] | None = Field(default=None, alias="productPrice")
    product_term: list[ProductTerm] | None = Field(default=None, alias="productTerm")
    related_party: list[Ref] | None = Field(default=None, alias="relatedParty")


# productCharacteristic names (plain TMF characteristics).
PRODUCT_KIND = "productKind"
SERVICE_NUMBER = "serviceNumber"
# partyCharacteristic name.
PREFERRED_CHANNEL = "preferredChannel"
# Customer characteristic: one per process step with an outcome on the case,
# value {"stepId": ..., "outcome": ...} (valueType "object").
PROCESS_OUTCOME = "processOutcome"


class PartyInteraction(Extensible):
    id: str
    href: str | None = None
    description: str | None = None
    direction: str | None = None
    reason: str | None = None
    status: str | None = None
    creation_date: AwareDatetime | None = Field(default=None, alias="creationDate")
    interaction_date: TimePeriod | None = Field(default=None, alias="interactionDate")
    channel: list[Ref] | None = None
    note: list[Note] | None = None
    related_party: list[Ref] | None = Field(default=None, alias="relatedParty")


# RelatedChannel / RelatedParty roles in a PartyInteraction.
CHANNEL_ROLE = "interactionChannel"
VIA_ROLE = "contactPoint"
HANDLER_ROLE = "handledBy"
CUSTOMER_ROLE = "customer"
ACCOUNT_MANAGER_ROLE = "accountManager"
OWNER_ROLE = "owner"
CREATOR_ROLE = "createdBy"
# A follow-up is a planned interaction with this reason.
FOLLOW_UP_REASON = "follow-up"
FOLLOW_UP_STATUS_TO_TMF = {"open": "planned", "done": "completed", "cancelled": "cancelled"}
FOLLOW_UP_STATUS_FROM_TMF = {v: k for k, v in FOLLOW_UP_STATUS_TO_TMF.items()}
