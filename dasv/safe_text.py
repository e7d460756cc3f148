"""Text that is safe to put in a spreadsheet cell or a file name."""

from __future__ import annotations

import re
import unicodedata

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """Neutralise formula injection: text starting ``= + - @`` (or tab/CR) gets a leading quote, unless it is a number."""
    if text and text.startswith(_FORMULA_START):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def slug(name: str) -> str:
    """A file-name-safe form of a canonical name: ``Not known – moved to refuge`` -> ``not-known-moved-to-refuge``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "area"
