"""Events and messages: the one record type that flows from runner to store to window."""

from __future__ import annotations

import hashlib
import itertools
import os
import time
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

Role = Literal["system", "user", "assistant", "tool"]


class EventTag(StrEnum):
    """What kind of step an ``Event`` records; the value is the ``tag`` string stored as is.

    A ``StrEnum``: each member equals its plain string (``EventTag.ERROR == "error"``), so
    stored JSON and code comparing with strings keep working. ``Event.tag`` is ``""`` for a
    plain message.
    """

    MODEL_REPLY = "model.reply"  # an assistant reply; metadata holds the request it answered
    TOOL_START = "tool.start"  # a tool call began (metadata: call id, arguments)
    TOOL_RESULT = "tool.result"  # a tool call ended (metadata: status, timing)
    TOOL_PROGRESS = "tool.progress"  # partial: a running tool reported progress (metadata)
    REASONING = "reasoning"  # partial: a piece of the model's reasoning (``reasoning_delta``)
    MODEL_RETRY = "model.retry"  # partial: the model call failed and is retried (metadata)
    TOOL_APPROVAL = "tool.approval"  # the run paused: metadata["pending"] awaits decisions
    AGENT_TRANSFER = "agent.transfer"  # the conversation moved to another agent
    ERROR = "error"  # the run failed; ``event.error`` says why
    RUN_DONE = "run.done"  # the completion event that ends every run
    INTERRUPTED = "interrupted"  # partial reply text saved after a stop or a failure
    INSTRUCTION = "instruction"  # marker: the system instruction changed (a new version)
    TEAM = "team"  # marker: the conversation was handed to another team
    MODEL = "model"  # marker: the conversation asks another model from here on


def new_id() -> str:
    """A random 128-bit id as 32 hex characters (cheaper than ``uuid4().hex``)."""
    return os.urandom(16).hex()


class ToolCall(BaseModel):
    """One tool call requested by the model; ``arguments`` is the raw JSON text it sent."""

    id: str
    name: str
    arguments: str = "{}"


BLOB_PREFIX = "sha256:"


class _BinaryPart(BaseModel):
    """Bytes with a type: JSON holds them as base64; ``ref`` (``sha256:<hex>``) names them.

    A store keeps the bytes once per ``ref`` and saves the part without ``data`` (``ref``,
    ``size`` and ``mime_type`` stay); loading the event fills ``data`` in again.
    """

    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    mime_type: str = "application/octet-stream"
    data: bytes | None = None
    ref: str | None = None
    size: int = 0

    @model_validator(mode="after")
    def _name_the_bytes(self) -> _BinaryPart:
        if self.data is not None:
            if self.ref is None:
                self.ref = blob_ref(self.data)
            self.size = len(self.data)
        return self

    @model_serializer(mode="wrap")
    def _keep_the_type(self, handler: SerializerFunctionWrapHandler) -> Any:
        # ``exclude_defaults`` (how stores save events) must not drop the discriminator.
        data = handler(self)
        if isinstance(data, dict):
            data["type"] = getattr(self, "type", "")
        return data


class ImagePart(_BinaryPart):
    """An image beside a message's text: its bytes (``data``) or a ``url``, and its type."""

    type: Literal["image"] = "image"
    mime_type: str = "image/png"
    url: str | None = None
    name: str = ""

    @model_validator(mode="after")
    def _has_a_source(self) -> ImagePart:
        if self.data is None and self.url is None and self.ref is None:
            raise ValueError("an ImagePart needs data, a url or a ref")
        return self


class FilePart(_BinaryPart):
    """A file beside a message's text (sent to the model as its text when it is text-like)."""

    type: Literal["file"] = "file"
    name: str


Part = Annotated[ImagePart | FilePart, Field(discriminator="type")]


def blob_ref(data: bytes) -> str:
    """The content address of ``data``: ``sha256:`` and its hex digest."""
    return BLOB_PREFIX + hashlib.sha256(data).hexdigest()


class Message(BaseModel):
    """A chat message in the shape the Chat Completions API uses.

    ``parts`` are images and files beside the text ``content`` (a user's attachments, or what
    a tool returned); ``reasoning`` is the model's reasoning text, kept with the reply and
    never sent back to the model.
    """

    role: Role
    content: str = ""
    parts: list[Part] = Field(default_factory=list)
    reasoning: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None
    # True when the reply was cut short (stop, cancel, network fault); the text is kept.
    interrupted: bool = False


class Usage(BaseModel):
    """Token counts reported by the model."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    requests: int = 0

    def add(self, other: Usage | None) -> None:
        """Adds another usage record to this one in place."""
        if other is None:
            return
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.total_tokens += other.total_tokens
        self.requests += other.requests


class ErrorInfo(BaseModel):
    """A machine-readable code and a message a person can act on."""

    code: str
    message: str


class EventActions(BaseModel):
    """Side effects an event carries: state changes, transfer, escalation."""

    state_delta: dict[str, Any] = Field(default_factory=dict)
    artifact_delta: dict[str, int] = Field(default_factory=dict)
    transfer_to_agent: str | None = None
    escalate: bool = False


class Event(BaseModel):
    """One step of a run: a streamed delta, a message, a tool result, an error or the end.

    ``partial`` events carry a text ``delta`` and are never persisted; a partial event tagged
    ``reasoning`` carries a piece of the model's reasoning in ``reasoning_delta`` instead (its
    ``delta`` is empty, so it never reads as reply text). ``metadata`` holds structured extras
    the inspector shows (the model request of a turn, tool timing, ``reasoning_ms``).
    """

    model_config = ConfigDict(extra="ignore")

    id: str = Field(default_factory=new_id)
    invocation_id: str = ""
    author: str
    branch: str = ""
    timestamp: float = Field(default_factory=time.time)
    partial: bool = False
    message: Message | None = None
    delta: str = ""
    reasoning_delta: str = ""
    usage: Usage | None = None
    error: ErrorInfo | None = None
    actions: EventActions = Field(default_factory=EventActions)
    done: bool = False
    tag: str = ""
    metadata: dict[str, Any] = Field(default_factory=dict)

    def is_final_response(self) -> bool:
        """True for a complete assistant reply that asks for no tool calls (a transfer's
        announcement is not one: the agent it names answers next)."""
        if self.partial or self.done or self.error is not None or self.message is None:
            return False
        if self.tag == EventTag.AGENT_TRANSFER:
            return False
        return self.message.role == "assistant" and not self.message.tool_calls

    @property
    def text(self) -> str:
        """The text this event shows: the delta of a partial event, else the message content."""
        if self.partial:
            return self.delta
        return self.message.content if self.message is not None else ""


_EVENT_FIELDS = frozenset(Event.model_fields)
_new = object.__new__
_set = object.__setattr__


class DeltaFactory:
    """Makes the partial text events of one stream, once per token, without re-validation.

    Every field but ``id``, ``timestamp`` and ``delta`` comes from one validated template, so
    the result is a valid ``Event``; its ``actions`` and ``metadata`` are shared with the
    template and must be treated as read-only (partial events are never modified or stored).
    ``reasoning(text)`` makes the stream's reasoning events the same way (tag ``reasoning``,
    the text in ``reasoning_delta``).
    """

    __slots__ = ("_base", "_count", "_prefix", "_reasoning_base")

    def __init__(self, *, invocation_id: str, author: str, branch: str) -> None:
        template = Event(invocation_id=invocation_id, author=author, branch=branch, partial=True)
        self._base = dict(template.__dict__)
        self._reasoning_base = {**self._base, "tag": EventTag.REASONING.value}
        # Ids as unique as ``new_id``'s, without a system call per token: a random prefix for
        # the stream and a counter (24 + 8 hex characters).
        self._prefix = new_id()[:24]
        self._count = itertools.count()

    def __call__(self, delta: str) -> Event:
        return _fast_event(self._base, "delta", delta, self._next_id())

    def reasoning(self, delta: str) -> Event:
        """A partial event carrying a piece of reasoning (``reasoning_delta``)."""
        return _fast_event(self._reasoning_base, "reasoning_delta", delta, self._next_id())

    def _next_id(self) -> str:
        return f"{self._prefix}{next(self._count) & 0xFFFFFFFF:08x}"


def _fast_event(base: dict[str, Any], key: str, delta: str, event_id: str) -> Event:
    event: Event = _new(Event)
    values = base.copy()
    values["id"] = event_id
    values["timestamp"] = time.time()
    values[key] = delta
    _set(event, "__dict__", values)
    _set(event, "__pydantic_fields_set__", _EVENT_FIELDS)
    _set(event, "__pydantic_extra__", None)
    _set(event, "__pydantic_private__", None)
    return event
