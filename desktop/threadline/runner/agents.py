"""The agent tree: the base class and the workflow agents (chain, parallel, cycle)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from threadline.core.events import Event, Message
from threadline.runner.callbacks import Callbacks, call_hook

if TYPE_CHECKING:
    from threadline.runner.context import InvocationContext

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
ACTIVE_AGENT_KEY = "runner:active_agent"


class BaseAgent:
    """A node of the agent tree. Subclasses implement ``_run_impl``."""

    def __init__(
        self,
        name: str,
        *,
        description: str = "",
        sub_agents: Sequence[BaseAgent] = (),
        callbacks: Callbacks | None = None,
    ) -> None:
        if not _NAME.match(name) or name == "user":
            raise ValueError(f"invalid agent name {name!r}: use letters, digits, _ and -")
        self.name = name
        self.description = description
        self.callbacks = callbacks or Callbacks()
        self.parent: BaseAgent | None = None
        self.sub_agents = list(sub_agents)
        seen: set[str] = set()
        for sub in self.sub_agents:
            if sub.parent is not None:
                raise ValueError(f"agent {sub.name!r} already belongs to {sub.parent.name!r}")
            if sub.name in seen:
                raise ValueError(f"two sub-agents are named {sub.name!r}")
            seen.add(sub.name)
            sub.parent = self

    @property
    def path(self) -> str:
        """The branch name of this agent's events: its names from the root, dot-joined."""
        return self.name if self.parent is None else f"{self.parent.path}.{self.name}"

    @property
    def root(self) -> BaseAgent:
        """The top of the tree this agent belongs to."""
        return self if self.parent is None else self.parent.root

    def find_agent(self, name: str) -> BaseAgent | None:
        """This agent or a descendant named ``name``."""
        if self.name == name:
            return self
        for sub in self.sub_agents:
            found = sub.find_agent(name)
            if found is not None:
                return found
        return None

    async def run(self, ctx: InvocationContext) -> AsyncIterator[Event]:
        """Runs this agent with its before/after callbacks, yielding its events."""
        early = await call_hook(self.callbacks.before_agent, ctx, self)
        if early is not None:
            yield self.reply_event(ctx, early)
            return
        async for event in self._run_impl(ctx):
            yield event
        late = await call_hook(self.callbacks.after_agent, ctx, self)
        if late is not None:
            yield self.reply_event(ctx, late)

    async def _run_impl(self, ctx: InvocationContext) -> AsyncIterator[Event]:
        raise NotImplementedError
        yield  # pragma: no cover - makes this an async generator

    def reply_event(self, ctx: InvocationContext, reply: str | Message) -> Event:
        """An assistant event from this agent carrying ``reply``."""
        message = reply if isinstance(reply, Message) else Message(role="assistant", content=reply)
        return Event(
            invocation_id=ctx.invocation_id, author=self.name, branch=self.path, message=message
        )


class ChainAgent(BaseAgent):
    """Runs its sub-agents one after another; each sees what the earlier ones said."""

    async def _run_impl(self, ctx: InvocationContext) -> AsyncIterator[Event]:
        for sub in self.sub_agents:
            async for event in sub.run(ctx):
                yield event
            if ctx.is_ended:
                return


class ParallelAgent(BaseAgent):
    """Runs its sub-agents concurrently, each on its own branch; events come interleaved."""

    async def _run_impl(self, ctx: InvocationContext) -> AsyncIterator[Event]:
        queue: asyncio.Queue[Event | BaseException | None] = asyncio.Queue()

        async def pump(agent: BaseAgent) -> None:
            try:
                async for event in agent.run(ctx):
                    await queue.put(event)
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # handed to the consumer, which re-raises it
                await queue.put(exc)
            finally:
                await queue.put(None)

        tasks = [asyncio.create_task(pump(sub)) for sub in self.sub_agents]
        running = len(tasks)
        try:
            while running:
                item = await queue.get()
                if item is None:
                    running -= 1
                elif isinstance(item, BaseException):
                    raise item
                else:
                    yield item
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


class CycleAgent(BaseAgent):
    """Repeats its sub-agents in order until one escalates or ``max_iterations`` is reached."""

    def __init__(
        self,
        name: str,
        *,
        max_iterations: int | None = None,
        description: str = "",
        sub_agents: Sequence[BaseAgent] = (),
        callbacks: Callbacks | None = None,
    ) -> None:
        super().__init__(name, description=description, sub_agents=sub_agents, callbacks=callbacks)
        self.max_iterations = max_iterations

    async def _run_impl(self, ctx: InvocationContext) -> AsyncIterator[Event]:
        iteration = 0
        while self.max_iterations is None or iteration < self.max_iterations:
            iteration += 1
            for sub in self.sub_agents:
                escalated = False
                async for event in sub.run(ctx):
                    escalated = escalated or event.actions.escalate
                    yield event
                if escalated or ctx.is_ended:
                    return
