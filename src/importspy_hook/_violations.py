"""Violations of a compiled contract's ``importers`` names and ``runtime`` rules, worded.

The rules themselves are evaluated in the resident core (``_importspy_hook_guard``) into rule ids; this
module is imported when one fails, or by the command line, and turns each failure into a
:class:`Violation` that says what the contract requires, where, what was found and what to
do. Everything works on the plain data of compiled contracts (``_reading.structuring.to_plain``). A check
returns the list of violations it found; an empty list means the rule holds. All violations
are collected, not only the first.
"""

from _importspy_hook_guard import VIA, importer_failure, runtime_failures

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping, Sequence
    from re import Pattern
    from typing import Any

    from importspy_hook._errors import Violation
    from importspy_hook._snapshot import Snapshot

    Plain = Mapping[str, Any]
    _ImporterFacts = tuple[str | None, str, int, Mapping[str, object]]
else:
    _ImporterFacts = tuple


class Importer(_ImporterFacts):
    """The module that triggered a protected import, as it was at that moment: the core's
    ``_find_importer`` gives ``(name, file, line, namespace)`` as a plain tuple, named here.

    :ivar name: the importer's ``__name__`` (``None`` if its globals have none).
    :ivar file: the code's file name (``co_filename``).
    :ivar line: the line being executed.
    :ivar namespace: the importer's live globals: what it has defined so far.
    """

    __slots__ = ()

    @property
    def name(self) -> str | None:
        return self[0]

    @property
    def file(self) -> str:
        return self[1]

    @property
    def line(self) -> int:
        return self[2]

    @property
    def namespace(self) -> "Mapping[str, object]":
        return self[3]

    def describe(self) -> str:
        via = self.namespace.get(VIA) if self.name is None else None
        if via is not None:
            return f"unknown (code run by {via} for a module that cannot be known, {self.file}:{self.line})"
        return f"{self.name or '<unnamed code>'} ({self.file}:{self.line})"

    def __repr__(self) -> str:
        return f"Importer(name={self.name!r}, file={self.file!r}, line={self.line!r})"


def named(found: "_ImporterFacts | None") -> "Importer | None":
    """The core's importer tuple as an :class:`Importer` (``None`` stays ``None``)."""
    if found is None or isinstance(found, Importer):
        return found
    return Importer(found)


# Names that are treated as secret in messages even when the contract does not say so
# (README and docs/guarantees.rst list them). Matched anywhere in the upper-cased name, so a
# few harmless names (BYPASS, KEYBOARD) are hidden too: hiding too much costs a less helpful
# message, showing too much a leaked credential.
_SECRET_HINTS = (
    "KEY", "TOKEN", "SECRET", "PASS", "PWD", "CREDENTIAL", "PRIVATE", "AUTH", "COOKIE", "SESSION", "DSN",
)  # fmt: skip
_SHOWN_CHARS = 60


def violation(rule: str, message: str, contract: str) -> "Violation":
    """A :class:`Violation`. ``_errors`` is imported at the first one: a passing check needs none
    of it, and every module imported at the first protected import costs (README, "Performance")."""
    from importspy_hook._errors import Violation

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
    if not lines and not contract["source"]:
        # Built from a mapping that said nothing of where it is written (Contract.from_dict).
        return f"the contract of {contract['module']}"
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


def check_importer_name(contract: "Plain", importer: "Importer | None") -> "list[Violation]":
    """``importers.allow`` and ``importers.deny`` evaluated (deny wins over allow) and worded,
    for the command line."""
    name = importer.name if importer is not None else None
    return importer_violations(contract, importer, importer_failure(contract, name))


def importer_violations(
    contract: "Plain", importer: "Importer | None", failure: "tuple[str, str | None] | None"
) -> "list[Violation]":
    """The violation of ``importers`` that the core found (``failure``: the rule and the deny
    pattern that matched), worded; none for ``None``."""
    if failure is None:
        return []
    name = importer.name if importer is not None else None
    rule, pattern = failure
    if rule == "importers.deny" and pattern is None:
        at = where(contract, "importers/deny")
        deny: Sequence[str] = contract["importers"]["deny"]
        who = importer.describe() if importer is not None else "code outside any module (an exit hook, a C callback)"
        text = (
            f"importers.deny in {at} is {quoted_list(deny)}, and the importer is {who}, so it cannot "
            f"be shown to be outside them; import {contract['module']} from a named module at top "
            f"level, not from a thread, callback or hook"
        )
        return [violation(rule, text, at)]
    if rule == "importers.deny":
        at = where(contract, "importers/deny")
        text = (
            f"importers.deny in {at} has {quoted(str(pattern))}, which matches {name}; import "
            f"{contract['module']} from a module outside importers.deny, or change the contract"
        )
        return [violation(rule, text, at)]
    allow: Sequence[str] = contract["importers"]["allow"]
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
    return [violation(rule, text, at)]


def check_runtime(contract: "Plain", snap: "Snapshot", marked: "Collection[str]" = ()) -> "list[Violation]":
    """``runtime`` evaluated (one mapping, or alternatives of which at least one must hold) and
    worded, for the command line; ``marked``: the variables any contract marks secret
    (:func:`secret_variables`)."""
    failures: list[list[tuple[str, str]]] = []
    for rule in contract["runtime"]:
        found = runtime_failures(rule, snap)
        if not found:
            return []
        failures.append(found)
    return runtime_violations(contract, snap, failures, marked) if failures else []


def runtime_violations(
    contract: "Plain", snap: "Snapshot", failures: "list[list[tuple[str, str]]]", marked: "Collection[str]" = ()
) -> "list[Violation]":
    """The failures the core found in every runtime alternative (``(rule id, key)`` each, by
    ``runtime_failures``), worded."""
    alternatives: Sequence[Plain] = contract["runtime"]
    if len(alternatives) == 1:
        return _alternative_violations(contract, alternatives[0], 0, snap, "runtime", failures[0], marked)
    collected: list[Violation] = []
    for index, alternative in enumerate(alternatives):
        collected.extend(
            _alternative_violations(contract, alternative, index, snap, f"runtime[{index}]", failures[index], marked)
        )
    # Said once, before the first violation: the messages are joined into one paragraph, and
    # each later one names its alternative (runtime[1].os ...).
    first, *rest = collected
    lead = f"none of the {len(alternatives)} runtime alternatives holds: "
    return [violation(first.rule, lead + first.message, first.contract), *rest]


def _alternative_violations(
    contract: "Plain",
    rule: "Plain",
    index: int,
    snap: "Snapshot",
    label: str,
    failures: "list[tuple[str, str]]",
    marked: "Collection[str]" = (),
) -> "list[Violation]":
    found: list[Violation] = []
    base = f"runtime/{index}"
    for rule_id, key in failures:
        failed = rule_id.rpartition(".")[2]
        if rule_id == "runtime.python":
            at = where(contract, f"{base}/python")
            text = (
                f"{label}.python in {at} is {quoted(rule['python']['text'])} but this is "
                f"Python {snap.python}; run it with a matching interpreter"
            )
        elif rule_id.startswith("runtime.env."):
            at = where(contract, f"{base}/env/{key}")
            text = (
                f"{label}.env.{key} in {at} {_env_text(key, rule['env'][key], snap.environ.get(key), failed, marked)}"
            )
        elif rule_id.startswith("runtime.packages."):
            at = where(contract, f"{base}/packages/{key}")
            text = f"{label}.packages.{key} in {at} {_package_text(key, rule['packages'][key], snap, failed)}"
        else:
            at = where(contract, f"{base}/{key}")
            actual = getattr(snap, key)
            text = f"{label}.{key} in {at} is {quoted_list(rule[key])} but this is {actual}"
        found.append(violation(rule_id, text, at))
    return found


def is_secret_name(name: str, rule: "Plain | None" = None, marked: "Collection[str]" = ()) -> bool:
    """Whether values of variable ``name`` must never be shown: a secret-looking name, or one
    that ``rule`` or any contract (``marked``: :func:`secret_variables`) marks ``secret``."""
    if (rule is not None and rule.get("secret")) or name in marked:
        return True
    upper = name.upper()
    return any(hint in upper for hint in _SECRET_HINTS)


def has_credentials(value: "str | None") -> bool:
    """Whether ``value`` is a URL with a user part (``scheme://user:password@host``), which is
    never shown whatever the variable is called (``DATABASE_URL``, ``BROKER``)."""
    if not value or "://" not in value:
        return False
    authority = value.partition("://")[2].partition("/")[0]
    return "@" in authority


def secret_variables(contracts: "Iterable[Plain]") -> frozenset[str]:
    """The variables any of ``contracts`` marks ``secret: true``: secret is a property of the
    variable, so another contract's rule on it never shows its value either."""
    return frozenset(
        name
        for contract in contracts
        for alternative in contract.get("runtime") or ()
        for name, rule in (alternative.get("env") or {}).items()
        if rule.get("secret")
    )


def _shown(secret: bool, value: str, denial: str = "it is not") -> str:
    if secret:
        return f"{denial} (the value is secret and not shown)"
    if len(value) > _SHOWN_CHARS:
        return f"it is {quoted(value[:_SHOWN_CHARS])}... ({len(value)} characters)"
    return f"it is {quoted(value)}"


def _env_text(name: str, rule: "Plain", value: str | None, failed: str, marked: "Collection[str]" = ()) -> str:
    if failed == "absent":
        return f"requires {name} to be unset, but it is set; unset {name}"
    if failed == "required" or value is None:
        return f"requires {name} to be set, and it is not; set {name}"
    expected_values = [rule.get("equals"), *(rule.get("one_of") or ())]
    secret = is_secret_name(name, rule, marked) or any(map(has_credentials, [value, *expected_values]))
    if failed == "equals":
        expected = "its expected value" if secret else quoted(rule["equals"])
        return f"requires {name} to be {expected}, but {_shown(secret, value)}"
    if failed == "one_of":
        one_of: Sequence[str] = rule["one_of"]
        expected = "one of its expected values" if secret else f"one of {quoted_list(one_of)}"
        return f"requires {name} to be {expected}, but {_shown(secret, value)}"
    # A pattern can spell its secret out (``^sk-live-1234$``): withheld with the value.
    pattern = "its pattern" if secret else quoted(rule["matches"])
    return f"requires {name} to match {pattern} in full, but {_shown(secret, value, 'it does not')}"


def _package_text(name: str, rule: "Plain", snap: "Snapshot", failed: str) -> str:
    installed = snap.distribution_version(name)
    if failed == "absent":
        return f"requires {name} not to be installed, but {name} {installed} is; uninstall it"
    if failed == "missing":
        return f"requires {name} to be installed, and it is not; install it"
    return f"requires {name} {rule['version']}, but {name} {installed} is installed"


# A value longer than this never matches a ``matches`` rule: together with the load-time
# bound on the backtracking steps a pattern could need on such a value
# (``_reading.structuring.regex_risk``, at most 1,000,000), it bounds a match to a few tens of
# milliseconds (tests/test_regex_bound.py times every accepted pattern of a search).
MAX_MATCHED_CHARS = 256
_regexes: "dict[str, Pattern[str]]" = {}


def full_match(pattern: str, value: str) -> bool:
    if len(value) > MAX_MATCHED_CHARS:
        return False
    compiled = _regexes.get(pattern)
    if compiled is None:
        # Imported here: ``re`` is only needed by contracts with a ``matches`` rule.
        import re

        compiled = _regexes[pattern] = re.compile(pattern)
    return compiled.fullmatch(value) is not None


def package_failure(rule: "Plain", installed: str | None) -> str | None:
    """The part of a ``packages`` rule that the ``installed`` version (``None``: not
    installed) fails: ``absent``, ``missing`` or ``version``; ``None`` when it holds."""
    if rule["absent"]:
        return None if installed is None else "absent"
    if installed is None:
        return "missing"
    specifier: str | None = rule["version"]
    if specifier is None:
        return None
    # Imported here: packaging is needed only for contracts with a ``packages`` version rule.
    from packaging.specifiers import SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        holds = SpecifierSet(specifier).contains(Version(installed), prereleases=True)
    except InvalidVersion:
        holds = False
    return None if holds else "version"
