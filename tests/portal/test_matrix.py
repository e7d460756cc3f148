"""Every route x every kind of caller x every way of writing a district: exactly what docs/portal.md says.

Pages use the session: signed out (or with only a token) they redirect to sign-in. What a
caller may not see answers as not found, like what does not exist. The API wants a token
or a session: none or a bad one is 401, a district it may not see 404. Every request that
reaches a district, county or API route leaves one row in the access log.
"""

from __future__ import annotations

import httpx
import pytest

from dasv import accounts
from tests.portal.conftest import USERS, sign_in

DISTRICT_ROUTES = {
    "district": "/districts/{d}/",
    "slice": "/districts/{d}/2025-26-Q3/",
    "slice, other quarter form": "/districts/{d}/2025-26Q3/",
    "pdf": "/districts/{d}/2025-26-Q3/slice.pdf",
    "csv.zip": "/districts/{d}/2025-26-Q3/csv.zip",
    "json version 1": "/districts/{d}/2025-26-Q3/slice.json?version=1",
    "json version 99": "/districts/{d}/2025-26-Q3/slice.json?version=99",
    "no file of that name": "/districts/{d}/2025-26-Q3/secret.txt",
    "no trailing slash": "/districts/{d}",
    "api csv": "/api/v1/districts/{d}/metrics.csv",
    "api json": "/api/v1/districts/{d}/metrics.json",
}
COUNTY_ROUTES = {
    "county": "/county/2025-26-Q3/",
    "county pdf": "/county/2025-26-Q3/report.pdf",
    "county version 99": "/county/2025-26-Q3/report.pdf?version=99",
}
# spelling in the URL -> the district it names (None: no district)
SPELLINGS = {
    "fenland": "Fenland", "Fenland": "Fenland", "FENLAND": "Fenland", "Fenland%20District": "Fenland",
    "hunts": "Huntingdonshire", "huntingdonshire": "Huntingdonshire",
    "peterborough": "Peterborough", "P%27boro": "Peterborough",
    "narnia": None, "%252e%252e": None, "%2e%2e%2fpeterborough": None, "..%2fpeterborough": None,
}  # fmt: skip
TRAVERSAL = {"%2e%2e%2fpeterborough", "..%2fpeterborough"}  # encoded slashes and dot-dots
CALLERS = ["anonymous", "csp-fenland", "csp-two", "partnership", "admin", "disabled",
           "token-fenland", "token-two", "token-revoked", "token-expired", "token-disabled"]  # fmt: skip


@pytest.fixture(scope="module")
def callers(published, server):
    clients = {"anonymous": httpx.Client(base_url=server, timeout=20)}
    for key in ("csp-fenland", "csp-two", "partnership", "admin", "disabled"):
        clients[key] = sign_in(server, USERS[key][0])
    accounts.set_disabled(published["engine"], USERS["disabled"][0], True)  # its session and token end now
    tokens = published["tokens"]
    for key, token in (("token-fenland", tokens["csp-fenland"]), ("token-two", tokens["csp-two"]),
                       ("token-revoked", tokens["revoked"]), ("token-expired", tokens["expired"]),
                       ("token-disabled", tokens["disabled"])):  # fmt: skip
        clients[key] = httpx.Client(base_url=server, timeout=20, headers={"Authorization": f"Bearer {token}"})
    yield clients
    for client in clients.values():
        client.close()


def sees(caller: str) -> set[str | None]:
    """The districts (None: the county report) a caller's valid session or token may see."""
    everything = {"Fenland", "Huntingdonshire", "Peterborough", "Cambridge City", "East Cambridgeshire",
                  "South Cambridgeshire", None}  # fmt: skip
    return {
        "csp-fenland": {"Fenland"}, "csp-two": {"Fenland", "Huntingdonshire"}, "partnership": everything,
        "admin": everything, "token-fenland": {"Fenland"}, "token-two": {"Fenland", "Huntingdonshire"},
    }.get(caller, set())  # fmt: skip


def expected(route: str, caller: str, spelling: str | None) -> int:
    """The status docs/portal.md gives (and FastAPI's redirect of a missing trailing slash)."""
    api = route.startswith("api")
    session = caller in ("csp-fenland", "csp-two", "partnership", "admin")
    valid = session or caller in ("token-fenland", "token-two")
    district = SPELLINGS.get(spelling) if spelling is not None else None
    if spelling in TRAVERSAL:
        return 404  # an encoded slash or dot-dot: not found, before any route
    if route == "no trailing slash":
        return 307
    if api:
        if not valid:
            return 401
        return 200 if district is not None and district in sees(caller) else 404
    if not session:
        return 303  # pages use the session: to sign-in
    if spelling is None:  # county routes
        if None not in sees(caller):
            return 404
        return 404 if "99" in route else 200
    if district is None or district not in sees(caller):
        return 404
    if route == "slice, other quarter form":
        return 308
    return 404 if route in ("json version 99", "no file of that name") else 200


def test_every_route_role_and_spelling_answers_as_portal_md_says(published, server, callers):
    before = len(accounts.access_log(published["engine"]))
    wrong, asked = [], 0
    for caller in CALLERS:
        client = callers[caller]
        cases = [(name, path.format(d=s), s) for name, path in DISTRICT_ROUTES.items() for s in SPELLINGS]
        cases += [(name, path, None) for name, path in COUNTY_ROUTES.items()]
        for name, path, spelling in cases:
            answer = client.get(path, follow_redirects=False)
            asked += 1
            want = expected(name, caller, spelling)
            if answer.status_code != want:
                wrong.append((caller, name, path, answer.status_code, want))
            if answer.status_code == 303:
                assert answer.headers["location"].startswith("/sign-in"), path
            if answer.status_code == 404 and not path.startswith("/api/"):
                assert "Page not found" in answer.text  # what may not be seen looks like what does not exist
            if answer.status_code == 200 and path.endswith((".pdf", ".zip")):
                assert answer.headers["cache-control"] == "no-store"
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert wrong == [], f"{len(wrong)} of {asked} answers differ, e.g. {wrong[:8]}"
    rows = accounts.access_log(published["engine"])[before:]
    assert len(rows) == asked  # one access-log row for each request, refused ones too
    refused = [r for r in rows if r["status"] in (400, 401, 404)]
    assert refused and all(r["route"].startswith(("/districts/", "/county/", "/api/")) for r in rows)
    tokens = [r for r in rows if r["token"] is not None]
    assert tokens and all(r["user"] for r in tokens)  # a token's requests name its account
    print(f"authorisation matrix: {asked} requests, {len(CALLERS)} callers, {len(SPELLINGS)} spellings")


def test_quarter_forms_redirect_to_the_canonical_one(callers):
    client = callers["csp-fenland"]
    for form in ("2025-26%20Q3", "2025-26Q3", "2025-26-q3"):
        answer = client.get(f"/districts/fenland/{form}/slice.pdf?version=1", follow_redirects=False)
        assert answer.status_code == 308
        assert answer.headers["location"] == "/districts/fenland/2025-26-Q3/slice.pdf?version=1"
    assert client.get("/districts/fenland/2025-26-Q7/").status_code == 404
