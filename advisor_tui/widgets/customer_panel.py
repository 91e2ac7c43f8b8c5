"""Customer panel: identity, products, contract and price changes, circumstances, follow-ups."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from advisor_tui.contract import Backend, CustomerProfile, FollowUpStatus
from advisor_tui.formatting import LONDON, DisplayTime, day, pounds
from advisor_tui.text import clean, safe_text
from advisor_tui.widgets._panel import RenderedPanel
from advisor_tui.widgets._times import display_time


def _line(label: str, value: Text | str, style: str = "") -> Text:
    text = Text(f"{label}: ", style="bold")
    text.append(value if isinstance(value, Text) else safe_text(value, style))
    return text


def render_customer(profile: CustomerProfile, times: DisplayTime = LONDON) -> RenderableType:
    parts: list[RenderableType] = []
    head = safe_text(profile.name, "bold", 80)
    head.append(Text(f"  {profile.segment.value.replace('_', ' ')}", style="dim"))
    parts.append(head)
    parts.append(_line("Account", profile.account_number))
    address = list(profile.address)
    if not any(profile.postcode in line for line in address):
        address.append(profile.postcode)
    parts.append(_line("Address", ", ".join(address)))
    contact = " · ".join([*profile.phones, *profile.emails, *profile.social_handles])
    parts.append(_line("Contact", contact))
    parts.append(_line("Prefers", profile.preferred_channel.value.replace("_", " ")))
    parts.append(_line("Owner", profile.named_owner or "none named"))

    circ = profile.circumstances
    flags: list[Text] = []
    if circ.vulnerable:
        flags.append(Text("VULNERABLE", style="bold reverse red"))
    notes = [*circ.vulnerability_notes, *circ.needs]
    # Said once: a note that already says it ("Wife works from home") makes the flag repeat it.
    if circ.works_from_home and not any("works from home" in n.lower() for n in notes):
        flags.append(Text("works from home", style="bold yellow"))
    if flags or notes:
        line = Text("Circumstances: ", style="bold")
        for flag in flags:
            line.append(flag)
            line.append(" ")
        if notes:
            line.append(safe_text("; ".join(notes), "yellow"))
        parts.append(line)

    products = Table(box=None, show_header=True, pad_edge=False, expand=True)
    products.add_column("Product", ratio=3)
    products.add_column("Number", ratio=2)
    # Never cut a price: the column is as wide as its widest amount.
    products.add_column("£/month", justify="right", no_wrap=True, min_width=9)
    for product in profile.products:
        products.add_row(
            safe_text(product.name, max_len=60),
            safe_text(product.number or "—", max_len=40),
            pounds(product.monthly_price_pence),
        )
    parts.append(products)

    contract = profile.contract
    parts.append(
        _line(
            "Contract",
            f"since {day(contract.started_on)}, ends {day(contract.ends_on)}"
            f" ({contract.minimum_term_months}-month minimum term)",
        )
    )
    for change in contract.price_changes:
        style = "bold red" if change.above_inflation else ""
        text = Text("Price change: ", style="bold")
        text.append(
            f"{day(change.effective_from)} {pounds(change.old_monthly_pence)} → "
            f"{pounds(change.new_monthly_pence)} ({change.rise_percent:+.1f}%"
            f" vs {clean(change.inflation_measure, 20)} {change.inflation_percent:.1f}%)",
            style=style,
        )
        if change.above_inflation:
            text.append(" ABOVE INFLATION", style="bold red")
        parts.append(text)

    open_follow_ups = [f for f in profile.follow_ups if f.status is FollowUpStatus.OPEN]
    if open_follow_ups:
        parts.append(Text("Open follow-ups:", style="bold"))
        for follow_up in sorted(open_follow_ups, key=lambda f: f.due_at):
            line = Text(f"  {times.moment(follow_up.due_at)} ", style="cyan")
            line.append(safe_text(follow_up.owner, "bold", 40))
            line.append(f" by {follow_up.channel.value}: ")
            line.append(safe_text(follow_up.note, max_len=120))
            parts.append(line)
    return Group(*parts)


class CustomerPanel(RenderedPanel[CustomerProfile]):
    BACKEND = Backend.CUSTOMERS
    TITLE = "1 Customer"
    NOUN = "their details"

    async def fetch(self, customer_id: str) -> CustomerProfile:
        return await self.session.profile(customer_id)

    def render_data(self, data: CustomerProfile) -> RenderableType:
        return render_customer(data, display_time(self))
