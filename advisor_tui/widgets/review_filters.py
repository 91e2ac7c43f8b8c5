"""The review screen's filter bar: every filter the decisions backend offers, in two rows.

Filters are read together, so whatever the reviewer typed in several boxes
counts when they press Enter in any of them; a choice in a drop-down applies
at once. The bar only says what the filters are (``Applied``) or what is wrong
with them (``Invalid``); loading is the screen's job.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input, Select

from advisor_tui.contract import ApprovalState, DecisionKind, ReviewState
from advisor_tui.supervision import AdvisorNames, DecisionQuery, day_bounds, parse_day


class ReviewFilters(Vertical):
    DEFAULT_CSS = """
    ReviewFilters { height: auto; }
    ReviewFilters > Horizontal { height: 3; }
    ReviewFilters Input, ReviewFilters Select { width: 1fr; }
    ReviewFilters #f-since, ReviewFilters #f-until { width: 18; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # Set by the screen once the directory answers: the advisor box then
        # takes a name (any case, or the start of one) and filters by its id.
        self.names = AdvisorNames()

    class Applied(Message):
        """The filters as they now stand; ``typed`` when Enter in a box applied them."""

        def __init__(self, query: DecisionQuery, *, typed: bool) -> None:
            super().__init__()
            self.query = query
            self.typed = typed

    class Invalid(Message):
        def __init__(self, problem: str) -> None:
            super().__init__()
            self.problem = problem

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Input(placeholder="advisor name or id", id="f-advisor")
            yield Input(placeholder="team", id="f-team")
            yield Select([(k.value, k) for k in DecisionKind], prompt="any kind", id="f-kind")
            yield Input(placeholder="process step id", id="f-step")
            yield Input(placeholder="reason code", id="f-reason")
        with Horizontal():
            yield Select(
                [("needs approval", True), ("no approval needed", False)],
                prompt="approval needed: any",
                id="f-needs",
            )
            yield Select(
                [(a.value.replace("_", " "), a) for a in ApprovalState],
                prompt="any approval state",
                id="f-approval",
            )
            yield Select(
                [(r.value, r) for r in ReviewState], prompt="any review state", id="f-review"
            )
            yield Input(placeholder="since YYYY-MM-DD", id="f-since")
            yield Input(placeholder="until YYYY-MM-DD", id="f-until")

    def read(self) -> DecisionQuery:
        """The filters as typed, the advisor's name turned into their id; ValueError
        naming the field if a date is not one or a name could be several advisors."""

        def text(widget_id: str) -> str | None:
            return self.query_one(f"#{widget_id}", Input).value.strip() or None

        def choice(widget_id: str) -> Any:
            value = self.query_one(f"#{widget_id}", Select).value
            return None if value is Select.NULL else value

        since_day = parse_day(self.query_one("#f-since", Input).value, "since")
        until_day = parse_day(self.query_one("#f-until", Input).value, "until")
        since, until = day_bounds(since_day, until_day)
        advisor = text("f-advisor")
        return DecisionQuery(
            advisor_id=self.names.resolve(advisor) if advisor else None,
            team=text("f-team"),
            kind=choice("f-kind"),
            step_id=text("f-step"),
            reason_code=text("f-reason"),
            needs_approval=choice("f-needs"),
            approval=choice("f-approval"),
            review_state=choice("f-review"),
            since=since,
            until=until,
        )

    def apply(self, *, typed: bool = False) -> None:
        try:
            query = self.read()
        except ValueError as problem:
            self.post_message(self.Invalid(str(problem)))
            return
        self.post_message(self.Applied(query, typed=typed))

    def set_values(self, values: dict[str, object]) -> None:
        """Clear every filter, set ``values`` (widget id -> value), then apply once."""
        with self.prevent(Select.Changed):
            for field in self.query(Input).results(Input):
                field.value = ""
            for select in self.query(Select).results(Select):
                select.clear()
            for widget_id, value in values.items():
                widget = self.query_one(f"#{widget_id}")
                if isinstance(widget, Select):
                    widget.value = value
                elif isinstance(widget, Input):
                    widget.value = str(value)
        self.apply()

    def clear(self) -> None:
        self.set_values({})

    def focus_first(self) -> None:
        self.query_one("#f-advisor", Input).focus()

    def suggest(self, advisors: Iterable[str], steps: Iterable[str]) -> None:
        """Offer advisor names (and ids) and step ids as completions, ignoring case."""
        self.query_one("#f-advisor", Input).suggester = SuggestFromList(
            advisors, case_sensitive=False
        )
        self.query_one("#f-step", Input).suggester = SuggestFromList(steps, case_sensitive=False)

    @on(Input.Submitted)
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        self.apply(typed=True)

    @on(Select.Changed)
    def _chosen(self, event: Select.Changed) -> None:
        event.stop()
        self.apply()
