"""API Gateway Lambda authorizer, for both REST APIs of the stack: an API key or a session → the
tenant, or no entry.

- TOKEN events (the integration API): the API key in ``Authorization`` (``Bearer mwk_…``).
- REQUEST events (the dashboard, identity source the ``Cookie`` header): the session cookie an
  owner got by signing in with the key (``mahnwerk.service.sessions``).

Unknown, malformed or expired credentials get 401 (``Unauthorized``), revoked keys an explicit Deny
(403). The allow policy covers the whole API stage, because API Gateway caches the answer per key or
cookie for all routes; the tenant id travels in the context, and handlers take it from there and
nowhere else.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mahnwerk.service import bootstrap
from mahnwerk.service.keys import authenticate
from mahnwerk.service.sessions import COOKIE, cookies, find_session

logger = Logger()


def _stage_wildcard(method_arn: str) -> str:
    # arn:aws:execute-api:{region}:{account}:{api id}/{stage}/{method}/{path…}
    prefix, _, rest = method_arn.partition("/")
    stage = rest.split("/", 1)[0]
    return f"{prefix}/{stage}/*/*"


def _policy(principal: str, effect: str, method_arn: str, context: dict[str, str]) -> dict[str, Any]:
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect,
                           "Resource": _stage_wildcard(method_arn)}],
        },
        "context": context,
    }


def _request_time(event: dict[str, Any]) -> datetime:
    """When API Gateway received the request (sessions expire by the gateway's clock)."""
    epoch = (event.get("requestContext") or {}).get("requestTimeEpoch")
    return datetime.fromtimestamp(epoch / 1000, UTC) if isinstance(epoch, int | float) \
        else datetime.now(UTC)


def _session(event: dict[str, Any]) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items() if isinstance(v, str)}
    token = cookies(headers.get("cookie", "")).get(COOKIE, "")
    session = find_session(bootstrap.context(), token, _request_time(event)) if token else None
    if session is None:
        logger.info("session refused")
        raise Exception("Unauthorized")  # the exact message API Gateway maps to 401
    logger.info("session checked", extra={"key_id": session.key_id})
    return _policy(f"session:{session.session_id}", "Allow", str(event.get("methodArn", "")),
                   {"tenant_id": session.tenant_id, "key_id": session.key_id,
                    "session_id": session.session_id})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("type") == "REQUEST":
        return _session(event)
    found = authenticate(bootstrap.context(), str(event.get("authorizationToken") or ""))
    if found is None:
        logger.info("api key refused")
        raise Exception("Unauthorized")  # the exact message API Gateway maps to 401
    effect = "Deny" if found.revoked else "Allow"
    logger.info("api key checked", extra={"key_id": found.key_id, "effect": effect})
    return _policy(found.key_id, effect, str(event.get("methodArn", "")),
                   {"tenant_id": found.tenant_id, "key_id": found.key_id})
