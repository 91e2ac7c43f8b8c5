from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from advisor_tui.contract import Channel, ProductKind, Role, Segment
from advisor_tui.mock.scenario import ScenarioError, load_scenarios, load_state
from advisor_tui.mock.state import MockState

from .conftest import NOW

SEED_IDS = {
    "cus-outage",
    "cus-fixed-yesterday",
    "cus-callsign",
    "cus-followup",
    "cus-pricerise",
    "cus-enterprise",
    "cus-vulnerable",
    "cus-bighistory",
}


def customer(cid: str, **extra: Any) -> dict[str, Any]:
    return {
        "profile": {
            "id": cid,
            "account_number": "7000 0000 01",
            "name": "Test Person",
            "segment": "consumer",
            "postcode": "SW1A 1AA",
            "address": ["1 Test Street", "London"],
            "phones": ["020 7946 0000"],
            "emails": [],
            "social_handles": [],
            "products": [
                {"id": "p1", "kind": "landline", "name": "Phone", "monthly_price_pence": 1000}
            ],
            "contract": {"started_on": "2024-01-01", "ends_on": None, "minimum_term_months": 0},
            "circumstances": {},
            "preferred_channel": "phone",
        }
    } | extra


def write(tmp_path: Path, name: str, doc: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


ANCHOR = "2025-01-01T12:00:00Z"


def test_seed_loads_every_scenario(state: MockState) -> None:
    assert set(state.customers) == SEED_IDS
    assert {a.role for a in state.advisors.values()} == set(Role)
    assert {"demo-advisor", "demo-team-lead", "demo-supervisor"} <= set(state.advisors)

    outage = state.customers["cus-outage"]
    assert outage.profile.circumstances.works_from_home
    assert "@ballantyne70" in outage.profile.social_handles
    assert outage.fault_status is not None and outage.fault_status.faults[0].total_loss
    channels = {e.channel for e in outage.history.latest(100)}
    assert {Channel.SOCIAL, Channel.EMAIL, Channel.PHONE} <= channels

    callsign = state.customers["cus-callsign"]
    assert callsign.process_outcomes == {"PS-NUM-RESTORE": "unrecoverable"}
    cs_events = callsign.history.latest(100)
    assert any(e.channel is Channel.COMPLAINT for e in cs_events)
    assert any(e.handled_by.startswith("David") and "restored" in e.summary for e in cs_events)
    assert any("Lisa Harrington" in e.handled_by for e in cs_events)
    assert any(p.kind is ProductKind.CALL_SIGN for p in callsign.profile.products)

    followup = state.customers["cus-followup"]
    assert {f.owner for f in followup.follow_ups} == {"Kevin Doyle", "Natasha Reid"}
    assert followup.profile.named_owner

    price = state.customers["cus-pricerise"].profile
    assert any(p.kind is ProductKind.SPORTS for p in price.products)
    assert all(c.above_inflation for c in price.contract.price_changes)

    enterprise = state.customers["cus-enterprise"].profile
    assert enterprise.segment is Segment.ENTERPRISE and enterprise.named_owner
    assert {ProductKind.LEASED_LINE, ProductKind.SIP_TRUNK} <= {p.kind for p in enterprise.products}

    vulnerable = state.customers["cus-vulnerable"]
    assert vulnerable.profile.circumstances.vulnerable
    assert vulnerable.profile.preferred_channel is Channel.LETTER
    assert vulnerable.notes

    big = state.customers["cus-bighistory"].history
    assert big.get("cus-bighistory-g99999") is not None
    assert big.get("cus-bighistory-g100000") is None


class WallClock:
    """A real-time clock a test can set."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_the_clock_is_pinned_to_the_story_whatever_the_real_date() -> None:
    """The demo's "now" is the seed story's anchor (Thu 12 Jun 2025 10:00 UTC), on
    any real date; real time only makes it run on."""
    for today in (datetime(2026, 11, 29, 17, 0, tzinfo=UTC), datetime(2031, 4, 1, tzinfo=UTC)):
        wall = WallClock(today)
        state = load_state(wall_clock=wall)
        assert state.clock() == NOW
        wall.now = today + timedelta(minutes=5)
        assert state.clock() == NOW + timedelta(minutes=5)
        # The decisions log records real time, not story time.
        assert state.wall_clock() == wall.now
        record = state.customers["cus-outage"]
        assert record.fault_status is not None
        assert record.fault_status.service_lost_since == datetime(2025, 6, 8, 6, 40, tzinfo=UTC)


def test_a_replay_moves_every_time_and_date_by_whole_weeks_of_uk_time() -> None:
    # 200 days and 3 hours later is nearest to 29 weeks (203 days) later, and in
    # winter: UK times of day stay (08:00 BST becomes 08:00 GMT, an hour later in UTC).
    as_of = NOW + timedelta(days=200, hours=3)
    base = load_state().customers["cus-outage"]
    moved = load_state(as_of=as_of).customers["cus-outage"]
    shift = timedelta(weeks=29, hours=1)
    assert base.fault_status and moved.fault_status
    lost = base.fault_status.service_lost_since
    assert lost is not None
    assert moved.fault_status.service_lost_since == lost + shift
    assert moved.fault_status.faults[0].eta_history[2].eta == (
        base.fault_status.faults[0].eta_history[2].eta + shift
    )
    assert moved.history.latest(1)[0].at == base.history.latest(1)[0].at + shift
    assert moved.notes[0].at == base.notes[0].at + shift
    # Dates move too: a contract's dates and price changes keep their place in the story.
    assert moved.profile.contract.started_on == date(2024, 3, 2) + timedelta(weeks=29)
    rise = load_state(as_of=as_of).customers["cus-pricerise"].profile.contract.price_changes
    assert [c.effective_from for c in rise] == [
        date(2025, 3, 31) + timedelta(weeks=29),
        date(2025, 7, 1) + timedelta(weeks=29),
    ]


def test_every_date_field_of_every_model_is_moved() -> None:
    """Generated from the contract: a date or datetime field added to any model is
    moved without anyone listing it."""
    from pydantic import BaseModel

    import advisor_tui.contract as contract
    from advisor_tui.mock.scenario import move_by_weeks

    models = [
        m
        for m in vars(contract).values()
        if isinstance(m, type) and issubclass(m, BaseModel) and m is not BaseModel
    ]
    checked = 0
    for model in models:
        for name, field in model.model_fields.items():
            text = str(field.annotation).lower()
            value: object
            if "datetime.datetime" in text or "awaredatetime" in text:
                value = datetime(2025, 6, 12, 10, tzinfo=UTC)
            elif "datetime.date" in text:
                value = date(2025, 6, 12)
            else:
                continue
            holder = model.model_construct(**{name: value})
            moved = move_by_weeks(holder, 2)
            assert getattr(moved, name) != value, f"{model.__name__}.{name} not moved"
            checked += 1
    assert checked > 20


def test_story_clock_keeps_running() -> None:
    state = load_state()
    first = state.clock()
    assert timedelta(0) <= first - NOW < timedelta(seconds=5)
    assert state.clock() >= first


def test_extra_file_json_and_toml(tmp_path: Path) -> None:
    extra = write(tmp_path, "extra.json", {"anchor": ANCHOR, "customers": [customer("cus-extra")]})
    toml = tmp_path / "more.toml"
    toml.write_text(
        "anchor = 2025-01-01T12:00:00Z\n"
        "[[advisors]]\n"
        'token = "toml-token"\n'
        "[advisors.advisor]\n"
        'id = "adv-toml"\ndisplay_name = "T"\nrole = "advisor"\nteam = "X"\n'
        "[advisors.advisor.permissions]\nmax_goodwill_credit_pence = 0\n"
    )
    state = load_state([extra, toml])
    assert "cus-extra" in state.customers and SEED_IDS <= set(state.customers)
    assert state.advisors["toml-token"].id == "adv-toml"
    only = load_state([extra], include_seed=False)
    assert set(only.customers) == {"cus-extra"} and only.advisors == {}


def test_customer_ids_default_inside_records(tmp_path: Path) -> None:
    doc = {
        "anchor": ANCHOR,
        "customers": [
            customer(
                "cus-x",
                history=[
                    {
                        "id": "h1",
                        "at": "2025-01-01T09:00:00Z",
                        "channel": "phone",
                        "direction": "inbound",
                        "handled_by": "A",
                        "summary": "s",
                    }
                ],
                fault_status={"services": [], "faults": [], "incidents": [], "appointments": []},
            )
        ],
    }
    state = load_state([write(tmp_path, "x.json", doc)], include_seed=False)
    record = state.customers["cus-x"]
    assert record.history.latest(1)[0].customer_id == "cus-x"
    assert record.fault_status is not None and record.fault_status.customer_id == "cus-x"
    # 09:00 at an anchor of 12:00 is three hours before the story's now.
    anchor = datetime(2025, 1, 1, 12, tzinfo=UTC)
    assert record.history.latest(1)[0].at == anchor - timedelta(hours=3)
    assert timedelta(0) <= state.clock() - anchor < timedelta(seconds=5)


def test_bad_field_names_file_record_and_field(tmp_path: Path) -> None:
    bad = customer("cus-bad")
    bad["profile"]["contract"]["started_on"] = "not a date"
    doc = {"anchor": ANCHOR, "customers": [customer("cus-a"), customer("cus-b"), bad]}
    path = write(tmp_path, "broken.json", doc)
    with pytest.raises(ScenarioError) as caught:
        load_state([path])
    message = str(caught.value)
    assert str(path) in message
    assert "customers[2] (id=cus-bad)" in message
    assert "profile.contract.started_on" in message
    assert caught.value.problems[0].field == "profile.contract.started_on"


@pytest.mark.parametrize(
    ("doc", "record", "field"),
    [
        ({"anchor": "2025-01-01T12:00:00"}, "file", "anchor"),  # naive time
        ({"anchor": ANCHOR, "surprise": 1}, "file", "surprise"),
        (
            {"anchor": ANCHOR, "customers": [customer("cus-z", notes=[{"id": "x"}])]},
            "customers[0] (id=cus-z)",
            "notes[0].id",
        ),
        (
            {
                "anchor": ANCHOR,
                "advisors": [
                    {
                        "token": "t",
                        "advisor": {
                            "id": "adv-q",
                            "display_name": "Q",
                            "role": "boss",
                            "team": "T",
                        },
                    }
                ],
            },
            "advisors[0] (id=adv-q)",
            "advisor.role",
        ),
        (
            {
                "anchor": ANCHOR,
                "customers": [
                    customer("cus-h", history_generated={"count": 5}, history=[])
                    | {"history": [{"id": "x"}]}
                ],
            },
            "customers[0] (id=cus-h)",
            "history[0].at",
        ),
    ],
)
def test_each_bad_record_is_named(
    tmp_path: Path, doc: dict[str, Any], record: str, field: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_state([write(tmp_path, "f.json", doc)], include_seed=False)
    problems = caught.value.problems
    assert any(p.record == record and p.field.startswith(field) for p in problems), problems


def test_cross_checks(tmp_path: Path) -> None:
    both = customer("cus-both", history_generated={"count": 5})
    both["history"] = [
        {
            "id": "h",
            "at": ANCHOR,
            "channel": "sms",
            "direction": "outbound",
            "handled_by": "x",
            "summary": "y",
        }
    ]
    with pytest.raises(ScenarioError, match="history_generated"):
        load_state([write(tmp_path, "both.json", {"anchor": ANCHOR, "customers": [both]})])

    unknown_incident = customer(
        "cus-inc",
        fault_status={
            "services": [],
            "faults": [
                {
                    "id": "F1",
                    "product_ids": ["p1"],
                    "summary": "s",
                    "state": "open",
                    "opened_at": ANCHOR,
                    "total_loss": False,
                    "incident_id": "INC-NOPE",
                }
            ],
            "incidents": [],
            "appointments": [],
        },
    )
    with pytest.raises(ScenarioError) as caught:
        load_state(
            [write(tmp_path, "inc.json", {"anchor": ANCHOR, "customers": [unknown_incident]})]
        )
    assert "fault_status.faults[0].incident_id" in str(caught.value)


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    dup_seed = write(
        tmp_path, "dup.json", {"anchor": ANCHOR, "customers": [customer("cus-outage")]}
    )
    with pytest.raises(ScenarioError) as caught:
        load_state([dup_seed])
    message = str(caught.value)
    assert "dup.json" in message and "cus-outage" in message and "seed:" in message

    one = write(tmp_path, "one.json", {"anchor": ANCHOR, "customers": [customer("cus-same")]})
    two = write(tmp_path, "two.json", {"anchor": ANCHOR, "customers": [customer("cus-same")]})
    with pytest.raises(ScenarioError, match="two.json: customers\\[0\\] \\(id=cus-same\\)"):
        load_state([one, two], include_seed=False)

    token = write(
        tmp_path,
        "tok.json",
        {
            "anchor": ANCHOR,
            "advisors": [
                {
                    "token": "demo-advisor",
                    "advisor": {
                        "id": "adv-x",
                        "display_name": "X",
                        "role": "advisor",
                        "team": "T",
                        "permissions": {"max_goodwill_credit_pence": 0},
                    },
                }
            ],
        },
    )
    with pytest.raises(ScenarioError) as caught_token:
        load_state([token])
    assert "advisors[0] (id=adv-x)" in str(caught_token.value)
    assert "demo-advisor" not in str(caught_token.value)  # tokens are secrets


def test_nothing_half_loaded(tmp_path: Path) -> None:
    good = write(tmp_path, "good.json", {"anchor": ANCHOR, "customers": [customer("cus-good")]})
    bad = write(tmp_path, "bad.json", {"anchor": ANCHOR, "customers": [{"profile": {}}]})
    with pytest.raises(ScenarioError) as caught:
        load_scenarios([good, bad])
    assert "bad.json" in str(caught.value)
    # Order does not matter either: the bad file stops everything.
    with pytest.raises(ScenarioError):
        load_state([bad, good])


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("syntax.json", '{"anchor": "2025-01-01T00:00:00Z",\n  "customers": [,]}', "line 2"),
        ("list.json", "[]", "ScenarioFile"),
        ("data.yaml", "anchor: x", "unsupported file type"),
        ("bad.toml", "anchor = = 1", "invalid TOML"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ScenarioError) as caught:
        load_state([path], include_seed=False)
    assert name in str(caught.value)
    if expected != "ScenarioFile":
        assert expected in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read"):
        load_state([tmp_path / "absent.json"])


def test_as_of_must_be_aware() -> None:
    with pytest.raises(ValueError):
        load_state(as_of=datetime(2025, 1, 1))
    assert load_state(as_of=datetime(2025, 1, 1, tzinfo=UTC)).customers
