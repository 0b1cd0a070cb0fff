"""The JSON Schema (draft 2020-12) of contract files, derived from the contract model.

Every mapping, its keys, which keys are required and how entries nest come from the attrs
classes of ``importspy_hook._reading.model``, walked field by field, so a key added to the model
is in the schema at once. What the classes cannot say (the YAML spelling of a value the loader
normalises: a name or a list of names, an ``env`` rule's text shorthand, the known OS names) is
given once per model type in ``_LEAVES`` and ``_SHORTHANDS``; a field whose type is in
neither raises :class:`TypeError`, so the model cannot grow a type the schema silently ignores.
What JSON Schema cannot express (a regular expression's risk, a PEP 440 specifier's grammar)
is left to the loader, which ``importspy-hook lint`` runs. ``importspy_hook/contract.schema.json``
is this module's output, kept equal to it by a test.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any

import attrs

from importspy_hook._reading import model
from importspy_hook._reading.structuring import _INTERNAL, SCHEMA_VERSION
from importspy_hook._snapshot import ARCH_ALIASES, IMPLEMENTATIONS, OS_ALIASES

__all__ = ["contract_schema", "schema_text"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
_MAX_REGEX_CHARS = 256


def _any_case(names: typing.Iterable[str]) -> str:
    """An ECMA-262 and Python pattern matching any of ``names`` in any letter case."""

    def spell(name: str) -> str:
        return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else ("\\" + c if c in ".-+" else c) for c in name)

    return "^(?:" + "|".join(spell(name) for name in sorted(names)) + ")$"


def _names(kind: str, known: typing.Iterable[str], canonical: typing.Iterable[str]) -> dict[str, Any]:
    one = {
        "anyOf": [{"enum": sorted(set(canonical))}, {"type": "string", "pattern": _any_case(known)}],
        "description": f"{kind} name (any letter case; aliases accepted)",
    }
    return {"anyOf": [one, {"type": "array", "items": one, "minItems": 1}]}


_IDENTIFIER = {"type": "string", "pattern": "^[A-Za-z_\u00aa-\uffff][0-9A-Za-z_\u00aa-\uffff]*$"}

#: The YAML form of each leaf type of the model (the loader's structure hooks in ``structuring``).
_LEAVES: dict[object, dict[str, Any]] = {
    str: {"type": "string"},
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    object: {"description": "any YAML value"},
    model.ModulePattern: {
        "type": "string",
        "pattern": r"^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_*?\[\]!.-]+$",
        "description": "a dotted module name or an fnmatch pattern (payments.keys, payments.*)",
    },
    model.Identifier: {**_IDENTIFIER, "description": "a Python identifier"},
    model.AnnotationText: {"type": "string", "description": "an annotation as spelled in source (None: -> None)"},
    model.OnViolation: {"enum": ["raise", "warn"]},
    model.Scope: {"enum": ["class", "instance"]},
    model.OsNames: _names("operating system", OS_ALIASES, OS_ALIASES.values()),
    model.ArchNames: _names("architecture", ARCH_ALIASES, ARCH_ALIASES.values()),
    model.ImplementationNames: _names("implementation", IMPLEMENTATIONS, IMPLEMENTATIONS),
    model.Regex: {
        "type": "string",
        "maxLength": _MAX_REGEX_CHARS,
        "description": "a regular expression the whole value must match",
    },
    model.Specifier: {"type": "string", "description": 'a PEP 440 specifier set (">=2.31")'},
    model.EnvText: {"type": "string", "description": "text (quote numbers and booleans)"},
    model.PythonSpec: {"type": "string", "description": 'a PEP 440 specifier set for the interpreter (">=3.10")'},
}

#: Model classes that a contract may also write as a single text.
_SHORTHANDS: dict[type, dict[str, Any]] = {
    model.EnvRule: _LEAVES[model.EnvText] | {"description": "shorthand for equals"},
    model.PackageRule: _LEAVES[model.Specifier] | {"description": "shorthand for version"},
}

#: Constraints of single fields that their types cannot carry.
_FIELD_EXTRAS: dict[tuple[type, str], dict[str, Any]] = {
    (model.Contract, "schema"): {"const": SCHEMA_VERSION},
    (model.EnvRule, "one_of"): {"minItems": 1},
}

#: Keys of the named mappings (``env``, ``packages``).
_MAPPING_KEYS: dict[object, dict[str, Any]] = {
    model.EnvRule: {"pattern": "^[^=\u0000]+$"},
    model.PackageRule: {"pattern": "^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$"},
}


class _Builder:
    def __init__(self) -> None:
        self.defs: dict[str, dict[str, Any]] = {}

    def of(self, hint: object) -> dict[str, Any]:
        if hint in _LEAVES:
            return dict(_LEAVES[hint])
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin in (typing.Union, types.UnionType):
            options = [a for a in args if a is not type(None)]
            inner = [self.of(a) for a in options]
            schema = inner[0] if len(inner) == 1 else {"anyOf": inner}
            # cattrs lets null through an optional field ("not given"), except for an
            # annotation, where ``returns: null`` is refused rather than read as unchecked.
            if type(None) in args and model.AnnotationText not in options:
                schema = {"anyOf": [schema, {"type": "null"}]}
            return schema
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            if args[0] is model.Runtime:
                one = self.of(model.Runtime)
                return {"anyOf": [one, {"type": "array", "items": one, "minItems": 1}]}
            return {"type": "array", "items": self.of(args[0])}
        if origin is dict and args[0] is str and args[1] in _MAPPING_KEYS:
            return {"type": "object", "propertyNames": _MAPPING_KEYS[args[1]], "additionalProperties": self.of(args[1])}
        if isinstance(hint, type) and attrs.has(hint):
            return self.mapping(hint)
        raise TypeError(f"no JSON Schema for the model type {hint!r}; give its YAML form in _LEAVES")

    def mapping(self, cls: type) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.defs:
            self.defs[name] = {}  # placed first, so that recursion finds it
            hints = typing.get_type_hints(cls)
            properties: dict[str, Any] = {}
            required: list[str] = []
            for field in attrs.fields(cls):
                if field.name in _INTERNAL:
                    continue
                properties[field.name] = self.of(hints[field.name]) | _FIELD_EXTRAS.get((cls, field.name), {})
                if field.default is attrs.NOTHING:
                    required.append(field.name)
            schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
            if required:
                schema["required"] = required
            if cls is model.EnvRule:
                schema["not"] = {
                    "required": ["absent"],
                    "properties": {"absent": {"const": True}},
                    "anyOf": [{"required": [key]} for key in ("equals", "one_of", "matches")],
                }
            if cls is model.PackageRule:
                schema["not"] = {"required": ["absent", "version"], "properties": {"absent": {"const": True}}}
            if cls in _SHORTHANDS:
                schema = {"anyOf": [_SHORTHANDS[cls], schema]}
            self.defs[name] = schema
        return {"$ref": f"#/$defs/{name}"}


def contract_schema() -> dict[str, Any]:
    """The JSON Schema of a contract file, as a mapping."""
    builder = _Builder()
    builder.mapping(model.Contract)
    contract = builder.defs.pop(model.Contract.__name__)
    return {
        "$schema": DRAFT,
        "title": "importspy_hook contract",
        "description": (
            "One contract file: which modules may import a module, under which runtime, and what it "
            f"must provide (contract format {SCHEMA_VERSION})."
        ),
        **contract,
        "$defs": builder.defs,
    }


def schema_text() -> str:
    """The schema as the JSON text ``importspy-hook schema`` prints and the package ships."""
    return json.dumps(contract_schema(), indent=2, ensure_ascii=False) + "\n"
