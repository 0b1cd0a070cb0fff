"""Strict mode: the wrappers of ``builtins.__import__`` and of what ``importlib.import_module``
calls, and the decision of each (importer, module) edge (docs/strict.rst)."""

# CPython asks ``sys.meta_path`` finders only when a module is not in ``sys.modules`` yet
# (``import_get_module`` in ``Python/import.c`` returns a cached module before any finder or
# the ``import`` audit event), so the finder alone checks the first importer of a protected
# module. Strict mode also sees every later import statement: the statement's ``__import__``
# call is wrapped, and each protected module it reaches that is already imported is checked
# against its contract's ``importers`` rules (allow, deny, require; runtime rules were checked
# at the first import and are not evaluated again). A module not imported yet is left to the
# finder, which checks the first import as always and records the edge here: a first import
# is decided once.
#
# Two caches keep the wrapper cheap: which protected modules a statement reaches (keyed by
# the statement: the name, and for ``from`` and relative imports the fromlist, level and
# package), empty for almost every statement; and the edges decided: an edge that passed, or
# that was warned about once, costs one dict look-up from then on. A refused edge is checked
# (and refused) again at each statement, with the line that ran it.
#
# Each wrapper is put in place once and never stacked: ``disable()`` puts the original back
# when the wrapper is still the one in place, and otherwise (another tool wrapped
# ``__import__`` after us and holds ours as its original) leaves it there, passing calls on,
# so that the other tool's chain keeps working.
#
# Comments rather than a long docstring, and type comments rather than annotations: drop-in
# activation imports this module at the first protected import, where its size is unmarshalled
# and each annotation would be built when its function is defined (the core's header says
# what that costs).

import builtins
import sys

# What strict mode needs of the resident core: the importer found from the frames, the
# importers rule of a contract, the test for the import machinery's own frames, and the
# marks of the hook's own imports. The wording side (``_failure``) is imported on a
# violation or for a contract with ``importers.require``.
import _importspy_hook_guard as core
from _importspy_hook_guard import (
    enter_own_imports,
    find_importer,
    importer_failure,
    in_own_imports,
    is_machinery,
    leave_own_imports,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    # The noqa: some of these names appear only in type comments, which ruff does not read
    # (mypy does).
    from collections.abc import Callable, Mapping, Sequence  # noqa: F401
    from types import FrameType, ModuleType  # noqa: F401
    from typing import Any

    from _importspy_hook_guard import ContractFinder, Failed, ImporterFacts, Registry  # noqa: F401

    Plain = Mapping[str, Any]
    Edge = tuple[str | None, str]
    ImportFunction = Callable[..., ModuleType]

# The finder whose registry strict mode checks against; None while strict mode is off.
_finder = None  # type: ContractFinder | None
# The registry the two caches were filled for: a new one (install() again, a reload by
# importlib.invalidate_caches()) empties them.
_registry = None  # type: Registry | None
# Statement key -> the protected modules the statement reaches, absolute names in import order.
_reached = {}  # type: dict[object, tuple[str, ...]]
# (importer name, module) -> True: the edge passed, or was warned about once. The core's
# proxy loader records the first imports it let through here (``strict_edges``).
_edges = {}  # type: dict[Edge, bool]

# importlib.import_module, whoever holds a reference to it (``from importlib import
# import_module`` in importlib.metadata, pkgutil, pytest, ...), calls the module attribute
# ``importlib._bootstrap._gcd_import`` at each call, and so does ``importlib.__import__``
# (Lib/importlib/__init__.py, _bootstrap.py): that attribute is wrapped, not import_module.
# ``_frozen_importlib`` is ``importlib._bootstrap``, loaded in every interpreter.
_bootstrap = sys.modules["_frozen_importlib"]  # type: Any

# What was there before the wrappers went in: kept once captured, so that a reference to a
# wrapper taken meanwhile (another tool's wrapper over ours) passes the call on after strict
# mode is off.
_original_import = None  # type: ImportFunction | None
_original_gcd_import = None  # type: ImportFunction | None
# Whether each wrapper is in place: in builtins (_bootstrap), or under a wrapper another tool
# put there after it, which still calls it.
_import_in_place = False
_gcd_import_in_place = False


def enable(finder):  # type: (ContractFinder) -> None
    """Check every import statement against ``finder``'s contracts (idempotent)."""
    global _finder, _original_import, _import_in_place, _original_gcd_import, _gcd_import_in_place
    _forget(finder.registry)
    _finder = finder
    core.strict_edges = _edges
    if not _import_in_place:
        _original_import = builtins.__import__
        builtins.__import__ = _import
        _import_in_place = True
    if not _gcd_import_in_place:
        _original_gcd_import = _bootstrap._gcd_import
        _bootstrap._gcd_import = _gcd_import
        _gcd_import_in_place = True


def disable():  # type: () -> None
    """Stop checking import statements; put back the functions strict mode replaced where
    nobody replaced them since (otherwise its wrappers stay, passing every call on)."""
    global _finder, _import_in_place, _gcd_import_in_place
    _finder = None
    core.strict_edges = None
    _forget(None)
    if _import_in_place and builtins.__import__ is _import:
        builtins.__import__ = _original_import  # type: ignore[assignment]
        _import_in_place = False
    if _gcd_import_in_place and _bootstrap._gcd_import is _gcd_import:
        _bootstrap._gcd_import = _original_gcd_import
        _gcd_import_in_place = False


def enabled():  # type: () -> bool
    """Whether strict mode is on in this process."""
    return _finder is not None


def _forget(registry):  # type: (Registry | None) -> None
    # Cleared in place: the core holds ``_edges`` itself.
    global _registry, _tops, _top_prefixes
    _registry = registry
    _reached.clear()
    _edges.clear()
    _tops, _top_prefixes = None, ()
    if registry is not None and registry.pattern is None:
        # Every module a statement reaches shares the statement's top-level package: with
        # exact names and ``prefix*`` patterns only, a statement whose top-level name no
        # contract can match reaches nothing, told by one set test.
        tops = {name.partition(".")[0] for name in registry.exact}
        starts = []
        for prefix in registry.prefixes:
            if "." in prefix:
                tops.add(prefix.partition(".")[0])
            else:
                starts.append(prefix)
        _tops, _top_prefixes = frozenset(tops), tuple(starts)


# The top-level names the registry's contracts can match (None: a pattern may match any), and
# the ``prefix*`` patterns without a dot, which match top-level names by their start.
_tops = None  # type: frozenset[str] | None
_top_prefixes = ()  # type: tuple[str, ...]


# -- The wrappers --------------------------------------------------------------------------


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    # type: (str, Mapping[str, object] | None, object, Sequence[str] | None, int) -> ModuleType
    # builtins.__import__, called by every import statement (IMPORT_NAME). The fast path: one
    # dict look-up of the statement's key, an empty tuple for a statement that reaches no
    # protected module. IMPORT_NAME passes the fromlist as a tuple (or None).
    finder = _finder
    if finder is not None:
        if finder.registry is not _registry:
            _forget(finder.registry)
        if level:
            reached = _reached_relative(name, globals, fromlist, level)  # type: tuple[str, ...] | None
        else:
            if fromlist:
                items = fromlist if type(fromlist) is tuple else tuple(fromlist)  # type: tuple[str, ...]
                key = (name, items)  # type: object
            else:
                items, key = (), name
            reached = _reached.get(key)
            if reached is None:
                reached = _reach(key, name, items, 0)
        if reached:
            return _guarded(reached, name, globals, locals, fromlist, level)
    return _original_import(name, globals, locals, fromlist, level)  # type: ignore[misc]


def _gcd_import(name, package=None, level=0):  # type: (str, str | None, int) -> ModuleType
    # importlib.import_module (and importlib.__import__): the importer is its caller, found
    # by the core's frame walk, which skips importlib and this package as for a first import.
    finder = _finder
    if finder is not None and type(name) is str:
        if finder.registry is not _registry:
            _forget(finder.registry)
        key = (name, package, level) if level else name
        reached = _reached.get(key)
        if reached is None:
            reached = _reach(key, name, (), level, package)
        if reached:
            importer = find_importer(1, reached[-1])
            modules = sys.modules
            absent = [m for m in reached if m not in modules]
            for module in reached:
                if module in modules:
                    _check_edge(importer, module)
            found = _original_gcd_import(name, package, level)  # type: ignore[misc]
            for module in absent:
                if module in modules:
                    _check_edge(importer, module)
            return found
    return _original_gcd_import(name, package, level)  # type: ignore[misc]


def _reached_relative(name, globals, fromlist, level):
    # type: (str, Mapping[str, object] | None, Sequence[str] | None, int) -> tuple[str, ...]
    # What a relative import reaches: keyed by the importer's package too.
    package = globals.get("__package__") if type(globals) is dict else None
    if type(package) is not str:
        package = _package_of(globals)
        if package is None:
            return ()  # the import system raises its own error
    items = tuple(fromlist) if fromlist else ()
    key = (name, items, level, package)
    reached = _reached.get(key)
    if reached is None:
        reached = _reach(key, name, items, level, package)
    return reached


def _reach(key, name, items, level, package=None):
    # type: (object, str, tuple[str, ...], int, str | None) -> tuple[str, ...]
    # Computes (and caches under ``key`` unless None) what a statement reaches. Any problem
    # (a relative import beyond the top level, a name that is no string) is the import
    # system's to report: the statement reaches nothing then. Runs once per statement key:
    # about a thousand times while the stdlib imports 200 modules, so the registry's name
    # test is inlined (the finder's own: one dict test, one str.startswith, the pattern).
    registry = _registry
    if registry is None:
        return ()
    reached = ()  # type: tuple[str, ...]
    star = "*" in items
    try:
        base = _absolute(name, package, level)
        tops = _tops
        if base is not None and tops is not None:
            top = base.partition(".")[0]
            if top not in tops and not top.startswith(_top_prefixes):
                base = None
        if base is not None and star:
            # ``from a import *`` binds the submodules in a.__all__: not cached, since the
            # module may not be imported yet (then the finder checks each submodule it imports).
            listed = getattr(sys.modules.get(base), "__all__", None)
            items = tuple(n for n in listed if isinstance(n, str)) if isinstance(listed, (list, tuple)) else ()
        if base is not None:
            exact, prefixes, pattern = registry.exact, registry.prefixes, registry.pattern
            names = [base]
            end = base.find(".")
            while end > 0:
                names.insert(-1, base[:end])
                end = base.find(".", end + 1)
            for item in items:
                names.append(f"{base}.{item}")
            for each in names:
                if (each in exact or each.startswith(prefixes) or (pattern is not None and pattern(each))) and (
                    registry.covers(each) and not _own(each)
                ):
                    reached += (each,)
    except Exception:
        reached = ()
    if not star:
        _reached[key] = reached
    return reached


def _own(name):  # type: (str) -> bool
    # The hook's own modules are part of the import machinery: never guarded (as in the finder).
    return name in ("importspy_hook", "_importspy_hook_guard") or name.startswith("importspy_hook.")


def _absolute(name, package, level):  # type: (str, str | None, int) -> str | None
    # importlib._bootstrap._resolve_name, without its errors.
    if not level:
        return name or None
    if not package:
        return None
    bits = package.rsplit(".", level - 1)
    if len(bits) < level:
        return None
    return f"{bits[0]}.{name}" if name else bits[0]


def _package_of(globals):  # type: (Mapping[str, object] | None) -> str | None
    # importlib._bootstrap._calc___package__, without its warnings.
    if globals is None:
        return None
    package = globals.get("__package__")
    if isinstance(package, str):
        return package
    spec = globals.get("__spec__")
    parent = getattr(spec, "parent", None)
    if isinstance(parent, str):
        return parent
    name = globals.get("__name__")
    if not isinstance(name, str):
        return None
    return name if "__path__" in globals else name.rpartition(".")[0]


def _guarded(reached, name, globals, locals, fromlist, level):
    # type: (tuple[str, ...], str, Mapping[str, object] | None, object, Sequence[str] | None, int) -> ModuleType
    # A statement that reaches protected modules. Those already imported are checked before
    # the statement imports anything; those it imports are checked by the finder at their
    # first import (recorded in ``_edges``), and again here only if a nested import
    # statement of another importer loaded them meanwhile.
    importer = globals.get("__name__") if type(globals) is dict else _caller_name()
    if type(importer) is not str:
        importer = None  # code run with globals of its own making (exec): no module
    modules = sys.modules
    edges = _edges
    absent = ()  # type: tuple[str, ...]
    for module in reached:
        if module not in modules:
            absent += (module,)
        elif (importer, module) not in edges:
            _check_statement(importer, module, globals)
    found = _original_import(name, globals, locals, fromlist, level)  # type: ignore[misc]
    for module in absent:
        if module in modules and (importer, module) not in edges:
            _check_statement(importer, module, globals)
    return found


def _caller_name():  # type: () -> str | None
    # An explicit ``__import__(name)`` without globals: the calling frame's module.
    frame = sys._getframe(3)  # _caller_name <- _guarded <- _import <- the caller
    name = frame.f_globals.get("__name__")
    return name if isinstance(name, str) else None


# -- The decision of one edge ------------------------------------------------------------


def _check_statement(name, module, globals):  # type: (str | None, str, Mapping[str, object] | None) -> None
    # The importer of an import statement: the frame that runs it (the one whose globals it
    # passed, below any wrapper another tool put over ours), or when that is the import
    # machinery's, the first frame outside it, as for a first import.
    if in_own_imports() or (name is not None and _own(name)):
        return  # an import made by a check, or by the hook's own code
    importer = None  # type: ImporterFacts | None
    if not is_machinery(name):
        # _check_statement <- _guarded <- _import <- the statement
        frame = sys._getframe(3)  # type: FrameType | None
        for _ in range(8):
            if frame is None or frame.f_globals is globals:
                break
            frame = frame.f_back
        if frame is not None and frame.f_globals is globals:
            importer = (name, frame.f_code.co_filename, frame.f_lineno or 0, frame.f_globals)
    if importer is None:
        importer = find_importer(1, module)
    _check_edge(importer, module)


def _check_edge(importer, module):  # type: (ImporterFacts | None, str) -> None
    # Checks one edge against the importers rules of ``module``'s contracts: returns when it
    # passes (remembered), warns once (remembered), or raises the violation.
    name = importer[0] if importer is not None else None
    edge = (name, module)
    if edge in _edges or in_own_imports():
        return
    registry = _registry
    if registry is None:
        return
    if name is not None and (name == module or name.startswith(module + ".")):
        # A package's own modules: Python imports every parent before its children run, so a
        # first-import check could never refuse them their package either.
        _edges[edge] = True
        return
    contracts = tuple(c for c in registry.contracts_for(module) if c["importers"] is not None or "unreadable" in c)
    # Evaluated as check_before evaluates a first import, without the runtime rules; marked
    # as the hook's own, so that what the rules import (fnmatch) is not checked in turn.
    failed = None  # type: list[Failed] | None
    required = False
    outer = enter_own_imports()
    try:
        for index, contract in enumerate(contracts):
            refused = importer_failure(contract, name)
            if "unreadable" in contract or refused is not None:
                failed = [*(failed or ()), (index, refused, None)]
            required = required or contract["importers"]["require"] is not None
    finally:
        leave_own_imports(outer)
    if failed is not None or required:
        # The wording side words what failed and checks ``require`` (which runs user code:
        # not marked); it raises, or warns and returns.
        from importspy_hook._failure import report_before

        loaded = sys.modules.get(module)  # type: ModuleType | None
        spec = getattr(loaded, "__spec__", None)
        origin = getattr(spec, "origin", None) or getattr(loaded, "__file__", None)
        report_before(module, origin, contracts, registry, importer, failed or [])
    _edges[edge] = True  # passed, or warned about: once per edge
