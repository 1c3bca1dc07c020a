"""Instruction text that can be swapped while a run is going, and ``{placeholder}`` rendering."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

_PLACEHOLDER = re.compile(r"\{((?:app:|user:|temp:)?[A-Za-z_][A-Za-z0-9_]*)(\?)?\}")


@dataclass(frozen=True, slots=True)
class InstructionVersion:
    """One applied instruction text; ``version`` counts up from 1 with every change."""

    text: str
    version: int
    applied_at: float


class InstructionSlot:
    """Holds the current text; ``set`` may be called from any thread or task at any time.

    A model request takes one ``snapshot`` when it is built, so a change lands on the very next
    request and never half-way through one.
    """

    def __init__(self, text: str = "") -> None:
        self._lock = threading.Lock()
        self._current = InstructionVersion(text, 1, time.time())

    def set(self, text: str, *, version: int | None = None) -> InstructionVersion:
        """Applies new text and returns its version (``version`` restores a saved numbering)."""
        with self._lock:
            number = version if version is not None else self._current.version + 1
            self._current = InstructionVersion(text, number, time.time())
            return self._current

    def snapshot(self) -> InstructionVersion:
        """The text in force now (a reference read; safe without the lock)."""
        return self._current


def render(template: str, state: dict[str, Any], temp: dict[str, Any]) -> str:
    """Fills ``{key}``, ``{key?}``, ``{app:key}``, ``{user:key}`` and ``{temp:key}``.

    A missing key stays as the literal ``{key}``; a missing optional key becomes empty.
    """
    if "{" not in template:
        return template

    def fill(match: re.Match[str]) -> str:
        key, optional = match.group(1), match.group(2)
        if key.startswith("temp:"):
            source, lookup = temp, key[5:]
            found = lookup in source or key in state
            value = source.get(lookup, state.get(key)) if found else None
        else:
            found = key in state
            value = state.get(key)
        if found:
            return "" if value is None else str(value)
        return "" if optional else match.group(0)

    return _PLACEHOLDER.sub(fill, template)


if TYPE_CHECKING:
    from threadline.runner.context import InvocationContext


MEMORY_HEADING = "From the user's past conversations (use only if relevant):"


def recalled(ctx: InvocationContext, instruction: str) -> str:
    """The excerpts the runner's memory found for this run (``temp:memories``), as a section
    of the system message, unless the instruction places them itself (``{temp:memories}``)."""
    found = ctx.temp_state.get("memories")
    if not found or "temp:memories" in instruction:
        return ""
    return f"{MEMORY_HEADING}\n{found}"
