"""Schemathesis against the portal's own OpenAPI document, with a valid token, on the real server.

Every generated request (any district text, any header) must get an answer that is not a
server error and that matches the schema the portal publishes.
"""

from __future__ import annotations

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings

from dasv import accounts
from tests.portal.conftest import USERS


def test_the_api_never_fails_and_keeps_its_schema(published, server):
    """Every operation of the published OpenAPI document, fuzzed (schemathesis strategies, run by hypothesis)."""
    schema = schemathesis.openapi.from_url(f"{server}/api/v1/openapi.json")
    token = published["tokens"]["csp-two"]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 2
    calls = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case):
            response = case.call(base_url=server, headers={"Authorization": f"Bearer {token}"})
            calls.append(response.status_code)
            assert response.status_code < 500, response.text[:300]
            case.validate_response(response)

        fuzz()
        # and the schema holds for a district the token may see
        case = operation.Case(path_parameters={"district": "fenland"})
        response = case.call(base_url=server, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        case.validate_response(response)
    assert len(calls) >= 40 and 404 in calls
    print(f"schemathesis: {len(calls)} generated requests, statuses {sorted(set(calls))}")


def test_the_documented_district_answers_its_rows(published, server):
    token = published["tokens"]["csp-fenland"]
    answer = httpx.get(
        f"{server}/api/v1/districts/fenland/metrics.json", headers={"Authorization": f"Bearer {token}"}
    )
    rows = answer.json()["rows"]
    quarters = {(r["period_type"], r["period"]) for r in rows}
    assert ("quarter", "2025-26 Q3") in quarters and ("year_ending", "2025-09") in quarters
    assert all(r["area"] == "Fenland" for r in rows if r["measure"].startswith("idva."))
    assert accounts.access_log(published["engine"], email=USERS["csp-fenland"][0])  # logged under the account
