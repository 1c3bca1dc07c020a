"""Function tools: a Python function becomes a tool whose JSON schema comes from its type hints."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, get_type_hints, overload, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from threadline.core.errors import ThreadlineError
from threadline.core.events import EventActions
from threadline.runner.context import store_artifact
from threadline.runner.tool_threads import run_in_tool_thread

if TYPE_CHECKING:
    from threadline.runner.context import InvocationContext

ApprovalPredicate = Callable[[dict[str, Any]], bool]
ProgressReporter = Callable[[float, "float | None", "str | None"], None]


class ToolArgumentsError(ThreadlineError):
    """The model sent arguments that are not valid JSON or do not match the schema."""

    code = "tool_arguments"


@dataclass
class ToolContext:
    """What a tool may see and change about the run that called it.

    Attributes:
        context: the ``RunConfig.context`` dict the application handed to the run.
        state: a read-only snapshot of the session state (merged scopes).
        invocation: the invocation this call belongs to.
        call_id: the id the model gave this tool call.
        actions: set ``state_delta``, ``escalate`` or ``transfer_to_agent`` here;
            ``artifact_delta`` records the versions ``save_artifact`` made.
        is_abandoned: set when a sync tool's thread was still running it as the call timed
            out (or the run was cancelled): it goes on in the background, its result unused.
    """

    context: dict[str, Any]
    state: dict[str, Any]
    invocation: InvocationContext
    call_id: str
    tool_name: str = ""
    actions: EventActions = field(default_factory=EventActions)
    # Set by the runner: turns ``report_progress`` into partial ``tool.progress`` events.
    progress: ProgressReporter | None = None
    is_abandoned: bool = False
    # The timeouts running this call (the runner's tool_timeout); ``waiting_for_user`` stops them.
    deadlines: list[asyncio.Timeout] = field(default_factory=list, repr=False)
    _waits: int = field(default=0, repr=False)
    _left: list[tuple[asyncio.Timeout, float]] = field(default_factory=list, repr=False)

    @contextlib.contextmanager
    def waiting_for_user(self) -> Iterator[None]:
        """Stops the call's timeouts while a person is asked something (an MCP server's
        elicitation or sampling request); they go on afterwards with the time that was left.

        A person may take minutes to fill in a form: that time is not the tool's.
        """
        self._waits += 1
        if self._waits == 1:
            now = asyncio.get_running_loop().time()
            for deadline in self.deadlines:
                when = deadline.when()
                if when is not None and not deadline.expired():
                    with contextlib.suppress(RuntimeError):  # the timeout already ended
                        deadline.reschedule(None)
                        self._left.append((deadline, max(0.0, when - now)))
        try:
            yield
        finally:
            self._waits -= 1
            if self._waits == 0:
                now = asyncio.get_running_loop().time()
                for deadline, left in self._left:
                    with contextlib.suppress(RuntimeError):
                        deadline.reschedule(now + left)
                self._left.clear()

    def report_progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        """Says how far the call got; the run streams it as a partial ``tool.progress`` event."""
        if self.progress is not None:
            self.progress(progress, total, message)

    def set_state(self, key: str, value: Any) -> None:
        """Records a state change that is applied when the tool's result event is saved.

        A ``temp:`` key is never stored, but the rest of the invocation sees it at once
        (``{temp:key}`` in instructions).
        """
        self.actions.state_delta[key] = value
        if key.startswith("temp:"):
            self.invocation.temp_state[key[5:]] = value

    async def save_artifact(self, filename: str, data: bytes | str) -> int:
        """Saves a new version of a session file (str is UTF-8) and returns its number.

        The version goes into ``actions.artifact_delta`` of the tool's result event. Raises
        ``NoArtifactServiceError`` when the ``Runner`` has no ``artifact_service``.
        """
        version = await store_artifact(self.invocation, filename, data)
        self.actions.artifact_delta[filename] = version
        return version

    async def load_artifact(self, filename: str, version: int | None = None) -> bytes | None:
        """A version of a session file (the latest by default), or None when there is none."""
        return await self.invocation.load_artifact(filename, version)

    async def list_artifacts(self) -> list[str]:
        """The names of the files saved in this session."""
        return await self.invocation.list_artifacts()


@runtime_checkable
class Tool(Protocol):
    """Anything the model can call."""

    name: str
    description: str

    @property
    def parameters(self) -> dict[str, Any]:
        """The JSON schema of the arguments."""
        ...

    def needs_approval(self, arguments: dict[str, Any]) -> bool:
        """True when a person must approve this call before it runs."""
        ...

    async def call(self, arguments: dict[str, Any], tool_context: ToolContext) -> Any:
        """Runs the tool; raises on failure (the error goes back to the model)."""
        ...


def tool_spec(tool: Tool, name: str | None = None) -> dict[str, Any]:
    """The Chat Completions ``tools`` entry for ``tool`` (offered as ``name``, default its own)."""
    return {
        "type": "function",
        "function": {
            "name": name or tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
    }


def unique_names(tools: Sequence[Tool], *, strict: bool = True) -> dict[str, Tool]:
    """The tools by the name the model sees: namesakes are told apart by their source.

    A tool that shares its name with another and has a ``qualified_name`` (an MCP tool:
    ``server__name``) is offered under that; the others keep their own names. When two names
    still clash, ``strict`` raises ``ValueError``; otherwise the first tool keeps the name.
    """
    counts = Counter(t.name for t in tools)
    named: dict[str, Tool] = {}
    for tool in tools:
        name = tool.name
        if counts[name] > 1:
            name = getattr(tool, "qualified_name", None) or name
        if name in named:
            if strict:
                raise ValueError(f"two tools are both called {name!r}")
            continue
        named[name] = tool
    return named


def parse_arguments(raw: str) -> dict[str, Any]:
    """Decodes tool-call arguments; raises ``ToolArgumentsError`` with a reason the model reads."""
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ToolArgumentsError(f"arguments are not valid JSON ({exc.msg} at {exc.pos})") from exc
    if not isinstance(value, dict):
        raise ToolArgumentsError("arguments must be a JSON object")
    return value


def result_text(value: Any) -> str:
    """A tool's return value as the text the model receives."""
    if isinstance(value, str):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


class FunctionTool:
    """A tool backed by a sync or async Python function (sync ones run in ``ToolThreads``)."""

    def __init__(
        self,
        func: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        needs_approval: bool | ApprovalPredicate = False,
    ) -> None:
        self.func = func
        self.name = name or func.__name__
        summary, arg_docs = _parse_docstring(inspect.getdoc(func) or "")
        self.description = description if description is not None else summary
        self._needs_approval = needs_approval
        self._is_async = inspect.iscoroutinefunction(func)
        self._context_param: str | None = None
        self._args_model = self._build_model(func, arg_docs)
        schema = self._args_model.model_json_schema()
        schema.pop("title", None)
        self._schema = schema

    @property
    def parameters(self) -> dict[str, Any]:
        return self._schema

    def needs_approval(self, arguments: dict[str, Any]) -> bool:
        if callable(self._needs_approval):
            return bool(self._needs_approval(arguments))
        return bool(self._needs_approval)

    async def call(self, arguments: dict[str, Any], tool_context: ToolContext) -> Any:
        try:
            parsed = self._args_model.model_validate(arguments)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'arguments'}: {err['msg']}"
                for err in exc.errors()
            )
            raise ToolArgumentsError(f"arguments do not match the schema ({problems})") from exc
        kwargs = {key: getattr(parsed, key) for key in type(parsed).model_fields}
        if self._context_param is not None:
            kwargs[self._context_param] = tool_context
        if self._is_async:
            return await self.func(**kwargs)

        def abandoned() -> None:
            tool_context.is_abandoned = True

        # Not asyncio's default pool, which the keyring, export and import share.
        return await run_in_tool_thread(
            functools.partial(self.func, **kwargs), on_abandoned=abandoned
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The decorated function stays callable as plain Python."""
        return self.func(*args, **kwargs)

    def _build_model(self, func: Callable[..., Any], arg_docs: dict[str, str]) -> type[BaseModel]:
        hints = get_type_hints(func)
        fields: dict[str, Any] = {}
        for param in inspect.signature(func).parameters.values():
            annotation = hints.get(param.name, Any)
            if annotation is ToolContext:
                self._context_param = param.name
                continue
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            default = ... if param.default is inspect.Parameter.empty else param.default
            fields[param.name] = (annotation, Field(default, description=arg_docs.get(param.name)))
        config = ConfigDict(extra="forbid")
        model: type[BaseModel] = create_model(f"{self.name}_args", __config__=config, **fields)
        return model


@overload
def function_tool(func: Callable[..., Any], /) -> FunctionTool: ...


@overload
def function_tool(
    *,
    name: str | None = None,
    description: str | None = None,
    needs_approval: bool | ApprovalPredicate = False,
) -> Callable[[Callable[..., Any]], FunctionTool]: ...


def function_tool(
    func: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    needs_approval: bool | ApprovalPredicate = False,
) -> FunctionTool | Callable[[Callable[..., Any]], FunctionTool]:
    """Turns a function into a tool: ``@function_tool`` or ``@function_tool(name=...)``.

    The schema comes from the type hints, the description from the docstring's first paragraph,
    and argument descriptions from its Google-style ``Args:`` section. A parameter annotated
    ``ToolContext`` receives the call's context and is hidden from the model.
    """

    def wrap(f: Callable[..., Any]) -> FunctionTool:
        return FunctionTool(f, name=name, description=description, needs_approval=needs_approval)

    return wrap(func) if func is not None else wrap


_ARG_LINE = re.compile(r"^\s{2,}(\w+)(?:\s*\([^)]*\))?:\s*(.*)$")


def _parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    paragraphs = doc.split("\n\n")
    summary = " ".join(paragraphs[0].split()) if paragraphs and paragraphs[0] else ""
    args: dict[str, str] = {}
    in_args = False
    current: str | None = None
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped in ("Args:", "Arguments:", "Parameters:"):
            in_args = True
            continue
        if in_args:
            if stripped and not line.startswith(" "):
                in_args = False
                continue
            match = _ARG_LINE.match(line)
            if match:
                current = match.group(1)
                args[current] = match.group(2).strip()
            elif current and stripped:
                args[current] += " " + stripped
    return summary, args
