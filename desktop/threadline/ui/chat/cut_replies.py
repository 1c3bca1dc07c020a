"""Whether a run has a reply streaming that a Stop or a failure would cut.

The runner saves a cut reply as an ``interrupted`` event but cannot hand it over (a stopped run
yields nothing more), so the chat controller reads it back from the store: its live bubble then
gets the stored id, and offers Branch, Regenerate and Inspect as a reopened one does.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from threadline.app import conversations as ops
from threadline.core.errors import StorageError

if TYPE_CHECKING:
    from threadline.core.events import Event
    from threadline.sessions import DesktopStore
    from threadline.ui.common.bridge import EventBridge


class CutReplies:
    """Follows a run's events: its invocation and whether text is streaming unfinished."""

    def __init__(self) -> None:
        self.invocation_id = ""
        self.streaming = False

    def see(self, event: Event) -> None:
        """Takes the run's next event."""
        if event.invocation_id:
            self.invocation_id = event.invocation_id
        if event.partial:
            if event.delta or event.reasoning_delta:
                self.streaming = True
        elif event.message is not None and event.message.role == "assistant":
            self.streaming = False  # the reply arrived whole

    async def show_kept(self, store: DesktopStore, bridge: EventBridge, session_id: str) -> None:
        """Shows the stored cut replies in place of their live bubbles (ids, Regenerate...)."""
        self.streaming = False
        with contextlib.suppress(StorageError):
            for event in await ops.kept_replies(store, session_id, self.invocation_id):
                bridge.push(session_id, event)
