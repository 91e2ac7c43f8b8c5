"""The boundary where backend text becomes display text.

Every response a client returns passes through ``display_safe``: each string
in it (field values, list items, dict keys and values, at any depth) has its
control, bidi and zero-width characters made visible by ``text.clean``, so no
widget, dialog, notification or export downstream can receive a raw one, and a
new field or panel is covered without anyone remembering to call a function.
Newlines are kept (an event body is multi-line); widgets still bound length and
decide how a newline shows.

Only strings that need it are rebuilt, and a body whose bytes hold no unsafe
character, raw or JSON-escaped (``may_hold_unsafe``), is not walked at all: the
common case costs one regex scan of the body.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel

from advisor_tui.contract.decisions import DecisionView, chain_hash
from advisor_tui.text import clean, is_clean

T = TypeVar("T")

# Every character text.clean changes, as it can appear in a JSON body: raw in
# UTF-8 (C0 but JSON's own whitespace, DEL, C1, soft hyphen, ALM, MVS, ZW*,
# LRM/RLM, LS/PS, bidi embeddings/overrides/isolates, word joiner, BOM,
# interlinear annotation, tags) or as an escape (\b \f \r \t, or \uXXXX in
# those ranges, tags as their surrogate pair). A false match only costs a walk.
_UNSAFE_IN_JSON = re.compile(
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f\xad]|\xd8\x9c|\xe1\xa0\x8e"
    rb"|\xe2\x80[\x8b-\x8f\xa8-\xae]|\xe2\x81[\xa0-\xa9]|\xef\xbb\xbf|\xef\xbf[\xb9-\xbb]"
    rb"|\xf3\xa0[\x80-\x81]"
    rb"|\\[bfrt]|\\u(?:00[01]|007f|00[89]|00ad|061c|180e|200[b-f]|202[89a-e]|206|feff"
    rb"|fff[9ab]|db40)",
    re.IGNORECASE,
)


# Every alternative of ``_UNSAFE_IN_JSON`` begins with one of these bytes; the
# pattern itself (alternation, IGNORECASE) has no fast scan of its own and cost
# ~24 µs per KB, more than validating the body.
_CANDIDATE_START = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\xc2\xd8\xe1\xe2\xef\xf3\\]")
_ASCII_CONTROLS = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def may_hold_unsafe(body: bytes) -> bool:
    """Whether a JSON body might hold a string ``display_safe`` would change.

    Same answer as searching ``_UNSAFE_IN_JSON``, found faster: a body of plain
    ASCII without a backslash can only hold raw controls (one C-level pass);
    otherwise the full pattern is tried only where one of its first bytes is.
    """
    if body.isascii() and b"\\" not in body:
        return len(body.translate(None, _ASCII_CONTROLS)) != len(body)
    return any(_UNSAFE_IN_JSON.match(body, m.start()) for m in _CANDIDATE_START.finditer(body))


def display_safe(value: T) -> T:
    """``value`` with every string in it safe to show; unchanged parts are shared."""
    result: T = _safe(value)
    return result


def _safe(value: Any) -> Any:
    if isinstance(value, str):
        if isinstance(value, Enum) or is_clean(value):
            return value
        return clean(value, None, multiline=True)
    if isinstance(value, BaseModel):
        return _safe_model(value)
    if isinstance(value, list):
        items = [_safe(v) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, dict):
        pairs = [(_safe(k), _safe(v)) for k, v in value.items()]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(pairs, value.items(), strict=True)):
            return value
        return dict(pairs)
    return value


def _safe_model(model: BaseModel) -> BaseModel:
    updates: dict[str, Any] = {}
    for name in type(model).model_fields:
        old = getattr(model, name)
        new = _safe(old)
        if new is not old:
            updates[name] = new
    safe = model.model_copy(update=updates) if updates else model
    if isinstance(safe, DecisionView) and isinstance(model, DecisionView):
        # A hash-chained record: check it against the bytes the server hashed,
        # before cleaning changes them, or a record holding an ESC would read
        # as tampered with.
        safe._hash_matched_as_received = _hash_matches(model)
    return safe


def _hash_matches(view: DecisionView) -> bool:
    try:
        return chain_hash(view.receipt.prev_hash, view.decision) == view.receipt.hash
    except UnicodeEncodeError:
        return False  # a previous hash that is not hex belongs to no chain
