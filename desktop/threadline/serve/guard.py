"""What every request passes before a route sees it: the bearer token and the size limit.

A pure ASGI middleware rather than Starlette's ``BaseHTTPMiddleware``: that one wraps the
response in a stream of its own, which would hide a client's disconnect from the SSE routes.
"""

from __future__ import annotations

import hmac
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from threadline.serve.errors import error_body

DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024  # a long conversation sent whole, with an image


class RequestTooLarge(Exception):
    """A request body grew past the limit while it was read (no Content-Length said so)."""


class Guard:
    """Refuses requests without the bearer ``token`` (401) and bodies over ``max_bytes`` (413).

    ``token`` None lets every request in: ``threadline serve`` only allows that on a loopback
    address (``command.needs_token``).
    """

    def __init__(
        self, app: ASGIApp, *, token: str | None, max_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    ) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode() if token else None
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if self.expected is not None:
            given = headers.get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                why = "no bearer token was sent" if not given else "the bearer token is wrong"
                await _answer(
                    send,
                    401,
                    "unauthorized",
                    f"This Threadline server needs 'Authorization: Bearer <token>': {why}.",
                    extra=[(b"www-authenticate", b'Bearer realm="threadline"')],
                )
                return
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _answer(send, 413, "request_too_large", self._too_large())
            return
        started = False
        seen = 0

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise RequestTooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except RequestTooLarge:
            if not started:
                await _answer(send, 413, "request_too_large", self._too_large())

    def _too_large(self) -> str:
        return f"The request body is larger than this server takes ({self.max_bytes} bytes)."


async def _answer(
    send: Send,
    status: int,
    code: str,
    message: str,
    *,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = json.dumps(error_body(code, message, status=status)).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
