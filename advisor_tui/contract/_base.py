"""Shared building blocks of the contract: the strict base model and aware UTC times."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timezone-aware time, normalised to UTC. Naive times are rejected."""

Pence = Annotated[int, Field(description="Money in integer pence (GBP).")]

_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def _check_ulid(value: str) -> str:
    if not _ULID.match(value):
        raise ValueError("must be a 26-character ULID (Crockford base32, upper case)")
    return value


Ulid = Annotated[str, AfterValidator(_check_ulid)]


class ContractModel(BaseModel):
    """Base of every contract model.

    ``extra="forbid"`` so a backend that sends a field we do not know about is a
    contract violation we hear about, not data we silently drop; frozen so a
    model handed to a widget cannot be changed behind the client's back.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


def utcnow() -> datetime:
    return datetime.now(UTC)
