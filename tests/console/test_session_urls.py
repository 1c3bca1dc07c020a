"""``open_session_service(url)``: what ``--sessions`` accepts, and the plain errors it gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import threadline.sessions as sessions_pkg
from threadline.core.memory import InMemorySessionService
from threadline.sessions.sqlite import SQLiteSessionService
from threadline.sessions.urls import SessionURLError, open_session_service


@pytest.mark.asyncio
async def test_memory_is_a_fresh_in_memory_store_each_time() -> None:
    first = open_session_service("memory:")
    assert isinstance(first, InMemorySessionService)
    await first.create_session("app", "u", "s")
    second = open_session_service("memory:")
    assert await second.get_session("app", "u", "s") is None


@pytest.mark.asyncio
@pytest.mark.parametrize("spelling", ["sqlite:///{rel}", "sqlite:///{abs}", "{abs}"])
async def test_sqlite_urls_and_plain_paths_open_that_file(
    spelling: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "deep" / "chat.db"
    url = spelling.format(rel="deep/chat.db", abs=target)
    service = open_session_service(url)
    try:
        assert isinstance(service, SQLiteSessionService)
        await service.create_session("app", "u", "s")
    finally:
        await service.aclose()
    reopened = SQLiteSessionService(target)
    try:
        assert await reopened.get_session("app", "u", "s") is not None
    finally:
        await reopened.aclose()


@pytest.mark.parametrize("url", ["mysql://db/x", "sqlite:relative.db", "sqlite:///"])
def test_unknown_or_misspelt_urls_are_refused_plainly(url: str) -> None:
    with pytest.raises(SessionURLError) as caught:
        open_session_service(url)
    assert isinstance(caught.value, ValueError) and caught.value.code == "session_url"
    assert "sqlite:///" in str(caught.value)


class _Recorder:
    """Stands in for a server-backed service: records the URL it was opened with."""

    def __init__(self, url: str) -> None:
        self.url = url


@pytest.mark.parametrize(
    ("url", "class_name"),
    [
        ("postgresql://user@db:5432/threadline", "PostgresSessionService"),
        ("postgres://db/threadline", "PostgresSessionService"),
        ("redis://localhost:6379/0", "RedisSessionService"),
        ("rediss://cache:6380/1", "RedisSessionService"),
    ],
)
def test_server_urls_go_to_the_service_threadline_sessions_exports(
    url: str, class_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sessions_pkg, class_name, _Recorder, raising=False)
    service: Any = open_session_service(url)
    assert isinstance(service, _Recorder) and service.url == url


def test_a_server_backend_that_is_missing_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def nothing_more(name: str) -> object:
        raise AttributeError(f"module 'threadline.sessions' has no attribute {name!r}")

    monkeypatch.delattr(sessions_pkg, "RedisSessionService", raising=False)
    monkeypatch.setattr(sessions_pkg, "__getattr__", nothing_more)
    with pytest.raises(SessionURLError) as caught:
        open_session_service("redis://localhost:6379/0")
    assert str(caught.value).startswith(
        "Redis sessions (RedisSessionService) are not available in this installation"
    )
