"""Process-wide settings the desktop app runs with (benchmarks use the same)."""

from __future__ import annotations

import gc

# A long conversation is tens of thousands of small objects that live for the whole session.
# With CPython's default thresholds every few thousand allocations trigger collections that
# walk them all again: 50-80 ms pauses, which a GUI shows as stutter. Collect young objects
# far less often and move what startup built out of the collector's way.
GC_THRESHOLDS = (100_000, 50, 100)


def tune_gc() -> None:
    """Applies the app's garbage-collection thresholds."""
    gc.set_threshold(*GC_THRESHOLDS)


def settle_gc() -> None:
    """After startup: collect once, then freeze what survived (it is never garbage)."""
    gc.collect()
    gc.freeze()
