"""The agent tree: the base class and the workflow agents (chain, parallel, cycle)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from threadline.core.events import Event, EventTag, Message
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
        """Runs this agent with its before/after callbacks, yielding its events.

        ``before_agent`` is not called again when a paused run goes on (``resume``);
        ``after_agent`` runs once the agent finished (not when it paused), and a reply it
        returns replaces the agent's own final reply (an LLM agent's: it is held back until
        then, so only the replacement is saved), or comes last when there is none (a
        workflow agent, whose steps must see each reply as soon as it is made).
        """
        plan = ctx.resume
        if plan is None or not plan.is_waiting_under(self.path):
            early = await call_hook(self.callbacks.before_agent, ctx, self)
            if early is not None:
                yield self.reply_event(ctx, early)
                return
        after = self.callbacks.after_agent
        if after is None:
            async for event in self._run_impl(ctx):
                yield event
            return
        held: Event | None = None
        is_paused = False
        async for event in self._run_impl(ctx):
            if held is not None:
                yield held
                held = None
            is_paused = is_paused or event.tag == EventTag.TOOL_APPROVAL
            if event.author == self.name and event.is_final_response():
                held = event
            else:
                yield event
        late = None if is_paused else await call_hook(after, ctx, self)
        if late is None:
            if held is not None:
                yield held
        elif held is not None:
            yield _replaced(held, late, self)
        else:
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
    """Runs its sub-agents one after another.

    Each step sees what the earlier ones said under the default ``prefix`` branch filter: an
    LLM step matches events against the chain's path (``LLMAgent.history_branch``), not its
    own. A step that pauses for approval stops the chain; ``resume`` goes on with that step
    and then the following ones.
    """

    async def _run_impl(self, ctx: InvocationContext) -> AsyncIterator[Event]:
        steps = self.sub_agents
        plan = ctx.resume
        if plan is not None and plan.is_waiting_under(self.path):
            waiting = plan.waiting_child(self)
            steps = steps[steps.index(waiting) :] if waiting is not None else steps
        for sub in steps:
            is_paused = False
            async for event in sub.run(ctx):
                is_paused = is_paused or event.tag == EventTag.TOOL_APPROVAL
                yield event
            if is_paused or ctx.is_ended:
                return


class ParallelAgent(BaseAgent):
    """Runs its sub-agents concurrently, each on its own branch; events come interleaved.

    A branch that pauses for approval keeps its own pending calls while the others run to
    their end; ``resume`` goes on with the branches that paused only.
    """

    async def _run_impl(self, ctx: InvocationContext) -> AsyncIterator[Event]:
        branches = self.sub_agents
        plan = ctx.resume
        if plan is not None and plan.is_waiting_under(self.path):
            branches = [sub for sub in branches if plan.is_waiting_under(sub.path)]
        queue: asyncio.Queue[tuple[Event | BaseException | None, asyncio.Future[None] | None]]
        queue = asyncio.Queue()
        loop = asyncio.get_running_loop()

        async def pump(agent: BaseAgent) -> None:
            try:
                async for event in agent.run(ctx):
                    if event.partial:
                        await queue.put((event, None))
                        continue
                    # A branch goes on only once its event was saved: its next model request
                    # must see its own tool results in the session.
                    handled = loop.create_future()
                    await queue.put((event, handled))
                    await handled
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # handed to the consumer, which re-raises it
                await queue.put((exc, None))
            finally:
                await queue.put((None, None))

        tasks = [asyncio.create_task(pump(sub)) for sub in branches]
        running = len(tasks)
        try:
            while running:
                item, handled = await queue.get()
                if item is None:
                    running -= 1
                elif isinstance(item, BaseException):
                    raise item
                else:
                    try:
                        yield item
                    finally:
                        if handled is not None and not handled.done():
                            handled.set_result(None)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


class CycleAgent(BaseAgent):
    """Repeats its sub-agents in order until one escalates or ``max_iterations`` is reached.

    Its steps see each other as a chain's do. A step that pauses for approval stops the
    cycle; ``resume`` goes on in the same iteration with that step, then the next ones.
    """

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
        first = 0
        plan = ctx.resume
        if plan is not None and plan.is_waiting_under(self.path):
            # Go on in the iteration and at the step that paused.
            iteration = max(plan.positions.get(self.path, 1) - 1, 0)
            waiting = plan.waiting_child(self)
            first = self.sub_agents.index(waiting) if waiting is not None else 0
        while self.max_iterations is None or iteration < self.max_iterations:
            iteration += 1
            ctx.positions[self.path] = iteration
            for sub in self.sub_agents[first:]:
                escalated = is_paused = False
                async for event in sub.run(ctx):
                    escalated = escalated or event.actions.escalate
                    is_paused = is_paused or event.tag == EventTag.TOOL_APPROVAL
                    yield event
                if escalated or is_paused or ctx.is_ended:
                    return
            first = 0


def _replaced(held: Event, reply: str | Message, agent: BaseAgent) -> Event:
    """``held`` (a final reply) with the message an ``after_agent`` callback returned."""
    message = reply if isinstance(reply, Message) else Message(role="assistant", content=reply)
    metadata = {k: v for k, v in held.metadata.items() if k != "structured_output"}
    original = held.message.content if held.message is not None else ""
    metadata["replaced_by"] = {"callback": "after_agent", "agent": agent.name, "text": original}
    return held.model_copy(update={"message": message, "metadata": metadata})
