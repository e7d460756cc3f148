"""Portal accounts, sign-in, sessions, API tokens and the access log (docs/portal.md), in the warehouse.

Nothing is kept in a process: several portal processes serve the same users. Passwords are
Argon2id hashes (argon2-cffi); session ids, API tokens and set-password links are random
and only their SHA-256 is stored. After 5 failed sign-ins within 15 minutes an account is
locked for 15 minutes, and no answer says whether an account exists.
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
from portal.passwords import hash_password, verify
from warehouse.models import PortalAccess, PortalSession, PortalToken, PortalUser, PortalUserDistrict

ROLES = ("csp", "partnership", "admin")
MIN_PASSWORD = 12  # (portal.passwords holds the rules)
MAX_FAILURES, FAILURE_WINDOW, LOCKOUT = 5, timedelta(minutes=15), timedelta(minutes=15)
IDLE, ABSOLUTE = timedelta(minutes=30), timedelta(hours=8)
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


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def digest(secret: str) -> str:
    """The SHA-256 stored for a random secret (session id, token, link)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def check_password(password: str, email: str = "", districts: list[str] | tuple[str, ...] = ()) -> None:
    """Raises AccountError for a password under 12 characters, easy to guess, or the account's own words."""
    from portal.passwords import identifiers, problem

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
                 "locked": bool(u.locked_until and _utc(u.locked_until) > now()), "password_set": u.password_hash is not None}
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
             "live": r[3] is None and _utc(r[2]) > moment} for r in rows]  # fmt: skip


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


# --- sign-in, sessions and tokens (the portal) --------------------------------------------------------

# the access log's words for account events (its ``file`` column): define once, counted by the per-client limit
SIGNED_IN, SIGN_IN_FAILED, NOW_LOCKED = "signed in", "sign-in failed", "sign-in failed; account now locked"
REFUSED_LOCKED, REFUSED_DISABLED = "sign-in refused: account locked", "sign-in refused: account disabled"
TOO_MANY, BUSY = "sign-in refused: too many from this client", "sign-in refused: the portal is busy"
SIGNED_OUT, PASSWORD_SET = "signed out", "password set"
FAILURES = (SIGN_IN_FAILED, NOW_LOCKED, REFUSED_LOCKED, REFUSED_DISABLED)


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
        if user.locked_until and _utc(user.locked_until) > moment:
            return None, REFUSED_LOCKED
        if right:
            conn.execute(update(PortalUser).where(PortalUser.id == user.id)
                         .values(failures=0, first_failure_at=None, locked_until=None))  # fmt: skip
            return _account(conn, user), SIGNED_IN
        recent = user.first_failure_at and moment - _utc(user.first_failure_at) < FAILURE_WINDOW
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
        return [_utc(t) for t in conn.scalars(
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
        expired = moment - _utc(seen) > IDLE or moment - _utc(created) > ABSOLUTE
        account = None if disabled or expired else Account(user_id, email, role, _districts(conn, user_id),
                                                            session_csrf=csrf)  # fmt: skip
    # the writes in a transaction of their own (the read above may have been a read-only one)
    if account is None:
        with engine.execution_options(dasv_read_only=False).begin() as conn:
            conn.execute(delete(PortalSession).where(PortalSession.id_hash == key))
    elif moment - _utc(seen) > timedelta(seconds=30):  # keep it alive, without a write per request
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
        if revoked is not None or _utc(expires) <= now() or disabled:
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
        if user is None or user.set_password_expires is None or _utc(user.set_password_expires) < now():
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


# --- the access log ---------------------------------------------------------------------------------


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
