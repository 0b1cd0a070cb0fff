"""Evaluating contracts for ``importspy-hook check`` without raising: the results become a report.

The checks are the enforcement core's own functions on the plain data of contracts, so the
command line and the hook cannot disagree. A TARGET is imported in this process with the hook
installed, so that everything it imports is guarded as usual; the command is the TARGET's
importer, so the TARGET's own ``importers`` rules are not applied to it (and ``--as-importer-of``
applies another module's ``importers`` rules to the TARGET instead).
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from typing import TYPE_CHECKING, Any, NamedTuple

from _importspy_hook_guard import Registry, is_machinery, is_pattern
from importspy_hook._errors import ContractViolation, ContractWarning, Violation
from importspy_hook._install import install
from importspy_hook._snapshot import snapshot
from importspy_hook._structure import check_members
from importspy_hook._violations import Importer, check_importer_name, check_runtime, secret_variables
from importspy_hook.cli.report import Finding, Outcome, Report

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    Plain = Mapping[str, Any]


class TargetError(Exception):
    """A TARGET that cannot be checked: not found, not importable, or not governed by a contract."""


class Target(NamedTuple):
    """A module to check: its dotted name, and the folder its top-level package lives in."""

    name: str
    root: str | None
    given: str


def resolve_target(text: str) -> Target:
    """A dotted module name, or a path to a ``.py`` file or a package folder.

    A path's module name is found by walking up through folders with an ``__init__.py``, so
    ``src/app/plugins/good.py`` is ``app.plugins.good`` with ``src`` as its root.

    :raises TargetError: for text that is neither an existing path nor a module name.
    """
    from pathlib import Path

    path = Path(text)
    if text.endswith(".py") or os.sep in text or "/" in text or path.is_dir():
        if not path.exists():
            raise TargetError(f"{text}: no such file or folder; give a module name, a .py file or a package folder")
        path = path.resolve()
        if path.is_file():
            if path.suffix != ".py":
                raise TargetError(f"{text}: not a .py file; give a module name, a .py file or a package folder")
            parts = [] if path.stem == "__init__" else [path.stem]
            folder = path.parent
            if not parts:
                parts, folder = [folder.name], folder.parent
        else:
            parts, folder = [path.name], path.parent
        while (folder / "__init__.py").is_file() and folder.parent != folder:
            parts.insert(0, folder.name)
            folder = folder.parent
        if not all(part.isidentifier() for part in parts):
            raise TargetError(f"{text}: {'.'.join(parts)} is not a valid module name; rename the file or folder")
        return Target(".".join(parts), str(folder), text)
    if not all(part.isidentifier() for part in text.split(".")):
        raise TargetError(f"{text}: not a module name, a .py file or a package folder")
    return Target(text, None, text)


def runtime_report(registry: Registry) -> Report:
    """The ``runtime`` part of every contract against this process."""
    snap = snapshot()
    outcomes = []
    for contract in registry.contracts:
        module = contract["module"]
        if not is_pattern(module) and not registry.contracts_for(module):
            continue  # ignored by the configuration: the hook never checks it
        violations = check_runtime(contract, snap, secret_variables(registry.contracts))
        findings = _findings(registry, contract, contract["module"], None, violations)
        checked = ("runtime",) if contract["runtime"] else ()
        outcomes.append(_outcome(contract, None, checked, findings))
    return Report((), tuple(outcomes))


def target_report(registry: Registry, targets: Sequence[Target], as_importer_of: str | None = None) -> Report:
    """Import each TARGET under the hook and check it; see the module docstring.

    :raises TargetError: when a TARGET is governed by no contract (and no ``as_importer_of``
        is given), or cannot be imported for a reason other than a contract violation.
    """
    outcomes: list[Outcome] = []
    host: tuple[Plain, ...] = ()
    if as_importer_of is not None:
        host = registry.contracts_for(as_importer_of)
        if not host:
            raise TargetError(
                f"--as-importer-of {as_importer_of}: no contract governs {as_importer_of}; "
                f"check the name, or pass --contracts/--contract with its contract"
            )
    for target in targets:
        outcomes.extend(_check_target(registry, target, as_importer_of, host))
    return Report(tuple(t.given for t in targets), _merged(outcomes))


def _check_target(
    registry: Registry, target: Target, as_importer_of: str | None, host: tuple[Plain, ...]
) -> list[Outcome]:
    name = target.name
    direct = _with_parents(name)
    snap = snapshot()
    outcomes: list[Outcome] = []
    runtime_broken = False
    for subject in direct:
        for contract in registry.contracts_for(subject):
            findings = _findings(
                registry, contract, subject, None, check_runtime(contract, snap, secret_variables(registry.contracts))
            )
            runtime_broken = runtime_broken or bool(findings)
            checked = ("runtime",) if contract["runtime"] else ()
            outcomes.append(_outcome(contract, subject, checked, findings))
    if runtime_broken:
        # Like the hook: a module whose runtime does not hold is not run at all.
        return outcomes

    guarded = _CommandRegistry(registry.contracts, direct, registry.ignore)
    added_path = target.root is not None and target.root not in sys.path
    if added_path:
        sys.path.insert(0, str(target.root))
    elif target.root is None and "" not in sys.path and os.getcwd() not in sys.path:
        # ``python -m`` puts the current folder first; the console script does not.
        added_path = True
        target = Target(target.name, os.getcwd(), target.given)
        sys.path.insert(0, os.getcwd())
    before = set(sys.modules)
    try:
        with warnings.catch_warnings():
            # The command installs the hook late on purpose; modules it already imported
            # (click, importspy_hook itself) are not what the user asked about.
            warnings.simplefilter("ignore", ContractWarning)
            installation = install(guarded)
        violation: ContractViolation | None = None
        try:
            module = importlib.import_module(name)
        except ContractViolation as exc:
            violation = exc
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise TargetError(f"{target.given}: importing {name} failed: {_describe_failure(exc)}") from exc
        finally:
            installation.uninstall()
        if as_importer_of is None and not guarded.seen and not any(registry.contracts_for(n) for n in direct):
            raise TargetError(
                f"{target.given}: no contract governs {name} or any module it imports; write one with "
                f"`importspy-hook init {name}`, or pass --contracts/--contract with its contract"
            )
        # Contracted modules the TARGET imported and that finished loading: kept. (A module whose
        # import failed, here or further down, is not in sys.modules.)
        for subject, contracts in guarded.seen.items():
            if subject in sys.modules and (violation is None or subject != violation.name):
                outcomes.extend(_outcome(c, subject, _parts(c), ()) for c in contracts)
        if violation is not None:
            outcomes.extend(_violation_outcomes(registry, violation))
            return outcomes
        for subject in direct:
            namespace = sys.modules[subject].__dict__ if subject in sys.modules else {}
            for contract in registry.contracts_for(subject):
                if contract["provides"] is None:
                    continue
                violations = check_members(contract, "provides", namespace, subject)
                findings = _findings(registry, contract, subject, None, violations)
                outcomes.append(_outcome(contract, subject, ("provides",), findings))
        if as_importer_of is not None:
            importer = Importer((name, getattr(module, "__file__", None) or name, 0, module.__dict__))
            for contract in host:
                violations = check_importer_name(contract, importer)
                violations += check_members(
                    contract, "importers.require", module.__dict__, f"the importer {name}", name
                )
                findings = _findings(registry, contract, as_importer_of, name, violations)
                outcomes.append(_outcome(contract, as_importer_of, ("importers",), findings))
        return outcomes
    finally:
        # Leave the process as it was, so that several targets (and tests) do not see each other.
        top = name.partition(".")[0]
        root = os.path.join(str(target.root), "") if target.root is not None else None
        for added in set(sys.modules) - before:
            if is_machinery(added):
                continue  # this package's own lazily imported modules must keep their identity
            if added.partition(".")[0] == top or _lives_under(sys.modules.get(added), root):
                sys.modules.pop(added, None)
        if added_path and target.root in sys.path:
            sys.path.remove(str(target.root))


class _CommandRegistry(Registry):
    """The registry the hook uses during ``check TARGET``.

    The TARGET and its parent packages are checked by the command itself (the command is their
    importer), so the hook leaves them alone; every other contracted module the TARGET imports
    is guarded as usual, and raises whatever its contract says, so that it can be reported.
    """

    __slots__ = ("direct", "seen")

    def __init__(self, contracts: Iterable[Plain], direct: Sequence[str], ignore: Iterable[str] = ()) -> None:
        super().__init__(contracts, on_violation="raise", ignore=ignore)
        self.direct = frozenset(direct)
        self.seen: dict[str, tuple[Plain, ...]] = {}

    def contracts_for(self, name: str) -> tuple[Plain, ...]:
        if name in self.direct:
            return ()
        found = super().contracts_for(name)
        if found:
            self.seen[name] = found
        return found


def _with_parents(name: str) -> tuple[str, ...]:
    parts = name.split(".")
    return tuple(".".join(parts[: i + 1]) for i in range(len(parts)))


def _parts(contract: Plain) -> tuple[str, ...]:
    parts = []
    if contract["importers"] is not None:
        parts.append("importers")
    if contract["runtime"]:
        parts.append("runtime")
    if contract["provides"] is not None:
        parts.append("provides")
    return tuple(parts)


def _violation_outcomes(registry: Registry, exc: ContractViolation) -> list[Outcome]:
    module = exc.name or "?"
    by_file: dict[str, list[Violation]] = {}
    for violation in exc.violations:
        by_file.setdefault(violation.contract.rpartition(":")[0], []).append(violation)
    outcomes = []
    for contract in registry.contracts_for(module):
        violations = by_file.pop(str(contract["source"]), [])
        findings = _findings(registry, contract, module, exc.importer, violations)
        parts = _parts(contract)
        if not any(v.rule.startswith("provides.") for v in exc.violations):
            parts = tuple(p for p in parts if p != "provides")  # the module never ran
        outcomes.append(_outcome(contract, module, parts, findings))
    return outcomes


def _findings(
    registry: Registry, contract: Plain, module: str, importer: str | None, violations: Iterable[Violation]
) -> tuple[Finding, ...]:
    level = "warning" if registry.mode(contract) == "warn" else "error"
    return tuple(Finding(module, v.rule, v.message, v.contract, importer, level) for v in violations)


def _outcome(contract: Plain, subject: str | None, checked: tuple[str, ...], findings: tuple[Finding, ...]) -> Outcome:
    return Outcome(
        module=contract["module"],
        subject=subject,
        file=str(contract["source"]),
        line=contract["lines"].get("module", 1),
        on_violation=contract["on_violation"],
        checked=checked,
        findings=findings,
    )


def _merged(outcomes: Iterable[Outcome]) -> tuple[Outcome, ...]:
    """One outcome per (contract, module): the parts checked and the findings joined."""
    merged: dict[tuple[str, str, str | None], Outcome] = {}
    for outcome in outcomes:
        key = (outcome.file, outcome.module, outcome.subject)
        known = merged.get(key)
        if known is None:
            merged[key] = outcome
            continue
        checked = known.checked + tuple(p for p in outcome.checked if p not in known.checked)
        merged[key] = Outcome(
            known.module,
            known.subject,
            known.file,
            known.line,
            known.on_violation,
            checked,
            known.findings + outcome.findings,
        )
    return tuple(merged.values())


def _lives_under(module: object, root: str | None) -> bool:
    file = getattr(module, "__file__", None)
    return root is not None and isinstance(file, str) and os.path.abspath(file).startswith(root)


def _describe_failure(exc: BaseException) -> str:
    # Point at the innermost frame of the user's code, which is where the fix goes.
    tb = exc.__traceback__
    where = ""
    while tb is not None:
        if not is_machinery(tb.tb_frame.f_globals.get("__name__")):
            where = f" (at {tb.tb_frame.f_code.co_filename}:{tb.tb_lineno})"
        tb = tb.tb_next
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({exc.code!r}){where}"
    return f"{type(exc).__name__}: {exc}{where}"
