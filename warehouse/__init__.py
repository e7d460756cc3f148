"""The SQL warehouse: schema (``models.py``), migrations, connections (``db.py``) and loads (``load.py``)."""
