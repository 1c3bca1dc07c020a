"""Artifacts: versioned files that belong to a session (in memory, or under the data folder)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _pick(versions: list[int], version: int | None) -> int | None:
    """The requested version (the latest when None) if it exists."""
    if not versions:
        return None
    chosen = versions[-1] if version is None else version
    return chosen if chosen in versions else None


def _safe(part: str) -> str:
    cleaned = _SAFE.sub("_", part).strip("._")
    if not cleaned:
        raise ValueError(f"unusable name {part!r}")
    return cleaned


class InMemoryArtifactService:
    """Versions kept in a dict; version numbers start at 0 and count up per file."""

    def __init__(self) -> None:
        self._files: dict[tuple[str, str, str, str], list[bytes]] = {}

    async def save_artifact(
        self, app_name: str, user_id: str, session_id: str, filename: str, data: bytes
    ) -> int:
        """Stores a new version and returns its number."""
        versions = self._files.setdefault((app_name, user_id, session_id, filename), [])
        versions.append(bytes(data))
        return len(versions) - 1

    async def load_artifact(
        self,
        app_name: str,
        user_id: str,
        session_id: str,
        filename: str,
        version: int | None = None,
    ) -> bytes | None:
        """A version (the latest by default), or None."""
        versions = self._files.get((app_name, user_id, session_id, filename), [])
        chosen = _pick(list(range(len(versions))), version)
        return None if chosen is None else versions[chosen]

    async def list_artifacts(self, app_name: str, user_id: str, session_id: str) -> list[str]:
        """File names saved in a session."""
        return sorted(
            f for (a, u, s, f) in self._files if (a, u, s) == (app_name, user_id, session_id)
        )

    async def list_versions(
        self, app_name: str, user_id: str, session_id: str, filename: str
    ) -> list[int]:
        """Version numbers of a file."""
        return list(range(len(self._files.get((app_name, user_id, session_id, filename), []))))


class FileArtifactService:
    """Versions as files: ``root/app/user/session/<file>/<version>`` (written off the loop)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _dir(self, app_name: str, user_id: str, session_id: str, filename: str) -> Path:
        return self.root / _safe(app_name) / _safe(user_id) / _safe(session_id) / _safe(filename)

    async def save_artifact(
        self, app_name: str, user_id: str, session_id: str, filename: str, data: bytes
    ) -> int:
        folder = self._dir(app_name, user_id, session_id, filename)

        def write() -> int:
            folder.mkdir(parents=True, exist_ok=True)
            version = len([p for p in folder.iterdir() if p.name.isdigit()])
            temp = folder / f".{version}.tmp"
            temp.write_bytes(data)
            temp.replace(folder / str(version))
            return version

        return await asyncio.to_thread(write)

    async def load_artifact(
        self,
        app_name: str,
        user_id: str,
        session_id: str,
        filename: str,
        version: int | None = None,
    ) -> bytes | None:
        versions = await self.list_versions(app_name, user_id, session_id, filename)
        chosen = _pick(versions, version)
        if chosen is None:
            return None
        path = self._dir(app_name, user_id, session_id, filename) / str(chosen)
        return await asyncio.to_thread(path.read_bytes)

    async def list_artifacts(self, app_name: str, user_id: str, session_id: str) -> list[str]:
        folder = self.root / _safe(app_name) / _safe(user_id) / _safe(session_id)

        def names() -> list[str]:
            return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.exists() else []

        return await asyncio.to_thread(names)

    async def list_versions(
        self, app_name: str, user_id: str, session_id: str, filename: str
    ) -> list[int]:
        folder = self._dir(app_name, user_id, session_id, filename)

        def versions() -> list[int]:
            if not folder.exists():
                return []
            return sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit())

        return await asyncio.to_thread(versions)
