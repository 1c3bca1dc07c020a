"""Application settings (a JSON file, never secrets) and API keys (the OS keyring only)."""

from threadline.settings.config import AppSettings, data_dir, load_settings, save_settings
from threadline.settings.secrets import SecretStore

__all__ = ["AppSettings", "SecretStore", "data_dir", "load_settings", "save_settings"]
