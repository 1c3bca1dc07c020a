"""``main()``: the ``threadline`` command, which starts the desktop app.

Kept to nothing but the entry point: everything imported before the first frame delays it
(logging and dataclasses alone cost 20 ms). The app is assembled in ``ui/shell/root.py``.
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Starts the desktop app; returns the exit code (logging starts after the first paint)."""
    from threadline.ui.shell.launch import run  # the Qt side lives in ui/, the only Qt importer

    return run(argv)
