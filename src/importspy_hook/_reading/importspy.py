"""Reading ImportSpy 0.4 contracts (``spymodel.yml``) as native contracts.

An ImportSpy contract sits beside the module it protects and, in ImportSpy's embedded mode,
describes the module that *imports* it: its ``filename``, ``version``, ``variables``,
``functions`` and ``classes``. Its ``deployments`` list the runtimes under which the import
is allowed, any one of them sufficing. The mapping, entry by entry:

- ``filename: plugin.py`` -> ``importers.allow: ["plugin", "*.plugin", "__main__"]`` (a script
  run directly is named ``__main__``);
- ``version``, ``variables``, ``functions``, ``classes`` -> ``importers.require``
  (``version`` as the variable ``__version__``);
- each ``deployments[].systems[].pythons[]`` combination -> one ``runtime`` alternative with
  ``arch``, ``os``, ``env`` (from the system's ``environment``), ``python`` and
  ``implementation``; the ``modules`` under a python entry add to ``importers.require``.

ImportSpy's known faults are fixed, not copied: a Python version is a release prefix
(``"3.11"`` is any 3.11.x, an unquoted ``3.10`` is read as written, not as the float 3.1);
``value`` is checked only where the contract gives one; ``secrets`` only need to be set;
architecture and interpreter names are case-insensitive with aliases; a ``pythons`` entry
with neither version nor interpreter means any Python; every alternative is tried, not only
the first whose architecture matches; unknown keys are errors with a suggestion. What cannot
be expressed natively is listed as a note (kept in the comments ``migrate`` writes).
"""

from __future__ import annotations

import json
import re
import textwrap

from importspy_hook._errors import ContractError
from importspy_hook._reading.document import Document, read_document

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from importspy_hook._reading.model import Contract

#: Keys that only ImportSpy contracts have at the top level.
IMPORTSPY_KEYS = frozenset({"filename", "version", "variables", "functions", "classes", "deployments"})
_NATIVE_ONLY = frozenset({"schema", "importers", "runtime", "provides"})

_SCHEMA: dict[str, tuple[str, ...]] = {
    "top": ("module", "on_violation", "filename", "version", "variables", "functions", "classes", "deployments"),
    "module": ("filename", "version", "variables", "functions", "classes"),
    "variable": ("name", "value", "annotation"),
    "function": ("name", "arguments", "return_annotation"),
    "argument": ("name", "annotation", "value"),
    "class": ("name", "attributes", "methods", "superclasses"),
    "attribute": ("type", "name", "value", "annotation"),
    "superclass": ("name", "attributes", "methods", "superclasses"),
    "deployment": ("arch", "systems"),
    "system": ("os", "environment", "pythons"),
    "environment": ("variables", "secrets"),
    "python": ("version", "interpreter", "modules"),
}

_INTERPRETERS = {
    "cpython": "cpython",
    "pypy": "pypy",
    "graalpython": "graalpy",
    "graalpy": "graalpy",
    "ironpython": "ironpython",
    "jython": "jython",
    "micropython": "micropython",
}
_VERSION = re.compile(r"\d+(\.\d+)*")
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_YAML_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"})


def is_spymodel(data: object) -> bool:
    """Whether parsed contract data is in ImportSpy's format rather than the native one."""
    return isinstance(data, dict) and bool(IMPORTSPY_KEYS.intersection(data)) and not _NATIVE_ONLY.intersection(data)


class Migration:
    """A native contract document made from an ImportSpy one.

    :ivar document: the native contract data, with the positions of the ImportSpy entries
        each native entry came from (so messages point into the ``spymodel.yml``).
    :ivar notes: every difference a reader should know about, one sentence each.
    """

    __slots__ = ("document", "notes")

    def __init__(self, document: Document, notes: list[str]) -> None:
        self.document = document
        self.notes = notes


def plain_spymodel(file: str, module: str) -> dict[str, Any]:
    """The plain data of the spymodel ``file`` for ``module`` (``_reading.settings.collect``,
    in a child interpreter or here)."""
    from importspy_hook._reading.structuring import to_plain

    return to_plain(load_spymodel(file, module))


def load_spymodel(file: str, module: str | None = None) -> Contract:
    """Read an ImportSpy ``spymodel.yml`` as a native :class:`~importspy_hook.Contract`.

    :param module: the module it governs; ``None`` to use the file's own ``module:`` key.
    :raises ContractError: when the file is not a valid ImportSpy contract, or names no module.
    """
    # Imported here: structuring needs attrs and cattrs.
    from importspy_hook._reading.structuring import structure_document

    return structure_document(convert(read_document(file), module).document)


def convert(spy: Document, module: str | None = None) -> Migration:
    """Map a parsed ImportSpy contract to native contract data (see the module docstring).

    :raises ContractError: listing every problem found in the ImportSpy contract.
    """
    converter = _Converter(spy)
    data = converter.top(module)
    if converter.problems:
        problems = list(dict.fromkeys(converter.problems))  # a list can be visited twice
        line, column, message = problems[0]
        raise ContractError(spy.file, message, line, column, problems=problems)
    return Migration(Document(spy.file, data, converter.keys, converter.values), converter.notes)


def migrate(file: str, module: str | None = None) -> str:
    """The native contract equivalent to an ImportSpy ``spymodel.yml``, as commented YAML.

    :raises ContractError: when the file is not a valid ImportSpy contract, or names no module.
    """
    migration = convert(read_document(file), module)
    # Validated as a native contract before it is written: what migrate writes passes lint.
    from importspy_hook._reading.structuring import structure_document

    structure_document(migration.document)
    lines = [
        f"# Migrated from the ImportSpy contract {file}.",
        "# ImportSpy described the importing module; here that is importers.allow and importers.require.",
        "# Each runtime alternative is one deployments -> systems -> pythons combination (any one suffices).",
    ]
    if migration.notes:
        lines.append("# Differences to review:")
        for note in dict.fromkeys(migration.notes):
            lines.extend(textwrap.wrap(note, 100, initial_indent="#   - ", subsequent_indent="#     "))
    lines.append("schema: 1")
    data = migration.document.data
    assert isinstance(data, dict)
    lines.extend(_emit(data, 0))
    return "\n".join(lines) + "\n"


class _Converter:
    def __init__(self, spy: Document) -> None:
        self.spy = spy
        self.text: list[str] | None = None
        self.keys: dict[str, tuple[int, int]] = {"": (1, 1)}
        self.values: dict[str, tuple[int, int]] = {}
        self.problems: list[tuple[int | None, int | None, str]] = []
        self.notes: list[str] = []
        # The ImportSpy entry each native member entry came from (by id: the entries live as
        # long as the conversion), so that a violation names the line of the very entry.
        self.sources: dict[int, str] = {}
        self.returns: dict[int, str] = {}

    # -- positions and problems ---------------------------------------------------------

    def at(self, native: str, source: str) -> None:
        """Native entry ``native`` came from ImportSpy entry ``source``."""
        key = self.spy.keys.get(source) or self.spy.values.get(source)
        if key is not None:
            self.keys[native] = key
        value = self.spy.values.get(source)
        if value is not None:
            self.values[native] = value

    def at_members(self, native: str, entry: dict[str, Any]) -> None:
        """The positions of the arguments, return annotation, methods and attributes of
        ``entry``, a native member entry, from the ImportSpy entries they came from."""
        for key in ("arguments", "methods", "attributes"):
            for index, sub in enumerate(entry.get(key) or ()):
                source = self.sources.get(id(sub))
                if source is not None:
                    self.at(f"{native}/{key}/{index}", source)
                    self.at_members(f"{native}/{key}/{index}", sub)
        returns = self.returns.get(id(entry))
        if returns is not None:
            self.at(f"{native}/returns", returns)

    def problem(self, source: str, message: str, key: bool = False) -> None:
        table = self.spy.keys if key else self.spy.values
        line, column = table.get(source) or self.spy.keys.get(source) or (None, None)
        self.problems.append((line, column, message))

    def mapping(self, value: object, source: str, kind: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(source, f"{kind} must be a mapping with keys {', '.join(_SCHEMA[kind])}")
            return {}
        for key in value:
            if key not in _SCHEMA[kind]:
                # Imported here: difflib is needed only to suggest a key for a typo.
                import difflib

                close = difflib.get_close_matches(key, _SCHEMA[kind], n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                self.problem(
                    f"{source}/{key}" if source else key,
                    f"unknown key {key!r} in an ImportSpy {kind}; {hint}allowed here: {', '.join(_SCHEMA[kind])} "
                    f"(ImportSpy ignores unknown keys silently; importspy_hook does not)",
                    key=True,
                )
        return value

    def items(self, value: object, source: str, what: str) -> list[tuple[str, object]]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(source, f"{what} must be a list")
            return []
        return [(f"{source}/{index}", item) for index, item in enumerate(value)]

    def name(self, entry: dict[str, Any], source: str, what: str) -> str | None:
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            self.problem(source, f"every {what} needs a name")
            return None
        return name

    def raw(self, source: str, value: object) -> str:
        """A scalar as written in the file: an unquoted ``3.10`` is ``"3.10"``, not ``3.1``."""
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            position = self.spy.values.get(source)
            if position is not None:
                if self.text is None:
                    with open(self.spy.file, encoding="utf-8-sig") as stream:
                        self.text = stream.read().splitlines()
                line = self.text[position[0] - 1]
                found = re.match(r"[^\s#,\]}]+", line[position[1] - 1 :])
                if found is not None:
                    return found.group(0)
        return "true" if value is True else "false" if value is False else str(value)

    # -- the document -------------------------------------------------------------------

    def top(self, module: str | None) -> dict[str, Any]:
        spy = self.mapping(self.spy.data, "", "top")
        out: dict[str, Any] = {}
        if module is not None:
            out["module"] = module
        elif isinstance(spy.get("module"), str):
            out["module"] = spy["module"]
            self.at("module", "module")
        else:
            self.problems.append(
                (
                    1,
                    1,
                    "is an ImportSpy contract that names no module to guard: add 'module: NAME' at the top, "
                    "pass --module NAME to migrate, or map the file in [tool.importspy-hook] importspy_contracts",
                )
            )
        if "on_violation" in spy:
            out["on_violation"] = spy["on_violation"]
            self.at("on_violation", "on_violation")
        importers: dict[str, Any] = {}
        filename = spy.get("filename")
        if filename is not None:
            if not isinstance(filename, str) or not filename.endswith(".py"):
                self.problem("filename", "filename must be a Python file name such as plugin.py")
            else:
                stem = filename[:-3].rpartition("/")[2]
                # ImportSpy compares the importer's file name, so ``python extension.py`` (a
                # module named __main__) is what its users run: allowed too, and still held
                # to the importers.require the rest of the spymodel gives.
                importers["allow"] = [stem, f"*.{stem}", "__main__"]
                self.at("importers", "filename")
                self.at("importers/allow", "filename")
                self.notes.append(
                    f"filename: {filename} became importers.allow: [{stem}, '*.{stem}', __main__] (the importer's "
                    f"module name, and a script run directly, which Python names __main__ whatever its file)"
                )
        require = self.members(spy, "", top=True)
        for alternative_source, modules in self.python_modules(spy):
            for module_source, entry in modules:
                described = entry.get("filename")
                if described is not None and filename is not None and described != filename:
                    self.notes.append(
                        f"{alternative_source}/modules entry for {described} was left out: it describes another "
                        f"file than {filename} (ImportSpy 0.4 always failed on it)"
                    )
                    continue
                extra = self.members(entry, module_source, top=False)
                if any(extra.values()):
                    self.notes.append(
                        f"the members required under {alternative_source} apply under every runtime here "
                        f"(importers.require does not depend on the runtime): stricter than ImportSpy"
                    )
                self.merge(require, extra)
        if any(require.values()):
            importers["require"] = {k: [entry for entry, _ in v] for k, v in require.items() if v}
            for section, entries in require.items():
                for index, (entry, source) in enumerate(entries):
                    self.at(f"importers/require/{section}/{index}", source)
                    self.at_members(f"importers/require/{section}/{index}", entry)
            first = next((k for k in ("version", "variables", "functions", "classes") if k in spy), None)
            if first is not None:
                self.at("importers/require", first)
                self.keys.setdefault("importers", self.keys["importers/require"])
        if importers:
            out["importers"] = importers
        runtime = self.runtime(spy)
        if runtime:
            out["runtime"] = runtime[0] if len(runtime) == 1 else runtime
        return out

    # -- importer members ---------------------------------------------------------------

    def members(self, spy: dict[str, Any], source: str, top: bool) -> dict[str, list[tuple[dict[str, Any], str]]]:
        base = f"{source}/" if source else ""
        if not top:
            self.mapping(spy, source, "module")
        variables: list[tuple[dict[str, Any], str]] = []
        version = spy.get("version")
        if version is not None:
            variables.append(({"name": "__version__", "value": self.raw(f"{base}version", version)}, f"{base}version"))
            self.notes.append(
                "version became the variable __version__; ImportSpy also accepted the installed distribution's "
                "version when __version__ is missing, importspy_hook checks __version__ only"
            )
        for item_source, item in self.items(spy.get("variables"), f"{base}variables", "variables"):
            entry = self.mapping(item, item_source, "variable")
            name = self.name(entry, item_source, "variable")
            if name is None:
                continue
            variable: dict[str, Any] = {"name": name}
            if entry.get("value") is not None:
                variable["value"] = entry["value"]
            if entry.get("annotation") is not None:
                self.notes.append(
                    f"variable {name}: annotation {entry['annotation']} is not checked; ImportSpy compared it with "
                    f"the type of the value, importspy_hook checks declared annotations: add annotation if "
                    f"{name} is annotated in the source"
                )
            variables.append((variable, item_source))
        functions: list[tuple[dict[str, Any], str]] = []
        for item_source, item in self.items(spy.get("functions"), f"{base}functions", "functions"):
            function = self.function(item, item_source, "function ")
            if function is not None:
                functions.append((function, item_source))
        classes: list[tuple[dict[str, Any], str]] = []
        for item_source, item in self.items(spy.get("classes"), f"{base}classes", "classes"):
            klass = self.klass(item, item_source)
            if klass is not None:
                classes.append((klass, item_source))
        return {"variables": variables, "functions": functions, "classes": classes}

    def function(self, item: object, source: str, what: str) -> dict[str, Any] | None:
        entry = self.mapping(item, source, "function")
        name = self.name(entry, source, what.split(maxsplit=1)[0])
        if name is None:
            return None
        function: dict[str, Any] = {"name": name}
        arguments: list[dict[str, Any]] = []
        for arg_source, arg in self.items(entry.get("arguments"), f"{source}/arguments", "arguments"):
            arg_entry = self.mapping(arg, arg_source, "argument")
            arg_name = self.name(arg_entry, arg_source, "argument")
            if arg_name is None:
                continue
            argument: dict[str, Any] = {"name": arg_name}
            self.sources[id(argument)] = arg_source
            if arg_entry.get("annotation") is not None:
                argument["annotation"] = str(arg_entry["annotation"])
            if arg_entry.get("value") is not None:
                self.notes.append(
                    f"{what}{name}: the default of argument {arg_name} is not checked (contracts check "
                    f"argument names and annotations)"
                )
            arguments.append(argument)
        if arguments:
            function["arguments"] = arguments
        returns = entry.get("return_annotation")
        if returns is not None:
            function["returns"] = str(returns)
            self.returns[id(function)] = f"{source}/return_annotation"
        self.sources[id(function)] = source
        return function

    def klass(self, item: object, source: str) -> dict[str, Any] | None:
        entry = self.mapping(item, source, "class")
        name = self.name(entry, source, "class")
        if name is None:
            return None
        klass: dict[str, Any] = {"name": name}
        attributes, methods = self.class_members(entry, source, name)
        bases: list[str] = []
        pending = self.items(entry.get("superclasses"), f"{source}/superclasses", "superclasses")
        while pending:
            base_source, base = pending.pop(0)
            if isinstance(base, str):
                bases.append(base)
                continue
            base_entry = self.mapping(base, base_source, "superclass")
            base_name = self.name(base_entry, base_source, "superclass")
            if base_name is None:
                continue
            bases.append(base_name)
            inherited = self.class_members(base_entry, base_source, base_name)
            if any(inherited):
                self.notes.append(
                    f"class {name}: what superclass {base_name} must define is required of {name} itself "
                    f"(inherited members count)"
                )
            attributes.extend(a for a in inherited[0] if a["name"] not in {x["name"] for x in attributes})
            methods.extend(m for m in inherited[1] if m["name"] not in {x["name"] for x in methods})
            pending.extend(self.items(base_entry.get("superclasses"), f"{base_source}/superclasses", "superclasses"))
        if bases:
            klass["bases"] = bases
        if attributes:
            klass["attributes"] = attributes
        if methods:
            klass["methods"] = methods
        return klass

    def class_members(
        self, entry: dict[str, Any], source: str, owner: str
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        attributes: list[dict[str, Any]] = []
        for attr_source, attr in self.items(entry.get("attributes"), f"{source}/attributes", "attributes"):
            attr_entry = self.mapping(attr, attr_source, "attribute")
            name = self.name(attr_entry, attr_source, "attribute")
            if name is None:
                continue
            scope = attr_entry.get("type")
            if scope not in ("class", "instance"):
                self.problem(attr_source, f"attribute {owner}.{name} needs type: class or type: instance")
                continue
            attribute: dict[str, Any] = {"name": name, "scope": scope}
            self.sources[id(attribute)] = attr_source
            if attr_entry.get("annotation") is not None:
                attribute["annotation"] = str(attr_entry["annotation"])
            if attr_entry.get("value") is not None:
                if scope == "class":
                    attribute["value"] = attr_entry["value"]
                else:
                    self.notes.append(
                        f"instance attribute {owner}.{name}: its value is not checked (no instance exists at "
                        f"import time; ImportSpy read it from the text of __init__)"
                    )
            attributes.append(attribute)
        methods = [
            m
            for method_source, method in self.items(entry.get("methods"), f"{source}/methods", "methods")
            if (m := self.function(method, method_source, f"method {owner}.")) is not None
        ]
        return attributes, methods

    def merge(
        self, into: dict[str, list[tuple[dict[str, Any], str]]], extra: dict[str, list[tuple[dict[str, Any], str]]]
    ) -> None:
        for section, entries in extra.items():
            names = {e["name"] for e, _ in into[section]}
            for entry, source in entries:
                if entry["name"] not in names:
                    into[section].append((entry, source))
                    names.add(entry["name"])
                elif entry not in [e for e, _ in into[section]]:
                    self.notes.append(
                        f"{section[:-1]} {entry['name']} is described twice, differently; the first description is kept"
                    )

    # -- runtime ------------------------------------------------------------------------

    def python_modules(self, spy: dict[str, Any]) -> list[tuple[str, list[tuple[str, dict[str, Any]]]]]:
        found: list[tuple[str, list[tuple[str, dict[str, Any]]]]] = []
        for dep_source, dep in self.items(spy.get("deployments"), "deployments", "deployments"):
            if not isinstance(dep, dict):
                continue
            for sys_source, system in self.items(dep.get("systems"), f"{dep_source}/systems", "systems"):
                if not isinstance(system, dict):
                    continue
                for py_source, python in self.items(system.get("pythons"), f"{sys_source}/pythons", "pythons"):
                    if not isinstance(python, dict):
                        continue
                    modules = [
                        (module_source, module)
                        for module_source, module in self.items(
                            python.get("modules"), f"{py_source}/modules", "modules"
                        )
                        if isinstance(module, dict)
                    ]
                    found.append((py_source, modules))
        return found

    def runtime(self, spy: dict[str, Any]) -> list[dict[str, Any]]:
        alternatives: list[tuple[dict[str, Any], list[tuple[str, str]]]] = []
        dropped = 0
        for dep_source, dep in self.items(spy.get("deployments"), "deployments", "deployments"):
            deployment = self.mapping(dep, dep_source, "deployment")
            base: dict[str, Any] = {}
            base_at: list[tuple[str, str]] = []
            if deployment.get("arch") is not None:
                base["arch"] = self.arch(deployment["arch"], f"{dep_source}/arch")
                base_at.append(("arch", f"{dep_source}/arch"))
            systems = self.items(deployment.get("systems"), f"{dep_source}/systems", "systems")
            if not systems:
                alternatives.append((base, base_at))
                continue
            for sys_source, sys_item in systems:
                system = self.mapping(sys_item, sys_source, "system")
                with_os = dict(base)
                os_at = list(base_at)
                if system.get("os") is not None:
                    with_os["os"] = str(system["os"]).lower()
                    os_at.append(("os", f"{sys_source}/os"))
                env = self.environment(system.get("environment"), f"{sys_source}/environment")
                if env:
                    with_os["env"] = env
                    os_at.append(("env", f"{sys_source}/environment"))
                pythons = self.items(system.get("pythons"), f"{sys_source}/pythons", "pythons")
                if not pythons:
                    alternatives.append((with_os, os_at))
                    continue
                for py_source, py_item in pythons:
                    python = self.mapping(py_item, py_source, "python")
                    alternative = dict(with_os)
                    at = list(os_at)
                    if python.get("version") is not None:
                        alternative["python"] = self.python(python["version"], f"{py_source}/version")
                        at.append(("python", f"{py_source}/version"))
                    interpreter = python.get("interpreter")
                    if interpreter is not None:
                        implementation = _INTERPRETERS.get(str(interpreter).lower())
                        if implementation is None:
                            dropped += 1
                            self.notes.append(
                                f"{py_source} was left out: interpreter {interpreter} has no sys.implementation "
                                f"name importspy_hook checks ({', '.join(sorted(set(_INTERPRETERS.values())))})"
                            )
                            continue
                        alternative["implementation"] = implementation
                        at.append(("implementation", f"{py_source}/interpreter"))
                    alternatives.append((alternative, at))
        if dropped and not alternatives:
            self.problem("deployments", "no deployment can be checked: every one names an unsupported interpreter")
        unique: list[tuple[dict[str, Any], list[tuple[str, str]]]] = []
        for alternative, at in alternatives:
            if alternative not in [u for u, _ in unique]:
                unique.append((alternative, at))
        for index, (_, at) in enumerate(unique):
            prefix = "runtime" if len(unique) == 1 else f"runtime/{index}"
            for key, source in at:
                self.at(f"{prefix}/{key}", source)
        if len(unique) > 1:
            self.notes.append(
                f"the {len(unique)} deployment combinations are runtime alternatives: any one that holds "
                f"allows the import (ImportSpy stopped at the first matching architecture and OS)"
            )
        return [alternative for alternative, _ in unique]

    def arch(self, value: object, source: str) -> Any:
        text = str(value).lower()
        if text == "arm":
            self.notes.append(
                "arch arm became [armv7l, armv6l], what 32-bit ARM Linux reports (ImportSpy compared 'arm' with "
                "the machine name, which never matched)"
            )
            return ["armv7l", "armv6l"]
        return text

    def python(self, value: object, source: str) -> str:
        text = self.raw(source, value).strip()
        if text[:1] in "<>=!~":
            return text
        if _VERSION.fullmatch(text):
            return f"=={text}" if text.count(".") >= 2 else f"=={text}.*"
        if text[:1].isdigit():
            return f"=={text}"
        self.problem(source, f"version {text!r} is not a Python version such as 3.11 or 3.12.4")
        return text

    def environment(self, value: object, source: str) -> dict[str, Any]:
        environment = self.mapping(value, source, "environment")
        env: dict[str, Any] = {}
        for item_source, item in self.items(environment.get("variables"), f"{source}/variables", "variables"):
            entry = self.mapping(item, item_source, "variable")
            name = self.name(entry, item_source, "environment variable")
            if name is None:
                continue
            value = entry.get("value")
            if value is None:
                env[name] = {"required": True}
            elif isinstance(value, bool):
                word = "true" if value else "false"
                env[name] = {"one_of": [word, word.capitalize(), word.upper()]}
                self.notes.append(
                    f"environment variable {name}: {word} accepts {word}, {word.capitalize()} and {word.upper()} "
                    f"(the environment holds text)"
                )
            else:
                env[name] = {"equals": self.raw(f"{item_source}/value", value)}
            if entry.get("annotation") is not None:
                self.notes.append(
                    f"environment variable {name}: annotation {entry['annotation']} is not checked (the "
                    f"environment only holds text)"
                )
        secrets = environment.get("secrets")
        for item_source, item in self.items(secrets, f"{source}/secrets", "secrets"):
            if not isinstance(item, str) or not item:
                self.problem(item_source, "every secret is the name of an environment variable")
                continue
            env[item] = {"required": True, "secret": True}
        return env


def _scalar(value: object) -> str:
    if isinstance(value, str) and _PLAIN.fullmatch(value) and value.lower() not in _YAML_WORDS:
        return value
    return json.dumps(value)


def _flow(items: list[Any]) -> str | None:
    if all(not isinstance(i, (dict, list)) for i in items):
        return "[" + ", ".join(_scalar(i) for i in items) + "]"
    return None


def _is_flat(value: object) -> bool:
    return isinstance(value, dict) and len(value) <= 3 and all(not isinstance(v, (dict, list)) for v in value.values())


def _inline(value: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{_scalar(k)}: {_scalar(v)}" for k, v in value.items()) + "}"


def _emit(data: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            if _is_flat(value):
                lines.append(f"{pad}{_scalar(key)}: {_inline(value)}")
            else:
                lines.append(f"{pad}{_scalar(key)}:")
                lines.extend(_emit(value, indent + 2))
        elif isinstance(value, list):
            flow = _flow(value)
            if flow is not None:
                lines.append(f"{pad}{_scalar(key)}: {flow}")
            else:
                lines.append(f"{pad}{_scalar(key)}:")
                for item in value:
                    if _is_flat(item):
                        lines.append(f"{pad}  - {_inline(item)}")
                        continue
                    block = _emit(item, indent + 4)
                    lines.append(f"{pad}  - {block[0].lstrip()}")
                    lines.extend(block[1:])
        else:
            lines.append(f"{pad}{_scalar(key)}: {_scalar(value)}")
    return lines
