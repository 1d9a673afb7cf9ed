"""The embedded local stack: moto resources built from template.yaml, handlers invoked locally.

Template and local stack cannot drift: every bucket, table (with its indexes), queue (with its
redrive policy), notification and environment variable comes from the template. Handlers are the
real ``functions/*/app.py`` modules, invoked with the event shapes AWS sends.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from .cfn import load_template, project_root
from .events import LambdaContext, scheduler_input, sqs_event, with_event_time
from .gateway import Gateway
from .identity import ACCOUNT, FAKE_CREDENTIALS, LOCAL_ENV, LOCAL_INBOX_DOMAIN, REGION
from .moto_patches import make_event_targets_cheap, make_requests_atomic, make_transactions_cheap, ses_events
from .provision import Function, Provisioner


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with ``values`` set, as it was again afterwards: a function's variables
    while it runs, the fake credentials while the stack runs."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass
class InvocationLog:
    function: str
    event: dict[str, Any]
    result: Any = None
    error: str | None = None


class LambdaCrash(BaseException):
    """The execution environment died mid-invocation (timeout, out of memory, a lost host): not an
    Exception, so none of the function's own error handling runs — as in Lambda."""


@dataclass
class LocalStack(Provisioner, Gateway):
    """The template deployed into moto (``Provisioner``), served as API Gateway would
    (``Gateway``), its handlers invoked, its queues pumped and its outputs inspected here."""

    template_path: Path = field(default_factory=lambda: project_root() / "template.yaml")
    parameters: Mapping[str, str] = field(default_factory=dict)
    region: str = REGION
    #: the simulated wall clock (None: real time)
    now: datetime | None = None

    def __post_init__(self) -> None:
        # the local stack receives inbox mail (simulate --mail, serve --dev-inbox)
        self.parameters = {"InboxDomain": LOCAL_INBOX_DOMAIN, **self.parameters}
        self.template = load_template(Path(self.template_path))
        self.physical: dict[str, str] = {}
        self.functions: dict[str, Function] = {}
        self.invocations: list[InvocationLog] = []
        self._modules: dict[Path, ModuleType] = {}
        self._mock: Any = None
        self._environment = ExitStack()

    # --- life cycle --------------------------------------------------------------------------

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        from moto import mock_aws

        self._environment.enter_context(environment({**FAKE_CREDENTIALS, **LOCAL_ENV}))
        from mahnwerk.service import bootstrap

        make_requests_atomic()
        make_transactions_cheap()
        make_event_targets_cheap()
        self._mock = mock_aws()
        self._mock.start()
        bootstrap.reset()
        self.deploy()
        ses_events.stack = self
        ses_events.register()

    def stop(self) -> None:
        if ses_events.stack is self:
            ses_events.stack = None
        if self._mock is not None:
            from mahnwerk.service import bootstrap

            self._mock.stop()
            self._mock = None
            bootstrap.reset()
        self._environment.close()

    # --- helpers for the product's users: files ----------------------------------------------

    @property
    def bucket(self) -> str:
        return str(self.resolver.values["DocumentBucket"])

    def upload(self, key: str, data: bytes) -> None:
        self.client("s3").put_object(Bucket=self.bucket, Key=key, Body=data)

    # --- invoking handlers ------------------------------------------------------------------

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
        with environment(function.environment):
            spec.loader.exec_module(module)
        return module

    @contextmanager
    def function_env(self, logical_id: str) -> Iterator[None]:
        with environment(self.functions[logical_id].environment):
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
        with environment(function.environment):
            try:
                log.result = handler(event, LambdaContext(function.environment[
                    "AWS_LAMBDA_FUNCTION_NAME"], region=self.region))
            except (Exception, LambdaCrash) as exc:
                log.error = f"{type(exc).__name__}: {exc}"
                raise
        return log.result

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

        with environment(self.functions[function].environment):
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
