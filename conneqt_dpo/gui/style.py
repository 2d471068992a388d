"""How the window shows a deadline status: a word, a shape and a colour, so
that the status never rests on colour alone, and colours chosen for the
palette in use so that they read in light and dark themes alike.

The statuses are the deadline engine's identifiers (spec/deadlines.md,
"Status"; CaseRow.status)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap

from conneqt_dpo._bundled import resources_dir

STATUS_LABELS: dict[str, str] = {
    "overdue": "Overdue",
    "due-today": "Due today",
    "due-soon": "Due soon",
    "on-track": "On track",
    "met": "Met",
    "met-late": "Met late",
    "withdrawn": "Withdrawn",
    "waiting": "Waiting",
    "paused": "Paused",
}

# (foreground, background) for the cell of a status that needs attention.
# Each pair has a WCAG contrast ratio of at least 7 (tests check 4.5), and
# the light pairs sit on a white table, the dark pairs on a near-black one.
_LIGHT = {
    "overdue": ("#8b1a1a", "#fbe0de"),
    "due-today": ("#8b1a1a", "#fbe0de"),
    "due-soon": ("#6b4400", "#fff1c7"),
}
_DARK = {
    "overdue": ("#ffd9d4", "#6e1f1f"),
    "due-today": ("#ffd9d4", "#6e1f1f"),
    "due-soon": ("#ffe8a8", "#5a4300"),
}
# The mark beside the date: strong enough to see on the row's own
# background (selected rows included), in both themes.
_MARK = {
    "overdue": ("#c62828", "#ff6b6b"),
    "due-today": ("#c62828", "#ff6b6b"),
    "due-soon": ("#a15c00", "#ffb74d"),
    "met": ("#2e7d32", "#81c784"),
    "met-late": ("#8d6e00", "#e6c65c"),
}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def dark_palette() -> QPalette:
    """A dark theme as a desktop would set it (Base near black): for checking
    that colours read on both, and for screenshots."""
    p = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#2b2b2b"), (QPalette.ColorRole.WindowText, "#e6e6e6"),
        (QPalette.ColorRole.Base, "#1e1e1e"), (QPalette.ColorRole.AlternateBase, "#262626"),
        (QPalette.ColorRole.Text, "#e6e6e6"), (QPalette.ColorRole.Button, "#333333"),
        (QPalette.ColorRole.ButtonText, "#e6e6e6"), (QPalette.ColorRole.Highlight, "#2f65ca"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"), (QPalette.ColorRole.Mid, "#555555"),
        (QPalette.ColorRole.PlaceholderText, "#9a9a9a"),
        (QPalette.ColorRole.ToolTipBase, "#333333"), (QPalette.ColorRole.ToolTipText, "#e6e6e6"),
    ):  # fmt: skip
        p.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):  # fmt: skip
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return p


def is_dark(palette: QPalette) -> bool:
    """A dark theme: the table's background is darker than mid-grey."""
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def status_colours(status: str, palette: QPalette) -> tuple[QColor, QColor] | None:
    """(text, background) for a cell showing `status`, or None to leave the
    cell as the theme draws it (the status is not urgent)."""
    pair = (_DARK if is_dark(palette) else _LIGHT).get(status)
    return None if pair is None else (QColor(pair[0]), QColor(pair[1]))


def urgent_badge_colours(palette: QPalette) -> tuple[QColor, QColor]:
    """(text, background) for a count that needs attention (overdue)."""
    colours = status_colours("overdue", palette)
    assert colours is not None
    return colours


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio between two colours (1 to 21)."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
        )

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def status_icon(status: str, palette: QPalette) -> QIcon:
    """A small mark whose *shape* tells the status (a disc with "!" for
    late, a triangle for soon, a tick for met, bars for a stopped clock);
    an empty one of the same size for "on track"."""
    dark = is_dark(palette)
    mark = _MARK.get(status)
    if mark is not None:
        colour = mark[1] if dark else mark[0]
    elif status in ("waiting", "paused", "withdrawn"):
        group, role = QPalette.ColorGroup.Active, QPalette.ColorRole.PlaceholderText
        colour = palette.color(group, role).name()
    else:
        colour = "transparent"  # on track: no mark, but the dates stay in line
    return _icon(status, colour)


@cache
def _icon(status: str, colour: str) -> QIcon:
    size, scale = 16, 2
    pix = QPixmap(size * scale, size * scale)
    pix.setDevicePixelRatio(scale)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    c = QColor(colour)
    if status in ("overdue", "due-today"):
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(c)
        p.drawEllipse(QRectF(1.5, 1.5, 13, 13))
        p.setBrush(QColor("white"))
        p.drawRoundedRect(QRectF(7, 4, 2, 5.5), 1, 1)
        p.drawEllipse(QRectF(7, 10.5, 2, 2))
    elif status == "due-soon":
        path = QPainterPath(QPointF(8, 1.5))
        path.lineTo(15, 14)
        path.lineTo(1, 14)
        path.closeSubpath()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(c)
        p.drawPath(path)
        p.setBrush(QColor("black"))
        p.drawRoundedRect(QRectF(7.1, 5.5, 1.8, 4.5), 0.9, 0.9)
        p.drawEllipse(QRectF(7.1, 11, 1.8, 1.8))
    elif status in ("met", "met-late"):
        pen = QPen(c, 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                   Qt.PenJoinStyle.RoundJoin)  # fmt: skip
        p.setPen(pen)
        p.drawPolyline([QPointF(3, 8.5), QPointF(6.5, 12), QPointF(13, 4)])
    elif colour == "transparent":
        pass
    elif status == "withdrawn":
        p.setPen(QPen(c, 2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.drawLine(QPointF(4, 8), QPointF(12, 8))
    else:  # waiting, paused: the clock is not running
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(c)
        p.drawRoundedRect(QRectF(4, 3, 2.6, 10), 1, 1)
        p.drawRoundedRect(QRectF(9.4, 3, 2.6, 10), 1, 1)
    p.end()
    return QIcon(pix)


def app_icon_path() -> Path:
    return resources_dir() / "icons" / "conneqt-dpo.svg"


def app_icon() -> QIcon:
    return QIcon(str(app_icon_path()))


# Hints beside a form field that does not check (red, readable on the
# window's own background in both themes: contrast of 4.5 or more).
_HINT = ("#a4161a", "#ff9a94")


def hint_colour(palette: QPalette) -> QColor:
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    return QColor(_HINT[1] if dark else _HINT[0])
