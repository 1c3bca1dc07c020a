"""API keys in the OS keyring, called off the event loop with a timeout.

When no keyring works (none installed, locked, or it hangs on an unlock prompt) the key is
kept in this process only and ``problem`` says why in plain words.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

from threadline.core.errors import ThreadlineError

log = logging.getLogger(__name__)
SERVICE = "Threadline"
SESSION_ONLY = "Keys and secrets you enter are kept for this session only."
T = TypeVar("T")
_FAILED = object()


def _keyring() -> ModuleType:
    """``keyring``, imported on first use, in the worker thread that calls it: importing it
    and its backends is ~60 ms the window would otherwise wait for before it is usable."""
    import keyring
    import keyring.errors  # the exceptions ``_call`` tells apart

    return keyring


def _errors() -> ModuleType | None:
    """``keyring.errors``, or None when keyring itself cannot be imported (a broken install:
    ``_call`` then names the failure instead of raising while telling errors apart)."""
    try:
        import keyring.errors
    except ImportError:
        return None
    return keyring.errors


class KeyringLockedError(ThreadlineError):
    """The keyring holds secrets but is locked (or waits to be unlocked): a key could not be
    read. Nothing is sent without it; unlock the keyring, or enter the key for this session."""

    code = "keyring_locked"


class SecretStore:
    """Reads and writes secrets through ``keyring``; never logs or persists them elsewhere."""

    def __init__(self, *, service: str = SERVICE, timeout: float = 5.0) -> None:
        self.service = service
        self.timeout = timeout
        self.problem: str | None = None
        self.is_locked = False  # the last keyring call met a locked (or unanswering) keyring
        # Told each time a keyring call meets a problem (the app shows it), whoever asked.
        self.on_problem: Callable[[str], None] | None = None
        self._memory: dict[str, str] = {}

    async def get(
        self, name: str, *, env_fallback: str | None = None, must_read: bool = False
    ) -> str | None:
        """The secret called ``name``: memory, keyring, then the ``env_fallback`` variable.

        Only provider keys pass ``OPENAI_API_KEY`` as fallback: an MCP server must never be
        handed the model provider's key by accident. With ``must_read``, a locked keyring
        raises ``KeyringLockedError`` instead of answering None.
        """
        if name in self._memory:
            return self._memory[name]
        value = await self._call(
            lambda: _keyring().get_password(self.service, name), fallback=_FAILED
        )
        if isinstance(value, str):
            return value
        fallback = (os.environ.get(env_fallback) or None) if env_fallback else None
        if value is _FAILED and self.is_locked and must_read and fallback is None:
            raise KeyringLockedError(
                "The system keyring is locked, so the API key could not be read and nothing "
                "was sent. Unlock the keyring and try again, or enter the key for this session."
            )
        return fallback

    def keep_for_session(self, name: str, value: str) -> None:
        """Holds a secret in this process only (the keyring is locked or missing)."""
        self._memory[name] = value

    async def set(self, name: str, value: str) -> bool:
        """Stores a secret; True when it reached the keyring, False when kept in memory only."""
        marker = object()
        result = await self._call(
            lambda: _keyring().set_password(self.service, name, value), fallback=marker
        )
        if result is marker:
            self._memory[name] = value
            return False
        self._memory.pop(name, None)
        return True

    async def delete(self, name: str) -> None:
        """Removes a secret wherever it is."""
        self._memory.pop(name, None)
        await self._call(lambda: _keyring().delete_password(self.service, name))

    async def _call(self, func: Callable[..., T], *args: Any, fallback: Any = None) -> Any:
        self.is_locked = False
        try:
            return await asyncio.wait_for(asyncio.to_thread(func, *args), self.timeout)
        except TimeoutError:
            self.is_locked = True
            self.problem = (
                f"The system keyring did not answer (it may be waiting to be unlocked). "
                f"{SESSION_ONLY}"
            )
        except Exception as exc:  # keyring's own errors, and D-Bus errors of various types
            errors = _errors()
            if errors is not None and isinstance(exc, errors.PasswordDeleteError):
                return None
            if errors is not None and isinstance(exc, errors.KeyringLocked):
                self.is_locked = True
                self.problem = f"The system keyring is locked. {SESSION_ONLY}"
            elif errors is not None and isinstance(exc, errors.NoKeyringError):
                self.problem = f"No system keyring is available. {SESSION_ONLY}"
            elif errors is not None and isinstance(exc, errors.KeyringError):
                self.problem = f"The system keyring failed ({type(exc).__name__}). {SESSION_ONLY}"
            else:
                name = type(exc).__name__
                self.problem = f"The system keyring is unavailable ({name}). {SESSION_ONLY}"
        log.warning("keyring: %s", self.problem)
        if self.on_problem is not None and self.problem:
            self.on_problem(self.problem)
        return fallback
