"""OpenTelemetry spans for runs, model calls and tool calls.

The API package alone records nothing and sends nothing: spans only go somewhere when the
embedding application installs a tracer provider and an exporter of its own choosing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_trace: Any

try:
    from opentelemetry import trace as _trace
except ImportError:  # pragma: no cover - the dependency is declared; this keeps scripts working
    _trace = None

_tracer = _trace.get_tracer("threadline.runner") if _trace is not None else None


@contextmanager
def span(name: str, **attributes: Any) -> Iterator[None]:
    """A span named ``name`` with string/number attributes; a no-op without a provider."""
    if _tracer is None:
        yield
        return
    clean = {k: v for k, v in attributes.items() if isinstance(v, str | int | float | bool)}
    with _tracer.start_as_current_span(name, attributes=clean):
        yield
