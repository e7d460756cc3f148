"""Errors the command line turns into one line and an exit status (kept light to import)."""


class RenderError(RuntimeError):
    """A report output could not be written (folder missing or unwritable, disk full)."""
