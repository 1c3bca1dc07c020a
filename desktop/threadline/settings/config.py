"""``settings.json``: provider, generation, theme, instruction, MCP servers; never a secret."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)
DEFAULT_INSTRUCTION = "You are a helpful assistant. Answer clearly and use Markdown where it helps."


class ProviderSettings(BaseModel):
    """An OpenAI-compatible endpoint; its key is in the keyring under ``key_name``."""

    name: str = "openai"
    base_url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o-mini"

    @property
    def key_name(self) -> str:
        """The keyring entry holding this provider's API key."""
        return f"provider:{self.name}"


class MCPServerEntry(BaseModel):
    """An MCP server the user added: a command line (stdio) or a URL (streamable HTTP)."""

    name: str
    command: str = ""
    args: list[str] = []
    url: str = ""
    env_keys: list[str] = []  # names only: the values are secrets, kept in the keyring
    disabled_tools: list[str] = []  # tools the user switched off; no agent sees them
    ask_approval: bool = True  # third-party tools ask before they run, unless always allowed


class StorageSettings(BaseModel):
    """Where the conversations live: this computer (a SQLite file in the data folder) or a
    shared PostgreSQL server. The server's password is in the keyring under ``key_name``;
    ``dsn``, when given, is used instead of the fields (never with a password in it)."""

    kind: Literal["local", "server"] = "local"
    host: str = ""
    port: int = 5432
    database: str = "threadline"
    user: str = ""
    dsn: str = ""

    @property
    def key_name(self) -> str:
        """The keyring entry holding this server's password (one per user and address)."""
        user, host, port, database = self.user, self.host, self.port, self.database
        if self.dsn:  # named by what it reaches, never by a password written into it
            parts = urlsplit(self.dsn)
            user, host, database = parts.username or "", parts.hostname or "", parts.path[1:]
            try:
                port = parts.port or 5432
            except ValueError:
                port = 5432
        return f"storage:{user}@{host}:{port}/{database}"


class AppSettings(BaseModel):
    """Everything the settings panel edits, except secrets."""

    provider: ProviderSettings = ProviderSettings()
    is_setup_done: bool = False
    temperature: float | None = None
    max_tokens: int | None = None
    # False: each model call is one plain request and one answer (some servers run tools only
    # that way); the reply then appears whole.
    stream: bool = True
    # The assistant may draw on past conversations (excerpts found by full-text search are
    # added to its system message); off by default, and a conversation can opt out.
    memory: bool = False
    theme: Literal["system", "light", "dark"] = "system"
    last_session_id: str | None = None
    default_team: str = "assistant"  # the team a new conversation starts with
    instruction: str = DEFAULT_INSTRUCTION
    always_allowed_tools: list[str] = []
    mcp_servers: list[MCPServerEntry] = []
    storage: StorageSettings = StorageSettings()


def load_settings(folder: Path) -> AppSettings:
    """Reads ``settings.json``; a missing or unreadable file gives defaults (and a log line).

    ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` in the environment mark setup as done.
    """
    path = folder / "settings.json"
    settings = AppSettings()
    if path.exists():
        try:
            settings = AppSettings.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError, ValueError) as exc:
            log.warning("settings file %s unreadable (%s); using defaults", path, exc)
    base_url = os.environ.get("OPENAI_BASE_URL")
    if base_url:
        settings.provider = ProviderSettings(
            name="env", base_url=base_url, model=settings.provider.model
        )
        settings.is_setup_done = True
    elif os.environ.get("OPENAI_API_KEY"):
        settings.is_setup_done = True
    return settings


def save_settings(folder: Path, settings: AppSettings) -> None:
    """Writes ``settings.json`` atomically (a temp file renamed over the old one)."""
    folder.mkdir(parents=True, exist_ok=True)
    data = json.dumps(settings.model_dump(mode="json"), indent=2, ensure_ascii=False)
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".settings-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(data)
        os.replace(temp, folder / "settings.json")
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
