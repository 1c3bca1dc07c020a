"""Settings → Storage without a window: a server named by fields or a connection string, and a
password pasted into one taken out of it (it belongs in the keyring, never in settings)."""

from __future__ import annotations

import pytest

from threadline.app.storage import (
    StorageSettingsError,
    address_of,
    server_dsn,
    split_password,
)
from threadline.settings.config import StorageSettings


def test_fields_make_a_dsn_without_a_password() -> None:
    storage = StorageSettings(
        kind="server", host="db.example.org", port=6543, database="team chat", user="ada@work"
    )
    assert server_dsn(storage) == "postgresql://ada%40work@db.example.org:6543/team%20chat"
    assert str(address_of(storage)) == "ada@work@db.example.org:6543/team chat"
    ipv6 = storage.model_copy(update={"host": "::1", "user": ""})
    assert server_dsn(ipv6) == "postgresql://[::1]:6543/team%20chat"
    with pytest.raises(StorageSettingsError, match="host name"):
        server_dsn(storage.model_copy(update={"host": " "}))
    with pytest.raises(StorageSettingsError, match="database"):
        server_dsn(storage.model_copy(update={"database": ""}))


def test_a_password_in_a_connection_string_is_taken_out() -> None:
    dsn, password = split_password("postgresql://ada:p%40ss@db:5433/chat?sslmode=require")
    assert (dsn, password) == ("postgresql://ada@db:5433/chat?sslmode=require", "p@ss")
    dsn, password = split_password("postgres://db/chat?password=s3cret&application_name=x")
    assert (dsn, password) == ("postgres://db/chat?application_name=x", "s3cret")
    assert split_password("postgresql://ada@db/chat") == ("postgresql://ada@db/chat", None)
    with pytest.raises(StorageSettingsError, match="postgresql://"):
        split_password("mysql://ada@db/chat")
    storage = StorageSettings(kind="server", dsn="postgresql://ada:secret@db:5433/chat")
    assert "secret" not in server_dsn(storage) and "secret" not in storage.key_name
    assert storage.key_name == "storage:ada@db:5433/chat"
    where = address_of(storage)
    assert (where.user, where.host, where.port, where.database) == ("ada", "db", 5433, "chat")


def test_a_shared_server_needs_its_driver_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from threadline.app.storage import missing_driver

    assert missing_driver() is None  # the test environment has asyncpg
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "asyncpg" else real(name)
    )
    message = missing_driver()
    assert message is not None and "threadline[postgres]" in message


def test_restart_waits_for_the_process_without_touching_it() -> None:
    import subprocess
    import sys

    from threadline.app.restart import FLAG, is_running, restart_command, wait_for_exit

    child = subprocess.Popen([sys.executable, "-c", "input()"], stdin=subprocess.PIPE)
    assert is_running(child.pid)  # probing does not end it
    assert child.poll() is None
    assert child.stdin is not None
    child.stdin.close()
    child.wait(timeout=30)
    wait_for_exit(child.pid, timeout=5)
    assert not is_running(child.pid)
    command = restart_command(123)
    assert command[-2:] == [FLAG, "123"] and command[0] == sys.executable
