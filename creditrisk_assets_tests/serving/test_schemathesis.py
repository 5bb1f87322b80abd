"""Schemathesis over the live OpenAPI spec: no generated input, valid or not, gets a 5xx.

Bounded on purpose (a few operations, a few dozen examples each, derandomized so a failure
reproduces): the point is to catch an unhandled input class, not to fuzz for minutes.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode

POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
#: (path, method, mode, examples): negative cases only where there is a body to break.
CASES = [
    ("/predict", "POST", POSITIVE, 25),
    ("/predict", "POST", NEGATIVE, 15),
    ("/score", "POST", POSITIVE, 10),
    ("/score", "POST", NEGATIVE, 10),
    ("/validate", "POST", POSITIVE, 10),
    ("/validate", "POST", NEGATIVE, 10),
    ("/schema", "GET", POSITIVE, 3),
    ("/metadata", "GET", POSITIVE, 3),
]


@pytest.fixture(scope="module")
def api_schema(live):
    return schemathesis.openapi.from_url(f"{live.url}/openapi.json")


@pytest.mark.parametrize(("path", "method", "mode", "examples"), CASES, ids=str)
def test_generated_requests_never_get_a_server_error(
    api_schema, live, path, method, mode, examples
):
    operation = api_schema[path][method]
    statuses: list[int] = []

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: schemathesis.Case) -> None:
        response = case.call(base_url=live.url, timeout=30)
        statuses.append(response.status_code)
        assert response.status_code < 500, (case.body, response.text[:500])

    check()
    assert statuses  # hypothesis did run requests
