"""Light, dark and system themes (Fusion style with a palette; no stylesheet fights)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

_DARK = {
    QPalette.ColorRole.Window: "#1f2124",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#17191c",
    QPalette.ColorRole.AlternateBase: "#23262a",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#2a2d31",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.Highlight: "#3b82f6",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#60a5fa",
    QPalette.ColorRole.ToolTipBase: "#2a2d31",
    QPalette.ColorRole.ToolTipText: "#e6e6e6",
    QPalette.ColorRole.PlaceholderText: "#8a8f98",
}
_LIGHT = {
    QPalette.ColorRole.Window: "#f5f6f7",
    QPalette.ColorRole.WindowText: "#1f2328",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f3f4f6",
    QPalette.ColorRole.Text: "#1f2328",
    QPalette.ColorRole.Button: "#eceef1",
    QPalette.ColorRole.ButtonText: "#1f2328",
    QPalette.ColorRole.Highlight: "#2563eb",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#2563eb",
    QPalette.ColorRole.PlaceholderText: "#6b7280",
}


def system_prefers_dark() -> bool:
    """True when the desktop asks for a dark colour scheme."""
    from PySide6.QtCore import Qt  # not at import: the Qt namespace costs 20 ms to load

    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def palette_looks_dark(app: QApplication) -> bool:
    """A quick guess for the first frame: the platform's own palette is dark."""
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def apply_theme(app: QApplication, theme: str, *, quick: bool = False) -> bool:
    """Applies ``system``, ``light`` or ``dark``; ``quick`` guesses the system's choice from
    its palette (the first frame) instead of asking for its colour scheme. True when dark."""
    if app.style().name().lower() != "fusion":  # setting it again costs 7 ms at start-up
        app.setStyle("Fusion")
    is_dark = theme == "dark" or (
        theme == "system" and (palette_looks_dark(app) if quick else system_prefers_dark())
    )
    palette = QPalette()
    for role, colour in (_DARK if is_dark else _LIGHT).items():
        palette.setColor(role, QColor(colour))
    # setColor(role, ...) paints every group alike, so disabled controls would look enabled.
    muted = QColor("#6b7280" if is_dark else "#9ca3af")
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, muted)
    app.setPalette(palette)
    return is_dark
