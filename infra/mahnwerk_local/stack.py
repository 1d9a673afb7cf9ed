"""The embedded local stack: moto resources built from template.yaml, handlers invoked locally.

Template and local stack cannot drift: every bucket, table (with its indexes), queue (with its
redrive policy), notification and environment variable comes from the template. Handlers are the
real ``functions/*/app.py`` modules, invoked with the event shapes AWS sends.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3

from .cfn import Resolver, load_template, project_root
from .events import LambdaContext, api_gateway_event, scheduler_input, sqs_event, with_event_time

ACCOUNT = "123456789012"
REGION = "eu-central-1"
STACK = "mahnwerk-local"

#: Set only locally: no X-Ray daemon here, and no CloudWatch to receive metrics.
LOCAL_ENV = {
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
}
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing", "AWS_SESSION_TOKEN": "testing",
}


@dataclass
class Function:
    logical_id: str
    path: Path
    handler: str
    environment: dict[str, str]
    batch_size: int = 10
    queue_url: str | None = None
    queue_arn: str | None = None
    schedule_input: str | None = None
    report_batch_failures: bool = False


@dataclass
class InvocationLog:
    function: str
    event: dict[str, Any]
    result: Any = None
    error: str | None = None


class LambdaCrash(BaseException):
    """The execution environment died mid-invocation (timeout, out of memory, a lost host): not an
    Exception, so none of the function's own error handling runs — as in Lambda."""


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


@dataclass
class LocalStack:
    template_path: Path = field(default_factory=lambda: project_root() / "template.yaml")
    parameters: Mapping[str, str] = field(default_factory=dict)
    region: str = REGION
    #: the simulated wall clock (None: real time)
    now: datetime | None = None

    def __post_init__(self) -> None:
        self.template = load_template(Path(self.template_path))
        self.physical: dict[str, str] = {}
        self.functions: dict[str, Function] = {}
        self.invocations: list[InvocationLog] = []
        self._modules: dict[Path, ModuleType] = {}
        self._mock: Any = None
        self._saved_env: dict[str, str | None] = {}

    # --- life cycle --------------------------------------------------------------------------

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        from moto import mock_aws

        self._set_env({**FAKE_CREDENTIALS, **LOCAL_ENV})
        from mahnwerk.service import bootstrap

        _make_requests_atomic()
        _make_transactions_cheap()
        _make_event_targets_cheap()
        self._mock = mock_aws()
        self._mock.start()
        bootstrap.reset()
        self.deploy()
        _ses_events.stack = self
        _ses_events.register()

    def stop(self) -> None:
        if _ses_events.stack is self:
            _ses_events.stack = None
        if self._mock is not None:
            from mahnwerk.service import bootstrap

            self._mock.stop()
            self._mock = None
            bootstrap.reset()
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()

    def _set_env(self, values: Mapping[str, str]) -> None:
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=self.region)  # type: ignore[call-overload]

    # --- building the resources from the template ---------------------------------------------

    def deploy(self) -> None:
        resources: dict[str, dict[str, Any]] = self.template["Resources"]
        self.resolver = Resolver(self.template, self.parameters, {
            "AWS::Region": self.region, "AWS::AccountId": ACCOUNT, "AWS::StackName": STACK,
            "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": "",
        })
        for logical, spec in resources.items():
            self._name(logical, spec)
        queues = [(n, s) for n, s in resources.items() if s["Type"] == "AWS::SQS::Queue"]
        # dead-letter queues first: a RedrivePolicy must point at an existing queue
        for logical, spec in sorted(queues, key=lambda q: "RedrivePolicy" in (
                q[1].get("Properties") or {})):
            self._create_queue(logical, spec)
        for logical, spec in resources.items():
            if spec["Type"] == "AWS::DynamoDB::Table":
                self._create_table(logical, spec)
            elif spec["Type"] == "AWS::SES::ConfigurationSet":
                self.client("ses").create_configuration_set(
                    ConfigurationSet={"Name": self.physical[logical]})
            elif spec["Type"] == "AWS::SNS::Topic":
                self.client("sns").create_topic(Name=self.physical[logical])
            elif spec["Type"] == "AWS::Events::EventBus":
                self.client("events").create_event_bus(Name=self.physical[logical])
        for logical, spec in resources.items():  # archives record what reaches their bus
            if spec["Type"] == "AWS::Events::Archive":
                self._create_archive(logical, spec)
        for logical, spec in resources.items():
            if spec["Type"] == "AWS::S3::Bucket":
                self._create_bucket(logical, spec)
        for logical, spec in resources.items():
            if spec["Type"] == "AWS::Serverless::Function":
                self._register_function(logical, spec)
        sender = self.resolver.values.get("SenderEmail")
        if sender:
            self.verify_sender(str(sender))

    def _props(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        props: dict[str, Any] = self.resolver.resolve(spec.get("Properties") or {})
        return props

    def _name(self, logical: str, spec: Mapping[str, Any]) -> None:
        kind = spec["Type"]
        raw = spec.get("Properties") or {}
        r, region = self.resolver, self.region
        default = f"{STACK}-{logical}"
        if kind == "AWS::S3::Bucket":
            name = r.resolve(raw.get("BucketName")) or default.lower()
            arn = f"arn:aws:s3:::{name}"
            r.values[logical] = name
        elif kind == "AWS::SQS::Queue":
            name = r.resolve(raw.get("QueueName")) or default
            arn = f"arn:aws:sqs:{region}:{ACCOUNT}:{name}"
            r.values[logical] = f"https://sqs.{region}.amazonaws.com/{ACCOUNT}/{name}"
            r.attributes[(logical, "QueueName")] = name
            r.attributes[(logical, "QueueUrl")] = r.values[logical]
        elif kind == "AWS::DynamoDB::Table":
            name = r.resolve(raw.get("TableName")) or default
            arn = f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{name}"
            r.values[logical] = name
        elif kind == "AWS::SES::ConfigurationSet":
            name = r.resolve(raw.get("Name")) or default
            arn = name
            r.values[logical] = name
        elif kind == "AWS::SNS::Topic":
            name = r.resolve(raw.get("TopicName")) or default
            arn = f"arn:aws:sns:{region}:{ACCOUNT}:{name}"
            r.values[logical] = arn
        elif kind == "AWS::Events::EventBus":
            name = r.resolve(raw.get("Name")) or default
            arn = f"arn:aws:events:{region}:{ACCOUNT}:event-bus/{name}"
            r.values[logical] = name
            r.attributes[(logical, "Name")] = name
        elif kind == "AWS::Events::Archive":
            name = r.resolve(raw.get("ArchiveName")) or default
            arn = f"arn:aws:events:{region}:{ACCOUNT}:archive/{name}"
            r.values[logical] = name
        elif kind == "AWS::Serverless::Function":
            name = default
            arn = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"
            r.values[logical] = name
        else:
            name = arn = logical
            r.values.setdefault(logical, logical)
        self.physical[logical] = name
        r.attributes.setdefault((logical, "Arn"), arn)

    def _create_queue(self, logical: str, spec: Mapping[str, Any]) -> None:
        props = self._props(spec)
        attributes: dict[str, str] = {}
        for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds",
                    "ReceiveMessageWaitTimeSeconds", "SqsManagedSseEnabled", "FifoQueue"):
            if key in props:
                attributes[key] = str(props[key]).lower() if isinstance(props[key], bool) \
                    else str(props[key])
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
        url = self.client("sqs").create_queue(QueueName=self.physical[logical],
                                              Attributes=attributes)["QueueUrl"]
        self.resolver.values[logical] = url

    def _create_table(self, logical: str, spec: Mapping[str, Any]) -> None:
        props = self._props(spec)
        kwargs: dict[str, Any] = {
            "TableName": self.physical[logical],
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            kwargs["GlobalSecondaryIndexes"] = [
                {k: v for k, v in gsi.items() if k in {"IndexName", "KeySchema", "Projection"}}
                for gsi in props["GlobalSecondaryIndexes"]
            ]
        if props.get("SSESpecification", {}).get("SSEEnabled"):
            kwargs["SSESpecification"] = {"Enabled": True}
        ddb = self.client("dynamodb")
        ddb.create_table(**kwargs)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            ddb.update_time_to_live(TableName=self.physical[logical], TimeToLiveSpecification={
                "Enabled": True, "AttributeName": ttl["AttributeName"]})
        pitr = props.get("PointInTimeRecoverySpecification", {})
        if pitr.get("PointInTimeRecoveryEnabled"):
            ddb.update_continuous_backups(
                TableName=self.physical[logical],
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})

    def _create_archive(self, logical: str, spec: Mapping[str, Any]) -> None:
        props = self._props(spec)
        kwargs: dict[str, Any] = {"ArchiveName": self.physical[logical],
                                  "EventSourceArn": props["SourceArn"]}
        if props.get("EventPattern"):
            kwargs["EventPattern"] = json.dumps(props["EventPattern"])
        if "RetentionDays" in props:
            kwargs["RetentionDays"] = int(props["RetentionDays"])
        self.client("events").create_archive(**kwargs)

    def _create_bucket(self, logical: str, spec: Mapping[str, Any]) -> None:
        props = self._props(spec)
        s3 = self.client("s3")
        name = self.physical[logical]
        s3.create_bucket(Bucket=name,
                         CreateBucketConfiguration={"LocationConstraint": self.region})
        if props.get("VersioningConfiguration", {}).get("Status") == "Enabled":
            s3.put_bucket_versioning(Bucket=name,
                                     VersioningConfiguration={"Status": "Enabled"})
        if "BucketEncryption" in props:
            rules = [
                {("ApplyServerSideEncryptionByDefault" if k == "ServerSideEncryptionByDefault"
                  else k): v for k, v in rule.items()}
                for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=name,
                                     ServerSideEncryptionConfiguration={"Rules": rules})
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"])
        queues = (props.get("NotificationConfiguration") or {}).get("QueueConfigurations") or []
        if queues:
            s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration={
                "QueueConfigurations": [_queue_notification(q) for q in queues]})

    def _register_function(self, logical: str, spec: Mapping[str, Any]) -> None:
        globals_ = (self.template.get("Globals") or {}).get("Function") or {}
        props = spec.get("Properties") or {}
        env: dict[str, str] = {}
        for source in (globals_, props):
            variables = (source.get("Environment") or {}).get("Variables") or {}
            env.update({k: str(v) for k, v in self.resolver.resolve(variables).items()})
        env.update(LOCAL_ENV)
        env["AWS_LAMBDA_FUNCTION_NAME"] = self.physical[logical]
        code_uri = str(self.resolver.resolve(props.get("CodeUri", globals_.get("CodeUri", "."))))
        handler = str(props.get("Handler", globals_.get("Handler", "app.handler")))
        module_file, _, _ = handler.rpartition(".")
        function = Function(logical, project_root() / code_uri / f"{module_file}.py", handler, env)
        for event in (props.get("Events") or {}).values():
            if event["Type"] == "SQS":
                queue_logical = event["Properties"]["Queue"]["Fn::GetAtt"][0]
                function.queue_url = self.resolver.values[queue_logical]
                function.queue_arn = self.resolver.attributes[(queue_logical, "Arn")]
                function.batch_size = int(event["Properties"].get("BatchSize", 10))
                function.report_batch_failures = "ReportBatchItemFailures" in (
                    event["Properties"].get("FunctionResponseTypes") or [])
            elif event["Type"] == "ScheduleV2":
                function.schedule_input = str(self.resolver.resolve(event["Properties"]["Input"]))
        self.functions[logical] = function

    # --- helpers for the product's users: SES identities, files ------------------------------

    def verify_sender(self, address: str) -> None:
        """Locally, verifying an identity is immediate (in AWS the owner clicks a link)."""
        self.client("ses").verify_email_identity(EmailAddress=address)

    @property
    def bucket(self) -> str:
        return str(self.resolver.values["DocumentBucket"])

    def upload(self, key: str, data: bytes) -> None:
        self.client("s3").put_object(Bucket=self.bucket, Key=key, Body=data)

    # --- invoking handlers ------------------------------------------------------------------

    @contextmanager
    def _function_env(self, function: Function) -> Iterator[None]:
        saved = {k: os.environ.get(k) for k in function.environment}
        os.environ.update(function.environment)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def _module(self, function: Function) -> ModuleType:
        module = self._modules.get(function.path)
        if module is None:
            module = self._load(function, f"mahnwerk_function_{function.logical_id}")
            self._modules[function.path] = module
        return module

    def _load(self, function: Function, name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(name, function.path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {function.path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        with self._function_env(function):
            spec.loader.exec_module(module)
        return module

    @contextmanager
    def function_env(self, logical_id: str) -> Iterator[None]:
        with self._function_env(self.functions[logical_id]):
            yield

    def handler(self, logical_id: str, container: str | None = None) -> Any:
        """The function's handler callable. ``container`` loads a separate copy of the module,
        as a second Lambda execution environment would have (for tests that race two workers
        from threads inside one ``function_env``)."""
        function = self.functions[logical_id]
        module = self._module(function) if container is None else \
            self._load(function, f"mahnwerk_function_{logical_id}_{container}")
        return getattr(module, function.handler.rpartition(".")[2])

    def context(self, logical_id: str) -> LambdaContext:
        function = self.functions[logical_id]
        return LambdaContext(function.environment["AWS_LAMBDA_FUNCTION_NAME"], region=self.region)

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        function = self.functions[logical_id]
        module = self._module(function)
        handler = getattr(module, function.handler.rpartition(".")[2])
        log = InvocationLog(logical_id, event)
        self.invocations.append(log)
        with self._function_env(function):
            try:
                log.result = handler(event, LambdaContext(function.environment[
                    "AWS_LAMBDA_FUNCTION_NAME"], region=self.region))
            except (Exception, LambdaCrash) as exc:
                log.error = f"{type(exc).__name__}: {exc}"
                raise
        return log.result

    def api(self, method: str, path: str, *, key: str | None = None, body: Any = None,
            query: Mapping[str, str] | None = None,
            headers: Mapping[str, str] | None = None) -> ApiResponse:
        """One request the way API Gateway serves it: the template's authorizer with the
        ``Authorization`` header (401 without a key or for an unknown one, 403 on Deny), then the
        API function with a REST proxy event carrying the authorizer's context."""
        headers = dict(headers or {})
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        text = body if isinstance(body, str) or body is None else json.dumps(body)
        if any(r.matches(path) for r in self.dashboard_routes):
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
        return ApiResponse(result["statusCode"], payload, result.get("headers") or {})

    # --- the dashboard's REST API (DashboardApi): session cookie, REQUEST authorizer ----------

    DASHBOARD_API = "DashboardApi"

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
                   query: dict[str, str]) -> ApiResponse:
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
                                  authorizer=context, at=self.now)
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

    def fire_schedule(self, logical_id: str, scheduled_time: datetime) -> Any:
        function = self.functions[logical_id]
        if function.schedule_input is None:
            raise ValueError(f"{logical_id} has no ScheduleV2 event in the template")
        return self.invoke(logical_id, scheduler_input(function.schedule_input, scheduled_time))

    def pump(self, logical_id: str) -> int:
        """Deliver one batch from the function's queue the way Lambda's event source mapping does:
        successes are deleted, reported failures become visible again (and go to the DLQ after
        maxReceiveCount receives)."""
        function = self.functions[logical_id]
        if function.queue_url is None or function.queue_arn is None:
            raise ValueError(f"{logical_id} is not fed by a queue")
        sqs = self.client("sqs")
        messages = sqs.receive_message(
            QueueUrl=function.queue_url, MaxNumberOfMessages=min(function.batch_size, 10),
            VisibilityTimeout=0, AttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        for message in messages:
            message["Body"] = with_event_time(message["Body"], self.now)
        event = sqs_event(messages, function.queue_arn, self.region)
        try:
            result = self.invoke(logical_id, event) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except (Exception, LambdaCrash):  # the whole batch comes back, as after a dead Lambda
            failed = {m["MessageId"] for m in messages}
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=function.queue_url,
                                   ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    def drain(self, max_rounds: int = 1000) -> int:
        """Pump every queue-fed function until all their queues are empty."""
        total = 0
        for _ in range(max_rounds):
            moved = sum(self.pump(name) for name, fn in self.functions.items() if fn.queue_url)
            total += moved
            if moved == 0:
                return total
        raise RuntimeError("queues did not drain: a message keeps failing without reaching a DLQ")

    def queue_depth(self, logical_id: str) -> int:
        url = self.resolver.values[logical_id]
        attributes = self.client("sqs").get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                          "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"])

    @contextmanager
    def service_context(self, function: str = "ApiFunction") -> Iterator[Any]:
        """The service layer wired as inside ``function`` (its environment, its adapters)."""
        from mahnwerk.service import bootstrap

        with self._function_env(self.functions[function]):
            yield bootstrap.context()

    def dead_letter_queues(self) -> list[str]:
        """Queues the template uses as a dead-letter target (redrive, schedule or on-failure)."""
        queues = {n for n, s in self.template["Resources"].items()
                  if s["Type"] == "AWS::SQS::Queue"}
        targets: set[str] = set()

        def walk(node: Any, inside: bool) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    hit = inside or key in {"RedrivePolicy", "DeadLetterConfig", "OnFailure"}
                    if key == "Fn::GetAtt" and inside and value[0] in queues:
                        targets.add(value[0])
                    walk(value, hit)
            elif isinstance(node, list):
                for value in node:
                    walk(value, inside)

        walk(self.template["Resources"], False)
        return sorted(targets)

    def published_events(self, detail_type: str | None = None) -> list[dict[str, Any]]:
        """The events that reached the event bus, in order, as a rule's target receives them
        (``detail-type``, ``source``, ``detail``, …): read from the template's archive, which moto
        keeps in memory."""
        from moto.events.models import events_backends

        backend = events_backends[ACCOUNT][self.region]
        found: list[dict[str, Any]] = []
        for logical, spec in self.template["Resources"].items():
            if spec["Type"] == "AWS::Events::Archive":
                found += [dict(e) for e in backend.archives[self.physical[logical]].events]
        return [e for e in found if detail_type is None or e["detail-type"] == detail_type]

    def sent_emails(self) -> list[bytes]:
        """The raw messages SES (moto) accepted, in order."""
        from moto.ses.models import ses_backends

        backend = ses_backends[ACCOUNT][self.region]
        return [m.raw_data.encode() if isinstance(m.raw_data, str) else m.raw_data
                for m in backend.sent_messages if hasattr(m, "raw_data")]


class _SesEvents:
    """What SES does with a configuration set's event destination and moto does not: publish the
    events of each sent message (here "Send") to the SNS topic, which delivers them to its SQS
    subscribers. Read from the template: the destination's event types, topic and subscription."""

    stack: LocalStack | None = None

    def register(self) -> None:
        """On boto3's default session (as it is now: something may have set up a new one); the
        unique ids keep a handler from being registered twice on the same session."""
        events = boto3._get_default_session().events
        events.register("before-parameter-build.ses.SendRawEmail", self._remember,
                        unique_id="mahnwerk-local-ses-params")
        events.register("after-call.ses.SendRawEmail", self._publish,
                        unique_id="mahnwerk-local-ses-events")

    @staticmethod
    def _remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["mahnwerk_params"] = params

    def _publish(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        stack = self.stack
        params = context.get("mahnwerk_params") or {}
        if stack is None or "MessageId" not in parsed or not params.get("ConfigurationSetName"):
            return
        resources = stack.template["Resources"]
        for spec in resources.values():
            if spec["Type"] != "AWS::SES::ConfigurationSetEventDestination":
                continue
            destination = spec["Properties"]["EventDestination"]
            topic = (destination.get("SnsDestination") or {}).get("TopicARN", {}).get("Ref")
            if "send" not in destination.get("MatchingEventTypes", []) or not topic:
                continue
            for sub in resources.values():
                props = sub.get("Properties", {})
                if sub["Type"] != "AWS::SNS::Subscription" or props.get("TopicArn", {}).get("Ref") \
                        != topic or props.get("Protocol") != "sqs":
                    continue
                queue = props["Endpoint"]["Fn::GetAtt"][0]
                at = (stack.now or datetime.now().astimezone()).isoformat()
                event = {"eventType": "Send", "send": {}, "mail": {
                    "messageId": parsed["MessageId"], "timestamp": at,
                    "source": params.get("Source", ""), "destination": params.get("Destinations", []),
                    "tags": {t["Name"]: [t["Value"]] for t in params.get("Tags", [])}}}
                stack.client("sqs").send_message(
                    QueueUrl=stack.resolver.values[queue],
                    MessageBody=json.dumps({"Type": "Notification", "Message": json.dumps(event)}))


_ses_events = _SesEvents()
_ATOMIC = threading.RLock()


def _make_requests_atomic() -> None:
    """moto handles a request in steps (check a condition, then write) that threads can
    interleave; DynamoDB, S3 and SQS execute each request atomically. Serialising moto's request
    handling restores that guarantee, so tests racing two workers test our code, not moto."""
    from moto.core.botocore_stubber import BotocoreStubber

    if getattr(BotocoreStubber, "_mahnwerk_atomic", False):
        return
    original = BotocoreStubber.__call__

    def atomic(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _ATOMIC:
            return original(self, *args, **kwargs)

    BotocoreStubber.__call__ = atomic  # type: ignore[method-assign]
    BotocoreStubber._mahnwerk_atomic = True  # type: ignore[attr-defined]


class _NoCopy:
    """Stands in for the ``copy`` module inside moto's transact_write_items."""

    @staticmethod
    def deepcopy(value: Any) -> Any:
        return value


def _make_transactions_cheap() -> None:
    """moto snapshots the whole table (deepcopy) before every TransactWriteItems so it can roll
    back — O(table) per transaction, minutes over a simulated quarter. Check every condition
    first; only when one fails take moto's own path (snapshot, partial writes, rollback, the
    exact cancellation reasons). When all hold, no rollback can happen, so skip the snapshot."""
    import moto.dynamodb.models as ddb
    from moto.dynamodb.comparisons import get_filter_expression

    backend_cls = ddb.DynamoDBBackend
    if getattr(backend_cls, "_mahnwerk_cheap", False):
        return
    original = backend_cls.transact_write_items

    def all_conditions_hold(self: Any, transact_items: list[dict[str, Any]]) -> bool:
        seen = set()
        for item in transact_items:
            if len(item) != 1:
                return False
            op_type, op = next(iter(item.items()))
            table = self.get_table(op["TableName"])
            if op_type == "Put":
                attrs = op["Item"]
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            marker = (op["TableName"], str(sorted(key.items())))
            if marker in seen:
                return False
            seen.add(marker)
            if op.get("ConditionExpression"):
                condition = get_filter_expression(op["ConditionExpression"],
                                                  op.get("ExpressionAttributeNames"),
                                                  op.get("ExpressionAttributeValues"))
                if not condition.expr(self.get_item(op["TableName"], key)):
                    return False
        return True

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        if len(transact_items) > 100 or not all_conditions_hold(self, transact_items):
            return original(self, transact_items)
        real_copy = getattr(ddb, "copy")  # noqa: B009 - moto's module-level import
        setattr(ddb, "copy", _NoCopy)  # noqa: B010
        try:
            return original(self, transact_items)
        finally:
            setattr(ddb, "copy", real_copy)  # noqa: B010

    setattr(backend_cls, "transact_write_items", transact_write_items)  # noqa: B010
    setattr(backend_cls, "_mahnwerk_cheap", True)  # noqa: B010


def _make_event_targets_cheap() -> None:
    """moto hands every event to every rule target (the archive's too) through its input
    transformer, which compiles the same eight JSONPath expressions with a fresh parser each
    time: ~6 ms per event, minutes for a large import. Compile each expression once."""
    import functools

    import jsonpath_ng.ext

    if getattr(jsonpath_ng.ext, "_mahnwerk_cached", False):
        return
    compile_once = functools.lru_cache(maxsize=256)(getattr(jsonpath_ng.ext, "parse"))  # noqa: B009
    setattr(jsonpath_ng.ext, "parse", compile_once)  # noqa: B010 - moto imports it at call time
    setattr(jsonpath_ng.ext, "_mahnwerk_cached", True)  # noqa: B010


def _queue_notification(config: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation's QueueConfiguration → the S3 API's shape."""
    result: dict[str, Any] = {"QueueArn": config["Queue"], "Events": [config["Event"]]}
    rules = ((config.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
    if rules:
        result["Filter"] = {"Key": {"FilterRules": [
            {"Name": rule["Name"].lower(), "Value": rule["Value"]} for rule in rules]}}
    return result
