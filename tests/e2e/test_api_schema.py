"""Property-based API test: schemathesis drives every operation of the OpenAPI schema against a
running ``mahnwerk serve --demo`` (real HTTP, the authorizer with the printed key): no request may
end in a server error (5xx), and every answer with a documented status must match its response
schema. Path parameters are often ids the demo really has, so the calls reach the handlers' logic
instead of stopping at 404. Bounded: a few examples per operation, no shrinking (~1 min)."""

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from mahnwerk_local.openapi_export import PATH as OPENAPI

from ._serve import start

pytestmark = pytest.mark.slow

EXAMPLES = 5  # per operation; 0.2–0.4 s a request on the local stack


def documented_schema() -> dict:
    """The committed docs/openapi.json (tests/unit/test_openapi.py keeps it equal to the routes)."""
    return json.loads(OPENAPI.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = start(tmp_path_factory.mktemp("schema"), "--demo")
    yield server
    server.stop()


# fuzzing only: the coverage phase's hundreds of boundary cases would take minutes here
schema = schemathesis.openapi.from_dict(documented_schema(), config=schemathesis.Config.from_dict(
    {"phases": {"coverage": {"enabled": False}}}))
#: ids the running demo has, by path parameter name (filled once the server is up)
KNOWN: dict[str, list[str]] = {}


@pytest.fixture(scope="module")
def known_ids(served):
    def ids(path: str, field: str) -> list[str]:
        status, _, body = served.call("GET", path)
        assert status == 200, body
        return [item[field] for item in body["items"]]

    KNOWN.update(number=ids("/v1/invoices?limit=200", "number"),
                 customer_id=ids("/v1/customers?limit=200", "customer_id"),
                 notice_id=ids("/v1/notices?limit=200", "notice_id"),
                 payment_id=ids("/v1/payments?limit=200", "payment_id"))
    yield KNOWN
    KNOWN.clear()


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """About half the time an id the demo has, so the call reaches the handler's logic."""
    if not path_parameters:
        return st.just(path_parameters)
    return st.fixed_dictionaries({
        name: st.one_of(st.just(value), st.sampled_from(KNOWN[name])) if KNOWN.get(name) else st.just(value)
        for name, value in path_parameters.items()})


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, served, known_ids):
    case.call_and_validate(base_url=served.base, headers={"Authorization": f"Bearer {served.key}"},
                           checks=[not_a_server_error, response_schema_conformance], timeout=30)


def test_validation_errors_carry_the_documented_msg(served):
    status, _, body = served.call("GET", "/v1/invoices?limit=0")
    assert status == 422
    assert all("msg" in e for e in body["detail"]), body


def test_multipart_without_a_boundary_is_a_client_error(served):
    status, _, body = served.call("POST", "/v1/invoices/RE-2026-101/dispute", b'{"reason": ""}',
                                  headers={"Content-Type": "multipart/form-data"})
    assert 400 <= status < 500, (status, body)
