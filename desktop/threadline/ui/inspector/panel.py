"""The tool-call inspector: every tool call, every model request, the raw events, the state.

The Tool calls tab (``tool_calls.py``) and the Requests tab (``requests.py``) are widgets of
their own; the panel routes each event to them, keeps the event log and the state, and holds
everything back while it is hidden.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QPlainTextEdit, QTabWidget, QWidget

from threadline.ui.common.widgets import named
from threadline.ui.inspector.parts import monospace, pretty
from threadline.ui.inspector.requests import RequestsTab
from threadline.ui.inspector.tool_calls import ToolCallsTab

if TYPE_CHECKING:
    from threadline.core.events import Event
    from threadline.ui.chat.images import ImageCache

__all__ = ["EVENT_LOG_LINES", "REQUESTS_TAB", "Inspector", "pretty"]

EVENT_LOG_LINES = 2000
REQUESTS_TAB = 1


class Inspector(QTabWidget):
    """Shows what the agent really did.

    The tabs' models and views are also attributes of the inspector (``calls``,
    ``calls_view``, ``requests``, ``request_detail``, …), as the window and tests reach them.

    Signals:
        approval_decided(str, bool): a pending call id and the decision taken here.
        request_wanted(object): a model.reply ``Event`` whose request messages must be rebuilt
            from the stored history (answer with ``show_request``).
    """

    approval_decided = Signal(str, bool)
    request_wanted = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolInspector")
        self._pending: tuple[list[tuple[Event, bool]], dict[str, Any]] | None = None  # see ``load``
        self.calls_tab = ToolCallsTab()
        self.calls = self.calls_tab.calls
        self.calls_view = self.calls_tab.calls_view
        self.call_detail = self.calls_tab.call_detail
        self.call_images = self.calls_tab.call_images
        self.approve_button = self.calls_tab.approve_button
        self.deny_button = self.calls_tab.deny_button

        self.requests_tab = RequestsTab()
        self.requests = self.requests_tab.requests
        self.requests_view = self.requests_tab.requests_view
        self.request_detail = self.requests_tab.request_detail
        self._request_events = self.requests_tab.events  # the same list, cleared in place
        self.event_log = monospace(named(QPlainTextEdit(), "eventLog"))
        self.event_log.setMaximumBlockCount(EVENT_LOG_LINES)
        self.state_view = monospace(named(QPlainTextEdit(), "stateView"))
        self._state: dict[str, Any] = {}

        self.addTab(self.calls_tab, "Tool calls")
        self.addTab(self.requests_tab, "Requests")  # REQUESTS_TAB
        self.addTab(self.event_log, "Events")
        self.addTab(self.state_view, "State")
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.calls_tab.approval_decided.connect(self.approval_decided)
        self.requests_tab.request_wanted.connect(self.request_wanted)

    @property
    def images(self) -> ImageCache | None:
        """Thumbnails of a result's images (the window's cache), None until it is given."""
        return self.calls_tab.images

    @images.setter
    def images(self, cache: ImageCache | None) -> None:
        self.calls_tab.images = cache

    # -- feeding -----------------------------------------------------------------------------

    def clear(self) -> None:
        """Forgets everything (another session was opened)."""
        self.calls_tab.clear()
        self.requests_tab.clear()
        self.event_log.clear()

    def load(self, events: list[Event], state: dict[str, Any]) -> None:
        """Shows a stored history; while the panel is hidden, once it is shown (opening a
        conversation then builds no tables nobody sees)."""
        self._pending = None
        self.clear()
        if not self.isVisible():
            self._pending = ([(e, False) for e in events], dict(state))
            return
        self._replay([(e, False) for e in events], state)

    def _replay(self, events: list[tuple[Event, bool]], state: dict[str, Any]) -> None:
        for event, log in events:  # stored events are not logged; live ones kept are
            self.on_event(event, log=log)
        self.set_state(state)

    def showEvent(self, event: QShowEvent) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.clear()
            self._replay(*pending)
        super().showEvent(event)

    def set_state(self, state: dict[str, Any]) -> None:
        """Shows session, user and app state."""
        if self._pending is not None:
            self._pending = (self._pending[0], dict(state))
            return
        self._state = dict(state)
        self.state_view.setPlainText(pretty(self._state))

    def update_state(self, delta: dict[str, Any]) -> None:
        """Applies a state delta from a live event."""
        current = self._pending[1] if self._pending is not None else self._state
        self.set_state({**current, **delta})

    def on_event(self, event: Event, *, log: bool = True) -> None:
        """Takes one event of a run."""
        if self._pending is not None:  # hidden: kept for when the panel is shown
            self._pending[0].append((event, log))
            return
        if log and not (event.partial and not event.tag):
            stamp = datetime.fromtimestamp(event.timestamp).strftime("%H:%M:%S.%f")[:-3]
            summary = event.model_dump_json(exclude_defaults=True, exclude={"metadata"})
            self.event_log.appendPlainText(f"{stamp} {summary[:2000]}")
        if event.tag == "model.reply":
            self.requests_tab.add(event)
        self.calls_tab.on_event(event)

    def mark_decided(self, call_id: str, decision: str) -> None:
        """Shows a decision taken elsewhere (the chat card)."""
        self.calls_tab.mark_decided(call_id, decision)

    def image_ready(self, ref: str) -> None:
        """A thumbnail loaded: the call shown now may need it."""
        self.calls_tab.image_ready(ref)

    # -- requests ----------------------------------------------------------------------------

    def inspect_reply(self, event_id: str) -> bool:
        """Shows the Requests tab on the model call that produced ``event_id`` (a reply's
        Inspect); False when this conversation's inspector does not have it."""
        row = self.requests_tab.row_of(event_id)
        if row is None:
            return False
        self.setCurrentIndex(REQUESTS_TAB)
        self.requests_tab.select_request(row)
        return True

    def show_request(self, event_id: str, messages: list[dict[str, Any]] | None) -> None:
        """Shows a request whose messages were rebuilt (None: its history is gone)."""
        self.requests_tab.show_request(event_id, messages)

    def select_request(self, row: int) -> None:
        """Selects a request row (the newest with -1)."""
        self.requests_tab.select_request(row)
