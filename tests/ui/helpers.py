"""Shared helpers for UI tests: the app as a test drives it (started on a private folder, against
the scripted server) and the small steps every window test repeats."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl, Slot

from tests.scripted_server import ScriptedServer
from threadline.app.services import Services
from threadline.app.timeline import ChatItem
from threadline.settings.config import ProviderSettings
from threadline.ui.shell.main_window import MainWindow
from threadline.ui.shell.root import App, build_app


@dataclass
class Harness:
    """The running app as a test sees it."""

    window: MainWindow
    parts: App
    server: ScriptedServer
    errors: list[BaseException] = field(default_factory=list)

    @property
    def services(self) -> Services:
        """The services below the UI."""
        return self.parts.services

    def run(self, qtbot: object, coro: object, timeout: int = 5000) -> object:
        """Runs a coroutine on the app's loop and waits for its result."""
        task = asyncio.get_event_loop().create_task(coro)  # type: ignore[arg-type]
        qtbot.waitUntil(task.done, timeout=timeout)  # type: ignore[attr-defined]
        return task.result()


def start_app(qtbot: object, folder: Path, server: ScriptedServer) -> Harness:
    """Builds the real services and window on ``folder``, talking to ``server``."""
    errors: list[BaseException] = []
    parts = build_app(folder, on_error=errors.append)
    settings = parts.services.settings
    settings.provider = ProviderSettings(
        name="custom", base_url=server.base_url, model="scripted-large"
    )
    settings.is_setup_done = True
    window = MainWindow(parts)
    # Not qtbot.addWidget: stop_app closes the window and the qloop fixture frees it.
    window.show()
    parts.start()
    return Harness(window, parts, server, errors)


def stop_app(qtbot: object, harness: Harness) -> None:
    """Shuts the app down the way closing the window does."""
    harness.run(qtbot, harness.parts.shutdown())
    harness.window.allow_close()
    harness.window.close()


def send(app: Harness, qtbot: Any, message: str) -> None:
    """Types ``message`` into the composer and presses Enter."""
    chat = app.window.chat
    qtbot.keyClicks(chat.composer, message)
    qtbot.keyPress(chat.composer, Qt.Key.Key_Return)


def items(app: Harness) -> list[ChatItem]:
    """What the chat timeline holds now."""
    return app.window.chat_model.items()


def wait_idle(app: Harness, qtbot: Any) -> None:
    """Waits until no reply runs in the open conversation."""
    sid = app.parts.sessions.current_session_id
    qtbot.waitUntil(lambda: not app.parts.chat.is_running(sid), timeout=5000)


class FakeBrowser(QObject):
    """Stands in for the system browser (``QDesktopServices.setUrlHandler``)."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        """Records the URL instead of opening it."""
        self.opened.append(url.toString())
