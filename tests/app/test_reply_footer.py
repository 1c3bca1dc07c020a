"""Under each reply: tokens, the streaming rate, time to first token and the context used."""

from __future__ import annotations

import pytest

from tests.scripted_server import Reply, ScriptedServer
from threadline.app.context import context_line, context_window, tokens
from threadline.app.timeline import usage_line
from threadline.runner import LLMAgent, OpenAIChatModel, Runner


def test_token_counts_read_as_people_write_them() -> None:
    assert [tokens(n) for n in (950, 3140, 12_400, 128_000, 1_047_576)] == [
        "950",
        "3.1k",
        "12k",
        "128k",
        "1M",
    ]
    assert context_window("gpt-4o-mini") == 128_000 and context_window("my-finetune") is None
    assert context_line(3140, "gpt-4o") == "context 3.1k / 128k"
    assert context_line(3140, "my-finetune") == "context 3.1k"


@pytest.mark.asyncio
async def test_a_streamed_reply_reports_its_rate_first_token_and_context() -> None:
    with ScriptedServer() as server:
        server.script(
            Reply(
                text=["one ", "two ", "three"],
                usage={"prompt_tokens": 3140, "completion_tokens": 30, "total_tokens": 3170},
            )
        )
        model = OpenAIChatModel("gpt-4o", base_url=server.base_url, api_key="k")
        runner = Runner("app", LLMAgent("assistant", model=model))
        try:
            result = await runner.run_to_end("u", "s", "count")
        finally:
            await model.aclose()
    reply = next(e for e in result.events if e.tag == "model.reply")
    assert reply.metadata["first_token_ms"] > 0 and reply.metadata["generating_ms"] >= 0
    line = usage_line(reply)
    assert line.startswith("30 tokens · ")  # the reply's own, as the rate counts them
    assert "s to first token" in line and line.endswith("context 3.1k / 128k")


def test_a_request_near_the_context_window_is_announced_before_it_goes() -> None:
    from threadline.app.context import overflow_warning

    assert overflow_warning(100_000, 2_000, "short", "gpt-4o") == ""  # 80 %: room left
    warning = overflow_warning(118_000, 2_000, "x" * 4000, "gpt-4o")
    assert "about 121k of 128k tokens" in warning and "branch" in warning
    assert overflow_warning(500_000, 0, "", "my-finetune") == ""  # unknown window: no guess
