"""Composition root: builds the services below the UI (the store, settings, secrets, the
assistant and the runner).

Imports of the runner, the store and their libraries happen inside ``build_services``, and this
module is only imported once the window is on screen (see ``ui/shell/launch.py``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from threadline.app.early import STORE_NAME as STORE_NAME  # re-exported (serve)
from threadline.paths import log_dir

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from threadline.runner import GenerationConfig, LLMAgent, Runner
    from threadline.sessions import DesktopStore, SQLiteSessionService
    from threadline.settings import AppSettings, SecretStore


@dataclass
class Services:
    """Everything below the UI, built once per process."""

    folder: Path
    settings: AppSettings
    store: DesktopStore  # this computer's, or the shared server (Settings → Storage)
    secrets: SecretStore
    agent: LLMAgent
    runner: Runner
    local: SQLiteSessionService  # the file in the data folder, open in either case


def start_logging() -> None:
    """Logs to the platform's log folder (keys redacted)."""
    from threadline import logs

    logs.configure(log_dir())


def build_services(folder: Path, *, secrets: SecretStore | None = None) -> Services:
    """Opens the store (one process per data folder) and builds the agent and runner.

    With Settings → Storage on a shared server, the store is that server (it connects on
    first use; when it cannot, the conversations on this computer are used and the sidebar
    says why: ``app/fallback_store.py``). Raises ``StorageError`` subclasses when the data
    file cannot be used.
    """
    from threadline.runner import Runner
    from threadline.sessions import SQLiteSessionService
    from threadline.settings import SecretStore, load_settings

    settings = load_settings(folder)
    local = SQLiteSessionService(folder / STORE_NAME, exclusive=True)
    keys = secrets or SecretStore()
    store = choose_store(settings, local, keys)
    agent = build_assistant(settings)
    from threadline.sessions.memory_service import StoreMemoryService

    # Memory is asked per run (RunConfig.recall: the setting and the conversation's choice),
    # from the full-text index of the store in use (FTS5 here, tsvector on a server).
    runner = Runner(
        "threadline", agent, session_service=store, memory_service=StoreMemoryService(store)
    )
    return Services(folder, settings, store, keys, agent, runner, local)


def choose_store(
    settings: AppSettings, local: SQLiteSessionService, secrets: SecretStore
) -> DesktopStore:
    """The store Settings → Storage names: ``local``, or the shared server (falling back to
    ``local`` when it cannot be used: a wrong password, no such database, no answer)."""
    if settings.storage.kind != "server":
        return local
    from threadline.app.fallback_store import FallbackStore
    from threadline.app.storage import StorageSettingsError, address_of, explain, open_server

    try:
        server, password = open_server(settings.storage, secrets)
    except (StorageSettingsError, ImportError) as exc:
        log.warning("storage: the shared server is not used: %s", exc)
        return local
    where = address_of(settings.storage)
    return FallbackStore(server, local, lambda exc: explain(exc, where, password))


def generation_from(settings: AppSettings) -> GenerationConfig:
    """The sampling and streaming settings the assistant's requests carry."""
    from threadline.runner import GenerationConfig

    return GenerationConfig(
        temperature=settings.temperature, max_tokens=settings.max_tokens, stream=settings.stream
    )


def build_assistant(settings: AppSettings) -> LLMAgent:
    """The built-in assistant: the live instruction and the built-in tools (``threadline
    serve`` builds it the same way).

    The real model needs the API key from the keyring (async): ``AgentHub.use_provider``
    swaps it in before the first run. Until then a placeholder says so if it is ever reached.
    """
    from threadline.app.tools import builtin_tools
    from threadline.runner import LLMAgent, ScriptedModel

    placeholder = ScriptedModel(["(No model is configured yet: open Settings → Provider.)"])
    return LLMAgent(
        "assistant",
        model=placeholder,
        generation=generation_from(settings),
        instruction=settings.instruction,
        description="A general assistant",
        tools=builtin_tools(),
    )


def preload_openai() -> None:
    """The SDK's lazily imported parts, for a worker thread before the first request."""
    from threadline.runner.openai_model import preload

    preload()
