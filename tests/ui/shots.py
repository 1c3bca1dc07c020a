"""Screenshots of the main flows, in both themes and at three window sizes (docs/screenshots/).

The real window, started as the UI tests start it (a private data folder, the scripted server),
is driven through a conversation with Markdown, code and math, a tool call and an approval
waiting; the sidebar holds pinned and date-grouped conversations. Each (theme, size) gets the
conversation, the inspector open and the Settings window; the narrow size gets the sidebar
folded away and opened again over the chat.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.shots [folder]

``take`` does the work on a running app, so a test can run it on one size and theme.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tests.scripted_server import Reply, ScriptedServer, calls
from tests.ui.helpers import Harness, items, send, start_app, stop_app, wait_idle

DOCS = Path(__file__).resolve().parents[2] / "docs"
SIZES: dict[str, tuple[int, int]] = {
    "wide": (1440, 900),
    "medium": (1024, 700),
    "narrow": (680, 600),
}
THEMES = ("light", "dark")
DAY = 86400.0
QUESTION = "What is the area of a circle of radius 3? Show me the formula and some Python."
ANSWER = (
    "The area of a circle is $A = \\pi r^2$, so for $r = 3$:\n\n",
    "$$\nA = \\pi \\cdot 3^2 = 9\\pi \\approx 28.27\n$$\n\n",
    "In Python, with the **standard library** only:\n\n",
    "```python\nimport math\n\ndef area(r: float) -> float:\n",
    '    """The area of a circle of radius r."""\n    return math.pi * r**2\n\n',
    "print(round(area(3), 2))  # 28.27\n```\n\n",
    "| radius | area |\n|---|---|\n| 1 | 3.14 |\n| 3 | 28.27 |\n",
)
CONVERSATIONS = [  # (title, age in seconds, pinned)
    ("Trip to Lisbon: a 4-day plan", 40 * DAY, True),
    ("Circle areas in Python", 0, False),
    ("Refactor the billing module", 2 * 3600, False),
    ("Summarise the Q3 report", DAY + 60, False),
    ("SQL window functions", 3 * DAY, False),
    ("Regex for ISO dates", 5 * DAY, False),
    ("Cover letter draft", 12 * DAY, False),
    ("Sourdough starter schedule", 75 * DAY, False),
]


class Waiter:
    """``qtbot`` outside pytest: waits run Qt's event loop (and with it asyncio's).

    Not ``QTest.qWait``: it keeps the GIL while it sleeps, so a thread the app started (the
    ``openai`` import) crawls."""

    def waitUntil(self, condition: Callable[[], object], timeout: int = 10000) -> None:
        deadline = time.monotonic() + timeout / 1000
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the window did not get there in time")
            self.wait(10)

    def wait(self, ms: int) -> None:
        """Runs the event loop for ``ms`` milliseconds (layouts, repaints, network)."""
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def keyClicks(self, widget: Any, keys: str) -> None:
        from PySide6.QtTest import QTest

        QTest.keyClicks(widget, keys)

    def keyPress(self, widget: Any, key: Any) -> None:
        from PySide6.QtTest import QTest

        QTest.keyPress(widget, key)


def fill_sidebar(app: Harness, bot: Any) -> None:
    """Conversations of various ages (date groups) and a pinned one, as the store holds them."""
    store, now = app.services.store, time.time()

    async def fill() -> None:
        for number, (title, age, _) in enumerate(CONVERSATIONS[2:] + CONVERSATIONS[:1]):
            sid = f"shot-{number}"
            await store.create_session("threadline", "local", sid)
            await store.rename_session("threadline", "local", sid, title)
            await store._call(
                lambda db, sid=sid, age=age: db.execute(
                    "UPDATE sessions SET updated_at = ? WHERE id = ?", (now - age, sid)
                )
            )

    app.run(bot, fill())
    app.run(bot, app.parts.sessions.list())
    pinned = len(CONVERSATIONS) - 2
    app.parts.sessions.set_pinned(f"shot-{pinned}", True)
    tree = app.window.tree_model
    bot.waitUntil(lambda: tree.rowCount() >= len(CONVERSATIONS) - 1)


def converse(app: Harness, bot: Any, notes: Path) -> None:
    """A conversation: a tool call, a reply with Markdown, code and math, then an approval."""
    notes.write_text("Buy flour. Feed the starter at 8.", encoding="utf-8")
    app.server.script(
        calls(("calculator", '{"expression": "3.14159 * 3 ** 2"}')),
        Reply(text=list(ANSWER)),
        calls(("read_text_file", json.dumps({"path": str(notes)}))),
    )
    send(app, bot, QUESTION)
    bot.waitUntil(lambda: any(i.kind == "assistant" and i.event_id for i in items(app)))
    wait_idle(app, bot)
    send(app, bot, "Now read my notes file and tell me what is on it.")
    bot.waitUntil(lambda: any(i.kind == "approval" for i in items(app)))
    wait_idle(app, bot)
    app.window.sessions.rename(app.parts.sessions.current_session_id or "", CONVERSATIONS[1][0])


def hover_reply(app: Harness, bot: Any) -> None:
    """Puts the pointer over the latest reply: its toolbar shows, as under a reader's mouse."""
    from PySide6.QtTest import QTest

    view, model = app.window.chat.view, app.window.chat_model
    row = max(r for r in range(model.rowCount()) if model.item(r).kind == "assistant")
    seen = view.visualRect(model.index(row)).intersected(view.viewport().rect())
    QTest.mouseMove(view.viewport(), seen.center())
    bot.waitUntil(lambda: row in app.window.chat.delegate.toolbar.rows_shown())


def _settle(bot: Any) -> None:
    bot.wait(120)  # two or three frames: relayouts queued by the resize run


def _save(widget: Any, path: Path) -> Path:
    image = widget.grab()
    if image.isNull() or not image.save(str(path)):
        raise RuntimeError(f"could not save {path}")
    return path


def take(
    app: Harness,
    bot: Any,
    folder: Path,
    *,
    themes: Iterable[str] = THEMES,
    sizes: dict[str, tuple[int, int]] = SIZES,
) -> list[Path]:
    """Saves every flow's screenshot for ``themes`` × ``sizes`` into ``folder``; returns the
    files. The conversation must be open (``converse``)."""
    window, panels = app.window, app.window.panels
    folder.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    for theme in themes:
        window.settings_panel.theme.setCurrentText(theme.title())  # the label
        for name, (width, height) in sizes.items():
            stem = f"{theme}-{name}"
            panels.inspector_dock.hide()
            for _ in range(2):  # again once the layout let go of the inspector's room
                window.resize(width, height)
                _settle(bot)
            window.chat.scroll_to_end()
            _settle(bot)
            hover_reply(app, bot)
            saved.append(_save(window, folder / f"{stem}-chat.png"))
            if not panels.toggle_sidebar.isChecked():  # narrow: the sidebar opened as a drawer
                panels.toggle_sidebar.setChecked(True)
                _settle(bot)
                saved.append(_save(window, folder / f"{stem}-sidebar.png"))
                panels.toggle_sidebar.setChecked(False)
            if width >= 960:  # below that the inspector gives its room to the chat
                reply = next(i for i in reversed(items(app)) if i.kind == "assistant")
                window.chat.item_action.emit("inspect", reply)
                bot.waitUntil(panels.inspector_dock.isVisible)
                _settle(bot)
                saved.append(_save(window, folder / f"{stem}-inspector.png"))
                panels.inspector_dock.hide()
            if name == "wide":  # one Settings window per theme: it keeps its own size
                panels.show_settings()
                bot.waitUntil(panels.settings_window.isVisible)
                _settle(bot)
                saved.append(_save(panels.settings_window, folder / f"{theme}-settings.png"))
                from PySide6.QtWidgets import QScrollArea

                areas = [
                    a for a in panels.settings_window.findChildren(QScrollArea) if a.isVisible()
                ]
                area = max(areas, key=lambda a: a.verticalScrollBar().maximum(), default=None)
                if area is not None:  # its end: generation, appearance, tick boxes
                    area.verticalScrollBar().setValue(area.verticalScrollBar().maximum())
                    _settle(bot)
                    saved.append(
                        _save(panels.settings_window, folder / f"{theme}-settings-end.png")
                    )
                    area.verticalScrollBar().setValue(0)
                panels.settings_window.hide()
    return saved


def main(argv: list[str]) -> int:
    """Starts the app on a scratch folder against the scripted server and takes every shot."""
    from PySide6.QtWidgets import QApplication

    from threadline.ui.common.qt import QEventLoop

    folder = Path(argv[0]) if argv else DOCS / "screenshots"
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    loop = QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    bot = Waiter()
    with tempfile.TemporaryDirectory() as scratch, ScriptedServer() as server:
        app = start_app(bot, Path(scratch) / "data", server)
        try:
            fill_sidebar(app, bot)
            converse(app, bot, Path(scratch) / "notes.txt")
            saved = take(app, bot, folder)
        finally:
            stop_app(bot, app)
    # As the UI fixtures do: the loop's worker threads (asyncio.to_thread) end before Qt
    # does, or Qt aborts the process ("QThread: Destroyed while thread is still running").
    from PySide6.QtCore import QTimer

    loop.stop()
    QTimer.singleShot(0, lambda: qapp.exit(0))
    qapp.exec()
    loop.close()
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
