"""Start-up reopens the last conversation only if the person has not chosen one meanwhile
(the sidebar shows before start-up reaches that step)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.scripted_server import ScriptedServer
from tests.ui.helpers import Harness, items, stop_app
from threadline.app.early import APP_NAME, USER_ID
from threadline.core.events import Event, Message
from threadline.settings import save_settings
from threadline.settings.config import AppSettings, ProviderSettings
from threadline.ui.shell.main_window import MainWindow
from threadline.ui.shell.root import build_app


def _start(qtbot: Any, folder: Path, server: ScriptedServer) -> Harness:
    parts = build_app(folder)
    parts.services.settings.provider = ProviderSettings(
        name="custom", base_url=server.base_url, model="scripted-large"
    )
    window = MainWindow(parts)
    window.show()
    return Harness(window, parts, server)


def test_a_conversation_opened_early_is_not_replaced_by_the_last_one(
    qtbot: Any, qloop: Any, server: ScriptedServer, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    save_settings(folder, AppSettings(is_setup_done=True, last_session_id="last"))
    app = _start(qtbot, folder, server)
    store = app.services.store

    async def fill() -> None:
        for sid in ("last", "chosen"):
            session = await store.create_session(APP_NAME, USER_ID, sid)
            await store.append_event(
                session, Event(author="user", message=Message(role="user", content=f"in {sid}"))
            )

    app.run(qtbot, fill())
    app.parts.start()
    app.parts.sessions.open_session("chosen")  # a click on the early list, before start-up ends
    qtbot.waitUntil(lambda: app.parts.warmed, timeout=10000)
    qtbot.waitUntil(lambda: any(i.text == "in chosen" for i in items(app)))
    assert app.parts.sessions.current_session_id == "chosen"
    assert not any(i.text == "in last" for i in items(app))
    stop_app(qtbot, app)
