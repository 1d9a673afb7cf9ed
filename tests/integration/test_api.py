"""API Gateway proxy events through the ApiFunction (the REST API grows in its own issue)."""

import json

from mahnwerk_local.events import api_gateway_event


def test_health_answers_through_the_real_handler(stack):
    response = stack.invoke("ApiFunction", api_gateway_event("GET", "/v1/health"))
    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert body["status"] == "ok" and body["version"]


def test_unknown_route_is_a_json_404(stack):
    response = stack.invoke("ApiFunction", api_gateway_event("GET", "/v1/nope"))
    assert response["statusCode"] == 404
