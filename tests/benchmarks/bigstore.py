"""A store the size a heavy user reaches: 1,000,000 events in 2,000 conversations.

Built once through the real schema (plain ``executemany``, the FTS index filled as the app
fills it) and kept in ``build/bench/`` for later runs: the file name carries the schema
version and this builder's version, so a change to either builds it again.

Each conversation is written in one stretch, as conversations happen. Its text mixes a few
common words (one of ``COMMON`` in about a third of the messages) with rare ones (``RARE``
appears in about ten messages of the whole store), so searches meet both kinds.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from pathlib import Path

from common import ROOT

from threadline.sessions import SQLiteSessionService
from threadline.sessions.schema import CURRENT_VERSION
from threadline.sessions.search import index_pending

BUILDER_VERSION = 1
SESSIONS = 2_000
EVENTS = 1_000_000
COMMON = ("bread", "tides", "river", "garden", "letter")
RARE = "zanzibarite"
_FILLER = [
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "is",
    "it",
    "you",
    "that",
    "was",
    "for",
    "on",
    "are",
    "with",
    "as",
    "I",
    "his",
    "they",
    "be",
    "at",
    "one",
    "have",
    "this",
    "from",
    "or",
    "had",
    "by",
    "word",
    "but",
    "what",
    "some",
    "we",
    "can",
    "out",
    "other",
    "were",
    "all",
    "there",
    "when",
    "up",
    "use",
    "your",
    "how",
    "said",
    "an",
    "each",
    "she",
    "which",
    "do",
    "their",
    "time",
    "if",
    "will",
    "way",
    "about",
    "many",
    "then",
    "them",
    "write",
    "would",
    "like",
    "so",
    "these",
]


def path() -> Path:
    """The store's file, built on first use (a minute or two, once)."""
    folder = ROOT / "build" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"store-1m-v{CURRENT_VERSION}-b{BUILDER_VERSION}.db"
    if not target.exists():
        started = time.perf_counter()
        partial = target.with_suffix(".partial")
        for stale in folder.glob(partial.name + "*"):
            stale.unlink()
        build(partial)
        partial.rename(target)
        print(f"     (built {target.name} in {time.perf_counter() - started:.0f} s)")
    return target


def read_through(target: Path) -> None:
    """Reads the file once, so the OS cache holds it as it holds a file in daily use (as
    ``ui_startup`` warms it with an unmeasured launch). This machine's kernel gives back file
    pages left idle for a minute or so; read back from its disk, the first list of 2,000
    sessions takes ~170 ms (65 scattered pages) and the first prefix search ~350 ms."""
    with target.open("rb") as file:
        while file.read(1 << 20):
            pass


def text(rng: random.Random, n: int) -> str:
    words = [rng.choice(_FILLER) for _ in range(14)]
    if rng.random() < 0.33:
        words.insert(rng.randrange(len(words)), rng.choice(COMMON))
    words.append(f"topic{rng.randrange(5000)}")
    if n % 100_000 == 7:
        words.append(RARE)
    return " ".join(words)


def build(target: Path) -> None:
    SQLiteSessionService(target).close()  # the real schema
    db = sqlite3.connect(target, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")
    rng = random.Random(7)
    per_session = EVENTS // SESSIONS
    start = time.time() - EVENTS  # one event a second, the newest now
    db.execute("BEGIN")
    n = 0
    for s in range(SESSIONS):
        sid = f"s{s:04d}"
        created = start + n
        rows = []
        for i in range(per_session):
            role = "user" if i % 2 == 0 else "assistant"
            author = "user" if role == "user" else "assistant"
            body_text = text(rng, n)
            stamp = start + n
            eid = f"e{n:07d}"
            body = json.dumps(
                {
                    "id": eid,
                    "invocation_id": f"inv{n // 2}",
                    "author": author,
                    "timestamp": stamp,
                    "message": {"role": role, "content": body_text},
                }
            )
            rows.append((sid, eid, f"inv{n // 2}", author, role, "", stamp, body_text, body))
            n += 1
        title = f"Conversation {s} about {COMMON[s % len(COMMON)]}"
        db.execute(
            "INSERT INTO sessions (id, app_name, user_id, title, created_at, updated_at)"
            " VALUES (?, 'threadline', 'local', ?, ?, ?)",
            (sid, title, created, start + n),
        )
        db.executemany(
            "INSERT INTO events (session_id, id, invocation_id, author, role, tag, timestamp,"
            " text, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    db.execute("COMMIT")
    index_pending(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
