"""``threadline serve`` without ``--agent``: the teams the desktop app defines in its data folder.

Built as the app builds them (``app.hub.AgentHub``, no Qt): the built-in assistant with the
live instruction and the built-in tools, every agent of the Agents page (read from the data
folder's store, which is opened, read and closed: the app may hold it open), models on the
configured provider with its key from the keyring (or ``OPENAI_API_KEY``), and the tools of the
MCP servers in the settings (a server that does not start is left out, with a log line).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from threadline.app.hub import AgentHub
from threadline.app.services import STORE_NAME, build_assistant
from threadline.app.teams import SPECS_SETTING, TeamError, parse_specs
from threadline.runner import BaseAgent, RunConfig
from threadline.settings import SecretStore, load_settings

log = logging.getLogger(__name__)


@dataclass
class DesktopTeams:
    """What the data folder defines: the teams by name (the assistant first), the run config
    the app would use (its always-allowed tools), and the hub to close at the end."""

    agents: dict[str, BaseAgent]
    base_config: RunConfig
    hub: AgentHub

    async def aclose(self) -> None:
        await self.hub.aclose()


async def load_desktop_teams(folder: Path, *, secrets: SecretStore | None = None) -> DesktopTeams:
    """The teams of the data folder ``folder``.

    Raises ``KeyringLockedError`` when the provider's key cannot be read from a locked
    keyring, and ``StorageError`` when the folder's store cannot be read.
    """
    settings = load_settings(folder)
    hub = AgentHub(build_assistant(settings), settings, secrets or SecretStore())
    await hub.use_provider()
    specs = parse_specs(await _stored_specs(folder / STORE_NAME))
    try:
        hub.set_specs(specs)
    except TeamError as exc:
        log.warning("the saved agents cannot form teams (%s); serving the assistant only", exc)
    for entry in settings.mcp_servers:
        try:
            await hub.connect(entry)
        except Exception as exc:  # one server down must not stop the others being served
            log.warning("MCP server %s not connected: %s", entry.name, exc)
    agents: dict[str, BaseAgent] = {}
    for name, _description in hub.teams():
        try:
            agents[name] = hub.team(name)
        except TeamError as exc:
            log.warning("team %s left out: %s", name, exc)
    config = RunConfig(always_allow=frozenset(settings.always_allowed_tools))
    return DesktopTeams(agents, config, hub)


async def _stored_specs(path: Path) -> object:
    """The Agents page's specs in the store at ``path`` (None when there is no store yet:
    nothing is created in a folder the app never used)."""
    if not await asyncio.to_thread(path.exists):
        return None
    from threadline.sessions import SQLiteSessionService

    store = SQLiteSessionService(path)
    try:
        return await store.get_setting(SPECS_SETTING)
    finally:
        await store.aclose()
