"""Contact: every call ends with a follow-up that has a named owner, a channel and a time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from advisor_tui.contract import (
    ActionKind,
    Channel,
    Fact,
    FollowUp,
    FollowUpStatus,
    ParameterSpec,
    ParamType,
)
from advisor_tui.services.actions.regulation import (
    format_uk_date,
    format_uk_moment,
    uk_local,
)
from advisor_tui.services.actions.situation import Draft, Situation, channel_words
from advisor_tui.services.actions.tables import RegulationError, RegulationTables

CONTACT_CHANNELS = (
    Channel.PHONE,
    Channel.SMS,
    Channel.EMAIL,
    Channel.SOCIAL,
    Channel.WEB_CHAT,
    Channel.LETTER,
)


def _open_follow_ups(items: list[FollowUp]) -> list[FollowUp]:
    latest = {item.id: item for item in items}
    return sorted(
        (f for f in latest.values() if f.status is FollowUpStatus.OPEN), key=lambda f: f.due_at
    )


def _next_working_day(day: date, tables: RegulationTables) -> date:
    candidate = day + timedelta(days=1)
    try:
        while not tables.is_working_day(candidate):
            candidate += timedelta(days=1)
    except RegulationError:
        # Beyond the bank-holiday table: a weekday is the best honest default, and
        # the advisor can move it (due_at is editable).
        while candidate.weekday() >= 5:
            candidate += timedelta(days=1)
    return candidate


def follow_up(s: Situation) -> list[Draft]:
    named = s.profile.named_owner
    owner = named or (s.advisor.display_name if s.advisor else "")
    hour = s.bound(ActionKind.FOLLOW_UP, "due_hour_utc")
    local_today = uk_local(s.now).date()
    due_day = _next_working_day(local_today, s.settings.tables)
    due = datetime.combine(due_day, time(hour), tzinfo=UTC)
    preferred = s.profile.preferred_channel
    channel = preferred if preferred in CONTACT_CHANNELS else Channel.PHONE
    why = [
        Fact(
            label="Named owner",
            value=named or "none: the advisor on this call owns it",
            source="customers",
        ),
        Fact(label="Preferred channel", value=preferred.value, source="customers"),
    ]
    for item in _open_follow_ups(s.profile.follow_ups):
        why.append(
            Fact(
                label="Open follow-up",
                value=f"{item.owner} by {item.channel.value}, due {format_uk_moment(item.due_at)}",
                source="customers",
            )
        )
    if s.open_faults:
        why.append(Fact(label="Open faults", value=str(len(s.open_faults)), source="faults"))
        script = (
            f"{owner or 'I'} will get back to you by {channel_words(channel)} on "
            f"{format_uk_moment(due)}, and keep checking until it's fixed and stays fixed."
        )
    else:
        script = (
            f"{owner or 'I'} will check in with you by {channel_words(channel)} on "
            f"{format_uk_moment(due)} to make sure everything is as it should be."
        )
    return [
        Draft(
            kind=ActionKind.FOLLOW_UP,
            subject="next",
            label=f"Follow up by {channel_words(channel)}, {format_uk_moment(due)}"
            + (f" ({owner})" if owner else ""),
            why=why,
            process_step=s.step(ActionKind.FOLLOW_UP),
            parameters=[
                ParameterSpec(
                    name="owner", label="Owner", type=ParamType.TEXT, value=owner, editable=True
                ),
                ParameterSpec(
                    name="due_at",
                    label="Due",
                    type=ParamType.DATETIME,
                    value=due.isoformat().replace("+00:00", "Z"),
                    editable=True,
                ),
                ParameterSpec(
                    name="channel",
                    label="Channel",
                    type=ParamType.CHOICE,
                    value=channel.value,
                    editable=True,
                    choices=[c.value for c in CONTACT_CHANNELS],
                ),
            ],
            script=script,
            working=[
                f"Due: next working day after {format_uk_date(local_today)} at "
                f"{hour:02d}:00 UTC ({format_uk_moment(due)} UK time)"
            ],
        )
    ]
