"""What chat rows show that a run's events do not carry: MCP servers' questions (prompt cards)
and images (thumbnails fetched from the store, the full-size viewer).

Apart from ``main_window.py`` because both live beside the event stream: a prompt arrives from
a tool call while it waits, an image's bytes come from the store after its row is drawn. A
QObject (child of the window), like the cards and the cache it builds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from threadline.ui.chat.model import ChatModel
    from threadline.ui.chat.panel import ChatPanel
    from threadline.ui.inspector.panel import Inspector
    from threadline.ui.shell.root import App


class MediaGlue(QObject):
    """Builds the prompt cards, the image cache and the viewers, and connects them once (to
    ``app.chat``, the ``ChatController``, for the end of a reply)."""

    def __init__(
        self,
        window: QWidget,
        *,
        app: App,
        chat: ChatPanel,
        chat_model: ChatModel,
        inspector: Inspector,
    ) -> None:
        from threadline.ui.chat.images import ImageCache, ImageViewers
        from threadline.ui.chat.prompt_cards import PromptCards

        super().__init__(window)
        self.chat_model, self.inspector = chat_model, inspector
        self.prompt_cards = PromptCards(
            prompts=app.prompts,
            chat_model=chat_model,
            view=chat.view,
            current_session=lambda: app.sessions.current_session_id,
            window=window,
        )
        chat.item_action.connect(self.prompt_cards.on_item_action)
        app.chat.running_changed.connect(self.prompt_cards.on_running)
        self.image_cache = ImageCache(app.services.store, app.spawner, window)
        self.image_viewers = ImageViewers(self.image_cache, app.spawner, window)
        chat.delegate.images = self.image_cache
        inspector.images = self.image_cache
        chat.item_action.connect(self.image_viewers.on_item_action)
        self.image_cache.ready.connect(self._on_image_ready)

    def _on_image_ready(self, ref: str) -> None:
        for item in self.chat_model.items()[-2000:]:  # the latest rows: where images are shown
            if any(i.get("ref") == ref for i in item.data.get("images", ())):
                self.chat_model.update_item(item)
        self.inspector.image_ready(ref)
