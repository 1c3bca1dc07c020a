"""``LLMAgent``: instructions, history and tools in; a streamed reply and tool rounds out.

The agent's loop and the request it builds live here; streaming one model call into a reply
event is ``model_call.py``, running the calls a reply asks for is ``tool_exec.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from pydantic import BaseModel

from threadline.core.events import Event
from threadline.runner import tool_exec
from threadline.runner.agents import BaseAgent, ChainAgent, CycleAgent
from threadline.runner.callbacks import Callbacks
from threadline.runner.context import InvocationContext
from threadline.runner.history import (
    BranchFilter,
    TimelineFilter,
    history_ref,
    rebuild_messages,
)
from threadline.runner.instructions import InstructionSlot, InstructionVersion, recalled, render
from threadline.runner.model_call import ask_model
from threadline.runner.models import GenerationConfig, Model, ModelRequest
from threadline.runner.tools import Tool, tool_spec, unique_names
from threadline.runner.transfer import TRANSFER_TOOL, handoff, transfer_tool
from threadline.runner.turns import (
    RoundOutcome,
    attach_structured_output,
    empty_reply_notice,
    position,
)


class LLMAgent(BaseAgent):
    """An agent that asks a model, runs the tools it requests, and loops until a plain reply.

    ``set_instruction`` and ``set_global_instruction`` may be called from any thread while a
    run is going; the next model request uses the new text and records its version.

    A transfer (``transfer_to_agent``, a tool that returns an agent of the tree, or a tool
    setting ``actions.transfer_to_agent``) emits an ``agent.transfer`` event whose message is
    the announcement the next agent reads: the model's ``message`` argument, else
    ``default_transfer_message`` ("" sends none; the event is emitted all the same).
    """

    def __init__(
        self,
        name: str,
        *,
        model: Model,
        instruction: str = "",
        global_instruction: str = "",
        description: str = "",
        tools: Sequence[Tool] = (),
        sub_agents: Sequence[BaseAgent] = (),
        generation: GenerationConfig | None = None,
        output_schema: type[BaseModel] | None = None,
        callbacks: Callbacks | None = None,
        timeline_filter: TimelineFilter = "all",
        branch_filter: BranchFilter = "prefix",
        default_transfer_message: str | None = None,
    ) -> None:
        super().__init__(name, description=description, sub_agents=sub_agents, callbacks=callbacks)
        self.model = model
        # What the agent this one hands the conversation to reads when the model said nothing
        # (seed 001's WithDefaultTransferMessage); None: "Task delegated from <name>.", "": none.
        self.default_transfer_message = (
            f"Task delegated from {name}."
            if default_transfer_message is None
            else default_transfer_message
        )
        self.generation = generation or GenerationConfig()
        self.output_schema = output_schema
        self.timeline_filter: TimelineFilter = timeline_filter
        self.branch_filter: BranchFilter = branch_filter
        self._instruction = InstructionSlot(instruction)
        self._global_instruction = InstructionSlot(global_instruction)
        self.tools = list(tools)
        self._transfer_cache: tuple[tuple[str, ...], Tool] | None = None
        try:  # namesakes from MCP servers are told apart by server (server__tool)
            unique_names(self.tools)
        except ValueError as exc:
            raise ValueError(f"agent {name!r}: {exc}") from None

    # -- instructions ------------------------------------------------------------------------

    def set_instruction(self, text: str, *, version: int | None = None) -> InstructionVersion:
        """Applies a new instruction; the next model request uses it. Thread-safe."""
        return self._instruction.set(text, version=version)

    def set_global_instruction(
        self, text: str, *, version: int | None = None
    ) -> InstructionVersion:
        """Applies a new global instruction (the root's applies to the whole tree)."""
        return self._global_instruction.set(text, version=version)

    @property
    def instruction(self) -> InstructionVersion:
        """The instruction in force now."""
        return self._instruction.snapshot()

    @property
    def global_instruction(self) -> InstructionVersion:
        """The global instruction in force now."""
        return self._global_instruction.snapshot()

    @property
    def history_branch(self) -> str:
        """The branch the ``prefix`` filter matches events against.

        A step of a ``ChainAgent`` or ``CycleAgent`` (directly, or through nested ones) uses
        the outermost such workflow's path, so it sees the other steps; elsewhere (a
        ``ParallelAgent`` branch, a helper of an LLM agent) it is the agent's own path.
        ``exact`` always uses the agent's own path.
        """
        if self.branch_filter != "prefix":
            return self.path
        node: BaseAgent = self
        while isinstance(node.parent, ChainAgent | CycleAgent):
            node = node.parent
        return node.path

    # -- tools -------------------------------------------------------------------------------

    @property
    def tool_map(self) -> dict[str, Tool]:
        """The tools the model may call by name, the transfer tool included."""
        tools = unique_names(self.tools, strict=False)  # the list may change after __init__
        targets = self._transfer_targets()
        if targets:
            # Built once per set of targets: a function tool compiles a pydantic model.
            key = tuple(sorted(targets))
            if self._transfer_cache is None or self._transfer_cache[0] != key:
                self._transfer_cache = (key, transfer_tool(targets))
            tools[TRANSFER_TOOL] = self._transfer_cache[1]
        return tools

    def _transfer_targets(self) -> dict[str, BaseAgent]:
        targets: dict[str, BaseAgent] = {a.name: a for a in self.sub_agents}
        # Back to a coordinator and its other helpers; a workflow's steps follow the workflow.
        if isinstance(self.parent, LLMAgent):
            targets[self.parent.name] = self.parent
            targets.update({a.name: a for a in self.parent.sub_agents if a is not self})
        return targets

    # -- the loop ----------------------------------------------------------------------------

    async def _run_impl(self, ctx: InvocationContext) -> AsyncIterator[Event]:
        start = len(ctx.session.events)
        outcome = RoundOutcome()
        plan = ctx.resume
        if plan is not None and plan.is_waiting_under(self.path):
            own = plan.take(self.path)
            if own is None:
                # The agent this one handed the conversation to paused: it goes on there.
                helper = plan.waiting_child(self)
                if helper is not None:
                    async for event in helper.run(ctx):
                        yield event
                return
            calls, start_event_id = own
            # The resumed part sees what the paused part saw (``current_invocation``).
            start = position(ctx.session.events, start_event_id, default=start)
            async for event in tool_exec.run_calls(self, ctx, calls, plan.decisions):
                outcome.note(event)
                yield event
        while not outcome.stops and not ctx.is_ended:
            ctx.count_turn()
            request, meta = self._build_request(ctx, start)
            reply: Event | None = None
            async for event in ask_model(self, ctx, request, meta):
                if event.partial:
                    yield event
                else:
                    reply = event
            assert reply is not None and reply.message is not None
            calls = reply.message.tool_calls
            if not calls:
                attach_structured_output(self.output_schema, reply)
                yield reply
                if not reply.message.content.strip():
                    # Otherwise the person sees nothing at all, as if the run had hung.
                    yield empty_reply_notice(ctx.invocation_id, self.name, self.path)
                return
            yield reply
            events = ctx.session.events
            start_id = events[start].id if start < len(events) else None
            async for event in tool_exec.execute(self, ctx, calls, start_event_id=start_id):
                outcome.note(event)
                yield event
        if outcome.transfer_to and not outcome.is_paused and not ctx.is_ended:
            announcement = outcome.transfer_message or self.default_transfer_message
            async for event in handoff(self, ctx, outcome.transfer_to, announcement):
                yield event

    # -- the request -------------------------------------------------------------------------

    def _build_request(
        self, ctx: InvocationContext, start: int
    ) -> tuple[ModelRequest, dict[str, Any]]:
        instruction = self._instruction.snapshot()
        root = self.root
        global_slot = root if isinstance(root, LLMAgent) else self
        global_instruction = global_slot.global_instruction
        state = ctx.session.state
        own = ctx.run_config.instruction
        uses_own = own is not None and root is self  # a conversation's own instruction
        text = own if own is not None and uses_own else instruction.text
        system = "\n\n".join(
            render(part, state, ctx.temp_state) for part in (global_instruction.text, text) if part
        )
        memories = recalled(ctx, text)
        if memories:
            system = f"{system}\n\n{memories}" if system else memories
        history = history_ref(
            ctx.session.events,
            invocation_id=ctx.invocation_id,
            branch=self.history_branch,
            agent_name=self.name,
            timeline=self.timeline_filter,
            branch_mode=self.branch_filter,
            invocation_start=start,
        )
        # The messages are made from the stored reference itself, so what the inspector
        # rebuilds later is by construction what was sent.
        messages = rebuild_messages(ctx.session.events, history, system or None)
        assert messages is not None  # the reference points into these very events
        tools = [tool_spec(t, name) for name, t in self.tool_map.items()]
        generation = self.generation.merged(ctx.run_config.generation)
        params = generation.as_params()
        response_format = None
        if self.output_schema is not None:
            response_format = {
                "type": "json_schema",
                "json_schema": {
                    "name": self.output_schema.__name__,
                    "schema": self.output_schema.model_json_schema(),
                },
            }
        # Built from our own checked parts: validating would copy every message dict again
        # (10,000 of them in a long conversation, each turn).
        request = ModelRequest.model_construct(
            model=ctx.run_config.model_name or self.model.name,
            messages=messages,
            tools=tools,
            params=params,
            response_format=response_format,
            parallel_tool_calls=ctx.run_config.parallel_tool_calls,
            stream=generation.stream,
        )
        meta = {
            "system": system or None,
            "history": history,
            "instruction": text,
            "memories": memories or None,  # what memory brought in (the inspector shows it)
            # "conversation": the run's own instruction (RunConfig.instruction) was used.
            "instruction_version": "conversation"
            if text is not instruction.text
            else instruction.version,
            "global_instruction_version": global_instruction.version,
            "model": self.model.name,
        }
        return request, meta
