"""Errors shared across packages; each carries a stable ``code`` and a message for a person."""

from __future__ import annotations


class StorageError(Exception):
    """The session store cannot read or write (read-only, locked, corrupt, newer schema)."""

    code = "storage"

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class CorruptDatabaseError(StorageError):
    """The file is not a usable database; it was moved aside to ``moved_to`` and kept."""

    code = "storage_corrupt"

    def __init__(self, message: str, *, path: str, moved_to: str | None) -> None:
        super().__init__(message, path=path)
        self.moved_to = moved_to


class DatabaseInUseError(StorageError):
    """Another Threadline process already has this data file open."""

    code = "storage_in_use"
