"""The console entry point: run the app, turning known errors into one line and an exit status."""

from __future__ import annotations

import os
import sys
import traceback

import typer

from dasv.cli.common import (
    UsageError,
    app,
    err,
)
from dasv.config import ConfigError
from dasv.delivery import DeliveryError
from dasv.errors import NoDataError, RenderError, UserError
from dasv.privacy import MissingKeyError
from dasv.warehouse.db import WarehouseError
from dasv.warehouse.pseudonyms import KeyMismatchError


def main() -> None:
    """Console entry point: run the app, turning known errors into one line and an exit status."""
    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except UsageError as exc:
        err(f"dasv: {exc}")
        sys.exit(2)
    except (
        ConfigError,
        WarehouseError,
        MissingKeyError,
        KeyMismatchError,
        RenderError,
        DeliveryError,
        NoDataError,
        UserError,
    ) as exc:
        for line in str(exc).splitlines():
            err(f"dasv: {line}")
        sys.exit(1)
    except Exception as exc:  # click usage errors and anything unforeseen
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()  # a usage error from the command-line parser
            sys.exit(exc.exit_code)
        if type(exc).__name__ == "Abort":
            err("dasv: aborted")
            sys.exit(1)
        if os.environ.get("DASV_DEBUG"):
            traceback.print_exc()
        err(f"dasv: unexpected error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        err("dasv: set DASV_DEBUG=1 to see where it happened")
        sys.exit(1)
