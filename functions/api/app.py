"""API: the integration REST API behind API Gateway and the key authorizer, the owners'
dashboard (``/app``, on its own REST API with the session authorizer) and the debtors' pages
(``/portal``, on the dashboard's API without an authorizer: the link is signed). Routes live in
``mahnwerk.api`` (one Router per resource) and ``mahnwerk.web``; this handler only picks the
resolver and wires logging and metrics."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from mahnwerk.api.app import build
from mahnwerk.api.idempotency import CONFIG as IDEMPOTENCY
from mahnwerk.web.app import build as build_dashboard
from mahnwerk.web.app import is_dashboard
from mahnwerk.web.portal import build as build_portal
from mahnwerk.web.portal import is_portal

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = build()
dashboard = build_dashboard()
portal = build_portal()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST,
                              clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    IDEMPOTENCY.register_lambda_context(context)  # a request near the timeout is not left 'in progress'
    if is_dashboard(event):
        return dashboard.resolve(event, context)
    if is_portal(event):  # the debtors' pages (no session: the signed link)
        return portal.resolve(event, context)
    return app.resolve(event, context)
