"""Supervision without a UI: chain checks, filters, figures, and export from the server.

The export tests run against the real mock app over ``httpx.ASGITransport``
with 20,000 decisions seeded into its ledger: real paging, real JSON.
"""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from ulid import ULID

from advisor_tui.clients import Backends
from advisor_tui.clients.errors import Forbidden
from advisor_tui.contract import (
    GENESIS_HASH,
    AdvisorEntry,
    ApprovalState,
    ChainHead,
    DecisionFilters,
    DecisionKind,
    DecisionReceipt,
    DecisionStats,
    DecisionView,
    RateBucket,
    RepeatedOverride,
    Review,
    ReviewState,
    Role,
    Verdict,
    chain_hash,
)
from advisor_tui.demo import create_demo_app
from advisor_tui.mock.state import MockState
from advisor_tui.services.decisions.sqlite_ledger import SqliteLedger as DecisionLedger
from advisor_tui.store.export import CSV_COLUMNS
from advisor_tui.supervision import (
    CHAIN_BROKEN,
    CHAIN_OK,
    AdvisorNames,
    DecisionQuery,
    KnownCustomerNames,
    chain_status,
    daily_rates,
    day_bounds,
    done_summary,
    export_server,
    head_status,
    parse_day,
    period_since,
    reviewer_name,
    summarise,
)
from tests.services.decisions.builders import (
    AMY,
    BOB,
    NOW,
    SAM,
    TESS,
    goodwill_override,
    make_decision,
)
from tests.ui.conftest import quick_settings

SEEDED = 20_000


def view_of(decision_kwargs: dict[str, object] | None = None, *, sequence: int = 1) -> DecisionView:
    d = make_decision(AMY, minutes_ago=5, **(decision_kwargs or {}))  # type: ignore[arg-type]
    receipt = DecisionReceipt(
        id=d.id,
        advisor_id=AMY.id,
        sequence=sequence,
        prev_hash=GENESIS_HASH,
        hash=chain_hash(GENESIS_HASH, d),
        recorded_at=NOW,
    )
    return DecisionView(
        decision=d,
        receipt=receipt,
        team=AMY.team,
        approval=ApprovalState.NOT_NEEDED,
        review_state=ReviewState.UNREVIEWED,
    )


# -- the chain --------------------------------------------------------------------


def test_chain_status_recomputes_the_hash() -> None:
    view = view_of()
    assert chain_status(view) == CHAIN_OK
    edited = view.model_copy(
        update={"decision": view.decision.model_copy(update={"free_text": "edited later"})}
    )
    assert chain_status(edited) == CHAIN_BROKEN
    moved = view.model_copy(
        update={"receipt": view.receipt.model_copy(update={"prev_hash": "1" * 64})}
    )
    assert chain_status(moved) == CHAIN_BROKEN


def test_head_status_says_where_the_record_sits() -> None:
    view = view_of(sequence=3)
    digest = view.receipt.hash
    assert "is the head" in head_status(
        view, ChainHead(advisor_id=AMY.id, count=3, head_hash=digest)
    )
    assert "record #3 of 9" in head_status(
        view, ChainHead(advisor_id=AMY.id, count=9, head_hash="a" * 64)
    )
    assert head_status(view, ChainHead(advisor_id=AMY.id, count=2, head_hash="a" * 64)).startswith(
        "BROKEN"
    )
    assert head_status(view, ChainHead(advisor_id=AMY.id, count=3, head_hash="b" * 64)).startswith(
        "BROKEN"
    )


# -- filters and wording --------------------------------------------------------------


def test_days_are_inclusive_and_checked() -> None:
    assert parse_day("", "since") is None
    assert parse_day(" 2026-11-01 ", "since") == date(2026, 11, 1)
    with pytest.raises(ValueError, match="since: '2026-13-01' is not a date"):
        parse_day("2026-13-01", "since")
    since, until = day_bounds(date(2026, 11, 1), date(2026, 11, 26))
    assert since == datetime(2026, 11, 1, tzinfo=UTC)
    assert until == datetime(2026, 11, 27, tzinfo=UTC)  # the backend's until is exclusive
    with pytest.raises(ValueError, match="before since"):
        day_bounds(date(2026, 11, 2), date(2026, 11, 1))


def test_query_describes_itself() -> None:
    assert DecisionQuery().describe() == "none"
    query = DecisionQuery(
        advisor_id="adv-x",
        kind=DecisionKind.OVERRIDE,
        needs_approval=True,
        since=datetime(2026, 11, 1, tzinfo=UTC),
    )
    assert (
        query.describe() == "advisor adv-x · kind override · needs approval yes · since 2026-11-01"
    )
    since, until = day_bounds(date(2026, 11, 1), date(2026, 11, 26))
    assert DecisionQuery(since=since, until=until).describe() == (
        "since 2026-11-01 · until 2026-11-26"
    )
    exact = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    assert DecisionQuery(until=exact).describe() == "until 2026-11-26T09:30:00+00:00"


def test_done_summary() -> None:
    assert done_summary(make_decision(AMY, minutes_ago=1)) == "as proposed"
    declined = make_decision(AMY, minutes_ago=1, kind=DecisionKind.DECLINE)
    assert done_summary(declined) == "declined"
    assert done_summary(goodwill_override(AMY, minutes_ago=1, pence=5000)) == (
        "amount £10.00 → £50.00"
    )
    other = make_decision(
        AMY, minutes_ago=1, kind=DecisionKind.OVERRIDE, alternative="Escalated to porting"
    )
    assert done_summary(other) == "Escalated to porting"


# -- figures -----------------------------------------------------------------------------


def test_summary_ranks_rates_and_fills_days_without_decisions() -> None:
    stats = DecisionStats(
        by_advisor=[
            RateBucket(key="a", decisions=100, overrides=40),
            RateBucket(key="b", decisions=1, overrides=1),
            RateBucket(key="c", decisions=10, overrides=4),
        ],
        by_step=[RateBucket(key="goodwill", decisions=10, overrides=5)],
        by_day=[
            RateBucket(key="2026-11-24", decisions=4, overrides=1),
            RateBucket(key="2026-11-26", decisions=10, overrides=5),
        ],
        repeated_overrides=[
            RepeatedOverride(step_id="s1", step_title="S1", alternative="x", count=2),
            RepeatedOverride(step_id="s2", step_title="S2", alternative="y", count=7),
        ],
    )
    summary = summarise(stats, days=7, today=date(2026, 11, 26))
    assert summary.first_day == date(2026, 11, 20)
    assert (summary.decisions, summary.overrides) == (14, 6)
    assert [b.key for b in summary.by_advisor] == ["b", "a", "c"]  # 40% in 100 beats 40% in 10
    assert summary.daily == [0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.5]
    assert [r.count for r in summary.repeated] == [7, 2]
    assert period_since(7, date(2026, 11, 26)) == datetime(2026, 11, 20, tzinfo=UTC)
    assert daily_rates([], date(2026, 11, 1), 3) == [0.0, 0.0, 0.0]


# -- export from the server ------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20,000 generated decisions plus a few with hostile text, built once."""
    path = tmp_path_factory.mktemp("supervision") / "decisions.sqlite3"
    with DecisionLedger(path) as ledger:
        ledger.bulk_seed(SEEDED, seed=11, advisors=[AMY, BOB, TESS, SAM], now=NOW, days=60)
        hostile = make_decision(
            AMY,
            minutes_ago=1,
            kind=DecisionKind.OVERRIDE,
            alternative="+SUM(A1:A9)",
            free_text='=HYPERLINK("http://evil.example","click")',
            customer_id="@C-hostile",
        )
        hostile = hostile.model_copy(update={"situation": ["-2 days without service"]})
        ledger.record(hostile, AMY, NOW)
    return path


def state_for_export() -> MockState:
    tokens = {"sup": SAM, "adv": AMY}
    return MockState(advisors=tokens, customers={}, clock=lambda: NOW)


@pytest.fixture
async def backends(seeded_db: Path) -> AsyncIterator[dict[str, Backends]]:
    app = create_demo_app(state_for_export(), decisions_db=seeded_db)
    transport = httpx.ASGITransport(app=app)
    made = {
        token: Backends.from_settings(quick_settings(token), transport=transport)
        for token in ("sup", "adv")
    }
    yield made
    for b in made.values():
        await b.aclose()


async def test_csv_export_streams_every_matching_row(
    backends: dict[str, Backends], tmp_path: Path
) -> None:
    client = backends["sup"].decisions
    target = tmp_path / "all.csv"
    tracemalloc.start()
    try:
        with target.open("w", newline="", encoding="utf-8") as out:
            rows = await export_server(client, DecisionQuery(), "csv", out)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == SEEDED + 1
    with target.open(newline="", encoding="utf-8") as written:
        table = list(csv.reader(written))
    assert table[0] == list(CSV_COLUMNS)  # the same columns as the local export
    assert len(table) == SEEDED + 2
    ids = [r[0] for r in table[1:]]
    assert len(set(ids)) == len(ids), "no row twice across pages"
    assert ids == sorted(ids, reverse=True), "newest first"
    assert {r[-1] for r in table[1:]} == {"ok"}, "every record's chain recomputes"
    # Streamed: one 500-row page at a time, measured at ~11 MB with the
    # in-process server's side of each page counted too; holding the whole
    # log measured ~100 MB.
    assert peak < 25_000_000, f"export peaked at {peak / 1e6:.1f} MB"


async def test_csv_export_neutralises_formula_cells(backends: dict[str, Backends]) -> None:
    client = backends["sup"].decisions
    out = io.StringIO(newline="")
    assert await export_server(client, DecisionQuery(customer_id="@C-hostile"), "csv", out) == 1
    header, row = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    cells = dict(zip(header, row, strict=True))
    assert cells["free_text"] == '\'=HYPERLINK("http://evil.example","click")'
    assert cells["alternative"] == "'+SUM(A1:A9)"
    assert cells["customer_id"] == "'@C-hostile"
    assert cells["situation"] == "'-2 days without service"
    # Every cell passed the gate: none would start a formula in a spreadsheet.
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


async def test_filtered_jsonl_export_matches_the_list_total(
    backends: dict[str, Backends],
) -> None:
    client = backends["sup"].decisions
    query = DecisionQuery(kind=DecisionKind.OVERRIDE, since=NOW - timedelta(days=30))
    expected = (
        await client.list(DecisionFilters(kind=query.kind, since=query.since), limit=1)
    ).total
    assert 0 < expected < SEEDED
    out = io.StringIO()
    assert await export_server(client, query, "jsonl", out, page_size=137) == expected
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == expected
    assert all(line["decision"]["kind"] == "override" for line in lines)
    assert all(line["chain"] == "ok" for line in lines)
    assert {"receipt", "team", "approval", "review_state", "reviews"} <= set(lines[0])


async def test_export_refuses_an_unknown_format(backends: dict[str, Backends]) -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        await export_server(backends["sup"].decisions, DecisionQuery(), "xlsx", io.StringIO())  # type: ignore[arg-type]


async def test_an_advisor_exports_only_their_own_log(backends: dict[str, Backends]) -> None:
    client = backends["adv"].decisions
    out = io.StringIO()
    rows = await export_server(client, DecisionQuery(), "jsonl", out)
    assert (
        rows
        == (await backends["sup"].decisions.list(DecisionFilters(advisor_id=AMY.id), limit=1)).total
    )
    assert {json.loads(line)["decision"]["advisor_id"] for line in out.getvalue().splitlines()} == {
        AMY.id
    }
    with pytest.raises(Forbidden):
        await export_server(client, DecisionQuery(advisor_id=BOB.id), "csv", io.StringIO())


# -- advisor names ---------------------------------------------------------------------


def _entry(advisor_id: str, name: str) -> AdvisorEntry:
    return AdvisorEntry(id=advisor_id, display_name=name, team="Team 4", role=Role.ADVISOR)


NAMES = AdvisorNames.of(
    [
        _entry("adv-sam-carter", "Sam Carter"),
        _entry("adv-samira-khan", "Samira Khan"),
        _entry("adv-kevin-doyle", "Kevin Doyle"),
    ]
)


def test_an_id_shows_as_its_name_and_an_unknown_id_as_itself() -> None:
    assert NAMES.name("adv-sam-carter") == "Sam Carter"
    assert NAMES.label("adv-sam-carter") == "Sam Carter (adv-sam-carter)"
    assert NAMES.name("adv-nobody") == "adv-nobody"
    assert NAMES.label("adv-nobody") == "adv-nobody"
    assert AdvisorNames().name("adv-sam-carter") == "adv-sam-carter"


@pytest.mark.parametrize(
    ("typed", "advisor_id"),
    [
        ("adv-kevin-doyle", "adv-kevin-doyle"),
        ("ADV-Kevin-Doyle", "adv-kevin-doyle"),
        ("sam carter", "adv-sam-carter"),
        ("  SAM CARTER ", "adv-sam-carter"),
        ("kev", "adv-kevin-doyle"),
        ("doyle", "adv-kevin-doyle"),
        ("khan", "adv-samira-khan"),
        ("adv-from-elsewhere", "adv-from-elsewhere"),  # not in the directory: an id
    ],
)
def test_a_typed_name_becomes_the_advisor_id(typed: str, advisor_id: str) -> None:
    assert NAMES.resolve(typed) == advisor_id


def test_a_name_that_could_be_several_advisors_is_refused_naming_them() -> None:
    with pytest.raises(ValueError) as refused:
        NAMES.resolve("sam")
    message = str(refused.value)
    assert "could be 2 advisors" in message
    assert "Sam Carter (adv-sam-carter)" in message and "Samira Khan (adv-samira-khan)" in message
    twins = AdvisorNames.of([_entry("adv-a", "Jo Smith"), _entry("adv-b", "jo smith")])
    with pytest.raises(ValueError, match="could be 2 advisors"):
        twins.resolve("Jo Smith")
    assert twins.resolve("adv-b") == "adv-b"


def test_a_reviewer_is_named_by_the_directory_else_by_the_review_else_by_id() -> None:
    """The advisor reads 'Approved by …' without the directory (advisors may not read
    it): the name the decisions backend kept from the approver's identity; a review
    kept before names were reads as the id."""
    kept = Review(
        id=str(ULID()),
        verdict=Verdict.APPROVE,
        decision_id=str(ULID()),
        reviewer_id="adv-kevin-doyle",
        reviewer_name="Kev D.",
        at=NOW,
    )
    old = kept.model_copy(update={"reviewer_name": None})
    assert reviewer_name(kept) == "Kev D." and reviewer_name(old) == "adv-kevin-doyle"
    assert NAMES.reviewer(kept) == NAMES.reviewer(old) == "Kevin Doyle"
    assert AdvisorNames().reviewer(kept) == "Kev D."
    assert AdvisorNames().reviewer(old) == "adv-kevin-doyle"


def test_customer_names_are_known_as_answered_and_ids_until_then() -> None:
    known = KnownCustomerNames()
    assert known.name("cus-outage") == "cus-outage"
    assert known.missing(["cus-a", "cus-b", "cus-a", "cus-c"], asking={"cus-c"}) == [
        "cus-a",
        "cus-b",
    ]
    known = known.answered(["cus-a", "cus-b"], {"cus-a": "Ann Able"})
    assert (known.name("cus-a"), known.name("cus-b")) == ("Ann Able", "cus-b")
    # Neither a name nor an id the backend said it does not know is asked for again.
    assert known.missing(["cus-a", "cus-b", "cus-c"]) == ["cus-c"]


def test_suggestions_are_names_then_ids() -> None:
    assert NAMES.suggestions() == [
        "Kevin Doyle",
        "Sam Carter",
        "Samira Khan",
        "adv-kevin-doyle",
        "adv-sam-carter",
        "adv-samira-khan",
    ]


def test_the_filter_line_names_the_advisor() -> None:
    query = DecisionQuery(advisor_id="adv-sam-carter", kind=DecisionKind.OVERRIDE)
    assert query.describe(NAMES) == "advisor Sam Carter (adv-sam-carter) · kind override"
    assert query.describe() == "advisor adv-sam-carter · kind override"
