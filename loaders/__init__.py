"""Loaders: read the three exports (IDVA referrals, MARAC cases, police counts) into validated rows.

Where things are: the column contract and its aliases in ``columns.yaml``; a deployment's
own value lists (``specialisms``, ``value_aliases``) merged in ``values.py``; cell parsing in
``cells.py``; header finding in ``header.py``; each source's row rules in ``idva.py``,
``marac.py`` and ``police.py``; the pipeline in ``export.py``.
"""

from loaders.export import Export, read_export
from loaders.problems import Problem
from loaders.spec import SOURCES

__all__ = ["Export", "Problem", "SOURCES", "read_export"]
