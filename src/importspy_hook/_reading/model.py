"""The contract model: frozen, slotted attrs classes mirroring contract format version 1.

Values are already normalised here (aliases resolved, shorthands expanded, the ``python``
specifier compiled), so that the plain data cattrs unstructures from a :class:`Contract` is
exactly what the checks read. Nothing on the enforcement path imports this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NewType

import attrs
from attrs import frozen

if TYPE_CHECKING:
    from collections.abc import Mapping

#: A dotted module name or an ``fnmatch`` pattern (``payments.*``).
ModulePattern = NewType("ModulePattern", str)
#: A Python identifier.
Identifier = NewType("Identifier", str)
#: An annotation as spelled in source (``list[str]``, ``Registry``, ``None``).
AnnotationText = NewType("AnnotationText", str)
#: ``raise`` or ``warn``.
OnViolation = NewType("OnViolation", str)
#: ``class`` or ``instance``.
Scope = NewType("Scope", str)
#: Canonical OS, architecture and implementation names, one or a list in YAML.
OsNames = NewType("OsNames", tuple[str, ...])
ArchNames = NewType("ArchNames", tuple[str, ...])
ImplementationNames = NewType("ImplementationNames", tuple[str, ...])
#: A full-match regular expression, checked at load time.
Regex = NewType("Regex", str)
#: A PEP 440 specifier set for an installed distribution.
Specifier = NewType("Specifier", str)
#: An environment variable's expected value.
EnvText = NewType("EnvText", str)


@frozen
class Argument:
    name: Identifier
    annotation: AnnotationText | None = None


@frozen
class Function:
    name: Identifier
    arguments: tuple[Argument, ...] = ()
    returns: AnnotationText | None = None


@frozen
class Variable:
    name: Identifier
    annotation: AnnotationText | None = None
    #: Whether the contract gives a value (``value: null`` means "must be None").
    has_value: bool = False
    value: object = None


@frozen
class Attribute:
    name: Identifier
    scope: Scope = Scope("class")
    annotation: AnnotationText | None = None
    has_value: bool = False
    value: object = None


@frozen
class Class:
    name: Identifier
    bases: tuple[str, ...] = ()
    attributes: tuple[Attribute, ...] = ()
    methods: tuple[Function, ...] = ()


@frozen
class Members:
    variables: tuple[Variable, ...] = ()
    functions: tuple[Function, ...] = ()
    classes: tuple[Class, ...] = ()


@frozen
class RequireEntry:
    """One entry of ``importers.require`` in its list form: the members required of the importers
    whose names ``match`` names (patterns as in ``allow``)."""

    match: tuple[ModulePattern, ...]
    variables: tuple[Variable, ...] = ()
    functions: tuple[Function, ...] = ()
    classes: tuple[Class, ...] = ()


@frozen
class Importers:
    #: ``None``: anyone may import.
    allow: tuple[ModulePattern, ...] | None = None
    deny: tuple[ModulePattern, ...] = ()
    #: A mapping applies to every importer; a list of entries, each to the importers it matches.
    require: Members | tuple[RequireEntry, ...] | None = None


@frozen
class VersionClause:
    """One clause of a compiled ``python`` specifier (``>=3.10`` -> ``>=``, ``(3, 10)``)."""

    operator: str
    release: tuple[int, ...]
    #: ``(rank, number)`` with rank 0 for ``a``, 1 for ``b``, 2 for ``rc``; ``None`` if final.
    pre: tuple[int, int] | None
    wildcard: bool
    text: str


@frozen
class PythonSpec:
    text: str
    clauses: tuple[VersionClause, ...]


@frozen(repr=False)
class EnvRule:
    equals: EnvText | None = None
    one_of: tuple[EnvText, ...] | None = None
    matches: Regex | None = None
    required: bool = True
    absent: bool = False
    secret: bool = False

    def __repr__(self) -> str:
        return _rule_repr(self, self.secret)


def _rule_repr(rule: EnvRule, hidden: bool) -> str:
    # A contract is printed in debuggers, logs and captured locals: a secret rule's expected
    # values are withheld there as in every message.
    parts = []
    for field in attrs.fields(EnvRule):
        value = getattr(rule, field.name)
        secret = hidden and field.name in ("equals", "one_of", "matches") and value is not None
        parts.append(f"{field.name}=<secret>" if secret else f"{field.name}={value!r}")
    return f"EnvRule({', '.join(parts)})"


def _env_repr(env: dict[str, EnvRule]) -> str:
    # Rules of secret-looking names are secret whether or not they say so (README, "Secrets").
    from importspy_hook._violations import has_credentials, is_secret_name

    def one(name: str, rule: EnvRule) -> str:
        values = [rule.equals, *(rule.one_of or ())]
        hidden = rule.secret or is_secret_name(name) or any(map(has_credentials, values))
        return f"{name!r}: {_rule_repr(rule, hidden)}"

    return "{" + ", ".join(one(name, rule) for name, rule in env.items()) + "}"


@frozen
class PackageRule:
    version: Specifier | None = None
    absent: bool = False


@frozen
class Runtime:
    python: PythonSpec | None = None
    implementation: ImplementationNames | None = None
    os: OsNames | None = None
    arch: ArchNames | None = None
    env: dict[str, EnvRule] = attrs.field(factory=dict, repr=_env_repr)
    packages: dict[str, PackageRule] = attrs.field(factory=dict)


@frozen
class Contract:
    """One contract file.

    :ivar module: the governed module name or pattern.
    :ivar source: the contract file, as it was named when loaded.
    :ivar lines: line of each entry, by ``/``-joined path (``importers/allow``).
    """

    module: ModulePattern
    source: str = ""
    lines: dict[str, int] = attrs.field(factory=dict)
    schema: int = 1
    on_violation: OnViolation = OnViolation("raise")
    importers: Importers | None = None
    runtime: tuple[Runtime, ...] = ()
    provides: Members | None = None

    @classmethod
    def from_dict(cls, mapping: Mapping[str, object], *, source: str = "") -> Contract:
        """Build a contract from a mapping in the contract format, validated as a file is.

        The mapping holds what a contract file holds (``{"module": "payments.keys",
        "importers": {"allow": ["payments.*"]}}``); tuples may stand for lists.

        :param mapping: the contract, with the keys of a contract file.
        :param source: where the mapping is written, such as ``"app/plugins.py"``; it starts
            every problem's message, and violation messages name it as the contract's place.
        :raises ContractError: listing every problem, each starting with its key path
            (``importers.alow: unknown key "alow"; did you mean "allow"? ...``).
        """
        # Imported here: _convert imports this module, and cattrs is needed only to build.
        from importspy_hook._reading.structuring import structure_mapping

        return structure_mapping(mapping, source)
