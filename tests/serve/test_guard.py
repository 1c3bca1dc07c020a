"""The bearer token (401) and the request size limit (413), and who must set a token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import openai
import pytest

from tests.serve.conftest import StartServer
from threadline.runner import LLMAgent, OpenAIChatModel
from threadline.serve import ServeOptions
from threadline.serve.command import is_loopback, main


@pytest.mark.asyncio
async def test_a_server_with_a_token_refuses_requests_without_it(
    start_server: StartServer, model: OpenAIChatModel
) -> None:
    served = await start_server(
        LLMAgent("helper", model=model), options=ServeOptions(token="s3cret")
    )
    anonymous = served.client(token="")
    for method, path in [("GET", "/v1/models"), ("POST", "/v1/runs"), ("GET", "/v1/nowhere")]:
        refused = await anonymous.request(method, path, json={})
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        error = refused.json()["error"]
        assert error["code"] == "unauthorized" and "no bearer token" in error["message"]
    wrong = await served.client(token="guess").get("/v1/models")
    assert wrong.status_code == 401 and "wrong" in wrong.json()["error"]["message"]
    assert (await served.client().get("/v1/models")).status_code == 200

    # The OpenAI SDK sends its api_key as the bearer token.
    async with openai.AsyncOpenAI(
        base_url=served.url + "/v1", api_key="guess", max_retries=0
    ) as sdk:
        with pytest.raises(openai.AuthenticationError, match="bearer token is wrong"):
            await sdk.models.list()
    async with openai.AsyncOpenAI(
        base_url=served.url + "/v1", api_key="s3cret", max_retries=0
    ) as sdk:
        assert [m.id for m in (await sdk.models.list()).data] == ["helper"]


@pytest.mark.asyncio
async def test_a_request_over_the_size_limit_is_refused_with_413(
    start_server: StartServer, model: OpenAIChatModel
) -> None:
    served = await start_server(
        LLMAgent("helper", model=model), options=ServeOptions(max_request_bytes=2000)
    )
    client = served.client()
    run = {"user_id": "ada", "session_id": "s1", "message": "x" * 5000}
    declared = await client.post("/v1/runs", json=run)
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "request_too_large"

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"user_id": "ada", "session_id": "s1", "message": "'
        for _ in range(5):
            yield b"x" * 1000
        yield b'"}'

    streamed = await client.post("/v1/runs", content=chunked())
    assert streamed.status_code == 413
    # Nothing ran.
    assert await served.service.get_session("threadline", "ada", "s1") is None


def test_a_server_on_a_public_address_needs_a_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("THREADLINE_SERVER_TOKEN", raising=False)
    code = main(["--agent", "tests.serve.agents:helper", "--host", "0.0.0.0"])
    assert code == 2
    assert "needs a token (--token or $THREADLINE_SERVER_TOKEN)" in capsys.readouterr().err
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.7")
    assert not is_loopback("example.org")
