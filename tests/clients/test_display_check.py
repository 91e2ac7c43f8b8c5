"""The quick "might this JSON body hold unsafe text?" check answers exactly as the
full pattern does, on generated bodies mixing every kind of byte it cares about."""

from __future__ import annotations

import json
import random

from advisor_tui.clients._display import _UNSAFE_IN_JSON, is_clean, may_hold_unsafe
from tests.hostile import PAYLOADS

# Pieces a body is built from: plain text, JSON escapes, UTF-8 that is fine
# (£, en dash, emoji) and UTF-8 sharing first bytes with unsafe characters.
PIECES = [
    "plain words ",
    "£12.50",
    "–",
    "’",
    "😀",
    "é",
    '\\"',
    "\\n",
    "\\\\",
    "\\u00e9",
    "\\u00a3",
    "\u00a0",
    "\u2013",
    "\u2122",
    "\ufeff",
    "\u200b",
    "\u202e",
    "\u2066",
    "\u009b",
    "\u00ad",
    "\x1b",
    "\x7f",
    "\\u001b",
    "\\u001B",
    "\\u202e",
    "\\U202E",
    "\\t",
    "\\b",
    "\U000e0001",
    "\u061c",
    "\u180e",
    "\ufff9",
]


def test_the_quick_check_agrees_with_the_full_pattern() -> None:
    rng = random.Random(20261129)
    for _ in range(5000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 8)))
        body = ('{"summary":"' + text + '"}').encode()
        expected = _UNSAFE_IN_JSON.search(body) is not None
        assert may_hold_unsafe(body) is expected, body


def test_every_hostile_string_is_caught_and_plain_bodies_pass() -> None:
    for hostile in (p for p in PAYLOADS if not is_clean(p)):
        assert may_hold_unsafe(json.dumps({"s": hostile}).encode()), hostile
        assert may_hold_unsafe(json.dumps({"s": hostile}, ensure_ascii=False).encode()), hostile
    assert not may_hold_unsafe(json.dumps({"s": "Fibre 2 (up to 74 Mb) £35.99 – ok"}).encode())
    assert not may_hold_unsafe(b'{"s":"plain ascii, no escapes"}')
