"""The agent teams a server offers by name, and which one answers in a session.

One ``Runner`` serves them all (as in the desktop app): each run passes its team as
``RunConfig(agent=...)``, so runs on one session are serialised whichever team they use. With
several teams a session keeps the name of its own in its state (``team``, the desktop app's
key), written when the server creates the session; a request may name another for one run.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

from threadline.app.teams import TEAM_KEY
from threadline.core.session import Session, SessionService
from threadline.runner import BaseAgent, RunConfig, Runner
from threadline.runner.resume import find_by_path, pending_approvals
from threadline.serve.errors import ApiError

Served = Runner | BaseAgent | Mapping[str, BaseAgent]


class AgentCatalog:
    """Agent trees by name, the first being the default, over one ``Runner``.

    Attributes:
        runner: runs every team (its own agent is the default team).
        base_config: the ``RunConfig`` each run starts from (the team is set per run).
    """

    def __init__(
        self,
        served: Served,
        *,
        session_service: SessionService | None = None,
        app_name: str = "threadline",
        base_config: RunConfig | None = None,
    ) -> None:
        if isinstance(served, Runner):
            self.runner = served
            agents: Mapping[str, BaseAgent] = {served.agent.name: served.agent}
        else:
            agents = {served.name: served} if isinstance(served, BaseAgent) else dict(served)
            if not agents:
                raise ValueError("a server needs at least one agent")
            first = next(iter(agents.values()))
            self.runner = Runner(app_name, first, session_service=session_service)
        self.agents: dict[str, BaseAgent] = dict(agents)
        self.default = next(iter(self.agents))
        self.base_config = base_config or RunConfig()

    @property
    def names(self) -> list[str]:
        return list(self.agents)

    @property
    def service(self) -> SessionService:
        return self.runner.session_service

    @property
    def app_name(self) -> str:
        return self.runner.app_name

    def get(self, name: str) -> BaseAgent:
        """The team ``name``; raises ``ApiError`` 404 when this server has none by that name."""
        tree = self.agents.get(name)
        if tree is None:
            known = ", ".join(self.agents)
            raise ApiError(
                404, "model_not_found", f"no agent {name!r} here; this server has {known}"
            )
        return tree

    def config(self, tree: BaseAgent, **changes: object) -> RunConfig:
        """The run config for a run of ``tree`` (the runner's own agent needs no override)."""
        update = dict(changes)
        if tree is not self.runner.agent:
            update["agent"] = tree
        return self.base_config.model_copy(update=update) if update else self.base_config

    async def team_for_run(self, user_id: str, session_id: str, wanted: str | None) -> BaseAgent:
        """The team that answers a new message: ``wanted``, else the session's, else the
        default. A session this server creates remembers its team."""
        if wanted is not None:
            tree = self.get(wanted)
            if len(self.agents) == 1:
                return tree
        elif len(self.agents) == 1:
            return self.agents[self.default]  # one team: no store read per run
        session = await self._session(user_id, session_id)
        name = wanted or _stored_team(session, self.agents) or self.default
        if session is None:
            with contextlib.suppress(ValueError):  # another request created it just now
                await self.service.create_session(
                    self.app_name, user_id, session_id, {TEAM_KEY: name}
                )
        return self.agents[name]

    async def team_for_resume(self, user_id: str, session_id: str, wanted: str | None) -> BaseAgent:
        """The team a paused run goes on in: ``wanted``, else the one holding the paused
        agents (the session's own team first), else the default."""
        if wanted is not None:
            return self.get(wanted)
        if len(self.agents) == 1:
            return self.agents[self.default]
        session = await self._session(user_id, session_id)
        if session is None:
            return self.agents[self.default]
        stored = _stored_team(session, self.agents)
        order = ([stored] if stored else []) + [n for n in self.agents if n != stored]
        paths = [p.event.branch for p in pending_approvals(session.events) if p.event.branch]
        for name in order:
            if paths and all(find_by_path(self.agents[name], path) for path in paths):
                return self.agents[name]
        return self.agents[stored or self.default]

    async def _session(self, user_id: str, session_id: str) -> Session | None:
        return await self.service.get_session(self.app_name, user_id, session_id)


def _stored_team(session: Session | None, agents: Mapping[str, BaseAgent]) -> str | None:
    name = session.state.get(TEAM_KEY) if session is not None else None
    return name if isinstance(name, str) and name in agents else None
