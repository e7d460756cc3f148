"""50 concurrent clients for 30 s against the real portal (loopback): no error, latency reported."""

from __future__ import annotations

import json

from tests.loadgen import load
from tests.portal.conftest import PASSWORD


def test_fifty_clients_for_thirty_seconds_without_an_error(published, server):
    figures = load(server, "two@csp.test", PASSWORD, published["tokens"]["csp-two"], clients=50, seconds=30)
    (published["tmp"] / "load.json").write_text(json.dumps(figures, indent=2))
    print(f"portal load: {figures}")
    assert figures["error_count"] == 0, figures["errors"]
    assert figures["requests"] > 500
