"""deciding.py on its own: reading what an advisor typed, approval limits, building
the record. No Textual, no HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from advisor_tui.contract import (
    ActionKind,
    Advisor,
    DecisionKind,
    Fact,
    NextAction,
    ParameterSpec,
    ParamType,
    Permissions,
    ProcessStepRef,
    ReasonCode,
    ReasonUse,
    Role,
)
from advisor_tui.deciding import (
    InputError,
    allowed_without_approval,
    approval_needed,
    build_decision,
    check_reason,
    follow_up_for,
    format_parameter,
    parse_parameter,
)

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def spec(type_: ParamType, value: object = 0, **extra: object) -> ParameterSpec:
    return ParameterSpec.model_validate(
        {"name": "p", "label": "Amount", "type": type_, "value": value, "editable": True, **extra}
    )


def advisor(limit: int = 2500, steps: list[str] | None = None) -> Advisor:
    return Advisor(
        id="adv-sam-carter",
        display_name="Sam Carter",
        role=Role.ADVISOR,
        team="north",
        permissions=Permissions(max_goodwill_credit_pence=limit, overridable_steps=steps or []),
    )


COMPENSATION = ParameterSpec(
    name="amount_pence",
    label="Compensation",
    type=ParamType.PENCE,
    value=7367,
    editable=True,
    minimum=7367,
    maximum=50000,
    permission_limit="max_goodwill_credit_pence",
)


def action(
    *params: ParameterSpec,
    outcome: str | None = None,
    kind: ActionKind = ActionKind.AUTOMATIC_COMPENSATION,
) -> NextAction:
    return NextAction(
        id="act-1",
        kind=kind,
        rank=1,
        label="Pay compensation",
        why=[Fact(label="Without service", value="9 days", source="faults")],
        process_step=ProcessStepRef(id="comp", version=2, title="Compensation", outcome=outcome),
        parameters=list(params),
    )


CODES = [
    ReasonCode(code="customer_declined", label="Customer declined", applies_to=[ReasonUse.DECLINE]),
    ReasonCode(
        code="other",
        label="Other",
        applies_to=[ReasonUse.DECLINE, ReasonUse.OVERRIDE],
        free_text_required=True,
    ),
]


# -- parse_parameter / format_parameter ---------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "pence"),
    [("12.50", 1250), ("£1,234.5", 123450), (" 7 ", 700), ("0.01", 1)],
)
def test_money_is_read_as_pounds(raw: str, pence: int) -> None:
    assert parse_parameter(spec(ParamType.PENCE), raw) == pence


@pytest.mark.parametrize(
    ("type_", "raw", "problem"),
    [
        (ParamType.PENCE, "twelve", "enter an amount in pounds"),
        (ParamType.PENCE, "1.234", "at most two decimal places"),
        (ParamType.INTEGER, "1.5", "enter a whole number"),
        (ParamType.BOOLEAN, "maybe", "enter yes or no"),
        (ParamType.DATETIME, "tomorrow", "enter a time like"),
        (ParamType.DATETIME, "2026-11-27T10:00", "include the zone"),
        (ParamType.TEXT, "  ", "must not be empty"),
    ],
)
def test_what_cannot_be_read_names_the_field_and_says_how(
    type_: ParamType, raw: str, problem: str
) -> None:
    with pytest.raises(InputError, match=problem) as caught:
        parse_parameter(spec(type_), raw)
    assert caught.value.field == "p"
    assert str(caught.value).startswith("Amount: ")


def test_bounds_are_hard_and_shown_in_the_parameters_own_unit() -> None:
    money = spec(ParamType.PENCE, minimum=100, maximum=5000)
    with pytest.raises(InputError, match="at least £1.00"):
        parse_parameter(money, "0.99")
    with pytest.raises(InputError, match="at most £50.00"):
        parse_parameter(money, "50.01")
    count = spec(ParamType.INTEGER, minimum=1, maximum=3)
    with pytest.raises(InputError, match="at most 3$"):
        parse_parameter(count, "4")


def test_other_types_read_as_typed() -> None:
    assert parse_parameter(spec(ParamType.BOOLEAN, False), "Yes") is True
    assert parse_parameter(spec(ParamType.BOOLEAN, True), "n") is False
    assert parse_parameter(spec(ParamType.DATETIME, ""), "2026-11-27T10:00+00:00") == (
        "2026-11-27T10:00:00Z"
    )
    choice = spec(ParamType.CHOICE, "phone", choices=["phone", "email"])
    assert parse_parameter(choice, "email") == "email"
    with pytest.raises(InputError, match="one of phone, email"):
        parse_parameter(choice, "fax")


@pytest.mark.parametrize(
    ("parameter", "shown"),
    [
        (spec(ParamType.PENCE, 7367), "73.67"),
        (spec(ParamType.BOOLEAN, True), "yes"),
        (spec(ParamType.INTEGER, 3), "3"),
    ],
)
def test_format_parameter_is_the_inverse_of_parse(parameter: ParameterSpec, shown: str) -> None:
    assert format_parameter(parameter) == shown
    assert parse_parameter(parameter, shown) == parameter.value


# -- approval ----------------------------------------------------------------------------


def test_accept_and_decline_never_need_approval() -> None:
    for kind in (DecisionKind.ACCEPT, DecisionKind.DECLINE):
        assert not approval_needed(advisor(), action(COMPENSATION), kind, {}).needed


def test_the_limit_counts_above_what_is_owed_and_says_so() -> None:
    act = action(COMPENSATION)
    # £25 above the £73.67 owed is within the advisor's £25 limit.
    within = approval_needed(advisor(), act, DecisionKind.OVERRIDE, {"amount_pence": 9867})
    assert not within.needed
    beyond = approval_needed(advisor(), act, DecisionKind.OVERRIDE, {"amount_pence": 15000})
    assert beyond.needed and beyond.approver is Role.TEAM_LEAD
    (reason,) = beyond.reasons
    assert reason == (
        "Compensation £150.00 is more than your £25.00 above the £73.67 owed "
        "(up to £98.67 without approval)"
    )
    assert allowed_without_approval(COMPENSATION, advisor()) == (7367, 9867)


def test_a_limit_from_zero_says_the_plain_limit() -> None:
    credit = COMPENSATION.model_copy(update={"minimum": None, "value": 0})
    beyond = approval_needed(
        advisor(), action(credit), DecisionKind.OVERRIDE, {"amount_pence": 3000}
    )
    assert beyond.reasons == ("Compensation £30.00 is above your limit of £25.00",)
    assert allowed_without_approval(credit, advisor()) == (0, 2500)


def test_overriding_a_step_beyond_ones_permission_needs_approval() -> None:
    act = action(COMPENSATION, outcome="unrecoverable")
    blocked = approval_needed(advisor(), act, DecisionKind.OVERRIDE, {})
    assert blocked.needed and "beyond your permission" in blocked.reasons[0]
    allowed = approval_needed(advisor(steps=["comp"]), act, DecisionKind.OVERRIDE, {})
    assert not allowed.needed


# -- reasons and the record -----------------------------------------------------------------


def test_reasons_are_checked_against_the_kind() -> None:
    check_reason(DecisionKind.ACCEPT, None, "", CODES)
    with pytest.raises(InputError, match="Choose a reason for the decline"):
        check_reason(DecisionKind.DECLINE, None, "", CODES)
    with pytest.raises(InputError, match="is not a override reason"):
        check_reason(DecisionKind.OVERRIDE, "customer_declined", "", CODES)
    with pytest.raises(InputError, match="needs a note") as caught:
        check_reason(DecisionKind.OVERRIDE, "other", " ", CODES)
    assert caught.value.field == "free_text"


def test_build_decision_keeps_only_real_changes_and_marks_approval() -> None:
    act = action(COMPENSATION)
    with pytest.raises(InputError, match="Change a parameter"):
        build_decision(
            advisor=advisor(),
            customer_id="C1",
            action=act,
            kind=DecisionKind.OVERRIDE,
            reason_code="other",
            free_text="asked",
            changed={"amount_pence": 7367},
            codes=CODES,
        )
    decision = build_decision(
        advisor=advisor(),
        customer_id="C1",
        action=act,
        kind=DecisionKind.OVERRIDE,
        reason_code="other",
        free_text=" asked for more ",
        changed={"amount_pence": 15000},
        codes=CODES,
        now=NOW,
    )
    assert decision.changed_parameters == {"amount_pence": 15000}
    assert decision.proposed_parameters == {"amount_pence": 7367}
    assert decision.needs_approval and decision.approver_role is Role.TEAM_LEAD
    assert decision.free_text == "asked for more" and decision.decided_at == NOW
    assert decision.situation == ["Without service: 9 days"]


def test_accept_records_no_reason_and_no_changes() -> None:
    decision = build_decision(
        advisor=advisor(),
        customer_id="C1",
        action=action(COMPENSATION),
        kind=DecisionKind.ACCEPT,
        reason_code="other",
        changed={"amount_pence": 1},
    )
    assert decision.reason_code is None and decision.changed_parameters == {}
    assert not decision.needs_approval


def test_a_follow_up_decision_commits_to_its_follow_up() -> None:
    due = ParameterSpec(
        name="due_at",
        label="Due",
        type=ParamType.DATETIME,
        value="2026-11-27T10:00Z",
        editable=True,
    )
    owner = ParameterSpec(name="owner", label="Owner", type=ParamType.TEXT, value="", editable=True)
    act = action(due, owner, kind=ActionKind.FOLLOW_UP)
    accepted = build_decision(
        advisor=advisor(), customer_id="C1", action=act, kind=DecisionKind.ACCEPT
    )
    follow_up = follow_up_for(accepted, advisor())
    assert follow_up is not None
    assert follow_up.id == accepted.id, "the same decision never creates two follow-ups"
    assert follow_up.owner == "Sam Carter" and follow_up.due_at == datetime(
        2026, 11, 27, 10, tzinfo=UTC
    )
    declined = build_decision(
        advisor=advisor(),
        customer_id="C1",
        action=act,
        kind=DecisionKind.DECLINE,
        reason_code="customer_declined",
        codes=CODES,
    )
    assert follow_up_for(declined, advisor()) is None
