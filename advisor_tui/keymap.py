"""Key remapping from config: binding id -> keys, checked before the app starts.

Shortcuts clash with terminals, multiplexers and non-English keyboards, so every
binding has an id and the config file may rebind it (Textual's ``set_keymap``).
A mapping to an unknown id or an unreadable key is an error naming the entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from textual.binding import Binding

_MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
_KEY = re.compile(rf"^(?:(?:{'|'.join(_MODIFIERS)})\+)*(?:[a-z0-9_]+|[^\s,+])$")


class KeymapError(ValueError):
    pass


def binding_ids(classes: Iterable[type]) -> dict[str, str]:
    """Every binding id declared by ``classes``, with its description."""
    found: dict[str, str] = {}
    for cls in classes:
        for binding in getattr(cls, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                found[binding.id] = binding.description or binding.action
    return found


def validate_keymap(keymap: Mapping[str, str], known: Mapping[str, str]) -> dict[str, str]:
    """Return the keymap if every id is known and every key is well formed."""
    problems: list[str] = []
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            problems.append(
                f"keymap.{binding_id}: no such binding (known: {', '.join(sorted(known))})"
            )
            continue
        for key in keys.split(","):
            if not _KEY.match(key.strip()):
                problems.append(f"keymap.{binding_id}: {key.strip()!r} is not a key name")
    if problems:
        raise KeymapError("\n".join(problems))
    return dict(keymap)
