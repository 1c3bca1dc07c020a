"""Light, dark and system themes: designed palettes (docs/design.md, "Palette") on Fusion, and
a style that draws a 2 px focus ring and readable tick boxes in both (``theme_style``).

No application stylesheet: it would make every widget go through Qt's stylesheet style, which
is slower to paint and fights the palette.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

R = QPalette.ColorRole
# Every role Fusion reads, so nothing falls back to its defaults. Light: a white page for
# reading, a cool grey frame (sidebar, toolbars, dialogs) a step below it.
LIGHT: dict[QPalette.ColorRole, str] = {
    R.Window: "#f4f5f7",
    R.WindowText: "#1f2328",
    R.Base: "#ffffff",
    R.AlternateBase: "#f6f7f9",
    R.Text: "#1f2328",
    R.Button: "#fbfbfc",
    R.ButtonText: "#1f2328",
    R.Light: "#ffffff",
    R.Midlight: "#eceef1",
    R.Mid: "#c9ced6",
    R.Dark: "#9aa1ab",
    R.Shadow: "#5b626c",
    R.Highlight: "#2563eb",
    R.HighlightedText: "#ffffff",
    R.Accent: "#2563eb",
    R.Link: "#1d4ed8",
    R.LinkVisited: "#6d28d9",
    R.BrightText: "#dc2626",
    R.ToolTipBase: "#1f2328",
    R.ToolTipText: "#f9fafb",
    R.PlaceholderText: "#6b7280",
}
# Dark: not black (halation makes white text on black shimmer); the page a step above the
# frame, so the reading column comes forward as it does in the light theme.
DARK: dict[QPalette.ColorRole, str] = {
    R.Window: "#17181b",
    R.WindowText: "#e6e7ea",
    R.Base: "#1e1f22",
    R.AlternateBase: "#25272b",
    R.Text: "#e6e7ea",
    R.Button: "#2a2c31",
    R.ButtonText: "#e6e7ea",
    R.Light: "#3a3d43",
    R.Midlight: "#31343a",
    R.Mid: "#4a4f57",
    R.Dark: "#0f1012",
    R.Shadow: "#000000",
    R.Highlight: "#3b82f6",
    R.HighlightedText: "#ffffff",
    R.Accent: "#3b82f6",
    R.Link: "#7ab7ff",
    R.LinkVisited: "#b69cff",
    R.BrightText: "#f87171",
    R.ToolTipBase: "#2a2c31",
    R.ToolTipText: "#e6e7ea",
    R.PlaceholderText: "#8b919a",
}
# The sidebar's list sits on the frame colour, and its selection is a quiet tint with the
# text kept (a full-blue row shouts in a list you scan); the chat panel is all page, the
# composer included.
SIDEBAR = {
    False: {R.Base: LIGHT[R.Window], R.Highlight: "#dfe5ef", R.HighlightedText: LIGHT[R.Text]},
    True: {R.Base: DARK[R.Window], R.Highlight: "#2c323c", R.HighlightedText: DARK[R.Text]},
}
CHAT = {False: {R.Window: LIGHT[R.Base]}, True: {R.Window: DARK[R.Base]}}
# The message box a step lifted off the dark page (white on white in the light theme, where
# its outline carries it).
COMPOSER = {
    False: {R.Window: LIGHT[R.Base]},
    True: {R.Window: DARK[R.Base], R.Base: "#26282c"},
}
SIDEBAR_CLASS = "SessionTreeView"  # ui/sidebar/view.py
CHAT_CLASS = "ChatPanel"  # ui/chat/panel.py
COMPOSER_CLASS = "Composer"  # ui/chat/composer.py


def system_prefers_dark() -> bool:
    """True when the desktop asks for a dark colour scheme."""
    from PySide6.QtCore import Qt  # not at import: the Qt namespace costs 20 ms to load

    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def palette_looks_dark(app: QApplication) -> bool:
    """A quick guess for the first frame: the platform's own palette is dark."""
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def make_palette(is_dark: bool, extra: dict[QPalette.ColorRole, str] | None = None) -> QPalette:
    """The light or dark palette (with ``extra`` roles changed), disabled text muted."""
    palette = QPalette()
    for role, colour in {**(DARK if is_dark else LIGHT), **(extra or {})}.items():
        palette.setColor(role, QColor(colour))
    # setColor(role, ...) paints every group alike, so disabled controls would look enabled.
    muted = QColor("#6b7280" if is_dark else "#9ca3af")
    for role in (R.Text, R.ButtonText, R.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, muted)
    return palette


def apply_theme(app: QApplication, theme: str, *, quick: bool = False) -> bool:
    """Applies ``system``, ``light`` or ``dark``; ``quick`` guesses the system's choice from
    its palette (the first frame) instead of asking for its colour scheme. True when dark."""
    if not quick:  # the first frame is the skeleton: Fusion's own drawing will do for it
        from threadline.ui.shell.theme_style import install_style

        install_style(app)
    is_dark = theme == "dark" or (
        theme == "system" and (palette_looks_dark(app) if quick else system_prefers_dark())
    )
    app.setPalette(make_palette(is_dark))
    # After the application's palette: setting that one drops the per-class palettes.
    for extra, name in (
        (SIDEBAR, SIDEBAR_CLASS),
        (CHAT, CHAT_CLASS),
        (COMPOSER, COMPOSER_CLASS),
    ):  # PySide's stub asks for bytes; the binding takes (only) a str
        app.setPalette(make_palette(is_dark, extra[is_dark]), name)  # type: ignore[arg-type]
    return is_dark
