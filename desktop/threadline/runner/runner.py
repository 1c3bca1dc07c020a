"""``Runner``: sessions in, an async stream of events out, with exactly one completion event."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from threadline.core.errors import ThreadlineError
from threadline.core.events import ErrorInfo, Event, EventTag, Message, Usage, new_id
from threadline.core.memory import InMemorySessionService
from threadline.core.session import Session, SessionService, session_run_lock
from threadline.runner.agents import ACTIVE_AGENT_KEY, BaseAgent
from threadline.runner.context import ArtifactService, InvocationContext, RunConfig
from threadline.runner.interrupted import save_interrupted
from threadline.runner.resume import (
    ResumePlan,
    UnknownAgentError,
    build_plan,
    pending_approvals,
)
from threadline.runner.steps import Step, StepRecorder
from threadline.runner.tracing import span

RUNNER_AUTHOR = "runner"


class RunResult(BaseModel):
    """What ``run_to_end`` returns.

    Attributes:
        final_output: the text of the last final reply.
        events: every non-partial event of the run, in order.
        usage: the tokens of all model calls together.
        last_agent: the agent that had the conversation at the end.
        error: the last error event's error, if any.
        steps: one per model call: agent, start, duration, tool calls and their outcome,
            usage (``threadline.runner.steps.Step``).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    final_output: str = ""
    events: list[Event] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    last_agent: str = ""
    error: ErrorInfo | None = None
    steps: list[Step] = Field(default_factory=list)


class Runner:
    """Runs an agent tree against sessions; one runner serves many sessions at once.

    Runs on the same session are serialised (the second waits); ``max_concurrent_runs``
    caps how many sessions run at the same time (0 = no cap).
    """

    def __init__(
        self,
        app_name: str,
        agent: BaseAgent,
        *,
        session_service: SessionService | None = None,
        memory_service: Any = None,
        artifact_service: ArtifactService | None = None,
        max_concurrent_runs: int = 0,
    ) -> None:
        if not app_name:
            raise ValueError("app_name must not be empty")
        if session_service is None:
            session_service = InMemorySessionService()
        self.app_name = app_name
        self.agent = agent
        self.session_service = session_service
        self.memory_service = memory_service
        self.artifact_service = artifact_service
        self._slots = asyncio.Semaphore(max_concurrent_runs) if max_concurrent_runs > 0 else None
        self._session_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    # -- public API --------------------------------------------------------------------------

    def run(
        self,
        user_id: str,
        session_id: str,
        message: str | Message,
        *,
        run_config: RunConfig | None = None,
    ) -> AsyncIterator[Event]:
        """Streams the events of one invocation. Raises ``ValueError`` for bad arguments.

        Once iteration has started nothing is raised: failures arrive as an event with
        ``error`` set, and the last event always has ``done`` true.
        """
        _check_ids(user_id, session_id)
        if isinstance(message, str):
            message = Message(role="user", content=message)
        if message.role != "user":
            raise ValueError("the message must have role 'user'")
        config = run_config or RunConfig()
        self._root(config)  # an unknown agent raises UnknownAgentError (a ValueError) now
        return self._invoke(user_id, session_id, config, message, None)

    def resume(
        self,
        user_id: str,
        session_id: str,
        decisions: dict[str, bool],
        *,
        edited_arguments: dict[str, dict[str, Any]] | None = None,
        run_config: RunConfig | None = None,
    ) -> AsyncIterator[Event]:
        """Continues an invocation paused for tool approval; ``decisions`` maps call id to bool.

        Every call still waiting needs a decision, those of every paused ``ParallelAgent``
        branch included. The invocation goes on where it paused, under its own id (so the
        timeline filters see what the paused part had): the paused agents get their results,
        then a workflow runs its following steps. ``edited_arguments`` replaces the arguments
        of approved calls (a person corrected them).
        """
        _check_ids(user_id, session_id)
        config = run_config or RunConfig()
        self._root(config)
        if edited_arguments:
            config = config.model_copy(update={"edited_arguments": dict(edited_arguments)})
        return self._invoke(user_id, session_id, config, None, dict(decisions))

    def continue_run(
        self, user_id: str, session_id: str, *, run_config: RunConfig | None = None
    ) -> AsyncIterator[Event]:
        """Runs the active agent on the session as it is, adding no user message (retry)."""
        _check_ids(user_id, session_id)
        config = run_config or RunConfig()
        self._root(config)
        return self._invoke(user_id, session_id, config, None, None)

    async def run_to_end(
        self,
        user_id: str,
        session_id: str,
        message: str | Message,
        *,
        run_config: RunConfig | None = None,
    ) -> RunResult:
        """Runs to completion and collects the non-partial events into a ``RunResult``."""
        return await collect(self.run(user_id, session_id, message, run_config=run_config))

    async def pending_approvals(self, user_id: str, session_id: str) -> list[dict[str, Any]]:
        """Tool calls of the session still waiting for a decision, of every agent that paused
        (survives restarts)."""
        session = await self.session_service.get_session(self.app_name, user_id, session_id)
        if session is None:
            return []
        return [
            {**c.model_dump(), "agent": paused.event.author, "branch": paused.event.branch}
            for paused in pending_approvals(session.events)
            for c in paused.calls
        ]

    # -- the invocation ----------------------------------------------------------------------

    async def _invoke(
        self,
        user_id: str,
        session_id: str,
        config: RunConfig,
        message: Message | None,
        decisions: dict[str, bool] | None,
    ) -> AsyncIterator[Event]:
        invocation_id = "inv-" + new_id()
        lock = self._session_locks.get(session_id)
        if lock is None:
            lock = asyncio.Lock()
            self._session_locks[session_id] = lock
        slots = self._slots or contextlib.nullcontext()
        # This process's lock first (queued runs here hold no server connection), then the
        # store's lock across processes (PostgreSQL, Redis, a shared SQLite file), then a
        # slot: a run waiting on another machine takes no local slot. The session is read
        # inside all three, so no run works from a history another is still writing.
        shared = session_run_lock(self.session_service, self.app_name, user_id, session_id)
        async with lock, shared, slots:
            stream = self._invoke_locked(
                user_id, session_id, config, message, decisions, invocation_id
            )
            try:
                async for event in stream:
                    yield event
            finally:
                await stream.aclose()

    async def _invoke_locked(
        self,
        user_id: str,
        session_id: str,
        config: RunConfig,
        message: Message | None,
        decisions: dict[str, bool] | None,
        invocation_id: str,
    ) -> AsyncGenerator[Event, None]:
        service = self.session_service
        unsaved: dict[tuple[str, str], list[str]] = {}
        thinking: dict[tuple[str, str], list[str]] = {}  # streamed reasoning, likewise
        session: Session | None = None
        agent: BaseAgent = self.agent

        async def save(event: Event) -> None:
            assert session is not None
            await service.append_event(session, event)

        try:
            root = self._root(config)
            agent = root
            session = await service.get_session(self.app_name, user_id, session_id)
            if session is None:
                session = await service.create_session(self.app_name, user_id, session_id)
            plan: ResumePlan | None = None
            if decisions is not None:
                plan = build_plan(root, session.events, decisions)
                invocation_id = plan.invocation_id  # the paused invocation goes on
                agent = plan.entry
            else:
                agent = _active_agent(root, session)
            ctx = InvocationContext(
                invocation_id=invocation_id,
                app_name=self.app_name,
                user_id=user_id,
                session=session,
                session_service=service,
                run_config=config,
                root_agent=root,
                decisions=decisions,
                resume=plan,
                entry_path=agent.path,
                artifact_service=self.artifact_service,
            )
            if message is not None:
                user_event = Event(invocation_id=invocation_id, author="user", message=message)
                await save(user_event)
                ctx.user_event = user_event
                yield user_event
                await self._recall(ctx, message.content)
            with span("runner.run", app=self.app_name, session=session_id, agent=agent.name):
                async with asyncio.timeout(config.timeout):
                    async for event in agent.run(ctx):
                        if event.partial:
                            if event.delta:
                                unsaved.setdefault((event.author, event.branch), []).append(
                                    event.delta
                                )
                            elif event.reasoning_delta:
                                thinking.setdefault((event.author, event.branch), []).append(
                                    event.reasoning_delta
                                )
                            yield event
                            continue
                        unsaved.pop((event.author, event.branch), None)
                        thinking.pop((event.author, event.branch), None)
                        _absorb(ctx, event)
                        await save(event)
                        yield event
                    if ctx.pending_artifact_delta:  # saved by a callback after the last event
                        marker = Event(
                            invocation_id=invocation_id, author=agent.name, branch=agent.path
                        )
                        _absorb(ctx, marker)
                        await save(marker)
                        yield marker
        except (asyncio.CancelledError, GeneratorExit):
            # Stop or a closed consumer: keep every word streamed so far, then let it go.
            if session is not None:
                with contextlib.suppress(Exception):
                    await save_interrupted(service, session, invocation_id, unsaved, thinking)
            raise
        except Exception as exc:
            error = _error_info(exc, config)
            save_failure: Exception | None = None
            if session is not None:
                try:
                    await save_interrupted(service, session, invocation_id, unsaved, thinking)
                except Exception as failure:  # nothing may escape: report it, then done
                    save_failure = failure
            if save_failure is not None:
                yield Event(
                    invocation_id=invocation_id,
                    author=RUNNER_AUTHOR,
                    branch=agent.path,
                    error=_error_info(save_failure, config),
                    tag=EventTag.ERROR,
                )
            event = Event(
                invocation_id=invocation_id,
                author=agent.name if session is not None else RUNNER_AUTHOR,
                branch=agent.path,
                error=error,
                tag=EventTag.ERROR,
            )
            if session is not None:
                with contextlib.suppress(Exception):
                    await save(event)
            yield event
        yield Event(
            invocation_id=invocation_id, author=RUNNER_AUTHOR, done=True, tag=EventTag.RUN_DONE
        )

    def _root(self, config: RunConfig) -> BaseAgent:
        """The tree this run uses: ``RunConfig.agent`` (a tree, or a name in the runner's)."""
        chosen = config.agent
        if chosen is None:
            return self.agent
        if isinstance(chosen, str):
            found = self.agent.find_agent(chosen)
            if found is None:
                raise UnknownAgentError(
                    f"RunConfig.agent names {chosen!r}, which is not an agent of "
                    f"{self.agent.name!r}"
                )
            return found
        return chosen

    async def _recall(self, ctx: InvocationContext, text: str) -> None:
        """Puts what past sessions said about ``text`` in ``{temp:memories}`` for instructions."""
        if self.memory_service is None or not ctx.run_config.recall or not text.strip():
            return
        hits = await self.memory_service.search_memory(ctx.app_name, ctx.user_id, text, limit=4)
        lines = [
            f"- {h.title or 'a past conversation'}: {h.snippet}"
            for h in hits
            if h.session_id != ctx.session.id
        ]
        if lines:
            ctx.temp_state["memories"] = "\n".join(lines)


def _active_agent(root: BaseAgent, session: Session) -> BaseAgent:
    """Who answers a new message: the session's active agent, else the root."""
    name = session.state.get(ACTIVE_AGENT_KEY)
    if isinstance(name, str):
        return root.find_agent(name) or root
    return root


def _absorb(ctx: InvocationContext, event: Event) -> None:
    """What an event does to the invocation before it is saved: ``temp:`` state becomes
    visible to the rest of it, and artifact versions saved through the context are recorded."""
    for key, value in event.actions.state_delta.items():
        if key.startswith("temp:"):
            ctx.temp_state[key[5:]] = value
    if ctx.pending_artifact_delta:
        event.actions.artifact_delta = {
            **ctx.pending_artifact_delta,
            **event.actions.artifact_delta,
        }
        ctx.pending_artifact_delta.clear()


def _error_info(exc: Exception, config: RunConfig) -> ErrorInfo:
    """The code and message of an error event (see ``threadline.core.errors`` for the codes)."""
    if isinstance(exc, ThreadlineError):
        return ErrorInfo(code=exc.code, message=str(exc))
    if isinstance(exc, TimeoutError):
        return ErrorInfo(code="timeout", message=f"The run took longer than {config.timeout:g} s.")
    return ErrorInfo(code="internal", message=f"{type(exc).__name__}: {exc}")


def _check_ids(user_id: str, session_id: str) -> None:
    if not isinstance(user_id, str) or not user_id.strip():
        raise ValueError("user_id must be a non-empty string")
    if not isinstance(session_id, str) or not session_id.strip():
        raise ValueError("session_id must be a non-empty string")


async def collect(events: AsyncIterator[Event]) -> RunResult:
    """Drains an event stream into a ``RunResult``."""
    result = RunResult()
    steps = StepRecorder()
    async for event in events:
        if event.partial:
            continue
        result.events.append(event)
        steps.note(event)
        if event.usage is not None:
            result.usage.add(event.usage)
        if event.error is not None:
            result.error = event.error
        if event.is_final_response() and event.message is not None:
            result.final_output = event.message.content
            result.last_agent = event.author
        elif event.author not in ("user", RUNNER_AUTHOR) and not event.done:
            result.last_agent = event.author
    result.steps = steps.steps
    return result
