"""Our TMF extensions: what an advisor needs that the v4 resources have no field for.

Each is a sub-type in the TMF sense: ``@type`` names it, ``@baseType`` names
the standard resource it extends, and ``@schemaLocation`` points at its JSON
schema, shipped in ``advisor_tui/tmf/schemas/`` (see the README). A backend
that does not send one is still read: the adapters degrade (the ETA history is
then marked unknown, circumstances read as none recorded, price changes as none).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

SCHEMA_BASE = "https://advisor-tui.invalid/tmf/schemas/"

ETA_REVISED_TICKET = "EtaRevisedTroubleTicket"
"""TMF621 TroubleTicket + ``expectedResolutionDateRevision``: every ETA given, oldest
first, with when it was set, why, and by whom (a person, or a system rule)."""

CUSTOMER_CIRCUMSTANCES = "CustomerWithCircumstances"
"""TMF629 Customer + ``circumstances``: vulnerability (and notes), works from home, needs."""

SCHEDULED_PRICE_CHANGE = "ScheduledPriceChange"
"""TMF637 ProductPrice sub-type: a dated change of a recurring price, the price before
it, and the inflation figure it is judged against (Ofcom price-rise rules)."""

EXTENSIONS = (ETA_REVISED_TICKET, CUSTOMER_CIRCUMSTANCES, SCHEDULED_PRICE_CHANGE)


def schema_location(type_name: str) -> str:
    return f"{SCHEMA_BASE}{type_name}.schema.json"


def schema_text(type_name: str) -> str:
    """The JSON schema of one extension, as shipped in the package."""
    if type_name not in EXTENSIONS:
        raise KeyError(type_name)
    return (resources.files(__package__) / "schemas" / f"{type_name}.schema.json").read_text()


def extension_attributes(type_name: str, base_type: str) -> dict[str, Any]:
    """The three polymorphism attributes marking a resource as extended."""
    return {
        "@type": type_name,
        "@baseType": base_type,
        "@schemaLocation": schema_location(type_name),
    }
