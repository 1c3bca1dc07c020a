"""``POST /v1/chat/completions`` and ``GET /v1/models``: any OpenAI client talks to a team.

``model`` names the team. The last message of ``messages`` must be the user's: it is the new
message of the run. Which session it goes to:

* ``session_id`` in the body (``extra_body`` in the SDK) or an ``X-Threadline-Session`` header
  continue that stored session: its history is the context, so the earlier ``messages`` are
  not read.
* Otherwise a fresh session per request (``chatcmpl-…``), first given the earlier user and
  assistant messages as its history: clients such as Open WebUI or Jan send the whole
  conversation every time and keep no session. System messages are not used (a team has its
  own instructions), nor are client-side tool calls (tools run on the server).

The session's id comes back in the ``X-Threadline-Session`` header; ``user`` (or an
``X-Threadline-User`` header) is the user id, ``openai`` by default. A client that disconnects
cancels its run at once; the reply streamed so far is saved, marked interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from threadline.app.teams import TEAM_KEY
from threadline.core.events import Event, Message, new_id
from threadline.runner import GenerationConfig
from threadline.serve.context import ServeContext, read_body
from threadline.serve.errors import ApiError, error_body, error_response
from threadline.serve.replies import ReplyText, text_of, user_message
from threadline.serve.runs import LiveRun

DEFAULT_USER = "openai"
SEED_INVOCATION = "inv-openai-history"


class ChatRequest(BaseModel):
    """The Chat Completions fields we read; the others are accepted and left alone."""

    model_config = ConfigDict(extra="allow")

    model: str
    messages: list[dict[str, Any]] = Field(min_length=1)
    stream: bool = False
    stream_options: dict[str, Any] | None = None
    user: str | None = None
    session_id: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    stop: str | list[str] | None = None
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None

    def generation(self) -> GenerationConfig | None:
        """The sampling parameters the request sets, as a run's overrides."""
        given: dict[str, Any] = {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_completion_tokens or self.max_tokens,
            "stop": [self.stop] if isinstance(self.stop, str) else self.stop,
            "seed": self.seed,
            "presence_penalty": self.presence_penalty,
            "frequency_penalty": self.frequency_penalty,
        }
        given = {k: v for k, v in given.items() if v is not None}
        return GenerationConfig(**given) if given else None


def routes(ctx: ServeContext) -> list[Route]:
    """The routes, bound to ``ctx``."""
    catalog = ctx.catalog

    async def list_models(request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [_model(n) for n in catalog.names]})

    async def get_model(request: Request) -> Response:
        name = request.path_params["name"]
        catalog.get(name)
        return JSONResponse(_model(name))

    async def chat(request: Request) -> Response:
        body = await read_body(request, ChatRequest)
        team = catalog.get(body.model)
        last = body.messages[-1]
        if last.get("role") != "user":
            raise ApiError(400, "invalid_request", "the last of messages must be the user's")
        message = user_message(last)
        user_id = (body.user or request.headers.get("x-threadline-user") or DEFAULT_USER).strip()
        session_id = (body.session_id or request.headers.get("x-threadline-session") or "").strip()
        if not user_id:
            raise ApiError(400, "invalid_request", "user must not be blank")
        if session_id:
            team = await catalog.team_for_run(user_id, session_id, body.model)
        else:
            session_id = "chatcmpl-" + new_id()[:24]
            await _seed(ctx, user_id, session_id, team.name, body.messages[:-1], body.model)
        generation = body.generation()
        config = catalog.config(team, **({"generation": generation} if generation else {}))
        stream = catalog.runner.run(user_id, session_id, message, run_config=config)
        # An OpenAI client never reconnects a stream: its run stops the moment it leaves.
        run = ctx.runs.start(user_id, session_id, stream, grace=0)
        headers = {"X-Threadline-Session": session_id, "X-Threadline-Run": run.id}
        if body.stream:
            usage = bool((body.stream_options or {}).get("include_usage"))
            chunks = _chunks(run, body.model, session_id, include_usage=usage)
            return EventSourceResponse(chunks, headers=headers, ping=ctx.options.ping_seconds)
        return await _complete(request, run, body.model, session_id, headers)

    return [
        Route("/v1/models", list_models, methods=["GET"]),
        Route("/v1/models/{name}", get_model, methods=["GET"]),
        Route("/v1/chat/completions", chat, methods=["POST"]),
    ]


def _model(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 0, "owned_by": "threadline"}


async def _seed(
    ctx: ServeContext,
    user_id: str,
    session_id: str,
    author: str,
    earlier: list[dict[str, Any]],
    team: str,
) -> None:
    """A new session holding the client's earlier user and assistant messages."""
    catalog = ctx.catalog
    state = {TEAM_KEY: team} if len(catalog.agents) > 1 else None
    session = await catalog.service.create_session(catalog.app_name, user_id, session_id, state)
    for entry in earlier:
        role = entry.get("role")
        text = text_of(entry)
        if role not in ("user", "assistant") or not text:
            continue
        event = Event(
            invocation_id=SEED_INVOCATION,
            author="user" if role == "user" else author,
            branch="" if role == "user" else author,
            message=Message(role=role, content=text),
        )
        await catalog.service.append_event(session, event)


def _chunk(completion_id: str, model: str, delta: dict[str, Any], finish: str | None) -> str:
    return json.dumps(
        {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        },
        ensure_ascii=False,
    )


async def _chunks(
    run: LiveRun, model: str, session_id: str, *, include_usage: bool
) -> AsyncIterator[str]:
    """The run as ``chat.completion.chunk`` data lines, ending with ``[DONE]``."""
    completion_id = "chatcmpl-" + run.id
    reply = ReplyText(session_id)
    yield _chunk(completion_id, model, {"role": "assistant", "content": ""}, None)
    async for _, event in run.follow():
        if event.error is not None:
            body = error_body(event.error.code, event.error.message, status=502)
            yield json.dumps(body, ensure_ascii=False)
            break
        text, reasoning = reply.feed(event)
        if reasoning:
            yield _chunk(completion_id, model, {"reasoning_content": reasoning}, None)
        if text:
            yield _chunk(completion_id, model, {"content": text}, None)
        if event.done:
            yield _chunk(completion_id, model, {}, "stop")
            if include_usage:
                usage = reply.usage.model_dump(exclude={"requests"})
                yield json.dumps(
                    {
                        "id": completion_id,
                        "object": "chat.completion.chunk",
                        "created": int(time.time()),
                        "model": model,
                        "choices": [],
                        "usage": usage,
                    }
                )
    yield "[DONE]"


async def _complete(
    request: Request, run: LiveRun, model: str, session_id: str, headers: dict[str, str]
) -> Response:
    """The whole reply as one ``chat.completion``, or the run's error (502)."""
    reply = ReplyText(session_id)
    texts: list[str] = []
    thoughts: list[str] = []
    failure: Event | None = None

    async def collect() -> None:
        nonlocal failure
        async for _, event in run.follow():
            failure = event if event.error is not None else failure
            text, reasoning = reply.feed(event)
            texts.append(text)
            thoughts.append(reasoning)

    work = asyncio.create_task(collect())
    gone = asyncio.create_task(_disconnected(request))
    try:
        await asyncio.wait({work, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
        is_whole = work.done() and not work.cancelled()
        if not is_whole:  # the client left: no longer following stops the run
            work.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await work
    if not is_whole:
        return Response(status_code=499)  # nobody is left to read it
    if failure is not None and failure.error is not None:
        return error_response(502, failure.error.code, failure.error.message, headers=headers)
    message: dict[str, Any] = {"role": "assistant", "content": "".join(texts)}
    if any(thoughts):
        message["reasoning_content"] = "".join(thoughts)
    body = {
        "id": "chatcmpl-" + run.id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": reply.usage.model_dump(exclude={"requests"}),
    }
    return JSONResponse(body, headers=headers)


async def _disconnected(request: Request) -> None:
    """Returns when the client has closed the connection (its body was read already)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass
