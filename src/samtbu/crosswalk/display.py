"""A human-readable page image of a credential: what an EDC wallet shows (``displayParameter``).

The European Digital Credential profile requires a display image for each page. This renders the
facts the credential states (title, holder, issuer, date, document number, the competence and each
grade) as text on A4-proportioned PNG pages with Pillow, so a wallet never shows a blank page. It is
a faithful rendering of the data, not the issuer's designed document: the footer says so.

The font is DejaVu Sans (Debian's fonts-dejavu-core, which .ci/run installs; ``SAMTBU_FONT`` names
another TrueType file). Pillow's own font has no æ, ø or å, so without DejaVu the page is still
rendered but :func:`font_warning` says that those letters are missing.
"""

from __future__ import annotations

import functools
import io
import os
from dataclasses import dataclass
from pathlib import Path

FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  # Debian, Ubuntu
    "/usr/share/fonts/TTF/DejaVuSans.ttf",  # Arch
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",  # Fedora
    "/usr/local/share/fonts/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
)

WIDTH, HEIGHT = 827, 1169  # A4 at 100 dpi
MARGIN = 60
FOOTER = "Gjengivelse av opplysningene i beviset (samtbu); dokumentet i utstederens utforming kan se annerledes ut."


@dataclass(frozen=True)
class Line:
    text: str
    style: str = "body"  # "title", "heading", "body", "row"
    sort_key: str = ""  # rows are shown in this order (a date), then by text


_SIZES = {"title": 30, "heading": 20, "body": 16, "row": 15, "footer": 11}
_GAPS = {"title": 18, "heading": 10, "body": 6, "row": 4, "footer": 0}


@functools.lru_cache(maxsize=1)
def font_path() -> Path | None:
    """The TrueType font used for the pages, or None (Pillow's own font then)."""
    candidates = [os.environ.get("SAMTBU_FONT") or "", *FONT_PATHS]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def font_warning() -> str | None:
    if font_path() is None:
        return ("no DejaVu Sans font was found (install fonts-dejavu-core or set SAMTBU_FONT): the display image is "
                "drawn in Pillow's own font, which has no æ, ø or å")
    return None


@functools.lru_cache(maxsize=16)
def _font(size: int):
    from PIL import ImageFont

    path = font_path()
    return ImageFont.truetype(str(path), size) if path is not None else ImageFont.load_default(size=size)


def _wrap(draw, text: str, font, width: int) -> list[str]:
    words, lines, current = text.split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines or [""]


def render_pages(lines: list[Line]) -> list[bytes]:
    """The lines laid out on as many pages as they need; one PNG (8-bit grey) per page."""
    from PIL import Image, ImageDraw

    pages: list[bytes] = []
    image = draw = None
    y = 0
    footer_font = _font(_SIZES["footer"])

    def new_page():
        nonlocal image, draw, y
        image = Image.new("L", (WIDTH, HEIGHT), 255)
        draw = ImageDraw.Draw(image)
        y = MARGIN

    def finish_page():
        draw.line((MARGIN, HEIGHT - MARGIN - 24, WIDTH - MARGIN, HEIGHT - MARGIN - 24), fill=160, width=1)
        for i, text in enumerate(_wrap(draw, FOOTER, footer_font, WIDTH - 2 * MARGIN)):
            draw.text((MARGIN, HEIGHT - MARGIN - 18 + 13 * i), text, font=footer_font, fill=90)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        pages.append(buffer.getvalue())

    new_page()
    for line in lines:
        font = _font(_SIZES[line.style])
        for text in _wrap(draw, line.text, font, WIDTH - 2 * MARGIN):
            height = _SIZES[line.style] + _GAPS[line.style]
            if y + height > HEIGHT - MARGIN - 40:
                finish_page()
                new_page()
            draw.text((MARGIN, y), text, font=font, fill=0)
            y += height
        if line.style in ("title", "heading"):
            y += 6
    finish_page()
    return pages


__all__ = ["Line", "render_pages", "font_path", "font_warning"]
