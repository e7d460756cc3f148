"""The CSP slice portal (docs/portal.md): pages for people, an API for Power BI / Excel, on FastAPI.

A surface on top of the domain: it reads publications through :mod:`dasv.published` and
accounts through :mod:`dasv.accounts` (signing in and sessions: :mod:`dasv.portal.sessions`), and serves
only files recorded in the warehouse.
"""
