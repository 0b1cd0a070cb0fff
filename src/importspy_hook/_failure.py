"""A protected import that does not pass: its violations worded, reported, raised or warned.

The proxy loader (``_importspy_hook_guard.GuardedLoader``) evaluates the rules on the path of an import that
passes; when one fails, or a contract has ``importers.require`` or ``provides``, it calls
:func:`report_before` or :func:`report_after` here, which run the full checks (``_violations``,
``_structure``) and raise the :class:`ContractViolation` or warn. Also here: the loader that
refuses a module whose real loader cannot be checked, and the DEBUG log of each decision.

Each decision is logged at DEBUG on the ``importspy_hook`` logger (once ``logging`` is
imported), and each violation raises the audit event ``importspy_hook.violation`` (module,
importer, rule ids).
"""

import sys

from _importspy_hook_guard import defer_until_run, enter_own_imports, find_importer, leave_own_imports
from importspy_hook._snapshot import snapshot
from importspy_hook._violations import (
    importer_violations,
    named,
    runtime_violations,
    secret_variables,
    violation,
    where,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from importlib.machinery import ModuleSpec
    from logging import Logger
    from types import ModuleType
    from typing import Any, NoReturn

    from _importspy_hook_guard import Failed, ImporterFacts, Registry
    from importspy_hook._errors import ContractViolation, Violation
    from importspy_hook._structure import Deferred
    from importspy_hook._violations import Importer

    Plain = Mapping[str, Any]


class RefusingLoader:
    """Stands in for a loader that cannot be checked: the protected import fails closed."""

    __slots__ = ("_name", "_message", "_at")

    def __init__(self, name: str, message: str, at: str) -> None:
        self._name = name
        self._message = message
        self._at = at

    def __repr__(self) -> str:
        return f"<RefusingLoader of {self._name}>"

    def create_module(self, spec: "ModuleSpec") -> "ModuleType | None":
        self._refuse(spec.origin)

    def exec_module(self, module: "ModuleType") -> None:
        self._refuse(getattr(module, "__file__", None))

    def _refuse(self, origin: str | None) -> "NoReturn":
        from importspy_hook._errors import ContractViolation

        importer = named(find_importer(2))
        raise ContractViolation(
            f"{self._name} may not be imported: {self._message}",
            name=self._name,
            path=origin,
            importer=importer.name if importer is not None else None,
            violations=[violation("contract.loader", self._message, self._at)],
        )


def refuse_unchecked(spec: "ModuleSpec", contracts: "Sequence[Plain]", registry: "Registry") -> "ModuleSpec | None":
    """The spec of a protected module whose loader has no ``exec_module``, made to refuse it.

    Such a loader (PEP 302 ``load_module`` only) runs the module's code in one call, with no
    point to check before it: the import is refused, unless every contract on the module is
    in warn mode, where a ``ContractWarning`` says so and the module loads unchecked.
    """
    name = spec.name
    at = where(contracts[0], "")
    message = (
        f"its contract in {at} cannot be checked, since the loader {spec.loader!r} found for it has "
        f"no exec_module (only the legacy load_module); load it with a PEP 451 loader, or remove the "
        f"finder that serves it"
    )
    if all(registry.mode(contract) == "warn" for contract in contracts):
        import warnings

        from importspy_hook._errors import ContractWarning

        try:
            warnings.warn(ContractWarning(f"{name} cannot be checked: {message}"), stacklevel=2)
        except Warning:
            pass  # a filter made the warning an error: refuse, as in raise mode
        else:
            return spec
    # The spec's own class (ModuleSpec), with nothing of the unusable loader left in it.
    return type(spec)(name, RefusingLoader(name, message, at), origin=spec.origin)  # type: ignore[arg-type]


def is_violation(excinfo: "Any") -> bool:
    """Whether pytest's ``excinfo`` holds a :class:`ContractViolation` (``__tracebackhide__``)."""
    from importspy_hook._errors import ContractViolation

    return isinstance(getattr(excinfo, "value", None), ContractViolation)


__tracebackhide__ = is_violation


_logger: "Logger | None" = None


def debug_logger() -> "Logger | None":
    """The ``importspy_hook`` logger when it is enabled for DEBUG, else ``None``.

    Nobody can listen to a logger before ``logging`` is imported, and importing it costs
    milliseconds, so until some other code imports it this is one dict lookup.
    """
    global _logger
    logging = sys.modules.get("logging")
    if logging is None or not hasattr(logging, "NullHandler"):  # absent or half-imported
        return None
    if _logger is None:
        logger = logging.getLogger("importspy_hook")
        # The library convention: never configure the root logger, never print by default.
        logger.addHandler(logging.NullHandler())
        _logger = logger
    return _logger if _logger.isEnabledFor(logging.DEBUG) else None


def logged(
    check: "Callable[..., list[Violation]]",
    before: bool,
    name: str,
    origin: str | None,
    *args: "Any",
    **options: "Any",
) -> None:
    """Run ``check`` (the core's ``check_before``, ``before`` true, whose last argument is the
    importer, or ``check_after``) and log its decision at DEBUG."""
    log = debug_logger()
    if log is None:
        check(name, origin, *args, **options)
        return
    # Imported here: time is built in and cheap, but only the DEBUG log needs it.
    from time import perf_counter

    phase = "before it ran" if before else "after it ran"
    importer = named(args[-1]) if before else None
    who = ""
    if before:
        who = f" by {importer.name or '<unnamed code>'}" if importer is not None else " by code outside any module"
    started = perf_counter()
    try:
        warned = check(name, origin, *args, **options)
    except ImportError as exc:  # a ContractViolation is one
        from importspy_hook._errors import ContractViolation

        if not isinstance(exc, ContractViolation):
            raise
        micros = (perf_counter() - started) * 1e6
        rules = ", ".join(v.rule for v in exc.violations)
        log.debug("%s imported%s: broken %s (%s), checked in %.0f us", name, who, phase, rules, micros)
        raise
    micros = (perf_counter() - started) * 1e6
    if warned:
        rules = ", ".join(v.rule for v in warned)
        log.debug("%s imported%s: kept with warnings %s (%s), checked in %.0f us", name, who, phase, rules, micros)
    else:
        log.debug("%s imported%s: kept %s, checked in %.0f us", name, who, phase, micros)


def report_before(
    name: str,
    origin: str | None,
    contracts: "Sequence[Plain]",
    registry: "Registry",
    found_importer: "ImporterFacts | None",
    failed: "Sequence[Failed]",
    *,
    run: bool = False,
) -> "list[Violation]":
    """Word what ``check_before`` found failed (importer name, then runtime), then check the
    importer's structure (``importers.require``, the one part the core does not evaluate);
    raise or warn when there is a violation.

    :param failed: the failures of each contract, as the core evaluated them; nothing is
        evaluated again here.
    :returns: the violations that were only warned about.
    """
    importer = named(found_importer)
    subject = f"the importer {importer.name}" if importer is not None and importer.name else "the importer"
    namespace: Mapping[str, object] = importer.namespace if importer is not None else {}
    found: list[tuple[Plain, list[Violation]]] = []
    if failed:
        snap = snapshot()
        # Secret is a property of the variable: any contract of the registry may mark it (an
        # embedded guard() has only its own contract).
        marked = secret_variables(getattr(registry, "contracts", contracts))
        outer = enter_own_imports()
        try:
            # Wording runs no user code: what it imports is the hook's own.
            for index, refused, _ in failed:
                contract = contracts[index]
                violations = check_readable(contract) or importer_violations(contract, importer, refused)
                if violations:
                    found.append((contract, violations))
            for index, _, runtime in failed:
                if runtime is not None:
                    found.append((contracts[index], runtime_violations(contracts[index], snap, runtime, marked)))
        finally:
            leave_own_imports(outer)
    waiting: list[tuple[Plain, list[Deferred]]] = []
    for contract in contracts:
        deferrable: list[Deferred] = []
        violations = _check_members(contract, "importers.require", namespace, subject, importer, deferrable)
        if deferrable:
            waiting.append((contract, deferrable))
        if violations:
            found.append((contract, violations))
    if waiting and not found and importer is not None and importer.name:
        # What the importer's source does not decide is checked once it has run, when the
        # hook sees it finish: it is being loaded through a GuardedLoader of its own.
        check = _FinishedCheck(name, origin, registry, importer, subject, waiting)
        if defer_until_run(importer.name, check):
            waiting = []
    for contract, deferred in waiting:
        found.append((contract, [v for *_, violations in deferred for v in violations]))
    if found:
        if importer is not None:
            who = importer.describe()
        else:
            who = "python -m" if run else "code outside any Python module"
        verb = "run" if run else "imported"
        # The importer is named as the reason only when an ``importers`` rule failed: a
        # runtime rule or an unreadable contract refuses every importer alike.
        rules = [v.rule for _, violations in found for v in violations]
        if any(rule.startswith("importers.") for rule in rules):
            header = f"{name} may not be {verb} by {who}"
        elif all(rule.startswith("runtime.") for rule in rules):
            header = f"{name} may not be {verb} in this runtime ({verb} by {who})"
        else:
            header = f"{name} may not be {verb} ({verb} by {who})"
        return _report(header, name, origin, importer, found, registry)
    return []


class _FinishedCheck:
    """The ``importers.require`` members an importer's source left undecided, checked on the
    importer's namespace once it has finished running (called by the core's GuardedLoader)."""

    __slots__ = ("name", "origin", "registry", "importer", "subject", "waiting")

    def __init__(
        self,
        name: str,
        origin: str | None,
        registry: "Registry",
        importer: "Importer",
        subject: str,
        waiting: "list[tuple[Plain, list[Deferred]]]",
    ) -> None:
        self.name = name
        self.origin = origin
        self.registry = registry
        self.importer = importer
        self.subject = subject
        self.waiting = waiting

    def __call__(self, module: "ModuleType") -> None:
        from importspy_hook._structure import check_finished

        found: list[tuple[Plain, list[Violation]]] = []
        for contract, deferred in self.waiting:
            violations = check_finished(contract, "importers.require", deferred, module.__dict__, self.subject)
            if violations:
                found.append((contract, violations))
        if found:
            header = f"{self.name} may not be imported by {self.importer.describe()}"
            _report(header, self.name, self.origin, self.importer, found, self.registry)


def _check_members(
    contract: "Plain",
    section: str,
    namespace: "Mapping[str, object]",
    subject: str,
    importer: "Importer | None" = None,
    deferrable: "list[Deferred] | None" = None,
) -> "list[Violation]":
    """``_structure.check_members``, imported only when ``contract`` has ``section`` at all."""
    if section == "provides":
        members: Plain | None = contract["provides"]
    else:
        importers: Plain | None = contract["importers"]
        members = importers["require"] if importers is not None else None
    if members is None:
        return []
    # Imported here: only contracts with importers.require or provides need the structure
    # checks, and every module imported at the first protected import costs
    # (docs/performance.rst). The import is the hook's own; the checks are not marked: they
    # call user code (``__eq__``, properties, ``__wrapped__``, ``repr``), whose imports are
    # checked as any other.
    outer = enter_own_imports()
    try:
        from importspy_hook._structure import check_members
    finally:
        leave_own_imports(outer)
    if section != "importers.require":
        return check_members(contract, section, namespace, subject)
    if importer is None:
        return check_members(contract, section, namespace, subject, None, "<no importing module>")
    return check_members(contract, section, namespace, subject, importer.name, importer.file, deferrable)


def check_readable(contract: "Plain") -> "list[Violation]":
    """Fail closed: a contract that could not be read at start-up refuses every import of its module.

    Activation stands such a contract in for a broken file whose module name it could still
    read, with the problem under ``unreadable`` (``_activation``).
    """
    problem: str | None = contract.get("unreadable")
    if problem is None:
        return []
    return [violation("contract.unreadable", problem, where(contract, ""))]


def report_after(
    name: str, origin: str | None, contracts: "Sequence[Plain]", registry: "Registry", module: "ModuleType"
) -> "list[Violation]":
    """The full ``check_after``: ``provides``, what the protected module must define once it ran.

    :returns: the violations that were only warned about.
    """
    found: list[tuple[Plain, list[Violation]]] = []
    for contract in contracts:
        violations = _check_members(contract, "provides", module.__dict__, name)
        if violations:
            found.append((contract, violations))
    if found:
        return _report(f"{name} does not provide what its contract requires", name, origin, None, found, registry)
    return []


def undecided(name: str, error: BaseException) -> "ContractViolation":
    """The violation for a protected import whose check failed with ``error`` instead of
    deciding: the import is refused (fail closed), under rule ``hook.error``."""
    from importspy_hook._errors import ContractViolation

    message = (
        f"importspy_hook could not decide whether {name} may be imported ({type(error).__name__}: {error}), "
        f"so the import is refused; if the error is not raised by code of yours that the check ran (a "
        f"value's __eq__, a property), report it to importspy_hook with this traceback"
    )
    return ContractViolation(
        f"{name} may not be imported: {message}",
        name=name,
        path=None,
        importer=None,
        violations=[violation("hook.error", message, "importspy_hook")],
    )


def violation_class(rule: str) -> "type[ContractViolation]":
    """The exception class for a rule id: the kind of its first violation decides."""
    # Imported here: only a violation needs the exception classes.
    from importspy_hook._errors import ContractViolation, ImporterViolation, RuntimeViolation, StructureViolation

    kinds: tuple[tuple[str, type[ContractViolation]], ...] = (
        ("contract.", ContractViolation),
        ("importers.allow", ImporterViolation),
        ("importers.deny", ImporterViolation),
        ("runtime.", RuntimeViolation),
    )
    for prefix, cls in kinds:
        if rule.startswith(prefix):
            return cls
    return StructureViolation


def _report(
    header: str,
    name: str,
    origin: str | None,
    importer: "Importer | None",
    found: "list[tuple[Plain, list[Violation]]]",
    registry: "Registry",
) -> "list[Violation]":
    raised: list[Violation] = []
    warned: list[Violation] = []
    for contract, violations in found:
        (warned if registry.mode(contract) == "warn" else raised).extend(violations)
    importer_name = importer.name if importer is not None else None
    # Before the warning, which a filter may turn into an exception: every violation is audited.
    sys.audit("importspy_hook.violation", name, importer_name, tuple(v.rule for v in raised + warned))
    if warned:
        # Imported here: warnings is already loaded in practice, but not needed on success;
        # _errors is loaded by the violations found.
        import warnings

        from importspy_hook._errors import ContractWarning

        text = f"{header}: " + "; ".join(v.message for v in warned)
        if importer is not None:
            warnings.warn_explicit(
                ContractWarning(text), ContractWarning, importer.file, importer.line, module=importer_name
            )
        else:
            warnings.warn(ContractWarning(text), stacklevel=2)
    if raised:
        cls = violation_class(raised[0].rule)
        text = f"{header}: " + "; ".join(v.message for v in raised)
        raise cls(text, name=name, path=origin, importer=importer_name, violations=raised)
    return warned
