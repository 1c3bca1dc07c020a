"""Threadline's own routes (SPEC §5): runs streamed as SSE, resuming paused runs, sessions.

Every event of a run is one SSE message, ``id: <run id>:<n>`` and ``data: <Event JSON>``, the
last with ``done`` true. A client whose stream dropped sends the same request again with
``Last-Event-ID``: it gets the events after that one from the run's replay buffer (the run went
on meanwhile, for ``ServeOptions.reconnect_grace`` seconds without anyone watching), none twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from threadline.core.events import Event, Message
from threadline.serve.context import ServeContext, read_body
from threadline.serve.errors import ApiError
from threadline.serve.runs import LiveRun

JSON = "application/json"


class RunRequest(BaseModel):
    """``POST /v1/runs``: a new message in a session (created when it does not exist)."""

    user_id: str = Field(min_length=1)
    session_id: str = Field(min_length=1)
    message: str | Message
    agent: str | None = None  # which team answers, when the server has several


class ResumeRequest(BaseModel):
    """``POST /v1/runs/resume``: decisions (call id -> approve) for the calls a run paused on."""

    user_id: str = Field(min_length=1)
    session_id: str = Field(min_length=1)
    decisions: dict[str, bool]
    edited_arguments: dict[str, dict[str, Any]] | None = None
    agent: str | None = None


class ForkRequest(BaseModel):
    """``POST /v1/users/{user}/sessions/{id}/fork``: where the branch leaves the session."""

    at_event_id: str = Field(min_length=1)


def sse_message(run_id: str, number: int, event: Event) -> bytes:
    """One SSE message. Event JSON never holds a raw line break (JSON escapes them), so the
    data is one line."""
    return f"id: {run_id}:{number}\r\ndata: {event.model_dump_json()}\r\n\r\n".encode()


def stream_run(ctx: ServeContext, run: LiveRun, after: int = 0) -> EventSourceResponse:
    """The SSE response following ``run`` from event ``after`` on."""

    async def messages() -> AsyncIterator[bytes]:
        async for batch in run.follow_batches(after):
            yield b"".join(sse_message(run.id, number, event) for number, event in batch)

    headers = {"X-Threadline-Run": run.id, "X-Threadline-Session": run.session_id}
    return EventSourceResponse(messages(), headers=headers, ping=ctx.options.ping_seconds)


def reconnect(
    ctx: ServeContext, request: Request, user_id: str, session_id: str
) -> Response | None:
    """The stream a ``Last-Event-ID`` asks to go on with, or None for a new run.

    Raises ``ApiError``: 400 for a malformed id, 410 when this process no longer has the
    run's events (long finished, or run by another server process), 409 when the run belongs
    to another session.
    """
    last = request.headers.get("last-event-id", "").strip()
    if not last:
        return None
    run_id, sep, number = last.rpartition(":")
    if not sep or not number.isdigit():
        raise ApiError(400, "invalid_last_event_id", f"Last-Event-ID {last!r} is not <run>:<n>")
    run = ctx.runs.get(run_id)
    if run is None:
        raise ApiError(
            410,
            "run_gone",
            f"this server process has no run {run_id!r} (it ended long ago, or another "
            "process ran it); read the session for what it saved",
        )
    if (run.user_id, run.session_id) != (user_id, session_id):
        raise ApiError(409, "run_mismatch", f"run {run_id!r} belongs to another session")
    if not run.can_replay_after(int(number)):
        raise ApiError(
            410, "replay_gone", f"the events after {last!r} are no longer kept; read the session"
        )
    return stream_run(ctx, run, int(number))


def routes(ctx: ServeContext) -> list[Route]:
    """The routes, bound to ``ctx``."""
    catalog = ctx.catalog

    async def start_run(request: Request) -> Response:
        body = await read_body(request, RunRequest)
        again = reconnect(ctx, request, body.user_id, body.session_id)
        if again is not None:
            return again
        team = await catalog.team_for_run(body.user_id, body.session_id, body.agent)
        try:
            stream = catalog.runner.run(
                body.user_id, body.session_id, body.message, run_config=catalog.config(team)
            )
        except ValueError as exc:
            raise ApiError(400, "invalid_request", str(exc)) from None
        return stream_run(ctx, ctx.runs.start(body.user_id, body.session_id, stream))

    async def resume_run(request: Request) -> Response:
        body = await read_body(request, ResumeRequest)
        again = reconnect(ctx, request, body.user_id, body.session_id)
        if again is not None:
            return again
        team = await catalog.team_for_resume(body.user_id, body.session_id, body.agent)
        try:
            stream = catalog.runner.resume(
                body.user_id,
                body.session_id,
                body.decisions,
                edited_arguments=body.edited_arguments,
                run_config=catalog.config(team),
            )
        except ValueError as exc:
            raise ApiError(400, "invalid_request", str(exc)) from None
        return stream_run(ctx, ctx.runs.start(body.user_id, body.session_id, stream))

    async def list_sessions(request: Request) -> Response:
        user = request.path_params["user"]
        sessions = await catalog.service.list_sessions(catalog.app_name, user)
        rows = ",".join(s.model_dump_json(exclude={"events"}) for s in sessions)
        return Response(f'{{"sessions":[{rows}]}}', media_type=JSON)

    async def get_session(request: Request) -> Response:
        user, session_id = request.path_params["user"], request.path_params["session_id"]
        session = await catalog.service.get_session(catalog.app_name, user, session_id)
        if session is None:
            raise ApiError(404, "session_not_found", f"no session {session_id!r} for {user!r}")
        return Response(session.model_dump_json(), media_type=JSON)

    async def fork_session(request: Request) -> Response:
        user, session_id = request.path_params["user"], request.path_params["session_id"]
        body = await read_body(request, ForkRequest)
        try:
            branch = await catalog.service.fork_session(
                catalog.app_name, user, session_id, body.at_event_id
            )
        except KeyError:
            raise ApiError(
                404,
                "not_found",
                f"no session {session_id!r} for {user!r} with an event {body.at_event_id!r}",
            ) from None
        return Response(branch.model_dump_json(), status_code=201, media_type=JSON)

    sessions = "/v1/users/{user}/sessions"
    return [
        Route("/v1/runs", start_run, methods=["POST"]),
        Route("/v1/runs/resume", resume_run, methods=["POST"]),
        Route(sessions, list_sessions, methods=["GET"]),
        Route(sessions + "/{session_id}", get_session, methods=["GET"]),
        Route(sessions + "/{session_id}/fork", fork_session, methods=["POST"]),
    ]
