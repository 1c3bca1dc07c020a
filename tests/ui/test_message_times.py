"""Each message says when it was sent, on hover: live and after reopening alike."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt

from tests.scripted_server import Reply
from tests.ui.helpers import Harness, items, send, wait_idle
from threadline.ui.chat.model import _when


def test_messages_show_when_they_were_sent_on_hover(app: Harness, qtbot: Any) -> None:
    app.server.script(Reply(text=["Noted."]))
    send(app, qtbot, "remember the milk")
    qtbot.waitUntil(lambda: any(i.kind == "assistant" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    model = app.window.chat_model
    expected = time.strftime("Today %H:%M")
    tips = [model.index(r).data(Qt.ItemDataRole.ToolTipRole) for r in range(model.rowCount())]
    assert tips and all(t is not None and t.startswith("Today ") for t in tips)
    session_id = app.parts.sessions.current_session_id
    assert session_id is not None
    app.parts.sessions.new_session()
    qtbot.waitUntil(lambda: model.rowCount() == 0)
    app.parts.sessions.open_session(session_id)
    qtbot.waitUntil(lambda: model.rowCount() == len(tips))
    reopened = [model.index(r).data(Qt.ItemDataRole.ToolTipRole) for r in range(model.rowCount())]
    assert reopened == tips and expected[:8] in tips[0]


def test_older_messages_name_the_day() -> None:
    assert _when(time.time() - 86400) is not None and _when(time.time() - 86400).startswith(
        "Yesterday "
    )
    assert _when(0.0) is not None and "1970" in _when(0.0)  # type: ignore[operator]
    assert _when(None) is None
