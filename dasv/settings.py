"""Run-time settings from the environment (``DASV_*``) or a ``.env`` file.

Secrets are read here and only handed to the code that uses them; they are never
logged. See the README's table of variables.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_PATH = Path("var") / "warehouse.db"
# Used only by `dasv demo` and the tests: the demo warehouse holds made-up people.
DEMO_PSEUDONYM_KEY = "dasv-demo-key-not-for-real-data"


class Settings(BaseSettings):
    """Where things are and which secrets to use."""

    model_config = SettingsConfigDict(env_prefix="DASV_", env_file=".env", extra="ignore")

    database_url: str | None = None
    inbox: Path = Path("inbox")
    out: Path = Path("out")
    pseudonym_key: SecretStr | None = None
    config: Path | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_password: SecretStr | None = None
    # DASV_DEMO=1: use the demo's built-in key (made-up people only; `make prefect-worker` sets it
    # when no DASV_PSEUDONYM_KEY is given, so the Prefect walkthrough runs on the demo warehouse)
    demo: bool = False
    # the write-once publication store (docs/portal.md) and the portal's address, for links in e-mails
    publish_dir: Path = Path("var") / "publish"
    portal_url: str = "http://127.0.0.1:8400"
    # further Host names the portal answers (comma-separated) beside DASV_PORTAL_URL's and loopback
    portal_hosts: str = ""
    # every Prefect flow run ends TimedOut after this long (and the operators are e-mailed): a hung run
    # (an SMTP server that never answers, a slot never freed) cannot stay Running for ever
    run_timeout_seconds: float = 3600

    def resolved_database_url(self) -> str:
        """The warehouse URL: ``DASV_DATABASE_URL`` or the SQLite file under ``var/``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{DEFAULT_DB_PATH}"
