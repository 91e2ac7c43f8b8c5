"""Untrusted text: every string from a backend passes through here before display.

Rich ``Text`` and Textual ``Content`` stop markup, but an ESC inside them still
reaches the terminal: an OSC 52 sequence in a ``Text`` set the clipboard in a
trial, and a bidi override flips the rest of the line. So control characters are
made visible (as Unicode control pictures) before any ``Text`` is built, and
long strings are cut first so a 1 MB field costs no more than a short one.
"""

from __future__ import annotations

import re

from rich.text import Text

ELLIPSIS = "…"
DEFAULT_MAX = 500

# C0 controls, DEL, C1 controls (0x80-0x9f: 0x9b is a one-byte CSI), and the
# Unicode format characters that reorder or hide text: bidi embeddings,
# overrides and isolates, directional marks, zero-width joiners/spaces, BOM,
# line/paragraph separators.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)
_UNSAFE_KEEP_NEWLINES = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)


def _picture(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀..␟, e.g. ESC shows as ␛
    if code == 0x7F:
        return "\u2421"  # ␡
    if char == "\t":
        return " "
    return "\ufffd"  # C1 and format characters: the replacement character


def clean(value: object, max_len: int | None = DEFAULT_MAX, *, multiline: bool = False) -> str:
    """Return ``value`` as a string that cannot act on a terminal or a layout.

    Control and format characters become visible symbols; with ``multiline``
    newlines are kept (for an event body), otherwise they are shown as ␊.
    Strings longer than ``max_len`` are cut and end with an ellipsis.
    """
    text = value if isinstance(value, str) else str(value)
    if max_len is not None and len(text) > max_len:
        text = text[: max(max_len - 1, 0)] + ELLIPSIS
    pattern = _UNSAFE_KEEP_NEWLINES if multiline else _UNSAFE
    return pattern.sub(_picture, text)


def safe_text(
    value: object,
    style: str = "",
    max_len: int | None = DEFAULT_MAX,
    *,
    multiline: bool = False,
) -> Text:
    """A Rich ``Text`` of untrusted ``value``: no markup parsed, no control characters."""
    return Text(clean(value, max_len, multiline=multiline), style=style)
