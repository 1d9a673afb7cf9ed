"""API Gateway TOKEN authorizer: an API key in ``Authorization`` → the tenant, or no entry.

Unknown or malformed keys get 401 (``Unauthorized``), revoked keys an explicit Deny (403). The
allow policy covers the whole API stage, because API Gateway caches the answer per key for all
routes; the tenant id travels in the context, and handlers take it from there and nowhere else.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from mahnwerk.service import bootstrap
from mahnwerk.service.keys import authenticate

logger = Logger()


def _stage_wildcard(method_arn: str) -> str:
    # arn:aws:execute-api:{region}:{account}:{api id}/{stage}/{method}/{path…}
    prefix, _, rest = method_arn.partition("/")
    stage = rest.split("/", 1)[0]
    return f"{prefix}/{stage}/*/*"


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    found = authenticate(bootstrap.context(), str(event.get("authorizationToken") or ""))
    if found is None:
        logger.info("api key refused")
        raise Exception("Unauthorized")  # the exact message API Gateway maps to 401
    effect = "Deny" if found.revoked else "Allow"
    logger.info("api key checked", extra={"key_id": found.key_id, "effect": effect})
    return {
        "principalId": found.key_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect,
                           "Resource": _stage_wildcard(str(event.get("methodArn", "")))}],
        },
        "context": {"tenant_id": found.tenant_id, "key_id": found.key_id},
    }
