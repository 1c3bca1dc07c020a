"""A locked keyring that holds the key, and a message that cannot be saved, in the real window.

The locked keyring is the real Secret Service (gnome-keyring on the private D-Bus of
``make test``), locked over D-Bus; nothing may go out with a placeholder key. A message the
store cannot save goes back to the composer and into the recovery file until it is saved.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.scripted_server import ScriptedServer, text
from tests.ui.helpers import Harness, items, send, start_app, stop_app, wait_idle
from tests.ui.test_keys import KEY
from threadline.app.drafts import UNSENT_FILE
from threadline.ui.common.qt import QEventLoop


@pytest.mark.keyring
# WORKAROUND: keyring's SecretService backend (get_preferred_collection) leaves its D-Bus
# connection open when it raises KeyringLocked; the garbage collector then warns.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_locked_keyring_is_named_and_no_placeholder_key_is_sent(
    qtbot: Any, qloop: QEventLoop, server: ScriptedServer, tmp_path: Path
) -> None:
    import keyring

    app = start_app(qtbot, tmp_path / "data", server)
    try:
        provider = app.services.settings.provider
        keyring.set_password("Threadline", provider.key_name, KEY)
        with _locked():
            app.server.script(text("answered with the key"))
            send(app, qtbot, "hello while locked")
            bar = app.window.key_bar
            qtbot.waitUntil(bar.isVisible, timeout=10000)
            assert "keyring is locked" in bar.text.text()
            assert app.server.requests == []  # nothing went out, with or without a key
            composer = app.window.chat.composer
            qtbot.waitUntil(lambda: composer.toPlainText() == "hello while locked")
            assert [i.text for i in items(app)] == []
            dialog = bar.ask_for_key()
            dialog.setTextValue(KEY)
            dialog.accept()
            qtbot.waitUntil(lambda: any(i.text == "answered with the key" for i in items(app)))
            wait_idle(app, qtbot)
        assert [h.get("authorization") for h in app.server.headers] == [f"Bearer {KEY}"]
    finally:
        stop_app(qtbot, app)
        keyring.delete_password("Threadline", provider.key_name)
    assert app.errors == []


class _locked:
    def __enter__(self) -> None:
        import secretstorage

        connection = secretstorage.dbus_init()
        try:
            secretstorage.get_default_collection(connection).lock()
        finally:
            connection.close()

    def __exit__(self, *exc: object) -> None:
        subprocess.run(
            "echo -n threadline-test | gnome-keyring-daemon --replace --unlock "
            "--components=secrets",
            shell=True,
            check=True,
            capture_output=True,
        )


def test_a_message_that_cannot_be_saved_stays_in_the_composer(
    app: Harness, qtbot: Any, tmp_path: Path
) -> None:
    app.server.script(text("first answer"))
    send(app, qtbot, "first")
    qtbot.waitUntil(lambda: any(i.text == "first answer" and i.event_id for i in items(app)))
    wait_idle(app, qtbot)
    store = app.services.store
    app.run(qtbot, store._call(lambda db: db.execute("PRAGMA query_only = ON")))
    send(app, qtbot, "do not lose me")
    composer = app.window.chat.composer
    qtbot.waitUntil(lambda: composer.toPlainText() == "do not lose me", timeout=5000)
    banner = app.window.chat.banner
    assert banner.isVisible() and "not sent" in banner.text() and "read-only" in banner.text()
    recovery = Path(app.services.folder) / UNSENT_FILE
    assert recovery.read_text(encoding="utf-8") == "do not lose me"
    assert [i.text for i in items(app)] == ["first", "first answer"]  # no "sending" ghost
    assert len(app.server.requests) == 1
    # The fault clears: sending again saves it, the banner and the recovery file go.
    app.run(qtbot, store._call(lambda db: db.execute("PRAGMA query_only = OFF")))
    app.server.script(text("second answer"))
    app.window.chat.send_current()
    qtbot.waitUntil(lambda: any(i.text == "second answer" for i in items(app)), timeout=5000)
    wait_idle(app, qtbot)
    assert not banner.isVisible() and not recovery.exists()


def test_an_unsent_message_comes_back_after_a_restart(
    qtbot: Any, qloop: QEventLoop, server: ScriptedServer, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    app = start_app(qtbot, folder, server)
    app.run(qtbot, app.services.store._call(lambda db: db.execute("PRAGMA query_only = ON")))
    send(app, qtbot, "typed before the crash")
    qtbot.waitUntil(lambda: app.window.chat.composer.toPlainText() != "", timeout=5000)
    stop_app(qtbot, app)
    again = start_app(qtbot, folder, server)
    try:
        assert again.window.chat.composer.toPlainText() == "typed before the crash"
    finally:
        stop_app(qtbot, again)
