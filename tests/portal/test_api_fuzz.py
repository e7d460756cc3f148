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
    assert len(operations) == 3
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
        case = operation.Case(
            path_parameters={"district": "fenland"} if "{district}" in operation.path else {}
        )
        response = case.call(base_url=server, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        case.validate_response(response)
    assert len(calls) >= 40 and 404 in calls
    print(f"schemathesis: {len(calls)} generated requests, statuses {sorted(set(calls))}")


def test_statefully_from_the_district_list_through_its_links_to_each_feed(published, server):
    """Schemathesis's state machine follows the OpenAPI links: the districts a token sees, then their feeds."""
    schema = schemathesis.openapi.from_url(f"{server}/api/v1/openapi.json")
    links = schema.raw_schema["paths"]["/api/v1/districts"]["get"]["responses"]["200"]["links"]
    assert {link["operationId"] for link in links.values()} == {"metrics_json", "metrics_csv"}
    token = published["tokens"]["csp-two"]
    seen = []

    class Feed(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"base_url": server, "headers": {"Authorization": f"Bearer {token}"}}

        def after_call(self, response, case):
            seen.append((case.operation.path, response.status_code))
            assert response.status_code < 500, response.text[:300]

    Feed.run(settings=settings(max_examples=25, stateful_step_count=4, deadline=None, database=None,
                               suppress_health_check=list(HealthCheck)))  # fmt: skip
    followed = {path for path, status in seen if status == 200 and "{district}" in path}
    assert followed, seen[:20]  # a link from the list reached a feed the token may see
    print(f"schemathesis stateful: {len(seen)} calls, {sorted(set(seen))[:10]}")


def test_the_documented_district_answers_its_rows(published, server):
    token = published["tokens"]["csp-fenland"]
    answer = httpx.get(
        f"{server}/api/v1/districts/fenland/metrics.json", headers={"Authorization": f"Bearer {token}"}
    )
    rows = answer.json()["rows"]
    quarters = {(r["period_type"], r["period"]) for r in rows}
    assert ("quarter", "2025-26 Q3") in quarters and ("year_ending", "2025-09") in quarters
    county = published["deployment"].county_label
    assert {r["area"] for r in rows} == {"Fenland", county}  # the district, and the county beside it
    years = sorted({r["period"] for r in rows if r["period_type"] == "year_ending"})
    assert len(years) == 4 and years[-1] == "2025-09"  # the four years ending the slice shows
    assert list(rows[0]) == ["period_type", "period", "version", "latest", "revised", "measure", "label", "area",
                             "value", "status", "suppression", "complete", "published"]  # fmt: skip
    assert accounts.access_log(published["engine"], email=USERS["csp-fenland"][0])  # logged under the account
