"""A message that could not be saved yet, kept in a recovery file beside the database.

The composer gets the text back at once; the file keeps it across a crash or a restart until
the message is saved (then it is removed). Written atomically (temp file, then rename).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

UNSENT_FILE = "unsent-message.txt"


class UnsentDrafts:
    """The recovery file for messages not yet saved."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / UNSENT_FILE

    def keep(self, text: str) -> bool:
        """Writes ``text`` (the newest unsent message wins); False when even that fails."""
        temporary = self.path.with_name(self.path.name + ".tmp")
        try:
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError:
            return False
        return True

    def load(self) -> str | None:
        """The kept text, if any."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return text or None

    def clear(self) -> None:
        """Forgets the kept text (it was saved)."""
        with contextlib.suppress(OSError):
            self.path.unlink()
