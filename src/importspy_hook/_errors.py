"""Exceptions, warnings and the violation record.

Violations are ``ImportError`` subclasses so that callers' existing ``except ImportError``
clauses keep working; they are never ``ModuleNotFoundError``, which optional-dependency
guards catch and silently swallow. Contract problems are ``ValueError`` subclasses and are
never violations (the contract is wrong, not the import).
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable


class Violation:
    """One failed rule of a contract.

    :ivar rule: stable identifier of the rule, such as ``importers.allow`` or
        ``runtime.env.one_of`` (the README lists them all).
    :ivar message: what failed, what was expected, what was found and what to do.
    :ivar contract: ``"file:line"`` of the contract entry that failed.
    """

    __slots__ = ("rule", "message", "contract")

    rule: str
    message: str
    contract: str

    def __init__(self, rule: str, message: str, contract: str) -> None:
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "message", message)
        object.__setattr__(self, "contract", contract)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Violation is immutable; cannot set {name!r}")

    def __repr__(self) -> str:
        return f"Violation(rule={self.rule!r}, message={self.message!r}, contract={self.contract!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Violation):
            return NotImplemented
        return (self.rule, self.message, self.contract) == (other.rule, other.message, other.contract)

    def __hash__(self) -> int:
        return hash((self.rule, self.message, self.contract))

    def __reduce__(self) -> "tuple[type[Violation], tuple[str, str, str]]":
        return (Violation, (self.rule, self.message, self.contract))


class ContractViolation(ImportError):
    """An import broke a contract.

    :ivar name: the protected module.
    :ivar path: the protected module's file (``spec.origin``), or ``None``.
    :ivar importer: the importing module's name, or ``None`` when no Python frame imported it.
    :ivar violations: every failed rule, as :class:`Violation` records.
    """

    importer: str | None
    violations: "tuple[Violation, ...]"

    def __init__(
        self,
        message: str,
        *,
        name: str | None = None,
        path: str | None = None,
        importer: str | None = None,
        violations: "Iterable[Violation]" = (),
    ) -> None:
        super().__init__(message, name=name, path=path)
        self.importer = importer
        self.violations = tuple(violations)

    def __reduce__(self) -> tuple[object, ...]:
        # ImportError's own reduce drops keyword-only state such as ``importer``.
        kwargs = {
            "name": self.name,
            "path": self.path,
            "importer": self.importer,
            "violations": self.violations,
        }
        return (_rebuild_violation, (type(self), self.msg, kwargs))


def _rebuild_violation(cls: "type[ContractViolation]", message: str, kwargs: dict[str, object]) -> "ContractViolation":
    return cls(message, **kwargs)  # type: ignore[arg-type]


class ImporterViolation(ContractViolation):
    """The importer's name is not allowed (``importers.allow`` / ``importers.deny``)."""


class RuntimeViolation(ContractViolation):
    """The platform, interpreter, environment or installed packages do not fit ``runtime``."""


class StructureViolation(ContractViolation):
    """The importer lacks what ``importers.require`` asks, or the module what ``provides`` asks."""


class ContractError(ValueError):
    """A contract cannot be used: unreadable, not valid YAML, or not of the contract format.

    The message starts with ``file:line:col:`` (``file:`` alone where there is no position).
    For a contract given as a mapping (:meth:`Contract.from_dict`) each problem starts with
    its key path instead (``importers.alow: unknown key ...``), after ``file`` when given.

    :ivar file: the contract file or folder.
    :ivar line: 1-based line, or ``None``.
    :ivar column: 1-based column, or ``None``.
    :ivar problems: every ``(line, column, message)`` found in the file, in order.
    """

    file: str
    line: int | None
    column: int | None
    problems: tuple[tuple[int | None, int | None, str], ...]

    def __init__(
        self,
        file: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
        *,
        problems: "Iterable[tuple[int | None, int | None, str]]" = (),
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.problems = tuple(problems) or ((line, column, message),)
        text = "\n".join(_locate(file, ln, col) + msg for ln, col, msg in self.problems)
        super().__init__(text)

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_contract_error, (type(self), self.file, self.problems))


def _rebuild_contract_error(
    cls: "type[ContractError]", file: str, problems: tuple[tuple[int | None, int | None, str], ...]
) -> "ContractError":
    line, column, message = problems[0]
    return cls(file, message, line, column, problems=problems)


def _locate(file: str, line: int | None, column: int | None) -> str:
    if line is None:
        # A contract given as a mapping may have no place to name: its messages start with
        # their key path.
        return f"{file}: " if file else ""
    if column is None:
        return f"{file}:{line}: "
    return f"{file}:{line}:{column}: "


class ContractWarning(UserWarning):
    """A contract with ``on_violation: warn`` was broken, or the hook cannot guard a module."""


# Tracebacks, reprs and pickles name these as users import and catch them
# (``importspy_hook.ImporterViolation``); the package serves each name lazily.
for _public in (
    Violation,
    ContractViolation,
    ImporterViolation,
    RuntimeViolation,
    StructureViolation,
    ContractError,
    ContractWarning,
):
    _public.__module__ = "importspy_hook"
del _public
