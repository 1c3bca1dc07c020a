"""The partial events of a stream (``core.events.DeltaFactory``): valid events with ids as
unique as ``new_id``'s, made without a system call per token."""

from __future__ import annotations

import re

from threadline.core.events import DeltaFactory, Event


def test_every_partial_event_has_its_own_id() -> None:
    first = DeltaFactory(invocation_id="i", author="a", branch="a")
    second = DeltaFactory(invocation_id="i", author="a", branch="a")
    events = [first(f"w{n}") for n in range(1000)] + [second.reasoning("hm") for _ in range(10)]
    ids = [e.id for e in events]
    assert len(set(ids)) == len(ids)  # within a stream and across two of them
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)  # shaped like new_id()
    assert events[3].delta == "w3" and events[3].partial and events[3].author == "a"
    assert events[-1].tag == "reasoning" and events[-1].reasoning_delta == "hm"
    again = Event.model_validate(events[3].model_dump())  # a valid Event, field for field
    assert again == events[3]
