"""Checks the data folder before anything opens it: one plain sentence per problem.

Light on purpose (stdlib only): the launcher runs it before the first paint, so a folder that is
a file, is not writable or sits on a full disk is explained instead of ending in a traceback
from the instance lock or the log file.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

PROBE_NAME = ".threadline-write-check"
# A write this size fails on a full disk even when a few bytes of a block are still free.
PROBE_BYTES = 64 * 1024
FOLDER_HINT = "or set THREADLINE_DATA_DIR to another folder"


def data_folder_problem(folder: Path) -> str | None:
    """None when Threadline can keep its data in ``folder``; else what is wrong and what to do."""
    if folder.exists() and not folder.is_dir():
        return (
            f"Threadline keeps its data in {folder}, but that is a file, not a folder. "
            f"Move the file away, {FOLDER_HINT}."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / PROBE_NAME
        with open(probe, "wb") as handle:
            handle.write(b"\0" * PROBE_BYTES)
            handle.flush()
            os.fsync(handle.fileno())
        probe.unlink()
    except OSError as exc:
        _remove_quietly(folder / PROBE_NAME)
        return _explain(folder, exc)
    return None


def _explain(folder: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return (
            f"The disk holding Threadline's data folder {folder} is full. "
            f"Free some space, {FOLDER_HINT}."
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (
            f"Threadline may not write in its data folder {folder} (permission denied). "
            f"Give your user write access to it, {FOLDER_HINT}."
        )
    if exc.errno == errno.EROFS:
        return (
            f"Threadline's data folder {folder} is on a read-only disk. "
            f"Make it writable, {FOLDER_HINT}."
        )
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return (
            f"Threadline cannot make its data folder {folder}: part of that path is a file. "
            f"Move the file away, {FOLDER_HINT}."
        )
    reason = exc.strerror or type(exc).__name__
    hint = FOLDER_HINT.capitalize()
    return f"Threadline cannot write in its data folder {folder} ({reason}). {hint}."


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
