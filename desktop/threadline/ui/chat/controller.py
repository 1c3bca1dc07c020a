"""The chat controller: replies in the open conversation (send, Stop, retry, regenerate, edit,
branch), approvals, the team that answers, and the inspector's rebuilt requests. No widgets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from threadline.app import conversations as ops
from threadline.app.conversations import APP_NAME, USER_ID
from threadline.app.drafts import UnsentDrafts
from threadline.app.teams import TeamError
from threadline.app.timeline import CONTINUE_PROMPT
from threadline.core.errors import StorageError
from threadline.runner import Message, RunConfig
from threadline.settings.secrets import KeyringLockedError
from threadline.ui.chat.cut_replies import CutReplies

if TYPE_CHECKING:
    from threadline.app.approvals import ApprovalBook
    from threadline.app.attachments import Attachment
    from threadline.app.hub import AgentHub
    from threadline.core.events import Event
    from threadline.runner import BaseAgent, Runner
    from threadline.sessions import DesktopStore
    from threadline.settings import AppSettings
    from threadline.ui.common.bridge import EventBridge
    from threadline.ui.common.tasks import TaskSpawner
    from threadline.ui.settings.controller import SettingsController
    from threadline.ui.sidebar.controller import SessionsController

StreamFactory = Callable[[RunConfig], AsyncIterator["Event"]]


class ChatController(QObject):
    """Turns the chat's intents into runs; reports back through signals and the bridge.

    Signals:
        running_changed(str, bool): a session id and whether a reply is running for it.
        request_rebuilt(str, object): a model.reply event id and its request's messages
            (``list[dict]``, or None when the history is gone).
        unsent(str, str): a session id and a message that could not be saved: it goes back
            to the composer (and stays in the recovery file until it is saved).
        key_locked(str): the keyring is locked, so the provider's key could not be read.
        notice(str): a plain message for the user (empty clears it).
    """

    running_changed = Signal(str, bool)
    request_rebuilt = Signal(str, object)
    unsent = Signal(str, str)
    key_locked = Signal(str)
    notice = Signal(str)

    def __init__(
        self,
        *,
        runner: Runner,
        hub: AgentHub,
        store: DesktopStore,
        settings: AppSettings,
        sessions: SessionsController,
        settings_ctl: SettingsController,
        approvals: ApprovalBook,
        bridge: EventBridge,
        spawner: TaskSpawner,
        save_settings: Callable[[], None],
        drafts: UnsentDrafts,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.hub = hub
        self.store = store
        self.settings = settings
        self.sessions = sessions
        self.settings_ctl = settings_ctl
        self.approvals = approvals
        self.bridge = bridge
        self.spawner = spawner
        self._save_settings = save_settings
        self.drafts = drafts
        self._had_unsaved = False  # a message failed to save; the banner goes once one saves
        # session id -> the last request's prompt and reply tokens and model (overflow warning)
        self._last_usage: dict[str, tuple[int, int, str]] = {}

    # -- runs --------------------------------------------------------------------------------

    def send(self, text: str, attachments: Sequence[Attachment] = ()) -> None:
        """Sends a message (and its attachments) in the open session, creating one if needed.

        Until the message is saved its text is also in the recovery file; a message that
        cannot be saved goes back to the composer (``unsent``).
        """
        self.drafts.keep(text)
        self.spawner.spawn(self._send(text, attachments=attachments))

    async def _send(
        self, text: str, session_id: str | None = None, *, attachments: Sequence[Attachment] = ()
    ) -> None:
        session_id = session_id or self.sessions.current_session_id
        if session_id is None:
            try:
                session_id = await ops.create_session(self.store, team=self.settings.default_team)
                if self.sessions.new_model:  # picked while the conversation was still empty
                    await self.mark_open_session(
                        ops.model_marker(self.sessions.new_model), session_id
                    )
            except StorageError as exc:
                self._not_saved(self.sessions.current_session_id or "", text, str(exc))
                return
            self.sessions.announce_new(session_id, text)
        sid = session_id
        message = Message(role="user", content=text, parts=[a.to_part() for a in attachments])
        self._start_run(
            sid, lambda config: self.runner.run(USER_ID, sid, message, run_config=config), text
        )

    def set_conversation_instruction(self, text: str | None) -> None:
        """Gives the open conversation its own instruction (None: the default again); its
        next request uses it, and the change is a note in the conversation."""
        session_id = self.sessions.current_session_id
        if session_id is not None:
            self.spawner.spawn(self.mark_open_session(ops.instruction_marker(text), session_id))

    def set_conversation_memory(self, on: bool) -> None:
        """Lets the open conversation draw on past ones, or not (Settings turns memory on)."""
        session_id = self.sessions.current_session_id
        if session_id is not None:
            self.spawner.spawn(self.mark_open_session(ops.memory_marker(on), session_id))

    def _warn_if_near_full(self, session_id: str, text: str, model: str) -> None:
        """Says so before a request that would come close to the context window."""
        from threadline.app.context import overflow_warning

        prompt, reply, last_model = self._last_usage.get(session_id, (0, 0, ""))
        warning = overflow_warning(prompt, reply, text, model or last_model)
        if warning:
            self.notice.emit(warning)

    def continue_reply(self) -> None:
        """Asks the model to go on from the open conversation's cut-off reply (Continue)."""
        session_id = self.sessions.current_session_id
        if session_id is None or self.is_running(session_id):
            return
        sid = session_id
        message = Message(role="user", content=CONTINUE_PROMPT)
        self._start_run(
            sid, lambda config: self.runner.run(USER_ID, sid, message, run_config=config)
        )

    def _start_run(
        self, session_id: str, make_stream: StreamFactory, message: str | None = None
    ) -> None:
        async def consume() -> None:
            self.running_changed.emit(session_id, True)
            cut = CutReplies()
            is_saved = message is None
            problem = ""
            try:
                await self.settings_ctl.ensure_model()
                chosen = await ops.session_choices(self.store, session_id)  # one store call
                model = chosen.model
                team = self._team_for(session_id, chosen.team)
                config = self._run_config(team, model).model_copy(
                    update={
                        "instruction": chosen.instruction,
                        "recall": self.settings.memory and chosen.memory,
                    }
                )
                self._warn_if_near_full(session_id, message or "", model)
                stream = make_stream(config)
                async for event in stream:
                    cut.see(event)
                    if event.error is not None and cut.streaming:  # the cut reply was saved
                        await cut.show_kept(self.store, self.bridge, session_id)
                    if event.tag == "model.reply" and event.usage is not None:
                        self._last_usage[session_id] = (
                            event.usage.prompt_tokens,
                            event.usage.completion_tokens,
                            str(event.metadata.get("request", {}).get("model", "")),
                        )
                    if not is_saved and event.author == "user":
                        is_saved = True
                        self._saved()
                    elif not is_saved and event.error is not None:
                        problem = event.error.message
                        continue  # the message goes back to the composer instead
                    self.bridge.push(session_id, event)
                    if event.tag == "tool.approval":
                        calls = [c["id"] for c in event.metadata.get("pending", [])]
                        self.approvals.expect(session_id, calls)
                    elif event.author == "user":
                        await self.sessions.refresh_node(session_id)  # the store set its title
            except KeyringLockedError as exc:
                problem = str(exc)
                self.key_locked.emit(problem)
            except asyncio.CancelledError:  # Stop: the runner saved what had streamed
                if cut.streaming:
                    await cut.show_kept(self.store, self.bridge, session_id)
                raise
            finally:
                self.bridge.flush()
                self.running_changed.emit(session_id, False)
                if not is_saved and message is not None:
                    self._not_saved(session_id, message, problem)

        self.spawner.spawn(consume(), group=f"run:{session_id}")

    def _saved(self) -> None:
        self.drafts.clear()
        if self._had_unsaved:  # the fault is gone: so is its message
            self._had_unsaved = False
            self.notice.emit("")

    def _not_saved(self, session_id: str, message: str, problem: str) -> None:
        self._had_unsaved = True
        kept = self.drafts.keep(message)
        where = f" It is also kept in {self.drafts.path}." if kept else ""
        reason = problem or "The reply was stopped before the message was saved."
        self.notice.emit(
            f"Your message was not sent and is back in the message box.{where} {reason}"
        )
        self.unsent.emit(session_id, message)

    def use_key_for_session(self, key: str) -> None:
        """Uses ``key`` for the provider until the app quits (the keyring stays untouched)."""
        self.hub.secrets.keep_for_session(self.settings.provider.key_name, key)
        self.settings_ctl.invalidate_model()
        self.notice.emit("")

    def _continue(self, session_id: str) -> None:
        self._start_run(
            session_id,
            lambda config: self.runner.continue_run(USER_ID, session_id, run_config=config),
        )

    def stop(self) -> None:
        """Stops the open session's reply; what was streamed is kept."""
        if self.sessions.current_session_id is not None:
            self.spawner.cancel(f"run:{self.sessions.current_session_id}")

    def is_running(self, session_id: str | None) -> bool:
        """True while a reply runs in ``session_id``."""
        return session_id is not None and self.spawner.running(f"run:{session_id}")

    def retry(self) -> None:
        """Runs the agent again on the open session as it stands (after an error)."""
        if self.sessions.current_session_id is not None:
            self._continue(self.sessions.current_session_id)

    # -- branches ----------------------------------------------------------------------------

    def branch_from(self, event_id: str) -> None:
        """A new branch ending at ``event_id``, opened at once."""
        source = self.sessions.current_session_id
        if source is not None:
            self.spawner.spawn(self._open_branch(ops.fork(self.store, source, event_id)))

    async def _open_branch(self, making: Any) -> str | None:
        branch_id: str | None = await making
        if branch_id is not None:
            await self.sessions.list()
            await self.sessions.show(branch_id)
        return branch_id

    def regenerate(self, event_id: str) -> None:
        """A branch that asks the model again for the reply ``event_id``."""
        source = self.sessions.current_session_id or ""

        async def work() -> None:
            branch_id = await self._open_branch(ops.regenerate_branch(self.store, source, event_id))
            if branch_id is not None:
                self._continue(branch_id)

        self.spawner.spawn(work())

    def edit(self, event_id: str, text: str) -> None:
        """A branch where the user message ``event_id`` says ``text`` instead."""
        source = self.sessions.current_session_id or ""

        async def work() -> None:
            branch_id = await self._open_branch(ops.edit_branch(self.store, source, event_id))
            if branch_id is not None:  # named by its own first words, not the inherited title
                await self.store.rename_session(APP_NAME, USER_ID, branch_id, ops.first_title(text))
                await self._send(text, branch_id)

        self.spawner.spawn(work())

    # -- approvals ---------------------------------------------------------------------------

    def decide(self, call_id: str, approved: bool, arguments: dict[str, Any] | None = None) -> None:
        """Records a decision; once every pending call has one, the run resumes."""
        session_id = self.sessions.current_session_id
        if session_id is None:
            return
        done = self.approvals.decide(session_id, call_id, approved=approved, arguments=arguments)
        if done is not None:
            self._start_run(
                session_id,
                lambda config: self.runner.resume(
                    USER_ID,
                    session_id,
                    done.decisions,
                    edited_arguments=done.edited_arguments,
                    run_config=config,
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

    # -- markers and teams -------------------------------------------------------------------

    async def mark_open_session(self, event: Event, session_id: str | None) -> None:
        """Saves a marker event in ``session_id`` (if it exists) and shows it."""
        meta = await self.store.get_meta(APP_NAME, USER_ID, session_id) if session_id else None
        if meta is not None:
            await ops.append_marker(self.store, meta, event)
            self.bridge.push(meta.id, event)

    def set_session_team(self, name: str) -> None:
        """The team that answers in the open conversation, and in new ones from now on."""
        self.settings.default_team = name
        self._save_settings()
        session_id = self.sessions.current_session_id
        picked = self.sessions.picked_teams
        if session_id is None or picked.get(session_id) == name:
            return
        picked[session_id] = name  # until the marker is saved: a send may come first

        async def work() -> None:
            try:
                if await ops.session_team(self.store, session_id) != name:
                    await self.mark_open_session(ops.team_marker(name), session_id)
            finally:
                if picked.get(session_id) == name:
                    del picked[session_id]

        self.spawner.spawn(work())

    def set_session_model(self, name: str) -> None:
        """The model the open conversation asks for from now on ("" = the provider's).

        A marker event in the session (its state keeps the model, and branches inherit it).
        A new conversation takes the model picked while it was empty with its first message.
        """
        session_id = self.sessions.current_session_id
        if session_id is None:
            self.sessions.new_model = name
            return

        async def work() -> None:
            if await ops.session_model(self.store, session_id) != name:
                await self.mark_open_session(ops.model_marker(name), session_id)

        self.spawner.spawn(work())

    def _team_for(self, session_id: str, stored: str) -> BaseAgent:
        """The tree that answers: a team just picked (its marker may not be saved yet), else
        the one the conversation stored."""
        name = self.sessions.picked_teams.get(session_id, stored)
        try:
            return self.hub.team(name)
        except TeamError as exc:
            self.notice.emit(f"The team {name!r} cannot answer ({exc}); the assistant does.")
            return self.hub.assistant

    def _run_config(self, team: BaseAgent, model: str = "") -> RunConfig:
        return RunConfig(
            always_allow=frozenset(self.settings.always_allowed_tools),
            agent=team,
            model_name=model or None,
        )

    # -- inspector ---------------------------------------------------------------------------

    def rebuild_request(self, event: Event) -> None:
        """Redoes the messages a stored model request sent; answers with ``request_rebuilt``."""
        session_id = self.sessions.current_session_id or ""

        async def work() -> None:
            messages = await ops.rebuild_request(self.store, session_id, event)
            self.request_rebuilt.emit(event.id, messages)

        self.spawner.spawn(work(), group="rebuild-request")
