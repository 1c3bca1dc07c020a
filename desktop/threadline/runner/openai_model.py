"""``OpenAIChatModel``: Chat Completions over the official ``openai`` SDK, streaming with usage."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import random
import time
from collections.abc import AsyncGenerator, Mapping
from typing import TYPE_CHECKING, Any

from threadline.core.text import valid_text
from threadline.runner.content import has_images, without_images
from threadline.runner.models import (
    ModelChunk,
    ModelError,
    ModelRequest,
    ReasoningChunk,
    RetryChunk,
    ToolCallChunk,
    UsageChunk,
)
from threadline.runner.replies import ThinkSplitter, completion_chunks, reasoning_of, usage_of

if TYPE_CHECKING:
    import openai
else:

    class _Lazy:
        """Imports the SDK on first use: it is 0.4 s of the app's start-up otherwise."""

        def __getattr__(self, name: str) -> Any:
            import openai as sdk

            return getattr(sdk, name)

    openai = _Lazy()

log = logging.getLogger(__name__)

RETRY_AFTER_CAP = 60.0
NO_KEY = "not-needed"
CUT_TEXT = "The connection to the model dropped mid-reply."


class OpenAIChatModel:
    """A model served by any OpenAI-compatible server (OpenAI, Ollama, LM Studio, vLLM...).

    Retries 429 and 5xx answers (and refused connections) with exponential backoff, honouring
    ``Retry-After``; a stream already under way is never retried, so no text is duplicated.

    Without ``api_key`` the ``OPENAI_API_KEY`` variable is used, like the SDK uses
    ``OPENAI_BASE_URL`` without ``base_url``, but only for the server those variables name: a
    model given another ``base_url`` never receives it (it is that provider's key).
    A stream is complete only when the server says so (a ``finish_reason``); one that ends any
    other way, a clean close of the connection included, raises ``ModelError("stream_cut")``.

    Images (``Message.parts``) are sent as content arrays (``image_url`` parts). ``vision``
    says whether the model takes them: ``True`` always sends them, ``False`` replaces each with
    a short note, ``None`` (the default) sends them and, when the server rejects a request with
    images, sends it again without them and remembers that (``vision`` becomes ``False``).

    Reasoning arrives as ``ReasoningChunk``s: from ``reasoning_content`` or ``reasoning``
    deltas, and from a ``<think>…</think>`` block that opens the reply text (the tags may be
    split across chunks anywhere; the text after ``</think>`` is the reply).

    A request with ``stream`` false (``GenerationConfig(stream=False)``) is sent as one
    non-streaming call; its whole answer comes back as the same chunks, all at once.
    """

    def __init__(
        self,
        model_name: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        client: openai.AsyncOpenAI | None = None,
        max_retries: int = 3,
        backoff: float = 0.5,
        timeout: float = 120.0,
        vision: bool | None = None,
    ) -> None:
        self.name = model_name
        self.vision = vision
        self.max_retries = max_retries
        self.backoff = backoff
        # The SDK's own retries are off: ours report and honour Retry-After the same way for
        # every provider, and tests can count the attempts.
        self.client = client or openai.AsyncOpenAI(
            base_url=base_url,
            # Local servers (Ollama, LM Studio) need no key, but the SDK insists on one.
            api_key=api_key or _env_key(base_url) or NO_KEY,
            max_retries=0,
            timeout=timeout,
        )

    @property
    def base_url(self) -> str:
        """Where requests go."""
        return str(self.client.base_url)

    async def stream(self, request: ModelRequest) -> AsyncGenerator[ModelChunk, None]:
        body = self._body(request)
        attempt = 0
        while True:  # each retry is a RetryChunk first, so a caller can say why it waits
            opened = await self._try_open(body, attempt)
            if not isinstance(opened, RetryChunk):
                break
            yield opened
            attempt += 1
            await asyncio.sleep(opened.delay)
        if not request.stream:
            # One complete response: nothing was streamed, so a failure (a cut body too) is
            # retried like a refused request, and the chunks come all at once.
            for piece in completion_chunks(opened):
                yield piece
            return
        stream = opened
        received = False
        finished = False
        think = ThinkSplitter()
        try:
            async for chunk in stream:
                received = True
                if chunk.usage is not None:
                    # Servers send usage after the last choice (stream_options.include_usage).
                    finished = True
                    yield UsageChunk(usage_of(chunk.usage))
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                finished = finished or choice.finish_reason is not None
                delta = choice.delta
                if delta is None:
                    continue
                reasoning = reasoning_of(delta)
                if reasoning:
                    yield ReasoningChunk(valid_text(reasoning))
                if delta.content:
                    # JSON may carry lone surrogates ("\ud800") that no store can encode.
                    for piece in think.feed(valid_text(delta.content)):
                        yield piece
                for call in delta.tool_calls or ():
                    fn = call.function
                    yield ToolCallChunk(
                        index=call.index,
                        id=call.id,
                        name=fn.name if fn is not None else None,
                        arguments=valid_text(fn.arguments or "") if fn is not None else "",
                    )
            for piece in think.close():
                yield piece
            if not finished:
                # The body ended (a proxy or server closed it cleanly) before the server said
                # the reply was complete: what arrived is only part of it.
                raise ModelError("stream_cut", f"{CUT_TEXT[:-1]} (it ended without finishing).")
        except openai.APIError as exc:
            if received and isinstance(exc, openai.APIConnectionError):
                raise ModelError("stream_cut", CUT_TEXT) from exc
            raise _translate(exc, self.base_url) from exc
        except (ModelError, asyncio.CancelledError):
            raise
        except Exception as exc:  # the transport's own errors when a stream is cut
            raise ModelError(
                "stream_cut", f"The connection to the model dropped mid-reply ({exc})."
            ) from exc
        finally:
            await stream.close()

    async def aclose(self) -> None:
        """Closes the HTTP connections this model holds."""
        await self.client.close()

    async def list_models(self) -> list[str]:
        """Model ids the server offers (``GET /models``). Raises ``ModelError``."""
        try:
            page = await self.client.models.list()
        except openai.APIError as exc:
            raise _translate(exc, self.base_url) from exc
        return sorted(m.id for m in page.data)

    def _body(self, request: ModelRequest) -> dict[str, Any]:
        messages = request.messages
        if self.vision is False and has_images(messages):
            messages = without_images(messages)
        body: dict[str, Any] = {
            "model": request.model or self.name,
            "messages": messages,
            "stream": request.stream,
            **request.params,
        }
        if request.stream:
            body["stream_options"] = {"include_usage": True}
        if request.tools:
            body["tools"] = request.tools
            body["parallel_tool_calls"] = request.parallel_tool_calls
        if request.response_format is not None:
            body["response_format"] = request.response_format
        return body

    async def _try_open(self, body: dict[str, Any], attempt: int) -> Any:
        """The response to ``body``, or a ``RetryChunk`` when it should be sent again (the
        caller waits its delay); raises ``ModelError`` when it cannot be."""
        while True:
            try:
                return await self.client.chat.completions.create(**body)
            except openai.APIError as exc:
                error = _translate(exc, self.base_url)
                if self.vision is None and _refuses_images(exc, body["messages"]):
                    log.warning("%s takes no images (%s); sending notes instead", self.name, exc)
                    self.vision = False
                    body["messages"] = without_images(body["messages"])
                    continue
                if attempt >= self.max_retries or not _is_retryable(exc):
                    raise error from exc
                delay = _retry_delay(exc, attempt, self.backoff)
                log.warning(
                    "model call failed (%s); retry %d in %.2fs", error.code, attempt + 1, delay
                )
                return RetryChunk(attempt + 1, delay, error.code, str(error))


def _env_key(base_url: str | None) -> str | None:
    """``OPENAI_API_KEY`` when the requests go where the environment says (or to OpenAI)."""
    key = os.environ.get("OPENAI_API_KEY")
    if not key or base_url is None:
        return key or None
    target = base_url.rstrip("/")
    env_url = os.environ.get("OPENAI_BASE_URL", "").rstrip("/")
    if target == env_url or target.startswith("https://api.openai.com"):
        return key
    return None


def _refuses_images(exc: openai.APIError, messages: list[dict[str, Any]]) -> bool:
    """True when a request with images failed for its images (a model without vision)."""
    if not isinstance(exc, openai.APIStatusError) or exc.status_code in (401, 403, 429):
        return False
    if not has_images(messages):
        return False
    said = f"{exc} {exc.body}".lower()
    return any(word in said for word in ("image", "vision", "multimodal", "mmproj", "content"))


def _is_retryable(exc: openai.APIError) -> bool:
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    return isinstance(exc, openai.APIConnectionError)


def _retry_delay(exc: openai.APIError, attempt: int, backoff: float) -> float:
    if isinstance(exc, openai.APIStatusError):
        header = retry_after_seconds(exc.response.headers)
        if header is not None:
            return header
    return float(backoff * (2**attempt) * (0.75 + random.random() / 2))


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds a ``Retry-After`` (or ``retry-after-ms``) header asks for, capped; else None."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return min(float(millis) / 1000, RETRY_AFTER_CAP)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return min(max(float(value), 0.0), RETRY_AFTER_CAP)
    except ValueError:
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return None
        return min(max(float(email.utils.mktime_tz(parsed)) - time.time(), 0.0), RETRY_AFTER_CAP)


def _translate(exc: openai.APIError, base_url: str) -> ModelError:
    if isinstance(exc, openai.APITimeoutError):
        return ModelError("timeout", f"The model server at {base_url} did not answer in time.")
    if isinstance(exc, openai.APIConnectionError):
        return ModelError(
            "network", f"Could not reach the model server at {base_url}. Is it running?"
        )
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        detail = _server_message(exc)
        if status in (401, 403):
            text = f"The server refused the API key ({status}). Check the key in Settings."
            return ModelError("auth", text, status=status)
        if status == 429:
            said = f": {detail.rstrip('.')}" if detail else ""  # the server's own words first
            text = f"Rate limited by the server (429){said}. Try again shortly."
            return ModelError("rate_limited", text, status=status)
        if status == 404:
            text = f"Not found (404): check the base URL and model name. {detail}".strip()
            return ModelError("not_found", text, status=status)
        if status >= 500:
            text = f"The model server failed ({status}). {detail}".strip()
            return ModelError("server_error", text, status=status)
        return ModelError("bad_request", f"The server rejected the request ({status}). {detail}")
    return ModelError("stream_cut", f"The model stream failed: {exc}")


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        message = body.get("message") or (body.get("error") or {}).get("message")
        if isinstance(message, str):
            return message[:300]
    return ""


def preload() -> None:
    """Imports what a client's first request would otherwise import where it is sent (the
    HTTP stack, anyio's asyncio backend, the SDK's resource classes): call it from a worker
    thread, so that a GUI's event loop never waits ~100 ms for them."""
    import importlib

    importlib.import_module("anyio._backends._asyncio")
    client = openai.AsyncOpenAI(api_key=NO_KEY, base_url="http://127.0.0.1:9/v1")
    for resource in (client.models, client.chat.completions):
        resource.with_raw_response  # noqa: B018 - the lazily imported wrappers
