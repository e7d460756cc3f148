"""Loaders: read the three exports (IDVA referrals, MARAC cases, police counts) into validated rows.

Where things are: the column contract and its aliases in ``columns.yaml``; a deployment's
own value lists (``specialisms``, ``value_aliases``) merged in ``values.py``; cell parsing in
``cells.py``; header finding in ``header.py``; each source's row rules in ``idva.py``,
``marac.py`` and ``police.py``; the pipeline in ``export.py``.

The names below are imported when first used: the contract (``spec.py``, ``values.py``) sits
below the deployment configuration, which reads it, and importing it must not import the
pipeline, which reads the configuration.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dasv.loaders.export import Export, read_export
    from dasv.loaders.problems import Problem
    from dasv.loaders.spec import SOURCES

_HOMES = {"Export": "dasv.loaders.export", "read_export": "dasv.loaders.export", "Problem": "dasv.loaders.problems",
          "SOURCES": "dasv.loaders.spec"}  # fmt: skip

__all__ = ["Export", "Problem", "SOURCES", "read_export"]


def __getattr__(name: str):
    """``from loaders import read_export``: the name from its module, imported now."""
    if name not in _HOMES:
        raise AttributeError(f"module 'dasv.loaders' has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
