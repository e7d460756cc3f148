"""Rendering the portal's pages from their Jinja2 templates (autoescaped)."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from dasv.portal.context import portal, who

ENV = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=select_autoescape(["j2"])
)


def render(request: Request, template: str, status: int = 200, **values) -> HTMLResponse:
    """A page: the template with the signed-in account and the partnership's name."""
    values.setdefault("account", who(request))
    values.setdefault("partnership", portal(request).deployment.partnership)
    values.setdefault(
        "words", portal(request).deployment.words
    )  # {{ words("Area") }}: the partnership's words
    return HTMLResponse(ENV.get_template(template).render(**values), status_code=status)
