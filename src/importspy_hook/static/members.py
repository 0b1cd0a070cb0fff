"""``importers.require`` and ``provides`` checked against source facts, not a live namespace.

The questions and the answers are those of :mod:`importspy_hook._structure` (same rule ids,
same wording, same spellings of annotations), asked of :mod:`.facts`. Where the source cannot
decide (a name bound only under a runtime condition, a decorator that may replace a function,
a base class whose source is not known, a star import), the answer is an *undecided* finding:
rule ``<section>.<kind>.undecided``, with the reason, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

from importspy_hook._errors import Violation
from importspy_hook._structure import MemberWording, _unqualified, normalized, same_value, show
from importspy_hook._violations import where
from importspy_hook.static.facts import absolute

Plain = Mapping[str, Any]
Member = dict[str, Any]
#: Finds a class (or any member) by its absolute dotted name in other modules' facts.
Lookup = Callable[[str], Member | None]

_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_DEPTH = 20


def undecided(violation: Violation) -> bool:
    """Whether a finding says the source cannot decide, rather than that a rule failed."""
    return violation.rule.endswith(".undecided")


def absolute_facts(facts: dict[str, Any], module: str, is_package: bool) -> dict[str, Any]:
    """``facts`` with the origins of relative imports made absolute for ``module``, so that
    imported names and class bases can be looked up in other modules' facts. Members are
    converted as they are read, so that a check of two members reads two."""
    return {**facts, "members": _AbsoluteMembers(facts["members"], module, is_package)}


class _AbsoluteMembers(Mapping[str, Member]):
    __slots__ = ("_own", "_module", "_package", "_done")

    def __init__(self, own: Mapping[str, Member], module: str, is_package: bool) -> None:
        self._own = own
        self._module = module
        self._package = module if is_package else module.rpartition(".")[0]
        self._done: dict[str, Member] = {}

    def __getitem__(self, name: str) -> Member:
        found = self._done.get(name)
        if found is None:
            member = self._own[name]
            if member["kind"] == "import":
                member = {**member, "origin": self._fix(member["origin"])}
            elif member["kind"] == "class":
                member = {**member, "resolved": [self._base(r) for r in member["resolved"]]}
            found = self._done[name] = member
        return found

    def __contains__(self, name: object) -> bool:
        return name in self._own

    def __iter__(self) -> Iterator[str]:
        return iter(self._own)

    def __len__(self) -> int:
        return len(self._own)

    def _fix(self, origin: str) -> str:
        if not origin.startswith("."):
            return origin
        level = len(origin) - len(origin.lstrip("."))
        found = absolute(origin[level:], level, self._package)
        return found if found is not None else origin

    def _base(self, resolved: str) -> str:
        # A base defined in this module is named with it, as its ancestors are looked up.
        local = self._own.get(resolved)
        return f"{self._module}.{resolved}" if local is not None and local["kind"] != "import" else self._fix(resolved)


def check_facts(
    contract: Plain,
    section: str,
    members: Plain,
    path: str,
    facts: Mapping[str, Any],
    subject: object,
    lookup: Lookup | None = None,
    only: Collection[str] | None = None,
) -> list[Violation]:
    """Check ``facts`` against ``members`` (the contract's ``importers.require`` entry or
    ``provides`` at ``path``, such as ``importers/require``).

    :param subject: how messages name the module, such as ``the importer app.main`` (any object
        whose text that is: it is formatted only when a message is written).
    :param lookup: finds members of other modules by absolute name (for imported names and
        inherited members); without it they are undecided.
    :param only: the names to check (default: every member the contract names).
    """
    checker = _FactsChecker(contract, section, subject, facts, lookup or (lambda _: None))
    for i, spec in enumerate(members["variables"]):
        if only is None or spec["name"] in only:
            checker.variable(spec, f"{path}/variables/{i}")
    for i, spec in enumerate(members["functions"]):
        if only is None or spec["name"] in only:
            checker.function(spec, f"{path}/functions/{i}")
    for i, spec in enumerate(members["classes"]):
        if only is None or spec["name"] in only:
            checker.klass(spec, f"{path}/classes/{i}")
    return checker.found


class _FactsChecker(MemberWording):
    def __init__(
        self, contract: Plain, section: str, subject: object, facts: Mapping[str, Any], lookup: Lookup
    ) -> None:
        self.contract = contract
        self.section = section
        self.subject = subject
        self.facts = facts
        self.lookup = lookup
        self.found: list[Violation] = []

    def fail(self, kind: str, problem: str, path: str, label: str, message: str) -> None:
        at = where(self.contract, path)
        self.found.append(
            Violation(f"{self.section}.{kind}.{problem}", f"{self.section}.{label} in {at}: {message}", at)
        )

    def unsure(self, kind: str, path: str, label: str, what: str, reason: str) -> None:
        self.fail(kind, "undecided", path, label, f"the source cannot decide {what}: {reason}")

    # -- finding a name ------------------------------------------------------------------

    def member(self, name: str, kind: str, path: str, label: str) -> Member | None:
        """The module's member ``name``, followed through imports; a failure or an undecided
        finding (and ``None``) when it is missing or may be missing."""
        found: Member | None = self.facts["members"].get(name)
        if found is None:
            if self.facts.get("open"):
                self.unsure(kind, path, label, f"whether {self.subject} defines {name}", self.facts["open"])
            else:
                self.fail(
                    kind,
                    "missing",
                    path,
                    label,
                    f"{self.subject} defines no {kind} {name}; define {_define(kind, name)}",
                )
            return None
        if found["maybe"]:
            self.unsure(kind, path, label, f"whether {self.subject} defines {name}", found["maybe"])
            return None
        return found

    def resolved(self, found: Member) -> Member | None:
        """An imported name's member in the module it comes from, when that source is known."""
        for _ in range(_DEPTH):
            if found["kind"] != "import":
                return found
            target = self.lookup(found["origin"])
            if target is None or target["maybe"]:
                return None
            found = target
        return None

    # -- variables -----------------------------------------------------------------------

    def variable(self, spec: Plain, path: str) -> None:
        name: str = spec["name"]
        label = f"variables.{name}"
        found = self.member(name, "variable", path, label)
        if found is None:
            return
        if spec["has_value"]:
            target = self.resolved(found) if not found["unsure"] else None
            if target is None or target["unsure"] or (target["kind"] == "variable" and not target["known"]):
                reason = found["unsure"] or (
                    f"{name} is imported (line {found['line']}) from source not read"
                    if found["kind"] == "import"
                    else f"{name} is computed at run time (line {found['line']})"
                )
                self.unsure("variable", path, label, f"the value of {name}", reason)
            elif target["kind"] != "variable" or not same_value(target["value"], spec["value"]):
                actual = f"a {target['kind']}" if target["kind"] != "variable" else show(target["value"])
                self.wrong_variable_value(spec, path, label, self.subject, name, actual)
        self.annotation(spec, self.facts["annotations"].get(name), "variable", path, label, name)

    def written(self, actual: str | None) -> str | None:
        return actual

    def accepts(self, expected: str, actual: str) -> bool:
        return normalized(expected) in self.spellings(actual)

    def spellings(self, written: str) -> set[str]:
        """The spellings the run-time check accepts for an annotation written so in source:
        as written, and with each name as the module imported it (``Registry`` ->
        ``app.models.Registry``), qualified or not."""
        found = {normalized(written)}
        members = self.facts["members"]

        def qualify(match: re.Match[str]) -> str:
            head, dot, rest = match.group(0).partition(".")
            member = members.get(head)
            if member is not None and member["kind"] == "import":
                return f"{member['origin']}{dot}{rest}"
            return match.group(0)

        qualified = normalized(_DOTTED.sub(qualify, written))
        found.add(qualified)
        found.add(_unqualified(qualified).replace("NoneType", "None"))
        return found

    # -- functions -----------------------------------------------------------------------

    def function(self, spec: Plain, path: str) -> None:
        name: str = spec["name"]
        label = f"functions.{name}"
        found = self.member(name, "function", path, label)
        if found is None:
            return
        target = self.resolved(found)
        if target is None:
            self.unsure(
                "function",
                path,
                label,
                f"what {name} is",
                f"it is imported (line {found['line']}) from source not read",
            )
        elif target["kind"] == "class":
            self.fail("function", "kind", path, label, f"{name} must be a function, but it is the class {name}")
        elif target["unsure"] and target["kind"] != "function":
            self.unsure("function", path, label, f"what {name} is", target["unsure"])
        elif target["kind"] == "variable":
            if target["known"]:
                self.fail(
                    "function",
                    "kind",
                    path,
                    label,
                    f"{name} must be a function, but it is a {type(target['value']).__name__}",
                )
            else:
                self.unsure(
                    "function", path, label, f"what {name} is", f"it is computed at run time (line {target['line']})"
                )
        else:
            self.callable(spec, target, "function", path, label, name)

    def callable(self, spec: Plain, target: Member, kind: str, path: str, label: str, name: str) -> None:
        if not spec["arguments"] and spec["returns"] is None:
            return
        if target["unsure"]:
            self.unsure(kind, path, label, f"the signature of {name}", target["unsure"])
            return
        params = {p[0]: p[2] for p in target["params"]}
        self.signature(spec, params, target["returns"], kind, path, label, name)

    # -- classes -------------------------------------------------------------------------

    def klass(self, spec: Plain, path: str) -> None:
        name: str = spec["name"]
        label = f"classes.{name}"
        found = self.member(name, "class", path, label)
        if found is None:
            return
        cls = self.resolved(found)
        if cls is None:
            self.unsure(
                "class", path, label, f"what {name} is", f"it is imported (line {found['line']}) from source not read"
            )
            return
        if cls["kind"] != "class":
            if cls["unsure"] or (cls["kind"] == "variable" and not cls["known"]):
                self.unsure(
                    "class",
                    path,
                    label,
                    f"what {name} is",
                    cls["unsure"] or f"it is computed at run time (line {cls['line']})",
                )
            else:
                kind = f"a {type(cls['value']).__name__}" if cls["kind"] == "variable" else f"a {cls['kind']}"
                self.fail("class", "kind", path, label, f"{name} must be a class, but it is {kind}")
            return
        if cls["unsure"]:
            self.unsure("class", path, label, f"what {name} is", cls["unsure"])
            return
        mro = _Ancestry(self, cls)
        for i, base in enumerate(spec["bases"]):
            if any(_named(w, r, base) for k in mro for w, r in zip(k["bases"], k["resolved"], strict=False)):
                continue
            if mro.unknown is not None:
                self.unsure("class", f"{path}/bases/{i}", label, f"whether {name} derives from {base}", mro.reason)
                continue
            have = ", ".join(cls["bases"]) or "no bases"
            self.fail(
                "class",
                "bases",
                f"{path}/bases/{i}",
                label,
                f"{name} must derive from {base}, but its bases are {have}",
            )
        for i, attribute in enumerate(spec["attributes"]):
            self.attribute(attribute, mro, f"{path}/attributes/{i}", f"{label}.attributes", name)
        for i, method in enumerate(spec["methods"]):
            self.method(method, mro, f"{path}/methods/{i}", label, name)

    def base(self, written: str, resolved: str) -> Member | None:
        """The class a base names, from the source of its module, or ``None`` when not known."""
        if written in ("object", "builtins.object"):
            return None
        found = self.lookup(resolved)
        if found is None and "." not in resolved:
            local = self.facts["members"].get(resolved)
            found = self.resolved(local) if local is not None else None
        if found is None or found["kind"] != "class" or found["unsure"] or found["maybe"]:
            return None
        return found

    def attribute(self, spec: Plain, mro: _Ancestry, path: str, label: str, owner: str) -> None:
        name: str = spec["name"]
        label = f"{label}.{name}"
        qualified = f"{owner}.{name}"
        annotation = next((k["annotations"][name] for k in mro if name in k["annotations"]), None)
        if spec["scope"] == "instance":
            if annotation is None and not any(name in k["instance"] for k in mro):
                if mro.unknown is not None:
                    self.unsure(
                        "attribute", path, label, f"whether {owner} has an instance attribute {name}", mro.reason
                    )
                    return
                self.no_instance_attribute(path, label, owner, name)
                return
        else:
            value = mro.member(name, "attributes", "methods")
            if value is None:
                if mro.unknown is not None:
                    self.unsure("attribute", path, label, f"whether {owner} has a class attribute {name}", mro.reason)
                    return
                self.no_class_attribute(path, label, owner, name)
                return
            if value["maybe"]:
                self.unsure("attribute", path, label, f"whether {owner} has a class attribute {name}", value["maybe"])
                return
            if spec["has_value"]:
                rebuilt = any(k["rebuilt"] for k in mro)
                if (
                    rebuilt
                    or value["unsure"]
                    or (value["kind"] == "variable" and not value["known"])
                    or value["kind"] == "import"
                ):
                    reason = (
                        "its class is rebuilt by an attrs decorator, which replaces class attributes with fields"
                        if rebuilt
                        else value["unsure"] or f"it is computed at run time (line {value['line']})"
                    )
                    self.unsure("attribute", path, label, f"the value of {qualified}", reason)
                elif value["kind"] != "variable" or not same_value(value["value"], spec["value"]):
                    actual = show(value["value"]) if value["kind"] == "variable" else f"a {value['kind']}"
                    self.wrong_attribute_value(spec, path, label, qualified, name, actual)
        self.annotation(spec, annotation, "attribute", path, label, qualified)

    def method(self, spec: Plain, mro: _Ancestry, path: str, label: str, owner: str) -> None:
        name: str = spec["name"]
        label = f"{label}.methods.{name}"
        qualified = f"{owner}.{name}"
        found = mro.member(name, "methods", "attributes")
        if found is None:
            if mro.unknown is not None:
                self.unsure("method", path, label, f"whether {owner} has a method {name}", mro.reason)
                return
            self.fail("method", "missing", path, label, f"{owner} has no method {name}; define {qualified}")
            return
        if found["maybe"]:
            self.unsure("method", path, label, f"whether {owner} has a method {name}", found["maybe"])
            return
        if found["kind"] != "function":
            if found["kind"] == "variable" and found["known"] and not found["unsure"]:
                self.fail(
                    "method",
                    "kind",
                    path,
                    label,
                    f"{qualified} must be a method, but it is a {type(found['value']).__name__}",
                )
            else:
                self.unsure(
                    "method",
                    path,
                    label,
                    f"what {qualified} is",
                    found["unsure"] or f"it is bound at run time (line {found['line']})",
                )
            return
        self.callable(spec, found, "method", path, label, qualified)


class _Ancestry:
    """A class and its ancestors whose source is known, in the order the run-time MRO would
    search them (breadth first here): each base's source is read only when an iteration reaches
    it, so that a member the class defines itself costs no lookup."""

    def __init__(self, checker: _FactsChecker, cls: Member) -> None:
        self.checker = checker
        self.chain = [cls]
        self.pending = [cls]
        self.seen = {id(cls)}
        self.first_unknown: str | None = None

    def __iter__(self) -> Iterator[Member]:
        i = 0
        while i < len(self.chain) or self.expand():
            if i < len(self.chain):
                yield self.chain[i]
                i += 1

    def expand(self) -> bool:
        """Read the bases of the next class; whether there was one to read."""
        if not self.pending or len(self.chain) >= 100:
            return False
        current = self.pending.pop(0)
        for written, resolved in zip(current["bases"], current["resolved"], strict=False):
            if written in ("object", "builtins.object"):
                continue
            found = self.checker.base(written, resolved)
            if found is None:
                self.first_unknown = self.first_unknown or written
            elif id(found) not in self.seen:
                self.seen.add(id(found))
                self.chain.append(found)
                self.pending.append(found)
        return True

    def member(self, name: str, first: str, then: str) -> Member | None:
        """Member ``name`` of the nearest class that defines it, from its ``first`` facts
        (``"attributes"`` or ``"methods"``), else its ``then`` ones."""
        for k in self:
            if name in k[first] or name in k[then]:
                found: Member | None = k[first].get(name) or k[then].get(name)
                return found
        return None

    @property
    def unknown(self) -> str | None:
        """The first base whose source is not known, once the whole ancestry is read."""
        while self.expand():
            pass
        return self.first_unknown

    @property
    def reason(self) -> str:
        return f"the source of its base {self.unknown} is not read"


def _named(written: str, resolved: str, expected: str) -> bool:
    """As the run-time check names a base: its ``__name__``, ``__qualname__`` or
    ``module.qualname``."""
    target = normalized(expected)
    plain = written.partition("[")[0]
    return target in (plain, plain.rpartition(".")[2], resolved, resolved.rpartition(".")[2])


def _define(kind: str, name: str) -> str:
    return f"class {name}" if kind == "class" else name
