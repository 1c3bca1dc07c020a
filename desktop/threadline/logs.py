"""Logging to a rotating file, with anything shaped like an API key redacted."""

from __future__ import annotations

import logging
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

_SECRET = re.compile(r"(sk-[A-Za-z0-9_\-]{8,}|Bearer\s+[A-Za-z0-9_\-\.]{8,})")


class RedactSecrets(logging.Filter):
    """Replaces key-shaped text in log records: a last line of defence, never the only one."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _SECRET.search(message):
            record.msg = _SECRET.sub("[redacted]", message)
            record.args = ()
        return True


def configure(folder: Path) -> Path | None:
    """Logs INFO and above to ``folder/threadline.log``; returns the path (None if unwritable)."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "threadline.log"
        handler: logging.Handler = RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root.addHandler(handler)
    # qasync logs every executor result at DEBUG: a secret read from the keyring among them.
    for noisy in ("httpx", "httpx2", "httpcore", "openai", "qasync"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path
