"""Shared building blocks of the contract: the strict base model, aware UTC times,
and the bounded string and list types every field is built from.

Every string and list in the contract has a maximum length, published in the
OpenAPI document as ``maxLength``/``maxItems``: a backend (or a client) must
never have to hold an unbounded value in memory because the other side sent
one. The limits are generous for real data and listed in the README
("Contract limits"); ``tests/mock/test_openapi.py`` fails if a field is added
without one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

ID_MAX = 100
"""Ids, codes, account and phone numbers, hashes, parameter names."""
LINE_MAX = 500
"""One line of text: names, labels, titles, summaries, reasons."""
PROSE_MAX = 10_000
"""Free text: notes, message bodies, scripts (about four pages)."""
LIST_MAX = 1_000
"""Items of one list, unless the field says otherwise (pages, statistics)."""

IdText = Annotated[str, Field(max_length=ID_MAX)]
LineText = Annotated[str, Field(max_length=LINE_MAX)]
ProseText = Annotated[str, Field(max_length=PROSE_MAX)]

_Item = TypeVar("_Item")
BoundedList = Annotated[list[_Item], Field(max_length=LIST_MAX)]
"""``BoundedList[Fact]``: a list of at most ``LIST_MAX`` items."""


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


_NUMBER = re.compile(r"\s*[+-]?[0-9]+(\.[0-9]*)?\s*")


def _not_a_number(value: object) -> object:
    # pydantic reads a number as Unix seconds, but the schema promises an ISO
    # 8601 date-time: "until=0.5" must be refused, not taken as 1970.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("must be an ISO 8601 date-time with a time zone, not a number")
    if isinstance(value, str | bytes) and _NUMBER.fullmatch(
        value if isinstance(value, str) else value.decode("ascii", "replace")
    ):
        raise ValueError("must be an ISO 8601 date-time with a time zone, not a number")
    return value


UtcDatetime = Annotated[AwareDatetime, BeforeValidator(_not_a_number), AfterValidator(_to_utc)]
"""A timezone-aware ISO 8601 time, normalised to UTC. Naive times and numbers are rejected."""

Pence = Annotated[int, Field(description="Money in integer pence (GBP).")]

ULID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"

# A pattern in the schema rather than a validator function, so the OpenAPI
# document says what an id must look like and a generated client can check it.
Ulid = Annotated[
    str,
    Field(
        pattern=ULID_PATTERN,
        min_length=26,
        max_length=26,
        description="A ULID: 26 characters of Crockford base32, upper case.",
    ),
]


class ContractModel(BaseModel):
    """Base of every contract model.

    ``extra="forbid"`` so a backend that sends a field we do not know about is a
    contract violation we hear about, not data we silently drop; frozen so a
    model handed to a widget cannot be changed behind the client's back.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


def utcnow() -> datetime:
    return datetime.now(UTC)
