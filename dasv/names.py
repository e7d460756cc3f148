"""How names in exports are compared: one rule for column headers, areas and category values."""

from __future__ import annotations

import difflib
import re

_SEPARATORS = re.compile(r"[\s_\-.:–—'’]+")
_TRAILING_YN = re.compile(r"\(\s*y\s*/\s*n\s*\)\s*$", re.IGNORECASE)


def normalise_name(text: object) -> str:
    """Fold a header or value for matching.

    Case-insensitive; ignores surrounding and repeated spaces, ``_``, ``-``, ``.``, ``:``,
    dashes, apostrophes and a trailing ``(Y/N)`` (docs/adopting.md, Common rules).

    >>> normalise_name("  Criteria_Met (Y/N) ")
    'criteria met'
    >>> normalise_name("P'boro")
    'pboro'
    """
    folded = _TRAILING_YN.sub("", str(text).strip())
    return _SEPARATORS.sub(" ", folded).strip().casefold()


def nearest(word: str, known: list[str]) -> str | None:
    """The known word closest to ``word`` (by spelling), if any is close."""
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    if close:
        return close[0]
    folded = {normalise_name(k): k for k in known}
    close = difflib.get_close_matches(normalise_name(word), list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None
