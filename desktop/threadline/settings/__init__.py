"""Application settings (a JSON file, never secrets) and API keys (the OS keyring only)."""

from threadline.paths import data_dir
from threadline.settings.config import AppSettings, load_settings, save_settings
from threadline.settings.secrets import SecretStore

__all__ = ["AppSettings", "SecretStore", "data_dir", "load_settings", "save_settings"]
