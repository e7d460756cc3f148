"""Signing in and out, and setting a password from a link: the forms a stranger can reach.

* **CSRF before a session**: the sign-in and set-password forms carry a token the server signs
  (HMAC-SHA256 with a key kept in the warehouse) over a random pre-session cookie and the time;
  a value an attacker plants in both the cookie and the field is refused. Over HTTPS the cookie
  is ``__Host-`` (no subdomain or plain-HTTP page can set it). Forms after sign-in use the
  session's own token.
* **Hashing apart**: a password is checked (Argon2id, 64 MiB) in a bounded pool of one per core
  but one (``Portal.hashing``), never in the thread pool the page handlers use; at most ``MAX_WAITING``
  checks wait for it, more are told to come back (429).
* **Per client**: once one address's failed sign-ins within ``CLIENT_WINDOW`` (from the access
  log, shared by every process) and its sign-ins under way for no account (in this process)
  reach ``CLIENT_FAILURES``, its sign-ins are refused (429 with ``Retry-After``) until the oldest
  failure leaves the window; sending many at once does not get round it. The lockout of an
  account after 5 failures still holds.
* **Audit**: every sign-in, failure, lockout, refusal, sign-out and password set is an
  access-log row with the account and the client address (``note(event=...)``).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from datetime import timedelta

from anyio import to_thread
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from dasv import accounts, passwords
from dasv.portal import sessions
from dasv.portal.context import CSRF_COOKIE, SESSION_COOKIE, note, page_account, portal
from dasv.portal.views import render

router = APIRouter(include_in_schema=False)
FORM_SECONDS = 4 * 3600  # a sign-in or set-password form is good for this long
CLIENT_FAILURES, CLIENT_WINDOW = 30, timedelta(minutes=15)
MAX_WAITING, BUSY_SECONDS = 64, 10
GENERIC = ("Enter the email address and password of an account that is not locked. After 5 wrong passwords an "
           "account is locked for 15 minutes.")  # fmt: skip


def secure(request: Request) -> bool:
    """Served over HTTPS (directly, or behind the TLS proxy with ``--proxy-headers``)."""
    return request.url.scheme == "https"


def local(path: str | None) -> str:
    """Only a path on this site may be a place to go back to."""
    return path if path and path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


def csrf_ok(sent: str | None, expected: str | None) -> bool:
    """A session form's CSRF field matches; compared as bytes, so a non-ASCII field is a mismatch, not an error."""
    return bool(sent and expected and secrets.compare_digest(sent.encode("utf-8"), expected.encode("utf-8")))


# --- the pre-session's signed CSRF token --------------------------------------------------------------


def _cookie_name(request: Request) -> str:
    return f"__Host-{CSRF_COOKIE}" if secure(request) else CSRF_COOKIE


def _signature(request: Request, pre_session: str, issued: int) -> str:
    message = f"{pre_session}.{issued}".encode()
    return hmac.new(portal(request).form_key, message, hashlib.sha256).hexdigest()


def form_token_ok(request: Request, sent: str | None) -> bool:
    """The form's token is the server's signature over this browser's pre-session cookie, and not too old."""
    pre_session = request.cookies.get(_cookie_name(request))
    issued, _, signature = (sent or "").partition(".")
    if not pre_session or not issued.isdigit() or not 0 <= time.time() - int(issued) < FORM_SECONDS:
        return False
    return csrf_ok(signature, _signature(request, pre_session, int(issued)))


def form_page(request: Request, template: str, status: int = 200, **values) -> Response:
    """A page with a form before there is a session: a new pre-session cookie and the token signed for it."""
    pre_session, issued = secrets.token_urlsafe(32), int(time.time())
    csrf = f"{issued}.{_signature(request, pre_session, issued)}"
    response = render(request, template, status=status, csrf=csrf, **values)
    response.set_cookie(_cookie_name(request), pre_session, httponly=True, samesite="strict",
                        secure=secure(request), path="/")  # fmt: skip
    return response


def _expired(request: Request, back: str) -> None:
    raise HTTPException(403, f"The form had expired. {back}")


# --- signing in and out ---------------------------------------------------------------------------------


@router.get("/sign-in")
def sign_in_page(
    request: Request, next: str | None = None, signed_out: int = 0, password_set: int = 0
) -> Response:
    """The sign-in form."""
    message = "You have signed out." if signed_out else \
        "Your password is set: sign in with it." if password_set else None  # fmt: skip
    return form_page(request, "sign_in.html.j2", title="Sign in", next=local(next), email="", message=message)


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _retry_after(request: Request, pending: int) -> int | None:
    """Seconds until this client may try again, when its failures lately and its sign-ins under way reach the limit.

    ``pending``: this client's sign-ins under way in this process for no account (each is one more failure).
    """
    moment = accounts.now()
    failed = sessions.client_failures(portal(request).engine, _client(request), moment - CLIENT_WINDOW)
    if len(failed) + pending < CLIENT_FAILURES:
        return None
    if len(failed) < CLIENT_FAILURES:  # it is the ones under way: they are over in seconds
        return BUSY_SECONDS
    return max(1, math.ceil((failed[-CLIENT_FAILURES] + CLIENT_WINDOW - moment).total_seconds()))


def _too_many(request: Request, seconds: int, text: str) -> Response:
    response = render(request, "problem.html.j2", status=429, title="Too many attempts", heading="Too many attempts",
                      text=text, back="/sign-in")  # fmt: skip
    response.headers["Retry-After"] = str(seconds)
    return response


async def _in_pool(request: Request, work, *args):
    """Run a password hash or check in the bounded pool; None when too many are waiting already."""
    p = portal(request)
    if p.waiting >= MAX_WAITING:
        return None
    p.waiting += 1
    try:
        return (await to_thread.run_sync(work, *args, limiter=p.hashing),)
    finally:
        p.waiting -= 1


@router.post("/sign-in")
async def sign_in(request: Request, email: str = Form(""), password: str = Form(""), csrf_token: str = Form(""),
                  next: str = Form("/")) -> Response:  # fmt: skip
    """Check the password (in the hashing pool; locking after 5 failures in 15 minutes) and start a session."""
    if not form_token_ok(request, csrf_token):
        _expired(request, "Go back to the sign-in page and try again.")
    engine = portal(request).engine
    attempt = await run_in_threadpool(sessions.begin_sign_in, engine, email[:254])
    p, client = portal(request), _client(request)
    wait = await run_in_threadpool(_retry_after, request, p.signing_in.get(client, 0))
    if wait is not None:  # (logged with the account it named, if any)
        note(request, event=accounts.TOO_MANY, user_id=attempt.user_id)
        minutes = math.ceil(wait / 60)
        return await run_in_threadpool(_too_many, request, wait, "There have been too many failed sign-ins from "
                                       f"your network. Try again in {minutes} minute{'s' * (minutes != 1)}.")  # fmt: skip
    doomed = (
        attempt.stored is None
    )  # no account (or no password yet): a failure, once the dummy check is done
    if doomed:
        p.signing_in[client] = p.signing_in.get(client, 0) + 1
    try:
        checked = await _in_pool(request, passwords.verify, attempt.stored, password)
    finally:
        if doomed:
            p.signing_in[client] -= 1
            if not p.signing_in[client]:
                del p.signing_in[client]
    if checked is None:
        note(request, event=accounts.BUSY, user_id=attempt.user_id)
        return await run_in_threadpool(
            _too_many, request, BUSY_SECONDS, "The service is busy. Try again shortly."
        )
    account, event = await run_in_threadpool(sessions.finish_sign_in, engine, attempt, checked[0])
    note(request, event=event, user_id=attempt.user_id)
    if account is None:
        return await run_in_threadpool(form_page, request, "sign_in.html.j2", title="Sign in", next=local(next),
                                       email=email[:254], error=GENERIC)  # fmt: skip
    return await run_in_threadpool(_start, request, account, next)


def _start(request: Request, account: accounts.Account, next: str) -> Response:
    """A new session (signing in again ends the browser's previous one), and back to where the reader was going."""
    engine = portal(request).engine
    sessions.end_session(engine, request.cookies.get(SESSION_COOKIE))
    secret, _ = sessions.start_session(engine, account)
    response = RedirectResponse(local(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, secret, httponly=True, samesite="lax", secure=secure(request), path="/"
    )
    response.delete_cookie(_cookie_name(request), path="/", secure=secure(request))
    return response


@router.post("/sign-out")
def sign_out(request: Request, csrf_token: str = Form("")) -> Response:
    """End the session on the server."""
    account = page_account(request)
    if account is None:
        return RedirectResponse("/sign-in", status_code=303)
    if not csrf_ok(csrf_token, account.session_csrf):
        _expired(request, "Go back, reload the page and try again.")
    sessions.end_session(portal(request).engine, request.cookies.get(SESSION_COOKIE))
    note(request, event=accounts.SIGNED_OUT, user_id=account.id)
    response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- setting a password from a one-time link ---------------------------------------------------------------


@router.get("/set-password")
def set_password_page(request: Request, token: str = "") -> Response:
    """The form a one-time link opens."""
    return form_page(request, "set_password.html.j2", title="Set your password", token=token[:100],
                     expired=not token)  # fmt: skip


def _problem(engine, token: str, password: str) -> tuple[tuple | None, str | None]:
    """The link's account and, if the password may not be used, why."""
    found = sessions.link_account(engine, token)
    if found is None:
        return None, None
    return found, passwords.problem(password, passwords.identifiers(found[1], found[2]))


@router.post("/set-password")
async def set_password(
    request: Request, token: str = Form(""), password: str = Form(""), csrf_token: str = Form("")
) -> Response:
    """Set the password from the link: 12 characters or more, not easy to guess, not the account's own words."""
    if not form_token_ok(request, csrf_token):
        _expired(request, "Open the link again and try again.")
    engine = portal(request).engine
    found, why = await run_in_threadpool(_problem, engine, token, password)
    if found is not None and why is not None:
        return await run_in_threadpool(form_page, request, "set_password.html.j2", title="Set your password",
                                       token=token[:100], error=why[0].upper() + why[1:])  # fmt: skip
    hashed = await _in_pool(request, passwords.hash_password, password) if found is not None else (None,)
    if hashed is None:
        return await run_in_threadpool(
            _too_many, request, BUSY_SECONDS, "The service is busy. Try again shortly."
        )
    done = None
    if found is not None:
        try:
            done = await run_in_threadpool(
                sessions.set_password_with_link, engine, token, password, hashed[0]
            )
        except accounts.AccountError:  # (checked above; the link's account cannot have changed its words)
            done = None
    if done is None:
        return await run_in_threadpool(form_page, request, "set_password.html.j2", status=410,
                                       title="Set your password", expired=True)  # fmt: skip
    note(request, event=accounts.PASSWORD_SET, user_id=done)
    return RedirectResponse("/sign-in?password_set=1", status_code=303)
