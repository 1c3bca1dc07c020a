"""What a server asks of the client: the roots, the user's input (elicitation), a model reply
(sampling). The request types the application's handlers receive, and the SDK callbacks'
bodies that turn the server's params into them and the handlers' answers back into results.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from threadline.runner.models import Model, ModelError, ModelRequest, TextChunk
from threadline.runner.tools import ToolContext

# What the MCP specification has a client answer when the user rejects a sampling request.
USER_REJECTED = -1
log = logging.getLogger(__name__)


@dataclass
class ElicitationRequest:
    """A server asks the user for information (MCP elicitation), during a tool call.

    ``mode`` ``form``: ``schema`` is the JSON schema of the fields wanted (flat, primitive
    properties). ``mode`` ``url``: the user is asked to open ``url`` (nothing is sent back
    but the action). ``tool_context`` is the call the server was running, when one was.
    """

    server: str
    message: str
    mode: Literal["form", "url"] = "form"
    schema: dict[str, Any] = field(default_factory=dict)
    url: str | None = None
    tool_context: ToolContext | None = None


@dataclass
class ElicitationResponse:
    """The user's answer: ``accept`` (with ``content`` for a form), ``decline`` or ``cancel``."""

    action: Literal["accept", "decline", "cancel"]
    content: dict[str, Any] | None = None

    @classmethod
    def accept(cls, content: dict[str, Any] | None = None) -> ElicitationResponse:
        return cls("accept", dict(content or {}))

    @classmethod
    def decline(cls) -> ElicitationResponse:
        return cls("decline")

    @classmethod
    def cancel(cls) -> ElicitationResponse:
        return cls("cancel")


@dataclass
class SamplingRequest:
    """A server asks for a model reply (MCP sampling); the user approves it first.

    ``messages`` are Chat Completions messages (images as content arrays), ``system_prompt``
    the server's system text; ``model_hints`` the model names the server would like.
    """

    server: str
    messages: list[dict[str, Any]]
    max_tokens: int
    system_prompt: str | None = None
    temperature: float | None = None
    stop: list[str] | None = None
    model_hints: list[str] = field(default_factory=list)
    include_context: str | None = None
    tool_context: ToolContext | None = None

    def model_request(self, model: Model) -> ModelRequest:
        """What is sent to ``model`` for this request."""
        messages = list(self.messages)
        if self.system_prompt:
            messages.insert(0, {"role": "system", "content": self.system_prompt})
        params: dict[str, Any] = {"max_tokens": self.max_tokens}
        if self.temperature is not None:
            params["temperature"] = self.temperature
        if self.stop:
            params["stop"] = list(self.stop)
        return ModelRequest(model=model.name, messages=messages, params=params)


ElicitationHandler = Callable[
    [ElicitationRequest], Awaitable["ElicitationResponse | dict[str, Any] | None"]
]
# Returns the model to run the request on once the user approved it; None declines.
SamplingHandler = Callable[[SamplingRequest], Awaitable["Model | None"]]


def roots_result(roots: list[Path]) -> Any:
    """The ``ListRootsResult`` naming the folders the server may use."""
    from mcp import types

    listed = [
        types.Root(uri=path.resolve().as_uri(), name=path.name or str(path))  # type: ignore[arg-type]
        for path in roots
    ]
    return types.ListRootsResult(roots=listed)


async def elicit(
    handler: ElicitationHandler | None, server: str, params: Any, call: ToolContext | None
) -> Any:
    """Asks ``handler`` what the server wants to know; the ``ElicitResult`` to send back."""
    from mcp import types

    if handler is None:
        return types.ElicitResult(action="decline")
    mode = getattr(params, "mode", "form")
    request = ElicitationRequest(
        server=server,
        message=params.message,
        mode="url" if mode == "url" else "form",
        schema=dict(getattr(params, "requested_schema", None) or {}),
        url=getattr(params, "url", None),
        tool_context=call,
    )
    try:
        with _waiting_for_user(request.tool_context):
            answer = await handler(request)
    except Exception:
        log.exception("the elicitation handler failed; the request is cancelled")
        return types.ElicitResult(action="cancel")
    if isinstance(answer, dict):
        answer = ElicitationResponse.accept(answer)
    if answer is None:
        answer = ElicitationResponse.decline()
    content = answer.content if answer.action == "accept" and mode != "url" else None
    return types.ElicitResult(action=answer.action, content=content)


async def sample(
    handler: SamplingHandler | None, server: str, params: Any, call: ToolContext | None
) -> Any:
    """Has ``handler`` approve the request and pick a model, then runs it; the result to send."""
    from mcp import types

    rejected = types.ErrorData(code=USER_REJECTED, message="User rejected sampling request")
    if handler is None:
        return rejected
    preferences = getattr(params, "model_preferences", None)
    hints = [h.name for h in (getattr(preferences, "hints", None) or []) if h.name]
    request = SamplingRequest(
        server=server,
        messages=[_sampling_message(m) for m in params.messages],
        max_tokens=params.max_tokens,
        system_prompt=params.system_prompt,
        temperature=params.temperature,
        stop=list(params.stop_sequences) if params.stop_sequences else None,
        model_hints=hints,
        include_context=params.include_context,
        tool_context=call,
    )
    try:
        with _waiting_for_user(request.tool_context):
            model = await handler(request)
    except Exception:
        log.exception("the sampling handler failed; the request is rejected")
        return rejected
    if model is None:
        return rejected
    texts: list[str] = []
    try:
        async with contextlib.aclosing(model.stream(request.model_request(model))) as chunks:
            async for chunk in chunks:
                if isinstance(chunk, TextChunk):
                    texts.append(chunk.text)
    except ModelError as exc:
        return types.ErrorData(code=types.INTERNAL_ERROR, message=str(exc))
    return types.CreateMessageResult(
        role="assistant",
        content=types.TextContent(type="text", text="".join(texts)),
        model=model.name,
        stop_reason="endTurn",
    )


def _waiting_for_user(call: ToolContext | None) -> contextlib.AbstractContextManager[None]:
    """The call's timeout stops while the user answers (see ``ToolContext.waiting_for_user``)."""
    return call.waiting_for_user() if call is not None else contextlib.nullcontext()


def _sampling_message(message: Any) -> dict[str, Any]:
    """An MCP ``SamplingMessage`` as a Chat Completions message (images as content arrays)."""
    blocks = message.content if isinstance(message.content, list) else [message.content]
    items: list[dict[str, Any]] = []
    for block in blocks:
        kind = getattr(block, "type", "")
        if kind == "text":
            items.append({"type": "text", "text": block.text})
        elif kind == "image":
            url = f"data:{block.mime_type};base64,{block.data}"
            items.append({"type": "image_url", "image_url": {"url": url}})
        else:
            items.append({"type": "text", "text": f"[{kind or 'content'} not shown]"})
    role = "assistant" if message.role == "assistant" else "user"
    if all(item["type"] == "text" for item in items):
        return {"role": role, "content": "\n".join(item["text"] for item in items)}
    return {"role": role, "content": items}
