r"""The quarter parameter's check in the Prefect server, refusing in words rather than a regex.

A deployment's parameter schema is checked by the Prefect server with ``jsonschema``, whose
``pattern`` refusal prints the regular expression ("'2025-26 Q7' does not match '^\\s*$|…'").
The quarter parameter carries ``"format": "dasv-quarter"`` instead (``flows/params.py``), and
this module teaches the server that format, with the refusal in the same words as the command
line's: "'2025-26 Q7': a quarter is Q1–Q4, written '2025-26 Q3'".

Prefect imports every installed ``prefect.collections`` entry point when its server starts
(``prefect.plugins.load_prefect_collections``); ``pyproject.toml`` names this module there, so a
server started from this project's virtualenv (``make prefect-server``) knows the format. The
Run form checks parameters through the server (``/ui/schemas/validate``) and shows the line
under the field. A server without this module ignores an unknown format: the run is then
created and the flow refuses it in the same one line (``dasv.flows.params.resolve_quarter``).

Kept light: it is imported by every Prefect process that loads collections (standard library,
jsonschema and ``dasv.quarters`` only).
"""

from __future__ import annotations

import re

from dasv.quarters import Quarter, QuarterError

QUARTER_FORMAT = "dasv-quarter"
# the shape of a quarter with any number: to tell "Q7" (a quarter that does not exist) from nonsense
_SHAPE = re.compile(r"^\s*\d{4}\s*[-/]\s*\d{2}\s*[- ]?\s*Q\d+\s*$", re.IGNORECASE)


def quarter_problem(text: str) -> str | None:
    """None when ``text`` is empty (the latest completed quarter) or a quarter; else why not, in one line."""
    if text is None or not str(text).strip():
        return None
    try:
        Quarter.parse(text)
    except QuarterError as exc:
        if _SHAPE.match(text):
            if not re.search(r"Q[1-4]\s*$", text, re.IGNORECASE):
                return f"'{text.strip()}': a quarter is Q1–Q4, written '2025-26 Q3'"
            return str(exc)  # the financial year is not two consecutive years (the message says so)
        return (f"'{text.strip()}' is not a quarter: write it like '2025-26 Q3' (or '2025-26-Q3'), or leave it "
                "empty for the latest completed quarter")  # fmt: skip
    return None


def register() -> None:
    """Add the ``dasv-quarter`` format to jsonschema's draft 2020-12 format checker (what Prefect uses)."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import FormatError

    checker = Draft202012Validator.FORMAT_CHECKER

    # raises=(): the FormatError raised here reaches the validator as it is, so the refusal is our line
    # (jsonschema would otherwise word it "'…' is not a 'dasv-quarter'")
    @checker.checks(QUARTER_FORMAT, raises=())
    def _quarter(instance: object) -> bool:
        if not isinstance(instance, str):
            return True  # the type keyword refuses it
        problem = quarter_problem(instance)
        if problem:
            raise FormatError(problem)
        return True


register()
