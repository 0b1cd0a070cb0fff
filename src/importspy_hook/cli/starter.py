"""A starter contract for an importable module (``importspy-hook init``).

The contract is written as commented YAML text, not dumped from data, so that a person can
read and edit it. It lists what the module provides now (public functions with their
arguments and annotations, classes with their bases, methods and attributes, constants) and
a runtime section for this interpreter, so that the module keeps its own starter contract.
Only spellings the structure checks read back the same way are written (see
:func:`_structure.spellings`); anything else is left out rather than guessed.
"""

from __future__ import annotations

import json
import re
from types import FunctionType, ModuleType
from typing import Any

from importspy_hook._snapshot import snapshot
from importspy_hook._structure import _MISSING, normalized, parameters, spell, spellings

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
# Words a YAML reader would turn into something other than text.
_RESERVED = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"})
_CONSTANT = re.compile(r"[A-Z][A-Z0-9_]*")
_MAX_VALUE_CHARS = 80


def scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain where that reads back as the same text, else quoted."""
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text)


def public_names(module: ModuleType) -> list[str]:
    """``__all__`` when the module declares it, else its names without a leading underscore."""
    declared = getattr(module, "__all__", None)
    if isinstance(declared, (list, tuple)) and all(isinstance(n, str) for n in declared):
        return [n for n in declared if hasattr(module, n)]
    return sorted(n for n in vars(module) if not n.startswith("_"))


def starter_contract(module: ModuleType, file: str = "FILE") -> str:
    """The commented YAML text of a starter contract for ``module``, to be written to ``file``."""
    name = module.__name__
    names = public_names(module)
    declared = hasattr(module, "__all__")
    functions, classes, variables = [], [], []
    annotations = vars(module).get("__annotations__") or {}
    for member in names:
        obj = getattr(module, member)
        own = declared or getattr(obj, "__module__", None) == name
        if isinstance(obj, type):
            if own:
                classes.append(_class_lines(member, obj))
        elif isinstance(obj, FunctionType):
            if own:
                functions.append(_function_lines(member, obj, "    "))
        elif isinstance(obj, ModuleType):
            continue
        elif _CONSTANT.fullmatch(member) or member in annotations:
            variables.append(_variable_lines(member, obj, annotations.get(member)))

    snap = snapshot()
    major, minor = snap.python_key[:2]
    out = [
        f"# Starter contract for {name}, written by `importspy-hook init {name}`.",
        f"# Edit it to say what must hold, then check it: importspy-hook lint {file}; importspy-hook check {name}",
        "schema: 1",
        f"module: {scalar(name)}",
        "# raise (default) stops a violating import; warn lets it go on with a ContractWarning.",
        "on_violation: raise",
        "",
        "# Who may import the module: fnmatch patterns on the importer's module name (deny wins).",
        "# importers:",
        f'#   allow: ["{name.partition(".")[0]}", "{name.partition(".")[0]}.*", "__main__"]',
        "#   deny: []",
        "",
        "# Where the module may run: at least this Python, on this operating system.",
        "runtime:",
        f'  python: ">={major}.{minor}"',
        f"  os: [{scalar(snap.os)}]",
        f"  # implementation: [{snap.implementation}]",
        f"  # arch: [{snap.arch}]",
        "  # env:",
        "  #   STAGE: {one_of: [prod, staging]}",
        "  #   API_KEY: {required: true, secret: true}",
        "  # packages:",
        '  #   requests: ">=2.31"',
        "",
        "# What the module must define once it has run. Each list is a subset: more is fine.",
        "provides:",
    ]
    for title, entries in (("functions", functions), ("classes", classes), ("variables", variables)):
        if not entries:
            out.append(f"  {title}: []")
            continue
        out.append(f"  {title}:")
        for lines in entries:
            out.extend(lines)
    return "\n".join(out) + "\n"


def _annotation(annotation: object) -> str | None:
    """The spelling to write for ``annotation``, or ``None`` when none reads back the same."""
    readable = spellings(annotation)
    text = spell(annotation)
    if not isinstance(annotation, (str, type)):
        # repr() keeps the spaces of ``int | None``; spell() strips them.
        pretty = repr(annotation).replace("typing.", "").replace("NoneType", "None")
        if normalized(pretty) in readable:
            text = pretty
    if "\n" in text or normalized(text) not in readable:
        return None
    try:
        compile(text, "<annotation>", "eval")
    except SyntaxError:
        return None
    return text


def _function_lines(name: str, func: object, indent: str) -> list[str]:
    lines = [f"{indent}- name: {scalar(name)}"]
    signature = parameters(func)
    if signature is None:
        return lines
    params, returned = signature
    if params:
        lines.append(f"{indent}  arguments:")
        for param, annotation in params.items():
            text = _annotation(annotation) if _is_given(annotation) else None
            shown = f", annotation: {scalar(text)}" if text is not None else ""
            lines.append(f"{indent}    - {{name: {scalar(param)}{shown}}}")
    if _is_given(returned):
        text = _annotation(returned)
        if text is not None:
            lines.append(f"{indent}  returns: {scalar(text)}")
    return lines


def _is_given(annotation: object) -> bool:
    return annotation is not _MISSING


def _class_lines(name: str, cls: type) -> list[str]:
    lines = [f"    - name: {scalar(name)}"]
    bases = [b.__qualname__ for b in cls.__bases__ if b is not object]
    if bases:
        lines.append(f"      bases: [{', '.join(scalar(b) for b in bases)}]")
    attributes: list[str] = []
    methods: list[list[str]] = []
    own_annotations: dict[str, Any] = cls.__dict__.get("__annotations__") or {}
    for member, value in cls.__dict__.items():
        if member.startswith("_") and member != "__init__":
            continue
        func = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
        if isinstance(func, FunctionType):
            methods.append(_function_lines(member, func, "        "))
        elif not isinstance(value, property) and not member.startswith("_"):
            attributes.append(f"        - {{name: {scalar(member)}, scope: class}}")
    for member in own_annotations:
        if not member.startswith("_") and member not in cls.__dict__:
            attributes.append(f"        - {{name: {scalar(member)}, scope: instance}}")
    if attributes:
        lines.append("      attributes:")
        lines.extend(attributes)
    if methods:
        lines.append("      methods:")
        for method in methods:
            lines.extend(method)
    return lines


def _variable_lines(name: str, value: object, annotation: object) -> list[str]:
    parts = [f"name: {scalar(name)}"]
    if annotation is not None:
        text = _annotation(annotation)
        if text is not None:
            parts.append(f"annotation: {scalar(text)}")
    shown = _value(value)
    if shown is not None:
        parts.append(f"value: {shown}")
    return [f"    - {{{', '.join(parts)}}}"]


def _value(value: object) -> str | None:
    """A constant's value as YAML when it reads back equal (bools, ints, short texts)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and len(value) <= _MAX_VALUE_CHARS and value.isprintable():
        return json.dumps(value)
    return None
