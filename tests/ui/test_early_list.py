"""At launch the sidebar lists the conversations from the store file before the app is built
behind the window; a message written meanwhile stays in the composer until it can be sent."""

from __future__ import annotations

import asyncio
import sys
import threading
import types
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from tests.scripted_server import Reply, ScriptedServer
from tests.ui.helpers import Harness, items, stop_app
from threadline.app.early import APP_NAME, PINNED_KEY, USER_ID
from threadline.core.events import Event, Message
from threadline.settings.config import ProviderSettings
from threadline.ui.shell.launch import _import_phase_two_taking_input, _list_early
from threadline.ui.shell.main_window import MainWindow
from threadline.ui.shell.root import build_app


def _fill(folder: Path, loop: asyncio.AbstractEventLoop, qtbot: Any) -> None:
    from threadline.sessions import SQLiteSessionService

    async def fill() -> None:
        store = SQLiteSessionService(folder / "threadline.db")
        for n in range(4):
            session = await store.create_session(APP_NAME, USER_ID, f"s{n}")
            await store.append_event(
                session, Event(author="user", message=Message(role="user", content=f"topic {n}"))
            )
            await store.rename_session(APP_NAME, USER_ID, f"s{n}", f"Topic {n}")
        await store.set_setting(PINNED_KEY, ["s0"])
        await store.aclose()

    task = loop.create_task(fill())
    qtbot.waitUntil(task.done, timeout=10000)
    task.result()


def test_the_list_shows_before_the_app_and_nothing_written_is_lost(
    qtbot: Any, qloop: Any, server: ScriptedServer, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    _fill(folder, qloop, qtbot)
    window = MainWindow(build=False)  # as launch does: the shell, then the real widgets
    window.show()
    qtbot.waitExposed(window)
    window.build()
    assert _list_early(QApplication.instance(), window, folder)
    tree = window.tree_model
    titles = [tree.index(r, 0).data() for r in range(tree.rowCount())]
    assert titles[0] == "Topic 0" and sorted(titles) == [f"Topic {n}" for n in range(4)]
    assert tree.node("s0").pinned  # pinned first, as the store's own list shows it
    composer = window.chat.composer
    qtbot.keyClicks(composer, "written before the app is ready")
    qtbot.keyPress(composer, Qt.Key.Key_Return)
    assert composer.toPlainText() == "written before the app is ready"  # kept, not lost

    parts = build_app(folder)
    parts.services.settings.provider = ProviderSettings(
        name="custom", base_url=server.base_url, model="scripted-large"
    )
    parts.services.settings.is_setup_done = True
    window.attach(parts)
    parts.start()
    harness = Harness(window, parts, server)
    qtbot.waitUntil(lambda: parts.warmed, timeout=10000)
    assert tree.rowCount() == 4  # the store's list replaced the early one, the same rows
    server.script(Reply(text=["Now it is."]))
    qtbot.keyPress(composer, Qt.Key.Key_Return)  # the kept text goes now
    qtbot.waitUntil(lambda: any(i.text == "Now it is." for i in items(harness)), timeout=5000)
    assert composer.toPlainText() == ""
    stop_app(qtbot, harness)


def test_keys_typed_while_the_rest_of_the_app_imports_reach_the_composer(
    qtbot: Any, tmp_path: Path
) -> None:
    """Phase two imports on a thread while the listed window takes input: a module whose
    import waits until keys were typed only finishes if the window handled them meanwhile."""
    window = MainWindow(build=False)
    window.show()
    qtbot.waitExposed(window)
    window.build()
    composer = window.chat.composer
    composer.setFocus()
    gate = threading.Event()
    sys.modules["threadline_test_gate"] = types.SimpleNamespace(gate=gate)  # type: ignore[assignment]
    (tmp_path / "slow_phase_two.py").write_text(
        "import threadline_test_gate\nimported = threadline_test_gate.gate.wait(20)\n",
        encoding="utf-8",
    )
    sys.path.insert(0, str(tmp_path))

    def type_then_open_the_gate() -> None:
        qtbot.keyClicks(composer, "typed while importing")
        gate.set()

    try:
        QTimer.singleShot(0, type_then_open_the_gate)
        _import_phase_two_taking_input(
            QApplication.instance(), report=False, modules=("slow_phase_two",)
        )
        assert sys.modules["slow_phase_two"].imported  # the gate opened: keys came first
        assert composer.toPlainText() == "typed while importing"
    finally:
        gate.set()
        sys.path.remove(str(tmp_path))
        sys.modules.pop("slow_phase_two", None)
        sys.modules.pop("threadline_test_gate", None)
        window.allow_close()
        window.close()
