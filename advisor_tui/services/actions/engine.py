"""Runs every rule family on a ``Situation`` and ranks what they return.

Pure: no HTTP and no clock. ``next_actions_for(situation)`` is what the service
answers with, after it has fetched the situation; tests build situations directly.

Every action carries the facts it rests on (``why``), the process step it
implements, what the advisor may change, an honest ``script``, and the
``working`` of any amount or date, so the screen never shows a figure it cannot
explain.
"""

from __future__ import annotations

from advisor_tui.contract import ActionKind, NextAction, NextActions
from advisor_tui.services.actions.rules import (
    care,
    coaching,
    complaints,
    contact,
    faults,
    money,
    offers,
)
from advisor_tui.services.actions.situation import Draft, Situation

# Rank order of the kinds. Care and wrong answers first (a vulnerable customer, a
# process that says "impossible"), then the truth about the fault, then what is
# owed. A retention offer exists only when nothing is broken, so it never outranks
# a fault; when it does exist it is what the call is about, so it precedes the
# follow-up that closes every list.
ORDER: tuple[ActionKind, ...] = (
    ActionKind.VULNERABILITY_SUPPORT,
    ActionKind.ESCALATE_STEP,
    ActionKind.HONEST_ETA,
    ActionKind.INTERIM_SERVICE,
    ActionKind.AUTOMATIC_COMPENSATION,
    ActionKind.FORMAL_COMPLAINT,
    ActionKind.GOODWILL_CREDIT,
    ActionKind.RETENTION_OFFER,
    ActionKind.FOLLOW_UP,
)


def next_actions_for(situation: Situation) -> NextActions:
    """The ranked next actions for ``situation``."""
    s = situation
    drafts: list[Draft] = []
    drafts += care.vulnerability_support(s)
    drafts += complaints.escalations(s)
    drafts += faults.honest_etas(s)
    drafts += faults.interim_service(s)
    compensation = money.automatic_compensation(s)
    drafts += compensation
    drafts += complaints.formal_complaint(s, owed=bool(compensation))
    drafts += money.goodwill_credit(s)
    drafts += contact.follow_up(s)
    drafts += offers.retention_offer(s)

    drafts.sort(key=lambda d: (ORDER.index(d.kind), d.subject))
    customer_id = s.profile.id
    actions = [
        NextAction(
            id=f"{customer_id}:{d.kind.value}:{d.subject}",
            kind=d.kind,
            rank=rank,
            label=d.label,
            why=d.why,
            process_step=d.process_step,
            parameters=d.parameters,
            script=d.script,
            working=d.working,
        )
        for rank, d in enumerate(drafts, start=1)
    ]
    return NextActions(
        customer_id=customer_id,
        generated_at=s.now,
        actions=actions,
        coaching=coaching.coaching(s, actions),
        facts_missing=list(s.facts_missing),
    )
