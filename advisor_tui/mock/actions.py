"""Next-actions mock backend (placeholder; being written)."""

from __future__ import annotations

from fastapi import APIRouter

from advisor_tui.mock.state import MockState


def build_router(state: MockState) -> APIRouter:
    return APIRouter()
