"""The exception tree and its codes, the event tags, and the provider presets."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator

import pytest

from threadline.core.errors import CorruptDatabaseError, DatabaseInUseError, StorageError
from threadline.runner import (
    PROVIDER_PRESETS,
    Event,
    EventTag,
    LLMAgent,
    MaxTurnsExceeded,
    MCPError,
    ModelChunk,
    ModelError,
    ModelRequest,
    OpenAIChatModel,
    Runner,
    TextChunk,
    ThreadlineError,
    ToolArgumentsError,
    resolve_model,
)
from threadline.runner.context import NoArtifactServiceError
from threadline.runner.resume import NothingToResumeError, UnknownAgentError
from threadline.runner.tool_threads import ToolThreadsExhausted

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (StorageError("x"), "storage"),
        (CorruptDatabaseError("x", path="p", moved_to=None), "storage_corrupt"),
        (DatabaseInUseError("x"), "storage_in_use"),
        (ModelError("rate_limited", "x"), "rate_limited"),
        (MCPError("x"), "mcp"),
        (ToolArgumentsError("x"), "tool_arguments"),
        (MaxTurnsExceeded("x"), "max_turns"),
        (NothingToResumeError("x"), "nothing_to_resume"),
        (UnknownAgentError("x"), "unknown_agent"),
        (NoArtifactServiceError("x"), "no_artifact_service"),
        (ToolThreadsExhausted("x"), "tool_threads_exhausted"),
    ],
)
async def test_every_error_is_a_threadline_error_with_a_code(
    error: ThreadlineError, code: str
) -> None:
    assert isinstance(error, ThreadlineError)
    assert error.code == code and str(error) == "x"


class FailingModel:
    """A custom model that fails with a given error after one chunk."""

    name = "failing"

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def stream(self, request: ModelRequest) -> AsyncGenerator[ModelChunk, None]:
        yield TextChunk("partial")
        raise self.error


class QuotaError(ThreadlineError):
    """A subclass an embedding app defines: its code reaches the event without runner changes."""

    code = "quota"


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        (ModelError("auth", "Check the key."), "auth", "Check the key."),
        (QuotaError("Out of credit."), "quota", "Out of credit."),
        (RuntimeError("boom"), "internal", "RuntimeError: boom"),
    ],
)
async def test_error_events_carry_the_code_and_message(
    error: Exception, code: str, message: str
) -> None:
    runner = Runner("app", LLMAgent("a", model=FailingModel(error)))
    result = await runner.run_to_end("u", "s", "x")
    errors = [e for e in result.events if e.error is not None]
    assert [(e.error.code, e.error.message) for e in errors if e.error] == [(code, message)]
    assert errors[0].tag == EventTag.ERROR
    assert result.events[-1].done and result.events[-1].tag == EventTag.RUN_DONE
    session = await runner.session_service.get_session("app", "u", "s")
    assert session is not None
    interrupted = [e for e in session.events if e.tag == EventTag.INTERRUPTED]
    assert [e.message.content for e in interrupted if e.message] == ["partial"]


async def test_resume_without_a_paused_call_is_an_error_event() -> None:
    agent = LLMAgent("a", model=FailingModel(RuntimeError("unused")))
    events = [e async for e in Runner("app", agent).resume("u", "s", {"call_1": True})]
    assert [e.error.code for e in events if e.error] == ["nothing_to_resume"]


async def test_event_tags_are_the_plain_strings() -> None:
    assert EventTag.TOOL_APPROVAL == "tool.approval"
    assert {str(tag) for tag in EventTag} >= {"model.reply", "agent.transfer", "run.done"}
    event = Event(author="a", tag=EventTag.AGENT_TRANSFER)
    data = json.loads(event.model_dump_json())
    assert data["tag"] == "agent.transfer"
    assert Event.model_validate_json(event.model_dump_json()).tag == EventTag.AGENT_TRANSFER


async def test_provider_presets_and_model_names() -> None:
    assert PROVIDER_PRESETS["ollama"].base_url == "http://localhost:11434/v1"
    assert PROVIDER_PRESETS["openai"].needs_key and not PROVIDER_PRESETS["lmstudio"].needs_key
    model = resolve_model("ollama/llama3.2")
    assert isinstance(model, OpenAIChatModel) and model.name == "llama3.2"
    assert resolve_model("openrouter/meta/llama-3").name == "meta/llama-3"
    assert resolve_model("gpt-4o").name == "gpt-4o"
    with pytest.raises(KeyError, match="known: "):
        resolve_model("nowhere/model")
