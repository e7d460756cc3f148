"""Sign-in, sessions and forms: lockout, expiry, sign-out on the server, disabled accounts, CSRF."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import update

from dasv import accounts
from dasv.warehouse.models import PortalSession, PortalUser
from tests.portal.conftest import PASSWORD, sign_in

GENERIC = "Enter the email address and password of an account that is not locked"


def _form(client: httpx.Client, path: str = "/sign-in") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def _try(client: httpx.Client, email: str, password: str) -> httpx.Response:
    return client.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": _form(client), "next": "/"}
    )


def test_five_wrong_passwords_lock_for_15_minutes_without_saying_whether_the_account_exists(
    published, server
):
    engine = published["engine"]
    accounts.add_user(engine, "lock@csp.test", "csp", ["Fenland"], PASSWORD)
    client = httpx.Client(base_url=server, timeout=20)
    answers = [_try(client, "lock@csp.test", "wrong password, long") for _ in range(5)]
    assert all(a.status_code == 200 and GENERIC in a.text for a in answers)
    locked = _try(client, "lock@csp.test", PASSWORD)  # the right password, but locked now
    unknown = _try(client, "nobody@csp.test", PASSWORD)
    assert locked.status_code == unknown.status_code == 200
    assert GENERIC in locked.text and GENERIC in unknown.text
    assert re.sub(r'value="[^"]*"', "", locked.text.replace("lock@csp.test", "X")) == re.sub(
        r'value="[^"]*"', "", unknown.text.replace("nobody@csp.test", "X")
    )  # the same page either way
    with engine.begin() as conn:  # 15 minutes later
        conn.execute(update(PortalUser).where(PortalUser.email == "lock@csp.test")
                     .values(locked_until=accounts.now() - timedelta(seconds=1)))  # fmt: skip
    assert _try(client, "lock@csp.test", PASSWORD).status_code == 303


def test_sessions_end_when_idle_too_long_at_8_hours_and_on_sign_out(published, server):
    engine = published["engine"]
    accounts.add_user(engine, "session@csp.test", "csp", ["Fenland"], PASSWORD)
    client = sign_in(server, "session@csp.test")
    user_id = _id(engine, "session@csp.test")
    assert client.get("/districts/fenland/").status_code == 200
    with engine.begin() as conn:  # 31 minutes without a request
        conn.execute(update(PortalSession).values(last_seen=accounts.now() - timedelta(minutes=31))
                     .where(PortalSession.user_id == user_id))  # fmt: skip
    assert client.get("/districts/fenland/", follow_redirects=False).status_code == 303
    client = sign_in(server, "session@csp.test")
    with engine.begin() as conn:  # busy all day: 8 hours and a minute after signing in
        conn.execute(update(PortalSession).values(created_at=accounts.now() - timedelta(hours=8, minutes=1))
                     .where(PortalSession.user_id == user_id))  # fmt: skip
    assert client.get("/districts/fenland/", follow_redirects=False).status_code == 303
    client = sign_in(server, "session@csp.test")
    cookie = client.cookies.get("dasv_session")
    home = client.get("/")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)
    assert client.post("/sign-out", data={"csrf_token": csrf}).status_code == 303
    replay = httpx.Client(
        base_url=server, cookies={"dasv_session": cookie}
    )  # the old cookie, kept by an attacker
    assert replay.get("/districts/fenland/", follow_redirects=False).status_code == 303


def test_a_disabled_accounts_open_session_and_token_stop_at_the_next_request(published, server):
    engine = published["engine"]
    accounts.add_user(engine, "leaver@csp.test", "csp", ["Fenland"], PASSWORD)
    _, token = accounts.create_token(engine, "leaver@csp.test")
    client = sign_in(server, "leaver@csp.test")
    api = httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token}"})
    assert client.get("/districts/fenland/").status_code == 200
    assert api.get("/api/v1/districts/fenland/metrics.json").status_code == 200
    accounts.set_disabled(engine, "leaver@csp.test", True)
    assert client.get("/districts/fenland/", follow_redirects=False).status_code == 303
    assert api.get("/api/v1/districts/fenland/metrics.json").status_code == 401
    assert (
        _try(httpx.Client(base_url=server), "leaver@csp.test", PASSWORD).status_code == 200
    )  # cannot sign in


def test_every_post_needs_its_csrf_token(published, server):
    accounts.add_user(published["engine"], "csrf@csp.test", "csp", ["Fenland"], PASSWORD)
    client = httpx.Client(base_url=server, timeout=20)
    _form(client)  # the cookie is set, the field left out or forged
    for data in ({"email": "csrf@csp.test", "password": PASSWORD}, {"email": "csrf@csp.test", "password": PASSWORD,
                                                                     "csrf_token": "forged"}):  # fmt: skip
        assert client.post("/sign-in", data=data).status_code == 403
    signed_in = sign_in(server, "csrf@csp.test")
    assert signed_in.post("/sign-out", data={}).status_code == 403
    assert signed_in.post("/sign-out", data={"csrf_token": "forged"}).status_code == 403
    assert signed_in.get("/districts/fenland/").status_code == 200  # still signed in
    assert client.post("/set-password", data={"token": "x", "password": PASSWORD}).status_code == 403


def test_set_password_links_are_one_time_72_hours_and_12_characters(published, server):
    engine = published["engine"]
    _, link = accounts.add_user(engine, "newcsp@csp.test", "csp", ["Fenland"])
    client = httpx.Client(base_url=server, timeout=20)
    csrf = _form(client, f"/set-password?token={link}")
    short = client.post("/set-password", data={"token": link, "password": "short", "csrf_token": csrf})
    assert short.status_code == 200 and "at least 12 characters" in short.text
    csrf = _form(client, f"/set-password?token={link}")
    done = client.post("/set-password", data={"token": link, "password": PASSWORD, "csrf_token": csrf})
    assert done.status_code == 303
    csrf = _form(client, f"/set-password?token={link}")
    again = client.post("/set-password", data={"token": link, "password": PASSWORD, "csrf_token": csrf})
    assert again.status_code == 410 and "expired or has been used" in again.text
    assert sign_in(server, "newcsp@csp.test").get("/districts/fenland/").status_code == 200
    _, old = accounts.add_user(engine, "late@csp.test", "csp", ["Fenland"])
    with engine.begin() as conn:
        conn.execute(update(PortalUser).where(PortalUser.email == "late@csp.test")
                     .values(set_password_expires=accounts.now() - timedelta(minutes=1)))  # fmt: skip
    csrf = _form(client, f"/set-password?token={old}")
    assert (
        client.post(
            "/set-password", data={"token": old, "password": PASSWORD, "csrf_token": csrf}
        ).status_code
        == 410
    )


def test_session_cookie_is_httponly_and_samesite_lax(server, published):
    accounts.add_user(published["engine"], "cookie@csp.test", "csp", ["Fenland"], PASSWORD)
    client = httpx.Client(base_url=server, timeout=20)
    csrf = _form(client)
    answer = client.post(
        "/sign-in", data={"email": "cookie@csp.test", "password": PASSWORD, "csrf_token": csrf}
    )
    cookie = next(
        v for k, v in answer.headers.multi_items() if k == "set-cookie" and v.startswith("dasv_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http here; behind TLS (https) the cookie is Secure


def _id(engine, email: str) -> int:
    from sqlalchemy import select

    with engine.connect() as conn:
        return conn.scalar(select(PortalUser.id).where(PortalUser.email == email))
