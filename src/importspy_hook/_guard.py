"""What a protected import passes through: the loader proxy, the importer, the platform
snapshot and the rules, evaluated on the plain data of compiled contracts.

The one module the first protected import adds, so it holds the path of an import that passes
and no more (module costs: README, "Performance"). Rules are evaluated into rule ids; when one
fails, ``_loader`` words the violations (``_checks``) and raises or warns; it also checks
``importers.require`` and ``provides`` (``_structure``). The proxy forwards every attribute
but ``create_module`` and ``exec_module`` to the real loader, and hands the real loader back
to the module once the checks pass (as ``importlib.util.LazyLoader`` does).
"""

import os
import sys
from _thread import get_ident

# No ``from __future__ import annotations`` here: importing ``__future__`` would cost about
# 1.5 % of a bare start (README, "Performance"). Annotations of type-only names are quoted.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from importlib.machinery import ModuleSpec
    from types import CodeType, FrameType, ModuleType
    from typing import Any

    from ._errors import Violation
    from ._startup import ContractFinder, Registry

    Plain = Mapping[str, Any]


def guarded_spec(
    finder: "ContractFinder", fullname: str, path: "Sequence[str] | None", target: "ModuleType | None"
) -> "ModuleSpec | None":
    """The slow path of ``ContractFinder.find_spec``, for a name the registry covers: the real
    spec from the other finders, its loader wrapped in a checking proxy."""
    meta_path = sys.meta_path
    if not meta_path or meta_path[0] is not finder:
        from ._finder import warn_front

        warn_front(finder)
    spec: ModuleSpec | None = None
    # A snapshot: another thread may change sys.meta_path meanwhile. Finders are called
    # directly, never through importlib.util.find_spec, which would recurse into us and
    # import parent packages.
    for other in tuple(meta_path):
        if getattr(type(other), "_importspy_hook_finder", False):
            continue
        find = getattr(other, "find_spec", None)
        if find is not None:
            spec = find(fullname, path, target)
            if spec is not None:
                break
    if spec is None:
        return None
    loader = spec.loader
    # Namespace packages have no loader yet; built-in and frozen specs carry importlib's own
    # importer *class* (BuiltinImporter, FrozenImporter): there is no code to check before it runs.
    if (
        loader is None
        or spec.origin in ("built-in", "frozen")
        or (isinstance(loader, type) and loader.__module__ == "_frozen_importlib")
    ):
        return spec
    registry = finder.registry
    contracts = registry.contracts_for(fullname)
    if contracts:
        if hasattr(loader, "exec_module"):
            # Also a loader that is a class: the proxy wraps it without changing it.
            spec.loader = GuardedLoader(loader, contracts, registry, spec.origin)  # type: ignore[assignment]
        else:
            # Only the legacy load_module (PEP 302): the module's code would run with no
            # chance to check first, so the import fails closed (or warns, in warn mode).
            from ._loader import refuse_unchecked

            return refuse_unchecked(spec, contracts, registry)
    return spec


class GuardedLoader:
    """Wraps one load of one protected module; a new proxy is made for every load."""

    __slots__ = ("_real", "_contracts", "_registry", "_checked", "_origin")

    def __init__(
        self, real: "Any", contracts: "tuple[Plain, ...]", registry: "Registry", origin: str | None = None
    ) -> None:
        self._real = real
        self._origin = origin
        self._contracts = contracts
        self._registry = registry
        self._checked = False

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)

    def __repr__(self) -> str:
        return f"<GuardedLoader of {self._real!r}>"

    def create_module(self, spec: "ModuleSpec") -> "ModuleType | None":
        # Checked here, before the module object exists, for two reasons. An extension
        # module's code runs in create_module (single-phase init runs it all there). And a
        # refused import must leave nothing in sys.modules: a thread that finds the module
        # there while this import is running waits for it, then gets the object it found
        # even if the import failed (import.c ``import_ensure_initialized``), an empty shell
        # of the refused module. exec_module still checks when create_module was not called
        # (``importlib.reload``).
        _logged(check_before, spec.name, spec.origin, self._contracts, self._registry, find_importer(1))
        self._checked = True
        create = getattr(self._real, "create_module", None)
        return None if create is None else create(spec)

    def get_code(self, fullname: str) -> "CodeType | None":
        # runpy (``python -m``, ``runpy.run_module``) takes the code object from the loader and
        # runs it itself, never calling exec_module (runpy.py ``_get_module_details``): check
        # such a run like an import by runpy's caller (under ``python -m`` only runpy frames
        # are on the stack, so the importer is None). Other callers only look at the code.
        if sys._getframe(1).f_globals.get("__name__") == "runpy":
            _logged(check_before, fullname, self._origin, self._contracts, self._registry, find_importer(1), run=True)
        code: CodeType | None = self._real.get_code(fullname)
        return code

    def exec_module(self, module: "ModuleType") -> None:
        name = module.__name__
        spec = module.__spec__
        origin = spec.origin if spec is not None else getattr(module, "__file__", None)
        real = self._real
        # Handed back before the check: a reload that fails keeps the module in sys.modules
        # (importlib._bootstrap._exec does not remove it), and it must not keep the proxy.
        module.__loader__ = real
        if spec is not None:
            spec.loader = real
        if not self._checked:
            _logged(check_before, name, origin, self._contracts, self._registry, find_importer(1))
        real.exec_module(module)
        _logged(check_after, name, origin, self._contracts, self._registry, module)


def __tracebackhide__(excinfo: "Any") -> bool:
    # pytest hides a frame whose globals say so (a callable decides per exception): a
    # violation's report then ends at the importing line with the contract's message.
    from ._loader import is_violation

    return is_violation(excinfo)


def _logged(check: "Any", *args: "Any", **options: "Any") -> None:
    # Nobody can listen to a logger before ``logging`` is imported, and importing it costs
    # milliseconds: until some other code imports it, this is one dict lookup.
    if sys.modules.get("logging") is not None:
        from ._loader import debug_logger, logged

        if debug_logger() is not None:
            logged(check, *args, **options)
            return
    check(*args, **options)


def check_before(
    name: str,
    origin: str | None,
    contracts: "Sequence[Plain]",
    registry: "Registry",
    importer: "Importer | None",
    *,
    run: bool = False,
) -> "list[Violation]":
    """Importer name, then runtime, then importer structure; raise or warn on violation.

    :returns: the violations that were only warned about.
    """
    snap = snapshot()
    name_of_importer = importer.name if importer is not None else None
    required = False
    outer = enter_own_imports()
    try:
        for contract in contracts:
            if (
                "unreadable" in contract
                or importer_failure(contract, name_of_importer) is not None
                or not runtime_holds(contract, snap)
            ):
                break
            importers = contract["importers"]
            required = required or (importers is not None and importers["require"] is not None)
        else:
            if not required:
                return []
    finally:
        leave_own_imports(outer)
    from ._loader import check_required, report_before

    if required and check_required(contracts, importer):
        return []
    return report_before(name, origin, contracts, registry, importer, run=run)


def check_after(
    name: str, origin: str | None, contracts: "Sequence[Plain]", registry: "Registry", module: "ModuleType"
) -> "list[Violation]":
    """``provides``: what the protected module must define once it ran.

    :returns: the violations that were only warned about.
    """
    for contract in contracts:
        if contract["provides"] is not None:
            break
    else:
        return []
    from ._loader import report_after

    return report_after(name, origin, contracts, registry, module)


# The rules, as rule ids. ``_checks`` words the violations from the same functions.


def importer_failure(contract: "Plain", name: str | None) -> "tuple[str, str | None] | None":
    """``("importers.deny", pattern)``, ``("importers.allow", None)``, or ``None`` when the
    importer named ``name`` (``None``: no module) may import under ``contract``; deny wins."""
    importers: Plain | None = contract["importers"]
    if importers is None:
        return None
    if name is not None:
        for pattern in importers["deny"]:
            if name_matches(name, pattern):
                return ("importers.deny", pattern)
    allow: Sequence[str] | None = importers["allow"]
    if allow is not None and (name is None or not any(name_matches(name, p) for p in allow)):
        return ("importers.allow", None)
    return None


def name_matches(name: str, pattern: str) -> bool:
    """``fnmatch.fnmatchcase``; patterns without ``?`` and ``[...]`` are matched here, since
    ``fnmatch`` pulls in ``re`` (with enum, functools, collections: about 10 ms at start-up)."""
    if "?" in pattern or "[" in pattern:
        from fnmatch import fnmatchcase

        return fnmatchcase(name, pattern)
    if "*" not in pattern:
        return name == pattern
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


def runtime_holds(contract: "Plain", snap: "Snapshot") -> bool:
    """Whether ``runtime`` holds: no alternatives, or one without a failure."""
    alternatives: Sequence[Plain] = contract["runtime"]
    for rule in alternatives:
        if not runtime_failures(rule, snap):
            return True
    return not alternatives


def runtime_failures(rule: "Plain", snap: "Snapshot") -> "list[tuple[str, str]]":
    """``(rule id, key)`` of each part of one runtime alternative that fails: ``key`` is the
    variable or distribution name for ``env`` and ``packages``, else the field's name."""
    found: list[tuple[str, str]] = []
    python: Plain | None = rule["python"]
    if python is not None and not python_matches(python["clauses"], snap.python_key, snap.python):
        found.append(("runtime.python", "python"))
    for key, actual in (("implementation", snap.implementation), ("os", snap.os), ("arch", snap.arch)):
        allowed: Sequence[str] | None = rule[key]
        if allowed is not None and actual not in allowed:
            found.append((f"runtime.{key}", key))
    env: Mapping[str, Plain] = rule["env"]
    if env:
        environ = os.environ
        for name, env_rule in env.items():
            failed = env_failure(env_rule, environ.get(name))
            if failed is not None:
                found.append((f"runtime.env.{failed}", name))
    packages: Mapping[str, Plain] = rule["packages"]
    if packages:
        # Imported here: only contracts with a ``packages`` rule need it (and packaging).
        from ._checks import package_failure

        for name, package_rule in packages.items():
            failed = package_failure(package_rule, snap.distribution_version(name))
            if failed is not None:
                found.append((f"runtime.packages.{failed}", name))
    return found


def env_failure(rule: "Plain", value: str | None) -> str | None:
    """The part of an ``env`` rule that ``value`` (``None``: unset) fails: ``absent``,
    ``required``, ``equals``, ``one_of`` or ``matches``; ``None`` when it holds."""
    if rule["absent"]:
        return None if value is None else "absent"
    if value is None:
        return "required" if rule["required"] else None
    equals: str | None = rule["equals"]
    if equals is not None and value != equals:
        return "equals"
    one_of: Sequence[str] | None = rule["one_of"]
    if one_of is not None and value not in one_of:
        return "one_of"
    matches: str | None = rule["matches"]
    if matches is not None:
        # Imported here, like ``re`` by it: only contracts with a ``matches`` rule need it.
        from ._checks import full_match

        if not full_match(matches, value):
            return "matches"
    return None


# ``runtime.python``: contracts are compiled when loaded, ``packaging`` parsing the specifier
# into clauses of plain data ``{"operator", "release", "pre", "wildcard", "text"}``, so that
# checking needs no import. Interpreter versions are release versions with an optional
# pre-release and never carry epochs, post, dev or local segments: for them this subset of
# PEP 440 is exact (the test suite compares it with ``packaging`` over a grid). Pre-releases
# of the interpreter are admitted when the arithmetic holds: ``>=3.10`` means a 3.14 rc too.

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


# Finding the importer: the first frame, walking outwards from the loader, whose module is
# not part of the import machinery. A ``sys._getframe`` walk costs about 2 us;
# ``inspect.stack()`` costs about 200 us and imports ``inspect`` (15 ms).

# Top-level packages whose frames are never the importer. ``_frozen_importlib`` runs with
# ``__name__ == "importlib._bootstrap"``; the two backports stand in for importlib on old
# interpreters (entry-point loading imports plugins from inside importlib.metadata).
MACHINERY: frozenset[str] = frozenset(
    {
        "importlib",
        "importlib_metadata",
        "importlib_resources",
        "pkgutil",
        "runpy",
        "importspy_hook",
        "_frozen_importlib",
        "_frozen_importlib_external",
    }
)


class Importer:
    """The module that triggered a protected import, as it is at that moment.

    :ivar name: the importer's ``__name__`` (``None`` if its globals have none).
    :ivar file: the code's file name (``co_filename``).
    :ivar line: the line being executed.
    :ivar namespace: the importer's live globals: what it has defined so far.
    """

    __slots__ = ("name", "file", "line", "namespace")

    def __init__(self, name: str | None, file: str, line: int, namespace: "Mapping[str, object]") -> None:
        self.name = name
        self.file = file
        self.line = line
        self.namespace = namespace

    def describe(self) -> str:
        return f"{self.name or '<unnamed code>'} ({self.file}:{self.line})"

    def __repr__(self) -> str:
        return f"Importer(name={self.name!r}, file={self.file!r}, line={self.line!r})"


def is_machinery(name: object) -> bool:
    return isinstance(name, str) and name.partition(".")[0] in MACHINERY


def find_importer(depth: int = 1) -> "Importer | None":
    """The first frame outside the import machinery, ``depth`` frames above the caller."""
    frame: FrameType | None
    try:
        frame = sys._getframe(depth + 1)
    except ValueError:  # the stack is shallower than ``depth``
        return None
    while frame is not None:
        namespace = frame.f_globals
        name = namespace.get("__name__")
        if not is_machinery(name):
            return Importer(
                name if isinstance(name, str) else None, frame.f_code.co_filename, frame.f_lineno or 0, namespace
            )
        frame = frame.f_back
    return None


# The platform snapshot: static facts (OS, architecture, Python) are read once per process;
# environment variables live at each check, since a process may set them after start-up;
# distribution versions on first need, kept until ``importlib.invalidate_caches()``. It never
# imports ``platform`` (which pulls in ``re``, ``subprocess`` and more).

_RELEASE_LEVELS = {"alpha": ("a", 0), "beta": ("b", 1), "candidate": ("rc", 2), "final": ("", 3)}
# This host's spellings that differ from the canonical names (``_snapshot`` has them all).
_HOST_ARCH = {"amd64": "x86_64", "x64": "x86_64", "x86-64": "x86_64", "aarch64": "arm64", "armv7": "armv7l"}
_HOST_ARCH.update(dict.fromkeys(("i386", "i486", "i586", "i686"), "x86"))
_HOST_OS = {"win32": "windows", "macos": "darwin", "osx": "darwin", "solaris": "sunos"}


class Snapshot:
    """The facts about this process that ``runtime`` rules are checked against.

    :ivar os: canonical OS name (``linux``, ``darwin``, ``windows``, ...).
    :ivar arch: canonical CPU architecture (``x86_64``, ``arm64``, ...).
    :ivar machine: the architecture exactly as the host reports it.
    :ivar python: the interpreter version as PEP 440 text, such as ``3.11.7`` or ``3.13.0rc1``.
    :ivar python_key: the version as a comparable tuple ``(major, minor, micro, rank, serial)``.
    :ivar implementation: ``cpython``, ``pypy``, ...
    """

    __slots__ = ("os", "arch", "machine", "python", "python_key", "implementation")

    os: str
    arch: str
    machine: str
    python: str
    python_key: tuple[int, int, int, int, int]
    implementation: str

    def __init__(self) -> None:
        vi = sys.version_info
        suffix, rank = _RELEASE_LEVELS.get(vi.releaselevel, ("", 3))
        python = f"{vi.major}.{vi.minor}.{vi.micro}"
        if suffix:
            python += f"{suffix}{vi.serial}"
        try:
            machine = os.uname().machine
        except AttributeError:  # Windows has no uname; this is what platform.machine() reads there.
            machine = os.environ.get("PROCESSOR_ARCHITEW6432") or os.environ.get("PROCESSOR_ARCHITECTURE", "")
        set_ = object.__setattr__
        set_(self, "os", host_os(sys.platform))
        set_(self, "machine", machine)
        set_(self, "arch", _HOST_ARCH.get(machine.lower(), machine.lower()))
        set_(self, "python", python)
        set_(self, "python_key", (vi.major, vi.minor, vi.micro, rank, vi.serial if suffix else 0))
        set_(self, "implementation", sys.implementation.name)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Snapshot is immutable")

    @property
    def environ(self) -> "Mapping[str, str]":
        """The live process environment (read at each check, never copied)."""
        return os.environ

    def distribution_version(self, name: str) -> str | None:
        """Installed version of distribution ``name``, or ``None`` when it is not installed."""
        from ._snapshot import distribution_version

        return distribution_version(name)

    def as_dict(self) -> dict[str, object]:
        """The static facts as a plain dictionary (no environment values)."""
        return {
            "os": self.os,
            "arch": self.arch,
            "machine": self.machine,
            "python": self.python,
            "implementation": self.implementation,
        }

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items())
        return f"Snapshot({fields})"


def host_os(platform: str) -> str:
    """Canonical OS name for a ``sys.platform`` value (``linux``, ``win32``, ``freebsd14`` ...)."""
    if platform.startswith("linux"):
        return "linux"
    # The whole value first: "win32" is Windows, not a version 32 of "win".
    name = _HOST_OS.get(platform) or platform.rstrip("0123456789")
    return _HOST_OS.get(name, name)


_snapshot: "Snapshot | None" = None


def snapshot() -> "Snapshot":
    """The platform snapshot of this process, built on first use and then reused."""
    global _snapshot
    if _snapshot is None:
        _snapshot = Snapshot()
    return _snapshot


# The threads running a check now: a set of thread idents rather than a threading.local
# subclass, which costs 40 us to create at the first protected import.
_checking: set[int] = set()


def hook_is_importing() -> bool:
    """Whether this thread is running a check, so that any import now is the hook's own.

    A check may import what it needs on first use (``fnmatch``, ``re``, ``packaging``, and
    ``importlib.metadata`` with ``zipfile``, ``csv``, ``email``, ...). Those imports belong to
    the hook, like the import machinery's, and are not checked (the finder returns ``None``
    for them): otherwise a contract on one of them, or a ``"*"`` pattern, would be checked
    from inside its own check and recurse.
    """
    return get_ident() in _checking


def enter_own_imports() -> bool:
    """Mark this thread as running a check; returns the previous mark for :func:`leave_own_imports`."""
    ident = get_ident()
    outer = ident in _checking
    _checking.add(ident)
    return outer


def leave_own_imports(outer: bool) -> None:
    if not outer:
        _checking.discard(get_ident())


# Shown as importspy_hook.Snapshot, where users find it.
Snapshot.__module__ = "importspy_hook"
