"""The sections of the settings ([backends.*], [timeouts], [retry], [display],
[faults], [rules]): each a frozen model that refuses unknown keys."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from advisor_tui.contract.common import Backend
from advisor_tui.contract.faults import RESOLVED_WITHIN_DAYS, RESOLVED_WITHIN_DAYS_MAX
from advisor_tui.formatting import DEFAULT_ZONE, DisplayTime, load_zone


class _Section(BaseModel):
    # Unknown keys are errors, not silently ignored: a typo such as ``conect``
    # would otherwise leave the default in force with no hint why.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Protocol(StrEnum):
    """What a backend speaks: this project's contract, or the TM Forum Open APIs (v4)."""

    NATIVE = "native"
    TMF = "tmf"


# Backends with a TM Forum adapter (advisor_tui.clients.tmf); the others speak native only.
TMF_BACKENDS = frozenset({Backend.CUSTOMERS, Backend.FAULTS})


class BackendSettings(_Section):
    url: HttpUrl | None = Field(
        default=None, description="Base URL of this backend; the contract paths hang off it."
    )
    protocol: Protocol = Field(
        default=Protocol.NATIVE,
        description='"native" (this project\'s contract) or "tmf" (TM Forum Open API v4 '
        "under <url>/tmf-api/...; customers and faults only).",
    )
    max_response_bytes: int = Field(
        default=8 * 1024 * 1024,
        ge=64 * 1024,
        description="Largest answer body read from this backend; a bigger one is refused "
        "as 'answer too large' without reading it to the end.",
    )


class BackendsSettings(_Section):
    identity: BackendSettings = BackendSettings()
    customers: BackendSettings = BackendSettings()
    faults: BackendSettings = BackendSettings()
    actions: BackendSettings = BackendSettings()
    decisions: BackendSettings = BackendSettings()

    def url(self, backend: Backend) -> HttpUrl | None:
        return self.section(backend).url

    def section(self, backend: Backend) -> BackendSettings:
        section: BackendSettings = getattr(self, backend.value)
        return section

    def protocol(self, backend: Backend) -> Protocol:
        section: BackendSettings = getattr(self, backend.value)
        return section.protocol

    @property
    def configured(self) -> list[Backend]:
        return [b for b in Backend if self.url(b) is not None]

    @model_validator(mode="after")
    def _all_or_none(self) -> BackendsSettings:
        # Half a deployment is worse than none: the screen would mix real data
        # with nothing, so either every backend has a URL or none (the demo).
        configured = self.configured
        if configured and len(configured) < len(Backend):
            missing = ", ".join(b.value for b in Backend if b not in configured)
            raise ValueError(
                f"no URL for {missing}; set a URL for all five backends, "
                "or none to run the embedded demo"
            )
        return self

    @model_validator(mode="after")
    def _tmf_where_adapted(self) -> BackendsSettings:
        for backend in Backend:
            if self.protocol(backend) is Protocol.TMF and backend not in TMF_BACKENDS:
                raise ValueError(
                    f"{backend.value}.protocol: only customers and faults can speak tmf"
                )
        return self


class TimeoutSettings(_Section):
    connect: float = Field(default=2.0, gt=0, description="Seconds to open a connection.")
    read: float = Field(default=5.0, gt=0, description="Seconds to wait for response data.")
    write: float = Field(default=5.0, gt=0, description="Seconds to send request data.")
    pool: float = Field(default=2.0, gt=0, description="Seconds to wait for a free connection.")


class RetrySettings(_Section):
    attempts: int = Field(default=3, ge=1, le=20, description="Tries per call, the first included.")
    initial: float = Field(default=0.1, ge=0, description="First backoff, seconds.")
    max: float = Field(default=5.0, ge=0, description="Longest single backoff, seconds.")
    jitter: float = Field(default=0.5, ge=0, description="Random extra backoff, 0..jitter seconds.")
    total: float = Field(
        default=10.0, gt=0, description="Give up retrying once a call has taken this long, seconds."
    )


class DisplaySettings(_Section):
    timezone: str = Field(
        default=DEFAULT_ZONE,
        description="IANA time zone every time is shown in (e.g. Europe/London, UTC).",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        load_zone(value)  # raises ValueError naming the zone; _describe names the key
        return value

    @property
    def times(self) -> DisplayTime:
        return DisplayTime.named(self.timezone)


class FaultsSettings(_Section):
    resolved_within_days: int = Field(
        default=RESOLVED_WITHIN_DAYS,
        ge=0,
        le=RESOLVED_WITHIN_DAYS_MAX,
        description="How many days a fixed fault stays in the Faults panel, with its ETA "
        "history, and keeps earning the compensation still owed for it.",
    )


class RulesSettings(_Section):
    """For ``advisor-tui serve actions``: how the next-action rules read the regulation."""

    rates: Path | None = Field(
        default=None,
        description="Regulation tables (TOML laid out as the shipped regulation.toml); "
        "default: the tables shipped with the package.",
    )
    rate_reading: Literal["each-day", "at-start"] = Field(
        default="each-day",
        description='A loss spanning 1 April: "each-day" pays each day at its own rate, '
        '"at-start" pays every day at the rate when the problem started.',
    )
