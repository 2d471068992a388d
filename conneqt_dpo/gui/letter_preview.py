"""A letter's PDF shown as its pages: what the draft dialog previews and what
the Letters tab views (there, the stored bytes, never a re-render).

``render_pages`` turns PDF bytes into one QImage per page with PDFium; it
may run on a worker thread (QImage, unlike QPixmap, is safe there), so the
slow part of a preview stays off the GUI thread. ``LetterPreview`` shows the
pages one under the other in a scroll area, each scaled to fit the width it
has, with the draft's warnings above them, a refusal in their place, and the
template that produced the letter under them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QImage, QPalette, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from conneqt_dpo.gui import style
from conneqt_dpo.gui.dialogs import WARNING_STYLE, plain_label

# Pages are rendered once, sharp enough to be scaled down to any width the
# preview has (and up to a HiDPI screen's), then scaled for display.
PREVIEW_DPI = 144.0
# A page at 100 %: a PDF point is 1/72 inch, a logical pixel 1/96.
_POINTS_TO_PIXELS = 96.0 / 72.0
_MARGIN = 12  # around and between the pages, in logical pixels
_SMALLEST = 240  # narrower than this, a page is scrolled sideways instead

# PDFium is not thread-safe: a preview and a view rendering at the same time
# on the pool's threads must take turns.
_PDFIUM = threading.Lock()


def render_pages(pdf: bytes, *, dpi: float = PREVIEW_DPI) -> tuple[QImage, ...]:
    """Every page of a PDF as an image at `dpi`, in order. Raises
    pypdfium2's PdfiumError when the bytes are not a readable PDF."""
    import pypdfium2  # ~70 ms: only when a letter is first shown

    scale = dpi / 72.0
    images: list[QImage] = []
    with _PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        try:
            for index in range(len(document)):
                page = document[index]
                try:
                    # RGB, in the byte order QImage's RGB888 reads.
                    bitmap = page.render(scale=scale, rev_byteorder=True)
                    try:
                        image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height,
                                       bitmap.stride, QImage.Format.Format_RGB888)  # fmt: skip
                        # The image above borrows the bytes; the copy owns them.
                        images.append(image.copy())
                    finally:
                        bitmap.close()
                finally:
                    page.close()
        finally:
            document.close()
    return tuple(images)


class _Pages(QScrollArea):
    """The pages, one under another, refitted to the width when it changes."""

    def __init__(self) -> None:
        super().__init__()
        self.images: tuple[QImage, ...] = ()
        self.dpi = PREVIEW_DPI
        self.labels: list[QLabel] = []
        self.inner = QWidget()
        self.inner.setBackgroundRole(QPalette.ColorRole.Dark)
        self.inner.setAutoFillBackground(True)
        self.column = QVBoxLayout(self.inner)
        self.column.setContentsMargins(_MARGIN, _MARGIN, _MARGIN, _MARGIN)
        self.column.setSpacing(_MARGIN)
        self.column.addStretch(1)
        self.setWidget(self.inner)
        self.setWidgetResizable(True)
        self.setBackgroundRole(QPalette.ColorRole.Dark)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # Always shown: a scroll bar that came and went as the pages refit
        # would change the width they fit, and could do so back and forth.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setAccessibleName("Letter pages")
        self._fitted_to = -1
        vp = self.viewport()
        assert vp is not None
        vp.installEventFilter(self)

    def show_images(self, images: Sequence[QImage], dpi: float) -> None:
        self.images, self.dpi = tuple(images), dpi
        for label in self.labels:
            self.column.removeWidget(label)
            label.deleteLater()
        self.labels = []
        n = len(self.images)
        for i in range(n):
            label = QLabel()
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            label.setAccessibleName(f"Page {i + 1} of {n}")
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            self.column.insertWidget(i, label)
            self.labels.append(label)
        self._fitted_to = -1
        self._fit()
        bar = self.verticalScrollBar()
        if bar is not None:
            bar.setValue(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._fit()
        return super().eventFilter(watched, event)

    def page_width(self) -> int:
        """The width a page is shown at: its size at 100 %, or narrower to
        fit the room there is."""
        vp = self.viewport()
        room = (vp.width() if vp is not None else 0) - 2 * _MARGIN
        natural = max((round(img.width() * 72.0 / self.dpi * _POINTS_TO_PIXELS)
                        for img in self.images), default=0)  # fmt: skip
        return max(_SMALLEST, min(natural, room))

    def _fit(self) -> None:
        if not self.images:
            return
        width = self.page_width()
        if width == self._fitted_to:
            return
        self._fitted_to = width
        ratio = self.devicePixelRatioF()
        for image, label in zip(self.images, self.labels, strict=True):
            scaled = image.scaledToWidth(round(width * ratio),
                                         Qt.TransformationMode.SmoothTransformation)  # fmt: skip
            pixmap = QPixmap.fromImage(scaled)
            pixmap.setDevicePixelRatio(ratio)
            label.setPixmap(pixmap)
            label.setFixedHeight(round(scaled.height() / ratio))


class LetterPreview(QWidget):
    """What the letter looks like: a placeholder until there is one, the
    warnings of its draft above its pages, or, in their place, why it could
    not be made; the template (and its version) under it."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.placeholder = placeholder
        self.warnings = plain_label()
        self.warnings.setStyleSheet(WARNING_STYLE)
        self.warnings.setAccessibleName("Warnings")
        self.error = plain_label()
        self.error.setAccessibleName("Why the letter could not be shown")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = plain_label()  # the placeholder, "Rendering…", "out of date"
        self.pages = _Pages()
        self.template = plain_label()
        self.template.setAccessibleName("Template")
        self.template.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.warnings)
        column.addWidget(self.error)
        column.addWidget(self.note)
        column.addWidget(self.pages, 1)
        column.addWidget(self.template)
        self.clear()

    # -- what it shows ------------------------------------------------------

    def clear(self, note: str | None = None) -> None:
        """No letter: the placeholder (or `note`)."""
        self.pages.show_images((), PREVIEW_DPI)
        self.warnings.setVisible(False)
        self.error.setVisible(False)
        self.template.setVisible(False)
        self._set_note(self.placeholder if note is None else note)

    def show_pages(
        self,
        images: Sequence[QImage],
        *,
        warnings: Sequence[str] = (),
        template: str = "",
        note: str = "",
        dpi: float = PREVIEW_DPI,
    ) -> None:
        self.error.setVisible(False)
        self.warnings.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warnings.setVisible(bool(warnings))
        n = len(images)
        about = [f"{n} page{'' if n == 1 else 's'}"]
        if template:
            about.append(f"template: {template}")
        self.template.setText(" · ".join(about))
        self.template.setVisible(True)
        self._set_note(note)
        self.pages.show_images(images, dpi)

    def show_error(self, message: str) -> None:
        """The letter could not be made or shown: say why, in place of the
        pages (an old preview would pass for the letter)."""
        self.pages.show_images((), PREVIEW_DPI)
        self.warnings.setVisible(False)
        self.template.setVisible(False)
        self._set_note("")
        palette = self.error.palette()
        palette.setColor(QPalette.ColorRole.WindowText, style.hint_colour(self.palette()))
        self.error.setPalette(palette)
        self.error.setText(message)
        self.error.setVisible(True)

    def set_note(self, note: str) -> None:
        """A line above the pages (rendering, or out of date), the pages kept."""
        self._set_note(note)

    def _set_note(self, note: str) -> None:
        self.note.setText(note)
        self.note.setVisible(bool(note))

    # -- what tests and callers read ----------------------------------------

    def page_count(self) -> int:
        return len(self.pages.images)

    def page_labels(self) -> list[QLabel]:
        return list(self.pages.labels)

    def error_text(self) -> str:
        return self.error.text() if not self.error.isHidden() else ""

    def warning_text(self) -> str:
        return self.warnings.text() if not self.warnings.isHidden() else ""
