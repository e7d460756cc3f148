"""Flow parameters: their UI descriptions, and validation before any work is done."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from dasv.quarters import Quarter, QuarterError
from dasv.report.slices import find_district
from tasks.common import current_deployment

# Descriptions shown in the UI's Run form come from the flows' docstrings (Args:).
QuarterParam = Annotated[str | None, Field(examples=["2025-26 Q3"])]
ReloadParam = bool
DeliverParam = bool
DistrictParam = Annotated[str, Field(examples=["Fenland"])]


class ParameterError(ValueError):
    """A flow parameter is not one of the accepted forms."""


def resolve_quarter(text: str | None) -> Quarter:
    """The quarter asked for, or the latest completed one.

    Raises:
        ParameterError: not one of the accepted forms.
    """
    if text is None or not str(text).strip():
        return Quarter.latest_completed()
    try:
        return Quarter.parse(text)
    except QuarterError as exc:
        raise ParameterError(str(exc)) from None


def resolve_district(name: str) -> str:
    """The canonical district for a name or alias.

    Raises:
        ParameterError: not a configured district (the message lists them).
    """
    try:
        return find_district(current_deployment(), name).name
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
