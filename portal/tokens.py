"""The API tokens page: a signed-in user creates, lists and revokes their own tokens for the feed.

A token is shown once, on the page that created it, and only its SHA-256 is kept (as with
``dasv portal token create``). Creating and revoking are written to the access log (the
``file`` column says what was done), so ``dasv portal audit`` shows them. Beside the list: the
exact steps to load the feed into Power BI and Excel with a token.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from dasv import accounts
from dasv.portal.context import note, page_account, portal
from dasv.portal.pages import to_sign_in
from dasv.portal.signin import csrf_ok
from dasv.portal.views import render
from dasv.quarters import london_time
from dasv.safe_text import slug

router = APIRouter(include_in_schema=False)
DAYS = (30, 90, 365)


def _page(request: Request, account: accounts.Account, status: int = 200, **values) -> Response:
    p = portal(request)
    base = (p.public_url or str(request.base_url)).rstrip("/")
    feeds = [{"name": a.name, "csv": f"{base}/api/v1/districts/{slug(a.name)}/metrics.csv",
              "json": f"{base}/api/v1/districts/{slug(a.name)}/metrics.json"}
             for a in p.deployment.districts if account.may_see(a.name)]  # fmt: skip
    tokens = [{**t, "created": london_time(t["created"]), "expires": london_time(t["expires"]),
               "revoked": london_time(t["revoked"]) if t["revoked"] else None}
              for t in accounts.user_tokens(p.reader, account.id)]  # fmt: skip
    return render(request, "tokens.html.j2", status=status, title="API tokens", tokens=tokens, feeds=feeds,
                  days=DAYS, **values)  # fmt: skip


@router.get("/account/tokens")
def tokens_page(request: Request) -> Response:
    """The signed-in user's API tokens, and how to use one from Power BI or Excel."""
    account = page_account(request)
    if account is None:
        return to_sign_in(request)
    return _page(request, account)


@router.post("/account/tokens")
def create(request: Request, csrf_token: str = Form(""), days: int = Form(365)) -> Response:
    """A new token for the signed-in user, shown once on the answer (which no cache keeps)."""
    account = page_account(request)
    if account is None:
        return to_sign_in(request)
    if not csrf_ok(csrf_token, account.session_csrf):
        raise HTTPException(403, "The form had expired. Go back, reload the page and try again.")
    if days not in DAYS:
        return _page(request, account, status=400, error="Choose how long the token should last")
    token_id, token = accounts.create_token(portal(request).engine, None, days, user_id=account.id)
    note(request, file=f"token {token_id} created")
    return _page(request, account, new_token=token, new_id=token_id)


@router.post("/account/tokens/{token_id}/revoke")
def revoke(request: Request, token_id: int, csrf_token: str = Form("")) -> Response:
    """Revoke one of the signed-in user's own tokens (anyone else's answers as not found)."""
    account = page_account(request)
    if account is None:
        return to_sign_in(request)
    if not csrf_ok(csrf_token, account.session_csrf):
        raise HTTPException(403, "The form had expired. Go back, reload the page and try again.")
    if not 0 < token_id < 2**31 or not accounts.revoke_own_token(
        portal(request).engine, account.id, token_id
    ):
        raise HTTPException(404)
    note(request, file=f"token {token_id} revoked")
    return RedirectResponse(f"/account/tokens?revoked={token_id}", status_code=303)
