"""Export a session (with its branch lineage) to lossless JSON or readable Markdown; import JSON."""

from __future__ import annotations

from typing import Any

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
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "session": _meta(session),
        "lineage": lineage,
        "events": [event.model_dump(mode="json") for event in session.events],
    }


async def import_json(
    service: SessionService, app_name: str, user_id: str, data: dict[str, Any]
) -> Session:
    """A new session holding an exported history (fresh id; events, title and state kept).

    Raises ``ValueError`` for data that is not a Threadline export.
    """
    if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
        raise ValueError("not a Threadline session export (format/version missing or unknown)")
    meta = data.get("session") or {}
    state = {
        k: v for k, v in (meta.get("state") or {}).items() if not k.startswith(("app:", "user:"))
    }
    session = await service.create_session(app_name, user_id, state=state)
    for raw in data.get("events", []):
        event = Event.model_validate(raw)
        event.actions.state_delta = {}  # the state was restored above, as exported
        await service.append_event(session, event)
    title = meta.get("title")
    rename = getattr(service, "rename_session", None)
    if title and callable(rename):
        await rename(app_name, user_id, session.id, title)
        session.title = title
    return session


def to_markdown(data: dict[str, Any]) -> str:
    """A readable transcript of an export (authors, messages, tool calls and results)."""
    meta = data.get("session") or {}
    lines = [f"# {meta.get('title') or 'Conversation'}", ""]
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
