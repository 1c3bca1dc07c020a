"""The HTML of the timeline's cards: a tool call (compact, opening on its name) and an approval
(what the agent wants to run, with Approve / Deny / Edit arguments / Always allow)."""

from __future__ import annotations

import contextlib
import html
import json

from threadline.app.timeline import WAITING, ChatItem


def tool_html(item: ChatItem, *, dark: bool) -> str:
    """A tool call as a compact card: name, a status chip and its time; arguments and the
    result open under it (click the name)."""
    colour, chip = {
        "ok": ("#15803d", "#dcfce7"),
        "running": ("#b45309", "#fef3c7"),
        "awaiting approval": ("#b45309", "#fef3c7"),
        "denied": ("#b91c1c", "#fee2e2"),
    }.get(item.status, ("#b91c1c", "#fee2e2"))
    if dark:
        colour, chip = chip, colour
    duration = item.data.get("duration_ms")
    timing = f" · {duration:.0f} ms" if isinstance(duration, int | float) else ""
    if item.data.get("edited"):
        timing += " · arguments edited by you"
    progress = item.data.get("progress") if item.status in WAITING else None
    if progress:
        timing += f" · {html.escape(str(progress))}"
    is_open = bool(item.data.get("open"))
    name = html.escape(str(item.data.get("name") or item.text.split("(", 1)[0]))
    head = (
        f'<a href="act:tool" style="text-decoration:none">{"▾" if is_open else "▸"}'
        f' <span style="font-family:monospace">⚙ {name}</span></a> &nbsp; '
        f'<span style="color:{colour};background-color:{chip}">&nbsp;{html.escape(item.status)}'
        f'&nbsp;</span><span style="color:gray">{timing}</span>'
    )
    if not is_open:
        short = item.detail[:80] + ("…" if len(item.detail) > 80 else "")
        preview = f' <span style="color:gray">→ {html.escape(short)}</span>' if short else ""
        return head + preview
    arguments = str(item.data.get("arguments", ""))
    with contextlib.suppress(json.JSONDecodeError, TypeError):  # shown as sent
        arguments = json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
    result = item.detail[:4000] + ("…" if len(item.detail) > 4000 else "")
    return (
        head
        + f'<pre style="font-family:monospace">{html.escape(arguments)}</pre>'
        + (
            f'<pre style="font-family:monospace;color:gray">→ {html.escape(result)}</pre>'
            if result
            else ""
        )
    )


def approval_html(item: ChatItem) -> str:
    """An approval card: the call and its arguments, then the choices while it waits."""
    name = html.escape(str(item.data.get("name", "")))
    try:
        pretty = json.dumps(
            json.loads(item.data.get("arguments", "{}")), indent=2, ensure_ascii=False
        )
    except (json.JSONDecodeError, TypeError):
        pretty = str(item.data.get("arguments", ""))
    head = f"<b>Approval needed</b>: <b>{html.escape(item.author)}</b> wants to run <b>{name}</b>"
    args = f'<pre style="font-family:monospace">{html.escape(pretty)}</pre>'
    if item.status != "pending":
        return f'{head}{args}<span style="color:gray">{html.escape(item.status)}</span>'
    actions = (
        '<a href="act:approve">Approve</a> · <a href="act:deny">Deny</a> · '
        '<a href="act:edit-args">Edit arguments</a> · '
        f'<a href="act:always">Always allow {name}</a>'
    )
    return head + args + actions
