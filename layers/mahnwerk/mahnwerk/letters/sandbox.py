"""The sandbox for letter texts a tenant writes (Jinja2 sources that replace packaged templates).

Jinja2's ``ImmutableSandboxedEnvironment`` stops attribute tricks (``''.__class__.__mro__``) and
mutation, but not resource bombs, which hang or exhaust a worker: ``'x' * 10**9``, ``10 ** 10 **
8`` (folded while compiling), ``'%999999999s' % x``, ``'{:>999999999}'.format(x)``, nested
``range`` loops, ``lipsum(10**6)``, ``center(10**9)``, chains of ``replace`` or ``tojson`` that
double a text each time, recursive macros and includes, ``{% set s = s ~ s %}`` repeated.

A tenant's source is therefore checked before it is compiled — what a letter text may contain is
output of the context's values, ``if``, ``for`` over the context's lists (at most two loops deep),
comparisons, ``~``, ``+``/``-``, and the filters and tests listed below; never a call, ``*``,
``**``, ``%``, ``set``, ``with``, macros, includes, imports or blocks — and rendered with a bounded
output. Every refusal is a :class:`jinja2.exceptions.SecurityError` naming what is "unsafe".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Template, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_SOURCE = 20_000
MAX_OUTPUT = 200_000
MAX_LOOP_DEPTH = 2
#: filters that never make a text more than a constant factor longer
FILTERS = frozenset({
    "abs", "capitalize", "count", "d", "default", "e", "escape", "first", "float", "int", "join",
    "last", "length", "list", "lower", "max", "min", "reject", "reverse", "round", "select",
    "sort", "string", "striptags", "sum", "title", "trim", "truncate", "unique", "upper",
    "wordcount",
})
TESTS = frozenset({
    "boolean", "defined", "divisibleby", "eq", "equalto", "even", "false", "float", "ge", "gt",
    "in", "integer", "le", "lower", "lt", "ne", "none", "number", "odd", "sequence", "string",
    "true", "undefined", "upper",
})
#: the context's values a loop may run over (lists built by code, of bounded length)
LOOPABLE = frozenset({"invoice_numbers", "letter", "statement", "labels"})
_FORBIDDEN: tuple[tuple[type[nodes.Node], str], ...] = (
    (nodes.Call, "calling a function or method"),
    (nodes.Mul, "the * operator"),
    (nodes.Pow, "the ** operator"),
    (nodes.Mod, "the % operator"),
    (nodes.FloorDiv, "the // operator"),
    (nodes.Macro, "a macro"),
    (nodes.CallBlock, "a call block"),
    (nodes.Include, "include"),
    (nodes.Import, "import"),
    (nodes.FromImport, "import"),
    (nodes.Extends, "extends"),
    (nodes.Block, "a block"),
    (nodes.With, "with"),
    (nodes.Assign, "set"),
    (nodes.AssignBlock, "set"),
    (nodes.EvalContextModifier, "changing autoescaping"),
)


class TenantSandbox(ImmutableSandboxedEnvironment):
    """The sandbox of an environment that holds tenant sources: no globals (``range``,
    ``lipsum``, ``cycler``…), and output bounded while it is produced."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals.clear()

    def render_bounded(self, template: Template, context: Mapping[str, Any]) -> str:
        parts: list[str] = []
        size = 0
        for chunk in template.generate(**context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise SecurityError(f"a letter text longer than {MAX_OUTPUT:,} characters is unsafe")
            parts.append(chunk)
        return "".join(parts)


def check_source(source: str, env: ImmutableSandboxedEnvironment) -> None:
    """Refuse a tenant's template source that could run long or grow without bound
    (SecurityError), or is not a template (TemplateSyntaxError)."""
    if len(source) > MAX_SOURCE:
        raise SecurityError(f"a letter template longer than {MAX_SOURCE:,} characters is unsafe")
    _check(env.parse(source), 0, frozenset())


def _check(node: nodes.Node, depth: int, loop_vars: frozenset[str]) -> None:
    for kind, what in _FORBIDDEN:
        if isinstance(node, kind):
            raise SecurityError(f"{what} is unsafe in a letter text (line {node.lineno})")
    if isinstance(node, nodes.Filter) and node.name not in FILTERS:
        raise SecurityError(f"the filter {node.name!r} is unsafe in a letter text (line {node.lineno})")
    if isinstance(node, nodes.Test) and node.name not in TESTS:
        raise SecurityError(f"the test {node.name!r} is unsafe in a letter text (line {node.lineno})")
    if isinstance(node, nodes.For):
        if node.recursive:
            raise SecurityError(f"a recursive loop is unsafe in a letter text (line {node.lineno})")
        if depth >= MAX_LOOP_DEPTH:
            raise SecurityError(f"loops more than {MAX_LOOP_DEPTH} deep are unsafe in a letter text "
                                f"(line {node.lineno})")
        root = _root(node.iter)
        if root not in LOOPABLE | loop_vars:
            raise SecurityError(f"a loop over {root or 'an expression'} is unsafe in a letter text "
                                f"(line {node.lineno}); loop over {', '.join(sorted(LOOPABLE))}")
        inner = loop_vars | {n.name for n in node.target.find_all(nodes.Name)}
        for child in (node.target, node.iter, *([node.test] if node.test else [])):
            _check(child, depth, loop_vars)
        for child in node.body:
            _check(child, depth + 1, inner)
        for child in node.else_:
            _check(child, depth, loop_vars)
        return
    for child in node.iter_child_nodes():
        _check(child, depth, loop_vars)


def _root(expr: nodes.Node) -> str:
    while isinstance(expr, nodes.Getattr | nodes.Getitem | nodes.Filter):
        if isinstance(expr, nodes.Filter) and expr.node is None:
            return ""
        expr = expr.node  # type: ignore[assignment]
    return expr.name if isinstance(expr, nodes.Name) else ""
