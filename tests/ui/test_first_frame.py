"""Opening a conversation: its visible rows are measured before the first paint (no paint at
guessed heights, then again), and the hidden inspector fills only when it is shown."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QEvent, QObject

from tests.scripted_server import Reply
from tests.ui.helpers import Harness, items, send, wait_idle
from threadline.ui.chat.model import ITEM_ROLE


class PaintCounter(QObject):
    """Counts a widget's paint events since the last ``restart``."""

    def __init__(self, widget: QObject) -> None:
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def restart(self) -> None:
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def _fill(app: Harness, qtbot: Any, session_id: str, count: int) -> None:
    from threadline.core.events import Event, Message

    store = app.services.store

    async def fill() -> None:
        session = await store.create_session("threadline", "local", session_id)
        for n in range(count):
            role = "user" if n % 2 == 0 else "assistant"
            body = f"message {n}: " + "a reply that wraps over several lines " * (n % 7 + 1)
            await store.append_event(
                session, Event(author=role, message=Message(role=role, content=body))
            )

    app.run(qtbot, fill(), timeout=30000)


def test_an_opened_conversation_is_painted_once_at_its_rows_real_heights(
    app: Harness, qtbot: Any
) -> None:
    _fill(app, qtbot, "long", 120)
    chat = app.window.chat
    view, delegate = chat.view, chat.delegate
    paints = PaintCounter(view.viewport())
    view.model().modelReset.connect(paints.restart)
    with qtbot.waitSignal(chat.first_frame.drawn, timeout=5000):
        app.parts.sessions.open_session("long")
    assert paints.count == 1  # one paint, at the measured heights, not a guess then the truth
    assert view.viewport().updatesEnabled()
    bar = view.verticalScrollBar()
    assert bar.value() == bar.maximum() > 0  # at the latest message
    model = view.model()
    last = model.index(model.rowCount() - 1, 0)
    assert "message 119" in last.data(ITEM_ROLE).text
    visible = [
        model.index(row, 0)
        for row in range(model.rowCount())
        if view.visualRect(model.index(row, 0)).intersects(view.viewport().rect())
    ]
    assert len(visible) >= 2
    width = delegate._text_width()
    for index in visible:  # each laid out at its document's height, not an estimate
        doc = delegate.document(index.data(ITEM_ROLE), width, view.palette())
        assert delegate.measure(index) == view.visualRect(index).height()
        assert math.ceil(doc.size().height()) > 0


def test_a_newer_open_wins_over_one_still_preparing(app: Harness, qtbot: Any) -> None:
    _fill(app, qtbot, "first", 60)
    chat = app.window.chat
    with qtbot.waitSignal(chat.first_frame.drawn, timeout=5000):
        app.parts.sessions.open_session("first")
    drawn: list[bool] = []
    chat.first_frame.drawn.connect(lambda: drawn.append(True))
    chat.first_frame.prepare()
    chat.first_frame.prepare()  # again before the first preparation's first step
    qtbot.waitUntil(lambda: bool(drawn), timeout=5000)
    qtbot.waitUntil(lambda: not chat.first_frame.preparing)
    with qtbot.waitSignal(chat.first_frame.drawn, timeout=5000):  # an empty one, later
        app.parts.sessions.new_session()
    assert drawn == [True, True]  # the twice-prepared frame was painted once
    assert not chat.first_frame.preparing and chat.empty_hint.isVisible()


def test_the_hidden_inspector_fills_when_shown_with_what_happened_meanwhile(
    app: Harness, qtbot: Any
) -> None:
    window = app.window
    assert not window.inspector_dock.isVisible()
    app.server.script(Reply(text=["First answer."]))
    send(app, qtbot, "first question")
    qtbot.waitUntil(lambda: any(i.text == "First answer." for i in items(app)))
    wait_idle(app, qtbot)
    inspector = window.inspector
    session_id = app.parts.sessions.current_session_id
    app.parts.sessions.new_session()
    qtbot.waitUntil(lambda: not items(app))
    app.parts.sessions.open_session(session_id)  # loaded while the inspector is hidden
    qtbot.waitUntil(lambda: any(i.text == "First answer." for i in items(app)))
    assert inspector.requests.rowCount() == 0  # nothing built while nobody sees it
    app.server.script(Reply(text=["Second answer."]))
    send(app, qtbot, "second question")  # and a live request meanwhile
    qtbot.waitUntil(lambda: any(i.text == "Second answer." for i in items(app)))
    wait_idle(app, qtbot)
    assert inspector.requests.rowCount() == 0
    window.panels.toggle_inspector.trigger()
    qtbot.waitUntil(window.inspector_dock.isVisible)
    assert inspector.requests.rowCount() == 2  # the stored request and the live one


def test_a_row_that_cannot_be_drawn_does_not_freeze_the_view(
    app: Harness, qtbot: Any, monkeypatch: Any
) -> None:
    _fill(app, qtbot, "broken", 20)
    chat = app.window.chat

    def fails(index: Any) -> int:
        raise ValueError("a document that cannot be built")

    monkeypatch.setattr(chat.delegate, "measure", fails)
    with qtbot.waitSignal(chat.first_frame.drawn, timeout=5000):
        app.parts.sessions.open_session("broken")
    assert not chat.first_frame.preparing and chat.view.viewport().updatesEnabled()


def test_live_events_met_while_hidden_reach_the_event_log(app: Harness, qtbot: Any) -> None:
    window = app.window
    app.server.script(Reply(text=["Logged answer."]))
    send(app, qtbot, "a question while the inspector is hidden")
    qtbot.waitUntil(lambda: any(i.text == "Logged answer." for i in items(app)))
    wait_idle(app, qtbot)
    session_id = app.parts.sessions.current_session_id
    app.parts.sessions.new_session()
    qtbot.waitUntil(lambda: not items(app))
    app.parts.sessions.open_session(session_id)
    qtbot.waitUntil(lambda: any(i.text == "Logged answer." for i in items(app)))
    app.server.script(Reply(text=["Second logged answer."]))
    send(app, qtbot, "another one, still hidden")
    qtbot.waitUntil(lambda: any(i.text == "Second logged answer." for i in items(app)))
    wait_idle(app, qtbot)
    window.panels.toggle_inspector.trigger()
    qtbot.waitUntil(window.inspector_dock.isVisible)
    logged = window.inspector.event_log.toPlainText()
    assert "Second logged answer." in logged  # the live run's events, as if it had been open
