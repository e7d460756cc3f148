"""Flow parameters: the UI's Run form (types, patterns, choices) and validation before any work.

With ``enforce_parameter_schema`` the form itself refuses what these types refuse: a quarter
that is not one (format ``dasv-quarter``, checked by the server in words: ``flows/schema_formats.py``),
a district not in the configuration. What still reaches a flow (``prefect deployment run`` is not
checked for formats by the server) fails the run with the same one line, no traceback.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from pydantic import Field

from dasv.flows.schema_formats import QUARTER_FORMAT, quarter_problem
from dasv.quarters import Quarter, QuarterError
from dasv.report.slices import find_district
from dasv.tasks.common import current_deployment

# Descriptions shown in the UI's Run form come from the flows' docstrings (Args:). Empty, or
# 2025-26 Q3 / 2025-26-Q3 / 2025-26Q3 (any case, spaces allowed): a format, not a pattern, so that
# the form's refusal is a sentence, not the regular expression
QuarterParam = Annotated[str, Field(json_schema_extra={"format": QUARTER_FORMAT}, examples=["2025-26 Q3"])]
ReloadParam = bool
DeliverParam = bool
# the configured districts, offered as a choice (read from DASV_CONFIG when the flows are imported)
District = Enum("District", {a.name: a.name for a in current_deployment().districts}, type=str)  # type: ignore[misc]


class ParameterError(ValueError):
    """A flow parameter is not one of the accepted forms."""


def resolve_quarter(text: str | None) -> Quarter:
    """The quarter asked for, or the latest completed one when empty.

    Raises:
        ParameterError: not one of the accepted forms.
    """
    if text is None or not str(text).strip():
        return Quarter.latest_completed()
    problem = quarter_problem(text)
    if problem:
        raise ParameterError(problem)
    try:
        return Quarter.parse(text)
    except QuarterError as exc:  # quarter_problem says why first; kept for safety
        raise ParameterError(str(exc)) from None


def resolve_district(name: str) -> str:
    """The canonical district for a name or alias.

    Raises:
        ParameterError: not a configured district (the message lists them).
    """
    try:
        return find_district(current_deployment(), getattr(name, "value", name)).name
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
