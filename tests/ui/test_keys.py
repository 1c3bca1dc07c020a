"""API keys: the real Secret Service keyring, and never a key in files or logs."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail
import pytest

from tests.scripted_server import text
from tests.ui.helpers import Harness, items, send, wait_idle
from threadline.settings import SecretStore

MUST_HAVE_KEYRING = bool(os.environ.get("CI") or os.environ.get("THREADLINE_TEST_KEYRING"))
KEY = "sk-threadline-test-0123456789abcdef"


def _require_secret_service() -> None:
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if "SecretService" not in name:
        if MUST_HAVE_KEYRING:
            pytest.fail(f"the Secret Service keyring is required here but keyring uses {name}")
        pytest.skip(f"no Secret Service on this machine (keyring uses {name}); run `make test`")


@pytest.mark.keyring
def test_secret_service_round_trip() -> None:
    _require_secret_service()
    store = SecretStore(service="threadline-tests")

    async def scenario() -> tuple[bool, str | None, str | None]:
        saved = await store.set("provider:test", KEY)
        read = await store.get("provider:test")
        await store.delete("provider:test")
        gone = await SecretStore(service="threadline-tests").get("provider:test")
        return saved, read, gone

    saved, read, gone = asyncio.run(scenario())
    assert saved and read == KEY and gone is None and store.problem is None


def test_no_keyring_keeps_key_in_memory_and_says_so() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        store = SecretStore(service="threadline-tests")

        async def scenario() -> tuple[bool, str | None]:
            return await store.set("provider:x", KEY), await store.get("provider:x")

        saved, read = asyncio.run(scenario())
    finally:
        keyring.set_keyring(previous)
    assert not saved and read == KEY
    assert store.problem is not None and "this session only" in store.problem


@pytest.mark.keyring
def test_key_reaches_requests_but_never_files_or_logs(
    app: Harness, qtbot: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _require_secret_service()
    panel = app.window.settings_panel
    panel.provider.base_url.setText(app.server.base_url)
    panel.provider.model.setCurrentText("scripted-large")
    panel.provider.api_key.setText(KEY)
    panel.save_provider.click()  # the next run waits for the key to be stored and used
    app.server.script(text("authorised"))
    send(app, qtbot, "hello")
    qtbot.waitUntil(
        lambda: any(i.text == "authorised" and i.event_id for i in items(app)), timeout=5000
    )
    wait_idle(app, qtbot)
    assert app.server.headers[-1]["authorization"] == f"Bearer {KEY}"
    app.run(qtbot, app.services.secrets.delete(app.services.settings.provider.key_name))
    leaks = []
    for path in (app.services.folder).rglob("*"):
        if path.is_file() and KEY.encode() in path.read_bytes():
            leaks.append(str(path))
    assert leaks == []
    assert KEY not in caplog.text


def test_a_missing_keyring_is_said_at_every_start(
    qtbot: Any, qloop: Any, server: Any, tmp_path: Path
) -> None:
    """The keyring is only asked when a key is needed; the app asks at start, so a missing one
    is said then (a key typed at setup is kept for that session only), every launch."""
    from tests.ui.helpers import start_app, stop_app

    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())  # keyring's own "none available"
    try:
        for _launch in range(2):
            harness = start_app(qtbot, tmp_path / "data", server)
            banner = harness.window.chat.banner
            qtbot.waitUntil(lambda b=banner: "this session only" in b.text(), timeout=5000)
            assert banner.isVisible()
            stop_app(qtbot, harness)
    finally:
        keyring.set_keyring(previous)
