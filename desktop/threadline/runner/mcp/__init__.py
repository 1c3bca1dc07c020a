"""Tools from Model Context Protocol servers (stdio or streamable HTTP), via the official SDK.

A server that fails, crashes or times out turns into a tool error the model reads; it never
takes the run down. The SDK (``mcp``) is a regular dependency of Threadline.

A stdio server gets the SDK's safe default environment plus the variables its config names,
never the rest of ours (provider keys live there). A call waits as long as the run's
``RunConfig.tool_timeout``, not counting the time the user takes to answer an elicitation or
sampling request (the run's timeout stops meanwhile). A server that died is noticed
(``is_connected`` turns false, ``status`` says why) and started again on its next use.

Results: text stays text; images become ``ImagePart``s the model sees as images (stored once
by content hash, see ``runner.content``); audio and binary resources become ``FilePart``s
and a short reference in the text, never base64 text. Progress notifications become partial
``tool.progress`` events of the run (``ToolContext.report_progress``).

Client capabilities, declared only when there is something behind them:
- roots: the folders ``MCPServerConfig.roots`` allows (``set_roots`` changes them live);
- elicitation: ``MCPToolset(elicitation_handler=...)``, an async callable the application
  supplies (a form in the chat) taking an ``ElicitationRequest`` and returning an
  ``ElicitationResponse`` (accept with content, decline, cancel); a dict means accept;
- sampling: ``MCPToolset(sampling_handler=...)``, an async callable taking a
  ``SamplingRequest`` (shown to the user for approval) and returning the ``Model`` to run it on,
  or None to decline (the server gets the MCP "user rejected" error).
"""

from threadline.runner.mcp.config import MCPError, MCPServerConfig
from threadline.runner.mcp.environment import (
    BUNDLE_PREFIXES,
    BUNDLE_VARIABLES,
    child_environment,
)
from threadline.runner.mcp.prompts import (
    USER_REJECTED,
    ElicitationHandler,
    ElicitationRequest,
    ElicitationResponse,
    SamplingHandler,
    SamplingRequest,
)
from threadline.runner.mcp.results import result_output
from threadline.runner.mcp.tool import QUALIFIER, MCPTool
from threadline.runner.mcp.toolset import (
    CALL_TIMEOUT_S,
    CLOSE_TIMEOUT_S,
    CONNECT_TIMEOUT_S,
    ROOTS_WAIT_S,
    WATCH_INTERVAL_S,
    MCPToolset,
)

__all__ = [
    "BUNDLE_PREFIXES",
    "BUNDLE_VARIABLES",
    "CALL_TIMEOUT_S",
    "CLOSE_TIMEOUT_S",
    "CONNECT_TIMEOUT_S",
    "QUALIFIER",
    "ROOTS_WAIT_S",
    "USER_REJECTED",
    "WATCH_INTERVAL_S",
    "ElicitationHandler",
    "ElicitationRequest",
    "ElicitationResponse",
    "MCPError",
    "MCPServerConfig",
    "MCPTool",
    "MCPToolset",
    "SamplingHandler",
    "SamplingRequest",
    "child_environment",
    "result_output",
]
