"""Shared helpers for the benchmark scripts (run by ``make bench``; never collected by pytest)."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


from threadline.runtime import tune_gc

tune_gc()  # measure with the garbage-collection settings the app runs with


def best_of(runs: int, measure: Callable[[], float]) -> float:
    """The median of ``runs`` measurements (each already a per-unit figure)."""
    return statistics.median(measure() for _ in range(runs))


def report(
    name: str, ours: float, floor: float, unit: str, budget: float, *, lower_is_better: bool = True
) -> bool:
    """Prints a figure beside its floor and the budget ratio; returns whether it holds."""
    ratio = ours / floor if floor else float("inf")
    holds = ratio <= budget if lower_is_better else ratio >= budget
    sign = "≤" if lower_is_better else "≥"
    verdict = "PASS" if holds else "FAIL"
    print(
        f"{verdict} {name}: {ours:.2f} {unit} vs floor {floor:.2f} {unit} -> ratio {ratio:.2f} (budget {sign} {budget})"
    )
    return holds


def report_abs(
    name: str, value: float, unit: str, budget: float, *, lower_is_better: bool = True
) -> bool:
    """Prints an absolute figure beside its budget; returns whether it holds."""
    holds = value <= budget if lower_is_better else value >= budget
    sign = "≤" if lower_is_better else "≥"
    print(
        f"{'PASS' if holds else 'FAIL'} {name}: {value:.2f} {unit} (budget {sign} {budget} {unit})"
    )
    return holds


def cpu() -> float:
    """Process CPU seconds (what the runner costs, not how long the loop idles)."""
    return time.process_time()
