"""The embedded agent runner: a GUI-free asyncio library (it never imports Qt)."""

from threadline.core.events import ErrorInfo, Event, EventActions, Message, ToolCall, Usage
from threadline.runner.agents import BaseAgent, ChainAgent, CycleAgent, ParallelAgent
from threadline.runner.callbacks import Callbacks
from threadline.runner.context import (
    ApprovalRequest,
    InvocationContext,
    MaxTurnsExceeded,
    RunConfig,
)
from threadline.runner.fake import ScriptedModel, ScriptedReply
from threadline.runner.instructions import InstructionVersion
from threadline.runner.llm_agent import LLMAgent
from threadline.runner.models import GenerationConfig, Model, ModelError, ModelRequest
from threadline.runner.openai_model import OpenAIChatModel
from threadline.runner.providers import Provider, ProviderRegistry
from threadline.runner.runner import Runner, RunResult
from threadline.runner.tools import FunctionTool, Tool, ToolContext, function_tool

# RunConfig names BaseAgent, which context.py cannot import (agents.py imports context.py).
RunConfig.model_rebuild(_types_namespace={"BaseAgent": BaseAgent})

__all__ = [
    "ApprovalRequest",
    "BaseAgent",
    "Callbacks",
    "ChainAgent",
    "CycleAgent",
    "ErrorInfo",
    "Event",
    "EventActions",
    "FunctionTool",
    "GenerationConfig",
    "InstructionVersion",
    "InvocationContext",
    "LLMAgent",
    "MaxTurnsExceeded",
    "Message",
    "Model",
    "ModelError",
    "ModelRequest",
    "OpenAIChatModel",
    "ParallelAgent",
    "Provider",
    "ProviderRegistry",
    "RunConfig",
    "RunResult",
    "Runner",
    "ScriptedModel",
    "ScriptedReply",
    "Tool",
    "ToolCall",
    "ToolContext",
    "Usage",
    "function_tool",
]
