"""What the demo adds to its own warehouse: made-up portal accounts, and a fresh publication store."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import Engine

from dasv.accounts import add_user

# made up, for the demo warehouse only (it holds made-up people)
DEMO_ACCOUNTS = [
    (
        "board@partnership.example",
        "demo-partnership-password",
        "partnership: the county report and every slice",
    ),
    ("fenland@csp.example", "demo-fenland-csp-password", "the Fenland CSP: its own slices only"),
]
_ROLES = {"board@partnership.example": ("partnership", []), "fenland@csp.example": ("csp", ["Fenland"])}


def add_demo_accounts(engine: Engine) -> None:
    """The demo's partnership and CSP accounts, with the passwords it prints."""
    for email, password, _ in DEMO_ACCOUNTS:
        role, districts = _ROLES[email]
        add_user(engine, email, role, districts, password)


def clear_store(store: Path) -> None:
    """Empty the demo's publication store (its files are read-only: write-once)."""
    if not store.exists():
        return
    for path in [store, *store.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
    shutil.rmtree(store)
