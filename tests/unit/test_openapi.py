"""docs/openapi.json is the API as the resolver describes it: regenerate it when routes change."""

import json

from mahnwerk_local.openapi_export import PATH, current


def test_the_committed_openapi_document_matches_the_routes():
    assert PATH.read_text(encoding="utf-8") == current(), (
        "docs/openapi.json is out of date: run .venv/bin/python -m mahnwerk_local.openapi_export")


def test_every_route_is_documented_and_needs_the_api_key():
    doc = json.loads(current())
    paths = doc["paths"]
    for path in ("/v1/invoices", "/v1/invoices/{number}", "/v1/invoices/{number}/pause",
                 "/v1/customers/{customer_id}", "/v1/customers/{customer_id}/overrides",
                 "/v1/payments/unmatched", "/v1/payments/{payment_id}/assign",
                 "/v1/notices/{notice_id}/letter", "/v1/uploads", "/v1/settings",
                 "/v1/reports/aging", "/v1/reports/dso", "/v1/reports/reliability",
                 "/v1/reports/effectiveness", "/v1/forecast", "/v1/health"):
        assert path in paths, path
    assert doc["security"] == [{"apiKey": []}]
    assert doc["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
