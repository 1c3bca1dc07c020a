"""Everything the app can run: the assistant, the user's agents, their models and their tools.

GUI-free; the window's controller owns one. Tools are the built-in ones plus those of connected
MCP servers (minus the ones the user switched off); models are one client per model name on the
configured provider; teams are built from the specs on demand and rebuilt when any of that
changes. A running reply keeps the tree it started with.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from threadline.app.mcp_servers import MCPServers
from threadline.app.teams import DEFAULT_TEAM, AgentSpec, TeamError, build_team, check_specs
from threadline.runner import BaseAgent, LLMAgent, Model, OpenAIChatModel, Tool
from threadline.runner.tools import unique_names

if TYPE_CHECKING:
    from threadline.runner.mcp import MCPTool
    from threadline.settings import AppSettings, SecretStore
    from threadline.settings.config import MCPServerEntry

log = logging.getLogger(__name__)


class AgentHub:
    """Builds the agent tree for a team name from the current specs, models and tools."""

    def __init__(self, assistant: LLMAgent, settings: AppSettings, secrets: SecretStore) -> None:
        self.assistant = assistant
        self.settings = settings
        self.secrets = secrets
        self.builtin: list[Tool] = list(assistant.tools)
        self.specs: list[AgentSpec] = []
        self._models: dict[str, OpenAIChatModel] = {}
        self.mcp = MCPServers(secrets)
        self._teams: dict[str, BaseAgent] = {}
        self._key: str | None = None

    # -- models ------------------------------------------------------------------------------

    async def use_provider(self) -> None:
        """(Re)builds the models on the configured provider with its key from the keyring.

        Raises ``KeyringLockedError`` when the keyring is locked: no model is built with a
        placeholder key (the provider would answer 401 and blame the key).
        """
        provider = self.settings.provider
        key = await self.secrets.get(
            provider.key_name, env_fallback="OPENAI_API_KEY", must_read=True
        )
        old = list(self._models.values())
        self._models = {}
        self._key = key
        # Off the GUI thread: the first client imports the HTTP stack and loads the system's
        # certificates (~90 ms), which would freeze the window a second after it opens.
        self.assistant.model = await asyncio.to_thread(self.model_for, "")
        self._teams.clear()
        for model in old:
            await model.aclose()

    def model_for(self, name: str) -> Model:
        """The client for model ``name`` on the provider (empty: the provider's own choice)."""
        provider = self.settings.provider
        name = name or provider.model
        if name not in self._models:
            self._models[name] = OpenAIChatModel(
                name, base_url=provider.base_url or None, api_key=self._key
            )
        return self._models[name]

    # -- tools -------------------------------------------------------------------------------

    def tools(self) -> dict[str, Tool]:
        """Every tool an agent may use now, by the name the model sees: built-in first, then
        enabled MCP tools (one sharing a name with another is ``server__name``)."""
        available: list[Tool] = list(self.builtin)
        for entry in self.settings.mcp_servers:
            available.extend(
                tool for tool in self.mcp.tools(entry.name) if tool.name not in entry.disabled_tools
            )
        return unique_names(available, strict=False)

    def tool_labels(self) -> dict[str, str]:
        """Every tool's name (as ``tools``) and how a list shows it: a tool renamed
        ``server__name`` because another has its name says which MCP server it is from."""
        labels = {}
        for name, tool in self.tools().items():
            server = getattr(tool, "server", None)
            if server and name != tool.name:
                labels[name] = f"{tool.name} (MCP server {server})"
            else:
                labels[name] = name
        return labels

    def refresh_tools(self) -> None:
        """Gives the assistant the current tools; teams are rebuilt on their next run."""
        self.assistant.tools = list(self.tools().values())
        self._teams.clear()

    # -- teams -------------------------------------------------------------------------------

    def set_specs(self, specs: list[AgentSpec]) -> None:
        """Replaces the user's agents. Raises ``TeamError`` (nothing changes) when they clash.

        Teams are rebuilt for the next reply; an agent answering right now takes its new
        instruction at its very next model request, like the assistant's live instruction.
        """
        check_specs(specs)
        instructions = {s.name: s.instruction for s in specs if s.kind == "llm"}
        for tree in self._teams.values():
            if tree is not self.assistant:
                _update_instructions(tree, instructions)
        self.specs = list(specs)
        self._teams.clear()

    def teams(self) -> list[tuple[str, str]]:
        """The teams a session can pick, with descriptions: the assistant, then every agent."""
        return [
            (DEFAULT_TEAM, "The built-in assistant with every tool"),
            *((s.name, s.description) for s in self.specs),
        ]

    def team(self, name: str) -> BaseAgent:
        """The tree led by ``name``. Raises ``TeamError`` when there is no such agent."""
        if name not in self._teams:
            self._teams[name] = build_team(
                name,
                self.specs,
                assistant=self.assistant,
                model_for=self.model_for,
                tools=self.tools(),
            )
        return self._teams[name]

    # -- MCP servers -------------------------------------------------------------------------

    async def connect(self, entry: MCPServerEntry) -> list[MCPTool]:
        """Connects an MCP server; its enabled tools join every agent. Raises ``MCPError``."""
        tools = await self.mcp.connect(entry)
        self.refresh_tools()
        return tools

    async def disconnect(self, name: str) -> None:
        """Closes an MCP server's connection; its tools leave every agent."""
        if await self.mcp.disconnect(name):
            self.refresh_tools()

    async def aclose(self) -> None:
        """Closes every MCP connection and model client."""
        await self.mcp.aclose()
        for model in self._models.values():
            await model.aclose()
        self._models = {}


def _update_instructions(agent: BaseAgent, instructions: dict[str, str]) -> None:
    if isinstance(agent, LLMAgent):
        text = instructions.get(agent.name)
        if text is not None and text != agent.instruction.text:
            agent.set_instruction(text)
    for sub in agent.sub_agents:
        _update_instructions(sub, instructions)


__all__ = ["AgentHub", "TeamError"]
