"""One tool an MCP server offers, callable like any other tool of an agent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from threadline.runner.tools import ToolContext

if TYPE_CHECKING:
    from threadline.runner.mcp.toolset import MCPToolset

QUALIFIER = "__"  # server__tool: the name the model sees when two tools share a name


class MCPTool:
    """One tool a server offers, callable like any other tool.

    ``name`` is the server's own name for it; ``qualified_name`` (``server__name``) is what the
    model sees when another tool of the agent has the same name. Calls always use the server's
    name (``remote_name``).
    """

    def __init__(self, toolset: MCPToolset, name: str, description: str, schema: dict[str, Any]):
        self.toolset = toolset
        self.remote_name = name
        self.name = name
        self.description = description or f"{name} (from MCP server {toolset.config.name})"
        self._schema = schema or {"type": "object", "properties": {}}

    @property
    def server(self) -> str:
        """The name of the server this tool comes from."""
        return self.toolset.config.name

    @property
    def qualified_name(self) -> str:
        """``server__tool``, the name that tells this tool apart from a namesake."""
        return f"{self.server}{QUALIFIER}{self.remote_name}"

    @property
    def parameters(self) -> dict[str, Any]:
        return self._schema

    def needs_approval(self, arguments: dict[str, Any]) -> bool:
        return self.toolset.needs_approval

    async def call(self, arguments: dict[str, Any], tool_context: ToolContext) -> Any:
        """The result's text, or a ``ToolOutput`` when it holds images or files."""
        run_config = getattr(tool_context.invocation, "run_config", None)
        timeout = getattr(run_config, "tool_timeout", None)
        output = await self.toolset.call_output(
            self.remote_name, arguments, read_timeout=timeout, tool_context=tool_context
        )
        return output if output.parts else output.text
