"""TMF building blocks shared by every API: the tolerant base model, references,
time periods, notes, characteristics, money, the ``Error`` body and the paths.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# Where each API lives under a backend's base URL (TMF630: /tmf-api/<api>/v<major>/).
TROUBLE_TICKET = "/tmf-api/troubleTicket/v4/troubleTicket"
APPOINTMENT = "/tmf-api/appointment/v4/appointment"
SERVICE_PROBLEM = "/tmf-api/serviceProblemManagement/v4/serviceProblem"
SERVICE = "/tmf-api/serviceInventory/v4/service"
CUSTOMER = "/tmf-api/customerManagement/v4/customer"
INDIVIDUAL = "/tmf-api/party/v4/individual"
ORGANIZATION = "/tmf-api/party/v4/organization"
PRODUCT = "/tmf-api/productInventory/v4/product"
PARTY_INTERACTION = "/tmf-api/partyInteraction/v4/partyInteraction"

# TMF630 paging and selection.
TOTAL_COUNT_HEADER = "X-Total-Count"
RESULT_COUNT_HEADER = "X-Result-Count"
RESERVED_QUERY = frozenset({"fields", "offset", "limit", "sort"})


class TmfModel(BaseModel):
    """Base of every TMF model.

    ``extra="allow"``: unknown fields (another vendor's extension, a newer
    minor version) are kept, not rejected, unlike the project contract.
    ``populate_by_name`` lets Python code use ``type_`` while JSON says ``@type``.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def to_json_dict(self) -> dict[str, Any]:
        """The TMF JSON form: ``@``-names, no nulls (TMF omits absent fields)."""
        data: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return data


class Extensible(TmfModel):
    """A TMF entity or sub-entity carrying the polymorphism attributes."""

    type_: str | None = Field(default=None, alias="@type")
    base_type: str | None = Field(default=None, alias="@baseType")
    schema_location: str | None = Field(default=None, alias="@schemaLocation")


class Ref(Extensible):
    """EntityRef / RelatedParty / RelatedEntity / ChannelRef: a link to another resource."""

    id: str
    href: str | None = None
    name: str | None = None
    role: str | None = None
    referred_type: str | None = Field(default=None, alias="@referredType")


class TimePeriod(TmfModel):
    start_date_time: AwareDatetime | None = Field(default=None, alias="startDateTime")
    end_date_time: AwareDatetime | None = Field(default=None, alias="endDateTime")


class Note(Extensible):
    id: str | None = None
    author: str | None = None
    date: AwareDatetime | None = None
    text: str | None = None


class Characteristic(Extensible):
    """name/value pairs: the standard place for data the resource has no field for."""

    name: str
    value: Any = None
    value_type: str | None = Field(default=None, alias="valueType")


class Money(TmfModel):
    unit: str | None = None
    value: float | None = None


class Price(TmfModel):
    tax_included_amount: Money | None = Field(default=None, alias="taxIncludedAmount")
    duty_free_amount: Money | None = Field(default=None, alias="dutyFreeAmount")


class Quantity(TmfModel):
    amount: float | None = None
    units: str | None = None


class TmfError(Extensible):
    """The TMF ``Error`` body every API answers a failure with."""

    code: str
    reason: str
    message: str | None = None
    status: str | None = None
    reference_error: str | None = Field(default=None, alias="referenceError")


def characteristic(items: list[Characteristic] | None, name: str) -> Any:
    """The value of the first characteristic called ``name``, or None."""
    for item in items or []:
        if item.name == name:
            return item.value
    return None


def local_date(moment: datetime) -> date:
    """The calendar date as the sender wrote it (in its own offset), for date-only fields:
    a contract starting "2024-03-02T00:00:00+01:00" starts on the 2nd, not the 1st."""
    return moment.date()


def pence(money: Money | None) -> int | None:
    if money is None or money.value is None:
        return None
    return round(money.value * 100)


def pounds(amount_pence: int) -> Money:
    return Money(unit="GBP", value=amount_pence / 100)
