"""Artifacts: versioned files that belong to a session (in memory, or under the data folder)."""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
from pathlib import Path

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _pick(versions: list[int], version: int | None) -> int | None:
    """The requested version (the latest when None) if it exists."""
    if not versions:
        return None
    chosen = versions[-1] if version is None else version
    return chosen if chosen in versions else None


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
    """Versions as files: ``root/app/user/session/<file>/<version>`` (written off the loop).

    Every level is named by a readable part of its name plus a hash of the exact name, so
    names that clean up alike (``dir/a.txt`` and ``dir_a.txt``, or names differing only in
    case on a case-insensitive disk) never share a folder; a file's exact name is kept in
    ``<file>/name``.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._write_lock = threading.Lock()  # version numbers are picked one save at a time

    def _session_dir(self, app_name: str, user_id: str, session_id: str) -> Path:
        return self.root / _key(app_name) / _key(user_id) / _key(session_id)

    def _dir(self, app_name: str, user_id: str, session_id: str, filename: str) -> Path:
        return self._session_dir(app_name, user_id, session_id) / _key(filename)

    async def save_artifact(
        self, app_name: str, user_id: str, session_id: str, filename: str, data: bytes
    ) -> int:
        if not filename:
            raise ValueError("an artifact needs a file name")
        folder = self._dir(app_name, user_id, session_id, filename)

        def write() -> int:
            with self._write_lock:
                folder.mkdir(parents=True, exist_ok=True)
                label = folder / NAME_FILE
                if not label.exists():
                    _write_atomic(label, filename.encode("utf-8"))
                version = len([p for p in folder.iterdir() if p.name.isdigit()])
                _write_atomic(folder / str(version), data)
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
        folder = self._session_dir(app_name, user_id, session_id)

        def names() -> list[str]:
            if not folder.exists():
                return []
            found = []
            for sub in folder.iterdir():
                label = sub / NAME_FILE
                if label.is_file():
                    found.append(label.read_bytes().decode("utf-8"))
            return sorted(found)

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


NAME_FILE = "name"


def _key(part: str) -> str:
    """A folder name for ``part``: readable, and unique to the exact text."""
    readable = _SAFE.sub("_", part).strip("._")[:40] or "_"
    digest = hashlib.sha256(part.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{readable}-{digest}"


def _write_atomic(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_bytes(data)
    temp.replace(path)
