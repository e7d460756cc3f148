"""The ``dasv`` command line (README.md): one module per command group, each a thin call into plain functions.

Exit status: 0 success, 1 an input was refused or a check failed, 2 wrong usage.
Errors are one line each on stderr; never a traceback (set ``DASV_DEBUG=1`` to see one).
"""

from dasv.cli import config, ingest, measures, portal, publishing, reports  # noqa: F401 - registering the commands
from dasv.cli.common import app
from dasv.cli.main import main

__all__ = ["app", "main"]
