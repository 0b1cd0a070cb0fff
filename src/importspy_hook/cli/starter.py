"""A starter contract for a module, written from its source (``importspy-hook init``).

The module is never imported: its source facts (:mod:`importspy_hook.static.facts`) say what it
provides now (public functions with their arguments and annotations, classes with their bases,
methods and attributes, constants with literal values). The contract is written as commented
YAML text, not dumped from data, so that a person can read and edit it, with a runtime section
for this interpreter. What the source cannot decide (a definition under a runtime condition, a
function behind a decorator that may replace it) is left out, or written without the parts
that cannot be known, rather than guessed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from importspy_hook._snapshot import snapshot
from importspy_hook._violations import has_credentials, is_secret_name

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
# Words a YAML reader would turn into something other than text.
_RESERVED = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"})
_CONSTANT = re.compile(r"[A-Z][A-Z0-9_]*")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
_MAX_VALUE_CHARS = 80


def scalar(text: str) -> str:
    """``text`` as a YAML scalar: plain where that reads back as the same text, else quoted."""
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text)


def public_names(facts: dict[str, Any]) -> list[str]:
    """``__all__`` when the source declares it as a literal, else its names without a leading underscore."""
    members = facts["members"]
    declared = members.get("__all__")
    if declared is not None and declared.get("known") and isinstance(declared["value"], list):
        return [n for n in declared["value"] if isinstance(n, str) and n in members]
    return sorted(n for n in members if not n.startswith("_"))


def starter_contract(name: str, facts: dict[str, Any], file: str = "FILE", contracts: str | None = None) -> str:
    """The commented YAML text of a starter contract for module ``name`` from its source
    ``facts``, to be written to ``file``; ``contracts`` is what to name to ``check`` when
    ``file`` is not in the default folder."""
    functions, classes, variables = [], [], []
    annotations: dict[str, str] = facts["annotations"]
    members = facts["members"]
    for member in public_names(facts):
        found = members[member]
        if found["maybe"]:
            continue  # defined only under a runtime condition
        if found["kind"] == "class" and not found["unsure"]:
            classes.append(_class_lines(member, found, members))
        elif found["kind"] == "function":
            functions.append(_function_lines(member, found, "    ", members))
        elif found["kind"] == "variable" and (_CONSTANT.fullmatch(member) or member in annotations):
            variables.append(_variable_lines(member, found, annotations.get(member)))

    snap = snapshot()
    major, minor = snap.python_key[:2]
    out = [
        f"# Starter contract for {name}, written by `importspy-hook init {name}`.",
        f"# Edit it to say what must hold, then check it: importspy-hook lint {file}; importspy-hook check {name}"
        f"{f' --contracts {contracts}' if contracts else ''}",
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


def _annotation(written: str | None, members: dict[str, Any]) -> str | None:
    """An annotation as the run-time check reads it back: a dotted name through the module's
    imports (``np.ndarray`` -> ``numpy.ndarray``), else as written."""
    if written is None or "\n" in written:
        return None

    def qualify(match: re.Match[str]) -> str:
        head, _, rest = match.group(0).partition(".")
        member = members.get(head)
        if member is not None and member["kind"] == "import" and not member["origin"].startswith("."):
            return f"{member['origin']}.{rest}"
        return match.group(0)

    return _DOTTED.sub(qualify, written)


def _function_lines(name: str, found: dict[str, Any], indent: str, members: dict[str, Any]) -> list[str]:
    lines = [f"{indent}- name: {scalar(name)}"]
    if found["unsure"]:
        return lines  # a decorator may have replaced it: its signature is not known
    if found["params"]:
        lines.append(f"{indent}  arguments:")
        for param, _kind, written, _default in found["params"]:
            text = _annotation(written, members)
            shown = f", annotation: {scalar(text)}" if text is not None else ""
            lines.append(f"{indent}    - {{name: {scalar(param)}{shown}}}")
    returns = _annotation(found["returns"], members)
    if returns is not None:
        lines.append(f"{indent}  returns: {scalar(returns)}")
    return lines


def _class_lines(name: str, found: dict[str, Any], members: dict[str, Any]) -> list[str]:
    lines = [f"    - name: {scalar(name)}"]
    # The run-time check names a base by its __name__: the last part of the name as written.
    bases = [b.partition("[")[0].rpartition(".")[2] for b in found["bases"]]
    bases = [b for b in bases if b and b != "object"]
    if bases:
        lines.append(f"      bases: [{', '.join(scalar(b) for b in bases)}]")
    attributes: list[str] = []
    methods: list[list[str]] = []
    for member, method in found["methods"].items():
        if (not member.startswith("_") or member == "__init__") and not method["maybe"]:
            methods.append(_function_lines(member, method, "        ", members))
    annotations: dict[str, str] = found["annotations"]
    for member, value in found["attributes"].items():
        if not member.startswith("_") and not value["maybe"]:
            attributes.append(_attribute_line(member, "class", annotations.get(member)))
    # Instance attributes: annotated in the class body, or assigned to self in a method.
    instance = [m for m in annotations if m not in found["attributes"]]
    instance += [m for m in found.get("instance") or () if m not in found["attributes"]]
    for member in dict.fromkeys(instance):
        if not member.startswith("_"):
            attributes.append(_attribute_line(member, "instance", annotations.get(member)))
    if attributes:
        lines.append("      attributes:")
        lines.extend(attributes)
    if methods:
        lines.append("      methods:")
        for method in methods:
            lines.extend(method)
    return lines


def _attribute_line(name: str, scope: str, annotation: str | None) -> str:
    shown = f", annotation: {scalar(annotation)}" if annotation is not None and "\n" not in annotation else ""
    return f"        - {{name: {scalar(name)}, scope: {scope}{shown}}}"


def _variable_lines(name: str, found: dict[str, Any], annotation: str | None) -> list[str]:
    parts = [f"name: {scalar(name)}"]
    if annotation is not None and "\n" not in annotation:
        parts.append(f"annotation: {scalar(annotation)}")
    value = found["value"]
    # The value of a secret-looking name (SECRET_KEY = "...") or a URL with credentials may
    # be a real secret: it stays out of a file meant for version control.
    secret = is_secret_name(name) or (isinstance(value, str) and has_credentials(value))
    shown = _value(value) if found["known"] and not found["unsure"] and not secret else None
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
