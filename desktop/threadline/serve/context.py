"""What the routes share: the teams, the runs under way, the limits, and reading a body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from threadline.serve.agents import AgentCatalog
from threadline.serve.errors import ApiError
from threadline.serve.guard import DEFAULT_MAX_REQUEST_BYTES
from threadline.serve.runs import (
    DEFAULT_GRACE_S,
    DEFAULT_KEEP_FINISHED,
    DEFAULT_KEEP_FINISHED_S,
    DEFAULT_REPLAY_EVENTS,
    RunRegistry,
)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class ServeOptions:
    """How a server behaves.

    Attributes:
        token: the bearer token every request must carry; None lets every request in.
        max_request_bytes: larger request bodies are refused with 413.
        replay_events: events of each run kept for a reconnecting client (``Last-Event-ID``).
        keep_finished: finished runs whose events are still kept for a late reconnect…
        keep_finished_s: …and for how many seconds after they ended.
        reconnect_grace: seconds a run whose SSE clients all left waits for one to come back
            before it is cancelled (its partial reply is saved); 0 cancels at once.
        ping_seconds: a keep-alive comment on idle SSE streams, for proxies that cut them.
    """

    token: str | None = None
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    replay_events: int = DEFAULT_REPLAY_EVENTS
    keep_finished: int = DEFAULT_KEEP_FINISHED
    keep_finished_s: float = DEFAULT_KEEP_FINISHED_S
    reconnect_grace: float = DEFAULT_GRACE_S
    ping_seconds: float = 15.0


@dataclass
class ServeContext:
    """The server's parts, handed to every route."""

    catalog: AgentCatalog
    runs: RunRegistry
    options: ServeOptions


async def read_body(request: Request, model: type[M]) -> M:
    """The JSON body as ``model``; raises ``ApiError`` 400 saying which field is wrong."""
    raw = await request.body()
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ApiError(400, "invalid_request", f"{where}: {first['msg']}") from None
