"""Checks of a compiled contract's ``importers`` names and ``runtime`` rules.

Everything here works on the plain data of a compiled contract (dicts, lists, strings and
numbers; see ``_convert.to_plain``), never on the attrs model, so that a cached contract can be
checked without loading attrs, cattrs or YAML. A check returns the list of violations it
found; an empty list means the rule holds. All violations are collected, not only the first.
"""

# No ``from __future__ import annotations`` here: this module is imported at start-up or at the
# first protected import, where importing ``__future__`` costs about 1.5 % of a bare start
# (README, "Performance"). Annotations that name type-only imports are quoted instead.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from re import Pattern
    from typing import Any

    from ._errors import Violation
    from ._importer import Importer
    from ._snapshot import Snapshot

    Plain = Mapping[str, Any]

# Names that are treated as secret in messages even when the contract does not say so.
_SECRET_HINTS = ("KEY", "TOKEN", "SECRET", "PASSW", "CREDENTIAL", "PRIVATE", "AUTH", "COOKIE", "SESSION")
_SHOWN_CHARS = 60


def violation(rule: str, message: str, contract: str) -> "Violation":
    """A :class:`Violation`. ``_errors`` is imported at the first one: a passing check needs none
    of it, and every module imported at the first protected import costs (README, "Performance")."""
    from ._errors import Violation

    return Violation(rule, message, contract)


def where(contract: "Plain", path: str) -> str:
    """``"file:line"`` of the contract entry at ``path`` (``/``-separated), or its nearest parent."""
    lines: Mapping[str, int] = contract["lines"]
    probe = path
    while probe:
        line = lines.get(probe)
        if line is not None:
            return f"{contract['source']}:{line}"
        probe = probe.rpartition("/")[0]
    return f"{contract['source']}:{lines.get('', 1)}"


def quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    if not escaped.isprintable():
        # A line break or control character would split the message (one problem per line,
        # each starting with file:line:col); show it escaped, as Python would.
        escaped = "".join(c if c.isprintable() else repr(c)[1:-1] for c in escaped)
    return '"' + escaped + '"'


def quoted_list(items: "Sequence[str]") -> str:
    return "[" + ", ".join(quoted(item) for item in items) + "]"


def _fnmatch(name: str, pattern: str) -> bool:
    if "?" not in pattern and "[" not in pattern:
        return name == pattern if "*" not in pattern else _star_match(name, pattern)
    # Imported here: fnmatch pulls in ``re`` (with enum, functools, collections: about 10 ms
    # at start-up); only patterns with ``?`` or ``[...]`` need it.
    from fnmatch import fnmatchcase

    return fnmatchcase(name, pattern)


def _star_match(name: str, pattern: str) -> bool:
    """``fnmatchcase`` for a pattern whose only wildcard is ``*`` (any run of characters)."""
    parts = pattern.split("*")
    head, tail = parts[0], parts[-1]
    if len(name) < len(head) + len(tail) or not name.startswith(head) or not name.endswith(tail):
        return False
    start, end = len(head), len(name) - len(tail)
    for part in parts[1:-1]:
        # The leftmost place of each middle part leaves the most room for the next one.
        found = name.find(part, start, end)
        if found < 0:
            return False
        start = found + len(part)
    return True


def check_importer_name(contract: "Plain", importer: "Importer | None") -> "list[Violation]":
    """``importers.allow`` and ``importers.deny``: deny wins over allow."""
    importers: Plain | None = contract["importers"]
    if importers is None:
        return []
    name = importer.name if importer is not None else None
    found: list[Violation] = []
    deny: Sequence[str] = importers["deny"]
    if name is not None:
        for pattern in deny:
            if _fnmatch(name, pattern):
                found.append(
                    violation(
                        "importers.deny",
                        f"importers.deny in {where(contract, 'importers/deny')} has {quoted(pattern)}, "
                        f"which matches {name}; import {contract['module']} from a module outside "
                        f"importers.deny, or change the contract",
                        where(contract, "importers/deny"),
                    )
                )
                break
    allow: Sequence[str] | None = importers["allow"]
    if allow is not None and not found and (name is None or not any(_fnmatch(name, p) for p in allow)):
        at = where(contract, "importers/allow")
        if name is None:
            text = (
                f"importers.allow in {at} is {quoted_list(allow)}, and no pattern matches an import "
                f"made outside any named module; import {contract['module']} from an allowed module"
            )
        else:
            text = (
                f"importers.allow in {at} is {quoted_list(allow)} and {name} matches none of them; "
                f"import {contract['module']} from an allowed module, or add a pattern for {name} "
                f"to importers.allow"
            )
        found.append(violation("importers.allow", text, at))
    return found


def check_runtime(contract: "Plain", snap: "Snapshot") -> "list[Violation]":
    """``runtime``: one mapping, or alternatives of which at least one must hold."""
    alternatives: Sequence[Plain] = contract["runtime"]
    if not alternatives:
        return []
    if len(alternatives) == 1:
        return _check_alternative(contract, alternatives[0], 0, snap, "runtime")
    collected: list[Violation] = []
    for index, alternative in enumerate(alternatives):
        found = _check_alternative(contract, alternative, index, snap, f"runtime[{index}]")
        if not found:
            return []
        collected.extend(found)
    # Said once, before the first violation: the messages are joined into one paragraph, and
    # each later one names its alternative (runtime[1].os ...).
    first, *rest = collected
    lead = f"none of the {len(alternatives)} runtime alternatives holds: "
    return [violation(first.rule, lead + first.message, first.contract), *rest]


def _check_alternative(contract: "Plain", rule: "Plain", index: int, snap: "Snapshot", label: str) -> "list[Violation]":
    found: list[Violation] = []
    base = f"runtime/{index}"

    python: Plain | None = rule["python"]
    if python is not None and not python_matches(python["clauses"], snap.python_key, snap.python):
        at = where(contract, f"{base}/python")
        found.append(
            violation(
                "runtime.python",
                f"{label}.python in {at} is {quoted(python['text'])} but this is "
                f"Python {snap.python}; run it with a matching interpreter",
                at,
            )
        )
    for key, actual in (("implementation", snap.implementation), ("os", snap.os), ("arch", snap.arch)):
        allowed: Sequence[str] | None = rule[key]
        if allowed is not None and actual not in allowed:
            at = where(contract, f"{base}/{key}")
            found.append(
                violation(
                    f"runtime.{key}",
                    f"{label}.{key} in {at} is {quoted_list(allowed)} but this is {actual}",
                    at,
                )
            )
    env: Mapping[str, Plain] = rule["env"]
    if env:
        environ = snap.environ
        for name, env_rule in env.items():
            problem = _env_problem(name, env_rule, environ.get(name))
            if problem is not None:
                at = where(contract, f"{base}/env/{name}")
                rule_id, text = problem
                found.append(violation(rule_id, f"{label}.env.{name} in {at} {text}", at))
    packages: Mapping[str, Plain] = rule["packages"]
    for name, package_rule in packages.items():
        problem = _package_problem(name, package_rule, snap)
        if problem is not None:
            at = where(contract, f"{base}/packages/{name}")
            rule_id, text = problem
            found.append(violation(rule_id, f"{label}.packages.{name} in {at} {text}", at))
    return found


def is_secret_name(name: str, rule: "Plain | None" = None) -> bool:
    """Whether values of variable ``name`` must never be shown."""
    if rule is not None and rule.get("secret"):
        return True
    upper = name.upper()
    return any(hint in upper for hint in _SECRET_HINTS)


def _shown(name: str, rule: "Plain", value: str, denial: str = "it is not") -> str:
    if is_secret_name(name, rule):
        return f"{denial} (the value is secret and not shown)"
    if len(value) > _SHOWN_CHARS:
        return f"it is {quoted(value[:_SHOWN_CHARS])}... ({len(value)} characters)"
    return f"it is {quoted(value)}"


_regexes: "dict[str, Pattern[str]]" = {}

# A value longer than this never matches a ``matches`` rule: together with the load-time
# refusal of nested quantifiers, back-references and more than three unbounded repetitions
# (``_convert.regex_risk``), it bounds the regular expression's work to a few times 256**3 / 6
# backtracking steps: 0.15 s for the worst accepted pattern measured (``a*?a*?a*?a?a?b``).
# With 4096, ``a*a*a*b`` took about 30 s and ``.*-.*-.*-.*-z`` hours.
MAX_MATCHED_CHARS = 256


def _full_match(pattern: str, value: str) -> bool:
    if len(value) > MAX_MATCHED_CHARS:
        return False
    compiled = _regexes.get(pattern)
    if compiled is None:
        # Imported here: ``re`` is only needed by contracts with a ``matches`` rule.
        import re

        compiled = _regexes[pattern] = re.compile(pattern)
    return compiled.fullmatch(value) is not None


def _env_problem(name: str, rule: "Plain", value: str | None) -> tuple[str, str] | None:
    if rule["absent"]:
        if value is None:
            return None
        return ("runtime.env.absent", f"requires {name} to be unset, but it is set; unset {name}")
    if value is None:
        if not rule["required"]:
            return None
        return ("runtime.env.required", f"requires {name} to be set, and it is not; set {name}")
    equals: str | None = rule["equals"]
    if equals is not None and value != equals:
        expected = "its expected value" if is_secret_name(name, rule) else quoted(equals)
        return (
            "runtime.env.equals",
            f"requires {name} to be {expected}, but {_shown(name, rule, value)}",
        )
    one_of: Sequence[str] | None = rule["one_of"]
    if one_of is not None and value not in one_of:
        expected = "one of its expected values" if is_secret_name(name, rule) else f"one of {quoted_list(one_of)}"
        return ("runtime.env.one_of", f"requires {name} to be {expected}, but {_shown(name, rule, value)}")
    matches: str | None = rule["matches"]
    if matches is not None and not _full_match(matches, value):
        return (
            "runtime.env.matches",
            f"requires {name} to match {quoted(matches)} in full, but {_shown(name, rule, value, 'it does not')}",
        )
    return None


def _package_problem(name: str, rule: "Plain", snap: "Snapshot") -> tuple[str, str] | None:
    installed = snap.distribution_version(name)
    if rule["absent"]:
        if installed is None:
            return None
        return (
            "runtime.packages.absent",
            f"requires {name} not to be installed, but {name} {installed} is; uninstall it",
        )
    if installed is None:
        return ("runtime.packages.missing", f"requires {name} to be installed, and it is not; install it")
    specifier: str | None = rule["version"]
    if specifier is None or _version_in(installed, specifier):
        return None
    return (
        "runtime.packages.version",
        f"requires {name} {specifier}, but {name} {installed} is installed",
    )


def _version_in(version: str, specifier: str) -> bool:
    # Imported here: packaging is needed only for contracts with a ``packages`` version rule.
    from packaging.specifiers import SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        parsed = Version(version)
    except InvalidVersion:
        return False
    return SpecifierSet(specifier).contains(parsed, prereleases=True)


# ``runtime.python``: checking the running interpreter against a compiled PEP 440 specifier.
# (Here rather than in a module of its own: each module imported at the first protected
# import costs about 1 % of a bare start; README, "Performance".)
#
# Contracts are compiled when loaded: ``packaging`` parses ``runtime.python`` into clauses of
# plain data ``{"operator", "release", "pre", "wildcard", "text"}``. Checking them here needs
# no import, so the enforcement path never loads ``packaging``. Interpreter versions are
# release versions with an optional pre-release and never carry epochs, post, dev or local
# segments, which is why this small subset of PEP 440 is exact for them; the test suite
# compares it with ``packaging`` over a grid of versions and specifiers.
#
# Pre-releases of the interpreter are always admitted when the arithmetic holds: a contract
# that says ``>=3.10`` means a 3.14 release candidate too.

_FINAL = (3, 0)


def _padded(release: "Sequence[int]", length: int) -> tuple[int, ...]:
    return tuple(release) + (0,) * (length - len(release))


def clause_holds(clause: "Mapping[str, Any]", version: tuple[int, int, int, int, int], text: str) -> bool:
    """Whether the interpreter ``version`` (``Snapshot.python_key``) satisfies one clause."""
    operator = clause["operator"]
    if operator == "===":
        return bool(clause["text"] == text)
    release: Sequence[int] = clause["release"]
    width = max(len(release), 3)
    mine = _padded(version[:3], width)
    if clause["wildcard"]:
        same = mine[: len(release)] == tuple(release)
        return same if operator == "==" else not same
    theirs = _padded(release, width)
    pre: Sequence[int] | None = clause["pre"]
    my_key = (mine, version[3:])
    their_key = (theirs, tuple(pre) if pre is not None else _FINAL)
    if operator == "==":
        return my_key == their_key
    if operator == "!=":
        return my_key != their_key
    if operator == ">=":
        return my_key >= their_key
    if operator == "<=":
        return my_key <= their_key
    if operator == ">":
        return my_key > their_key
    if operator == "<":
        # PEP 440: "<V" excludes pre-releases of V itself unless V is a pre-release.
        if pre is None and mine == theirs and version[3:] != _FINAL:
            return False
        return my_key < their_key
    if operator == "~=":
        prefix = tuple(release[:-1])
        return my_key >= their_key and mine[: len(prefix)] == prefix
    raise ValueError(f"unknown specifier operator {operator!r}")


def python_matches(clauses: "Iterable[Mapping[str, Any]]", version: tuple[int, int, int, int, int], text: str) -> bool:
    """Whether the interpreter satisfies every clause (a specifier set is a conjunction)."""
    return all(clause_holds(clause, version, text) for clause in clauses)
