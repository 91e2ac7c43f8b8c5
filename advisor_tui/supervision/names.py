"""Who an id is: advisor and customer ids shown (and advisors typed) as names on the
review screen.

The advisor directory comes from the identity backend (``GET /v1/advisors``,
reviewers only, capped); it may be missing, partial or refused, so every id it
does not know is shown as the id itself, never as an error. Typed names are
matched case-insensitively, whole or by the start of a word, and always become
an id, since the decisions backend filters by id.

Customer names come from the customers backend's batched lookup (``GET
/v1/customers?id=…``), a page of the list at a time; until a name is known,
and for a customer the backend does not know, the id is shown. No Textual here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from advisor_tui.contract import AdvisorEntry, Review

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

    def reviewer(self, review: Review) -> str:
        """Who gave ``review``: the directory's name, else the name the decisions
        backend kept with it from the reviewer's identity, else the id."""
        entry = self.by_id.get(review.reviewer_id)
        if entry is not None and entry.display_name:
            return entry.display_name
        return reviewer_name(review)

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


def reviewer_name(review: Review) -> str:
    """Who gave ``review``, without the advisor directory (which advisors may not
    read): the name kept with it from the reviewer's verified identity, else the id
    (reviews recorded before names were kept)."""
    return review.reviewer_name or review.reviewer_id


def _starts_a_word(name: str, start: str) -> bool:
    return name.startswith(start) or any(word.startswith(start) for word in name.split())


@dataclass(frozen=True)
class KnownCustomerNames:
    """The customer names known so far, and the ids the customers backend was asked
    about and does not know (not asked again)."""

    by_id: Mapping[str, str] = field(default_factory=dict)
    unnamed: frozenset[str] = frozenset()

    def name(self, customer_id: str) -> str:
        """The customer's name, or the id while (or if) it is not known."""
        return self.by_id.get(customer_id) or customer_id

    def missing(self, customer_ids: Iterable[str], asking: Collection[str] = ()) -> list[str]:
        """Those of ``customer_ids`` not asked about yet (nor being asked about), each
        once, in order."""
        return [
            i
            for i in dict.fromkeys(customer_ids)
            if i not in self.by_id and i not in self.unnamed and i not in asking
        ]

    def answered(self, asked: Iterable[str], found: Mapping[str, str]) -> KnownCustomerNames:
        """These names added; the ids asked about and not found are known to have none."""
        names = {**self.by_id, **found}
        return KnownCustomerNames(names, self.unnamed | {i for i in asked if i not in names})
