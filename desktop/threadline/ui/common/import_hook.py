"""A cheaper PySide6 import hook.

PySide6 looks at every module imported after it to see whether that module uses PySide (for
its optional ``__feature__`` switches, PYSIDE-2029): it reads the module's whole source with
``inspect.getsource`` (linecache, encoding detection), ~130 µs a module. The app imports ~400
modules after PySide6 before its window is usable, so that was ~50 ms of the start. The same
answer, "does the source file mention PySide6", is read here straight from the file.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

replaced: Callable[[ModuleType], bool] | None = None  # PySide6's own, once swapped out


def _uses_pyside(module: ModuleType) -> bool:
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return False  # built in, compiled or without source: PySide6 answers False too
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False


def speed_up_pyside_import_hook() -> None:
    """Swaps PySide6's per-import source scan for the direct read (if this PySide6 has it)."""
    global replaced
    feature = sys.modules.get("PySide6.support.feature")
    current = getattr(feature, "_mod_uses_pyside", None)
    if callable(current) and current is not _uses_pyside:
        replaced = current
        feature._mod_uses_pyside = _uses_pyside  # type: ignore[union-attr]
