"""JSON for a terminal: every string from a backend is untrusted.

``json.dumps`` escapes C0 controls but leaves DEL, C1 controls (0x9b is a
one-byte CSI), bidi overrides, zero-width characters and line separators raw,
and any of those reaching a terminal can act on it or reorder what is shown.
Here every character in Unicode's control, format, separator, surrogate or
unassigned categories is written as a ``\\uXXXX`` escape, so the output is
still exactly the same JSON to a parser, and ordinary letters (``é``, ``ł``)
stay readable. The output is UTF-8, as RFC 8259 requires.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, BinaryIO

from pydantic import BaseModel

# Categories that never stand for a visible letter: Cc controls, Cf format
# (bidi embeddings/overrides/isolates, zero-width space/joiners, BOM), Zl/Zp
# line and paragraph separators, Cs lone surrogates (not even encodable),
# Co private use and Cn unassigned (whatever they become, not text we trust).
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
# json.dumps has escaped " \\ and every C0 control inside strings already, so
# the only raw newline left is the indentation's own; only what is outside
# printable ASCII and newline needs looking at, which keeps ASCII output fast.
_OUTSIDE_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e\n]")


def _escape_char(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _escape_unsafe(match: re.Match[str]) -> str:
    char = match.group()
    if unicodedata.category(char) in _UNSAFE_CATEGORIES:
        return _escape_char(char)
    return char


def escape_unsafe(text: str) -> str:
    """``text`` (already JSON) with every unsafe character as a ``\\uXXXX`` escape."""
    return _OUTSIDE_PRINTABLE_ASCII.sub(_escape_unsafe, text)


def to_jsonable(value: Any) -> Any:
    """Contract models, and dicts and lists holding them, as plain JSON values."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {key: to_jsonable(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def dumps(value: Any, *, indent: int | None = None) -> str:
    """Terminal-safe JSON text of ``value`` (contract models included)."""
    return escape_unsafe(json.dumps(to_jsonable(value), ensure_ascii=False, indent=indent))


def write_document(out: BinaryIO, value: Any) -> None:
    """One JSON document, indented, then a newline."""
    out.write(dumps(value, indent=2).encode() + b"\n")
    out.flush()


def write_lines(out: BinaryIO, values: list[Any]) -> None:
    """JSON Lines: one compact document per value; flushed so a pipe sees each page."""
    out.write(b"".join(dumps(v).encode() + b"\n" for v in values))
    out.flush()
