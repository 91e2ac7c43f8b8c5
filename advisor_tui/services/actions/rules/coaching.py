"""Coaching: how to say it (curious, accountable, brave), from the situation and the actions."""

from __future__ import annotations

from collections.abc import Sequence

from advisor_tui.contract import (
    ActionKind,
    AppointmentStatus,
    CoachingHint,
    CoachingValue,
    NextAction,
)
from advisor_tui.services.actions.situation import Situation, times


def coaching(s: Situation, actions: Sequence[NextAction]) -> list[CoachingHint]:
    kinds = {a.kind for a in actions}
    hints: list[CoachingHint] = []
    if ActionKind.ESCALATE_STEP in kinds:
        hints.append(
            CoachingHint(
                value=CoachingValue.BRAVE,
                text="The process says it can't be done. Be brave: check it with someone "
                "who can change it before you repeat it to the customer.",
            )
        )
    appointments = s.status.appointments if s.status is not None else []
    missed = any(
        a.status in (AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED) for a in appointments
    )
    if s.slipped or missed or ActionKind.AUTOMATIC_COMPENSATION in kinds:
        moved = max((f.eta_moves for f in s.slipped), default=0)
        hints.append(
            CoachingHint(
                value=CoachingValue.ACCOUNTABLE,
                text=(
                    f"The fix time has moved {times(moved)}. "
                    if moved
                    else "We missed what we promised. "
                )
                + "Own it: say what you know, what you don't, and when you'll call back.",
            )
        )
    if not hints or s.profile.circumstances.vulnerable or ActionKind.RETENTION_OFFER in kinds:
        hints.append(
            CoachingHint(
                value=CoachingValue.CURIOUS,
                text="Ask what matters most to them today before offering anything; the "
                "record doesn't tell you everything.",
            )
        )
    return hints
