"""Session store benchmarks: appends, O(1) forks, opening, listing and searching, turn cost.

Each figure is printed beside its floor (raw sqlite3, or openai-agents' SQLiteSession) or its
absolute budget from SPEC §4.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from common import report, report_abs

from threadline.core.events import Event, Message
from threadline.runner import LLMAgent, Runner, ScriptedModel
from threadline.sessions import SQLiteSessionService
from threadline.sessions.search import index_pending

APPENDS = 5000
BIG = 10_000


def event(i: int) -> Event:
    role = "user" if i % 2 == 0 else "assistant"
    author = "user" if role == "user" else "assistant"
    return Event(
        author=author,
        invocation_id=f"inv{i // 2}",
        message=Message(role=role, content=f"message number {i} about tides and bread " * 3),
    )


async def appends_per_second(folder: Path) -> float:
    store = SQLiteSessionService(folder / "appends.db")
    session = await store.create_session("app", "u", "s")
    events = [event(i) for i in range(APPENDS)]
    start = time.perf_counter()
    for e in events:
        await store.append_event(session, e)
    elapsed = time.perf_counter() - start
    await store.aclose()
    return APPENDS / elapsed


def raw_per_second(folder: Path) -> float:
    db = sqlite3.connect(folder / "raw.db", isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, session_id TEXT, id TEXT, body TEXT)")
    rows = [("s", e.id, e.model_dump_json()) for e in (event(i) for i in range(APPENDS))]
    start = time.perf_counter()
    for row in rows:
        db.execute("BEGIN")
        db.execute("INSERT INTO events (session_id, id, body) VALUES (?, ?, ?)", row)
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return APPENDS / elapsed


def fill(
    path: Path, sessions: int, events_in_first: int, *, app: str = "app", user: str = "u"
) -> None:
    """Writes a big store directly (fast), through the real schema."""
    store = SQLiteSessionService(path)
    store.close()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    now = time.time()
    db.executemany(
        "INSERT INTO sessions (id, app_name, user_id, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                f"s{i}",
                app,
                user,
                f"Conversation {i} about {'tides' if i % 7 else 'sourdough bread'}",
                now,
                now + i,
            )
            for i in range(sessions)
        ],
    )
    rows = []
    for i in range(events_in_first):
        e = event(i)
        rows.append(
            (
                "s0",
                e.id,
                e.author,
                e.message.role if e.message else None,
                e.timestamp,
                e.text,
                e.model_dump_json(exclude_defaults=True),
            )
        )
    for i in range(1, sessions):
        e = event(i)
        rows.append(
            (
                f"s{i}",
                e.id,
                e.author,
                "user",
                e.timestamp,
                f"question {i} about {'moon' if i % 5 else 'yeast'}",
                e.model_dump_json(exclude_defaults=True),
            )
        )
    db.executemany(
        "INSERT INTO events (session_id, id, author, role, timestamp, text, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.execute("COMMIT")
    # A store in use indexes new messages for search a second after they are written; rows
    # written behind its back here get the same treatment, so searches time the search.
    index_pending(db)
    db.close()


def file_size(path: Path) -> int:
    return sum(
        p.stat().st_size for p in path.parent.glob(path.name + "*") if not p.name.endswith(".lock")
    )


async def big_store(folder: Path) -> bool:
    path = folder / "big.db"
    fill(path, BIG, BIG)
    store = SQLiteSessionService(path)
    ok = True
    start = time.perf_counter()
    rows = await store.load_rows("s0")
    ok &= report_abs(
        "open a 10,000-event session (light rows for the chat view)",
        (time.perf_counter() - start) * 1000,
        "ms",
        50,
    )
    assert len(rows) == BIG
    start = time.perf_counter()
    session = await store.get_session("app", "u", "s0")
    ok &= report_abs(
        "open a 10,000-event session (get_session, cold)",
        (time.perf_counter() - start) * 1000,
        "ms",
        250,
    )
    assert session is not None and len(session.events) == BIG
    start = time.perf_counter()
    listed = await store.list_tree("app", "u")
    ok &= report_abs("list 10,000 sessions", (time.perf_counter() - start) * 1000, "ms", 50)
    assert len(listed) == BIG
    start = time.perf_counter()
    hits = await store.search_sessions("app", "u", "yeast")
    ok &= report_abs(
        "full-text search over 10,000 sessions", (time.perf_counter() - start) * 1000, "ms", 50
    )
    assert hits
    await store._call(lambda db: db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall())
    before = file_size(path)
    times = []
    for i in range(20):
        start = time.perf_counter()
        await store.fork_session("app", "u", "s0", session.events[5000 + i].id)
        times.append((time.perf_counter() - start) * 1000)
    await store._call(lambda db: db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall())
    growth = (file_size(path) - before) / 20
    times.sort()
    ok &= report_abs("fork a 10,000-event session (median of 20)", times[len(times) // 2], "ms", 5)
    ok &= report_abs("file growth per fork", growth, "bytes", 4096)
    await store.aclose()
    return ok


async def our_turns(folder: Path, stored: int, turns: int = 10) -> float:
    store = SQLiteSessionService(folder / f"turn{stored}.db")
    session = await store.create_session("app", "u", "s")
    for i in range(stored):
        await store.append_event(session, event(i))
    runner = Runner("app", LLMAgent("a", model=ScriptedModel(["ok"])), session_service=store)
    await runner.run_to_end("u", "s", "warm up")
    start = time.perf_counter()
    for i in range(turns):
        await runner.run_to_end("u", "s", f"turn {i}")
    elapsed = (time.perf_counter() - start) / turns * 1000
    await store.aclose()
    return elapsed


async def peer_turns(folder: Path, stored: int, turns: int = 10) -> float | None:
    try:
        from agents import Agent, RunConfig, SQLiteSession
        from agents import Runner as PeerRunner
        from agents.items import ModelResponse
        from agents.models.interface import Model
        from agents.usage import Usage as PeerUsage
        from openai.types.responses import ResponseOutputMessage, ResponseOutputText
    except ImportError:
        return None

    class Fixed(Model):
        async def get_response(self, *args: object, **kwargs: object) -> ModelResponse:
            message = ResponseOutputMessage(
                id="m",
                type="message",
                role="assistant",
                status="completed",
                content=[ResponseOutputText(type="output_text", text="ok", annotations=[])],
            )
            return ModelResponse(output=[message], usage=PeerUsage(), response_id=None)

        async def stream_response(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
            raise NotImplementedError
            yield

    session = SQLiteSession("s", str(folder / f"peer{stored}.db"))
    items = [
        {
            "role": "user" if i % 2 == 0 else "assistant",
            "content": f"message number {i} about tides and bread " * 3,
        }
        for i in range(stored)
    ]
    if items:
        await session.add_items(items)  # type: ignore[arg-type]
    agent = Agent(name="a", model=Fixed())
    config = RunConfig(tracing_disabled=True)
    await PeerRunner.run(agent, "warm up", session=session, run_config=config)
    start = time.perf_counter()
    for i in range(turns):
        await PeerRunner.run(agent, f"turn {i}", session=session, run_config=config)
    elapsed = (time.perf_counter() - start) / turns * 1000
    session.close()
    return elapsed


async def main_async() -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ours = await appends_per_second(folder)
        raw = raw_per_second(folder)
        ok = report_abs("durable appends per second", ours, "events/s", 5000, lower_is_better=False)
        print(
            f"     (raw sqlite3, same mode and rows: {raw:.0f}/s; ours is {ours / raw:.2f}× of it)"
        )
        ok &= await big_store(folder)
        for stored in (0, 100, 1000):
            mine = await our_turns(folder, stored)
            theirs = await peer_turns(folder, stored)
            if theirs is None:
                print(
                    f"SKIP turn cost beside openai-agents (bench extra missing); ours {mine:.2f} ms at {stored}"
                )
                continue
            budget = 0.25 if stored == 1000 else 1.0
            ok &= report(
                f"runner turn with {stored} stored events vs SQLiteSession",
                mine,
                theirs,
                "ms",
                budget,
            )
    return ok


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(0 if asyncio.run(main_async()) else 1)
