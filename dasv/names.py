"""How names in exports are compared: one rule for column headers, areas and category values."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s_\-.:–—'’]+")
_TRAILING_YN = re.compile(r"\(\s*y\s*/\s*n\s*\)\s*$", re.IGNORECASE)


def normalise_name(text: object) -> str:
    """Fold a header or value for matching.

    Case-insensitive; ignores surrounding and repeated spaces, ``_``, ``-``, ``.``, ``:``,
    dashes, apostrophes and a trailing ``(Y/N)`` (INPUTS.md, Common rules).

    >>> normalise_name("  Criteria_Met (Y/N) ")
    'criteria met'
    >>> normalise_name("P'boro")
    'pboro'
    """
    folded = _TRAILING_YN.sub("", str(text).strip())
    return _SEPARATORS.sub(" ", folded).strip().casefold()
