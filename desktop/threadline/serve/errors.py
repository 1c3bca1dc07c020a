"""Errors the server answers with: one JSON shape for every route, OpenAI's, so the ``openai``
SDK (and any client of it) reads our messages as it reads the provider's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from threadline.core.errors import ThreadlineError

# HTTP status -> the ``type`` OpenAI gives errors of that status.
_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    409: "conflict_error",
    410: "invalid_request_error",
    413: "invalid_request_error",
    502: "server_error",
}


class ApiError(ThreadlineError):
    """A request the server refuses: an HTTP ``status``, a stable ``code`` and a message.

    Raised by route handlers and turned into ``{"error": {"message", "type", "code"}}``.
    """

    code = "api"

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def error_body(code: str, message: str, *, status: int = 400) -> dict[str, Any]:
    """``{"error": {...}}`` as OpenAI writes it (``message``, ``type``, ``param``, ``code``)."""
    kind = _TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def error_response(
    status: int, code: str, message: str, *, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A JSON error response."""
    return JSONResponse(error_body(code, message, status=status), status, headers=headers)


async def on_api_error(request: Request, exc: Exception) -> Response:
    """Starlette's exception handler for ``ApiError``."""
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, str(exc))
