"""A damaged data file, met in the real window and the real process: moved aside and kept,
salvaged into a fresh file, said in a banner (no modal dialog), nothing readable lost."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from tests.faults.test_startup import finish, launch
from tests.scripted_server import ScriptedServer
from tests.sessions.test_salvage import damage, filled
from tests.ui.helpers import start_app, stop_app
from threadline.ui.common.qt import QEventLoop

T = TypeVar("T")


def in_thread(coro: Coroutine[Any, Any, T]) -> T:
    """Runs ``coro`` on a loop of its own (the test's qasync loop counts as running)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_damaged_header_opens_on_the_salvaged_file_with_a_banner(
    qtbot: Any, qloop: QEventLoop, server: ScriptedServer, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    texts = in_thread(filled(folder / "threadline.db", 3, 5))
    damage(folder / "threadline.db", 0, 100)
    app = start_app(qtbot, folder, server)
    try:
        bar = app.window.recovery_bar
        qtbot.waitUntil(bar.isVisible, timeout=5000)
        assert "damaged" in bar.text.text() and "3 conversation(s)" in bar.text.text()
        kept = Path(bar.kept_file)
        assert (
            kept.exists()
            and kept.parent == folder
            and kept.name.startswith("threadline.db.corrupt-")
        )
        qtbot.waitUntil(lambda: app.window.tree_model.rowCount() == 3, timeout=5000)
        app.parts.sessions.open_session("s1")
        qtbot.waitUntil(lambda: len(app.window.chat_model.items()) == 5, timeout=5000)
        assert {i.text for i in app.window.chat_model.items()} <= set(texts)
        app.window.recovery_bar.dismiss_button.click()
        assert not bar.isVisible()
    finally:
        stop_app(qtbot, app)
    assert app.errors == []


def test_the_process_starts_on_a_damaged_file_without_a_dialog(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    asyncio.run(filled(folder / "threadline.db", 2, 3))
    damage(folder / "threadline.db", 0, 100)
    code, out, err = finish(launch(folder, "--smoke-test"))
    assert code == 0, err
    assert "smoke test ok" in out and "dialog shown" not in out
    assert "Traceback" not in err
    assert len(list(folder.glob("threadline.db.corrupt-*"))) == 1
