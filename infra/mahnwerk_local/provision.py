"""Building the local stack's resources from template.yaml: names and ARNs, queues, tables,
archives, buckets with their notifications, and the functions with their environment and events."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from .cfn import Resolver, project_root
from .identity import ACCOUNT, LOCAL_ENV, STACK


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


class Provisioner:
    """The part of ``LocalStack`` that deploys the template into moto."""

    template: dict[str, Any]
    parameters: Mapping[str, str]
    region: str
    physical: dict[str, str]
    functions: dict[str, Function]
    resolver: Resolver

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=self.region)  # type: ignore[call-overload]

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

    def verify_sender(self, address: str) -> None:
        """Locally, verifying an identity is immediate (in AWS the owner clicks a link)."""
        self.client("ses").verify_email_identity(EmailAddress=address)


def _queue_notification(config: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation's QueueConfiguration → the S3 API's shape."""
    result: dict[str, Any] = {"QueueArn": config["Queue"], "Events": [config["Event"]]}
    rules = ((config.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
    if rules:
        result["Filter"] = {"Key": {"FilterRules": [
            {"Name": rule["Name"].lower(), "Value": rule["Value"]} for rule in rules]}}
    return result
