"""`dasv portal`: serve the CSP slice portal; manage its accounts and tokens; read its access log."""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer

from dasv.cli.common import Context, UsageError, app, ctx, district_name
from dasv.errors import UserError
from dasv.quarters import london_time

portal_app = typer.Typer(
    help="The CSP slice portal (docs/portal.md): serve it, manage accounts and tokens.", no_args_is_help=True
)
user_app = typer.Typer(help="Portal accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(portal_app, name="portal")
portal_app.add_typer(user_app, name="user")
portal_app.add_typer(token_app, name="token")


@contextmanager
def _in_warehouse() -> Iterator[Context]:
    """An account command's context; a refusal names the warehouse it looked in."""
    from dasv.accounts import AccountError

    c = ctx()
    try:
        yield c
    except AccountError as exc:
        raise AccountError(f"{exc} in the warehouse {c.warehouse_name()}") from None


CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def terminal_safe(text: object) -> str:
    """Text for a terminal: control characters (ESC, CR, ...) written as visible escapes, never obeyed."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", "" if text is None else str(text))


MAX_DAYS, MAX_WORKERS, MAX_ID = 3650, 64, 2**31 - 1


def _within(option: str, value: int, low: int, high: int) -> None:
    """A one-line refusal for a number the command cannot use (never an overflow deep inside)."""
    if not low <= value <= high:
        raise UsageError(f"{option} {value} is out of range; it must be from {low} to {high}")


class Role(StrEnum):
    """Who an account is."""

    csp = "csp"
    partnership = "partnership"
    admin = "admin"


class AuditFormat(StrEnum):
    """Forms of the access log."""

    table = "table"
    csv = "csv"


@portal_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8400,
    proxy_headers: Annotated[
        bool,
        typer.Option("--proxy-headers", help="Behind a TLS reverse proxy: trust its X-Forwarded-* headers."),
    ] = False,
    proxy: Annotated[
        str,
        typer.Option(help="The proxy's address(es), comma-separated: only they may set X-Forwarded-*."),
    ] = "127.0.0.1",
    workers: Annotated[int, typer.Option(help="Worker processes (state lives in the warehouse).")] = 1,
) -> None:
    """Serve the portal with uvicorn (several workers: each on its own socket, the kernel sharing connections)."""
    from dasv.portal.workers import config as workers_config
    from dasv.portal.workers import serve as workers_serve
    from dasv.published import verify_store

    _within("--port", port, 1, 65535)
    _within("--workers", workers, 1, MAX_WORKERS)
    c = ctx()
    engine = c.existing_engine()  # migrate and check the warehouse before listening; never create one
    with engine.connect() as conn:
        problems = verify_store(conn, c.settings.publish_dir)
    engine.dispose()
    if problems:
        raise UserError(
            f"the publication store {c.settings.publish_dir} does not hold what the warehouse {c.warehouse_name()} "
            f"records: {len(problems)} problem(s), e.g. {problems[0]}; point DASV_PUBLISH_DIR at the right store "
            "or restore it, then `dasv publications --verify`"
        )
    typer.echo(f"The DASV slice portal on http://{host}:{port}/ (publication store {c.settings.publish_dir})")
    code = workers_serve(workers_config(host, port, proxy_headers, proxy), workers)
    if code:
        raise typer.Exit(code)


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="The account's e-mail address (its sign-in name).")],
    role: Annotated[Role, typer.Option(help="csp, partnership or admin.")] = Role.csp,
    district: Annotated[
        list[str] | None, typer.Option(help="A district the csp account sees (repeat for more).")
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from standard input (12 characters at least, not easy to guess).",
        ),
    ] = False,
) -> None:
    """Create an account; without --password-stdin, print a one-time set-password link (72 hours)."""
    from dasv.accounts import PASSWORD_SET, AccountError, add_user, log_event

    c = ctx()
    districts = []
    for name in district or []:
        try:
            districts.append(district_name(c, name))
        except UsageError as exc:
            raise AccountError(str(exc)) from None
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    _, link = add_user(c.engine(), email, role.value, districts, password)
    if password is not None:
        log_event(c.engine(), PASSWORD_SET, email, "dasv portal user add --password-stdin")
    typer.echo(
        f"added {email.strip().lower()} ({role.value}{': ' + ', '.join(districts) if districts else ''})"
    )
    if link:
        typer.echo("One-time link to set the password (valid 72 hours):")
        typer.echo(f"{c.settings.portal_url.rstrip('/')}/set-password?token={link}")


@user_app.command("disable")
def user_disable(email: Annotated[str, typer.Argument(help="The account's e-mail address.")]) -> None:
    """Disable an account: its sessions and tokens stop working at once."""
    from dasv.accounts import log_event, set_disabled

    with _in_warehouse() as c:
        set_disabled(c.existing_engine(), email, True)
        log_event(c.existing_engine(), "account disabled", email, "dasv portal user disable")
    typer.echo(f"disabled {email}; its sessions and tokens are ended")


@user_app.command("enable")
def user_enable(email: Annotated[str, typer.Argument(help="The account's e-mail address.")]) -> None:
    """Enable a disabled account (it needs new sessions and tokens)."""
    from dasv.accounts import log_event, set_disabled

    with _in_warehouse() as c:
        set_disabled(c.existing_engine(), email, False)
        log_event(c.existing_engine(), "account enabled", email, "dasv portal user enable")
    typer.echo(f"enabled {email}")


@user_app.command("list")
def user_list() -> None:
    """Every account."""
    from dasv.accounts import list_users

    for u in list_users(ctx().existing_engine()):
        state = (
            "disabled"
            if u["disabled"]
            else "locked"
            if u["locked"]
            else "active"
            if u["password_set"]
            else "no password yet"
        )
        typer.echo(f"{u['email']:<40} {u['role']:<12} {state:<16} {', '.join(u['districts'])}")


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Argument(help="The account the token acts for.")],
    days: Annotated[int, typer.Option(help="Days until it expires.")] = 365,
) -> None:
    """Create an API token; it is printed once, alone, as the last line (only a hash is kept)."""
    from dasv.accounts import create_token, log_event

    _within("--days", days, 1, MAX_DAYS)
    with _in_warehouse() as c:
        token_id, token = create_token(c.existing_engine(), email, days)
        log_event(c.existing_engine(), f"token {token_id} created", email, "dasv portal token create")
    typer.echo(f"token {token_id} for {email}, valid {days} days; it is shown only now:", err=True)
    typer.echo(token)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (dasv portal token list).")],
) -> None:
    """Revoke a token: it stops working on the next request."""
    from dasv.accounts import AccountError, log_event, revoke_token, token_owner

    if not 1 <= token_id <= MAX_ID:
        with _in_warehouse():
            raise AccountError(f"there is no token {token_id}")
    with _in_warehouse() as c:
        revoke_token(c.existing_engine(), token_id)
        log_event(c.existing_engine(), f"token {token_id} revoked", token_owner(c.existing_engine(), token_id),
                  "dasv portal token revoke")  # fmt: skip
    typer.echo(f"revoked token {token_id}")


@token_app.command("list")
def token_list() -> None:
    """Every token (never the secret)."""
    from dasv.accounts import list_tokens

    for t in list_tokens(ctx().existing_engine()):
        state = (
            f"revoked {london_time(t['revoked'])}" if t["revoked"] else f"expires {london_time(t['expires'])}"
        )
        typer.echo(f"{t['id']:>5}  {t['email']:<40} created {london_time(t['created'])}  {state}")


@portal_app.command("audit")
def audit(
    since: Annotated[str | None, typer.Option(help="From this date (YYYY-MM-DD) or time (ISO 8601).")] = None,
    user: Annotated[str | None, typer.Option(help="Only this account's requests.")] = None,
    format: Annotated[AuditFormat, typer.Option("--format", help="table or csv.")] = AuditFormat.table,
) -> None:
    """The access log: district, county, API and account requests, sign-ins and outs, passwords set, tokens."""
    from dasv.accounts import access_log
    from dasv.safe_text import safe_cell

    start = None
    if since:
        try:
            start = datetime.fromisoformat(since)
        except ValueError:
            raise UsageError(
                f"--since {since!r} is not a date; expected YYYY-MM-DD or an ISO 8601 time"
            ) from None
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
    rows = access_log(ctx().existing_engine(), start, user)
    columns = ["at", "user", "token", "method", "route", "district", "quarter", "file", "status", "client"]
    if format is AuditFormat.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for r in (
            rows
        ):  # control characters escaped; a cell that starts like a formula guarded, as the report CSVs are
            writer.writerow([r["at"].isoformat() if r["at"] else ""]
                            + ["" if r[k] is None else safe_cell(terminal_safe(r[k])) for k in columns[1:]])  # fmt: skip
        typer.echo(buffer.getvalue(), nl=False)
        return
    for r in rows:
        who = r["user"] or (f"token {r['token']}" if r["token"] else "-")
        event = f"  [{r['file']}]" if r["file"] else ""
        line = (f"{london_time(r['at'], seconds=True)}  {r['status'] or '-':>3}  {r['method']:<4} {r['route']:<60} "
                f"{who}  {r['client'] or ''}{event}")  # fmt: skip
        typer.echo(terminal_safe(line))
