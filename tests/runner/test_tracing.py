"""OpenTelemetry: spans for the run, each model call and each tool call, once a provider is set."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from threadline.runner import LLMAgent, Runner, ScriptedModel, ScriptedReply, function_tool

pytestmark = pytest.mark.asyncio


@function_tool
def ping() -> str:
    """Answers pong."""
    return "pong"


async def test_spans_for_run_model_and_tool() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)  # what an embedding application would do
    model = ScriptedModel([ScriptedReply(tool_calls=[("ping", "{}")]), "done"])
    await Runner("app", LLMAgent("bot", model=model, tools=[ping])).run_to_end("u", "s", "go")
    spans = {s.name: s for s in exporter.get_finished_spans()}
    assert {"runner.run", "model.call", "tool.call"} <= set(spans)
    assert spans["tool.call"].attributes["tool"] == "ping"
    assert spans["model.call"].attributes["agent"] == "bot"
    assert spans["tool.call"].parent is not None
    assert spans["tool.call"].parent.trace_id == spans["runner.run"].context.trace_id
