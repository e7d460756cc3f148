"""Loaders: read the three exports (IDVA referrals, MARAC cases, police counts) into validated rows.

Where things are: the column contract and its aliases in ``columns.yaml`` (read by ``spec.py``); a
deployment's own value lists (``specialisms``, ``value_aliases``) merged in ``values.py``; cell
parsing in ``cells.py``; header finding in ``header.py``; each source's row rules in ``idva.py``,
``marac.py`` and ``police.py``; the pipeline in ``export.py`` (``read_export``, ``Export``) and
``data_rows.py``; a problem's one line in ``problems.py``.

The package itself exports nothing: each name is imported from its own module
(``from dasv.loaders.export import read_export``), so that the layers' check sees every import
for what it is. The contract (``spec.py``, ``values.py``) sits below the deployment configuration,
which reads it; the pipeline above it, which reads the configuration.
"""
