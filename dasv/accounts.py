"""Portal accounts, API tokens and the access log (docs/portal.md), in the warehouse.

Nothing is kept in a process: several portal processes serve the same users. Passwords are
Argon2id hashes (argon2-cffi); session ids, API tokens and set-password links are random
and only their SHA-256 is stored. Signing in, sessions, and the account behind a session, token
or set-password link are the portal's: ``portal/sessions.py``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.orm import Session

from dasv.errors import UserError
from dasv.passwords import hash_password
from dasv.warehouse.models import PortalAccess, PortalSession, PortalToken, PortalUser, PortalUserDistrict

ROLES = ("csp", "partnership", "admin")
MIN_PASSWORD = 12  # (dasv.passwords holds the rules)
SET_PASSWORD_VALID = timedelta(hours=72)
TOKEN_PREFIX = "dasv_"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(UserError):
    """An account command cannot be done (email taken, unknown district, short password...)."""


@dataclass
class Account:
    """Who is asking: the user, and what they may see."""

    id: int
    email: str
    role: str
    districts: list[str] = field(default_factory=list)
    token_id: int | None = None
    session_csrf: str | None = None

    @property
    def sees_everything(self) -> bool:
        """Partnership and admin accounts see the county report and every slice."""
        return self.role in ("partnership", "admin")

    def may_see(self, district: str | None) -> bool:
        """A district's slices (or, with None, the county report)."""
        if district is None:
            return self.sees_everything
        return self.sees_everything or district in self.districts


def now() -> datetime:
    """The time, in UTC (the warehouse stores UTC)."""
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored time as UTC (SQLite returns it without its zone)."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def digest(secret: str) -> str:
    """The SHA-256 stored for a random secret (session id, token, link)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def check_password(password: str, email: str = "", districts: list[str] | tuple[str, ...] = ()) -> None:
    """Raises AccountError for a password under 12 characters, easy to guess, or the account's own words."""
    from dasv.passwords import identifiers, problem

    why = problem(password, identifiers(email, districts) if email else ())
    if why is not None:
        raise AccountError(why)


# --- accounts (the command line) ----------------------------------------------------------------


def add_user(
    engine: Engine, email: str, role: str, districts: list[str], password: str | None = None
) -> tuple[int, str | None]:
    """Create an account; without a password, return a one-time set-password secret (72 hours).

    Raises:
        AccountError: a bad email, role, district list or password, or the email is taken.
    """
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise AccountError(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise AccountError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if role == "csp" and not districts:
        raise AccountError("a csp account needs at least one --district")
    if password is not None:
        check_password(password, email, districts)
    link = None if password is not None else secrets.token_urlsafe(32)
    with Session(engine) as conn, conn.begin():
        if conn.scalar(select(PortalUser.id).where(PortalUser.email == email)) is not None:
            raise AccountError(f"an account for {email} already exists")
        user_id = conn.execute(
            insert(PortalUser).values(
                email=email, role=role, password_hash=hash_password(password) if password else None, disabled=False,
                created_at=now(), failures=0, set_password_hash=digest(link) if link else None,
                set_password_expires=now() + SET_PASSWORD_VALID if link else None,
            ).returning(PortalUser.id)
        ).scalar_one()  # fmt: skip
        if districts:
            conn.execute(
                insert(PortalUserDistrict),
                [{"user_id": user_id, "district": d} for d in sorted(set(districts))],
            )
    return user_id, link


def set_disabled(engine: Engine, email: str, disabled: bool) -> None:
    """Disable (ending every session and token at once) or enable an account.

    Raises:
        AccountError: no such account.
    """
    with Session(engine) as conn, conn.begin():
        user_id = _user_id(conn, email)
        conn.execute(update(PortalUser).where(PortalUser.id == user_id).values(disabled=disabled))
        if disabled:
            conn.execute(delete(PortalSession).where(PortalSession.user_id == user_id))
            conn.execute(
                update(PortalToken).where(PortalToken.user_id == user_id, PortalToken.revoked_at.is_(None))
                .values(revoked_at=now())
            )  # fmt: skip


def _user_id(conn: Session, email: str) -> int:
    user_id = conn.scalar(select(PortalUser.id).where(PortalUser.email == email.strip().lower()))
    if user_id is None:
        raise AccountError(f"there is no account for {email}")
    return user_id


def list_users(engine: Engine) -> list[dict]:
    """Every account: email, role, districts, disabled, locked, whether a password is set."""
    with Session(engine) as conn:
        districts: dict[int, list[str]] = {}
        for user_id, district in conn.execute(
            select(PortalUserDistrict.user_id, PortalUserDistrict.district)
        ):
            districts.setdefault(user_id, []).append(district)
        rows = conn.execute(select(PortalUser).order_by(PortalUser.email)).scalars().all()
        return [{"email": u.email, "role": u.role, "districts": sorted(districts.get(u.id, [])), "disabled": u.disabled,
                 "locked": bool(u.locked_until and as_utc(u.locked_until) > now()), "password_set": u.password_hash is not None}
                for u in rows]  # fmt: skip


def create_token(
    engine: Engine, email: str | None, days: int = 365, user_id: int | None = None
) -> tuple[int, str]:
    """A new API token for an account (by email, or by id from the portal): (its id, the token, shown once)."""
    if days < 1:
        raise AccountError("--days must be 1 or more")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with Session(engine) as conn, conn.begin():
        user_id = _user_id(conn, email) if user_id is None else user_id
        token_id = conn.execute(
            insert(PortalToken).values(user_id=user_id, token_hash=digest(token), created_at=now(),
                                       expires_at=now() + timedelta(days=days)).returning(PortalToken.id)
        ).scalar_one()  # fmt: skip
    return token_id, token


def user_tokens(engine: Engine, user_id: int) -> list[dict]:
    """One account's own tokens, newest first (never the secret): id, created, expires, revoked."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(PortalToken.id, PortalToken.created_at, PortalToken.expires_at, PortalToken.revoked_at)
            .where(PortalToken.user_id == user_id).order_by(PortalToken.id.desc())
        ).all()  # fmt: skip
    moment = now()
    return [{"id": r[0], "created": r[1], "expires": r[2], "revoked": r[3],
             "live": r[3] is None and as_utc(r[2]) > moment} for r in rows]  # fmt: skip


def revoke_own_token(engine: Engine, user_id: int, token_id: int) -> bool:
    """Revoke one of an account's own tokens; False when it has no such token."""
    with Session(engine) as conn, conn.begin():
        found = conn.execute(
            update(PortalToken).where(PortalToken.id == token_id, PortalToken.user_id == user_id,
                                      PortalToken.revoked_at.is_(None)).values(revoked_at=now())
        )  # fmt: skip
        return found.rowcount == 1


def revoke_token(engine: Engine, token_id: int) -> None:
    """Revoke a token: it stops working on the next request."""
    with Session(engine) as conn, conn.begin():
        if conn.scalar(select(PortalToken.id).where(PortalToken.id == token_id)) is None:
            raise AccountError(f"there is no token {token_id}")
        conn.execute(update(PortalToken).where(PortalToken.id == token_id).values(revoked_at=now()))


def token_owner(engine: Engine, token_id: int) -> str | None:
    """The e-mail address of a token's account (None: no such token)."""
    with engine.connect() as conn:
        return conn.scalar(select(PortalUser.email).join(PortalToken, PortalToken.user_id == PortalUser.id)
                           .where(PortalToken.id == token_id))  # fmt: skip


def list_tokens(engine: Engine) -> list[dict]:
    """Every token (never the secret): id, account, created, expires, revoked."""
    with Session(engine) as conn:
        rows = conn.execute(
            select(PortalToken.id, PortalUser.email, PortalToken.created_at, PortalToken.expires_at, PortalToken.revoked_at)
            .join(PortalUser, PortalUser.id == PortalToken.user_id).order_by(PortalToken.id)
        ).all()  # fmt: skip
    return [{"id": r[0], "email": r[1], "created": r[2], "expires": r[3], "revoked": r[4]} for r in rows]


# --- the access log ---------------------------------------------------------------------------------

# the access log's words for account events (its ``file`` column): define once, counted by the per-client limit
SIGNED_IN, SIGN_IN_FAILED, NOW_LOCKED = "signed in", "sign-in failed", "sign-in failed; account now locked"
REFUSED_LOCKED, REFUSED_DISABLED = "sign-in refused: account locked", "sign-in refused: account disabled"
TOO_MANY, BUSY = "sign-in refused: too many from this client", "sign-in refused: the portal is busy"
SIGNED_OUT, PASSWORD_SET = "signed out", "password set"
FAILURES = (SIGN_IN_FAILED, NOW_LOCKED, REFUSED_LOCKED, REFUSED_DISABLED)


def log_access(engine: Engine, **row) -> None:
    """One access-log row: time, account or token, method, route, district, quarter, file, status, client."""
    log_access_many(engine, [row])


def log_event(engine: Engine, event: str, email: str | None, route: str) -> None:
    """An account event done from the command line (a token created, a password set...), in the access log.

    The client is the command line and the operating-system user who ran it.
    """
    import getpass

    with Session(engine) as conn:
        user_id = conn.scalar(select(PortalUser.id).where(PortalUser.email == (email or "").strip().lower()))
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        who = "unknown user"
    log_access(engine, user_id=user_id, token_id=None, method="CLI", route=route[:400], district=None, quarter=None,
               file=event[:60], status=0, client=f"command line ({who})"[:64])  # fmt: skip


def log_access_many(engine: Engine, rows: list[dict]) -> None:
    """Access-log rows in one transaction (the portal's group commit); a row without ``at`` is stamped now."""
    moment = now()
    with engine.begin() as conn:
        conn.execute(insert(PortalAccess), [{"at": moment, **row} for row in rows])


def access_log(engine: Engine, since: datetime | None = None, email: str | None = None) -> list[dict]:
    """The access log, oldest first, optionally from a time and for one account."""
    with Session(engine) as conn:
        query = select(PortalAccess, PortalUser.email).outerjoin(
            PortalUser, PortalUser.id == PortalAccess.user_id
        )
        if since is not None:
            query = query.where(PortalAccess.at >= since)
        if email is not None:
            query = query.where(PortalUser.email == email.strip().lower())
        rows = conn.execute(query.order_by(PortalAccess.id)).all()
    return [{"at": a.at, "user": e, "token": a.token_id, "method": a.method, "route": a.route, "district": a.district,
             "quarter": a.quarter, "file": a.file, "status": a.status, "client": a.client} for a, e in rows]  # fmt: skip
