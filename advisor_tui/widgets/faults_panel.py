"""Faults panel: line status, open and recently resolved faults with their whole ETA
history, incidents, visits.

The point of this panel (seed 003) is that it never shows a slipped ETA as a
promise: when an ETA has moved, it says so before it shows the ETA. A fault
fixed yesterday stays here, marked resolved, with its slips and how long the
loss lasted: the customer calling the day after a fix is often calling about it.
Every time is in the session's display zone, with the zone named.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from advisor_tui.contract import (
    AppointmentStatus,
    Backend,
    Fault,
    FaultState,
    FaultStatus,
    LineState,
)
from advisor_tui.formatting import LONDON, DisplayTime, duration
from advisor_tui.text import safe_text
from advisor_tui.widgets._panel import RenderedPanel
from advisor_tui.widgets._times import display_time

STATE_STYLE = {
    LineState.OK: "bold green",
    LineState.DEGRADED: "bold yellow",
    LineState.DOWN: "bold red",
    LineState.UNKNOWN: "dim",
}


def eta_warning(fault: Fault) -> str | None:
    """The plain sentence an advisor needs when an ETA has moved, or None if it has not."""
    if not fault.eta_history_known:
        # Only the latest ETA came back: it may already have moved many times.
        return "ETA history unknown (the backend gives only the latest ETA); do not quote as firm"
    moves = fault.eta_moves
    if moves == 0:
        return None
    automatic = sum(1 for change in fault.eta_history[1:] if change.automatic)
    how = " (all automatic)" if automatic == moves else ""
    times = "time" if moves == 1 else "times"
    slip = fault.eta_slip
    later = "later" if slip >= timedelta(0) else "earlier"
    moved = f"ETA moved {moves} {times}{how}, {duration(abs(slip))} {later} than first promised"
    if fault.state is FaultState.RESOLVED:
        return moved
    return moved + "; do not quote as firm"


def resolution_line(fault: Fault, times: DisplayTime) -> Text:
    """'Fixed Thu 11 Jun 12:40 BST, last ETA met; service lost 3 days 5 h (from …)'."""
    resolved_at = fault.resolved_at
    if resolved_at is None:
        return Text("Resolved (time of the fix not recorded)", style="bold green")
    text = Text(f"Fixed {times.moment(resolved_at)}", style="bold green")
    eta = fault.current_eta
    if eta is not None:
        late = resolved_at - eta
        if late.total_seconds() <= 0:
            text.append(", last ETA met", style="green")
        else:
            text.append(f", {duration(late)} after the last ETA", style="bold red")
    outage = fault.outage
    if outage is not None:
        started = fault.lost_since or fault.opened_at
        what = "service lost" if fault.lost_since else "open"
        text.append(f"; {what} {duration(outage)} (from {times.moment(started)}")
        if fault.lost_since and fault.lost_since != fault.opened_at:
            text.append(f", reported {times.moment(fault.opened_at)}")
        text.append(")")
    return text


def render_fault(fault: Fault, times: DisplayTime = LONDON) -> RenderableType:
    resolved = fault.state is FaultState.RESOLVED
    parts: list[RenderableType] = []
    title = Text("Fault ", style="dim bold" if resolved else "bold")
    title.append(safe_text(fault.id, "bold", 40))
    title.append(": ")
    title.append(safe_text(fault.summary, max_len=160))
    if resolved:
        title.append("  RESOLVED", style="bold green")
    if fault.total_loss:
        title.append("  TOTAL LOSS", style="dim red" if resolved else "bold red")
    parts.append(title)
    if resolved:
        parts.append(resolution_line(fault, times))
    warning = eta_warning(fault)
    if warning:
        parts.append(Text(f"⚠ {warning}", style="yellow" if resolved else "bold reverse yellow"))
    if not fault.eta_history_known:
        if fault.current_eta is not None:
            parts.append(Text(f"Latest ETA {times.moment(fault.current_eta)}", style="bold"))
    elif fault.eta_history:
        table = Table(box=None, pad_edge=False, show_header=True, expand=True)
        table.add_column("ETA", no_wrap=True)
        table.add_column("set", no_wrap=True)
        table.add_column("by", no_wrap=True)
        table.add_column("why", ratio=1)
        for index, change in enumerate(fault.eta_history):
            latest = index == len(fault.eta_history) - 1
            table.add_row(
                Text(times.moment(change.eta), style="bold" if latest else "strike dim"),
                times.moment(change.changed_at, zone=False),
                "system" if change.automatic else "person",
                safe_text(change.reason, max_len=120),
            )
        parts.append(table)
    elif not resolved:
        parts.append(Text("No ETA given yet.", style="italic"))
    return Group(*parts)


def render_faults(
    status: FaultStatus, now: datetime, times: DisplayTime = LONDON
) -> RenderableType:
    parts: list[RenderableType] = []
    lines = Text()
    for service in status.services:
        lines.append(f"{service.service.value.replace('_', ' ')} ", style="bold")
        lines.append(service.state.value.upper(), style=STATE_STYLE[service.state])
        if service.since and service.state is not LineState.OK:
            lines.append(f" since {times.moment(service.since)}")
        if service.detail:
            lines.append(" — ")
            lines.append(safe_text(service.detail, max_len=100))
        lines.append("\n")
    lines.rstrip()
    parts.append(lines)

    if status.service_lost_since:
        lost = now - status.service_lost_since
        parts.append(
            Text(
                f"Without service {duration(lost)} ({lost.days} full days) since "
                f"{times.moment(status.service_lost_since)}",
                style="bold red",
            )
        )

    open_faults = [f for f in status.faults if f.state is FaultState.OPEN]
    for fault in open_faults:
        parts.append(render_fault(fault, times))
    if not open_faults:
        parts.append(Text("No open faults.", style="green"))
    resolved = sorted(
        (f for f in status.faults if f.state is FaultState.RESOLVED),
        key=lambda f: f.resolved_at or f.opened_at,
        reverse=True,
    )
    if resolved:
        parts.append(Text("Recently resolved", style="bold underline"))
        parts.extend(render_fault(fault, times) for fault in resolved)

    for incident in status.incidents:
        text = Text("Area incident: ", style="bold magenta")
        text.append(incident.cause.value.replace("_", " ").upper(), style="bold")
        text.append(" in ")
        text.append(safe_text(incident.area, max_len=60))
        text.append(
            f", {incident.affected_premises:,} premises, since {times.moment(incident.started_at)}"
        )
        if incident.resolved_at:
            text.append(f", fixed {times.moment(incident.resolved_at)}", style="green")
        text.append("\n  ")
        text.append(safe_text(incident.summary, max_len=200))
        parts.append(text)

    for visit in sorted(status.appointments, key=lambda a: a.starts_at):
        style = (
            "bold red"
            if visit.status in {AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED}
            else ""
        )
        text = Text("Engineer: ", style="bold")
        text.append(f"{times.slot(visit.starts_at, visit.ends_at)} ")
        text.append(visit.status.value.replace("_", " ").upper(), style=style)
        if visit.cancelled_at:
            notice = visit.starts_at - visit.cancelled_at
            text.append(f" (cancelled {duration(notice)} before)")
        text.append(" — ")
        text.append(safe_text(visit.purpose, max_len=100))
        if visit.engineer:
            text.append(" · ")
            text.append(safe_text(visit.engineer, max_len=40))
        parts.append(text)
    return Group(*parts)


class FaultsPanel(RenderedPanel[FaultStatus]):
    BACKEND = Backend.FAULTS
    TITLE = "3 Faults"
    NOUN = "their faults"

    async def fetch(self, customer_id: str) -> FaultStatus:
        return await self.session.fault_status(customer_id)

    def render_data(self, data: FaultStatus) -> RenderableType:
        # The backend's own clock, so "days without service" matches its data.
        return render_faults(data, data.checked_at, display_time(self))
