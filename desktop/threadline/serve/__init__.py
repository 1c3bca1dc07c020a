"""``threadline serve``: the runner over HTTP (Qt-free: runner, sessions, app, console.loader).

``create_app(runner_or_agents)`` is the ASGI application (Starlette; SSE by sse-starlette):
``POST /v1/runs`` and ``/v1/runs/resume`` stream events, ``/v1/users/{user}/sessions…``
list, read and fork sessions, ``POST /v1/chat/completions`` and ``GET /v1/models`` speak
OpenAI's API. ``main(argv)`` is the command, on uvicorn.
"""

from threadline.serve.agents import AgentCatalog
from threadline.serve.app import create_app
from threadline.serve.command import ReadyServer, main
from threadline.serve.context import ServeContext, ServeOptions
from threadline.serve.errors import ApiError
from threadline.serve.runs import LiveRun, RunRegistry

__all__ = [
    "AgentCatalog",
    "ApiError",
    "LiveRun",
    "ReadyServer",
    "RunRegistry",
    "ServeContext",
    "ServeOptions",
    "create_app",
    "main",
]
