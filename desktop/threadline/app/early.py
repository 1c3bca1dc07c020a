"""What the window can show before the app is built: the sidebar's conversations, read
straight from this computer's store (``sessions.early_list``), so the list is there while
pydantic, the runner and the store's own checks load behind it.

Light on purpose (no pydantic, no runner): ``ui/shell/launch.py`` calls it right after the
first frame. The store's full list replaces these rows a moment later.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

APP_NAME = "threadline"  # the store's app and user for the desktop's own conversations
USER_ID = "local"
STORE_NAME = "threadline.db"  # the conversations (and the user's agents) in the data folder
PINNED_KEY = "pinned_sessions"  # a setting stored with the data: pinned session ids


def saved_settings(folder: Path) -> dict[str, Any] | None:
    """``settings.json`` as plain JSON, read once at launch without the settings model
    (pydantic): ``{}`` when there is none yet, None when it cannot be read (the settings' own
    load says what is wrong)."""
    try:
        found = json.loads((folder / "settings.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def early_rows(
    folder: Path, saved: dict[str, Any] | Literal["unread"] | None = "unread"
) -> tuple[list[tuple[str, str, str | None, float, str]], list[str]] | None:
    """The sidebar's rows and pinned ids from the data folder's store, or None when they
    cannot be read early (conversations on a shared server, no store yet, anything odd).

    ``saved`` is ``saved_settings(folder)`` when the caller has read it already."""
    settings = saved_settings(folder) if saved == "unread" else saved
    if settings is None:
        return None
    storage = settings.get("storage")
    if isinstance(storage, dict) and storage.get("kind", "local") != "local":
        return None
    from threadline.sessions import early_sidebar

    return early_sidebar(folder / STORE_NAME, APP_NAME, USER_ID, PINNED_KEY)
