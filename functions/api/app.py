"""API: the integration REST API behind API Gateway. This slice serves /v1/health; the resources
(invoices, customers, payments, reports) arrive with the API issue."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from mahnwerk import __version__

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver(enable_validation=True)


@app.get("/v1/health")
def health() -> dict[str, Any]:
    return {"status": "ok", "version": __version__}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST,
                              clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
