"""Which past events an agent's model request includes, and how they become chat messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from threadline.core.event_log import Entry, StoredMessage, entries, position
from threadline.core.events import Event
from threadline.runner.content import chat_content, part_reference, tool_images, tool_text

TimelineFilter = Literal["all", "current_request", "current_invocation"]
BranchFilter = Literal["all", "prefix", "exact"]


def select_events(
    events: Sequence[Entry],
    *,
    invocation_id: str,
    branch: str,
    timeline: TimelineFilter = "all",
    branch_mode: BranchFilter = "prefix",
    invocation_start: int = 0,
) -> list[Entry]:
    """Events whose messages the model should see, under the timeline and branch filters.

    ``current_request`` keeps this invocation's events (the user's message included);
    ``current_invocation`` keeps only those from ``invocation_start`` (where this agent began)
    plus the user's message. ``prefix`` keeps events of ancestor and descendant agents,
    ``exact`` only this agent's own; user events always pass the branch filter.
    """
    selected: list[Entry] = []
    for index, event in enumerate(events):
        if timeline != "all" and event.invocation_id != invocation_id:
            continue
        if timeline == "current_invocation" and index < invocation_start and event.author != "user":
            continue
        if not isinstance(event, StoredMessage) and (
            event.message is None or event.partial or event.error is not None
        ):
            continue  # not a whole message (a stored plain message always is)
        if _branch_passes(event.author, event.branch, branch, branch_mode):
            selected.append(event)
    return selected


def _branch_passes(author: str, own: str, branch: str, branch_mode: BranchFilter) -> bool:
    if branch_mode == "all" or author == "user" or not own:
        return True
    return own == branch if branch_mode == "exact" else _related(own, branch)


def _related(a: str, b: str) -> bool:
    return a == b or b.startswith(a + ".") or a.startswith(b + ".")


def to_chat_messages(events: Sequence[Entry], *, agent_name: str) -> list[dict[str, Any]]:
    """Chat Completions messages for ``events``, always a valid sequence.

    Tool calls and tool results are kept only in complete pairs (a filter or a pause can leave
    one side out). Replies by other agents are shown as context from that agent. Images and
    files (``Message.parts``) go as ``runner.content`` says; a tool result's images follow the
    round's tool messages in a user message (tool messages take text only).
    """
    answered = {
        e.message.tool_call_id
        for e in events
        if not isinstance(e, StoredMessage) and e.message and e.message.role == "tool"
    }
    called: set[str] = set()
    out: list[dict[str, Any]] = []
    images: list[dict[str, Any]] = []  # tool-result images waiting for the round to end
    for event in events:
        if isinstance(event, StoredMessage):  # what most of a long history is: text, no JSON read
            if images:
                out += images
                images = []
            if event.role == "assistant" and event.author not in (agent_name, "") and event.text:
                out.append(_said(event.author, event.text))
            else:
                out.append({"role": event.role, "content": event.text})
            continue
        message = event.message
        assert message is not None
        if images and message.role != "tool":
            out += images
            images = []
        if message.role == "assistant":
            calls = [c for c in message.tool_calls if c.id in answered]
            is_other = event.author not in (agent_name, "") and not calls
            text = message.content
            if message.parts:  # assistant messages take text only
                text = "\n".join([text, *(part_reference(p) for p in message.parts)]).strip()
            if is_other and text:
                out.append(_said(event.author, text))
                continue
            # "" rather than None beside tool calls: OpenAI takes either, but llama.cpp's server
            # (llama-cpp-python 0.3) refuses a null content with a 500.
            entry: dict[str, Any] = {"role": "assistant", "content": text}
            if calls:
                called.update(c.id for c in calls)
                entry["tool_calls"] = [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.name, "arguments": c.arguments},
                    }
                    for c in calls
                ]
            if entry["content"] is None and not calls:
                continue
            out.append(entry)
        elif message.role == "tool":
            if message.tool_call_id not in called:
                continue
            content = tool_text(message.content, message.parts)
            out.append({"role": "tool", "tool_call_id": message.tool_call_id, "content": content})
            carried = tool_images(message.tool_call_id or "", message.name or "", message.parts)
            if carried is not None:
                images.append(carried)
        elif message.role == "system":
            out.append({"role": "system", "content": tool_text(message.content, message.parts)})
        else:
            out.append(
                {"role": message.role, "content": chat_content(message.content, message.parts)}
            )
    return out + images


def _said(author: str, text: str) -> dict[str, Any]:
    """Another agent's reply, as context from that agent."""
    return {"role": "user", "content": f"[{author}] said: {text}"}


def history_ref(
    events: Sequence[Event],
    *,
    invocation_id: str,
    branch: str,
    agent_name: str,
    timeline: TimelineFilter,
    branch_mode: BranchFilter,
    invocation_start: int,
) -> dict[str, Any]:
    """Where a request's history came from, enough for ``rebuild_messages`` to redo it."""
    found = entries(events)
    return {
        "until_event_id": found[-1].id if found else None,
        "start_event_id": found[invocation_start].id if invocation_start < len(found) else None,
        "invocation_id": invocation_id,
        "branch": branch,
        "agent": agent_name,
        "timeline": timeline,
        "branch_mode": branch_mode,
    }


def rebuild_messages(
    events: Sequence[Event], ref: dict[str, Any], system: str | None
) -> list[dict[str, Any]] | None:
    """The messages a stored request sent, from the session's events; None if they are gone."""
    until = ref.get("until_event_id")
    end = position(events, until) if until is not None else -1
    if end is None:
        return None
    prefix = entries(events)[: end + 1]
    start_id = ref.get("start_event_id")
    found = position(prefix, start_id) if start_id is not None else None
    start = len(prefix) if found is None else found
    selected = select_events(
        prefix,
        invocation_id=str(ref.get("invocation_id", "")),
        branch=str(ref.get("branch", "")),
        timeline=ref.get("timeline", "all"),
        branch_mode=ref.get("branch_mode", "prefix"),
        invocation_start=start,
    )
    messages = to_chat_messages(selected, agent_name=str(ref.get("agent", "")))
    if system:
        messages.insert(0, {"role": "system", "content": system})
    return messages
