"""docs/cost.md is what benchmarks/cost.py renders: from the measurement stored at the end of the doc
and the generator's dated price table. Nothing is re-measured here (that takes minutes); a price,
an assumption or the doc's structure changed in the generator without `--render`, or the doc
edited by hand, fails."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from mahnwerk_local.cfn import load_template

from ..conftest import ROOT

DOC = ROOT / "docs/cost.md"


def generator() -> ModuleType:
    name = "mahnwerk_benchmarks_cost"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks/cost.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while being created
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_the_doc_is_what_the_generator_renders_from_its_measurement():
    cost = generator()
    text = DOC.read_text("utf-8")
    assert cost.render(cost.stored_measurement(text)) == text, (
        "docs/cost.md is out of date: run .venv/bin/python benchmarks/cost.py --render "
        "(or without --render to measure again)")


def test_every_price_is_listed_with_its_date_and_source_and_used_by_a_cost_line():
    cost = generator()
    text = DOC.read_text("utf-8")
    lines = cost.cost_lines(cost.stored_measurement(text))
    assert f"as of {cost.PRICES_AS_OF}" in text
    for price in cost.PRICES:
        assert f"| `{price.key}` | {price.service} |" in text
        assert price.url.startswith("https://aws.amazon.com/") and price.url in text
        assert price.usd > 0
    assert {p.key for p in cost.PRICES} == {line.price for line in lines}, "a price no line uses"


def test_the_doc_prices_every_billed_service_the_template_uses():
    cost = generator()
    services = {p.service for p in cost.PRICES}
    text = DOC.read_text("utf-8")
    resources = {spec["Type"] for spec in load_template(ROOT / "template.yaml")["Resources"].values()}
    billed = {
        "AWS::Serverless::Function": "AWS Lambda", "AWS::DynamoDB::Table": "Amazon DynamoDB",
        "AWS::S3::Bucket": "Amazon S3", "AWS::SQS::Queue": "Amazon SQS",
        "AWS::SES::ConfigurationSet": "Amazon SES", "AWS::SNS::Topic": "Amazon SNS",
        "AWS::Events::EventBus": "Amazon EventBridge", "AWS::Logs::LogGroup": "Amazon CloudWatch",
        "AWS::KMS::Key": "AWS KMS",
    }
    for kind, service in billed.items():
        if kind in resources:
            assert service in services, f"{kind} is in the template but {service} is not priced"
            assert f"| {service} |" in text
    if "AWS::Events::EventBus" in resources:  # the integrator events are measured and priced
        assert "custom events on MahnwerkEventBus" in text


def test_the_measurement_is_of_the_functions_as_the_template_sizes_them():
    cost = generator()
    measured = cost.stored_measurement(DOC.read_text("utf-8"))
    template = load_template(ROOT / "template.yaml")
    for name, function in measured["functions"].items():
        assert function["memory_mb"] == cost._memory(template, name), (
            f"{name}'s MemorySize changed: measure again (.venv/bin/python benchmarks/cost.py)")
    scenario = measured["scenario"]
    assert scenario["invoices"] == 1000 and scenario["customers"] == 250
    assert scenario["notices_by_level"] == {"1": 250, "2": 250, "3": 250}
    assert scenario["emails"] == 750 and scenario["invoice_statuses"] == {"paid": 1000}
