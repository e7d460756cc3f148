"""Sign-in, sessions, and the account behind a session, an API token or a set-password link (docs/portal.md).

All in the warehouse, nothing kept in a process: several portal processes serve the same users.
After 5 failed sign-ins within 15 minutes an account is locked for 15 minutes, and no answer says
whether an account exists. The accounts themselves (made on the command line) and the access log
are ``dasv/accounts.py``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.orm import Session

from dasv.accounts import (
    FAILURES,
    NOW_LOCKED,
    REFUSED_DISABLED,
    REFUSED_LOCKED,
    SIGN_IN_FAILED,
    SIGNED_IN,
    TOKEN_PREFIX,
    Account,
    as_utc,
    check_password,
    digest,
    now,
)
from dasv.passwords import hash_password, verify
from dasv.warehouse.models import PortalAccess, PortalSession, PortalToken, PortalUser, PortalUserDistrict

MAX_FAILURES, FAILURE_WINDOW, LOCKOUT = 5, timedelta(minutes=15), timedelta(minutes=15)
IDLE, ABSOLUTE = timedelta(minutes=30), timedelta(hours=8)


@dataclass
class Attempt:
    """A sign-in under way: the account asked for (if any) and the hash to check the password against."""

    email: str
    user_id: int | None
    stored: str | None
    at: datetime


def begin_sign_in(engine: Engine, email: str) -> Attempt:
    """The account an e-mail names, read without a write transaction (the slow check comes next)."""
    email = email.strip().lower()
    with Session(engine.execution_options(dasv_read_only=True)) as conn:
        user = conn.execute(select(PortalUser).where(PortalUser.email == email)).scalars().first()
    return Attempt(email, user.id if user else None, user.password_hash if user else None, now())


def finish_sign_in(engine: Engine, attempt: Attempt, right: bool) -> tuple[Account | None, str]:
    """After the password check: the account (right password, usable account) or None, and the log's word.

    The failure count is read and written in one transaction: after 5 failures within 15 minutes
    the account is locked for 15 minutes.
    """
    if attempt.user_id is None or attempt.stored is None:
        return None, SIGN_IN_FAILED
    moment = attempt.at
    with Session(engine) as conn, conn.begin():
        user = conn.get(PortalUser, attempt.user_id)
        if user is None or user.password_hash != attempt.stored:
            return None, SIGN_IN_FAILED
        if user.disabled:
            return None, REFUSED_DISABLED
        if user.locked_until and as_utc(user.locked_until) > moment:
            return None, REFUSED_LOCKED
        if right:
            conn.execute(update(PortalUser).where(PortalUser.id == user.id)
                         .values(failures=0, first_failure_at=None, locked_until=None))  # fmt: skip
            return _account(conn, user), SIGNED_IN
        recent = user.first_failure_at and moment - as_utc(user.first_failure_at) < FAILURE_WINDOW
        failures = (user.failures if recent else 0) + 1
        conn.execute(update(PortalUser).where(PortalUser.id == user.id).values(
            failures=failures, first_failure_at=user.first_failure_at if recent else moment,
            locked_until=moment + LOCKOUT if failures >= MAX_FAILURES else None))  # fmt: skip
        return None, NOW_LOCKED if failures >= MAX_FAILURES else SIGN_IN_FAILED


def sign_in(engine: Engine, email: str, password: str) -> Account | None:
    """The account if the password is right and the account usable; None otherwise (whatever the reason).

    (The portal runs the three steps itself, the Argon2 check in its bounded pool.)
    """
    attempt = begin_sign_in(engine, email)
    return finish_sign_in(engine, attempt, verify(attempt.stored, password))[0]


def client_failures(engine: Engine, client: str | None, since: datetime) -> list[datetime]:
    """When the failed sign-ins from one client address since a time were (oldest first), from the access log."""
    with engine.connect() as conn:
        return [as_utc(t) for t in conn.scalars(
            select(PortalAccess.at).where(PortalAccess.at >= since, PortalAccess.client == client,
                                          PortalAccess.file.in_(FAILURES)).order_by(PortalAccess.at))]  # fmt: skip


def _account(conn: Session, user: PortalUser, **extra) -> Account:
    districts = list(
        conn.scalars(select(PortalUserDistrict.district).where(PortalUserDistrict.user_id == user.id))
    )
    return Account(user.id, user.email, user.role, sorted(districts), **extra)


def start_session(engine: Engine, account: Account) -> tuple[str, str]:
    """A new session: (the cookie's secret, its CSRF token)."""
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    moment = now()
    with Session(engine) as conn, conn.begin():
        conn.execute(insert(PortalSession).values(id_hash=digest(secret), user_id=account.id, csrf_token=csrf,
                                                  created_at=moment, last_seen=moment))  # fmt: skip
    return secret, csrf


def _districts(conn, user_id: int) -> list[str]:
    return sorted(
        conn.scalars(select(PortalUserDistrict.district).where(PortalUserDistrict.user_id == user_id))
    )


def session_account(engine: Engine, secret: str | None) -> Account | None:
    """The account of a live session (30 minutes idle, 8 hours at most; never a disabled account).

    Core queries, not the ORM: this runs on every page request.
    """
    if not secret:
        return None
    moment = now()
    key = digest(secret)
    with engine.connect() as conn:
        row = conn.execute(
            select(PortalSession.created_at, PortalSession.last_seen, PortalSession.csrf_token, PortalUser.id,
                   PortalUser.email, PortalUser.role, PortalUser.disabled)
            .join(PortalUser, PortalUser.id == PortalSession.user_id).where(PortalSession.id_hash == key)
        ).first()  # fmt: skip
        if row is None:
            return None
        created, seen, csrf, user_id, email, role, disabled = row
        expired = moment - as_utc(seen) > IDLE or moment - as_utc(created) > ABSOLUTE
        account = None if disabled or expired else Account(user_id, email, role, _districts(conn, user_id),
                                                            session_csrf=csrf)  # fmt: skip
    # the writes in a transaction of their own (the read above may have been a read-only one)
    if account is None:
        with engine.execution_options(dasv_read_only=False).begin() as conn:
            conn.execute(delete(PortalSession).where(PortalSession.id_hash == key))
    elif moment - as_utc(seen) > timedelta(seconds=30):  # keep it alive, without a write per request
        with engine.execution_options(dasv_read_only=False).begin() as conn:
            conn.execute(update(PortalSession).where(PortalSession.id_hash == key).values(last_seen=moment))
    return account


def end_session(engine: Engine, secret: str | None) -> None:
    """Sign out: the session is deleted on the server."""
    if secret:
        with Session(engine) as conn, conn.begin():
            conn.execute(delete(PortalSession).where(PortalSession.id_hash == digest(secret)))


def token_account(engine: Engine, token: str | None) -> Account | None:
    """The account of a live API token (not revoked, not expired, account not disabled)."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(PortalToken.id, PortalToken.revoked_at, PortalToken.expires_at, PortalUser.id, PortalUser.email,
                   PortalUser.role, PortalUser.disabled)
            .join(PortalUser, PortalUser.id == PortalToken.user_id).where(PortalToken.token_hash == digest(token))
        ).first()  # fmt: skip
        if row is None:
            return None
        token_id, revoked, expires, user_id, email, role, disabled = row
        if revoked is not None or as_utc(expires) <= now() or disabled:
            return None
        return Account(user_id, email, role, _districts(conn, user_id), token_id=token_id)


def link_account(engine: Engine, secret: str) -> tuple[int, str, list[str]] | None:
    """The account a live set-password link is for (id, e-mail, districts), else None (unknown, used, expired)."""
    with Session(engine) as conn:
        user = (
            conn.execute(select(PortalUser).where(PortalUser.set_password_hash == digest(secret)))
            .scalars()
            .first()
        )
        if user is None or user.set_password_expires is None or as_utc(user.set_password_expires) < now():
            return None
        return user.id, user.email, _districts(conn, user.id)


def set_password_with_link(
    engine: Engine, secret: str, password: str, hashed: str | None = None
) -> int | None:
    """Set a password from a one-time link: the account's id, or None when the link is unknown, used or expired.

    ``hashed``: the password's hash, made by the caller (the portal hashes in its bounded pool).

    Raises:
        AccountError: the password may not be used (too short, easy to guess, the account's own words).
    """
    found = link_account(engine, secret)
    if found is None:
        return None
    check_password(password, found[1], found[2])
    hashed = hashed or hash_password(password)
    with Session(engine) as conn, conn.begin():
        done = conn.execute(update(PortalUser).where(
            PortalUser.id == found[0], PortalUser.set_password_hash == digest(secret)).values(
            password_hash=hashed, set_password_hash=None, set_password_expires=None, failures=0,
            locked_until=None))  # fmt: skip
    return found[0] if done.rowcount == 1 else None
