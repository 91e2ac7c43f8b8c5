"""The one sanitiser every panel uses: nothing from a backend may act on the terminal."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from advisor_tui.text import ELLIPSIS, clean, is_clean, safe_text

HOSTILE = [
    "[@click=app.quit]x[/]",
    "[link=http://e]ok[/]",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "\x9b2J",
    "\x1b[2J\x1b[H",
    "abc\u202edef",
    "tab\there\rreturn\x00nul\x7fdel",
    "[bold]unclosed",
    "[/]",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_clean_leaves_no_control_or_bidi_characters(value: str) -> None:
    out = clean(value)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in out)
    assert "\u202e" not in out


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_text_renders_markup_literally_and_emits_no_escape_from_the_value(value: str) -> None:
    console = Console(color_system=None, force_terminal=False, width=200, record=True)
    console.print(safe_text(value))
    out = console.export_text()
    assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
    if value.startswith("[@click"):
        assert "[@click=app.quit]x[/]" in out  # shown, not acted on


def test_control_characters_become_visible_pictures() -> None:
    assert clean("\x1b]52;c;ZXZpbA==\x07") == "␛]52;c;ZXZpbA==␇"
    assert clean("a\nb") == "a␊b"
    assert clean("a\nb", multiline=True) == "a\nb"
    assert clean("\x9b2J") == "\ufffd2J"


def test_one_megabyte_string_is_cut_with_an_ellipsis() -> None:
    huge = "\x1b" * 10 + "A" * 1_000_000
    out = clean(huge, 200)
    assert len(out) == 200 and out.endswith(ELLIPSIS)
    assert out.startswith("␛" * 10)


def test_non_strings_are_shown_as_text() -> None:
    assert clean(42) == "42"


def test_the_client_fast_path_sees_every_unsafe_character_in_json() -> None:
    """A response body is only walked when it may hold something ``clean`` would
    change; that check must miss nothing, raw or escaped, in either case of hex."""
    from advisor_tui.clients._display import may_hold_unsafe

    unsafe = [chr(c) for c in [*range(0x10000), *range(0xE0000, 0xE0080)] if not is_clean(chr(c))]
    assert len(unsafe) > 100
    for char in unsafe:
        for ensure_ascii in (True, False):
            body = json.dumps({"a": f"x{char}y"}, ensure_ascii=ensure_ascii)
            assert may_hold_unsafe(body.encode("utf-8", "surrogatepass")), repr(char)
            assert may_hold_unsafe(body.upper().encode("utf-8", "surrogatepass")), repr(char)
    assert not may_hold_unsafe(json.dumps({"a": "plain £ text\nwith a newline"}).encode())
