"""What the General settings page asks for: the live instruction, the provider, generation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from threadline.app.instructions import InstructionHistory
from threadline.app.services import generation_from
from threadline.core.errors import ThreadlineError
from threadline.core.events import Event
from threadline.runner import ModelError, OpenAIChatModel
from threadline.ui.settings.page import AppParts, PageController
from threadline.ui.settings.storage_controller import StorageController

if TYPE_CHECKING:
    from threadline.settings.config import ProviderSettings


log = logging.getLogger(__name__)


class SettingsController(PageController):
    """Applies settings to the assistant and the models; saves them.

    Signals:
        instruction_history(object): ``list[tuple[int, str, float]]`` of applied versions.
        models_listed(object): ``list[str]`` of model ids the configured provider offers
            (after startup and after each save; a connection test answers its form instead).
        provider_saved(object): the ``ProviderSettings`` now in use (forms show it).
        notice(str): a message for the user (``PageController``).
    """

    instruction_history = Signal(object)
    models_listed = Signal(object)
    provider_saved = Signal(object)

    def __init__(
        self,
        parts: AppParts,
        *,
        mark_session: Callable[[Event], Coroutine[Any, Any, None]],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parts, parent)
        self.agent = parts.hub.assistant
        self.history = InstructionHistory(self.agent, parts.store)
        # Settings → Storage (``storage_page.bind_storage`` connects the page to it).
        self.storage = StorageController(parts, self)
        self.storage.notice.connect(self.notice)
        self._mark_session = mark_session
        self._model_ready = False
        self._model_lock = asyncio.Lock()

    # -- the live instruction ----------------------------------------------------------------

    def apply_instruction(self, text: str) -> None:
        """Applies a new system instruction: the very next model request uses it.

        The open conversation gets a marker ("Instruction changed to vN").
        """
        marker = self.history.apply(text)
        self.settings.instruction = text
        self._save_settings()
        self.instruction_history.emit(list(self.history.versions))
        marking = self._mark_session(marker)  # the conversation open now, not after the await

        async def persist() -> None:
            await self.history.persist()
            await marking

        self.spawner.spawn(persist())

    async def restore_instruction(self) -> None:
        """Puts the last applied version back in force (with its number) and lists them all."""
        self.instruction_history.emit(await self.history.restore())

    # -- the provider ------------------------------------------------------------------------

    async def ensure_model(self) -> None:
        """Builds the models on the configured provider unless they are up to date."""
        async with self._model_lock:
            if not self._model_ready:
                await self._use_provider()

    async def _use_provider(self) -> None:  # the caller holds the model lock
        await self.hub.use_provider()
        self._model_ready = True

    def invalidate_model(self) -> None:
        """The next run builds the models again (a key entered for this session)."""
        self._model_ready = False

    def save_provider(self, provider: ProviderSettings, api_key: str) -> None:
        """Saves the provider (and its key, in the keyring) and uses it from the next run.

        A message sent right after waits for this (the model lock), so it never goes out with
        the old provider or without the new key.
        """
        self._model_ready = False

        async def work() -> None:
            async with self._model_lock:
                if api_key and not await self.secrets.set(provider.key_name, api_key):
                    self.notice.emit(
                        self.secrets.problem or "The key is kept for this session only."
                    )
                self.settings.provider = provider
                self.settings.is_setup_done = True
                self._save_settings()
                self.provider_saved.emit(provider)
                await self._use_provider()
            await self.list_models()  # the pickers offer the new server's models

        self.spawner.spawn(work())

    async def list_models(self) -> None:
        """Asks the provider which models it offers (for the model picker); quiet when it
        cannot answer (the first message then says why)."""
        try:
            await self.ensure_model()
            model = self.hub.model_for("")
            models = await model.list_models() if isinstance(model, OpenAIChatModel) else []
        except ThreadlineError as exc:
            log.info("no model list from the provider: %s", exc)
            return
        self.models_listed.emit(models)

    def test_connection(
        self,
        provider: ProviderSettings,
        api_key: str,
        answer: Callable[[bool, str, list[str]], None],
    ) -> None:
        """Lists the server's models as a connection test; ``answer(ok, text, models)`` gets
        the outcome (only the form that asked: the provider tested may not be the one in use).
        """

        async def work() -> None:
            key = api_key or await self.secrets.get(
                provider.key_name, env_fallback="OPENAI_API_KEY"
            )
            model = OpenAIChatModel(
                provider.model,
                base_url=provider.base_url or None,
                api_key=key,
                max_retries=0,
                timeout=10,
            )
            try:
                models = await model.list_models()
            except ModelError as exc:
                answer(False, str(exc), [])
                return
            finally:
                await model.aclose()
            answer(True, f"Connected: {len(models)} model(s) available.", models)

        self.spawner.spawn(work(), group="test-connection")

    # -- generation and appearance -----------------------------------------------------------

    def set_generation(self, temperature: float | None, max_tokens: int | None) -> None:
        """Sampling settings for the next requests."""
        self.settings.temperature = temperature
        self.settings.max_tokens = max_tokens
        self.agent.generation = generation_from(self.settings)
        self._save_settings()

    def set_memory(self, on: bool) -> None:
        """Whether runs may bring in excerpts of past conversations (RunConfig.recall)."""
        self.settings.memory = on
        self._save_settings()

    def set_streaming(self, stream: bool) -> None:
        """Streamed replies (the default) or one plain request and answer per model call."""
        self.settings.stream = stream
        self.agent.generation = generation_from(self.settings)
        self._save_settings()

    def set_theme(self, theme: str) -> None:
        """Remembers the theme choice."""
        self.settings.theme = theme  # type: ignore[assignment]
        self._save_settings()
