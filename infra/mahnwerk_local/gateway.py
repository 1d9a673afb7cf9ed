"""API Gateway, locally: the REST API (TOKEN authorizer, then the API function) and the
dashboard's REST API (session cookie, REQUEST authorizer, the template's gateway responses)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .cfn import Resolver
from .events import api_gateway_event
from .identity import ACCOUNT


@dataclass(frozen=True)
class Route:
    """A path and method an API Gateway REST API routes to a function (an Api event)."""

    function: str
    method: str
    path: str
    anonymous: bool

    def matches(self, path: str) -> bool:
        pattern = re.sub(r"\\{[^}]+\\\+\\}", ".+", re.escape(self.path))
        pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", pattern)
        # API Gateway routes /app/ to the /app resource: a trailing slash does not count
        return re.fullmatch(pattern, path.rstrip("/") or "/") is not None

    @property
    def specificity(self) -> tuple[int, int]:
        """API Gateway prefers literal segments, then path parameters, then a greedy {proxy+}."""
        parts = self.path.strip("/").split("/")
        return (0 if "+}" in self.path else 1, sum(1 for p in parts if not p.startswith("{")))


@dataclass
class ApiResponse:
    status: int
    body: Any
    headers: Mapping[str, str]


class Gateway:
    """The part of ``LocalStack`` that serves requests the way API Gateway does."""

    DASHBOARD_API = "DashboardApi"

    template: dict[str, Any]
    parameters: Mapping[str, str]
    region: str
    resolver: Resolver
    now: datetime | None

    if TYPE_CHECKING:
        def invoke(self, logical_id: str, event: dict[str, Any]) -> Any: ...

    def api(self, method: str, path: str, *, key: str | None = None, body: Any = None,
            query: Mapping[str, str] | None = None,
            headers: Mapping[str, str] | None = None, binary: bytes | None = None) -> ApiResponse:
        """One request the way API Gateway serves it: the template's authorizer with the
        ``Authorization`` header (401 without a key or for an unknown one, 403 on Deny), then the
        API function with a REST proxy event carrying the authorizer's context."""
        headers = dict(headers or {})
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        text = body if isinstance(body, str) or body is None else json.dumps(body)
        if any(r.matches(path) for r in self.dashboard_routes):
            if binary is not None:  # a body that is no text (a file upload): base64, as the
                # dashboard API's binary media types pass it
                return self._dashboard(method, path, base64.b64encode(binary).decode("ascii"),
                                       headers, dict(query or {}), True)
            return self._dashboard(method, path, text, headers, dict(query or {}))
        token = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        stage = self.parameters.get("Stage", "dev")
        if not token:
            return ApiResponse(401, {"message": "Unauthorized"}, {})
        arn = f"arn:aws:execute-api:{self.region}:123456789012:local/{stage}/{method.upper()}{path}"
        try:
            answer = self.invoke(self.authorizer, {"type": "TOKEN", "authorizationToken": token,
                                                   "methodArn": arn})
        except Exception:
            return ApiResponse(401, {"message": "Unauthorized"}, {})
        statement = answer["policyDocument"]["Statement"][0]
        if statement["Effect"] != "Allow":
            return ApiResponse(403, {"message": "User is not authorized to access this resource "
                                                "with an explicit deny"}, {})
        context = {**answer.get("context", {}), "principalId": answer["principalId"]}
        event = api_gateway_event(method, path, body=text, headers=headers, query=dict(query or {}),
                                  stage=stage, authorizer=context, at=self.now)
        result = self.invoke("ApiFunction", event)
        raw = result.get("body") or ""
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw
        merged = {**(result.get("headers") or {})}
        for name, values in (result.get("multiValueHeaders") or {}).items():
            merged[name] = values[-1] if len(values) == 1 else values
        return ApiResponse(result["statusCode"], payload, merged)


    @property
    def dashboard_routes(self) -> list[Route]:
        """The dashboard API's routes, read from the functions' Api events in the template."""
        routes: list[Route] = getattr(self, "_dashboard_routes", None) or []
        if not routes:
            for logical, spec in self.template["Resources"].items():
                if spec["Type"] != "AWS::Serverless::Function":
                    continue
                for event in ((spec.get("Properties") or {}).get("Events") or {}).values():
                    props = event.get("Properties") or {}
                    if event["Type"] == "Api" and props.get("RestApiId") == {"Ref": self.DASHBOARD_API}:
                        routes.append(Route(logical, str(props["Method"]).upper(), str(props["Path"]),
                                            (props.get("Auth") or {}).get("Authorizer") == "NONE"))
            self._dashboard_routes = routes
        return routes

    def _dashboard_gateway_response(self, kind: str, default: int, message: str) -> ApiResponse:
        """A gateway response of the dashboard API as the template configures it. Locally the
        dashboard is served without the stage prefix (as behind a custom domain), so a Location
        the template points at ``/{stage}/…`` is given without it."""
        api = self.template["Resources"][self.DASHBOARD_API]["Properties"]
        spec = (api.get("GatewayResponses") or {}).get(kind) or {}
        headers: dict[str, str] = {}
        for name, value in ((spec.get("ResponseParameters") or {}).get("Headers") or {}).items():
            text = str(self.resolver.resolve(value)).strip("'")
            stage_prefix = f"/{self.parameters.get('Stage', 'dev')}/"
            if name.lower() == "location" and text.startswith(stage_prefix):
                text = text[len(stage_prefix) - 1:]
            headers[name] = text
        return ApiResponse(int(spec.get("StatusCode", default)), {"message": message}, headers)

    def _dashboard(self, method: str, path: str, text: str | None, headers: dict[str, str],
                   query: dict[str, str], base64_body: bool = False) -> ApiResponse:
        """One dashboard request as API Gateway serves it: the most specific resource, its
        authorizer (none for the sign-in page and the static files; else the REQUEST authorizer
        with the identity source headers, 401 → the UNAUTHORIZED gateway response), then the
        function with a REST proxy event carrying the authorizer's context."""
        candidates = sorted((r for r in self.dashboard_routes if r.matches(path)),
                            key=lambda r: r.specificity, reverse=True)
        resource = candidates[0].path
        route = next((r for r in candidates if r.path == resource and r.method in {method.upper(), "ANY"}),
                     None)
        if route is None:
            return ApiResponse(403, {"message": "Missing Authentication Token"}, {})
        stage = self.parameters.get("Stage", "dev")
        context: dict[str, Any] = {}
        if not route.anonymous:
            api = self.template["Resources"][self.DASHBOARD_API]["Properties"]["Auth"]
            identity = api["Authorizers"][api["DefaultAuthorizer"]].get("Identity") or {}
            sent = {k.lower(): v for k, v in headers.items()}
            if any(not sent.get(h.lower()) for h in identity.get("Headers") or []):
                return self._dashboard_gateway_response("UNAUTHORIZED", 401, "Unauthorized")
            arn = f"arn:aws:execute-api:{self.region}:{ACCOUNT}:local/{stage}/{method.upper()}{path}"
            request = {**api_gateway_event(method, path, body=None, headers=headers, query=query,
                                           stage=stage, at=self.now),
                       "type": "REQUEST", "methodArn": arn, "resource": resource}
            try:
                answer = self.invoke(self.authorizer, request)
            except Exception:
                return self._dashboard_gateway_response("UNAUTHORIZED", 401, "Unauthorized")
            if answer["policyDocument"]["Statement"][0]["Effect"] != "Allow":
                return self._dashboard_gateway_response(
                    "ACCESS_DENIED", 403, "User is not authorized to access this resource")
            context = {**answer.get("context", {}), "principalId": answer["principalId"]}
        event = api_gateway_event(method, path, body=text, headers=headers, query=query, stage=stage,
                                  authorizer=context, at=self.now, base64_body=base64_body)
        result = self.invoke(route.function, event)
        raw = result.get("body") or ""
        if result.get("isBase64Encoded"):
            payload: Any = raw
        else:
            try:
                payload = json.loads(raw) if raw else None
            except ValueError:
                payload = raw
        merged = {**(result.get("headers") or {})}
        for name, values in (result.get("multiValueHeaders") or {}).items():
            merged[name] = values[-1] if len(values) == 1 else values
        return ApiResponse(result["statusCode"], payload, merged)

    @property
    def authorizer(self) -> str:
        """The logical id of the API's default Lambda authorizer, read from the template."""
        api = self.template["Resources"]["Api"]["Properties"]
        arn = api["Auth"]["Authorizers"][api["Auth"]["DefaultAuthorizer"]]["FunctionArn"]
        logical: str = arn["Fn::GetAtt"][0] if isinstance(arn, dict) else str(arn).split(".")[0]
        return logical
