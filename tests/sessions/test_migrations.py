"""Two processes opening one new SQLite file migrate it once between them: each step is
taken under the write lock, and a step another process took meanwhile is not taken again."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from threadline.sessions.schema import CURRENT_VERSION, migrate


class SeesAnOldVersionFirst(sqlite3.Connection):
    """A connection whose first look at the version is from before another process migrated
    the file (the moment two processes race at open)."""

    looked = False

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql.strip().upper() == "PRAGMA USER_VERSION" and not self.looked:
            self.looked = True
            return super().execute("SELECT 0")
        return super().execute(sql, *args)


def test_a_file_migrated_meanwhile_by_another_process_is_not_migrated_again(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shared.db"
    late = sqlite3.connect(path, factory=SeesAnOldVersionFirst, isolation_level=None)
    first = sqlite3.connect(path, isolation_level=None)
    assert migrate(first, path) == 0  # the other process was quicker
    first.close()
    assert migrate(late, path) == 0  # it saw version 0, yet takes no step twice
    assert late.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
    late.close()
