"""What the Agents page asks for: the user's agents (saved in SQLite) and the teams they make."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Signal

from threadline.app.teams import SPECS_SETTING, AgentSpec, TeamError, parse_specs
from threadline.ui.settings.page import PageController


class AgentsController(PageController):
    """Saves the user's agents (SQLite); the teams a session can pick follow them.

    Signals:
        agents_loaded(object): the user's agents as ``list[dict]`` (``AgentSpec`` fields).
        teams_listed(object): the teams a session can pick, ``list[(name, description)]``.
        tools_listed(object): the tools an agent can be given right now, ``dict[name, label]``
            (a label names the MCP server of a tool renamed ``server__name``).
        notice(str): a message for the user (``PageController``).
    """

    agents_loaded = Signal(object)
    teams_listed = Signal(object)
    tools_listed = Signal(object)

    async def restore(self) -> None:
        """Loads the saved agents."""
        specs = parse_specs(await self.store.get_setting(SPECS_SETTING))
        try:
            self.hub.set_specs(specs)
        except TeamError as exc:
            self.notice.emit(f"The saved agents need fixing in Settings → Agents: {exc}")
        self.agents_loaded.emit([s.model_dump() for s in specs])
        self.teams_listed.emit(self.hub.teams())
        self.tools_listed.emit(self.hub.tool_labels())

    # -- agents ------------------------------------------------------------------------------

    def set_agents(self, entries: list[dict[str, Any]]) -> None:
        """Replaces the user's agents; teams use them from the next reply on.

        Agents that clash (a loop, an unknown sub-agent, a name used twice) change nothing: a
        notice says why and the page shows the saved agents again.
        """
        try:
            specs = [AgentSpec.model_validate(e) for e in entries]
            self.hub.set_specs(specs)
        except ValidationError as exc:
            self._refuse(str(exc.errors()[0]["msg"]).removeprefix("Value error, "))
            return
        except TeamError as exc:
            self._refuse(str(exc))
            return
        saved = [s.model_dump() for s in specs]
        self.agents_loaded.emit(saved)
        self.teams_listed.emit(self.hub.teams())
        self.spawner.spawn(self.store.set_setting(SPECS_SETTING, saved))

    def _refuse(self, reason: str) -> None:
        self.notice.emit(f"The agents were not changed: {reason}")
        self.agents_loaded.emit([s.model_dump() for s in self.hub.specs])
