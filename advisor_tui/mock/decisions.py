"""Decisions mock backend (placeholder; being written)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from advisor_tui.mock.state import MockState


def build_router(state: MockState, db_path: Path | None = None) -> APIRouter:
    return APIRouter()
