"""The ``sys.meta_path`` finder, and installing it.

``find_spec`` runs for every import in the process while the global import lock is held
(``_bootstrap._find_spec``), so for a name without a contract it returns ``None`` after the
registry's fast test and nothing else. It never raises: an exception from a finder aborts the
import with no later finder tried, so any failure here must become "not mine".
"""

from __future__ import annotations

import sys
from os import PathLike, fspath

from ._registry import Registry

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType, TracebackType

    PathSpec = str | PathLike[str] | Iterable[str | PathLike[str]]


class ContractFinder:
    """Finds the real spec of a protected module and wraps its loader in a checking proxy."""

    __slots__ = ("registry",)

    # Marks our finder across copies of this module (a re-imported package, a .pth and a
    # src checkout), so that installing never stacks a second finder.
    _importspy_hook_finder = True

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def __repr__(self) -> str:
        return f"<ContractFinder over {len(self.registry)} contracts>"

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        registry = self.registry
        if fullname not in registry.exact and not fullname.startswith(registry.prefixes):
            pattern = registry.pattern
            if pattern is None or pattern(fullname) is None:
                return None
        try:
            return self._guarded_spec(registry, fullname, path, target)
        except Exception:
            # A later finder's error will surface when the import system asks it directly.
            return None

    def _guarded_spec(
        self, registry: Registry, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> ModuleSpec | None:
        spec: ModuleSpec | None = None
        # A snapshot: another thread may change sys.meta_path meanwhile. Finders are called
        # directly, never through importlib.util.find_spec, which would recurse into us and
        # import parent packages.
        for finder in tuple(sys.meta_path):
            if getattr(type(finder), "_importspy_hook_finder", False):
                continue
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                break
        if spec is None:
            return None
        loader = spec.loader
        # Namespace packages have no loader yet; built-in and frozen specs carry the
        # importer *class*, which is shared process-wide and must never be wrapped.
        if (
            loader is None
            or isinstance(loader, type)
            or spec.origin in ("built-in", "frozen")
            or not hasattr(loader, "exec_module")
        ):
            return spec
        contracts = registry.contracts_for(fullname)
        if contracts:
            # Imported here: the checks (and ``types``) are loaded at the first protected
            # import, not at start-up, where activation pays for every module it imports.
            from ._loader import GuardedLoader

            spec.loader = GuardedLoader(loader, contracts, registry)  # type: ignore[assignment]
        return spec

    def invalidate_caches(self) -> None:
        """Forget cached distribution versions (``importlib.invalidate_caches()`` calls this)."""
        # Imported here, like ``_errors`` below: activation imports this module at start-up,
        # where every module imported costs (docs/performance.rst).
        from ._snapshot import forget_distributions

        forget_distributions()


class Installation:
    """The handle :func:`install` returns: ``.uninstall()``, or use it as a context manager."""

    __slots__ = ("finder",)

    def __init__(self, finder: ContractFinder) -> None:
        self.finder = finder

    @property
    def registry(self) -> Registry:
        return self.finder.registry

    def uninstall(self) -> None:
        """Remove the finder from ``sys.meta_path`` (no error if it is already gone)."""
        _remove(self.finder)

    def __enter__(self) -> Installation:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.uninstall()

    def __repr__(self) -> str:
        return f"<Installation of {self.finder!r}>"


def _installed() -> ContractFinder | None:
    for finder in sys.meta_path:
        if getattr(type(finder), "_importspy_hook_finder", False):
            return finder  # type: ignore[return-value]
    return None


def _remove(finder: object) -> None:
    try:
        sys.meta_path.remove(finder)  # type: ignore[arg-type]
    except ValueError:
        pass


def install(
    contracts: PathSpec | Registry | None = None,
    *,
    on_violation: str | None = None,
    ignore: Iterable[str] | None = None,
    entry_points: bool | None = None,
) -> Installation:
    """Guard imports with contracts: put one :class:`ContractFinder` first on ``sys.meta_path``.

    Installing again replaces the contracts of the one finder (latest wins) and moves it back
    to the front; it never stacks a second finder.

    Without ``contracts``, each setting comes from the first of: this call's argument, the
    environment (``IMPORTSPY_HOOK_CONTRACTS``, ``IMPORTSPY_HOOK_ON_VIOLATION``),
    ``[tool.importspy-hook]`` in the nearest pyproject.toml, the default (``./contracts``).
    With ``contracts`` given, only this call's arguments count.

    :param contracts: a contract file or folder, a list of them, or a :class:`Registry`;
        ``None`` (the default) for the configured contracts.
    :param on_violation: ``"raise"`` or ``"warn"`` to override every contract's own setting.
    :param ignore: module names and ``fnmatch`` patterns that are never guarded.
    :param entry_points: also load the contracts installed distributions ship (entry point
        group ``importspy_hook.contracts``).
    :returns: an :class:`Installation` with ``.uninstall()``, usable as a context manager.
    :raises ContractError: when a contract or the configuration cannot be read or is not valid.
    """
    if isinstance(contracts, Registry):
        registry = contracts
        if on_violation is not None or ignore is not None:
            registry = Registry(
                contracts.contracts,
                on_violation=on_violation or contracts.on_violation,
                ignore=contracts.ignore if ignore is None else ignore,
            )
    else:
        # Imported here: settings and contract loading are needed once, at install time.
        from ._config import Settings, load_registry, resolve

        if contracts is None:
            settings = resolve(on_violation=on_violation, ignore=ignore, entry_points=entry_points)
        else:
            paths = [contracts] if isinstance(contracts, (str, PathLike)) else list(contracts)
            settings = Settings([fspath(p) for p in paths], on_violation, ignore or (), bool(entry_points))
        registry = load_registry(settings)
    # Warned before anything changes: under ``-W error`` the warning raises, and install()
    # must then leave sys.meta_path as it was.
    _warn_already_imported(registry)
    finder = _installed()
    if finder is None:
        finder = ContractFinder(registry)
    else:
        finder.registry = registry
        _remove(finder)
    sys.meta_path.insert(0, finder)
    return Installation(finder)


def uninstall() -> None:
    """Remove every importspy_hook finder from ``sys.meta_path``."""
    for finder in [f for f in sys.meta_path if getattr(type(f), "_importspy_hook_finder", False)]:
        _remove(finder)


def _warn_already_imported(registry: Registry) -> None:
    imported = sorted(name for name in tuple(sys.modules) if registry.covers(name))
    if imported:
        import warnings

        from ._errors import ContractWarning

        warnings.warn(
            ContractWarning(
                f"{', '.join(imported)} {'was' if len(imported) == 1 else 'were'} imported before "
                f"importspy_hook was installed and cannot be guarded; install the hook earlier "
                f"(at start-up, or with the IMPORTSPY_HOOK_CONTRACTS variable)"
            ),
            stacklevel=3,
        )
