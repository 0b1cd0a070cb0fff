"""Installing the finder: :func:`install`, :func:`uninstall`, :func:`self_check`.

:class:`ContractFinder` itself, with its fast test for unprotected names and what it does for a
protected name, is in the resident core (``_importspy_hook_guard``), the one module drop-in
activation imports at start-up. This module holds the public API, ``invalidate_caches``
(:func:`invalidate`) and the warnings about finders in front of ours.
"""

import os
import sys
from os import PathLike, fspath

import _importspy_hook_guard as core
from _importspy_hook_guard import ContractFinder, Registry, is_machinery, put_in_front
from _importspy_hook_guard import installed_finder as installed
from _importspy_hook_guard import remove_finder as remove

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ast
    from collections.abc import Iterable, Mapping
    from types import TracebackType
    from typing import Any

    from importspy_hook._reading.model import Contract
    from importspy_hook._reading.settings import Settings

    PathSpec = str | PathLike[str] | Iterable[str | PathLike[str]]
    ContractObject = Contract | Mapping[str, Any]


#: Set to ``error`` to make a finder in front of the guard that would load a protected module
#: an ImportError at the first import that sees it, instead of a ContractWarning.
FRONT_VARIABLE = "IMPORTSPY_HOOK_FINDER_IN_FRONT"


def front_seen(finder: "ContractFinder", first: object) -> None:
    """A finder was put in front of ours after install(): report it once, where it happens.

    Called by the finder at the first import it sees with another finder, ``first``, first on
    ``sys.meta_path`` (typeguard's, a plugin's). Reported only when that finder would load a
    protected module itself (or when pattern contracts make that unknowable): as a
    ContractWarning, or an ImportError under ``IMPORTSPY_HOOK_FINDER_IN_FRONT=error``.
    """
    meta_path = tuple(sys.meta_path)
    front = meta_path[: meta_path.index(finder)] if finder in meta_path else ()
    for other in front:
        if other is not first:
            if id(other) in finder._warned:
                continue
            finder._warned.add(id(other))
        claimed = _claimed_by(other, finder.registry)
        if not claimed and finder.registry.pattern is None:
            continue
        message = front_message(other, claimed)
        if os.environ.get(FRONT_VARIABLE, "").strip().lower() == "error":
            raise ImportError(f"{message} ({FRONT_VARIABLE}=error)")
        try:
            _warn_at(message, type(other))
        except Exception:  # a warnings filter that raises: find_spec must stay total
            pass


def _claimed_by(other: object, registry: Registry) -> list[str]:
    # The contracted exact names whose top-level package ``other`` would load itself.
    tops = sorted({name.partition(".")[0] for name in registry.exact} - set(sys.modules))
    find = getattr(other, "find_spec", None)
    claimed_tops = set()
    for top in tops:
        try:
            if find is not None and find(top, None, None) is not None:
                claimed_tops.add(top)
        except Exception:  # a foreign finder's failure is not ours to report
            pass
    return sorted(name for name in registry.exact if name.partition(".")[0] in claimed_tops)


def _warn_at(message: str, cls: type) -> None:
    # Attributed to the finder's own code, not to whichever unrelated import noticed it.
    import warnings

    from importspy_hook._errors import ContractWarning

    module = sys.modules.get(cls.__module__)
    file = getattr(module, "__file__", None) or f"<{cls.__module__}>"
    code = getattr(getattr(cls, "find_spec", None), "__code__", None)
    line = code.co_firstlineno if code is not None else 1
    warnings.warn_explicit(ContractWarning(message), ContractWarning, file, line, module=cls.__module__)


def invalidate(finder: "ContractFinder") -> None:
    """:meth:`ContractFinder.invalidate_caches`: forget distribution versions, and re-read
    the contracts when install() was given paths and any file changed."""
    from importspy_hook._snapshot import forget_distributions

    forget_distributions()
    if finder._source is not None:
        _reload(finder, finder._source)


def _reload(finder: "ContractFinder", settings: "Settings") -> None:
    # Imported here: install() with paths has imported the loading side already.
    from importspy_hook._errors import ContractError
    from importspy_hook._reading.settings import load_registry

    error: ContractError | None = None
    try:
        stamp: object = contracts_stamp(settings)
    except ContractError as exc:
        stamp, error = None, exc
    if stamp is not None and stamp == finder._stamp:
        return
    finder._stamp = stamp
    if error is None:
        try:
            registry = load_registry(settings, isolated=True)
        except ContractError as exc:
            error = exc
        else:
            finder.registry = registry
            return
    _warn(
        f"contracts were not reloaded, the previous ones stay in force: {error}; "
        f"fix the file, then call importlib.invalidate_caches() again",
        stacklevel=4,
    )


class Installation:
    """The handle :func:`install` returns: ``.uninstall()``, or use it as a context manager."""

    __slots__ = ("finder",)

    def __init__(self, finder: "ContractFinder") -> None:
        self.finder = finder

    @property
    def registry(self) -> Registry:
        return self.finder.registry

    def uninstall(self) -> None:
        """Remove the finder from ``sys.meta_path`` (no error if it is already gone), and turn
        strict mode off."""
        remove(self.finder)
        _strict_off()

    def __enter__(self) -> "Installation":
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: "TracebackType | None"
    ) -> None:
        self.uninstall()

    def __repr__(self) -> str:
        return f"<Installation of {self.finder!r}>"


def install(
    contracts: "PathSpec | Registry | ContractObject | Iterable[str | PathLike[str] | ContractObject] | None" = None,
    *,
    on_violation: str | None = None,
    ignore: "Iterable[str] | None" = None,
    entry_points: bool | None = None,
    strict: bool | None = None,
) -> "Installation":
    """Guard imports with contracts: put one :class:`ContractFinder` first on ``sys.meta_path``.

    Installing again replaces the contracts of the one finder (latest wins) and moves it back
    to the front; it never stacks a second finder.

    Without ``contracts``, each setting comes from the first of: this call's argument, the
    environment (``IMPORTSPY_HOOK_CONTRACTS``, ``IMPORTSPY_HOOK_ON_VIOLATION``,
    ``IMPORTSPY_HOOK_STRICT``),
    ``[tool.importspy-hook]`` in the nearest pyproject.toml, the default (``./contracts``).
    With ``contracts`` given, only this call's arguments count.

    :param contracts: a contract file or folder, a :class:`Contract`, a mapping in the
        contract format, a list of any of these, or a :class:`Registry`; ``None`` (the
        default) for the configured contracts.
    :param on_violation: ``"raise"`` or ``"warn"`` to override every contract's own setting.
    :param ignore: module names and ``fnmatch`` patterns that are never guarded.
    :param entry_points: also load the contracts installed distributions ship (entry point
        group ``importspy_hook.contracts``).
    :param strict: strict mode: check every import statement that reaches a protected module
        against its ``importers`` rules, not only the first import (``docs/strict.rst``).
    :returns: an :class:`Installation` with ``.uninstall()``, usable as a context manager.
    :raises ContractError: when a contract or the configuration cannot be read or is not valid
        (for a mapping, with the key path of each problem).
    """
    # Quoted: ``Settings`` is imported further down in this function (F823 otherwise).
    # What was imported before this call: modules the loading below imports are the hook's own.
    before = set(sys.modules)
    source: "Settings | None" = None  # noqa: UP037
    stamp: object = None
    objects: list[ContractObject] = []
    paths: list[str | PathLike[str]] | None = None
    if isinstance(contracts, (str, PathLike)):
        paths = [contracts]
    elif contracts is not None and not isinstance(contracts, Registry):
        # Contracts given as objects are kept apart from the paths, which are loaded below.
        # Any: mypy cannot narrow the union by _is_contract_object.
        named: Any = contracts
        given: list[Any] = [named] if _is_contract_object(named) else list(named)
        objects = [item for item in given if _is_contract_object(item)]
        paths = [item for item in given if not _is_contract_object(item)]
    if isinstance(contracts, Registry):
        registry = contracts
        if on_violation is not None or ignore is not None:
            registry = Registry(
                contracts.contracts,
                on_violation=on_violation or contracts.on_violation,
                ignore=contracts.ignore if ignore is None else ignore,
            )
    elif objects and not paths:
        registry = Registry(objects, on_violation=on_violation, ignore=ignore or ())
    else:
        # Imported here: settings and contract loading are needed once, at install time.
        from importspy_hook._reading.settings import Settings, load_registry, resolve

        if paths is None:
            settings = resolve(on_violation=on_violation, ignore=ignore, entry_points=entry_points, strict=strict)
        else:
            settings = Settings([fspath(p) for p in paths], on_violation, ignore or (), bool(entry_points))
            settings.strict = bool(strict)
        strict = settings.strict
        # Stamped before loading: a file changed during the load is read again later.
        stamp = contracts_stamp(settings)
        registry = load_registry(settings, isolated=True)
        if objects:
            # The objects are not in the settings, so a reload would drop them: none.
            registry = Registry([*registry.contracts, *objects], on_violation=on_violation, ignore=registry.ignore)
        else:
            source = settings
    # Warned before anything changes: under ``-W error`` the warning raises, and install()
    # must then leave sys.meta_path as it was.
    _warn_already_imported(registry, before, bool(strict))
    finder = put_in_front(registry)
    finder._source, finder._stamp = source, stamp
    if strict:
        from importspy_hook._import_wrapper import enable

        enable(finder)
    else:
        _strict_off()
    return Installation(finder)


def _strict_off() -> None:
    # Without importing the wrapper's module when strict mode was never on.
    core.strict_pending = False
    wrapper = sys.modules.get("importspy_hook._import_wrapper")
    if wrapper is not None:
        wrapper.disable()


def _is_contract_object(item: object) -> bool:
    # A Contract, or a mapping in the contract format; anything else given is a path. No
    # Contract exists unless its module was imported, and install() with paths must not
    # import attrs for nothing; ``_collections_abc`` is the module os already imported.
    from _collections_abc import Mapping

    home = sys.modules.get("importspy_hook._reading.model")
    return isinstance(item, Mapping) or (home is not None and isinstance(item, home.Contract))


def self_check() -> list[str]:
    """Report what could let a protected import bypass the hook, and warn about each.

    Checked: that the finder is installed; which finders sit in front of it on
    ``sys.meta_path`` (put there after :func:`install`); which protected modules such a finder
    would load itself (asked for each contracted top-level name not imported yet); and which
    protected modules were imported before the hook or without it.

    :returns: one sentence per problem; empty when the hook guards every contracted name.
    """
    finder = installed()
    if finder is None:
        problems = ["importspy_hook is not installed: no import is checked; call importspy_hook.install()"]
    else:
        problems = []
        front = list(sys.meta_path[: sys.meta_path.index(finder)])
        for other in front:
            problems.append(front_message(other, _claimed_by(other, finder.registry)))
        imported = _guardable_imported(finder.registry)
        if imported:
            problems.append(
                f"{', '.join(imported)} {'is' if len(imported) == 1 else 'are'} already imported; "
                f"only a first import (or a reload) is checked"
            )
    for problem in problems:
        _warn(problem, stacklevel=3)
    return problems


def front_message(finder: object, claimed: "list[str] | None" = None) -> str:
    loads = (
        f"it would load {', '.join(claimed)} itself, unchecked"
        if claimed
        else "the modules it loads are not checked against their contracts"
    )
    return (
        f"{finder!r} sits in front of importspy_hook's finder on sys.meta_path: {loads}; call "
        f"importspy_hook.install() after adding it, to put the guard back in front (with no "
        f"arguments it reads IMPORTSPY_HOOK_CONTRACTS, as drop-in activation does); set "
        f"{FRONT_VARIABLE}=error to make this an error"
    )


def contracts_stamp(settings: "Settings") -> tuple[tuple[str, int, int], ...]:
    """The contract files the settings name, with their modification time and size.

    Contracts shipped by installed distributions (entry points) are not stamped: they change
    with a package installation, which ``install()`` again picks up.
    """
    # Imported here: install() with paths has imported the loading side already.
    from _importspy_hook_guard import contract_files

    stamp = []
    for file in [*contract_files(settings.contracts), *settings.importspy_contracts]:
        try:
            info = os.stat(file)
        except OSError:  # removed since it was listed: the next load reports it
            stamp.append((file, -1, -1))
        else:
            stamp.append((file, info.st_mtime_ns, info.st_size))
    return tuple(stamp)


def _warn(message: str, stacklevel: int) -> None:
    # Imported here: warnings is loaded in practice, but not needed until there is a problem.
    import warnings

    from importspy_hook._errors import ContractWarning

    warnings.warn(ContractWarning(message), stacklevel=stacklevel)


def uninstall() -> None:
    """Remove every importspy_hook finder from ``sys.meta_path``, and turn strict mode off.

    Strict mode puts back the ``builtins.__import__`` (and ``importlib._bootstrap._gcd_import``) that
    was there before it; when another tool replaced it after strict mode was turned on, that
    tool's wrapper is left in place and strict mode's own, which it calls, stops checking.
    """
    for finder in [f for f in sys.meta_path if getattr(type(f), "_importspy_hook_finder", False)]:
        remove(finder)
    _strict_off()


#: True while drop-in activation installs the finder (``_activation.install_reporting``).
at_start_up = False
#: The hook's own modules: part of the import machinery, never guarded.
_OWN = frozenset({"importspy_hook", "_importspy_hook_guard", "_importspy_hook_start"})


def _reportable(name: str, registry: Registry) -> bool:
    # Whether a contracted module imported already is worth a word. A contract that names it
    # exactly is: it will never be enforced. A pattern (``*``, ``app.*``) also matches what no
    # hook can precede, which nobody can act on: the interpreter's own start-up (``sys``,
    # ``site``, the standard library it loads), what the lines of ``.pth`` files import
    # (setuptools' ``_distutils_hack``), ``__main__`` and the hook itself.
    top = name.partition(".")[0]
    if top in _OWN:
        return False
    if name in registry.exact:
        return True
    if at_start_up:
        return False
    stdlib: frozenset[str] = getattr(sys, "stdlib_module_names", frozenset())
    return (
        name != "__main__"
        and top not in stdlib
        and name not in sys.builtin_module_names
        and top not in _imported_by_pth_files()
    )


def _imported_by_pth_files() -> frozenset[str]:
    # The top-level modules the import lines of the site folders' .pth files name: site runs
    # them before any program, and before drop-in activation when the file sorts first. Read
    # only when a pattern matches a module imported before install(), and once: site ran them
    # at start-up, so they do not change for this process.
    global _pth_imports
    if _pth_imports is None:
        _pth_imports = _read_pth_imports()
    return _pth_imports


_pth_imports: "frozenset[str] | None" = None


def _read_pth_imports() -> frozenset[str]:
    site = sys.modules.get("site")
    if site is None:  # python -S: no .pth file ran
        return frozenset()
    folders = list(getattr(site, "getsitepackages", list)())
    if getattr(site, "ENABLE_USER_SITE", False):
        folders.append(site.getusersitepackages())
    import ast

    names: set[str] = set()
    for folder in folders:
        try:
            listed = sorted(n for n in os.listdir(folder) if n.endswith(".pth"))
        except OSError:
            continue
        for pth in listed:
            try:
                with open(os.path.join(folder, pth), encoding="utf-8", errors="replace") as stream:
                    lines = [line for line in stream if line.startswith(("import ", "import\t"))]
            except OSError:
                continue
            for line in lines:
                try:
                    tree = ast.parse(line)
                except SyntaxError:
                    continue
                for node in ast.walk(tree):
                    if isinstance(node, ast.Import):
                        names.update(alias.name.partition(".")[0] for alias in node.names)
                    elif _names_a_module(node):
                        names.add(node.args[0].value.partition(".")[0])  # type: ignore[attr-defined]
    return frozenset(names)


def _names_a_module(node: "ast.AST") -> bool:
    # ``__import__('x')`` or ``importlib.import_module('x')``, the call forms .pth lines use.
    import ast

    if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
        return False
    function = node.func
    called = function.id if isinstance(function, ast.Name) else getattr(function, "attr", None)
    return called in ("__import__", "import_module") and isinstance(node.args[0].value, str)


def _guardable_imported(registry: Registry) -> list[str]:
    # Imported modules the contracts cover and the finder would guard: not ``__main__``,
    # which is never imported, nor this package's own modules, which it never guards.
    return sorted(
        name for name in tuple(sys.modules) if registry.covers(name) and name != "__main__" and not is_machinery(name)
    )


def _warn_already_imported(registry: Registry, before: "set[str]", strict: bool) -> None:
    imported = [
        name
        for name in _guardable_imported(registry)
        if (name in before or name in registry.exact) and _reportable(name, registry)
    ]
    if imported:
        import warnings

        from importspy_hook._errors import ContractWarning

        were = "was" if len(imported) == 1 else "were"
        them = "it" if len(imported) == 1 else "them"
        if strict:
            # Strict mode checks the statements that reach them from now on, but their first
            # import (and its runtime rules) went unchecked.
            text = (
                f"{', '.join(imported)} {were} imported before importspy_hook was installed: that first "
                f"import and its runtime rules went unchecked, strict mode checks only the import "
                f"statements from now on; call importspy_hook.install() before importing {them}, or "
                f"activate the hook at start-up with IMPORTSPY_HOOK_CONTRACTS"
            )
        else:
            text = (
                f"{', '.join(imported)} {were} imported before importspy_hook was installed and cannot be "
                f"guarded; call importspy_hook.install() before importing {them}, or activate the hook at "
                f"start-up with IMPORTSPY_HOOK_CONTRACTS (what the interpreter or an earlier .pth file "
                f"imports before that cannot be guarded at all)"
            )
        warnings.warn(ContractWarning(text), stacklevel=3)
