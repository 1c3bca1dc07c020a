"""The composer as one rounded box, as ChatGPT's, Claude's and LM Studio's are: the attachment
chips and the text on top, Attach at the bottom left, Stop and Send at the bottom right, all
inside an outline drawn from the palette (``Mid``; a 2 px ``Highlight`` ring while the text
has the keyboard, as every text field here shows it).

The text grows with what is written, from one line to ``MAX_LINES``, then scrolls.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QStyleOption,
    QVBoxLayout,
    QWidget,
)

from threadline.ui.chat.composer import AttachmentTray, Composer
from threadline.ui.common.glyphs import glyph_font
from threadline.ui.common.icons import MARKS, icon_font
from threadline.ui.common.widgets import named

RADIUS = 14  # px: the box's corners
BUTTON = 32  # px: the round buttons inside it
MAX_LINES = 6  # the text grows to this many lines, then scrolls
RING = 2


class BoxButton(QPushButton):
    """A round icon button inside the box (its text is its name; without the icon font it is
    an ordinary push button showing the text). ``filled``: the accent disc (Send)."""

    def __init__(self, text: str, glyph: str, *, filled: bool = False) -> None:
        super().__init__(text)
        self.glyph = glyph
        self.filled = filled
        self.ready = True  # Send: something to send (the disc is quiet when not)
        self.setAccessibleName(text)
        if icon_font():
            self.setFixedSize(BUTTON, BUTTON)
            self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_ready(self, ready: bool) -> None:
        """Send's disc in the accent (something to send) or quiet (an empty box)."""
        if ready != self.ready:
            self.ready = ready
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(BUTTON, BUTTON) if icon_font() else super().sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        if not icon_font():
            super().paintEvent(event)
            return
        palette = self.palette()
        enabled = self.isEnabled()
        under = enabled and (self.underMouse() or self.isDown())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        disc = QRectF(self.rect()).adjusted(RING, RING, -RING, -RING)
        text = palette.color(QPalette.ColorRole.Text)
        if self.filled or (self.glyph == "stop" and enabled):  # Send; Stop while it can stop
            fill = (
                palette.color(QPalette.ColorRole.Highlight)
                if self.filled and self.ready and enabled
                else text
                if not self.filled
                else palette.color(QPalette.ColorRole.Mid)
            )
            if under:
                fill = fill.lighter(115) if fill.lightness() < 128 else fill.darker(110)
            pen = (
                palette.color(QPalette.ColorRole.Base)
                if not self.filled
                else palette.color(QPalette.ColorRole.HighlightedText)
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawEllipse(disc)
        else:  # Attach, and Stop with nothing to stop: a quiet glyph, washed under the pointer
            if self.glyph == "stop":  # an outline, so the idle Stop reads as a button
                painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawEllipse(disc)
            if under:
                wash = QColor(text)
                wash.setAlphaF(0.10)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(wash)
                painter.drawEllipse(disc)
            pen = (
                text
                if under
                else palette.color(
                    QPalette.ColorGroup.Normal if enabled else QPalette.ColorGroup.Disabled,
                    QPalette.ColorRole.PlaceholderText if enabled else QPalette.ColorRole.Text,
                )
            )
        option = QStyleOption()
        option.initFrom(self)
        if self.hasFocus() and option.state & QStyle.StateFlag.State_KeyboardFocusChange:
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), RING))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        painter.setPen(pen)
        size = 14 if self.glyph == "stop" else 19
        painter.setFont(glyph_font(size))
        painter.drawText(disc, Qt.AlignmentFlag.AlignCenter, chr(MARKS[self.glyph]))


class ComposerBox(QWidget):
    """The rounded box: the tray, the composer and the Attach, Stop and Send buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composerBox")
        self.composer = named(Composer(), "composer")
        self.tray = AttachmentTray()
        self.attach_button = named(BoxButton("Attach…", "attach"), "attachButton")
        self.attach_button.setToolTip("Attach files or images (or drop them here, or paste)")
        self.attach_button.setAccessibleName("Attach files")
        self.composer.setPlaceholderText("Message… (Enter sends, Shift+Enter for a new line)")
        self.composer.setAccessibleName("Message composer")
        self.composer.setFrameShape(QFrame.Shape.NoFrame)  # the box is its frame
        self.send_button = named(BoxButton("Send", "send", filled=True), "sendButton")
        self.send_button.setDefault(True)
        self.send_button.setToolTip("Send (Enter)")
        self.stop_button = named(BoxButton("Stop", "stop"), "stopButton")
        self.stop_button.setToolTip("Stop the reply (Esc); what was written so far is kept")
        self.stop_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.setSpacing(4)
        buttons.addWidget(self.attach_button)
        buttons.addStretch(1)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 8, 6)
        layout.setSpacing(2)
        layout.addWidget(self.tray)
        layout.addWidget(self.composer)
        layout.addLayout(buttons)
        self.composer.installEventFilter(self)
        self.composer.document().documentLayout().documentSizeChanged.connect(self._fit_text)
        self.composer.textChanged.connect(self._on_text)
        self.tray.changed.connect(self._on_text)
        self._on_text()
        self._fit_text()

    def _on_text(self) -> None:
        has = bool(self.composer.document().characterCount() > 1 or self.tray.attachments)
        self.send_button.set_ready(has)

    def _fit_text(self, *args: object) -> None:
        """The text's height follows its lines, from one to ``MAX_LINES``."""
        composer = self.composer
        lines = max(1, min(MAX_LINES, round(composer.document().size().height())))
        margin = composer.document().documentMargin()
        height = int(lines * composer.fontMetrics().lineSpacing() + 2 * margin + 2)
        if composer.height() != height or composer.minimumHeight() != height:
            composer.setFixedHeight(height)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.composer:
            kind = event.type()
            if kind in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
                self.update()  # the ring
            elif kind == QEvent.Type.FontChange:  # zoom
                self._fit_text()
        return False

    def mousePressEvent(self, event: QMouseEvent) -> None:
        # A click in the box's padding is a click in the text, as in a browser's text area.
        self.composer.setFocus(Qt.FocusReason.MouseFocusReason)
        super().mousePressEvent(event)

    def has_ring(self) -> bool:
        """The box shows the focus ring (the text has the keyboard)."""
        return self.composer.hasFocus()

    def paintEvent(self, event: QPaintEvent) -> None:
        palette = self.composer.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        if self.has_ring():
            pen = QPen(palette.color(QPalette.ColorRole.Highlight), RING)
            inset = RING / 2
        else:
            pen = QPen(palette.color(QPalette.ColorRole.Mid), 1)
            inset = 0.5
        painter.setPen(pen)
        box = QRectF(self.rect()).adjusted(inset, inset, -inset, -inset)
        painter.drawRoundedRect(box, RADIUS, RADIUS)


def composer_notes() -> tuple[QLabel, QLabel]:
    """The notes over the composer, hidden until used: a notice (the keyring, a refused file)
    as a soft rounded box, and "Editing a message" with an accent edge; both in the reading
    column, not as bare text at the window's edge."""
    banner = named(QLabel(), "chatBanner")
    banner.setTextFormat(Qt.TextFormat.PlainText)
    banner.setStyleSheet(
        "QLabel#chatBanner { background: palette(alternate-base); border: 1px solid"
        " palette(mid); border-radius: 8px; padding: 6px 10px; }"
    )
    editing = named(
        QLabel("Editing a message: sending makes a new branch (Esc cancels)."), "editingNote"
    )
    editing.setStyleSheet(
        "QLabel#editingNote { border-left: 3px solid palette(highlight); padding: 2px 8px; }"
    )
    for note in (banner, editing):
        note.setWordWrap(True)
        note.hide()
    return banner, editing
