"""The embedded stack follows template.yaml: change the template, the local resources change."""

from pathlib import Path

import pytest

from mahnwerk_local.cfn import Resolver, load_template
from mahnwerk_local.stack import LocalStack

from ..conftest import ROOT


def copy_template(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, f"{old!r} is not in template.yaml any more: update this test"
        text = text.replace(old, new)
    path = tmp_path / "template.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def index_names(stack: LocalStack) -> set[str]:
    table = stack.client("dynamodb").describe_table(TableName=stack.physical["Table"])["Table"]
    return {gsi["IndexName"] for gsi in table["GlobalSecondaryIndexes"]}


def test_renaming_an_index_in_the_template_renames_it_locally(tmp_path):
    path = copy_template(tmp_path, ("IndexName: DueIndex", "IndexName: DueForActionIndex"))
    with LocalStack(template_path=path) as stack:
        assert index_names(stack) == {"CustomerIndex", "DueForActionIndex"}
    with LocalStack() as stack:
        assert index_names(stack) == {"CustomerIndex", "DueIndex"}


def test_queue_redrive_bucket_notification_and_function_wiring_come_from_the_template(tmp_path):
    path = copy_template(tmp_path, ("maxReceiveCount: 5", "maxReceiveCount: 2"),
                         ("Value: inbox/", "Value: dropbox/"))
    with LocalStack(template_path=path) as stack:
        sqs = stack.client("sqs")
        attributes = sqs.get_queue_attributes(QueueUrl=stack.resolver.values["IntakeQueue"],
                                              AttributeNames=["RedrivePolicy"])["Attributes"]
        assert '"maxReceiveCount": 2' in attributes["RedrivePolicy"]
        config = stack.client("s3").get_bucket_notification_configuration(Bucket=stack.bucket)
        [rule] = config["QueueConfigurations"][0]["Filter"]["Key"]["FilterRules"]
        assert rule["Value"] == "dropbox/"
        intake = stack.functions["IntakeFunction"]
        assert intake.queue_url == stack.resolver.values["IntakeQueue"]
        assert intake.environment["TABLE_NAME"] == stack.physical["Table"]
        assert intake.environment["BUCKET_NAME"] == stack.bucket


def test_every_table_bucket_and_queue_in_the_template_exists_locally(stack):
    resources = stack.template["Resources"]
    tables = set(stack.client("dynamodb").list_tables()["TableNames"])
    queues = set(stack.client("sqs").list_queues()["QueueUrls"])
    buckets = {b["Name"] for b in stack.client("s3").list_buckets()["Buckets"]}
    for logical, spec in resources.items():
        if spec["Type"] == "AWS::DynamoDB::Table":
            assert stack.physical[logical] in tables
        elif spec["Type"] == "AWS::SQS::Queue":
            assert stack.resolver.values[logical] in queues
        elif spec["Type"] == "AWS::S3::Bucket":
            assert stack.physical[logical] in buckets
    ttl = stack.client("dynamodb").describe_time_to_live(
        TableName=stack.physical["IdempotencyTable"])["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expiration"


def test_schedule_fires_at_a_fixed_berlin_hour_with_the_scheduled_time_as_input(stack):
    events = stack.template["Resources"]["DunningFunction"]["Properties"]["Events"]
    [schedule] = [e for e in events.values() if e["Type"] == "ScheduleV2"]
    assert schedule["Properties"]["ScheduleExpressionTimezone"] == "Europe/Berlin"
    assert "<aws.scheduler.scheduled-time>" in stack.functions["DunningFunction"].schedule_input


def test_loader_understands_short_and_long_form_intrinsics(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(
        "Parameters:\n  Stage: {Type: String, Default: dev}\n"
        "Conditions:\n  IsProd: !Equals [!Ref Stage, prod]\n"
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n"
        "      QueueName: !Sub '${Stage}-q-${AWS::Region}'\n"
        "      Tags: [{Key: a, Value: !If [IsProd, yes-prod, !Join ['-', [x, !Ref Stage]]]}]\n"
        "      Other: !Select [1, !Split [',', 'a,b,c']]\n"
        "      Arn: !GetAtt Q.Arn\n",
        encoding="utf-8",
    )
    template = load_template(path)
    resolver = Resolver(template, {}, {"AWS::Region": "eu-central-1"})
    resolver.attributes[("Q", "Arn")] = "arn:q"
    props = resolver.resolve(template["Resources"]["Q"]["Properties"])
    assert props == {"QueueName": "dev-q-eu-central-1", "Tags": [{"Key": "a", "Value": "x-dev"}],
                     "Other": "b", "Arn": "arn:q"}
    with pytest.raises(KeyError, match="Nope"):
        resolver.resolve({"Ref": "Nope"})
