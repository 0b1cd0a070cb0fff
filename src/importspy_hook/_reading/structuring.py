"""From a contract file's plain data to the :class:`~importspy_hook.Contract` model and back.

cattrs structures the data with ``forbid_extra_keys`` and detailed validation, so that every
problem in a file is found at once; the error paths it reports are turned into
``file:line:col`` positions through the :class:`~importspy_hook._reading.document.Document` positions.
:func:`to_plain` unstructures a contract into the plain data the checks read (and the
compiled cache stores).
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Mapping
from typing import Any

import attrs
import cattrs
from cattrs.errors import ForbiddenExtraKeysError, IterableValidationError, IterableValidationNote
from cattrs.gen import make_dict_structure_fn, override

from _importspy_hook_guard import PLAIN_KEYS, is_machinery
from importspy_hook._errors import ContractError
from importspy_hook._reading.model import (
    AnnotationText,
    ArchNames,
    Attribute,
    Contract,
    EnvRule,
    EnvText,
    Identifier,
    ImplementationNames,
    Members,
    ModulePattern,
    OnViolation,
    OsNames,
    PackageRule,
    PythonSpec,
    Regex,
    RequireEntry,
    Runtime,
    Scope,
    Specifier,
    Variable,
    VersionClause,
)
from importspy_hook._snapshot import ARCH_ALIASES, IMPLEMENTATIONS, OS_ALIASES
from importspy_hook._violations import MAX_MATCHED_CHARS, quoted, quoted_list

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import FrameType

    from importspy_hook._reading.document import Document

SCHEMA_VERSION = 1
MAX_REGEX_CHARS = 256

# Model fields that are filled in by the loader, never written in a contract.
_INTERNAL = frozenset({"source", "lines", "has_value"})

converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)


def describe(value: object) -> str:
    """How a YAML value is named in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {quoted(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _text(value: object, what: str = "text") -> str:
    if not isinstance(value, str):
        hint = f'; quote it: "{value}"' if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
        raise TypeError(f"expected {what}, got {describe(value)}{hint}")
    return value


def _structure_str(value: object, _: type) -> str:
    return _text(value)


def _structure_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {describe(value)}")
    return value


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a whole number, got {describe(value)}")
    return value


_NAME_PATTERN = re.compile(r"[A-Za-z0-9_*?\[\]!.-]+")


def _structure_module_pattern(value: object, _: type) -> ModulePattern:
    text = _text(value, "a module name or pattern")
    wild = any(c in text for c in "*?[")
    if not _NAME_PATTERN.fullmatch(text) or text.startswith(".") or text.endswith(".") or ".." in text:
        raise ValueError(
            f"{quoted(text)} is not a module name or pattern; write dotted names such as "
            f'"payments.keys" or "payments.*"'
        )
    if not wild and not all(part.isidentifier() for part in text.split(".")):
        raise ValueError(f"{quoted(text)} is not a module name: each dotted part must be a Python identifier")
    if text.count("[") != text.count("]"):
        raise ValueError(f"{quoted(text)} has an unbalanced [ ] in its pattern")
    return ModulePattern(text)


def _structure_identifier(value: object, _: type) -> Identifier:
    text = _text(value, "a name")
    if not text.isidentifier():
        raise ValueError(f"{quoted(text)} is not a Python identifier")
    return Identifier(text)


def _structure_annotation(value: object, _: type) -> AnnotationText:
    if value is None:
        raise TypeError('expected an annotation; to require "-> None" write the text None, quoted or not')
    text = _text(value, "an annotation")
    try:
        compile(text, "<annotation>", "eval")
    except SyntaxError:
        raise ValueError(f"{quoted(text)} is not a Python expression, so it cannot be an annotation") from None
    return AnnotationText(text)


def _choice(name: str, allowed: tuple[str, ...]) -> Callable[[object, type], str]:
    def structure(value: object, _: type) -> str:
        text = _text(value)
        if text not in allowed:
            raise ValueError(f"{name} must be {' or '.join(allowed)}, not {quoted(text)}")
        return text

    return structure


def _names(kind: str, aliases: dict[str, str] | frozenset[str]) -> Callable[[object, type], tuple[str, ...]]:
    known = aliases if isinstance(aliases, dict) else {name: name for name in aliases}
    canonical = sorted(set(known.values()))

    article = "an" if kind[0] in "aeiou" else "a"

    def structure(value: object, _: type) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if items == []:
            raise ValueError(f"the {kind} list is empty, so nothing could pass; name at least one {kind}")
        if not isinstance(items, list):
            raise TypeError(f"expected {article} {kind} name or a list of them, got {describe(value)}")
        names: list[str] = []
        errors: list[Exception] = []
        for index, item in enumerate(items):
            try:
                text = _text(item, f"{article} {kind} name")
                name = known.get(text.lower())
                if name is None:
                    close = difflib.get_close_matches(text.lower(), list(known), n=1)
                    guess = f"did you mean {quoted(known[close[0]])}? " if close else ""
                    raise ValueError(f"unknown {kind} {quoted(text)}; {guess}known: {', '.join(canonical)}")
                if name not in names:
                    names.append(name)
            except Exception as exc:
                if isinstance(value, list):
                    _note(exc, index)
                errors.append(exc)
        if errors:
            if isinstance(value, list):
                raise IterableValidationError(f"invalid {kind} names", errors, tuple)
            raise errors[0]
        return tuple(names)

    return structure


def _note(exc: Exception, index: int | str) -> None:
    notes = list(getattr(exc, "__notes__", ()))
    notes.append(IterableValidationNote(f"@ index {index!r}", index, object))
    exc.__notes__ = notes  # type: ignore[attr-defined]


def _structure_regex(value: object, _: type) -> Regex:
    text = _text(value, "a regular expression")
    if len(text) > MAX_REGEX_CHARS:
        raise ValueError(f"the regular expression is longer than {MAX_REGEX_CHARS} characters")
    try:
        parsed = re.compile(text)
    except re.error as exc:
        raise ValueError(f"{quoted(text)} is not a valid regular expression: {exc.msg} at position {exc.pos}") from None
    risk = regex_risk(parsed.pattern)
    if risk:
        raise ValueError(
            f"{quoted(text)} {risk}; rewrite it without nested repetition, back-references "
            f"or more than three unbounded repetitions"
        )
    return Regex(text)


def regex_risk(pattern: str) -> str | None:
    """Why ``pattern`` could take exponential time on a crafted value, or ``None``.

    Refused: back-references, and a repetition (``*``, ``+``, ``{m,n}`` with ``n > 1``)
    around another repetition or an alternation: the shapes of catastrophic backtracking.
    Also refused: repetitions in sequence whose combined ways to split a value exceed
    ``4 * (MAX_MATCHED_CHARS + 1) ** 3``: ``a*a*a*a*b`` backtracks in about ``n**4 / 24``
    steps (seconds at 256 characters, hours at 4096), so at most three unbounded repetitions
    are accepted, plus small bounded ones (``b?``, ``[0-9]{1,3}``); the worst accepted shape
    measured, ``a*?a*?a*?a?a?b`` on 256 characters, took 0.15 s.
    """
    try:
        parser: Any = re._parser  # type: ignore[attr-defined]
    except AttributeError:  # Python 3.10
        import sre_parse as parser
    tree = parser.parse(pattern)

    def ways(items: Any) -> int:
        # How many ways a value can be split among the repetitions: sequences multiply,
        # alternatives add.
        total = 1
        for op, arg in items:
            name = str(op)
            if name.endswith("REPEAT"):
                total *= (min(arg[1], MAX_MATCHED_CHARS) + 1) * ways(arg[2])
            elif name == "BRANCH":
                total *= sum(ways(branch) for branch in arg[1])
            elif isinstance(arg, (tuple, list)):
                for part in arg:
                    if hasattr(part, "data"):
                        total *= ways(part)
        return total

    def walk(items: Any, inside_repeat: bool) -> str | None:
        for op, arg in items:
            name = str(op)
            if name in ("GROUPREF", "GROUPREF_EXISTS"):
                return "uses a back-reference"
            if name.endswith("REPEAT"):
                _, high, body = arg
                if inside_repeat and high > 1:
                    return "nests one repetition inside another"
                found = walk(body, inside_repeat or high > 1)
                if found:
                    return found
                continue
            if name == "BRANCH":
                if inside_repeat:
                    return "repeats an alternation"
                for branch in arg[1]:
                    found = walk(branch, inside_repeat)
                    if found:
                        return found
                continue
            for part in arg if isinstance(arg, (tuple, list)) else ():
                if hasattr(part, "data"):
                    found = walk(part, inside_repeat)
                    if found:
                        return found
        return None

    found = walk(tree, False)
    if found is None and ways(tree) > 4 * (MAX_MATCHED_CHARS + 1) ** 3:
        return "has too many repetitions in sequence to match in bounded time"
    return found


def _structure_specifier(value: object, _: type) -> Specifier:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    text = _text(value, "a version specifier")
    try:
        SpecifierSet(text)
    except InvalidSpecifier:
        raise ValueError(f'{quoted(text)} is not a PEP 440 specifier; write for example ">=2.31" or "~=1.4"') from None
    return Specifier(text)


_PRE_RANK = {"a": 0, "b": 1, "rc": 2}


def _structure_python(value: object, _: type) -> PythonSpec:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import Version

    text = _text(value, 'a version specifier such as ">=3.10"')
    try:
        specifiers = SpecifierSet(text)
    except InvalidSpecifier:
        raise ValueError(
            f'{quoted(text)} is not a PEP 440 specifier; write for example ">=3.10,<4" or "==3.11.*"'
        ) from None
    if not text.strip():
        raise ValueError('the python specifier is empty; write for example ">=3.10"')
    clauses = []
    for spec in sorted(specifiers, key=str):
        operator, version = spec.operator, spec.version
        if operator == "===":
            clauses.append(VersionClause(operator, (), None, False, version))
            continue
        wildcard = version.endswith(".*")
        parsed = Version(version[:-2] if wildcard else version)
        if parsed.epoch or parsed.post is not None or parsed.dev is not None or parsed.local is not None:
            raise ValueError(
                f"{quoted(str(spec))}: interpreter versions have no epoch, post, dev or local part; "
                f"use a release such as 3.11 or 3.13.0rc1"
            )
        pre = None if parsed.pre is None else (_PRE_RANK[parsed.pre[0]], parsed.pre[1])
        clauses.append(VersionClause(operator, parsed.release, pre, wildcard, version))
    return PythonSpec(text, tuple(clauses))


def _structure_env_text(value: object, _: type) -> EnvText:
    if not isinstance(value, str):
        raise TypeError(
            f"expected text, got {describe(value)}; the environment holds only text, so quote it"
            + f': "{_yaml_spelling(value)}"'
        )
    return EnvText(value)


def _yaml_spelling(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _mapping_hook(cl: type, **overrides: Any) -> Callable[[object, type], Any]:
    generated: Callable[[Any, type], Any] = make_dict_structure_fn(
        cl, converter, _cattrs_forbid_extra_keys=True, **overrides
    )
    keys = [f.name for f in attrs.fields(cl) if f.name not in _INTERNAL]

    def structure(value: object, _: type) -> Any:
        if not isinstance(value, dict):
            raise TypeError(f"expected a mapping with keys {', '.join(keys)}; got {describe(value)}")
        return generated(value, cl)

    return structure


def _value_hook(cl: type) -> Callable[[object, type], Any]:
    base = _mapping_hook(cl, has_value=override(omit=True), value=override(omit=True))

    def structure(value: object, _: type) -> Any:
        if isinstance(value, dict) and "value" in value:
            rest = {k: v for k, v in value.items() if k != "value"}
            made = base(rest, cl)
            if getattr(made, "scope", "class") == "instance":
                raise ValueError(
                    f"the value of instance attribute {made.name} cannot be checked before an instance "
                    f"exists; remove value, or make it a class attribute (scope: class)"
                )
            return attrs.evolve(made, has_value=True, value=value["value"])
        return base(value, cl)

    return structure


def _structure_env_rule(value: object, _: type) -> EnvRule:
    if isinstance(value, str):
        return EnvRule(equals=EnvText(value))
    if not isinstance(value, dict):
        raise TypeError(
            f"expected text or a mapping of required, absent, equals, one_of, matches, secret; "
            f'got {describe(value)}; the environment holds only text, so quote it: "{_yaml_spelling(value)}"'
        )
    rule: EnvRule = _env_rule_base(value, EnvRule)
    if rule.absent and (rule.equals is not None or rule.one_of is not None or rule.matches is not None):
        raise ValueError("absent: true cannot be combined with equals, one_of or matches")
    if rule.one_of == ():
        raise ValueError("one_of is empty, so no value could ever pass; list the allowed values")
    return rule


def _structure_package_rule(value: object, _: type) -> PackageRule:
    if isinstance(value, str):
        return PackageRule(version=_structure_specifier(value, Specifier))
    if not isinstance(value, dict):
        raise TypeError(f'expected a specifier such as ">=2.31" or a mapping of version, absent; got {describe(value)}')
    rule: PackageRule = _package_rule_base(value, PackageRule)
    if rule.absent and rule.version is not None:
        raise ValueError("absent: true cannot be combined with version")
    return rule


def _named_mapping(
    item_type: type, what: str, name_check: Callable[[str], str | None]
) -> Callable[[object, type], dict[str, Any]]:
    def structure(value: object, _: type) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise TypeError(f"expected a mapping of {what} names to rules, got {describe(value)}")
        out: dict[str, Any] = {}
        errors: list[Exception] = []
        for key, item in value.items():
            try:
                problem = name_check(key)
                if problem:
                    raise ValueError(problem)
                out[key] = converter.structure(item, item_type)
            except Exception as exc:
                _note(exc, key)
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"invalid {what} rules", errors, dict)
        return out

    return structure


def _env_name_problem(name: str) -> str | None:
    if not name or "=" in name or "\0" in name:
        return f"{quoted(name)} is not an environment variable name"
    return None


def _package_name_problem(name: str) -> str | None:
    if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?", name):
        return f"{quoted(name)} is not a distribution name"
    return None


def _structure_runtime(value: object, _: type) -> tuple[Runtime, ...]:
    if isinstance(value, dict):
        return (converter.structure(value, Runtime),)
    if isinstance(value, list):
        if not value:
            raise ValueError("runtime is an empty list; give one mapping, or a list of alternatives")
        return _runtime_list(value, tuple)
    raise TypeError(f"expected a mapping, or a list of mappings of which one must hold; got {describe(value)}")


def _is_tuple_of(t: Any) -> bool:
    args = getattr(t, "__args__", None)
    return getattr(t, "__origin__", None) is tuple and args is not None and len(args) == 2 and args[1] is Ellipsis


def _tuple_hook(t: Any) -> Callable[[object, type], tuple[Any, ...]]:
    item_type = t.__args__[0]

    def structure(value: object, _: type) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise TypeError(f"expected a list, got {describe(value)}")
        hook = converter.get_structure_hook(item_type)
        out = []
        errors: list[Exception] = []
        for index, item in enumerate(value):
            try:
                out.append(hook(item, item_type))
            except Exception as exc:
                _note(exc, index)
                errors.append(exc)
        if errors:
            raise IterableValidationError(
                f"invalid items in a list of {getattr(item_type, '__name__', item_type)}", errors, t
            )
        return tuple(out)

    return structure


_runtime_list = _tuple_hook(tuple[Runtime, ...])
_require_list = _tuple_hook(tuple[RequireEntry, ...])


def _structure_require(value: object, _: type) -> Members | tuple[RequireEntry, ...] | None:
    """``importers.require``: a mapping of members for every importer, or a list of entries,
    each with ``match:`` patterns naming the importers it applies to."""
    if value is None:
        return None
    if isinstance(value, list):
        entries = _require_list(value, tuple)
        for index, entry in enumerate(entries):
            if not entry.match:
                exc = ValueError("match is empty, so the entry applies to no importer; name at least one pattern")
                _note(exc, index)
                raise IterableValidationError("invalid items in a list of RequireEntry", [exc], tuple)
        return entries
    if isinstance(value, dict):
        if "match" in value:
            raise ValueError("match belongs to an entry of a list; write require as a list: require: [{match: ...}]")
        return converter.structure(value, Members)
    raise TypeError(
        "expected a mapping of variables, functions and classes, or a list of entries with match:; "
        f"got {describe(value)}"
    )


converter.register_structure_hook(str, _structure_str)
converter.register_structure_hook(bool, _structure_bool)
converter.register_structure_hook(int, _structure_int)
converter.register_structure_hook(ModulePattern, _structure_module_pattern)
converter.register_structure_hook(Identifier, _structure_identifier)
converter.register_structure_hook(AnnotationText, _structure_annotation)
# cattrs lets null through an Optional field before any hook runs; for annotations a null
# (``returns: null``, or ``returns:`` left empty) must not silently mean "not checked".
converter.register_structure_hook_func(lambda t: t == AnnotationText | None, _structure_annotation)
converter.register_structure_hook(OnViolation, _choice("on_violation", ("raise", "warn")))
converter.register_structure_hook(Scope, _choice("scope", ("class", "instance")))
converter.register_structure_hook(OsNames, _names("os", OS_ALIASES))
converter.register_structure_hook(ArchNames, _names("arch", ARCH_ALIASES))
converter.register_structure_hook(ImplementationNames, _names("implementation", IMPLEMENTATIONS))
converter.register_structure_hook(Regex, _structure_regex)
converter.register_structure_hook(Specifier, _structure_specifier)
converter.register_structure_hook(EnvText, _structure_env_text)
converter.register_structure_hook(PythonSpec, _structure_python)
converter.register_structure_hook_factory(_is_tuple_of, _tuple_hook)
converter.register_structure_hook_factory(attrs.has, lambda cl: _mapping_hook(cl))  # noqa: PLW0108 (cattrs passes the converter to two-argument factories)
converter.register_structure_hook(Variable, _value_hook(Variable))
converter.register_structure_hook(Attribute, _value_hook(Attribute))
_env_rule_base = _mapping_hook(EnvRule)
_package_rule_base = _mapping_hook(PackageRule)
converter.register_structure_hook(EnvRule, _structure_env_rule)
converter.register_structure_hook(PackageRule, _structure_package_rule)
# Generic aliases are not classes, so these are dispatched by an equality predicate.
converter.register_structure_hook_func(
    lambda t: t == dict[str, EnvRule], _named_mapping(EnvRule, "environment variable", _env_name_problem)
)
converter.register_structure_hook_func(
    lambda t: t == dict[str, PackageRule], _named_mapping(PackageRule, "distribution", _package_name_problem)
)
converter.register_structure_hook_func(lambda t: t == tuple[Runtime, ...], _structure_runtime)
converter.register_structure_hook_func(lambda t: t == Members | tuple[RequireEntry, ...] | None, _structure_require)
converter.register_structure_hook(
    Contract, _mapping_hook(Contract, source=override(omit=True), lines=override(omit=True))
)


def structure_document(document: Document) -> Contract:
    """Turn a parsed contract file into a :class:`Contract`.

    :raises ContractError: listing every problem in the file with its ``line:col``.
    """
    data = document.data
    if not isinstance(data, dict):
        raise ContractError(document.file, f"a contract is a mapping with a 'module:' key, not {describe(data)}", 1, 1)
    try:
        contract = converter.structure(data, Contract)
    except Exception as exc:
        problems = sorted(
            ((*_position(document, path, kind), message) for path, kind, message in _problems(exc, ())),
            key=lambda p: (p[0] or 0, p[1] or 0),
        )
        line, column, message = problems[0]
        raise ContractError(document.file, message, line, column, problems=problems) from None
    if contract.schema != SCHEMA_VERSION:
        line, column = document.values.get("schema", (1, 1))
        raise ContractError(
            document.file,
            f"schema {contract.schema} is not supported; this version reads schema {SCHEMA_VERSION}",
            line,
            column,
        )
    lines = {path: line for path, (line, _) in document.keys.items()}
    if isinstance(data.get("runtime"), dict):
        # A single runtime mapping is the first and only alternative: runtime/x -> runtime/0/x.
        lines.update(
            {
                "runtime/0" + path[len("runtime") :]: line
                for path, line in list(lines.items())
                if path == "runtime" or path.startswith("runtime/")
            }
        )
    return attrs.evolve(contract, source=document.file, lines=lines)


def structure_mapping(mapping: object, source: str = "", line: int | None = None, root: str = "") -> Contract:
    """Turn a mapping in the contract format into a :class:`Contract`, validated as a file is.

    Mappings and sequences other than ``dict`` and ``list`` (a ``MappingProxyType``, a tuple)
    are read as YAML's mappings and lists would be.

    :param source: where the mapping is written (a file), named first in every problem and
        in violation messages; ``line`` is its line there, when known.
    :param root: the key path of the mapping itself (``contracts[1]``), before every key path.
    :raises ContractError: listing every problem, each with the key path it is at
        (``importers.alow: unknown key ...``) instead of a line and column.
    """
    data = _as_yaml_data(mapping)
    if not isinstance(data, dict):
        message = f"{root + ': ' if root else ''}a contract is a mapping with a 'module:' key, not {describe(data)}"
        raise ContractError(source, message, line)
    try:
        contract = converter.structure(data, Contract)
    except Exception as exc:
        problems = [(line, None, _at_key_path(root, path, kind) + text) for path, kind, text in _problems(exc, ())]
        raise ContractError(source, problems[0][2], line, problems=problems) from None
    if contract.schema != SCHEMA_VERSION:
        message = f"schema {contract.schema} is not supported; this version reads schema {SCHEMA_VERSION}"
        raise ContractError(source, _at_key_path(root, ("schema",), "value") + message, line)
    return attrs.evolve(contract, source=source, lines={} if line is None else {"": line})


def plain_contract(item: object, index: int) -> dict[str, Any]:
    """The plain data of ``contracts[index]`` given to ``Registry``: a :class:`Contract`, or a
    mapping in the contract format (validated), or the plain data of a contract (as
    ``Registry.contracts`` gives it).

    :raises ContractError: for a mapping that is not a valid contract, naming the first frame
        outside this package (where the registry is built) and the key path of each problem.
    """
    if isinstance(item, Contract):
        return to_plain(item)
    file, line = _caller()
    if not isinstance(item, Mapping):
        raise ContractError(
            file,
            f"contracts[{index}] is {describe(item)}, not a contract; give a Contract, a mapping in the "
            f"contract format or a contract's plain data",
            line,
        )
    if "source" in item or "lines" in item:
        # Plain data (only the loader writes those keys); what the checks read must all be there.
        missing = sorted(PLAIN_KEYS.difference(item))
        if missing:
            raise ContractError(
                file,
                f"contracts[{index}] looks like a contract's plain data but has no {', '.join(missing)}; "
                f"give a mapping in the contract format, or the plain data Registry.contracts gives",
                line,
            )
        return dict(item)
    return to_plain(structure_mapping(item, file, line, f"contracts[{index}]"))


def _caller() -> tuple[str, int | None]:
    # The file and line of the first frame outside this package and the import system: the
    # code that gave the contract.
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and is_machinery(frame.f_globals.get("__name__")):
        frame = frame.f_back
    if frame is None:
        return ("", None)
    return (frame.f_code.co_filename, frame.f_lineno)


def _as_yaml_data(value: object) -> object:
    # What YAML would have given for the same contract: dicts and lists all the way down.
    if isinstance(value, Mapping):
        return {key: _as_yaml_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_yaml_data(item) for item in value]
    return value


def _at_key_path(root: str, path: tuple[object, ...], kind: str) -> str:
    # "importers.alow: ", "runtime[0].env.STAGE: "; a missing key is reported at its parent.
    if kind == "missing":
        path = path[:-1]
    text = root
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return f"{text}: " if text else ""


def _problems(exc: BaseException, path: tuple[object, ...]) -> Iterator[tuple[tuple[object, ...], str, str]]:
    """``(path, kind, message)`` for each leaf error; kind is ``key``, ``missing`` or ``value``."""
    children = getattr(exc, "exceptions", None)
    if children is not None and isinstance(exc, cattrs.BaseValidationError):
        for child in children:
            yield from _problems(child, path + _note_path(child))
        return
    if isinstance(exc, ForbiddenExtraKeysError):
        allowed = [f.name for f in attrs.fields(exc.cl) if f.name not in _INTERNAL]
        if exc.cl in (Variable, Attribute) and "value" not in allowed:
            allowed.append("value")
        for key in sorted(exc.extra_fields):
            close = difflib.get_close_matches(key, allowed, n=1)
            guess = f"did you mean {quoted(close[0])}? " if close else ""
            yield ((*path, key), "key", f"unknown key {quoted(key)}; {guess}allowed here: {', '.join(allowed)}")
        return
    if isinstance(exc, KeyError) and path:
        yield (path, "missing", f"missing required key {quoted(str(path[-1]))}")
        return
    yield (path, "value", str(exc) if str(exc) else type(exc).__name__)


def _note_path(exc: BaseException) -> tuple[object, ...]:
    found: list[object] = []
    for note in getattr(exc, "__notes__", ()):
        if isinstance(note, cattrs.AttributeValidationNote):
            found.append(note.name)
        elif isinstance(note, IterableValidationNote):
            found.append(note.index)
    return tuple(found)


def _position(document: Document, path: tuple[object, ...], kind: str) -> tuple[int | None, int | None]:
    parts = [str(p) for p in path]
    if kind == "missing":
        parts = parts[:-1]
    table = document.keys if kind == "key" else document.values
    while True:
        key = "/".join(parts)
        found = table.get(key) or document.keys.get(key)
        if found is not None:
            return found
        if not parts:
            return (1, 1)
        parts = parts[:-1]


def to_plain(contract: Contract) -> dict[str, Any]:
    """The plain data of a contract: what the checks read and the compiled cache stores."""
    return converter.unstructure(contract)  # type: ignore[no-any-return]


__all__ = ["converter", "quoted_list", "structure_document", "plain_contract", "structure_mapping", "to_plain"]
