"""Names the simulator, the analysis, the store and the report must agree on."""

from __future__ import annotations

__all__ = ["CONTEXTS", "REMEDY_KINDS", "WORN_CONTEXTS"]

CONTEXTS: tuple[str, ...] = ("nonwear", "lying", "upright", "walking")
"""Context of each second, in code order (the simulator's uint8 codes index this tuple)."""

WORN_CONTEXTS: tuple[str, ...] = CONTEXTS[1:]
"""The contexts of a worn sensor."""

REMEDY_KINDS: tuple[str, ...] = ("stretch", "heat", "ice", "painkiller", "physio")
"""Remedies a wearer can log (the simulated wearer uses the first four)."""
