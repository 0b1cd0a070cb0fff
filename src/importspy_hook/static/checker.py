"""``importspy-hook check --static``: every contract applied to every import edge of a source tree.

Each edge into a protected module (see :mod:`.edges`) is checked against the module's
contracts as the hook would check its importer: ``importers.allow`` and ``importers.deny`` on
the importer's name, ``importers.require`` on the importer's source facts. The ``provides`` of
each protected module found in the tree is checked on its own source facts. Nothing is imported
or run. Every refused edge is reported, each located on its import statement.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from importspy_hook._errors import Violation
from importspy_hook._structure import required_entries
from importspy_hook._violations import Importer, check_importer_name
from importspy_hook.cli.report import Finding, Outcome, Report
from importspy_hook.static.edges import Edge, Tree, Unreadable, tree_edges
from importspy_hook.static.factscache import cache_folder, source_facts
from importspy_hook.static.members import Member, absolute_facts, check_facts, undecided

Plain = Mapping[str, Any]


class StaticProblem(Exception):
    """Paths that cannot be read as a source tree."""


def default_paths(configured: Sequence[str] | None, folder: str = ".") -> list[str]:
    """The paths to read when none are given: ``static`` of ``[tool.importspy-hook]``, else
    the packages in ``folder`` and in its ``src/``."""
    if configured:
        return list(configured)
    found = []
    for base in (folder, os.path.join(folder, "src")):
        if not os.path.isdir(base):
            continue
        for entry in sorted(os.listdir(base)):
            full = os.path.join(base, entry)
            if entry.isidentifier() and os.path.isfile(os.path.join(full, "__init__.py")):
                found.append(full)
    return found


def static_report(
    registry: Any,
    paths: Sequence[str],
    *,
    include_type_checking: bool = False,
    undecided_level: str = "warning",
) -> Report:
    """Check the tree under ``paths`` against ``registry``'s contracts, from the source.

    :param undecided_level: ``"warning"`` (default) or ``"error"`` for facts the source cannot decide.
    :raises StaticProblem: for a path that is not a package folder, a module file or a source root.
    """
    tree = Tree()
    for path in paths:
        try:
            tree.add_path(path)
        except ValueError as exc:
            raise StaticProblem(str(exc)) from None
    run = _Run(registry, tree, undecided_level)
    tops = {_head(c["module"]) for c in registry.contracts}
    edges = tree_edges(
        tree,
        include_type_checking,
        run.protected,
        lambda top: top not in tree.packages and any(_head_matches(top, t) for t in tops),
        os.path.join(os.path.dirname(cache_folder()), "grimp"),
    )
    try:
        found = set(edges)
    except Unreadable as exc:
        raise StaticProblem(str(exc)) from None
    seen: set[Edge] = set()
    for edge in sorted(found, key=lambda e: (e.imported, e.importer, e.line)):
        if edge not in seen:
            seen.add(edge)
            run.edge(edge)
    for name in sorted(tree.modules):
        for contract in run.contracts(name):
            if contract["provides"] is not None:
                run.provides(name, contract)
    # A contract on an exact module that no edge of the tree reaches is kept, not left out:
    # the report then lists every contract the run held the tree against.
    for contract in registry.contracts:
        module = str(contract["module"])
        if contract["importers"] is not None and not any(c in module for c in "*?["):
            run.outcome(contract, module, "importers")
    return Report(tuple(paths), tuple(run.outcomes.values()))


def _head(module: str) -> str:
    return module.partition(".")[0]


def _head_matches(top: str, head: str) -> bool:
    if any(c in head for c in "*?["):
        from fnmatch import fnmatchcase

        return fnmatchcase(top, head)
    return top == head


class _Run:
    def __init__(self, registry: Any, tree: Tree, undecided_level: str) -> None:
        self.registry = registry
        self.tree = tree
        self.undecided_level = undecided_level
        self.outcomes: dict[tuple[str, str], Outcome] = {}
        self.known: dict[str, tuple[Plain, ...]] = {}
        self.required: set[tuple[str, str, str]] = set()
        self.facts: dict[str, dict[str, Any] | None] = {}

    def contracts(self, name: str) -> tuple[Plain, ...]:
        found = self.known.get(name)
        if found is None:
            found = self.known[name] = self.registry.contracts_for(name)
        return found

    def protected(self, name: str) -> bool:
        return bool(self.contracts(name))

    # -- facts ---------------------------------------------------------------------------

    def module_facts(self, name: str) -> dict[str, Any] | None:
        """Facts of module ``name`` (in the tree, or found on ``sys.path``), relative imports
        made absolute; ``None`` without readable source."""
        if name in self.facts:
            return self.facts[name]
        module = self.tree.find_file(name)
        facts = source_facts(module.file) if module is not None else None
        if facts is not None and module is not None and not facts["error"]:
            facts = absolute_facts(facts, name, module.is_package)
        else:
            facts = None
        self.facts[name] = facts
        return facts

    def lookup(self, dotted: str) -> Member | None:
        """A member by absolute name, ``module.member``, from the source of its module."""
        parts = dotted.split(".")
        for i in range(len(parts) - 1, 0, -1):
            facts = self.module_facts(".".join(parts[:i]))
            if facts is None:
                continue
            member: Member | None = facts["members"].get(parts[i])
            if member is None or i < len(parts) - 1:
                return None  # a nested name: not followed
            if member["kind"] == "class" and "module" not in member:
                member = {**member, "module": ".".join(parts[:i])}
            return member
        return None

    # -- findings ------------------------------------------------------------------------

    def outcome(self, contract: Plain, subject: str, part: str) -> Outcome:
        key = (str(contract["source"]), subject)
        known = self.outcomes.get(key)
        if known is None:
            known = Outcome(
                module=contract["module"],
                subject=subject,
                file=str(contract["source"]),
                line=contract["lines"].get("module", 1),
                on_violation=contract["on_violation"],
                checked=(part,),
            )
        elif part not in known.checked:
            known = Outcome(
                known.module,
                known.subject,
                known.file,
                known.line,
                known.on_violation,
                (*known.checked, part),
                known.findings,
            )
        self.outcomes[key] = known
        return known

    def add(
        self, contract: Plain, subject: str, part: str, violations: Iterable[Violation], edge: Edge | None = None
    ) -> None:
        outcome = self.outcome(contract, subject, part)
        level = "warning" if self.registry.mode(contract) == "warn" else "error"
        findings = tuple(
            Finding(
                subject,
                v.rule,
                v.message,
                v.contract,
                edge.importer if edge is not None else None,
                self.undecided_level if undecided(v) and level == "error" else level,
                edge.file if edge is not None else None,
                edge.line if edge is not None else None,
            )
            for v in violations
        )
        if findings:
            self.outcomes[(outcome.file, subject)] = Outcome(
                outcome.module,
                outcome.subject,
                outcome.file,
                outcome.line,
                outcome.on_violation,
                outcome.checked,
                outcome.findings + findings,
            )

    def edge(self, edge: Edge) -> None:
        for contract in self.contracts(edge.imported):
            if contract["importers"] is None:
                self.outcome(contract, edge.imported, "importers")
                continue
            importer = Importer((edge.importer, edge.file, edge.line, {}))
            refused = check_importer_name(contract, importer)
            self.add(contract, edge.imported, "importers", refused, edge)
            if refused:
                continue
            # What the importer defines is checked once per importer and contract, at its first edge.
            key = (str(contract["source"]), edge.imported, edge.importer)
            if key in self.required:
                continue
            self.required.add(key)
            for members, path in required_entries(contract, edge.importer):
                facts = self.module_facts(edge.importer)
                if facts is None:
                    self.add(contract, edge.imported, "importers", [self.unread(contract, path, edge.importer)], edge)
                    continue
                subject = f"the importer {edge.importer}"
                found = check_facts(contract, "importers.require", members, path, facts, subject, self.lookup)
                self.add(contract, edge.imported, "importers", found, edge)

    def unread(self, contract: Plain, path: str, name: str) -> Violation:
        """An undecided finding for a module whose source cannot be read or does not parse."""
        from importspy_hook._violations import where

        module = self.tree.find_file(name)
        raw = source_facts(module.file) if module is not None else None
        why = "no readable source"
        if module is not None and raw is not None and raw["error"]:
            why = f"its source {module.file} does not parse: line {raw['error']}"
        section = "provides" if path == "provides" else "importers.require"
        at = where(contract, path)
        text = f"{section} in {at}: the source cannot decide what {name} defines: {why}"
        return Violation(f"{section}.module.undecided", text, at)

    def provides(self, name: str, contract: Plain) -> None:
        facts = self.module_facts(name)
        if facts is None:
            self.add(contract, name, "provides", [self.unread(contract, "provides", name)])
            return
        found = check_facts(contract, "provides", contract["provides"], "provides", facts, name, self.lookup)
        self.add(contract, name, "provides", found)
