"""What the window does to conversations, as plain async functions over the store.

Open, create, branch, regenerate, edit, export, import, rebuild a request: each takes the
store (and what it acts on) and returns what changed; the Qt controllers decide what to redraw
(Anki's ``aqt/operations`` shape). No Qt here, so tests drive these without a display.

How a branch is made: ``fork`` asks the store for an O(1) fork at an event; ``regenerate_branch``
forks at the user message before a reply (the model is then asked again), ``edit_branch`` forks
just before a user message (the edited text is then sent in the branch).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from threadline.app.early import APP_NAME as APP_NAME  # re-exported: the window uses them
from threadline.app.early import USER_ID as USER_ID
from threadline.app.teams import DEFAULT_TEAM, TEAM_KEY
from threadline.app.timeline import ChatItem, items_from_rows, pending_calls
from threadline.core.errors import CorruptDatabaseError, StorageError
from threadline.core.events import Event, EventActions, new_id
from threadline.runner.agents import ACTIVE_AGENT_KEY
from threadline.runner.history import rebuild_messages
from threadline.sessions.bulk import import_plans
from threadline.sessions.export import (
    check_export,
    export_json,
    import_json,
    load_json,
    to_markdown,
)
from threadline.sessions.foreign import ForeignImport, read_foreign

if TYPE_CHECKING:
    from threadline.core.session import Session
    from threadline.sessions import DesktopStore
    from threadline.sessions.queries import EventRow

# The inspector lists these events of an opened session (the newest INSPECT_LIMIT of them).
INSPECT_TAGS = ("model.reply", "tool.result", "tool.approval")
INSPECT_LIMIT = 400
# Rows read when a conversation opens (its newest; older ones come as the reader scrolls up),
# so opening costs the same at 100 messages and at 100,000.
OPEN_ROWS = 800
OLDER_ROWS = 400
TITLE_CHARS = 60
KEPT_ROWS = 16  # a stopped run's cut replies are among this many newest rows (one per stream)


@dataclass
class OpenedSession:
    """A session ready to show: timeline items, inspector events, state."""

    session_id: str
    items: list[ChatItem]
    events: list[Event]
    state: dict[str, Any]
    pending_calls: list[str] = field(default_factory=list)
    team: str = DEFAULT_TEAM  # who answers here
    model: str = ""  # the model it asks for; "" = the provider's
    older_than: int | None = None  # seq of the first row read, when older rows may exist
    instruction: str | None = None  # its own instruction (None: the default)
    memory: bool = True  # it may draw on past conversations (when Settings allows)


def first_title(text: str) -> str:
    """The title a conversation gets from its first message: one line, clipped."""
    return " ".join(text.split())[:TITLE_CHARS]


async def open_session(
    store: DesktopStore, session_id: str, *, picked_team: str | None = None
) -> OpenedSession:
    """Everything the window shows of a stored session.

    ``picked_team`` is a team chosen for it whose marker event is not saved yet.
    """
    rows = await store.load_rows(session_id, last=OPEN_ROWS)
    meta = await store.get_meta(APP_NAME, USER_ID, session_id)
    # ~8 ms of parsing for a long conversation: on a thread, so the window keeps painting.
    events, items = await asyncio.to_thread(_parse_opened, rows)
    state = meta.state if meta else {}
    chosen = _choices(state)
    older = rows[0].seq if len(rows) == OPEN_ROWS else None
    return OpenedSession(
        session_id,
        items,
        events,
        state,
        pending_calls(items),
        picked_team or chosen.team,
        chosen.model,
        older,
        chosen.instruction,
        chosen.memory,
    )


def _parse_opened(rows: list[EventRow]) -> tuple[list[Event], list[ChatItem]]:
    """The inspector's events and the chat's items of a window of rows."""
    inspect_rows = [r for r in rows if r.tag in INSPECT_TAGS][-INSPECT_LIMIT:]
    return [Event.model_validate_json(r.body) for r in inspect_rows], items_from_rows(rows)


async def older_items(
    store: DesktopStore, session_id: str, before: int
) -> tuple[list[ChatItem], int | None]:
    """Timeline items of the rows older than seq ``before`` (up to ``OLDER_ROWS``), and the
    seq to ask below next time (None when the history's start was reached)."""
    rows = await store.load_rows(session_id, last=OLDER_ROWS, before=before)
    return items_from_rows(rows), rows[0].seq if len(rows) == OLDER_ROWS else None


async def create_session(store: DesktopStore, *, team: str) -> str:
    """A new empty conversation answered by ``team``; returns its id."""
    session_id = new_id()
    state = {TEAM_KEY: team} if team != DEFAULT_TEAM else None
    await store.create_session(APP_NAME, USER_ID, session_id, state)
    return session_id


async def fork(store: DesktopStore, session_id: str, at_event_id: str) -> str:
    """A branch of ``session_id`` whose history ends at ``at_event_id``; returns its id.

    An empty ``at_event_id`` makes a branch with no events of the parent.
    """
    branch = await store.branch(APP_NAME, USER_ID, session_id, at_event_id)
    return branch.id


async def regenerate_branch(
    store: DesktopStore, session_id: str, reply_event_id: str
) -> str | None:
    """A branch ending at the user message the reply ``reply_event_id`` answered.

    Returns the branch id (the caller asks the model again there), or None when the reply or
    a user message before it is not in the session.
    """
    seq = await store.event_seq(session_id, reply_event_id)
    if seq is None:
        return None
    before = seq
    while True:  # the user message is usually just above the reply
        rows = await store.load_rows(session_id, last=OLDER_ROWS, before=before)
        user_rows = [r for r in rows if r.author == "user"]
        if user_rows:
            return await fork(store, session_id, user_rows[-1].id)
        if len(rows) < OLDER_ROWS:
            return None
        before = rows[0].seq


async def edit_branch(store: DesktopStore, session_id: str, user_event_id: str) -> str | None:
    """A branch ending just before the user message ``user_event_id`` (the edit goes there).

    Returns the branch id, or None when the message is not in the session.
    """
    if await store.event_seq(session_id, user_event_id) is None:
        return None
    # The branch grows from the conversation the message belongs to: editing a message a
    # branch inherited makes a sibling of that branch, not a branch nested under it.
    owner = session_id
    while True:
        meta = await store.get_meta(APP_NAME, USER_ID, owner)
        parent = meta.parent_id if meta is not None else None
        if parent is None or await store.event_seq(parent, user_event_id) is None:
            break
        owner = parent
    seq = await store.event_seq(owner, user_event_id)
    assert seq is not None
    previous = await store.load_rows(owner, last=1, before=seq)
    return await fork(store, owner, previous[0].id if previous else "")


async def append_marker(store: DesktopStore, meta: Session, event: Event) -> None:
    """Saves a marker event (an instruction change, a team switch) in a conversation."""
    await store.append_event(meta, event)


def team_marker(name: str) -> Event:
    """The event that switches a conversation to the team led by ``name``.

    Its state delta remembers the team and makes its leader the active agent, so branches,
    exports and restarts keep the choice.
    """
    return Event(
        author="runner",
        tag="team",
        metadata={"team": name},
        actions=EventActions(state_delta={TEAM_KEY: name, ACTIVE_AGENT_KEY: name}),
    )


MODEL_KEY = "model"  # session state: the model this conversation asks for ("" = provider's)


def model_marker(name: str) -> Event:
    """The event that makes a conversation ask for model ``name`` from here on (a branch
    inherits it with the state)."""
    return Event(
        author="runner",
        tag="model",
        metadata={"model": name},
        actions=EventActions(state_delta={MODEL_KEY: name}),
    )


INSTRUCTION_KEY = "instruction"  # session state: this conversation's own instruction
MEMORY_KEY = "memory"  # session state: False when this conversation draws on no past ones


def memory_marker(on: bool) -> Event:
    """The event that lets a conversation draw on past ones (or not) from here on."""
    return Event(
        author="runner",
        tag="memory",
        metadata={"memory": on},
        actions=EventActions(state_delta={MEMORY_KEY: on}),
    )


def instruction_marker(text: str | None) -> Event:
    """The event that gives a conversation its own instruction from here on (None: back to
    the default, live one). Each is a version in the conversation; a branch inherits it."""
    return Event(
        author="runner",
        tag="instruction",
        metadata={"scope": "conversation", "text": text},
        actions=EventActions(state_delta={INSTRUCTION_KEY: text}),
    )


class SessionChoices(NamedTuple):
    """What a stored conversation chose: who answers, the model it asks for ("" for the
    provider's), its own instruction (None: the default) and whether it may draw on past
    conversations."""

    team: str
    model: str
    instruction: str | None
    memory: bool


async def session_choices(store: DesktopStore, session_id: str) -> SessionChoices:
    """A stored conversation's choices, read together in one store call: a run needs all."""
    meta = await store.get_meta(APP_NAME, USER_ID, session_id)
    return _choices(meta.state if meta else {})


def _choices(state: dict[str, Any]) -> SessionChoices:
    own = state.get(INSTRUCTION_KEY)
    return SessionChoices(
        team=str(state.get(TEAM_KEY, DEFAULT_TEAM)),
        model=str(state.get(MODEL_KEY, "")),
        instruction=own if isinstance(own, str) else None,
        memory=bool(state.get(MEMORY_KEY, True)),
    )


async def session_model(store: DesktopStore, session_id: str) -> str:
    """The model a stored conversation asks for ("" for the provider's)."""
    return (await session_choices(store, session_id)).model


async def session_team(store: DesktopStore, session_id: str) -> str:
    """The team that answers in a stored conversation."""
    return (await session_choices(store, session_id)).team


async def export_session(
    store: DesktopStore, session_id: str, path: Path, *, as_markdown: bool
) -> None:
    """Writes a conversation with its lineage: a Markdown transcript or lossless JSON.

    Raises ``OSError`` when the file cannot be written.
    """
    data = await export_json(store, APP_NAME, USER_ID, session_id)
    text = to_markdown(data) if as_markdown else json.dumps(data, indent=2, ensure_ascii=False)
    await asyncio.to_thread(path.write_text, text, encoding="utf-8")


@dataclass
class ImportResult:
    """What an import added: the conversation to open and how much came in."""

    session_id: str  # the most recently updated conversation imported
    kind: str  # "Threadline", "ChatGPT" or "Claude"
    conversations: int = 1
    branches: int = 0
    skipped: int = 0  # conversations with no message to keep

    def notice(self, name: str) -> str:
        """The line the window shows, e.g. "Imported 3 conversations and 2 branches from
        conversations.json (a ChatGPT export)."."""
        what = _count(self.conversations, "conversation")
        if self.branches:
            what += f" and {_count(self.branches, 'branch', 'branches')}"
        line = f"Imported {what} from {name}"
        line += "." if self.kind == "Threadline" else f" (a {self.kind} export)."
        if self.skipped:
            line += f" {_count(self.skipped, 'empty conversation')} left out."
        return line


def _count(number: int, one: str, many: str = "") -> str:
    return f"{number} {one if number == 1 else many or one + 's'}"


async def import_session(store: DesktopStore, path: Path) -> ImportResult:
    """Adds the conversations in an export: Threadline JSON, or a ChatGPT or Claude
    ``conversations.json`` (ChatGPT's edits and regenerations become branches).

    Raises ``OSError`` (unreadable file), ``ExportFormatError`` (not an export Threadline
    reads: the message says what it is) or ``StorageError``. Nothing of the file is imported
    unless all of it is (one transaction).
    """
    raw = await asyncio.to_thread(path.read_text, encoding="utf-8", errors="replace")
    # Checked and converted whole, off the loop, before anything is written.
    found = await asyncio.to_thread(_read_import, raw)
    if isinstance(found, ForeignImport):
        ids = await import_plans(store, APP_NAME, USER_ID, found.plans)
        roots = [n for n, plan in enumerate(found.plans) if plan.parent is None]
        newest = max(roots, key=lambda n: found.plans[n].updated_at or 0.0)
        return ImportResult(
            ids[newest], found.kind, found.conversations, found.branches, found.skipped
        )
    session = await import_json(store, APP_NAME, USER_ID, found)
    return ImportResult(session.id, "Threadline")


def _read_import(raw: str) -> ForeignImport | dict[str, Any]:
    data = load_json(raw)
    return read_foreign(data) or check_export(data)


async def read_history_ahead(store: DesktopStore, session_id: str) -> None:
    """Reads the session's history into the store's memory, so that the runner's next turn
    starts as a warm one (the window calls it when typing begins: a long conversation's first
    reply after a restart does not wait for its history). A store that cannot read it now
    says so when the message is sent; a damaged file found meanwhile is reported at once (the
    window tells the person it was recovered)."""
    try:
        await store.get_session(APP_NAME, USER_ID, session_id)
    except CorruptDatabaseError:
        raise
    except StorageError:
        pass


async def rebuild_request(
    store: DesktopStore, session_id: str, event: Event
) -> list[dict[str, Any]] | None:
    """The exact messages a stored model request sent, or None when its history is gone."""
    session = await store.get_session(APP_NAME, USER_ID, session_id)
    meta = event.metadata
    if session is None or not isinstance(meta.get("history"), dict):
        return None
    return rebuild_messages(session.events, meta["history"], meta.get("system"))


async def kept_replies(store: DesktopStore, session_id: str, invocation_id: str) -> list[Event]:
    """The cut replies the runner saved for ``invocation_id`` when it was stopped or failed
    mid-reply (``interrupted`` events, among the newest rows), so the chat can give its live
    bubbles their stored ids: they then offer what a reopened reply offers."""
    if not invocation_id:
        return []
    rows = await store.load_rows(session_id, last=KEPT_ROWS)
    found = [
        Event.model_validate_json(row.body)
        for row in rows
        if row.tag == "interrupted" and invocation_id in row.body
    ]
    return [event for event in found if event.invocation_id == invocation_id]
