"""The chat controller: everything the window asks of the runner and the store (no widgets)."""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from threadline.app.hub import AgentHub
from threadline.core.errors import StorageError
from threadline.core.events import Event, EventActions, new_id
from threadline.runner import (
    BaseAgent,
    LLMAgent,
    RunConfig,
    Runner,
)
from threadline.runner.agents import ACTIVE_AGENT_KEY
from threadline.runner.history import rebuild_messages
from threadline.sessions import SQLiteSessionService
from threadline.sessions.export import export_json, import_json, to_markdown
from threadline.settings import AppSettings, SecretStore, save_settings
from threadline.app.teams import DEFAULT_TEAM, TEAM_KEY, TeamError
from threadline.ui.agents.controller import AgentsController
from threadline.ui.common.bridge import EventBridge
from threadline.app.timeline import ChatItem, items_from_rows, pending_calls
from threadline.ui.settings.page import AppParts
from threadline.ui.sidebar.tree import SessionNode
from threadline.ui.settings.controller import SettingsController
from threadline.ui.common.tasks import TaskSpawner

if TYPE_CHECKING:
    from threadline.core.session import Session
    from threadline.app.services import Services

log = logging.getLogger(__name__)
APP_NAME = "threadline"
USER_ID = "local"
INSPECT_TAGS = ("model.reply", "tool.result", "tool.approval")
INSPECT_LIMIT = 400


@dataclass
class OpenedSession:
    """A session ready to show: timeline items, inspector events, state."""

    session_id: str
    items: list[ChatItem]
    events: list[Event]
    state: dict[str, Any]
    pending_calls: list[str] = field(default_factory=list)
    team: str = "assistant"  # who answers here (threadline.teams.DEFAULT_TEAM by default)


class ChatController(QObject):
    """Turns user intents into runner and store calls; reports back through signals.

    Signals:
        sessions_listed(object): ``list[SessionNode]`` for the sidebar.
        session_upserted(object): a ``SessionNode`` that is new or renamed.
        session_opened(object): an ``OpenedSession``.
        running_changed(str, bool): a session id and whether a reply is running for it.
        notice(str): a plain message for the user (empty clears it).
        trashed(str, str): a session id and its title, just moved to the trash.
        search_results(object): ``dict[str, str]`` session id to snippet.
        request_rebuilt(str, object): a model.reply event id and its request's messages
            (``list[dict]``, or None when the history is gone).
    """

    sessions_listed = Signal(object)
    session_upserted = Signal(object)
    session_opened = Signal(object)
    running_changed = Signal(str, bool)
    notice = Signal(str)
    trashed = Signal(str, str)
    search_results = Signal(object)
    request_rebuilt = Signal(str, object)

    def __init__(
        self,
        *,
        runner: Runner,
        agent: LLMAgent,
        store: SQLiteSessionService,
        secrets: SecretStore,
        settings: AppSettings,
        folder: Path,
        spawner: TaskSpawner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.agent = agent
        self.store = store
        self.secrets = secrets
        self.settings = settings
        self.folder = folder
        self.spawner = spawner
        self.bridge = EventBridge(self)
        self.current_session_id: str | None = None
        self._decisions: dict[str, dict[str, bool]] = {}
        self._edits: dict[str, dict[str, Any]] = {}
        self._pending: dict[str, set[str]] = {}
        self._session_team: dict[str, str] = {}  # picked, marker not saved yet
        self.hub = AgentHub(agent, settings, secrets)
        parts = AppParts(self.hub, store, settings, secrets, spawner, self._save_settings)
        self.agents = AgentsController(parts, parent=self)
        self.settings_ctl = SettingsController(parts, mark_session=self._mark_session, parent=self)
        for page in (self.agents, self.settings_ctl):
            page.notice.connect(self.notice)

    @classmethod
    def for_services(cls, services: Services, *, spawner: TaskSpawner) -> ChatController:
        """A controller over everything ``app.build_services`` made."""
        return cls(
            runner=services.runner,
            agent=services.agent,
            store=services.store,
            secrets=services.secrets,
            settings=services.settings,
            folder=services.folder,
            spawner=spawner,
        )

    # -- start and stop ----------------------------------------------------------------------

    def start(self) -> None:
        """Loads the sidebar, the instruction history and the last session."""
        self.spawner.spawn(self._start())

    async def _start(self) -> None:
        await self.agents.restore()
        await self.settings_ctl.restore_instruction()
        await self._list()
        last = self.settings.last_session_id
        if last and await self.store.get_meta(APP_NAME, USER_ID, last) is not None:
            await self._open(last)
        if self.secrets.problem:
            self.notice.emit(self.secrets.problem)
        # The openai SDK takes a third of a second to import: do it now, off the GUI thread,
        # rather than freeze the window when the first message is sent.
        await asyncio.to_thread(importlib.import_module, "openai")

    async def shutdown(self) -> None:
        """Stops runs (their partial replies are saved) and closes the store."""
        await self.spawner.cancel_all()
        self.bridge.flush()
        await self.hub.aclose()
        self.settings.last_session_id = self.current_session_id
        self._save_settings()
        await self.store.aclose()

    # -- sessions ----------------------------------------------------------------------------

    async def _list(self) -> None:
        rows = await self.store.list_tree(APP_NAME, USER_ID)
        nodes = [SessionNode(r[0], r[1], r[2], r[3], r[4]) for r in rows]
        self.sessions_listed.emit(nodes)

    async def _refresh_node(self, session_id: str) -> None:
        meta = await self.store.get_meta(APP_NAME, USER_ID, session_id)
        if meta is not None:
            self.session_upserted.emit(
                SessionNode(meta.id, meta.title, meta.parent_id, meta.updated_at)
            )

    def new_session(self) -> None:
        """Clears the chat; the session is created with its first message."""
        self.current_session_id = None
        self.session_opened.emit(OpenedSession("", [], [], {}, team=self.settings.default_team))

    def open_session(self, session_id: str) -> None:
        """Shows a stored session (a newer request replaces an older one)."""
        if session_id == self.current_session_id:
            return
        self.current_session_id = session_id
        self.spawner.spawn(self._open(session_id), group="open")

    async def _open(self, session_id: str) -> None:
        self.current_session_id = session_id
        rows = await self.store.load_rows(session_id)
        meta = await self.store.get_meta(APP_NAME, USER_ID, session_id)
        inspect_rows = [r for r in rows if r[4] in INSPECT_TAGS][-INSPECT_LIMIT:]
        events = [Event.model_validate_json(r[6]) for r in inspect_rows]
        items = items_from_rows(rows)
        pending = pending_calls(items)
        self._pending[session_id] = set(pending)
        state = meta.state if meta else {}
        team = self._session_team.get(session_id) or str(state.get(TEAM_KEY, DEFAULT_TEAM))
        opened = OpenedSession(session_id, items, events, state, pending, team)
        self.settings.last_session_id = session_id
        self.session_opened.emit(opened)

    def rename(self, session_id: str, title: str) -> None:
        """Sets a session's title."""
        self.spawner.spawn(self.store.rename_session(APP_NAME, USER_ID, session_id, title))

    def delete(self, session_id: str, title: str) -> None:
        """Moves a session to the trash (undo with ``restore``)."""

        async def work() -> None:
            await self.store.delete_session(APP_NAME, USER_ID, session_id)
            if self.current_session_id == session_id:
                self.new_session()
            await self._list()
            self.trashed.emit(session_id, title)

        self.spawner.spawn(work())

    def restore(self, session_id: str) -> None:
        """Takes a session out of the trash."""

        async def work() -> None:
            await self.store.restore_session(APP_NAME, USER_ID, session_id)
            await self._list()

        self.spawner.spawn(work())

    def search(self, query: str) -> None:
        """Full-text search; results arrive as ``search_results``."""

        async def work() -> None:
            hits = (
                await self.store.search_sessions(APP_NAME, USER_ID, query) if query.strip() else []
            )
            self.search_results.emit({h.session.id: h.snippet for h in hits})

        self.spawner.spawn(work(), group="search")

    # -- runs --------------------------------------------------------------------------------

    def send(self, text: str) -> None:
        """Sends a message in the current session (creating one when there is none)."""
        self.spawner.spawn(self._send(text))

    async def _send(self, text: str, session_id: str | None = None) -> None:
        session_id = session_id or self.current_session_id
        if session_id is None:
            session_id = new_id()
            team = self.settings.default_team
            state = {TEAM_KEY: team} if team != DEFAULT_TEAM else None
            await self.store.create_session(APP_NAME, USER_ID, session_id, state)
            self.current_session_id = session_id
            title = " ".join(text.split())[:60]
            self.session_upserted.emit(SessionNode(session_id, title, None, time.time()))
        self._start_run(
            session_id, lambda config: self.runner.run(USER_ID, session_id, text, run_config=config)
        )

    def _start_run(self, session_id: str, make_stream: Any) -> None:
        async def consume() -> None:
            self.running_changed.emit(session_id, True)
            try:
                await self.settings_ctl.ensure_model()
                stream = make_stream(self._run_config(await self._team_for(session_id)))
                async for event in stream:
                    self.bridge.push(session_id, event)
                    if event.tag == "tool.approval":
                        calls = {c["id"] for c in event.metadata.get("pending", [])}
                        self._pending.setdefault(session_id, set()).update(calls)
                    elif event.author == "user":
                        await self._refresh_node(session_id)  # the store just set its title
            finally:
                self.bridge.flush()
                self.running_changed.emit(session_id, False)

        self.spawner.spawn(consume(), group=f"run:{session_id}")

    def stop(self) -> None:
        """Stops the current session's reply; what was streamed is kept."""
        if self.current_session_id is not None:
            self.spawner.cancel(f"run:{self.current_session_id}")

    def is_running(self, session_id: str | None) -> bool:
        """True while a reply runs in ``session_id``."""
        return session_id is not None and self.spawner.running(f"run:{session_id}")

    def retry(self) -> None:
        """Runs the agent again on the current session as it stands (after an error)."""
        session_id = self.current_session_id
        if session_id is not None:
            self._start_run(
                session_id,
                lambda config: self.runner.continue_run(USER_ID, session_id, run_config=config),
            )

    def branch_from(self, event_id: str) -> None:
        """A new branch ending at ``event_id``, opened at once."""
        self.spawner.spawn(self._branch(event_id))

    async def _branch(self, at_event_id: str) -> str:
        source = self.current_session_id
        assert source is not None
        branch = await self.store.fork_session(APP_NAME, USER_ID, source, at_event_id)
        await self._list()
        await self._open(branch.id)
        return branch.id

    def regenerate(self, event_id: str) -> None:
        """A branch that asks the model again for the reply ``event_id``."""

        async def work() -> None:
            rows = await self.store.load_rows(self.current_session_id or "")
            position = next((i for i, r in enumerate(rows) if r[1] == event_id), None)
            if position is None:
                return
            user_rows = [r for r in rows[:position] if r[3] == "user"]
            if not user_rows:
                return
            branch_id = await self._branch(user_rows[-1][1])
            self._start_run(
                branch_id,
                lambda config: self.runner.continue_run(USER_ID, branch_id, run_config=config),
            )

        self.spawner.spawn(work())

    def edit(self, event_id: str, text: str) -> None:
        """A branch where the user message ``event_id`` says ``text`` instead."""

        async def work() -> None:
            rows = await self.store.load_rows(self.current_session_id or "")
            position = next((i for i, r in enumerate(rows) if r[1] == event_id), None)
            if position is None:
                return
            before = rows[position - 1][1] if position > 0 else ""
            branch_id = await self._branch(before)
            await self._send(text, branch_id)

        self.spawner.spawn(work())

    # -- approvals ---------------------------------------------------------------------------

    def decide(self, call_id: str, approved: bool, arguments: dict[str, Any] | None = None) -> None:
        """Records a decision; once every pending call has one, the run resumes."""
        session_id = self.current_session_id
        if session_id is None:
            return
        self._decisions.setdefault(session_id, {})[call_id] = approved
        if arguments is not None:
            self._edits[call_id] = arguments
        pending = self._pending.get(session_id, set())
        decided = self._decisions[session_id]
        if pending and pending <= set(decided):
            decisions = {c: decided[c] for c in pending}
            edits = {c: self._edits.pop(c) for c in pending if c in self._edits}
            self._pending[session_id] = set()
            self._decisions[session_id] = {}
            self._start_run(
                session_id,
                lambda config: self.runner.resume(
                    USER_ID, session_id, decisions, edited_arguments=edits, run_config=config
                ),
            )

    def always_allow(self, call_id: str, tool_name: str) -> None:
        """Approves this call and never asks again for ``tool_name`` (revocable in settings)."""
        if tool_name not in self.settings.always_allowed_tools:
            self.settings.always_allowed_tools.append(tool_name)
            self._save_settings()
        self.decide(call_id, True)

    def revoke_tool(self, tool_name: str) -> None:
        """Makes a tool ask for approval again."""
        if tool_name in self.settings.always_allowed_tools:
            self.settings.always_allowed_tools.remove(tool_name)
            self._save_settings()

    # -- settings (the work is in SettingsController) ------------------------------------

    def _mark_session(self, event: Event) -> Coroutine[Any, Any, None]:
        """Adds a marker event (an instruction change) to the conversation open now, if any."""
        session_id = self.current_session_id

        async def work() -> None:
            meta = await self.store.get_meta(APP_NAME, USER_ID, session_id) if session_id else None
            if meta is not None:
                await self._append_marker(meta, event)

        return work()

    async def _append_marker(self, meta: Session, event: Event) -> None:
        """Saves a marker event in a conversation and shows it (when it is the open one)."""
        await self.store.append_event(meta, event)
        self.bridge.push(meta.id, event)

    # -- export and import -------------------------------------------------------------------

    def export_current(self, path: str) -> None:
        """Writes the open conversation to ``path``: Markdown for ``.md``, else lossless JSON."""
        session_id = self.current_session_id
        if session_id is None:
            self.notice.emit("Open a conversation to export it.")
            return

        async def work() -> None:
            data = await export_json(self.store, APP_NAME, USER_ID, session_id)
            if path.lower().endswith(".md"):
                text = to_markdown(data)
            else:
                text = json.dumps(data, indent=2, ensure_ascii=False)
            try:
                await asyncio.to_thread(Path(path).write_text, text, encoding="utf-8")
            except OSError as exc:
                self.notice.emit(f"Could not write {path}: {exc.strerror}")
                return
            self.notice.emit(f"Exported to {path}")

        self.spawner.spawn(work())

    def import_file(self, path: str) -> None:
        """Adds a conversation from a Threadline JSON export and opens it."""

        async def work() -> None:
            try:
                raw = await asyncio.to_thread(Path(path).read_text, encoding="utf-8")
                session = await import_json(self.store, APP_NAME, USER_ID, json.loads(raw))
            except (OSError, ValueError) as exc:
                self.notice.emit(f"Could not import {path}: {exc}")
                return
            await self._list()
            await self._open(session.id)

        self.spawner.spawn(work())

    # -- inspector ---------------------------------------------------------------------------

    def rebuild_request(self, event: Event) -> None:
        """Redoes the messages a stored model request sent; answers with ``request_rebuilt``."""
        session_id = self.current_session_id

        async def work() -> None:
            session = await self.store.get_session(APP_NAME, USER_ID, session_id or "")
            meta = event.metadata
            messages = None
            if session is not None and isinstance(meta.get("history"), dict):
                messages = rebuild_messages(session.events, meta["history"], meta.get("system"))
            self.request_rebuilt.emit(event.id, messages)

        self.spawner.spawn(work(), group="rebuild-request")

    # -- teams -------------------------------------------------------------------------------

    def set_session_team(self, name: str) -> None:
        """The team that answers in the open conversation, and in new ones from now on.

        The switch is a marker event in the session (its state remembers the team, and the
        team's leader becomes the active agent), so branches and restarts keep it.
        """
        self.settings.default_team = name
        self._save_settings()
        session_id = self.current_session_id
        if session_id is None or self._session_team.get(session_id) == name:
            return
        self._session_team[session_id] = name  # until the marker is saved: a send may come first
        marker = Event(
            author="runner",
            tag="team",
            metadata={"team": name},
            actions=EventActions(state_delta={TEAM_KEY: name, ACTIVE_AGENT_KEY: name}),
        )

        async def work() -> None:
            try:
                meta = await self.store.get_meta(APP_NAME, USER_ID, session_id)
                if meta is not None and meta.state.get(TEAM_KEY, DEFAULT_TEAM) != name:
                    await self._append_marker(meta, marker)
            finally:
                if self._session_team.get(session_id) == name:
                    del self._session_team[session_id]

        self.spawner.spawn(work())

    async def _team_for(self, session_id: str) -> BaseAgent:
        name = self._session_team.get(session_id)
        if name is None:
            meta = await self.store.get_meta(APP_NAME, USER_ID, session_id)
            name = str(meta.state.get(TEAM_KEY, DEFAULT_TEAM)) if meta else DEFAULT_TEAM
        try:
            return self.hub.team(name)
        except TeamError as exc:
            self.notice.emit(f"The team {name!r} cannot answer ({exc}); the assistant does.")
            return self.agent

    # -- helpers -----------------------------------------------------------------------------

    def _run_config(self, team: BaseAgent) -> RunConfig:
        return RunConfig(always_allow=frozenset(self.settings.always_allowed_tools), agent=team)

    def _save_settings(self) -> None:
        try:
            save_settings(self.folder, self.settings)
        except OSError as exc:
            self.notice.emit(f"Settings could not be saved in {self.folder}: {exc.strerror}")

    def report(self, error: BaseException) -> None:
        """Shows an unexpected failure of a background task."""
        if isinstance(error, StorageError):
            self.notice.emit(str(error))
        elif isinstance(error, asyncio.TimeoutError):
            self.notice.emit("An operation took too long and was abandoned.")
        else:
            self.notice.emit(f"Something went wrong: {type(error).__name__}: {error}")
