"""Whether a decision still hashes to what the server chained, and where its chain's head is."""

from __future__ import annotations

from advisor_tui.contract.decisions import ChainHead, DecisionView, chain_hash

CHAIN_OK = "chain OK"
CHAIN_BROKEN = "chain BROKEN"


def chain_intact(view: DecisionView) -> bool:
    """Whether the record's stored hash is what its content and predecessor hash to."""
    if view.hash_matched_as_received is not None:
        return view.hash_matched_as_received
    return chain_hash(view.receipt.prev_hash, view.decision) == view.receipt.hash


def chain_status(view: DecisionView) -> str:
    return CHAIN_OK if chain_intact(view) else CHAIN_BROKEN


def head_status(view: DecisionView, head: ChainHead) -> str:
    """How this record sits in its advisor's chain as the server reports it now.

    The record alone proves its own content; the head shows whether anything
    after it was cut away (a head behind the record) or rewritten (a head at
    this record with another hash).
    """
    sequence = view.receipt.sequence
    short = head.head_hash[:12] + "…"
    if head.advisor_id != view.receipt.advisor_id:
        return f"head is for {head.advisor_id}, not this record's advisor"
    if head.count < sequence:
        return f"BROKEN: the head is at #{head.count}, before this record #{sequence}"
    if head.count == sequence:
        if head.head_hash == view.receipt.hash:
            return f"record #{sequence} is the head of the chain ({short})"
        return f"BROKEN: the head #{sequence} has another hash ({short})"
    return f"record #{sequence} of {head.count}; head {short}"
