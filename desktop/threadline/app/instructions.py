"""The live system instruction's history: every applied version, kept with the conversations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from threadline.core.events import Event

if TYPE_CHECKING:
    from threadline.runner import LLMAgent
    from threadline.sessions import DesktopStore

HISTORY_SETTING = "instruction_history"
Version = tuple[int, str, float]  # number, text, applied at (epoch seconds)


class InstructionHistory:
    """Applies new instruction text to an agent (its very next request uses it) and keeps
    the numbered versions in the store's settings table."""

    def __init__(self, agent: LLMAgent, store: DesktopStore) -> None:
        self.agent = agent
        self.store = store
        self.versions: list[Version] = []

    async def restore(self) -> list[Version]:
        """Puts the last applied version back in force (with its number); returns them all."""
        saved = await self.store.get_setting(HISTORY_SETTING)
        if saved:
            self.versions = [(int(n), str(t), float(a)) for n, t, a in saved]
            number, text, _ = self.versions[-1]
            self.agent.set_instruction(text, version=number)
        else:
            version = self.agent.instruction
            self.versions = [(version.version, version.text, version.applied_at)]
        return list(self.versions)

    def apply(self, text: str) -> Event:
        """Makes ``text`` the instruction now; returns the marker event for the conversation.

        Call ``persist`` afterwards to save the history.
        """
        number = (self.versions[-1][0] + 1) if self.versions else 2
        version = self.agent.set_instruction(text, version=number)
        self.versions.append((version.version, text, version.applied_at))
        return Event(
            author="runner", tag="instruction", metadata={"version": version.version, "text": text}
        )

    async def persist(self) -> None:
        """Saves the versions (raises ``StorageError`` when the store cannot write)."""
        await self.store.set_setting(HISTORY_SETTING, list(self.versions))
