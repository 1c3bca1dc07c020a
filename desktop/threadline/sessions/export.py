"""Export a session (with its branch lineage) to lossless JSON or readable Markdown; import JSON."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pydantic import ValidationError

from threadline.core.errors import ThreadlineError
from threadline.core.events import Event
from threadline.core.session import Session, SessionService

FORMAT = "threadline.session"
FORMAT_VERSION = 1


async def export_json(
    service: SessionService, app_name: str, user_id: str, session_id: str
) -> dict[str, Any]:
    """Everything needed to rebuild the conversation: metadata, lineage, every event.

    Raises ``KeyError`` when the session does not exist.
    """
    session = await service.get_session(app_name, user_id, session_id)
    if session is None:
        raise KeyError(f"session {session_id!r} does not exist")
    lineage = []
    parent_id = session.parent_id
    while parent_id:
        parent = await service.get_session(app_name, user_id, parent_id)
        if parent is None:  # in the trash: the branch still has its inherited events
            break
        lineage.append(_meta(parent))
        parent_id = parent.parent_id
    # On a thread: a long conversation's events are read back and dumped there, not on the
    # event loop (a history read back leaves most of them unparsed, core.event_log).
    events = session.events
    dumped = await asyncio.to_thread(lambda: [event.model_dump(mode="json") for event in events])
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "session": _meta(session),
        "lineage": lineage,
        "events": dumped,
    }


class ExportFormatError(ThreadlineError, ValueError):
    """A file to import is not a usable Threadline export; the message says what it is."""

    code = "export_format"


def parse_export(text: str) -> dict[str, Any]:
    """The export in ``text``, checked whole before anything is written.

    Raises ``ExportFormatError`` saying in plain words what the file is or what is wrong
    with it (another app's export, not JSON, event 12 has no role...).
    """
    return check_export(load_json(text))


def load_json(text: str) -> Any:
    """The JSON in a file to import; ``ExportFormatError`` when it is not JSON."""
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise ExportFormatError("This file is nested too deeply to be an export.") from exc
    except ValueError as exc:
        raise ExportFormatError(f"This file is not JSON ({exc}).") from exc


def check_export(data: Any) -> dict[str, Any]:
    """``parse_export`` on JSON already loaded (``load_json``)."""
    kind = _other_app(data)
    if kind:
        raise ExportFormatError(f"This is {kind}, not a Threadline export.")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ExportFormatError("This is not a Threadline export (it has no Threadline format).")
    version = data.get("version")
    if version != FORMAT_VERSION:
        raise ExportFormatError(
            f"This export has format version {version!r}; this Threadline reads version "
            f"{FORMAT_VERSION}. A newer Threadline may import it."
        )
    if not isinstance(data.get("session", {}), dict) or not isinstance(data.get("events"), list):
        raise ExportFormatError("This export is incomplete: it needs a session and its events.")
    data["events"] = _checked_events(data["events"])
    return data


def _other_app(data: Any) -> str:
    """What another app's export is, by its shape ("" when it is not one we know)."""
    first = data[0] if isinstance(data, list) and data else None
    if isinstance(first, dict) and "mapping" in first and "create_time" in first:
        return "a ChatGPT export (conversations.json)"
    if isinstance(first, dict) and "chat_messages" in first:
        return "a Claude export (conversations.json)"
    if isinstance(data, list):
        return "a JSON list"
    return ""


def _checked_events(raws: list[Any]) -> list[Event]:
    events: list[Event] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(raws, start=1):
        if not isinstance(raw, dict):
            raise ExportFormatError(f"Event {number} is not an object.")
        message = raw.get("message")
        if isinstance(message, dict) and not message.get("role"):
            raise ExportFormatError(f"Event {number} has a message with no role.")
        try:
            event = Event.model_validate(raw)
        except (ValidationError, RecursionError) as exc:
            raise ExportFormatError(f"Event {number} is not valid: {_first_problem(exc)}.") from exc
        if event.id in seen:
            raise ExportFormatError(
                f"Event {number} has the same id as event {seen[event.id]}; the file was edited "
                "or joined from two exports."
            )
        seen[event.id] = number
        events.append(event)
    return events


def _first_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "the event"
        return f"{where}: {error['msg']}"
    return "nested too deeply"


async def import_json(
    service: SessionService, app_name: str, user_id: str, data: dict[str, Any]
) -> Session:
    """A new session holding an exported history (fresh id; events, title and state kept).

    ``data`` comes from ``parse_export`` (or is checked the same way here). The import lands
    whole or not at all: in one transaction on a store that offers ``import_session``, else
    the partly made session is removed again when a write fails. Raises
    ``ExportFormatError`` for data that is not a Threadline export, ``StorageError`` when the
    store cannot write.
    """
    if not data.get("events") or not isinstance(data["events"][0], Event):
        data = parse_export(json.dumps(data))
    meta = data.get("session") or {}
    state = {
        k: v for k, v in (meta.get("state") or {}).items() if not k.startswith(("app:", "user:"))
    }
    events: list[Event] = data["events"]
    for event in events:
        event.actions.state_delta = {}  # the state is restored as exported, not replayed
    title = " ".join(str(meta.get("title") or "").split())
    bulk = getattr(service, "import_session", None)
    if callable(bulk):
        session: Session = await bulk(app_name, user_id, state=state, title=title, events=events)
        return session
    session = await service.create_session(app_name, user_id, state=state)
    try:
        for event in events:
            await service.append_event(session, event)
    except BaseException:
        await service.delete_session(app_name, user_id, session.id)
        raise
    rename = getattr(service, "rename_session", None)
    if title and callable(rename):
        await rename(app_name, user_id, session.id, title)
        session.title = title
    return session


def to_markdown(data: dict[str, Any]) -> str:
    """A readable transcript of an export (authors, messages, tool calls and results)."""
    meta = data.get("session") or {}
    title = " ".join(str(meta.get("title") or "").split())  # a heading is one line
    lines = [f"# {title or 'Conversation'}", ""]
    if data.get("lineage"):
        lines += [f"_Branch of “{data['lineage'][0].get('title') or 'a conversation'}”._", ""]
    for raw in data.get("events", []):
        event = Event.model_validate(raw)
        message = event.message
        if event.error is not None:
            lines += [f"> **Error ({event.error.code})**: {event.error.message}", ""]
        elif message is None:
            continue
        elif message.role == "user":
            lines += ["**You:**", "", message.content, ""]
        elif message.role == "assistant":
            if message.content:
                note = " _(interrupted)_" if message.interrupted else ""
                lines += [f"**{event.author}:**{note}", "", message.content, ""]
            for call in message.tool_calls:
                lines += [f"- tool call `{call.name}` `{call.arguments}`"]
            if message.tool_calls:
                lines.append("")
        elif message.role == "tool":
            lines += [f"- result of `{message.name}`:", "", "```", message.content, "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def _meta(session: Session) -> dict[str, Any]:
    return session.model_dump(mode="json", exclude={"events"})
