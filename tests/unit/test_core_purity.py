"""The domain core and the parsers stay pure: no AWS SDKs, no Powertools, no environment.

The domain is held to more: every import of every domain module (at the top, inside functions, under
``TYPE_CHECKING``) is read, and it may import only the standard library without its I/O modules,
the domain itself and the pure libraries in ``DOMAIN_LIBRARIES``. Nothing above it (intake,
letters, adapters, service, api, web) and no library that reaches files, the network or AWS.
"""

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "mahnwerk" / "mahnwerk"
PURE = ("domain", "intake")
FORBIDDEN_MODULES = ("boto3", "botocore", "pynamodb", "aws_lambda_powertools", "moto")
#: the layers above the core: neither the domain nor the parsers may import them
UPPER_LAYERS = ("letters", "adapters", "service", "api", "web")
#: what the domain may import besides the standard library and itself. Pure data libraries, no
#: I/O: schwifty (IBAN/BIC check digits and the bank registry it ships as package data), stdnum
#: (python-stdnum: VAT id check digits), holidays (public holidays computed from rules)
DOMAIN_LIBRARIES = frozenset({"schwifty", "stdnum", "holidays"})
#: I/O libraries named in the findings (any third-party library outside DOMAIN_LIBRARIES is refused)
IO_LIBRARIES = frozenset({
    *FORBIDDEN_MODULES, "PIL", "fpdf", "segno", "jinja2", "requests", "httpx", "urllib3",
    "aiohttp", "pdfplumber", "pdfminer", "pypdf", "pikepdf", "defusedxml", "lxml", "yaml"})
#: standard-library modules that reach files, processes or the network, or import by name (which
#: would hide an import from this check). ``zoneinfo`` stays allowed: business dates need the
#: Europe/Berlin rules, read once from the tz database.
IO_STDLIB = ("socket", "ssl", "urllib.request", "http.client", "http.server", "smtplib", "ftplib",
             "poplib", "imaplib", "subprocess", "multiprocessing", "sqlite3", "shelve", "dbm",
             "select", "selectors", "asyncio", "tempfile", "shutil", "glob", "pathlib", "importlib",
             "os", "io.open", "logging")


def violations(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
            if node.module == "os":
                found += [a.name for a in node.names if a.name in {"environ", "getenv"}]
            if node.level and node.module and node.module.split(".")[0] in UPPER_LAYERS:
                found.append(f"relative import of {node.module}")
        else:
            names = []
        found += [f"import {n}" for n in names if n.split(".")[0] in FORBIDDEN_MODULES]
        found += [f"import {n}" for n in names
                  if n.startswith("mahnwerk.") and n.split(".")[1] in UPPER_LAYERS]
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
            found.append(f"os.{node.attr}")
        if isinstance(node, ast.Name) and node.id in {"environ", "getenv"}:
            found.append(node.id)
        if isinstance(node, ast.Attribute) and node.attr in {"now", "today", "utcnow"} and \
                isinstance(node.value, ast.Name) and node.value.id in {"date", "datetime"}:
            found.append(f"{node.value.id}.{node.attr}() reads the clock")
    return found


def imported(source: str, package: str) -> list[str]:
    """Every module ``source`` imports, absolute: relative imports resolved against ``package``
    (``mahnwerk.domain``), and ``from X import name`` read as X and as X.name (name may be a
    module: ``from .. import intake``)."""
    modules = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                if node.level > len(parts):
                    modules.append("." * node.level + (node.module or ""))  # outside the package
                    continue
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            modules.append(module)
            modules += [f"{module}.{alias.name}" for alias in node.names if alias.name != "*"]
    return modules


def domain_violations(source: str, package: str = "mahnwerk.domain") -> list[str]:
    """What a domain module imports that the domain may not."""
    found = []
    for module in dict.fromkeys(imported(source, package)):
        top = module.split(".")[0]
        if not top:
            found.append(f"relative import {module} leaves the package")
        elif top == "mahnwerk":
            if module != "mahnwerk" and module.split(".")[1] != "domain":
                found.append(f"import {module}: the domain imports nothing above it")
        elif top in sys.stdlib_module_names:
            if any(module == io or module.startswith(io + ".") for io in IO_STDLIB):
                found.append(f"import {module}: I/O in the domain")
        elif top in IO_LIBRARIES:
            found.append(f"import {module}: an I/O library in the domain")
        elif top not in DOMAIN_LIBRARIES and top != "__future__":
            found.append(f"import {module}: not a library the domain may use")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in {"open", "__import__"}:
            found.append(f"{node.func.id}() in the domain")
    return found


def pure_files() -> list[Path]:
    return sorted(p for sub in PURE for p in (PACKAGE / sub).rglob("*.py"))


def domain_files() -> list[Path]:
    return sorted((PACKAGE / "domain").rglob("*.py"))


def test_there_is_a_core_to_check():
    assert len(pure_files()) >= 5


@pytest.mark.parametrize("path", pure_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_module_is_pure(path):
    assert violations(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_domain_module_imports_only_the_domain_and_pure_libraries(path):
    package = ".".join(("mahnwerk", *path.relative_to(PACKAGE).parent.parts))
    assert domain_violations(path.read_text(encoding="utf-8"), package) == []


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


@pytest.mark.parametrize("source, expected", [
    ("def f():\n    from ..intake.csv_invoices import HEADERS\n",
     "import mahnwerk.intake.csv_invoices: the domain imports nothing above it"),
    ("from .. import letters", "import mahnwerk.letters: the domain imports nothing above it"),
    ("from ...mahnwerk import x", "relative import ...mahnwerk leaves the package"),
    ("import mahnwerk.service.law", "import mahnwerk.service.law: the domain imports nothing above it"),
    ("from mahnwerk.web import pages", "import mahnwerk.web: the domain imports nothing above it"),
    ("def f():\n    from PIL import Image\n", "import PIL: an I/O library in the domain"),
    ("import fpdf", "import fpdf: an I/O library in the domain"),
    ("from jinja2 import Environment", "import jinja2: an I/O library in the domain"),
    ("import requests", "import requests: an I/O library in the domain"),
    ("import pdfplumber", "import pdfplumber: an I/O library in the domain"),
    ("import some_new_library", "import some_new_library: not a library the domain may use"),
    ("import urllib.request", "import urllib.request: I/O in the domain"),
    ("from urllib import request", "import urllib.request: I/O in the domain"),
    ("import socket", "import socket: I/O in the domain"),
    ("from pathlib import Path", "import pathlib: I/O in the domain"),
    ("text = open('f').read()", "open() in the domain"),
])
def test_the_domain_checker_catches_each_kind_of_violation(source, expected):
    assert expected in domain_violations(source)


@pytest.mark.parametrize("source", [
    "from .model import Invoice", "from . import residual", "from ..domain.money import cents",
    "from schwifty import IBAN", "from stdnum.eu import vat", "import holidays",
    "from urllib.parse import quote", "from decimal import Decimal", "from io import BytesIO",
])
def test_the_domain_checker_lets_pure_imports_pass(source):
    assert domain_violations(source) == []
