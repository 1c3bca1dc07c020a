"""What MCP servers ask the person during a tool call: elicitation forms and sampling requests.

``McpPrompts.elicit`` and ``McpPrompts.sample`` are the handlers ``MCPServers`` gives every
``MCPToolset``. Each request becomes a ``Prompt`` (with the ``ChatItem`` the chat shows where
the tool call is), keyed by id, and the handler waits on an asyncio Future until the window
answers (``answer_form``, ``answer``, ``answer_sampling``) or the reply ends
(``cancel_session``). The conversation is the call's session
(``tool_context.invocation.session.id``); a request made outside a tool call has no
conversation to ask in and is declined. While a prompt waits, the call's tool timeout is
stopped (``ToolContext.waiting_for_user``, in the runner's MCP client). No Qt.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from threadline.app.timeline import ChatItem

if TYPE_CHECKING:
    from threadline.runner import BaseAgent, Model
    from threadline.runner.mcp import ElicitationRequest, ElicitationResponse, SamplingRequest

log = logging.getLogger(__name__)
PENDING = "pending"
FieldKind = Literal["string", "number", "integer", "boolean", "enum", "multi"]


# -- forms from JSON schemas -------------------------------------------------------------------


@dataclass(frozen=True)
class FormField:
    """One field of an elicitation form (MCP allows flat, primitive properties only)."""

    name: str
    title: str
    kind: FieldKind
    is_required: bool = False
    description: str = ""
    default: Any = None
    options: tuple[str, ...] = ()  # enum values
    option_titles: tuple[str, ...] = ()  # what the person reads for each value
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None  # characters, or choices of a ``multi`` field
    max_length: int | None = None
    format: str = ""  # email, uri, date, date-time


class FormError(ValueError):
    """A form's values do not fit its schema; the message names the field."""


def form_fields(schema: dict[str, Any]) -> list[FormField]:
    """The fields of an elicitation schema, in its order (unknown types become strings)."""
    required = set(schema.get("required") or [])
    fields = []
    for name, spec in (schema.get("properties") or {}).items():
        spec = spec if isinstance(spec, dict) else {}
        is_multi = spec.get("type") == "array" and isinstance(spec.get("items"), dict)
        options, titles = _options(spec["items"] if is_multi else spec)
        kind: FieldKind
        if is_multi and options:
            kind = "multi"
        elif options:
            kind = "enum"
        elif spec.get("type") in ("number", "integer", "boolean"):
            kind = spec["type"]
        else:
            kind = "string"
        fields.append(
            FormField(
                name=name,
                title=str(spec.get("title") or name),
                kind=kind,
                is_required=name in required,
                description=str(spec.get("description") or ""),
                default=spec.get("default"),
                options=options,
                option_titles=titles,
                minimum=spec.get("minimum"),
                maximum=spec.get("maximum"),
                min_length=spec.get("minItems" if is_multi else "minLength"),
                max_length=spec.get("maxItems" if is_multi else "maxLength"),
                format=str(spec.get("format") or ""),
            )
        )
    return fields


def _options(spec: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if isinstance(spec.get("enum"), list):
        values = tuple(str(v) for v in spec["enum"])
        names = spec.get("enumNames")
        titles = tuple(str(n) for n in names) if isinstance(names, list) else values
        return values, titles if len(titles) == len(values) else values
    choices = spec.get("oneOf") or spec.get("anyOf")
    if isinstance(choices, list) and all(isinstance(c, dict) and "const" in c for c in choices):
        values = tuple(str(c["const"]) for c in choices)
        return values, tuple(str(c.get("title") or c["const"]) for c in choices)
    return (), ()


def form_content(fields: list[FormField], values: dict[str, Any]) -> dict[str, Any]:
    """What goes back to the server for the values the person entered.

    ``values`` holds text for strings, numbers and choices ("" when left empty), bools for
    check boxes and lists of values for multiple choices. Raises ``FormError`` naming the
    first field that does not fit.
    """
    content: dict[str, Any] = {}
    for f in fields:
        raw = values.get(f.name)
        if f.kind == "boolean":
            content[f.name] = bool(raw)
            continue
        if f.kind == "multi":
            chosen = [v for v in f.options if v in (raw or [])]
            if (f.is_required and not chosen) or len(chosen) < (f.min_length or 0):
                raise FormError(f"{f.title}: choose at least {f.min_length or 1}.")
            if f.max_length is not None and len(chosen) > f.max_length:
                raise FormError(f"{f.title}: choose at most {f.max_length}.")
            if chosen or f.is_required:
                content[f.name] = chosen
            continue
        text = "" if raw is None else str(raw).strip()
        if not text:
            if f.is_required:
                raise FormError(f"{f.title} is required.")
            continue
        if f.kind in ("number", "integer"):
            content[f.name] = _number(f, text)
        elif f.kind == "enum":
            if text not in f.options:
                raise FormError(f"{f.title}: choose one of {', '.join(f.option_titles)}.")
            content[f.name] = text
        else:
            if f.min_length is not None and len(text) < f.min_length:
                raise FormError(f"{f.title} needs at least {f.min_length} characters.")
            if f.max_length is not None and len(text) > f.max_length:
                raise FormError(f"{f.title} takes at most {f.max_length} characters.")
            content[f.name] = text
    return content


def _number(f: FormField, text: str) -> float | int:
    try:
        value: float | int = int(text) if f.kind == "integer" else float(text)
    except ValueError:
        whole = "a whole number" if f.kind == "integer" else "a number"
        raise FormError(f"{f.title} must be {whole}.") from None
    if not math.isfinite(value):
        raise FormError(f"{f.title} must be a number.")
    if f.minimum is not None and value < f.minimum:
        raise FormError(f"{f.title} must be at least {f.minimum:g}.")
    if f.maximum is not None and value > f.maximum:
        raise FormError(f"{f.title} must be at most {f.maximum:g}.")
    if f.kind == "number" and float(value).is_integer():
        return int(value)
    return value


# -- the prompts -------------------------------------------------------------------------------


@dataclass(eq=False)
class Prompt:
    """One question a server asked, waiting for the person (``item.status`` ``pending``)."""

    id: str
    session_id: str
    call_id: str
    kind: Literal["elicitation", "sampling"]
    item: ChatItem
    future: asyncio.Future[Any] = field(repr=False)
    model: Model | None = None  # sampling: what an approval runs the request on

    @property
    def is_pending(self) -> bool:
        return self.item.status == PENDING


Listener = Callable[[Prompt], None]


class McpPrompts:
    """The MCP servers' open questions, per conversation, and the answers the window gives.

    ``listeners`` are told when a prompt is asked and when it is settled (answered, or
    cancelled because the reply ended or the server gave up).
    """

    def __init__(self, *, fallback_model: Callable[[], Model] | None = None) -> None:
        self._prompts: dict[str, Prompt] = {}
        self.listeners: list[Listener] = []
        self.fallback_model = fallback_model

    # -- handlers (what MCPToolset calls) --------------------------------------------------

    async def elicit(self, request: ElicitationRequest) -> ElicitationResponse:
        """The elicitation handler: shows the form (or the address) and waits for the person."""
        from threadline.runner.mcp import ElicitationResponse

        where = _where(request.tool_context)
        if where is None:
            log.warning("elicitation from %s outside a tool call: declined", request.server)
            return ElicitationResponse.decline()
        data: dict[str, Any] = {"server": request.server, "mode": request.mode}
        if request.mode == "url":
            data["url"] = request.url or ""
        else:
            data["fields"] = form_fields(request.schema)
            data["values"] = {}
        answer = await self._ask("elicitation", where, request.message, data)
        return answer if answer is not None else ElicitationResponse.cancel()

    async def sample(self, request: SamplingRequest) -> Model | None:
        """The sampling handler: shows the request; the model to run it on once approved."""
        where = _where(request.tool_context)
        if where is None:
            log.warning("sampling from %s outside a tool call: declined", request.server)
            return None
        model = self.model_for(request)
        if model is None:
            return None
        data = {
            "server": request.server,
            "messages": list(request.messages),
            "system_prompt": request.system_prompt or "",
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "stop": list(request.stop or []),
            "model_hints": list(request.model_hints),
            "include_context": request.include_context or "",
            "model": model.name,
        }
        approved = await self._ask("sampling", where, "", data, model=model)
        return model if approved else None

    def model_for(self, request: SamplingRequest) -> Model | None:
        """The conversation's model: the agent that made the call, else the team's leader."""
        context = request.tool_context
        tree = context.invocation.root_agent if context is not None else None
        found = _agent_model(tree, context.tool_name if context else "") if tree else None
        if found is None and self.fallback_model is not None:
            found = self.fallback_model()
        return found

    async def _ask(
        self,
        kind: Literal["elicitation", "sampling"],
        where: tuple[str, str],
        text: str,
        data: dict[str, Any],
        *,
        model: Model | None = None,
    ) -> Any:
        session_id, call_id = where
        prompt_id = os.urandom(8).hex()
        data["prompt_id"] = prompt_id
        author = str(data["server"])
        item = ChatItem(kind, author, text, status=PENDING, call_id=call_id, data=data)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        prompt = Prompt(prompt_id, session_id, call_id, kind, item, future, model)
        self._prompts[prompt_id] = prompt
        self._tell(prompt)
        try:
            return await future
        except asyncio.CancelledError:  # the server gave up, or the call was stopped
            if prompt.is_pending:
                self._settle(prompt, "cancelled", None)
            raise
        finally:
            self._prompts.pop(prompt_id, None)

    # -- answers (what the window calls) ---------------------------------------------------

    def get(self, prompt_id: str) -> Prompt | None:
        """A prompt still waiting, or None."""
        prompt = self._prompts.get(prompt_id)
        return prompt if prompt is not None and prompt.is_pending else None

    def pending(self, session_id: str) -> list[Prompt]:
        """The prompts waiting in a conversation, oldest first."""
        return [p for p in self._prompts.values() if p.session_id == session_id and p.is_pending]

    def answer_form(self, prompt_id: str, values: dict[str, Any]) -> str:
        """Accepts a form with ``values``; returns what is wrong with them ("" when sent)."""
        from threadline.runner.mcp import ElicitationResponse

        prompt = self.get(prompt_id)
        if prompt is None:
            return ""
        fields: list[FormField] = prompt.item.data.get("fields", [])
        try:
            content = form_content(fields, values)
        except FormError as exc:
            return str(exc)
        shown = ", ".join(f"{k}: {v}" for k, v in content.items()) or "nothing"
        self._settle(prompt, "accepted", ElicitationResponse.accept(content), f"sent {shown}")
        return ""

    def answer(self, prompt_id: str, action: Literal["accept", "decline", "cancel"]) -> None:
        """Declines or cancels an elicitation, or accepts an address the person opened."""
        from threadline.runner.mcp import ElicitationResponse

        prompt = self.get(prompt_id)
        if prompt is None or prompt.kind != "elicitation":
            return
        if action == "accept":
            self._settle(prompt, "accepted", ElicitationResponse.accept(), "opened")
        elif action == "decline":
            self._settle(prompt, "declined", ElicitationResponse.decline())
        else:
            self._settle(prompt, "cancelled", ElicitationResponse.cancel())

    def answer_sampling(self, prompt_id: str, *, approved: bool) -> None:
        """Approves (runs it on the conversation's model) or denies a sampling request."""
        prompt = self.get(prompt_id)
        if prompt is not None and prompt.kind == "sampling":
            self._settle(prompt, "approved" if approved else "denied", approved)

    def cancel_session(self, session_id: str) -> None:
        """The reply in ``session_id`` ended: what it still asked is cancelled."""
        for prompt in self.pending(session_id):
            value = False if prompt.kind == "sampling" else None
            self._settle(prompt, "cancelled", value, "the reply ended")

    def cancel_all(self) -> None:
        """The app is closing: every open question is cancelled."""
        for session_id in {p.session_id for p in self._prompts.values()}:
            self.cancel_session(session_id)

    def _settle(self, prompt: Prompt, status: str, value: Any, detail: str = "") -> None:
        prompt.item.status = status
        prompt.item.detail = detail
        prompt.item.touch()
        if not prompt.future.done():
            prompt.future.set_result(value)
        self._tell(prompt)

    def _tell(self, prompt: Prompt) -> None:
        for listener in list(self.listeners):
            try:
                listener(prompt)
            except Exception:  # a broken view must not leave the server waiting forever
                log.exception("a prompt listener failed")


def _where(context: Any) -> tuple[str, str] | None:
    """(session id, call id) of the tool call a request came from."""
    if context is None:
        return None
    return context.invocation.session.id, context.call_id


def _agent_model(agent: BaseAgent, tool_name: str) -> Model | None:
    """The model of the LLM agent in ``agent``'s tree that has ``tool_name`` (else the first)."""
    from threadline.runner import LLMAgent

    first: Model | None = None
    stack = [agent]
    while stack:
        current = stack.pop(0)
        if isinstance(current, LLMAgent) and current.model is not None:
            if any(t.name == tool_name for t in current.tools):
                return current.model
            first = first or current.model
        stack.extend(current.sub_agents)
    return first
