"""Serve test fixtures: ``create_app`` under a real uvicorn on 127.0.0.1 (in this process, on a
free port), the runner tests' ``model`` on the scripted server, and SSE helpers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest_asyncio
import uvicorn

from tests.runner.conftest import model
from tests.sessions.conftest import postgres_server
from threadline.core.memory import InMemorySessionService
from threadline.core.session import SessionService
from threadline.runner import BaseAgent, Event, RunConfig
from threadline.serve import ReadyServer, ServeContext, ServeOptions, create_app

__all__ = ["Served", "model", "postgres_server", "read_run", "start_server"]


@dataclass
class Served:
    """A server under test: its base URL, its parts and its store."""

    url: str
    ctx: ServeContext
    service: SessionService
    token: str | None = None
    clients: list[httpx2.AsyncClient] = field(default_factory=list)

    def client(self, *, token: str | None = None) -> httpx2.AsyncClient:
        """An HTTP client for the server (with the server's token unless another is given)."""
        given = token if token is not None else self.token
        headers = {"Authorization": f"Bearer {given}"} if given else {}
        made = httpx2.AsyncClient(base_url=self.url, headers=headers, timeout=20)
        self.clients.append(made)
        return made


StartServer = Callable[..., Awaitable[Served]]


@pytest_asyncio.fixture
async def start_server() -> AsyncIterator[StartServer]:
    """Starts ``create_app(agents)`` under uvicorn; every server is stopped afterwards."""
    running: list[tuple[ReadyServer, asyncio.Task[None], Served]] = []

    async def start(
        agents: BaseAgent | dict[str, BaseAgent],
        *,
        service: SessionService | None = None,
        options: ServeOptions | None = None,
        base_config: RunConfig | None = None,
    ) -> Served:
        service = service or InMemorySessionService()
        app = create_app(agents, session_service=service, options=options, base_config=base_config)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", log_config=None, lifespan="on"
        )
        server = ReadyServer(config)
        task = asyncio.create_task(server.serve())
        ready = asyncio.create_task(server.ready.wait())
        await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED, timeout=20)
        ready.cancel()
        assert server.ready.is_set(), "the server did not start"
        served = Served(
            server.url, app.state.threadline, service, (options or ServeOptions()).token
        )
        running.append((server, task, served))
        return served

    yield start
    for server, task, served in running:
        for client in served.clients:
            await client.aclose()
        server.should_exit = True
        await asyncio.wait_for(task, 20)


async def read_run(
    client: httpx2.AsyncClient,
    path: str,
    body: dict[str, Any],
    *,
    headers: dict[str, str] | None = None,
    until: Callable[[Event], bool] | None = None,
) -> list[tuple[str, Event]]:
    """The (SSE id, event) pairs of a streamed run, to its end or until ``until`` is true for
    an event (the connection is then closed, as a client that drops does)."""
    got: list[tuple[str, Event]] = []
    async with client.sse(path, method="POST", json=body, headers=headers) as source:
        assert source.response.status_code == 200, await source.response.aread()
        async for message in source:
            event = Event.model_validate_json(message.data)
            got.append((message.id, event))
            if until is not None and until(event):
                break
    return got
