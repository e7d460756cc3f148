"""Errors the command line turns into one line and an exit status (kept light to import)."""


class RenderError(RuntimeError):
    """A report output could not be written (folder missing or unwritable, disk full)."""


class NoDataError(ValueError):
    """A quarter has no facts loaded at all: it is not a report, so nothing is rendered."""


class UserError(RuntimeError):
    """Something the operator asked for cannot be done as asked: one line, exit status 1."""
