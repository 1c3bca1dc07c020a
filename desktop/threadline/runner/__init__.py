"""The embedded agent runner: a GUI-free asyncio library (it never imports Qt)."""

from threadline.core.errors import ThreadlineError
from threadline.core.events import (
    ErrorInfo,
    Event,
    EventActions,
    EventTag,
    FilePart,
    ImagePart,
    Message,
    Part,
    ToolCall,
    Usage,
)
from threadline.runner.agents import BaseAgent, ChainAgent, CycleAgent, ParallelAgent
from threadline.runner.callbacks import (
    AfterAgentCallback,
    AfterModelCallback,
    AfterToolCallback,
    BeforeAgentCallback,
    BeforeModelCallback,
    BeforeToolCallback,
    Callbacks,
)
from threadline.runner.content import ToolOutput
from threadline.runner.context import (
    ApprovalRequest,
    InvocationContext,
    MaxTurnsExceeded,
    RunConfig,
)
from threadline.runner.fake import ScriptedModel, ScriptedReply
from threadline.runner.instructions import InstructionVersion
from threadline.runner.llm_agent import LLMAgent
from threadline.runner.mcp import (
    ElicitationRequest,
    ElicitationResponse,
    MCPError,
    MCPServerConfig,
    MCPToolset,
    SamplingRequest,
)
from threadline.runner.models import (
    GenerationConfig,
    Model,
    ModelChunk,
    ModelError,
    ModelRequest,
    ReasoningChunk,
    RetryChunk,
    TextChunk,
    ToolCallChunk,
    UsageChunk,
)
from threadline.runner.openai_model import OpenAIChatModel
from threadline.runner.providers import PROVIDER_PRESETS, ProviderPreset, resolve_model
from threadline.runner.runner import Runner, RunResult
from threadline.runner.steps import Step, StepToolCall
from threadline.runner.tools import (
    FunctionTool,
    Tool,
    ToolArgumentsError,
    ToolContext,
    function_tool,
)

# RunConfig names BaseAgent, which context.py cannot import (agents.py imports context.py).
RunConfig.model_rebuild(_types_namespace={"BaseAgent": BaseAgent})

__all__ = [
    "PROVIDER_PRESETS",
    "AfterAgentCallback",
    "AfterModelCallback",
    "AfterToolCallback",
    "ApprovalRequest",
    "BaseAgent",
    "BeforeAgentCallback",
    "BeforeModelCallback",
    "BeforeToolCallback",
    "Callbacks",
    "ChainAgent",
    "CycleAgent",
    "ElicitationRequest",
    "ElicitationResponse",
    "ErrorInfo",
    "Event",
    "EventActions",
    "EventTag",
    "FilePart",
    "FunctionTool",
    "GenerationConfig",
    "ImagePart",
    "InstructionVersion",
    "InvocationContext",
    "LLMAgent",
    "MCPError",
    "MCPServerConfig",
    "MCPToolset",
    "MaxTurnsExceeded",
    "Message",
    "Model",
    "ModelChunk",
    "ModelError",
    "ModelRequest",
    "OpenAIChatModel",
    "ParallelAgent",
    "Part",
    "ProviderPreset",
    "ReasoningChunk",
    "RetryChunk",
    "RunConfig",
    "RunResult",
    "Runner",
    "SamplingRequest",
    "ScriptedModel",
    "ScriptedReply",
    "Step",
    "StepToolCall",
    "TextChunk",
    "ThreadlineError",
    "Tool",
    "ToolArgumentsError",
    "ToolCall",
    "ToolCallChunk",
    "ToolContext",
    "ToolOutput",
    "Usage",
    "UsageChunk",
    "function_tool",
    "resolve_model",
]
