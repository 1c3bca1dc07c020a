"""A writer killed with SIGKILL loses nothing whose append had returned."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from threadline.core.events import Event, Message
    from threadline.sessions import SQLiteSessionService

    async def main(path):
        store = SQLiteSessionService(path)
        session = await store.get_session("app", "u", "s")
        session = session or await store.create_session("app", "u", "s")
        n = 0
        while True:
            n += 1
            text = f"event {n} " + "x" * (n % 500)
            event = Event(author="user", message=Message(role="user", content=text))
            await store.append_event(session, event)
            print(event.id, flush=True)

    asyncio.run(main(sys.argv[1]))
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signal")
def test_sigkill_mid_write_keeps_every_returned_append(tmp_path: Path) -> None:
    path = tmp_path / "kill.db"
    acknowledged: list[str] = []
    for round_ in range(5):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert proc.stdout is not None
        target = 40 + round_ * 37
        for _ in range(target):
            line = proc.stdout.readline()
            assert line, "the writer died on its own"
            acknowledged.append(line.strip())
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stdout.close()
        db = sqlite3.connect(path)
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row[0] for row in db.execute("SELECT id FROM events")}
        db.close()
        missing = [event_id for event_id in acknowledged if event_id not in stored]
        assert missing == []
