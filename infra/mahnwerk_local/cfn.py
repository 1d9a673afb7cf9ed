"""Read CloudFormation/SAM templates: the short-form tags (!Ref, !Sub, …) and intrinsic functions.

Loads tags into their long form ({"Fn::Sub": …}) with a real YAML constructor — no string hacks —
and resolves them against the physical names of a local stack.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

_TAGS = ("Ref", "Condition", "Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue",
         "Join", "Select", "Split", "Sub", "Transform", "And", "Equals", "If", "Not", "Or",
         "ToJsonString", "Length")


class TemplateLoader(yaml.SafeLoader):
    """SafeLoader that understands CloudFormation's short-form tags."""


def _construct(tag: str) -> Callable[[yaml.Loader, yaml.Node], Any]:
    key = "Ref" if tag == "Ref" else "Condition" if tag == "Condition" else f"Fn::{tag}"

    def construct(loader: yaml.Loader, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "GetAtt":
                value = str(value).split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {key: value}

    return construct


for _tag in _TAGS:
    TemplateLoader.add_constructor(f"!{_tag}", _construct(_tag))


def load_template(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=TemplateLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(document, dict) or "Resources" not in document:
        raise ValueError(f"{path}: not a CloudFormation template")
    return document


class Resolver:
    """Evaluates intrinsic functions with local values for Ref / GetAtt / pseudo parameters."""

    def __init__(self, template: Mapping[str, Any], parameters: Mapping[str, str],
                 pseudo: Mapping[str, str]) -> None:
        self.template = template
        self.values: dict[str, Any] = {**pseudo}
        for name, spec in (template.get("Parameters") or {}).items():
            self.values[name] = str(parameters.get(name, spec.get("Default", "")))
        self.attributes: dict[tuple[str, str], Any] = {}
        self.conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            self.conditions[name] = bool(self.resolve(self.template["Conditions"][name]))
        return self.conditions[name]

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.resolve(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            handler = getattr(self, "_" + key.replace("Fn::", "fn_").replace("::", "_"), None)
            if handler is not None:
                return handler(arg)
        return {k: self.resolve(v) for k, v in node.items()}

    def _Ref(self, name: str) -> Any:
        if name not in self.values:
            raise KeyError(f"Ref to unknown name {name!r} (no local value)")
        return self.values[name]

    def _Condition(self, name: str) -> bool:
        return self.condition(name)

    def _fn_GetAtt(self, arg: list[str]) -> Any:
        key = (arg[0], arg[1])
        if key not in self.attributes:
            raise KeyError(f"GetAtt {arg[0]}.{arg[1]} has no local value")
        return self.attributes[key]

    def _fn_Sub(self, arg: Any) -> str:
        text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in extra:
                return str(extra[name])
            if "." in name:
                resource, attr = name.split(".", 1)
                return str(self._fn_GetAtt([resource, attr]))
            return str(self._Ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def _fn_Join(self, arg: list[Any]) -> str:
        sep, items = arg
        return str(sep).join(str(i) for i in self.resolve(items))

    def _fn_Select(self, arg: list[Any]) -> Any:
        return self.resolve(arg[1])[int(self.resolve(arg[0]))]

    def _fn_Split(self, arg: list[Any]) -> list[str]:
        return str(self.resolve(arg[1])).split(str(arg[0]))

    def _fn_If(self, arg: list[Any]) -> Any:
        return self.resolve(arg[1] if self.condition(arg[0]) else arg[2])

    def _fn_Equals(self, arg: list[Any]) -> bool:
        a, b = self.resolve(arg)
        return bool(str(a) == str(b))

    def _fn_Not(self, arg: list[Any]) -> bool:
        return not self.resolve(arg[0])

    def _fn_And(self, arg: list[Any]) -> bool:
        return all(self.resolve(arg))

    def _fn_Or(self, arg: list[Any]) -> bool:
        return any(self.resolve(arg))


def resources_of(template: Mapping[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: spec for name, spec in template["Resources"].items() if spec.get("Type") == kind}


def project_root() -> Path:
    return Path(__file__).resolve().parents[2]


__all__ = ["Resolver", "TemplateLoader", "load_template", "project_root", "resources_of"]
