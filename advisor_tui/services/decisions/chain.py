"""The per-advisor hash chain as the server checks it: on the way in, and in an audit.

On the way in, a client says where its record goes (``Link``: the sequence
and hash of the last receipt it holds for that advisor); the record is stored
only if that is the advisor's current head. In an audit, every stored record
is recomputed from its exact stored bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from advisor_tui.contract.decisions import GENESIS_HASH, ChainAudit, chain_hash_of
from advisor_tui.services.decisions.errors import ChainLinkBroken


@dataclass(frozen=True, slots=True)
class Link:
    """Where the client appends: after ``sequence - 1``, whose hash is ``prev_hash``."""

    sequence: int
    prev_hash: str


def link_hash(prev_hash: str, body: bytes) -> str:
    """The chain hash of a record whose canonical bytes are ``body`` (the contract's rule)."""
    return chain_hash_of(prev_hash, body)


def check_link(advisor_id: str, count: int, head: str, link: Link | None) -> ChainLinkBroken | None:
    """The refusal for a record claiming ``link`` when the advisor's chain is at
    ``count`` with hash ``head``, or None when it fits (or no link was claimed)."""
    if link is None:
        return None
    if link.sequence == count + 1 and link.prev_hash == head:
        return None
    return ChainLinkBroken(advisor_id, count + 1, head, link.prev_hash)


@dataclass(frozen=True, slots=True)
class Checked:
    advisor_id: str
    count: int
    head_hash: str
    first_broken: int | None
    detail: str

    def with_refused(self, refused: int) -> ChainAudit:
        return ChainAudit(
            advisor_id=self.advisor_id,
            count=self.count,
            head_hash=self.head_hash,
            first_broken=self.first_broken,
            detail=self.detail,
            refused_links=refused,
        )


def check_rows(advisor_id: str, rows: Iterable[tuple[int, str, str, str | bytes]]) -> Checked:
    """Recompute a chain from ``(sequence, prev_hash, hash, body)`` rows in sequence order."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    for sequence, prev_hash, digest, body in rows:
        raw = body if isinstance(body, bytes) else body.encode()
        problem = None
        if sequence != expected_seq:
            problem = f"sequence {sequence} where {expected_seq} was expected (a gap or reorder)"
        elif prev_hash != expected_prev:
            problem = f"record #{sequence} does not point at record #{sequence - 1}'s hash"
        elif digest != link_hash(prev_hash, raw):
            problem = f"record #{sequence}'s content does not hash to its stored hash (edited)"
        if problem is not None:
            return Checked(advisor_id, expected_seq - 1, expected_prev, int(sequence), problem)
        expected_prev, expected_seq = digest, expected_seq + 1
    return Checked(advisor_id, expected_seq - 1, expected_prev, None, "chain intact")
