"""Untrusted text: the one set of rules for what may reach a terminal or a file.

Rich ``Text`` and Textual ``Content`` stop markup, but an ESC inside them still
reaches the terminal: an OSC 52 sequence in a ``Text`` set the clipboard in a
trial, and a bidi override flips the rest of the line. So control characters are
made visible (as Unicode control pictures) before any ``Text`` is built, and
long strings are cut first so a 1 MB field costs no more than a short one.

Where each rule is applied:

- ``clean``: every string a backend client returns (``clients/_display.py``
  runs it over each response, so no widget can see a raw one) and every line
  the CLI prints. Widgets use ``safe_text`` on top to bound length.
- ``escape_unsafe``: CSV and JSON Lines files, which keep the data: each unsafe
  character is written as the six characters ``\\uXXXX`` (in JSON Lines that is
  JSON's own escape, so a parser gets the original back).
- ``typed_text``: what a person typed or pasted (the decision note), which is
  stored in the hash-chained log: escape sequences and controls are removed,
  not turned into symbols, so the record holds the words that were meant.
"""

from __future__ import annotations

import re

from rich.cells import cell_len, set_cell_size
from rich.text import Text

ELLIPSIS = "…"
DEFAULT_MAX = 500

# C0 controls, DEL, C1 controls (0x80-0x9f: 0x9b is a one-byte CSI), and the
# Unicode format characters that reorder or hide text: soft hyphen, Arabic
# letter mark, Mongolian vowel separator, zero-width spaces and joiners,
# directional marks, line/paragraph separators, bidi embeddings, overrides and
# isolates, word joiner and invisible operators, BOM, interlinear annotation and
# tag characters.
_FORMAT = (
    "\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069"
    "\ufeff\ufff9-\ufffb\U000e0000-\U000e007f"
)
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_FORMAT}]")
_UNSAFE_KEEP_NEWLINES = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_FORMAT}]")

# A whole escape sequence as a terminal reads it, 7-bit or 8-bit: OSC, DCS,
# SOS, PM and APC strings up to BEL or ST (or the end of the text), CSI with its
# parameters, and two-character ESC sequences.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
)


def _picture(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀..␟, e.g. ESC shows as ␛
    if code == 0x7F:
        return "\u2421"  # ␡
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


def is_clean(text: str, *, multiline: bool = True) -> bool:
    """Whether ``text`` holds nothing ``clean`` would change (length aside)."""
    pattern = _UNSAFE_KEEP_NEWLINES if multiline else _UNSAFE
    return pattern.search(text) is None


def safe_text(
    value: object,
    style: str = "",
    max_len: int | None = DEFAULT_MAX,
    *,
    multiline: bool = False,
) -> Text:
    """A Rich ``Text`` of untrusted ``value``: no markup parsed, no control characters."""
    return Text(clean(value, max_len, multiline=multiline), style=style)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # a tag character: JSON spells it as a surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def escape_unsafe(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control and format character written as ``\\uXXXX``.

    For files a person may ``cat``: nothing acts on the terminal, nothing is
    lost. Characters beyond the BMP (tag characters) are written as a JSON
    surrogate pair, so a JSON parser reads them back exactly.
    """
    pattern = _UNSAFE_KEEP_NEWLINES if keep_newlines else _UNSAFE
    return pattern.sub(_escape, text)


def typed_text(value: str) -> str:
    """What a person typed or pasted, as they meant it: whole escape sequences
    dropped (a pasted coloured line keeps its words, not ``[31m``), then any
    remaining control or format character removed; tabs become spaces and
    surrounding space is trimmed. Newlines are kept."""
    text = _ESCAPE_SEQUENCE.sub("", value).replace("\t", " ").replace("\r\n", "\n")
    return _UNSAFE_KEEP_NEWLINES.sub("", text).strip()


def fit_cells(value: str, width: int) -> str:
    """``value`` padded or cut to exactly ``width`` terminal cells (wide
    characters count two), ending in an ellipsis when cut."""
    if cell_len(value) <= width:
        return set_cell_size(value, width)
    return set_cell_size(value, width - 1) + ELLIPSIS
