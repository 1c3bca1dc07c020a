"""Where Threadline keeps its files (light: imported before the first paint)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "Threadline"
# In a PyInstaller bundle the resources sit beside the unpacked code (sys._MEIPASS).
RESOURCES = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[2])) / "resources"


def data_dir() -> Path:
    """``THREADLINE_DATA_DIR`` when set, else the platform's user data folder."""
    override = os.environ.get("THREADLINE_DATA_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=False))


def log_dir() -> Path:
    """Where log files go (beside the data when the data folder is overridden)."""
    if os.environ.get("THREADLINE_DATA_DIR"):
        return data_dir() / "logs"
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
