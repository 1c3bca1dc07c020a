"""Typing in a reopened conversation reads its history meanwhile, so the turn the message
starts does not wait for it (the first reply after a restart starts as a warm one)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from tests.scripted_server import Reply, ScriptedServer
from tests.ui.helpers import items, start_app, stop_app, wait_idle
from threadline.app.early import APP_NAME, STORE_NAME, USER_ID
from threadline.core.events import Event, Message
from threadline.sessions import SQLiteSessionService
from threadline.sessions.queries import HISTORY_COLUMNS
from threadline.settings import save_settings
from threadline.settings.config import AppSettings


async def _write_before_the_restart(path: Path) -> None:
    store = SQLiteSessionService(path)
    session = await store.create_session(APP_NAME, USER_ID, "long")
    for i in range(40):
        role = "user" if i % 2 == 0 else "assistant"
        await store.append_event(
            session,
            Event(author=role, message=Message(role=role, content=f"earlier message {i}")),
        )
    await store.aclose()


def test_typing_reads_the_history_the_next_turn_needs(
    qtbot: Any, qloop: Any, server: ScriptedServer, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    # Another store, in a thread of its own, as the app before the restart: nothing cached.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _write_before_the_restart(folder / STORE_NAME)).result()
    save_settings(folder, AppSettings(is_setup_done=True))
    server.script(Reply(text=["Answered."]))
    app = start_app(qtbot, folder, server)
    store = app.services.store
    assert isinstance(store, SQLiteSessionService)
    reads: list[str] = []
    app.run(qtbot, store._call(lambda db: db.set_trace_callback(reads.append)))
    app.parts.sessions.open_session("long")
    qtbot.waitUntil(lambda: any(i.text == "earlier message 39" for i in items(app)))

    def history_reads() -> int:
        return sum(1 for s in reads if s.startswith(f"SELECT {HISTORY_COLUMNS} "))

    assert history_reads() == 0  # opening shows a window of rows, not the model's history
    composer = app.window.chat.composer
    qtbot.keyClicks(composer, "and now?")
    qtbot.waitUntil(lambda: history_reads() == 1)
    qtbot.keyPress(composer, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(i.text == "Answered." for i in items(app)), timeout=10000)
    wait_idle(app, qtbot)
    assert history_reads() == 1  # the turn found the history already read
    sent = server.requests[-1]["messages"]
    assert [m["content"] for m in sent[-3:]] == [
        "earlier message 38",
        "earlier message 39",
        "and now?",
    ]
    app.run(qtbot, store._call(lambda db: db.set_trace_callback(None)))
    stop_app(qtbot, app)
