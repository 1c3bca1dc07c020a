"""``create_app``: the ASGI application serving a runner (Starlette, SSE by sse-starlette).

Separate from the command line (``serve/command.py``) so tests, benchmarks and other programs
can mount it under any ASGI server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from threadline.core.session import SessionService
from threadline.runner import RunConfig
from threadline.serve import completions, native
from threadline.serve.agents import AgentCatalog, Served
from threadline.serve.context import ServeContext, ServeOptions
from threadline.serve.errors import ApiError, error_response, on_api_error
from threadline.serve.guard import Guard
from threadline.serve.runs import RunRegistry

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


def create_app(
    runner_or_agents: Served,
    *,
    session_service: SessionService | None = None,
    app_name: str = "threadline",
    options: ServeOptions | None = None,
    base_config: RunConfig | None = None,
) -> Starlette:
    """The server for a ``Runner``, one agent tree, or several trees by name (the first is
    the default team).

    ``session_service`` and ``app_name`` are used when no ``Runner`` is given (in memory by
    default); ``base_config`` is the ``RunConfig`` every run starts from. The caller keeps
    ownership of the session service; stopping the app cancels its runs (each saves what it
    streamed). ``app.state.threadline`` is the ``ServeContext``.
    """
    options = options or ServeOptions()
    catalog = AgentCatalog(
        runner_or_agents,
        session_service=session_service,
        app_name=app_name,
        base_config=base_config,
    )
    runs = RunRegistry(
        replay_events=options.replay_events,
        keep_finished=options.keep_finished,
        keep_finished_s=options.keep_finished_s,
        grace=options.reconnect_grace,
    )
    ctx = ServeContext(catalog, runs, options)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await runs.aclose()

    app = Starlette(
        routes=[*native.routes(ctx), *completions.routes(ctx)],
        middleware=[Middleware(Guard, token=options.token, max_bytes=options.max_request_bytes)],
        exception_handlers={ApiError: on_api_error, HTTPException: _on_http_error},
        lifespan=lifespan,
    )
    app.state.threadline = ctx
    return app


async def _on_http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (no such route, wrong method) in our JSON shape."""
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)
