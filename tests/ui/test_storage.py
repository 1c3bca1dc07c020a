"""Settings → Storage against a real PostgreSQL server with password login (SCRAM) and the
real Secret Service keyring (``sh tests/with_keyring.sh``): honest connection errors, the
password only in the keyring, a one-way copy that never duplicates, the app working on the
server (list, open, send, branch), and a wrong password falling back to this computer."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import keyring
import pytest
from PySide6.QtCore import Qt

from tests.scripted_server import ScriptedServer, text
from tests.sessions.servers import PostgresServer, find_postgres_bin, free_port
from tests.ui.helpers import Harness, items, send, start_app, stop_app, wait_idle
from tests.ui.test_keys import _require_secret_service
from threadline.app.fallback_store import FallbackStore
from threadline.app.restart import restart_command
from threadline.core.events import Event, Message, new_id
from threadline.sessions import PostgresSessionService, SQLiteSessionService
from threadline.settings.config import AppSettings, ProviderSettings, StorageSettings
from threadline.ui.common.qt import QEventLoop
from threadline.ui.settings.storage_page import StoragePage, bind_storage

T = TypeVar("T")
PASSWORD = "pg-pass-" + new_id()[:10]  # the server's; must never reach a file or the output
APP, USER = "threadline", "local"


def apart(coro: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine on a loop of its own in another thread (set-up and checks that must
    not run on the window's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result(timeout=60)


@pytest.fixture(scope="module")
def pg() -> Iterator[PostgresServer]:
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL (initdb, pg_ctl) is not installed here; .ci/run installs it")
    server = PostgresServer.start(bin_dir, password=PASSWORD)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def database(pg: PostgresServer) -> str:
    """A fresh, empty database on the password server; its name."""
    name = "db_" + new_id()[:12]

    async def make() -> None:
        conn = await asyncpg.connect(pg.dsn, password=PASSWORD)
        try:
            await conn.execute(f"CREATE DATABASE {name}")
        finally:
            await conn.close()

    apart(make())
    return name


def storage_for(pg: PostgresServer, database: str) -> StorageSettings:
    return StorageSettings(
        kind="server", host="127.0.0.1", port=pg.port, database=database, user="postgres"
    )


def server_store(pg: PostgresServer, database: str) -> PostgresSessionService:
    return PostgresSessionService(
        f"postgresql://postgres@127.0.0.1:{pg.port}/{database}", password=PASSWORD
    )


def bound_page(app: Harness) -> StoragePage:
    page = app.window.settings_panel.storage
    bind_storage(page, app.parts.settings.storage)  # as the window does; once only
    return page


def fill(page: StoragePage, storage: StorageSettings, password: str) -> None:
    page.server.setChecked(True)
    page.host.setText(storage.host)
    page.port.setValue(storage.port)
    page.database.setText(storage.database)
    page.user.setText(storage.user)
    page.password.setText(password)


def test_connection_test_says_plainly_what_is_wrong(
    app: Harness, qtbot: Any, pg: PostgresServer, database: str
) -> None:
    page = bound_page(app)
    storage = storage_for(pg, database)
    assert page.local.isChecked() and not page.test_button.isEnabled()  # the default

    def tried(password: str, **changes: Any) -> str:
        fill(page, storage.model_copy(update=changes), password)
        page.result.clear()
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(page.result.text()), timeout=10000)
        return page.result.text()

    wrong = tried("not-the-password")
    assert "refused the password for user postgres" in wrong and wrong.startswith("✗")
    missing = tried(PASSWORD, database="no_such_db")
    assert "There is no database named 'no_such_db'" in missing
    port = free_port()
    assert f"Nothing answers at 127.0.0.1:{port}" in tried(PASSWORD, port=port)
    assert "Enter the server's host name" in tried(PASSWORD, host="")
    fine = tried(PASSWORD)
    assert fine.startswith("✓ Connected to PostgreSQL") and "will create its tables" in fine
    assert PASSWORD not in fine + wrong + missing


@pytest.mark.keyring
def test_save_keeps_the_password_in_the_keyring_and_copy_never_duplicates(
    app: Harness, qtbot: Any, pg: PostgresServer, database: str
) -> None:
    _require_secret_service()
    local = app.services.store
    assert isinstance(local, SQLiteSessionService)

    async def conversations() -> str:
        first = await local.create_session(APP, USER)
        asked = Event(author="user", message=Message(role="user", content="tides?"))
        await local.append_event(first, asked)
        await local.append_event(
            first, Event(author="assistant", message=Message(role="assistant", content="moon"))
        )
        branch = await local.branch(APP, USER, first.id, asked.id)
        meta = await local.get_meta(APP, USER, branch.id)
        assert meta is not None
        await local.append_event(
            meta, Event(author="user", message=Message(role="user", content="sun?"))
        )
        other = await local.create_session(APP, USER)
        await local.append_event(
            other, Event(author="user", message=Message(role="user", content="bread"))
        )
        return branch.id

    branch_id = app.run(qtbot, conversations())
    page = bound_page(app)
    storage = storage_for(pg, database)
    fill(page, storage, PASSWORD)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.restart_button.isVisibleTo(page), timeout=10000)
    assert page.restart_note.text() == "Restart Threadline to use the shared server."
    try:
        assert keyring.get_password("Threadline", storage.key_name) == PASSWORD
        saved = (app.services.folder / "settings.json").read_text(encoding="utf-8")
        assert PASSWORD not in saved
        assert json.loads(saved)["storage"]["kind"] == "server"

        page.password.clear()  # the copy reads the password from the keyring
        qtbot.mouseClick(page.copy_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.copy_result.text().startswith("Copied"), timeout=20000)
        assert page.copy_result.text() == "Copied 3 conversations to the server."
        assert page.progress.format() == "3 of 3 conversations"

        async def on_server() -> tuple[set[str], list[str], str | None]:
            async with server_store(pg, database) as server:
                tree = await server.list_tree(APP, USER)
                rows = await server.load_rows(branch_id)
                meta = await server.get_meta(APP, USER, branch_id)
                assert meta is not None
                return {row.id for row in tree}, [row.text for row in rows], meta.parent_id

        ids, branch_rows, parent = apart(on_server())
        local_ids = {row.id for row in app.run(qtbot, local.list_tree(APP, USER))}
        assert ids == local_ids and branch_rows == ["tides?", "sun?"] and parent in ids

        page.copy_result.clear()
        qtbot.mouseClick(page.copy_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.copy_result.text().startswith("Copied"), timeout=20000)
        assert page.copy_result.text() == (
            "Copied 0 conversations to the server."
            " 3 conversations already there were left as they are."
        )
        assert apart(on_server())[0] == ids  # nothing twice
    finally:
        keyring.delete_password("Threadline", storage.key_name)


def _write_settings(folder: Path, storage: StorageSettings) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    settings = AppSettings(storage=storage, is_setup_done=True, provider=ProviderSettings())
    (folder / "settings.json").write_text(settings.model_dump_json(), encoding="utf-8")


@pytest.mark.keyring
def test_the_app_works_on_the_shared_server(
    caplog: pytest.LogCaptureFixture,
    qtbot: Any,
    qloop: QEventLoop,
    server: ScriptedServer,
    tmp_path: Path,
    pg: PostgresServer,
    database: str,
) -> None:
    _require_secret_service()
    storage = storage_for(pg, database)
    folder = tmp_path / "data"
    _write_settings(folder, storage)

    async def seed() -> str:
        async with server_store(pg, database) as shared:
            session = await shared.create_session(APP, USER)
            await shared.append_event(
                session, Event(author="user", message=Message(role="user", content="from afar"))
            )
            return session.id

    seeded = apart(seed())
    caplog.set_level(logging.INFO)  # what the app's log keeps (logs.configure)
    keyring.set_password("Threadline", storage.key_name, PASSWORD)
    harness = start_app(qtbot, folder, server)
    try:
        tree = harness.window.tree_model
        qtbot.waitUntil(lambda: tree.rowCount() == 1, timeout=10000)
        store = harness.services.store
        assert isinstance(store, FallbackStore) and store.on_server and store.problem is None
        harness.window.sidebar.session_selected.emit(seeded)
        qtbot.waitUntil(lambda: [i.text for i in items(harness)] == ["from afar"], timeout=5000)
        server.script(text("near"), text("again"))
        send(harness, qtbot, "hello server")
        qtbot.waitUntil(lambda: any(i.text == "near" and i.event_id for i in items(harness)))
        wait_idle(harness, qtbot)
        send(harness, qtbot, "more")
        qtbot.waitUntil(lambda: any(i.text == "again" and i.event_id for i in items(harness)))
        wait_idle(harness, qtbot)
        reply = next(i for i in items(harness) if i.text == "near")
        harness.window.chat.item_action.emit("branch", reply)
        qtbot.waitUntil(
            lambda: [i.text for i in items(harness)] == ["from afar", "hello server", "near"],
            timeout=5000,
        )
        branch_id = harness.parts.sessions.current_session_id
        assert branch_id and branch_id != seeded
        qtbot.waitUntil(lambda: tree.rowCount(tree.index_of(seeded)) == 1, timeout=5000)

        async def stored() -> tuple[list[str], str | None]:
            async with server_store(pg, database) as shared:
                whole = await shared.load_rows(seeded)
                meta = await shared.get_meta(APP, USER, branch_id)
                return [row.text for row in whole], meta.parent_id if meta else None

        whole = ["from afar", "hello server", "near", "more", "again"]
        assert apart(stored()) == (whole, seeded)
        page = bound_page(harness)
        assert page.in_use.text().startswith("In use now: the shared server postgres@127.0.0.1")
    finally:
        stop_app(qtbot, harness)
        keyring.delete_password("Threadline", storage.key_name)
    with sqlite3.connect(folder / "threadline.db") as db:  # nothing went to this computer
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    assert harness.errors == []
    assert PASSWORD not in caplog.text


@pytest.mark.keyring
def test_a_wrong_password_falls_back_to_this_computer_and_loses_nothing(
    caplog: pytest.LogCaptureFixture,
    qtbot: Any,
    qloop: QEventLoop,
    server: ScriptedServer,
    tmp_path: Path,
    pg: PostgresServer,
    database: str,
) -> None:
    _require_secret_service()
    storage = storage_for(pg, database)
    folder = tmp_path / "data"
    _write_settings(folder, storage)

    async def local_conversation() -> None:
        local = SQLiteSessionService(folder / "threadline.db")
        session = await local.create_session(APP, USER)
        await local.append_event(
            session, Event(author="user", message=Message(role="user", content="kept here"))
        )
        await local.aclose()

    apart(local_conversation())
    caplog.set_level(logging.INFO)  # what the app's log keeps (logs.configure)
    keyring.set_password("Threadline", storage.key_name, "an-old-password")
    harness = start_app(qtbot, folder, server)
    try:
        banner = harness.window.chat.banner
        qtbot.waitUntil(lambda: "refused the password" in banner.text(), timeout=15000)
        assert "using the conversations on this computer" in banner.text()
        assert "Settings → Storage" in banner.text() and "an-old-password" not in banner.text()
        tree = harness.window.tree_model
        qtbot.waitUntil(lambda: tree.rowCount() == 1, timeout=5000)
        assert tree.index(0, 0).data() == "kept here"
        page = bound_page(harness)
        assert page.server.isChecked() and page.in_use.text().startswith(
            "In use now: this computer."
        )
        server.script(text("still here"))
        send(harness, qtbot, "and this")
        qtbot.waitUntil(lambda: any(i.text == "still here" and i.event_id for i in items(harness)))
        wait_idle(harness, qtbot)
    finally:
        stop_app(qtbot, harness)
        keyring.delete_password("Threadline", storage.key_name)
    with sqlite3.connect(folder / "threadline.db") as db:
        texts = [row[0] for row in db.execute("SELECT text FROM events ORDER BY seq")]
    assert texts == ["kept here", "and this", "still here"]
    assert harness.errors == []
    assert "refused the password" in caplog.text and "an-old-password" not in caplog.text
    assert "an-old-password" not in (folder / "settings.json").read_text(encoding="utf-8")


def test_restart_starts_threadline_again_once_this_process_has_ended(tmp_path: Path) -> None:
    waiting = subprocess.Popen([sys.executable, "-c", "input()"], stdin=subprocess.PIPE)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(30)
        port = listener.getsockname()[1]
        started = [
            sys.executable,
            "-c",
            f"import socket; socket.create_connection(('127.0.0.1', {port})).sendall(b'up')",
        ]
        helper = subprocess.Popen(restart_command(waiting.pid, started))
        assert helper.poll() is None  # it waits while the process lives
        assert waiting.stdin is not None
        waiting.stdin.close()
        waiting.wait(timeout=30)
        connection, _ = listener.accept()
        with connection:
            assert connection.recv(2) == b"up"
        assert helper.wait(timeout=30) == 0
