"""Scenario files: the mock backends' data, validated by the contract.

Format (JSON, or TOML by the ``.toml`` extension), one ``ScenarioFile``::

    anchor: datetime            # the moment every time in the file is written against
    advisors: [{token, advisor: Advisor}]
    incidents: [AreaIncident]
    customers: [{
        profile: CustomerProfile,
        history: [HistoryEvent]                    # or
        history_generated: {count, seed, end?},    # events made on demand
        fault_status: FaultStatus | null,
        notes: [Note],
        process_outcomes: {step_id: outcome},
    }]

Time. A file's ``anchor`` is the moment its story is told at: its "now". The
mock's clock is **pinned** to the story, not to the real date: it starts at the
anchor and runs on at real speed, so the seed scenarios give the same actions,
ETAs and compensation (same weekdays, same rates, same bank holidays, same
ombudsman rule) on whatever day the demo runs, and the demo says which date it
is showing. Files with different anchors, or a request to replay the story in
another week (``as_of``), are moved by **whole weeks** of UK wall-clock time, so
weekdays and times of day stay true to the written texts ("2pm tomorrow",
"Text (Sunday)"); every datetime *and* date in every contract model is moved
(``move_by_weeks`` walks the models, so a new field is moved too). A replay in
another week may then cross an April rate change or a bank holiday: that is the
price of asking for it, and why the default is the story's own week.

``customer_id`` inside a customer's records
defaults to ``profile.id`` and ``fault_status.checked_at`` to the anchor, so
files need not repeat them. Customer ids, advisor tokens and incident ids are
unique across all files loaded together.

``load_state`` validates every file before building anything, and a bad file
raises ``ScenarioError`` naming the file, the record and the field.
"""

from __future__ import annotations

import copy
import json
import random
import tomllib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from advisor_tui.contract import (
    Advisor,
    AreaIncident,
    CustomerProfile,
    FaultStatus,
    HistoryEvent,
    Note,
    UtcDatetime,
    utcnow,
)
from advisor_tui.mock.history import GeneratedHistory, ListHistory
from advisor_tui.mock.state import CustomerRecord, HistorySource, MockState
from advisor_tui.text import clean

_T = TypeVar("_T")

SEED_PACKAGE = "advisor_tui.mock"
SEED_FOLDER = "scenarios"


class _ScenarioModel(BaseModel):
    # Unknown keys are mistakes in a hand-written file; say so rather than ignore.
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioAdvisor(_ScenarioModel):
    token: str = Field(min_length=1, description="Bearer token that identifies this advisor.")
    advisor: Advisor


class GeneratedHistorySpec(_ScenarioModel):
    count: int = Field(ge=0, le=10_000_000)
    seed: int = 0
    end: UtcDatetime | None = Field(
        default=None, description="Time of the newest event; defaults to the anchor."
    )


class ScenarioCustomer(_ScenarioModel):
    profile: CustomerProfile
    history: list[HistoryEvent] = Field(default_factory=list)
    history_generated: GeneratedHistorySpec | None = None
    fault_status: FaultStatus | None = None
    notes: list[Note] = Field(default_factory=list)
    process_outcomes: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioCustomer:
        if self.history and self.history_generated is not None:
            raise ValueError("history and history_generated: give one or the other")
        cid = self.profile.id
        owners = [
            *(f"history[{i}]" for i, e in enumerate(self.history) if e.customer_id != cid),
            *(f"notes[{i}]" for i, n in enumerate(self.notes) if n.customer_id != cid),
            *(
                f"profile.follow_ups[{i}]"
                for i, f in enumerate(self.profile.follow_ups)
                if f.customer_id != cid
            ),
        ]
        if self.fault_status is not None and self.fault_status.customer_id != cid:
            owners.append("fault_status")
        if owners:
            raise ValueError(f"{', '.join(owners)}: customer_id differs from profile.id {cid!r}")
        seen: set[str] = set()
        for i, event in enumerate(self.history):
            if event.id in seen:
                raise ValueError(f"history[{i}].id: duplicate event id {event.id!r}")
            seen.add(event.id)
        return self


class ScenarioFile(_ScenarioModel):
    anchor: UtcDatetime
    advisors: list[ScenarioAdvisor] = Field(default_factory=list)
    incidents: list[AreaIncident] = Field(default_factory=list)
    customers: list[ScenarioCustomer] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _fill_defaults(cls, data: Any) -> Any:
        """Fill in what a file may leave out (see the module docstring)."""
        if not isinstance(data, dict):
            return data
        data = copy.deepcopy(data)  # never edit the caller's parsed file
        anchor = data.get("anchor")
        for customer in data.get("customers") or []:
            if not isinstance(customer, dict) or not isinstance(customer.get("profile"), dict):
                continue
            profile = customer["profile"]
            cid = profile.get("id")
            if not isinstance(cid, str):
                continue
            nested = [
                *(customer.get("history") or []),
                *(customer.get("notes") or []),
                *(profile.get("follow_ups") or []),
            ]
            for item in nested:
                if isinstance(item, dict):
                    item.setdefault("customer_id", cid)
            status = customer.get("fault_status")
            if isinstance(status, dict):
                status.setdefault("customer_id", cid)
                if anchor is not None:
                    status.setdefault("checked_at", anchor)
        return data


@dataclass(frozen=True)
class ScenarioProblem:
    record: str
    field: str
    message: str


class ScenarioError(Exception):
    """A scenario file that cannot be loaded; ``str()`` names file, record and field."""

    def __init__(self, source: str, problems: Sequence[ScenarioProblem]) -> None:
        self.source = source
        self.problems = list(problems)
        # Record ids, keys and pydantic's messages quote the file's own text,
        # which may hold escape sequences; the message is printed to a terminal.
        lines = [clean(f"{source}: {p.record}: {p.field}: {p.message}", 600) for p in self.problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class _Source:
    name: str
    read: Callable[[], bytes]
    suffix: str


def _seed_sources() -> list[_Source]:
    folder = resources.files(SEED_PACKAGE).joinpath(SEED_FOLDER)
    files: list[Traversable] = sorted(
        (f for f in folder.iterdir() if f.name.endswith(".json") and f.is_file()),
        key=lambda f: f.name,
    )
    return [_Source(name=f"seed:{f.name}", read=f.read_bytes, suffix=".json") for f in files]


def _path_source(path: Path) -> _Source:
    return _Source(name=str(path), read=path.read_bytes, suffix=path.suffix.lower())


def _parse(source: _Source) -> Any:
    def fail(message: str) -> ScenarioError:
        return ScenarioError(source.name, [ScenarioProblem("file", "(whole file)", message)])

    if source.suffix not in (".json", ".toml"):
        raise fail(f"unsupported file type {source.suffix or '(none)'!r}; use .json or .toml")
    try:
        raw = source.read()
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if source.suffix == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise fail(f"invalid TOML: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc


_RECORD_KEYS: dict[str, tuple[str, ...]] = {
    "customers": ("profile", "id"),
    "advisors": ("advisor", "id"),
    "incidents": ("id",),
}


def _dig(data: Any, keys: Sequence[str | int]) -> Any:
    for key in keys:
        if isinstance(key, int) and isinstance(data, list) and 0 <= key < len(data):
            data = data[key]
        elif isinstance(key, str) and isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data


def record_label(data: Any, section: str, index: int) -> str:
    """``customers[2] (id=cus-outage)``; advisors are named by id, never by token."""
    keys = _RECORD_KEYS.get(section)
    ident = _dig(data, [section, index, *keys]) if keys else None
    return f"{section}[{index}]" + (f" (id={ident})" if isinstance(ident, str) else "")


def _field_path(loc: Sequence[str | int]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _problems(data: Any, exc: ValidationError) -> list[ScenarioProblem]:
    problems = []
    for error in exc.errors():
        loc = list(error["loc"])
        if len(loc) >= 2 and isinstance(loc[0], str) and isinstance(loc[1], int):
            record = record_label(data, loc[0], loc[1])
            rest = loc[2:]
        else:
            record, rest = "file", loc
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(ScenarioProblem(record, _field_path(rest) or "(record)", message))
    return problems


def _validate(source: _Source) -> ScenarioFile:
    data = _parse(source)
    try:
        return ScenarioFile.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source.name, _problems(data, exc)) from exc


def _check_unique(loaded: Sequence[tuple[_Source, ScenarioFile]]) -> None:
    """Ids must be unique across files: a later file silently replacing a seed
    customer would be a scenario nobody wrote."""
    first: dict[tuple[str, str], str] = {}

    def claim(kind: str, key: str, where: str, source: _Source, record: str, field: str) -> None:
        if (kind, key) in first:
            # Tokens are secrets: the records are named, the value is not.
            shown = "" if kind == "advisor token" else f" {key!r}"
            raise ScenarioError(
                source.name,
                [
                    ScenarioProblem(
                        record, field, f"duplicate {kind}{shown}, first in {first[kind, key]}"
                    )
                ],
            )
        first[kind, key] = where

    for source, scenario in loaded:
        for i, customer in enumerate(scenario.customers):
            record = f"customers[{i}] (id={customer.profile.id})"
            claim(
                "customer id",
                customer.profile.id,
                f"{source.name} {record}",
                source,
                record,
                "profile.id",
            )
        for i, adv in enumerate(scenario.advisors):
            record = f"advisors[{i}] (id={adv.advisor.id})"
            claim("advisor token", adv.token, f"{source.name} {record}", source, record, "token")
        for i, incident in enumerate(scenario.incidents):
            record = f"incidents[{i}] (id={incident.id})"
            claim("incident id", incident.id, f"{source.name} {record}", source, record, "id")

    known = {key for kind, key in first if kind == "incident id"}
    for source, scenario in loaded:
        for i, customer in enumerate(scenario.customers):
            if customer.fault_status is None:
                continue
            local = {inc.id for inc in customer.fault_status.incidents}
            for j, fault in enumerate(customer.fault_status.faults):
                if fault.incident_id and fault.incident_id not in known | local:
                    raise ScenarioError(
                        source.name,
                        [
                            ScenarioProblem(
                                f"customers[{i}] (id={customer.profile.id})",
                                f"fault_status.faults[{j}].incident_id",
                                f"unknown incident {fault.incident_id!r}",
                            )
                        ],
                    )


STORY_ZONE = ZoneInfo("Europe/London")
"""The scenarios are UK stories: a move keeps their UK wall-clock times of day."""

WEEK = timedelta(weeks=1)


def weeks_between(start: datetime, end: datetime) -> int:
    """The whole number of weeks that moves ``start`` nearest to ``end``."""
    return round((end - start) / WEEK)


def move_by_weeks(value: _T, weeks: int) -> _T:
    """``value`` with every datetime and date inside it moved by ``weeks`` weeks.

    Datetimes move in UK wall-clock time, so 08:00 on a Tuesday in June (BST)
    lands on 08:00 on a Tuesday in December (GMT). Walks pydantic models,
    lists, tuples and dicts, so any date field of any contract model moves.
    """
    if weeks == 0:
        return value
    return _move(value, timedelta(weeks=weeks))  # type: ignore[no-any-return]


def _move(value: Any, delta: timedelta) -> Any:
    # datetime is a subclass of date, so it must be tested first.
    if isinstance(value, datetime):
        wall = value.astimezone(STORY_ZONE).replace(tzinfo=None) + delta
        return wall.replace(tzinfo=STORY_ZONE).astimezone(value.tzinfo)
    if isinstance(value, date):
        return value + delta
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        updates = {k: _move(v, delta) for k, v in vars(value).items() if k in fields}
        # model_copy skips validation, which is safe here: only aware datetimes
        # and dates changed, and they keep their types and zones.
        return value.model_copy(update=updates)
    if isinstance(value, list):
        return [_move(v, delta) for v in value]
    if isinstance(value, tuple):
        return tuple(_move(v, delta) for v in value)
    if isinstance(value, dict):
        return {k: _move(v, delta) for k, v in value.items()}
    return value


def _history(customer: ScenarioCustomer, now: datetime) -> HistorySource:
    spec = customer.history_generated
    if spec is not None:
        return GeneratedHistory(customer.profile.id, spec.count, spec.seed, spec.end or now)
    return ListHistory(customer.history)


def story_clock(
    story_now: datetime, wall_clock: Callable[[], datetime] = utcnow
) -> Callable[[], datetime]:
    """A clock that starts at ``story_now`` and runs at the speed of ``wall_clock``:
    the scenario's times read as written, and records made later (notes,
    follow-ups) still get later times."""
    started = wall_clock()
    return lambda: story_now + (wall_clock() - started)


def story_now(scenarios: Sequence[ScenarioFile], as_of: datetime | None = None) -> datetime:
    """The moment the loaded story is told at: the latest anchor, or, to replay it
    in another week, that anchor moved by whole weeks nearest ``as_of``."""
    if not scenarios:
        return as_of if as_of is not None else utcnow()
    latest = max(s.anchor for s in scenarios)
    if as_of is None:
        return latest
    return move_by_weeks(latest, weeks_between(latest, as_of))


def iter_sources(paths: Sequence[Path], include_seed: bool) -> Iterator[_Source]:
    if include_seed:
        yield from _seed_sources()
    for path in paths:
        yield _path_source(Path(path))


def load_scenarios(
    paths: Sequence[Path] = (), *, include_seed: bool = True
) -> list[tuple[str, ScenarioFile]]:
    """Every file parsed and validated, unshifted; raises on the first bad file."""
    loaded = [(source, _validate(source)) for source in iter_sources(paths, include_seed)]
    _check_unique(loaded)
    return [(source.name, scenario) for source, scenario in loaded]


def load_state(
    paths: Sequence[Path] = (),
    *,
    include_seed: bool = True,
    as_of: datetime | None = None,
    seed: int = 0,
    wall_clock: Callable[[], datetime] = utcnow,
) -> MockState:
    """The seed scenarios (unless ``include_seed=False``) plus ``paths``, as a MockState.

    Every file is validated and cross-checked before any state is built, so an
    error leaves nothing half-loaded. The clock is pinned to the story (see the
    module docstring); ``as_of`` replays the story in the week nearest that
    moment instead. ``wall_clock`` is the real clock, only ever used for how
    much time has passed (and for the decisions log); ``seed`` seeds the
    fault-injection random source.
    """
    if as_of is not None and as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    scenarios = load_scenarios(paths, include_seed=include_seed)
    moment = story_now([s for _, s in scenarios], as_of)

    advisors: dict[str, Advisor] = {}
    incidents: dict[str, AreaIncident] = {}
    customers: dict[str, CustomerRecord] = {}
    for _, scenario in scenarios:
        shifted = move_by_weeks(scenario, weeks_between(scenario.anchor, moment))
        advisors.update({a.token: a.advisor for a in shifted.advisors})
        incidents.update({i.id: i for i in shifted.incidents})
        for customer in shifted.customers:
            profile = customer.profile
            customers[profile.id] = CustomerRecord(
                # Follow-ups move to the record, the one list POSTs append to.
                profile=profile.model_copy(update={"follow_ups": []}),
                history=_history(customer, moment),
                fault_status=customer.fault_status,
                notes=list(customer.notes),
                follow_ups=list(profile.follow_ups),
                process_outcomes=dict(customer.process_outcomes),
            )
    return MockState(
        advisors=advisors,
        customers=customers,
        incidents=incidents,
        clock=story_clock(moment, wall_clock),
        wall_clock=wall_clock,
        rng=random.Random(seed),
    )
