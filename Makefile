# Mahnwerk — the two commands of the README:
#   make demo   runs the main job (mahnwerk demo on the embedded moto stack)
#   make test   runs the whole suite (ruff, mypy, cfn-lint, sam validate --lint, sam build, pytest)
# Both set everything up on a fresh machine from PyPI alone.

SHELL := /bin/bash
# pyenv's Python 3.13 by path: its `python3.13` shim only works with PYENV_VERSION set.
PY313_BIN := $(lastword $(sort $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.13.*/bin)))
PYTHON ?= $(if $(PY313_BIN),$(PY313_BIN)/python3.13,python3.13)
VENV := .venv
TOOLS := .tools
SAM := $(TOOLS)/sam/bin/sam
SAM_VERSION := 1.170.0
CHECKOV := $(TOOLS)/checkov/bin/checkov
CHECKOV_VERSION := 3.3.30
# sam build needs a real python3.13 on PATH; fake credentials keep every AWS call local.
export PATH := $(if $(PY313_BIN),$(PY313_BIN):,)$(PATH)
AWS_ENV := AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=eu-central-1
PIP := PIP_DISABLE_PIP_VERSION_CHECK=1 $(VENV)/bin/pip -q

.PHONY: demo test lint typecheck template build pytest bench benchmark cost mutation clean

$(VENV)/.installed: pyproject.toml layers/mahnwerk/requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip 2>&1 | grep -v "is ignored" || true
	$(PIP) install -e '.[dev]' 2>&1 | grep -v "is ignored" || true
	$(VENV)/bin/python -c "import mahnwerk, mahnwerk_local, moto, pytest"
	touch $@

$(SAM):
	test -x $(TOOLS)/sam/bin/python || $(PYTHON) -m venv $(TOOLS)/sam
	PIP_DISABLE_PIP_VERSION_CHECK=1 $(TOOLS)/sam/bin/pip -q install aws-sam-cli==$(SAM_VERSION) 2>&1 | grep -v "is ignored" || true
	test -x $(SAM)

$(CHECKOV):
	test -x $(TOOLS)/checkov/bin/python || $(PYTHON) -m venv $(TOOLS)/checkov
	PIP_DISABLE_PIP_VERSION_CHECK=1 $(TOOLS)/checkov/bin/pip -q install checkov==$(CHECKOV_VERSION) 2>&1 | grep -v "is ignored" || true
	test -x $(CHECKOV)

demo: $(VENV)/.installed
	$(VENV)/bin/mahnwerk demo --out out/demo

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy layers/mahnwerk/mahnwerk infra/mahnwerk_local

template: $(VENV)/.installed $(SAM) $(CHECKOV)
	$(VENV)/bin/cfn-lint template.yaml
	# static security scan; justified exceptions are listed in .checkov.yaml
	$(CHECKOV) --config-file .checkov.yaml
	$(AWS_ENV) $(SAM) validate --lint --template-file template.yaml --region eu-central-1

build: $(SAM)
	$(AWS_ENV) $(SAM) build --template-file template.yaml --build-dir .aws-sam/build

pytest: $(VENV)/.installed
	$(VENV)/bin/python -m pytest -n 2 --dist loadfile

test: lint typecheck template build pytest

# every script in benchmarks/, one after the other, then one table of their figures and targets;
# `make bench ARGS=--quick` for smaller sizes, `ARGS="--only letters,reconcile"` for some
bench: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench_all.py $(ARGS)

benchmark: bench

# measure one life of 1,000 invoices on the embedded stack and rewrite docs/cost.md
cost: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/cost.py

# mutation testing of the pure core with mutmut (tools/mutation.py) → docs/mutation.md. ~40 min on
# 2 cores, so not part of `make test`: .ci/mutation runs it weekly.
# `make mutation ARGS=--check` fails on an unexplained survivor or a score below its target;
# ARGS="--only 'mahnwerk.domain.interest.*'" for one module; ARGS=--resume after a stop.
mutation: $(VENV)/.installed
	$(VENV)/bin/python tools/mutation.py --jobs 2 $(ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) .aws-sam out
