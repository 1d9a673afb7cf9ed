"""What moto lacks or does slowly, patched in while a local stack runs: SES's send events,
atomic requests, cheap DynamoDB transactions, cached EventBridge input paths."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from .stack import LocalStack


class SesEvents:
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


ses_events = SesEvents()
_ATOMIC = threading.RLock()


def make_requests_atomic() -> None:
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


def make_transactions_cheap() -> None:
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


def make_event_targets_cheap() -> None:
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


