"""The process-step catalogue: which step (id, version) each action implements, and its limits.

Data shipped beside this module (``process_steps.toml``), validated once when first
read. The rules look steps up here instead of spelling ids, versions and bounds
in code, so a new version of a step is a data change.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from advisor_tui.contract import ActionKind, ProcessStepRef

SHIPPED_FILE = "process_steps.toml"


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepEntry(_Row):
    id: str = Field(min_length=1)
    version: int = Field(ge=1)
    title: str = Field(min_length=1)

    def ref(self) -> ProcessStepRef:
        return ProcessStepRef(id=self.id, version=self.version, title=self.title)


class ActionStep(StepEntry):
    kind: ActionKind
    permission_limit: str | None = None
    bounds: dict[str, int] = Field(default_factory=dict)


class Catalogue(_Row):
    steps: tuple[ActionStep, ...]
    outcome_steps: tuple[StepEntry, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> Self:
        kinds = [s.kind for s in self.steps]
        if len(set(kinds)) != len(kinds):
            raise ValueError("each action kind may have one step")
        ids = [s.id for s in (*self.steps, *self.outcome_steps)]
        if len(set(ids)) != len(ids):
            raise ValueError("step ids must be unique")
        return self

    def step(self, kind: ActionKind) -> ActionStep:
        for entry in self.steps:
            if entry.kind is kind:
                return entry
        raise KeyError(f"no process step for {kind.value}")

    def ref(self, kind: ActionKind) -> ProcessStepRef:
        return self.step(kind).ref()

    def bound(self, kind: ActionKind, name: str) -> int:
        try:
            return self.step(kind).bounds[name]
        except KeyError:
            raise KeyError(f"process step for {kind.value} has no bound {name!r}") from None

    def outcome_step(self, step_id: str) -> ProcessStepRef:
        """The catalogue's entry for ``step_id``; an unknown step is still named.

        Naming it by id is better than dropping it, and version 1 is what a step
        without a catalogue entry is taken to be.
        """
        for entry in self.outcome_steps:
            if entry.id == step_id:
                return entry.ref()
        return ProcessStepRef(id=step_id, version=1, title=f"Process step {step_id}")


@functools.cache
def catalogue() -> Catalogue:
    text = resources.files(__package__).joinpath(SHIPPED_FILE).read_text(encoding="utf-8")
    return Catalogue.model_validate(tomllib.loads(text))
