"""A session's history as a list of events whose stored plain messages are parsed when read.

Reading a long conversation back from a store used to mean reading every event's JSON and
building a pydantic ``Event`` of it (3-10 µs each), all before the first model request after a
restart, although that request needs only the role, author and text of most of them. A store
hands such rows over as ``StoredMessage`` tuples of those columns instead; ``EventLog`` reads
and parses an event's JSON the first time the event itself is read (through the store's
``BodyReader``), and the model's history (``runner.history``) reads the tuples as they are.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, MutableSequence, Sequence
from typing import Any, NamedTuple, overload

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from threadline.core.errors import StorageError
from threadline.core.events import Event


class StoredMessage(NamedTuple):
    """A stored event that is a plain user or assistant message, not parsed yet.

    Plain: its message has no tool calls and no parts, and the event has no error; so the
    model's history needs nothing of it but these fields.

    Attributes:
        id: The event id.
        invocation_id: The invocation it belongs to.
        author: Who wrote it (``"user"`` or an agent name).
        branch: The agent path it was written on (``""`` for the user's messages).
        role: ``"user"`` or ``"assistant"``.
        text: The message content.
        seq: Where the store keeps it (its event JSON is read by this when needed).
    """

    id: str
    invocation_id: str
    author: str
    branch: str
    role: str
    text: str
    seq: int


# The stored JSON of the events at these places (``StoredMessage.seq``), by place.
ReadBodies = Callable[[Sequence[int]], dict[int, str]]
Entry = Event | StoredMessage


def is_plain(event: Event) -> bool:
    """True when a store may hand ``event`` back as a ``StoredMessage``: a user or assistant
    message with no tool calls and no parts, without an error."""
    message = event.message
    return (
        message is not None
        and message.role in ("user", "assistant")
        and not message.tool_calls
        and not message.parts
        and event.error is None
        and not event.partial
    )


class EventLog(MutableSequence[Event]):
    """A list of events (``Session.events``); items a store left as ``StoredMessage`` become
    ``Event`` objects when first read, and stay so.

    Behaves as a list of ``Event`` everywhere (index, slice, iterate, append, compare with a
    list); slices are ``EventLog`` too, so a branch cut from a loaded history stays unparsed.
    ``read`` fetches the JSON of stored entries: one call for all of them when the whole list
    is iterated, one for the entry read, 64 at a time going backwards.
    """

    __slots__ = ("_entries", "_read")

    def __init__(self, entries: Iterable[Entry] = (), read: ReadBodies | None = None) -> None:
        self._entries: list[Entry] = list(entries)
        self._read = read

    def entries(self) -> Sequence[Entry]:
        """The items as stored, without parsing any (read-only: for the history builder)."""
        return self._entries

    def copy(self) -> EventLog:
        return EventLog(self._entries, self._read)

    def _parse(self, indexes: Sequence[int]) -> None:
        """Makes the ``StoredMessage`` entries at ``indexes`` into events."""
        waiting = [i for i in indexes if isinstance(self._entries[i], StoredMessage)]
        if not waiting:
            return
        if self._read is None:
            raise StorageError("this history was read without a way to read its events back")
        seqs = [self._stored(i).seq for i in waiting]
        bodies = self._read(seqs)
        for index, seq in zip(waiting, seqs, strict=True):
            body = bodies.get(seq)
            event = None if body is None else Event.model_validate_json(body)
            if event is None or event.id != self._stored(index).id:  # gone, or another file
                raise StorageError(f"event {self._stored(index).id} is no longer stored")
            self._entries[index] = event

    def _stored(self, index: int) -> StoredMessage:
        entry = self._entries[index]
        assert isinstance(entry, StoredMessage)
        return entry

    # -- the list interface ----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> Event: ...

    @overload
    def __getitem__(self, index: slice) -> EventLog: ...

    def __getitem__(self, index: int | slice) -> Event | EventLog:
        if isinstance(index, slice):
            return EventLog(self._entries[index], self._read)
        entry = self._entries[index]
        if isinstance(entry, StoredMessage):
            self._parse([index % len(self._entries)])
            entry = self._entries[index]
        assert isinstance(entry, Event)
        return entry

    @overload
    def __setitem__(self, index: int, value: Event) -> None: ...

    @overload
    def __setitem__(self, index: slice, value: Iterable[Event]) -> None: ...

    def __setitem__(self, index: int | slice, value: Event | Iterable[Event]) -> None:
        if isinstance(index, slice):
            assert not isinstance(value, Event)
            self._entries[index] = list(value)
        else:
            assert isinstance(value, Event)
            self._entries[index] = value

    def __delitem__(self, index: int | slice) -> None:
        del self._entries[index]

    def insert(self, index: int, value: Event) -> None:
        self._entries.insert(index, value)

    def append(self, value: Event) -> None:
        self._entries.append(value)  # the runner's every event: skip the mixin's insert()

    def clear(self) -> None:
        self._entries.clear()  # the mixin's would parse each entry to pop it

    def __iter__(self) -> Iterator[Event]:
        self._parse(range(len(self._entries)))
        index = 0
        while index < len(self._entries):  # events appended meanwhile are reached, as a list's
            yield self[index]
            index += 1

    def __reversed__(self) -> Iterator[Event]:
        for index in range(len(self._entries) - 1, -1, -1):
            if index >= len(self._entries):
                continue  # removed meanwhile
            if isinstance(self._entries[index], StoredMessage):
                self._parse(range(max(0, index - 63), index + 1))
            yield self[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EventLog | list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, as a list

    def __add__(self, other: Iterable[Event]) -> EventLog:
        return EventLog([*self._entries, *other], self._read)

    def __radd__(self, other: Iterable[Event]) -> EventLog:
        return EventLog([*other, *self._entries], self._read)

    def __repr__(self) -> str:  # without reading anything back
        unread = sum(isinstance(e, StoredMessage) for e in self._entries)
        return f"<EventLog of {len(self._entries)} events, {unread} not read yet>"

    # A deep copy or a pickle holds the events themselves (the reader is the store's).
    def __deepcopy__(self, memo: dict[int, Any]) -> EventLog:
        return EventLog(copy.deepcopy(list(self), memo))

    def __reduce__(self) -> tuple[Any, ...]:
        return (EventLog, (list(self),))

    # -- as a pydantic field ---------------------------------------------------------------

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # A list of events (validated as ``list[Event]``) or an EventLog as it is; dumped as
        # a list, which parses every entry.
        events = handler.generate_schema(list[Event])
        from_list = core_schema.no_info_after_validator_function(cls, events)
        # An EventLog given is copied, as a list given to a list field is.
        given = core_schema.no_info_after_validator_function(
            cls.copy, core_schema.is_instance_schema(cls)
        )
        return core_schema.json_or_python_schema(
            json_schema=from_list,
            python_schema=core_schema.union_schema([given, from_list]),
            serialization=core_schema.plain_serializer_function_ser_schema(
                list, return_schema=events
            ),
        )


def entries(events: Sequence[Entry]) -> Sequence[Entry]:
    """``events`` without parsing what a store left unparsed (an ``EventLog``'s entries)."""
    return events.entries() if isinstance(events, EventLog) else events


def position(events: Sequence[Entry], event_id: str) -> int | None:
    """Index of ``event_id`` in ``events``, searched from the end (the events a caller looks
    for are nearly always recent), without parsing any; None when absent."""
    found = entries(events)
    for index in range(len(found) - 1, -1, -1):
        if found[index].id == event_id:
            return index
    return None
