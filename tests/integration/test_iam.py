"""Every AWS call a function makes is allowed by its role in template.yaml.

moto does not enforce IAM, so a function whose role lacks a permission passes every other test
here and fails on AWS (as erasure did: S3CrudPolicy has no version or tagging actions). This
test runs the paths of all functions on the local stack, records each function's AWS requests,
maps them to IAM actions and checks them against the function's role as SAM expands it
(aws-sam-translator, the library `sam deploy` uses). Actions are checked, not resources: every
function works on the stack's one table, bucket, queues and bus.
"""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.client import BaseClient

from mahnwerk.service.keys import create_key
from mahnwerk_local.cfn import project_root

from ..conftest import berlin
from .test_events import run_everything


@pytest.fixture
def stack(stack):
    """The shared fixture, with an API key for the calls above."""
    with stack.service_context() as ctx:
        stack.keys_for_tests, _ = create_key(ctx, "acme", "iam", datetime(2026, 10, 1, tzinfo=UTC))
    stack.now = berlin(2026, 10, 20, 5)
    return stack


#: the SAM CLI's own environment (``make template`` installs it): its aws-sam-translator expands
#: the policy templates exactly as ``sam deploy`` does, without pinning our pydantic to its range
SAM_PYTHON = project_root() / ".tools/sam/bin/python"
EXPAND = """
import json, logging, sys
from pathlib import Path
from samtranslator.translator.transform import transform
from mahnwerk_local.cfn import load_template
class NoManagedPolicies:  # the template names AWS managed policies by ARN only
    def load(self):
        return {}
template = load_template(Path(sys.argv[1]))
for spec in template["Resources"].values():
    props = spec.get("Properties") or {}
    for key in ("CodeUri", "ContentUri"):  # what `sam package` does before the transform
        if isinstance(props.get(key), str):
            props[key] = "s3://packaged/" + props[key].strip("/").replace("/", "-")
logging.disable(logging.WARNING)
resources = transform(template, {}, NoManagedPolicies())["Resources"]
roles = {}
for name, spec in resources.items():
    if spec["Type"] == "AWS::Lambda::Function":
        role = resources[spec["Properties"]["Role"]["Fn::GetAtt"][0]]["Properties"]
        roles[name] = [s for policy in role.get("Policies", [])
                       for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
print(json.dumps(roles))
"""


def expanded_roles() -> dict[str, list[dict[str, Any]]]:
    """Function logical id → the Allow statements of its role, as SAM generates them."""
    if not SAM_PYTHON.exists():
        pytest.skip(f"{SAM_PYTHON} is missing (made by `make template`, which `make test` runs "
                    "first): it expands the roles")
    done = subprocess.run(
        [str(SAM_PYTHON), "-c", EXPAND, str(project_root() / "template.yaml")],
        capture_output=True, text=True, check=True, timeout=120,
        env={**os.environ, "AWS_DEFAULT_REGION": "eu-central-1",
             "PYTHONPATH": str(project_root() / "infra")})
    roles: dict[str, list[dict[str, Any]]] = json.loads(done.stdout)
    return roles


def iam_actions(service: str, operation: str, params: dict[str, Any]) -> set[str]:
    """The IAM actions one request needs (the service authorization reference)."""
    versioned = "VersionId" in params
    if service == "s3":
        return {
            "ListObjectsV2": {"s3:ListBucket"}, "ListObjects": {"s3:ListBucket"},
            "ListObjectVersions": {"s3:ListBucketVersions"}, "HeadObject": {"s3:GetObject"},
            "HeadBucket": {"s3:ListBucket"}, "DeleteObjects": {"s3:DeleteObject"},
            "CopyObject": {"s3:GetObject", "s3:PutObject"},
            "GetObject": {"s3:GetObjectVersion" if versioned else "s3:GetObject"},
            "DeleteObject": {"s3:DeleteObjectVersion" if versioned else "s3:DeleteObject"},
            "GetObjectTagging": {"s3:GetObjectVersionTagging" if versioned else "s3:GetObjectTagging"},
            "PutObjectTagging": {"s3:PutObjectVersionTagging" if versioned else "s3:PutObjectTagging"},
        }.get(operation, {f"s3:{operation}"})
    if service == "dynamodb" and operation == "TransactWriteItems":
        kinds = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                 "ConditionCheck": "ConditionCheckItem"}
        return {f"dynamodb:{kinds[kind]}" for item in params["TransactItems"] for kind in item}
    if service == "dynamodb" and operation == "TransactGetItems":
        return {"dynamodb:GetItem"}
    if service == "sqs" and operation.endswith("Batch"):
        return {f"sqs:{operation.removesuffix('Batch')}"}
    if service in {"ses", "sesv2"}:
        return {f"ses:{operation}"}
    return {f"{service}:{operation}"}


def allowed(action: str, statements: list[dict[str, Any]]) -> bool:
    for statement in statements:
        granted = statement["Action"]
        for pattern in [granted] if isinstance(granted, str) else granted:
            if fnmatch.fnmatchcase(action.lower(), pattern.lower()):
                return True
    return False


@contextmanager
def recording(stack: Any) -> Iterator[dict[str, set[tuple[str, str, str]]]]:
    """Function logical id → {(IAM action, service, operation)} it requested while running."""
    requested: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    running: list[str] = []
    original = BaseClient._make_api_call  # type: ignore[attr-defined]
    invoke = stack.invoke

    def tracked(logical_id: str, event: dict[str, Any]) -> Any:
        running.append(logical_id)
        try:
            return invoke(logical_id, event)
        finally:
            running.pop()

    def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        service = client.meta.service_model.service_name
        # SES's Send event reaches the FeedbackQueue through SNS: in AWS no function sends it,
        # the embedded stack does while the sending function runs
        plumbing = service == "sqs" and params.get("QueueUrl") == stack.resolver.values["FeedbackQueue"]
        if running and not plumbing:
            for action in iam_actions(service, operation, params):
                requested[running[-1]].add((action, service, operation))
        return original(client, operation, params)

    BaseClient._make_api_call = call  # type: ignore[attr-defined]
    stack.invoke = tracked
    try:
        yield requested
    finally:
        BaseClient._make_api_call = original  # type: ignore[attr-defined]
        stack.invoke = invoke


def test_every_request_of_every_function_is_allowed_by_its_role(stack):
    roles = expanded_roles()
    with recording(stack) as requested:
        run_everything(stack)  # intake, the daily run, letters, a bounce, a statement, the API
        stack.now = berlin(2026, 10, 23, 6)  # the next run bundles the day's post letters
        stack.fire_schedule("DunningFunction", stack.now)
        stack.drain()
        assert stack.client("s3").list_objects_v2(
            Bucket=stack.bucket, Prefix="outbox/post/2026-10-22/acme/_print.pdf")["KeyCount"] == 1
        key = stack.keys_for_tests
        for path in ("/v1/customers/K-1/export", "/v1/reports/aging", "/v1/health"):
            assert stack.api("GET", path, key=key).status == 200, path
        assert stack.api("POST", "/v1/runs", key=key).status == 200  # run now: queues requests
        stack.drain()
        erased = stack.api("POST", "/v1/customers/K-1/erase", key=key,
                           body={"reason": "data_subject_request", "confirm": "K-1"})
        assert erased.status == 200 and erased.body["retained"], erased.body  # versions tagged
        purged = stack.fire_schedule("RetentionFunction", berlin(2040, 1, 1, 3))
        assert purged["versions_deleted"] > 0
    assert set(requested) >= {"IntakeFunction", "DunningFunction", "NoticeFunction",
                              "FeedbackFunction", "AuthorizerFunction", "ApiFunction",
                              "RetentionFunction"}
    assert_allowed(requested, roles)


def test_sending_the_tenants_invoices_is_allowed_too(stack):
    """The other path of the notice worker: Factur-X invoices rendered, archived and sent."""
    from .test_invoicing import CSV, setup

    roles = expanded_roles()
    setup(stack)
    with recording(stack) as requested:
        stack.upload("inbox/acme/invoices/rechnungen.csv", CSV)
        stack.drain()
        stack.now = berlin(2026, 10, 21, 6)  # the next run bundles the invoice that went by post
        stack.fire_schedule("DunningFunction", stack.now)
        stack.drain()
    assert stack.sent_emails() and ("s3:PutObject", "s3", "PutObject") in requested["NoticeFunction"]
    assert_allowed(requested, roles)


def assert_allowed(requested: dict[str, set[tuple[str, str, str]]],
                   roles: dict[str, list[dict[str, Any]]]) -> None:
    missing = sorted(f"{function}: {action} (for {service} {operation})"
                     for function, calls in requested.items()
                     for action, service, operation in calls
                     if not allowed(action, roles[function]))
    assert not missing, "\n".join(missing)


def test_the_check_sees_a_missing_permission(stack):
    """The check can fail: the role SAM made for the API function, minus the erasure statement."""
    roles = expanded_roles()
    without = [s for s in roles["ApiFunction"]
               if "s3:DeleteObjectVersion" not in str(s["Action"])]
    assert allowed("s3:DeleteObjectVersion", roles["ApiFunction"])
    assert not allowed("s3:DeleteObjectVersion", without)
    assert allowed("s3:GetObject", without) and not allowed("s3:PutBucketPolicy", without)


def test_receiving_inbox_mail_is_allowed_too(stack, corpus):
    """The mail path of the intake function: the raw message read, attachments imported, the
    reply sent from the tenant's identity."""
    from mahnwerk.service.mail import rotate_inbox
    from mahnwerk.service.tenants import save_settings
    from mahnwerk_local.inbox import deliver

    from .test_mail_inbox import message, replies, three_files

    roles = expanded_roles()
    stack.verify_sender("mahnung@acme.example")
    with stack.service_context() as ctx:
        save_settings(ctx, "acme", {"company": {"name": "Acme GmbH", "email": "owner@acme.example"},
                                    "sender_email": "mahnung@acme.example"}, stack.now)
        address = rotate_inbox(ctx, "acme", stack.now)
    with recording(stack) as requested:
        deliver(stack, message(address, attachments=three_files(corpus)))
        stack.drain()
    assert len(replies(stack)) == 1
    assert ("ses:SendRawEmail", "ses", "SendRawEmail") in requested["IntakeFunction"]
    assert_allowed(requested, roles)
