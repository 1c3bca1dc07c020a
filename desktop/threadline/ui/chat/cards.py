"""The HTML of the timeline's cards: a tool call (one compact line that opens on its name to
the arguments and the result), an approval (what the agent wants to run, in a monospace block,
then Approve / Deny / Edit arguments / Always allow) and an error (with Retry).

The cards' fills, edges and accent bars are painted by the delegate (``bubbles.SURFACES``);
here are only the contents, in the light or the dark palette.
"""

from __future__ import annotations

import contextlib
import html
import json

from threadline.app.timeline import WAITING, ChatItem
from threadline.ui.common.icons import mark_html

# status -> (text, chip) in light, then in dark: green done, amber waiting, red failed.
_CHIPS = {
    "ok": (("#166534", "#dcfce7"), ("#86efac", "#173a24")),
    "waiting": (("#92400e", "#fef3c7"), ("#fcd34d", "#3f300d")),
    "failed": (("#991b1b", "#fee2e2"), ("#fca5a5", "#45191c")),
}
INK = ("#374151", "#d4d7dc")  # a card's own text: quieter than a reply's, not grey
MUTED = ("#6b7280", "#9aa0a8")
CODE = ("#eef0f3", "#2b2f33")  # argument and result blocks (a shade off the card's fill)
BUTTON = ("#ffffff", "#3a3f47")
ACCENT = ("#2563eb", "#3b82f6")
DENY = ("#b91c1c", "#fca5a5")
GOOD = ("#15803d", "#86efac")
ARGUMENTS_SHOWN = 2000  # characters of the arguments an approval card shows


def _pretty(arguments: object) -> str:
    text = str(arguments if arguments is not None else "")
    with contextlib.suppress(json.JSONDecodeError, TypeError):  # shown as sent otherwise
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    return text


def _block(text: str, *, dark: bool, colour: str = "") -> str:
    """A compact monospace block on a shaded ground."""
    ink = f"color:{colour};" if colour else ""
    return (
        f'<table width="100%" cellspacing="0" cellpadding="6" bgcolor="{CODE[dark]}"><tr><td>'
        f'<pre style="font-family:monospace;margin:0;{ink}">{html.escape(text)}</pre>'
        "</td></tr></table>"
    )


def _chip(status: str, *, dark: bool) -> str:
    if status == "ok":
        family = "ok"
    elif status in WAITING:
        family = "waiting"
    else:
        family = "failed"
    text, ground = _CHIPS[family][dark]
    return (
        f'<span style="color:{text};background-color:{ground}">&nbsp;{html.escape(status)}'
        "&nbsp;</span>"
    )


def tool_html(item: ChatItem, *, dark: bool) -> str:
    """A tool call as a compact card: name, a status chip and its time; arguments and the
    result open under it (click the name)."""
    duration = item.data.get("duration_ms")
    timing = f" · {duration:.0f} ms" if isinstance(duration, int | float) else ""
    if item.data.get("edited"):
        timing += " · arguments edited by you"
    progress = item.data.get("progress") if item.status in WAITING else None
    if progress:
        timing += f" · {html.escape(str(progress))}"
    is_open = bool(item.data.get("open"))
    name = html.escape(str(item.data.get("name") or item.text.split("(", 1)[0]))
    chevron = mark_html("open" if is_open else "closed", MUTED[dark]) or ("▾" if is_open else "▸")
    head = (
        f'<a href="act:tool" style="text-decoration:none;color:{INK[dark]}">{chevron}'
        f"{mark_html('tool', MUTED[dark], 14) or '⚙'}"
        f' <span style="font-family:monospace">{name}</span></a> &nbsp;'
        f'{_chip(item.status, dark=dark)}<span style="color:{MUTED[dark]}">{timing}</span>'
    )
    if not is_open:
        short = " ".join(item.detail[:80].split()) + ("…" if len(item.detail) > 80 else "")
        preview = (
            f' <span style="color:{MUTED[dark]}">→ {html.escape(short)}</span>' if short else ""
        )
        return head + preview
    result = item.detail[:4000] + ("…" if len(item.detail) > 4000 else "")
    label = f'<p style="color:{MUTED[dark]};margin-top:8px;margin-bottom:2px"><small>%s</small></p>'
    return (
        head
        + label % "Arguments"
        + _block(_pretty(item.data.get("arguments", "")), dark=dark)
        + (label % "Result" + _block(f"→ {result}", dark=dark) if result else "")
    )


def _button(action: str, label: str, *, dark: bool, primary: bool = False) -> str:
    colour = "#ffffff" if primary else (DENY[dark] if action == "deny" else INK[dark])
    ground = ACCENT[dark] if primary else BUTTON[dark]
    mark = mark_html(action, colour, 15)
    return (
        f'<td bgcolor="{ground}"><a href="act:{action}" style="text-decoration:none;'
        f'color:{colour}">{mark}&nbsp;<b>{label}</b></a></td><td width="8"></td>'
    )


def approval_html(item: ChatItem, *, dark: bool = False) -> str:
    """An approval card: the call and its arguments, then the choices while it waits."""
    name = html.escape(str(item.data.get("name", "")))
    pretty = _pretty(item.data.get("arguments", "{}"))
    if len(pretty) > ARGUMENTS_SHOWN:
        pretty = pretty[:ARGUMENTS_SHOWN] + "\n…"
    amber = "#fbbf24" if dark else "#b45309"
    head = (
        f'<p style="margin-bottom:6px">{mark_html("approval", amber, 17)} '
        f'<b style="color:{amber}">Approval needed</b> &nbsp;'
        f'<span style="color:{INK[dark]}">{html.escape(item.author)} wants to run</span> '
        f'<b style="font-family:monospace">{name}</b></p>'
    )
    args = _block(pretty, dark=dark)
    if item.status != "pending":
        good = item.status.startswith("approved")
        tint = GOOD[dark] if good else DENY[dark]
        mark = mark_html("approve" if good else "deny", tint, 15)
        return (
            f'{head}{args}<p style="margin-top:6px;color:{tint}">{mark} '
            f"{html.escape(item.status.capitalize())}</p>"
        )
    buttons = (
        '<table cellspacing="0" cellpadding="5" style="margin-top:8px"><tr>'
        + _button("approve", "Approve", dark=dark, primary=True)
        + _button("deny", "Deny", dark=dark)
        + _button("edit-args", "Edit arguments", dark=dark)
        + "</tr></table>"
    )
    keys = (  # on a line of its own: a narrow column wraps it, not the buttons
        f'<p style="color:{MUTED[dark]};margin-top:6px"><a href="act:always" '
        f'style="text-decoration:none;color:{MUTED[dark]}">'
        f"{mark_html('always', MUTED[dark], 14)} Always allow {name}</a>"
        " &nbsp;·&nbsp; <small>with the card selected, A approves, D denies, E edits the"
        " arguments</small></p>"
    )
    return head + args + buttons + keys


def error_html(text: str, *, dark: bool) -> str:
    """A failed request: what went wrong, and Retry."""
    red = DENY[dark]
    return (
        f'<p>{mark_html("error", red, 16)} <b style="color:{red}">Error</b> &nbsp;'
        f'{html.escape(text)} &nbsp; <a href="act:retry">Retry</a></p>'
    )
