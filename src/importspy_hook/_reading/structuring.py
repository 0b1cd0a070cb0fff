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
#: The most backtracking steps an ``env.matches`` pattern may need (``regex_risk``).
MAX_REGEX_STEPS = 1_000_000

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


def _names(
    kind: str, aliases: dict[str, str] | frozenset[str], *, open_ended: bool = False
) -> Callable[[object, type], tuple[str, ...]]:
    # ``open_ended``: a name not in ``aliases`` is kept as written (lower-cased), since the
    # list cannot be complete (``platform.machine()`` answers sparc64, mips, ...); ``lint``
    # warns about it with the closest known name (:func:`unknown_names`).
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
                if name is None and open_ended and text.strip():
                    name = text.strip().lower()
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
            f"{quoted(text)} {risk}; bound the repetitions ({{1,32}} rather than + or *), end each one "
            f"with a character it cannot match ([a-z]+-), and nest none inside another"
        )
    return Regex(text)


def regex_risk(pattern: str) -> str | None:
    """Why ``pattern`` could take too long to match a crafted value, or ``None``.

    ``re`` backtracks: to match one value it may try every way the pattern's choice points
    (repetitions, optional parts, alternatives) can be taken, and each way costs the steps of
    the parts it goes through. Both are counted here from the parsed pattern, for values of at
    most ``MAX_MATCHED_CHARS`` characters and without looking at which characters each part
    accepts, so the count only over-estimates: a sequence multiplies the ways and an
    alternation adds them; a repetition of a body with ``w`` ways taken ``n`` times has
    ``w ** n`` ways, however it is written (greedy, lazy, possessive, inside an atomic group
    or a look-around); a part is entered once per way of reaching it. One refinement keeps
    common patterns exact: a repetition of one character set followed by a character outside
    it (``[a-z]+-``) takes as many characters as the value has before that one, one way.
    A pattern is refused when the steps exceed ``MAX_REGEX_STEPS``: ``[a-z]+-[a-z]+-[0-9]+``
    and ``a*a*b`` are accepted; ``(?:a?a?)+b``, ``(a?){28}a{28}``, ``(?>(a+)+b)`` and
    ``a*a*a*b`` are not. Back-references are refused outright.
    """
    try:
        steps = regex_steps(pattern, MAX_REGEX_STEPS)
    except _BackReference:
        return "uses a back-reference"
    if steps > MAX_REGEX_STEPS:
        return (
            f"has repetitions that could take more than {MAX_REGEX_STEPS:,} steps to match a value of "
            f"{MAX_MATCHED_CHARS} characters"
        )
    return None


def regex_steps(pattern: str, limit: int) -> int:
    """The backtracking steps ``pattern`` could need on a value of ``MAX_MATCHED_CHARS``
    characters (see :func:`regex_risk`), or ``limit + 1`` if more than ``limit``."""
    try:
        parser: Any = re._parser  # type: ignore[attr-defined]
    except AttributeError:  # Python 3.10
        import sre_parse as parser
    # Counts above the limit are saturated at ``over``, so no count grows into a huge int.
    over = limit + 1

    tree = parser.parse(pattern)
    # Case-insensitive matching widens every character set below: the refinement is skipped.
    caseless = bool(tree.state.flags & re.IGNORECASE) or ("(?" in pattern and "i" in pattern)

    def sequence(items: Any) -> tuple[int, int]:
        # (ways through the items, steps to try them all from one entry)
        ways, steps = 1, 0
        items = list(items)
        for index, (op, arg) in enumerate(items):
            part_ways, part_steps = node(str(op), arg)
            following = items[index + 1] if index + 1 < len(items) else None
            if part_ways > 1 and following is not None and _ends_where_next_starts((op, arg), following, caseless):
                # A run of characters of one set, followed by a character outside it: the
                # value fixes how many the repetition takes (``[a-z]+-``), one way.
                part_ways = 1
            steps = min(over, steps + ways * part_steps)
            ways = min(over, ways * part_ways)
            if steps == over:
                break
        return ways, steps

    def node(name: str, arg: Any) -> tuple[int, int]:
        if name in ("GROUPREF", "GROUPREF_EXISTS", "GROUPREF_IGNORE", "GROUPREF_LOC_IGNORE", "GROUPREF_UNI_IGNORE"):
            raise _BackReference
        if name.endswith("REPEAT"):
            low, high, body = int(arg[0]), int(arg[1]), arg[2]
            body_ways, body_steps = sequence(body)
            # A value has room for MAX_MATCHED_CHARS passes that match something, and ``re``
            # ends a repetition at its first empty pass beyond the minimum.
            most = max(low, min(high, MAX_MATCHED_CHARS))
            ways, steps, reaching = 0, 0, 1
            for count in range(most + 1):
                if count >= low:
                    ways = min(over, ways + reaching)
                if count < most:
                    steps = min(over, steps + reaching * body_steps + 1)
                    reaching = min(over, reaching * body_ways)
                if steps == over:
                    break
            return ways, steps
        if name == "BRANCH":
            found = [sequence(branch) for branch in arg[1]]
            return min(over, sum(w for w, _ in found)), min(over, sum(c for _, c in found))
        if name == "SUBPATTERN":
            return sequence(arg[-1])
        if name == "ATOMIC_GROUP":
            return sequence(arg)
        if name in ("ASSERT", "ASSERT_NOT"):
            return sequence(arg[1])
        if name == "IN":
            return 1, len(arg)  # a class is tried item by item
        return 1, 1

    return sequence(tree)[1]


def _ends_where_next_starts(item: Any, following: Any, caseless: bool) -> bool:
    # Whether ``item`` is a repetition of one character from a known set and ``following``
    # one character from a known set disjoint from it.
    if caseless or not str(item[0]).endswith("REPEAT"):
        return False
    body = list(item[1][2])
    if len(body) != 1:
        return False
    repeated, after = _char_set(body[0]), _char_set(following)
    return (
        repeated is not None
        and after is not None
        and not any(
            low <= other_high and other_low <= high for low, high in repeated for other_low, other_high in after
        )
    )


def _char_set(item: Any) -> list[tuple[int, int]] | None:
    # The code point ranges a single-character item accepts, when they are plainly known
    # (a literal, or a class of literals and ranges); None otherwise.
    op, arg = str(item[0]), item[1]
    if op == "LITERAL":
        return [(arg, arg)]
    if op != "IN":
        return None
    ranges = []
    for inner_op, inner_arg in arg:
        name = str(inner_op)
        if name == "LITERAL":
            ranges.append((inner_arg, inner_arg))
        elif name == "RANGE":
            ranges.append(inner_arg)
        else:  # NEGATE, CATEGORY (\d, \w): not plainly known
            return None
    return ranges


class _BackReference(Exception):
    pass


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
        raise TypeError(f"expected text, got {_unquoted(value)}")
    return EnvText(value)


def _unquoted(value: object) -> str:
    # An expected value written without quotes may be a secret (an API key of digits): a
    # number is named, never echoed, in a message that reaches lint, activation and logs.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "a number; the environment holds only text, so quote it"
    spelling = "null" if value is None else "true" if value is True else "false" if value is False else None
    if spelling is None:
        return describe(value)
    return f'{spelling}; the environment holds only text, so quote it: "{spelling}"'


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
            f"expected text or a mapping of required, absent, equals, one_of, matches, secret; got {_unquoted(value)}"
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
converter.register_structure_hook(ArchNames, _names("arch", ARCH_ALIASES, open_ended=True))
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
    plain: dict[str, Any] = converter.unstructure(contract)
    return plain


__all__ = ["converter", "quoted_list", "structure_document", "plain_contract", "structure_mapping", "to_plain"]
