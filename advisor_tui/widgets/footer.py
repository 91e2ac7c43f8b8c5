"""A Footer that rebuilds itself only when the bindings it shows have changed.

Textual's Footer recomposes (tearing down and mounting every key widget) on
each focus change. Moving between panels is what an advisor does most, and
in the benchmark that rebuild was most of the key-press-to-repaint time; so
skip it when the visible set is the same.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class StableFooter(Footer):
    _shown: tuple[Any, ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        shown = tuple(
            (key, active.binding.action, active.binding.description, active.enabled)
            for key, active in screen.active_bindings.items()
            if active.binding.show
        )
        if shown == self._shown:
            return
        self._shown = shown
        super().bindings_changed(screen)
