"""Renders resources/threadline.svg into the icons each OS wants (run by build.py at build time).

``python packaging/icons.py OUT_DIR`` writes ``OUT_DIR/png/<size>.png`` (the hicolor set for
Linux), ``OUT_DIR/threadline.ico`` (Windows) and ``OUT_DIR/threadline.icns`` (macOS). The
pictures come from Qt's ``QSvgRenderer`` (the interpreter must have PySide6); the ``.ico`` and
``.icns`` containers are written here, both holding PNG images, which Windows Vista+ and
macOS 10.7+ read.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

SVG = Path(__file__).resolve().parents[1] / "resources" / "threadline.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size (the @2x types reuse the larger pictures).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


def render(sizes: set[int]) -> dict[int, bytes]:
    """PNG bytes of the SVG at each size (transparent background, antialiased)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(["icons", "-platform", "offscreen"])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SVG}")
    pictures: dict[int, bytes] = {}
    for size in sorted(sizes):
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(0)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")  # type: ignore[call-overload]  # stubs want bytes, Qt a str
        buffer.close()
        pictures[size] = bytes(data.data())
    return pictures


def ico(pictures: dict[int, bytes]) -> bytes:
    """An ICO file with one PNG entry per size (a width/height byte of 0 means 256)."""
    header = struct.pack("<HHH", 0, 1, len(ICO_SIZES))
    offset = len(header) + 16 * len(ICO_SIZES)
    entries, blobs = b"", b""
    for size in ICO_SIZES:
        blob = pictures[size]
        side = size % 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(blob), offset)
        blobs += blob
        offset += len(blob)
    return header + entries + blobs


def icns(pictures: dict[int, bytes]) -> bytes:
    """An ICNS file: big-endian (type, length) elements, each holding a PNG."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pictures[size])) + pictures[size]
        for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "build/icons")
    needed = set(PNG_SIZES) | set(ICO_SIZES) | {size for _, size in ICNS_TYPES}
    pictures = render(needed)
    (out / "png").mkdir(parents=True, exist_ok=True)
    for size in PNG_SIZES:
        (out / "png" / f"{size}.png").write_bytes(pictures[size])
    (out / "threadline.ico").write_bytes(ico(pictures))
    (out / "threadline.icns").write_bytes(icns(pictures))
    print(f"icons written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
