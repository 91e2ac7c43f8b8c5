"""Who an id is: advisor ids shown and typed as names on the review screen.

The directory comes from the identity backend (``GET /v1/advisors``, reviewers
only, capped); it may be missing, partial or refused, so every id it does not
know is shown as the id itself, never as an error. Typed names are matched
case-insensitively, whole or by the start of a word, and always become an id,
since the decisions backend filters by id. No Textual here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from advisor_tui.contract import AdvisorEntry

AMBIGUOUS_SHOWN = 4
"""How many candidates an ambiguous name lists before "…"."""


@dataclass(frozen=True)
class AdvisorNames:
    by_id: Mapping[str, AdvisorEntry] = field(default_factory=dict)

    @classmethod
    def of(cls, entries: Iterable[AdvisorEntry]) -> AdvisorNames:
        return cls({entry.id: entry for entry in entries})

    def name(self, advisor_id: str) -> str:
        """The advisor's display name, or the id when the directory does not know it."""
        entry = self.by_id.get(advisor_id)
        return entry.display_name if entry is not None and entry.display_name else advisor_id

    def label(self, advisor_id: str) -> str:
        """'Sam Carter (adv-sam-carter)', or the bare id when the name is not known."""
        name = self.name(advisor_id)
        return advisor_id if name == advisor_id else f"{name} ({advisor_id})"

    def suggestions(self) -> list[str]:
        """Names to complete as the reviewer types, then the ids (for the names shared)."""
        names = sorted({e.display_name for e in self.by_id.values() if e.display_name})
        return names + sorted(self.by_id)

    def resolve(self, typed: str) -> str:
        """The advisor id the reviewer means by ``typed``: an id, a whole name, or the
        start of a name or of one of its words, all ignoring case. Text the directory
        does not know is taken as an id, as typed. ValueError when it could mean
        more than one advisor, naming them."""
        text = typed.strip()
        if not text or text in self.by_id:
            return text
        wanted = text.casefold()
        entries = sorted(self.by_id.values(), key=lambda e: e.id)
        for match in (
            lambda e: e.id.casefold() == wanted,
            lambda e: e.display_name.casefold() == wanted,
            lambda e: _starts_a_word(e.display_name.casefold(), wanted),
        ):
            found = [e for e in entries if match(e)]
            if len(found) == 1:
                return found[0].id
            if found:
                shown = ", ".join(f"{e.display_name} ({e.id})" for e in found[:AMBIGUOUS_SHOWN])
                more = " …" if len(found) > AMBIGUOUS_SHOWN else ""
                raise ValueError(
                    f"advisor: {text!r} could be {len(found)} advisors ({shown}{more}); "
                    "type more of the name, or the id"
                )
        return text


def _starts_a_word(name: str, start: str) -> bool:
    return name.startswith(start) or any(word.startswith(start) for word in name.split())
