"""What a decision did, in words: 'as proposed', 'declined', or the override's changes."""

from __future__ import annotations

from advisor_tui.contract.actions import ParamValue
from advisor_tui.contract.decisions import Decision, DecisionKind
from advisor_tui.formatting import pounds


def format_param(name: str, value: ParamValue | None) -> str:
    """A parameter value as a person reads it; money follows the contract's
    naming convention (integer pence under a ``*_pence`` name)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and (name == "pence" or name.endswith("_pence")):
        return pounds(value)
    return str(value)


def param_label(name: str) -> str:
    return name.removesuffix("_pence").replace("_", " ")


def done_summary(decision: Decision) -> str:
    """What was done, in one line: 'as proposed', 'declined', or the override."""
    if decision.kind is DecisionKind.ACCEPT:
        return "as proposed"
    if decision.kind is DecisionKind.DECLINE:
        return "declined"
    parts: list[str] = []
    if decision.alternative:
        parts.append(decision.alternative)
    for name, value in decision.changed_parameters.items():
        before = format_param(name, decision.proposed_parameters.get(name))
        parts.append(f"{param_label(name)} {before} → {format_param(name, value)}")
    return "; ".join(parts) or "override without changes"
