"""The domain core and the parsers stay pure: no AWS SDKs, no Powertools, no environment."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "mahnwerk" / "mahnwerk"
PURE = ("domain", "intake")
FORBIDDEN_MODULES = ("boto3", "botocore", "pynamodb", "aws_lambda_powertools", "moto")


def violations(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
            if node.module == "os":
                found += [a.name for a in node.names if a.name in {"environ", "getenv"}]
            if node.level and node.module and node.module.split(".")[0] in {"adapters", "service"}:
                found.append(f"relative import of {node.module}")
        else:
            names = []
        found += [f"import {n}" for n in names if n.split(".")[0] in FORBIDDEN_MODULES]
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
            found.append(f"os.{node.attr}")
        if isinstance(node, ast.Name) and node.id in {"environ", "getenv"}:
            found.append(node.id)
        if isinstance(node, ast.Attribute) and node.attr in {"now", "today", "utcnow"} and \
                isinstance(node.value, ast.Name) and node.value.id in {"date", "datetime"}:
            found.append(f"{node.value.id}.{node.attr}() reads the clock")
    return found


def pure_files() -> list[Path]:
    return sorted(p for sub in PURE for p in (PACKAGE / sub).rglob("*.py"))


def test_there_is_a_core_to_check():
    assert len(pure_files()) >= 5


@pytest.mark.parametrize("path", pure_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_module_is_pure(path):
    assert violations(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("source, expected", [
    ("import boto3", "import boto3"),
    ("from pynamodb.models import Model", "import pynamodb.models"),
    ("from aws_lambda_powertools import Logger", "import aws_lambda_powertools"),
    ("import os\nx = os.environ['A']", "os.environ"),
    ("import os\nx = os.getenv('A')", "os.getenv"),
    ("from os import environ", "environ"),
    ("from datetime import date\nd = date.today()", "date.today() reads the clock"),
    ("from ..adapters import dynamo", "relative import of adapters"),
])
def test_the_checker_catches_each_kind_of_violation(source, expected):
    assert expected in violations(source)
