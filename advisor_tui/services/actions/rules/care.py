"""Care: a vulnerable customer's support needs come before anything else on the call."""

from __future__ import annotations

from advisor_tui.contract import ActionKind, Fact, ParameterSpec
from advisor_tui.services.actions.situation import Draft, Situation, bool_param


def vulnerability_support(s: Situation) -> list[Draft]:
    circ = s.profile.circumstances
    if not circ.vulnerable:
        return []
    why = [Fact(label="Vulnerable", value="yes", source="customers")]
    why += [
        Fact(label="Vulnerability note", value=n, source="customers")
        for n in circ.vulnerability_notes
    ]
    why += [Fact(label="Need", value=n, source="customers") for n in circ.needs]
    params: list[ParameterSpec] = []
    if s.down_faults:
        why.append(Fact(label="Open fault", value=s.down_faults[0].summary, source="faults"))
        params.append(bool_param("priority_repair", "Ask for a priority repair"))
    return [
        Draft(
            kind=ActionKind.VULNERABILITY_SUPPORT,
            subject="support",
            label="Check support needs first: vulnerable customer"
            + (" without service" if s.down_faults else ""),
            why=why,
            process_step=s.step(ActionKind.VULNERABILITY_SUPPORT),
            parameters=params,
            script="Before we go on, is there anything that would make this easier for you, "
            "or anyone you'd like us to talk to as well?",
        )
    ]
