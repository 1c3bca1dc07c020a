"""A scripted OpenAI-compatible server on 127.0.0.1 for tests and benchmarks.

It speaks real HTTP (chunked SSE, like the OpenAI API) so the real ``openai`` client is used
end to end. Each POST to ``/v1/chat/completions`` takes the next scripted ``Reply``; every
request body is recorded so tests can assert what was sent. A request with ``"stream": false``
gets the same reply as one ``chat.completion`` JSON body.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer.

    Attributes:
        text: the reply text, streamed one list item per SSE chunk.
        tool_calls: (name, argument pieces) per call; pieces arrive in separate chunks.
        status: an HTTP error status to answer with instead (401, 429, 500...).
        headers: extra response headers (``Retry-After``...).
        cut_after: close the connection abruptly after this many chunks.
        close_after: answer with a plain ``Connection: close`` body (no chunked framing) and
            close it cleanly after this many chunks: no ``finish_reason``, no ``[DONE]``.
        delay: seconds to wait before each chunk.
        hold: an event the server waits on (at most 30 s) before the first chunk.
        error: the error message sent with ``status`` (default ``scripted <status>``).
        reasoning: reasoning pieces streamed before the text, one per SSE chunk.
        reasoning_as: the delta fields each reasoning piece is sent in (``reasoning_content``
            like DeepSeek, vLLM and llama.cpp; ``reasoning`` like Ollama and OpenRouter; both).
        pause_after: stream this many chunks (the first is the role chunk), then wait on
            ``pause`` (at most 30 s) before the rest: a test can see text arrive mid-reply.
        pause: the event ``pause_after`` waits on.

    A non-streaming request gets the same text, reasoning, tool calls and usage in one body;
    ``cut_after`` then cuts that body after this many bytes (the client sees it end early).
    """

    text: list[str] = field(default_factory=list)
    tool_calls: list[tuple[str, list[str]]] = field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    cut_after: int | None = None
    close_after: int | None = None
    delay: float = 0.0
    hold: threading.Event | None = None
    error: str = ""
    usage: dict[str, int] = field(
        default_factory=lambda: {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12}
    )
    reasoning: list[str] = field(default_factory=list)
    reasoning_as: tuple[str, ...] = ("reasoning_content",)
    pause_after: int | None = None
    pause: threading.Event | None = None


def text(*pieces: str) -> Reply:
    """A reply that streams ``pieces`` of text."""
    return Reply(text=list(pieces))


def calls(*tool_calls: tuple[str, str | list[str]]) -> Reply:
    """A reply that asks for tool calls; arguments may be given as pieces."""
    return Reply(
        tool_calls=[
            (name, [args] if isinstance(args, str) else list(args)) for name, args in tool_calls
        ]
    )


class ScriptedServer:
    """Start with ``with ScriptedServer() as server``; script with ``server.script(...)``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._script: list[Reply] = []
        self._default: Callable[[dict[str, Any]], Reply] = lambda body: text("OK")
        self._lock = threading.Lock()
        self.models = ["scripted-large", "scripted-small"]
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The ``/v1`` URL to hand to ``OpenAIChatModel(base_url=...)``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def script(self, *replies: Reply) -> None:
        """Queues replies; once they run out the default reply answers."""
        with self._lock:
            self._script.extend(replies)

    def default(self, make: Callable[[dict[str, Any]], Reply]) -> None:
        """Sets how requests are answered when the script is empty."""
        self._default = make

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self._script:
                return self._script.pop(0)
        return self._default(body)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    data = {
                        "object": "list",
                        "data": [
                            {"id": m, "object": "model", "created": 0, "owned_by": "tests"}
                            for m in server.models
                        ],
                    }
                    self._json(200, data)
                else:
                    self._json(404, {"error": {"message": "no such route"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append(body)
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                reply = server._next(body)
                if reply.status != 200:
                    self._json(
                        reply.status,
                        {
                            "error": {
                                "message": reply.error or f"scripted {reply.status}",
                                "type": "scripted",
                            }
                        },
                        reply.headers,
                    )
                    return
                if body.get("stream"):
                    self._stream(body, reply)
                else:
                    self._complete(body, reply)

            def _complete(self, body: dict[str, Any], reply: Reply) -> None:
                if reply.hold is not None:
                    reply.hold.wait(30)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = json.dumps(_completion(body.get("model", "scripted"), reply)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if reply.cut_after is None:
                    self.wfile.write(payload)
                    return
                self.wfile.write(payload[: reply.cut_after])
                self.wfile.flush()
                self.connection.shutdown(2)  # fewer bytes than Content-Length said
                self.close_connection = True

            def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, body: dict[str, Any], reply: Reply) -> None:
                if reply.close_after is not None:
                    self._stream_then_close(body, reply, reply.close_after)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                model = body.get("model", "scripted")
                chunks = list(_chunks(model, reply))
                if reply.hold is not None:
                    reply.hold.wait(30)
                for index, chunk in enumerate(chunks):
                    if reply.cut_after is not None and index >= reply.cut_after:
                        self.wfile.flush()
                        self.connection.shutdown(2)  # no closing chunk: a cut stream
                        self.close_connection = True
                        return
                    if reply.delay:
                        time.sleep(reply.delay)
                    if index == reply.pause_after and reply.pause is not None:
                        reply.pause.wait(30)
                    data = f"data: {chunk}\n\n".encode()
                    try:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                        self.wfile.flush()
                    except OSError:
                        return  # the client went away (a cancelled run)
                try:
                    done = b"data: [DONE]\n\n"
                    self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(done), done))
                    self.wfile.flush()
                except OSError:
                    return

            def _stream_then_close(self, body: dict[str, Any], reply: Reply, count: int) -> None:
                # An HTTP/1.0-style body delimited by the end of the connection: closing it is
                # a clean end of the body, so only the missing finish_reason tells it was cut.
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                if reply.hold is not None:
                    reply.hold.wait(30)
                chunks = list(_chunks(body.get("model", "scripted"), reply))[:count]
                try:
                    for chunk in chunks:
                        if reply.delay:
                            time.sleep(reply.delay)
                        self.wfile.write(f"data: {chunk}\n\n".encode())
                        self.wfile.flush()
                except OSError:
                    return

        return Handler


def _call_id(index: int, name: str, pieces: list[str]) -> str:
    return f"call_{index}_{abs(hash((name, tuple(pieces)))) % 10**8}"


def _completion(model: str, reply: Reply) -> dict[str, Any]:
    """The whole reply as one ``chat.completion`` body (a non-streaming request)."""
    message: dict[str, Any] = {"role": "assistant", "content": "".join(reply.text) or None}
    if reply.reasoning:
        message.update(dict.fromkeys(reply.reasoning_as, "".join(reply.reasoning)))
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": _call_id(index, name, pieces),
                "type": "function",
                "function": {"name": name, "arguments": "".join(pieces)},
            }
            for index, (name, pieces) in enumerate(reply.tool_calls)
        ]
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
            }
        ],
        "usage": reply.usage,
    }


def _chunks(model: str, reply: Reply) -> Any:
    base = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        return json.dumps(
            {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        )

    yield chunk({"role": "assistant", "content": ""})
    for piece in reply.reasoning:
        yield chunk({"content": None, **dict.fromkeys(reply.reasoning_as, piece)})
    for piece in reply.text:
        yield chunk({"content": piece})
    for index, (name, pieces) in enumerate(reply.tool_calls):
        call_id = _call_id(index, name, pieces)
        first = {
            "index": index,
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        yield chunk({"tool_calls": [first]})
        for piece in pieces:
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    yield chunk({}, "tool_calls" if reply.tool_calls else "stop")
    yield json.dumps({**base, "choices": [], "usage": reply.usage})
