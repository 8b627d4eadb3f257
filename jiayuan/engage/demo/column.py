"""The demo's column (jiayuan.engage.demo.year)."""

from __future__ import annotations

from typing import Any


def write(ctx: Any, counts: dict[str, int], made: dict[str, Any]) -> dict[str, Any]:
    """This part's year for ctx.community; returns what later parts use."""
    return {}


def reset() -> dict[str, int]:
    return {}
