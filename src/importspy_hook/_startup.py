"""The resident part of the hook: the registry, the finder, and drop-in activation.

With ``IMPORTSPY_HOOK_CONTRACTS`` set, this is the one module of the package an interpreter
imports at start-up (``importspy_hook.pth``): it lists and stats the contracts, reads their
folder's compiled cache, indexes them and puts the finder first on ``sys.meta_path``. Every
module imported at start-up costs about 0.1 ms here, plus about 8 us per KB of bytecode
(README, "Performance"), so everything else is imported where first needed: ``_guard`` at
the first protected import, ``_cache`` on a cache miss, ``_activate`` for a problem to report,
``_finder`` for the public API.
"""

import marshal
import os
import sys

# No ``from __future__ import annotations`` here: importing ``__future__`` would cost about
# 1.5 % of a bare start (README, "Performance"). Annotations of type-only names are quoted.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
    from importlib.machinery import ModuleSpec
    from os import PathLike
    from re import Match
    from types import ModuleType
    from typing import Any

    from ._config import Settings
    from ._contract import Contract

    Plain = Mapping[str, Any]
    PathSpec = str | PathLike[str] | Iterable[str | PathLike[str]]
    # A contract from a fresh cache entry, not unmarshalled yet:
    # ``(module, source file, marshal.dumps(plain data without "source"), modules its checks import)``.
    Compiled = tuple[str, str, bytes | memoryview, tuple[str, ...]]
    Item = Plain | Compiled

CONTRACTS_VARIABLE = "IMPORTSPY_HOOK_CONTRACTS"
ON_VIOLATION_VARIABLE = "IMPORTSPY_HOOK_ON_VIOLATION"
ON_VIOLATION = ("raise", "warn")
_WILDCARDS = frozenset("*?[")

# The compiled cache's layout (``_cache`` writes it; its docstring explains the format).
CACHE_FOLDER = "__importspy_cache__"
SUFFIX = ".marshal"
#: The file names :func:`contract_files` finds in a folder.
SUFFIXES = (".yml", ".yaml")
# Bump when the entries' layout changes; the package version is part of the tag as well.
FORMAT = 3
_CACHE_TAG = sys.implementation.cache_tag or sys.implementation.name
CACHE_FILE = f"contracts.{_CACHE_TAG}{SUFFIX}"
# How much older than its hashing a contract's ctime must be for its stat key alone to vouch
# for its bytes: more than the coarsest file-time granularity (FAT: 2 s) and the lag of the
# kernel's coarse clock behind time.time_ns().
RACY_NS = 2_000_000_000
# Windows reports the creation time as st_ctime, which a write does not change.
CTIME_IS_CHANGE_TIME = os.name != "nt"
_HASH_KEY = 0x1A5B_C0DE_0003

# The variables' values that were last activated. CPython runs .pth lines twice in some
# virtual environments (cpython #75723: site.venv() and site.main() both add site-packages),
# and site.addsitedir() runs them again whenever it is called: activate only once per values.
_activated: "tuple[str, str] | None" = None


def activate() -> None:
    """Install the hook over the contracts named by ``IMPORTSPY_HOOK_CONTRACTS``, if it is set.

    The variable holds contract files and folders separated by ``os.pathsep``, as
    :func:`importspy_hook.install` takes them. ``IMPORTSPY_HOOK_ON_VIOLATION`` (``raise`` or
    ``warn``) overrides every contract's ``on_violation``. Calling it again with the same
    values does nothing. It never raises: problems are reported on stderr, one line each.
    """
    global _activated
    contracts = os.environ.get(CONTRACTS_VARIABLE, "")
    if not contracts.strip():
        return
    values = (contracts, os.environ.get(ON_VIOLATION_VARIABLE, ""))
    if values == _activated:
        return
    _activated = values
    try:
        _activate(*values)
    except Exception as exc:
        from ._activate import failed

        failed(exc)


def _activate(contracts: str, mode: str) -> None:
    on_violation: str | None = mode.strip().lower() or None
    if on_violation not in (None, *ON_VIOLATION):
        from ._activate import unknown_mode

        unknown_mode(mode)
        on_violation = None
    items = readable_items(contracts.split(os.pathsep))
    exact = [name for name in map(module_of, items) if not _WILDCARDS.intersection(name)]
    if len(set(exact)) < len(exact):
        from ._activate import without_duplicates

        items = without_duplicates(items)
    registry = Registry(items, on_violation=on_violation)
    if registry.check_modules() or _imported(registry):
        # Modules to import before the finder is in place, or contracted modules imported
        # already: both handled by install(), which is otherwise more than start-up needs.
        from ._activate import install_reporting

        install_reporting(registry)
    else:
        put_in_front(registry)


def _imported(registry: "Registry") -> bool:
    return any(registry.covers(name) for name in tuple(sys.modules))


def readable_items(paths: "list[str]") -> "list[Item]":
    """The compiled contracts of ``paths``; each problem is reported on stderr, and the modules
    of a contract that cannot be read are refused (fail closed)."""
    files: list[str] = []
    for path in paths:
        if not path.strip():
            continue  # "a::b" or a trailing separator: nothing was named there
        try:
            files.extend(contract_files(path))
        except ValueError as exc:  # a ContractError, or a path the OS refuses (a NUL byte)
            from ._activate import unusable_path

            unusable_path(path, exc)
    items: list[Item] = []
    for file, item in zip(files, compiled_items(files), strict=True):
        if isinstance(item, Exception):
            from ._activate import refusing

            items.extend(refusing(file, item))
        else:
            items.append(item)
    return items


def contract_files(paths: "PathSpec") -> list[str]:
    """The contract files named by ``paths``: files as given, folders searched recursively
    for ``*.yml`` and ``*.yaml`` (hidden entries and ``__*`` folders skipped), in sorted order.

    :raises ContractError: for a path that does not exist, or a folder that cannot be read.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files: list[str] = []
    for entry in paths:
        path = os.fspath(entry)
        if os.path.isdir(path):
            found: list[str] = []
            _search(path, found)
            files.extend(sorted(found))
        elif os.path.exists(path):
            files.append(path)
        else:
            from ._errors import ContractError

            raise ContractError(path, "no such contract file or folder; check the path, or create it")
    return files


def _search(folder: str, found: list[str]) -> None:
    # os.scandir rather than os.walk: no generator to drive, and the entry types come with
    # the listing. Like os.walk, symlinked folders are not followed.
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError as error:
        # A folder that cannot be listed would silently leave its modules unguarded.
        from ._errors import ContractError

        raise ContractError(
            folder,
            f"cannot be read: {error.strerror or error}; make it readable by this process, or remove it from the paths",
        ) from None
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        if entry.is_dir():
            if not name.startswith("__") and not entry.is_symlink():
                _search(entry.path, found)
        elif name.endswith(SUFFIXES):
            found.append(entry.path)


def compiled_items(files: "list[str]") -> "list[Item | Exception]":
    """For each contract file, in order: its compiled contract, or the exception that says
    why it cannot be used (a :class:`ContractError`, usually).

    A contract whose cache entry beside it is fresh by its stat key alone (``_cache``) comes
    back as a :data:`Compiled` tuple, decoded when a module it governs is first imported;
    everything else (hashing, the user cache, parsing and storing) is left to ``_cache``.
    """
    results: list[Item | Exception | None] = []
    rest: list[int] = []
    folders: dict[str, dict[str, Any]] = {}
    for file in files:
        folder, name = os.path.split(file)
        entries = folders.get(folder)
        if entries is None:
            cache_file = os.path.join(os.path.abspath(folder), CACHE_FOLDER, CACHE_FILE)
            entries = folders[folder] = _entries(cache_file)
        entry = entries.get(name)
        if type(entry) is tuple and len(entry) == 6 and CTIME_IS_CHANGE_TIME:
            try:
                info = os.stat(file)
            except OSError:
                pass
            else:
                if entry[0] == (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino) and (
                    info.st_ctime_ns < entry[2] - RACY_NS
                ):
                    results.append((entry[3], file, entry[5], entry[4]))
                    continue
        rest.append(len(results))
        results.append(None)
    if rest:
        from ._cache import slow_items

        for index, item in zip(rest, slow_items([files[i] for i in rest]), strict=True):
            results[index] = item
    return results  # type: ignore[return-value]


# Cache file -> its entries, read once per process: a start-up reads each folder's file once.
_loaded: "dict[str, dict[str, Any]]" = {}


def _entries(cache_file: str) -> "dict[str, Any]":
    """The entries of ``cache_file`` (contract file name -> entry); empty when it is missing,
    unreadable, damaged or of another version (it is then rebuilt as contracts are parsed)."""
    entries = _loaded.get(cache_file)
    if entries is None:
        entries = _loaded[cache_file] = _read_cache_file(cache_file)
    return entries


def _read_cache_file(cache_file: str) -> "dict[str, Any]":
    # Layout: header line, digest of the rest (8 bytes), length of the index (4 bytes), the
    # index (marshal: contract file name -> entry, whose last field is the (offset, length) of
    # its plain data), then the plain data of every entry. The plain data stays in the bytes
    # read, as views, until a contract is decoded.
    found = read_bytes(cache_file, 1 << 26)
    if found is None:
        return {}
    data = found[1]
    header = cache_header()
    start = len(header) + 12
    view = memoryview(data)
    if not data.startswith(header) or data[start - 12 : start - 4] != digest(view[start - 4 :]):
        return {}
    end = start + int.from_bytes(data[start - 4 : start], "little")
    try:
        entries = marshal.loads(view[start:end])
        for name, entry in entries.items():
            offset, length = entry[5]
            entries[name] = (*entry[:5], view[end + offset : end + offset + length])
    except Exception:
        return {}
    return entries  # type: ignore[no-any-return]


def cache_header() -> bytes:
    """What a cache file starts with: format, package version, interpreter, marshal version."""
    from . import __version__

    return f"importspy_hook-cache {FORMAT} {__version__} {_CACHE_TAG} marshal {marshal.version}\n".encode()


def digest(data: "bytes | memoryview") -> bytes:
    """An 8-byte keyed digest of ``data``: ``_imp.source_hash`` (see ``_cache``); FNV-1a where
    it is missing."""
    import _imp

    source_hash = getattr(_imp, "source_hash", None)
    if source_hash is not None:
        return source_hash(_HASH_KEY, data)  # type: ignore[no-any-return]
    from ._cache import fnv1a

    return fnv1a(bytes(data)).to_bytes(8, "little")


def read_bytes(path: str, limit: int) -> "tuple[os.stat_result, bytes] | None":
    """``(fstat, bytes)`` of ``path`` when it can be read whole and is at most ``limit`` bytes."""
    # os.open and one os.read of the known size: open() would build two io objects.
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        stat = os.fstat(fd)
        if stat.st_size > limit:
            return None
        data = os.read(fd, stat.st_size + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    # A file that grew or shrank while it was read is not cached, nor served from the cache.
    return (stat, data) if len(data) == stat.st_size else None


class Registry:
    """Contracts keyed by module name (exact names and ``fnmatch`` patterns).

    Built for the finder's question about every import: one dict test for exact names, one
    ``str.startswith`` for ``prefix*`` patterns, one combined regular expression for the rest.

    :param contracts: compiled contracts (the plain data of ``Contract``) or
        :class:`~importspy_hook.Contract` objects.
    :param on_violation: ``"raise"`` or ``"warn"`` to override every contract's own
        ``on_violation``; ``None`` keeps each contract's.
    :param ignore: module names and ``fnmatch`` patterns that are never guarded, even when a
        contract's pattern matches them.
    :raises ContractError: when two contracts govern the same exact module name (unless one
        is the application's and one a package's, marked by ``distribution`` in its data).
    """

    __slots__ = (
        "_items",
        "exact",
        "prefixes",
        "pattern",
        "on_violation",
        "ignore",
        "_ignored",
        "_prefixed",
        "_patterned",
    )

    def __init__(
        self,
        contracts: "Iterable[Plain | Contract | Compiled]" = (),
        *,
        on_violation: "str | None" = None,
        ignore: "Iterable[str]" = (),
    ) -> None:
        if on_violation is not None and on_violation not in ON_VIOLATION:
            raise ValueError(f"on_violation must be 'raise' or 'warn', not {on_violation!r}")
        items: list[Item] = [c if isinstance(c, (tuple, dict)) else _as_plain(c) for c in contracts]
        exact: dict[str, tuple[int, ...]] = {}
        prefixed: dict[str, list[int]] = {}
        patterned: list[tuple[str, int]] = []
        for index, item in enumerate(items):
            module = module_of(item)
            if not _WILDCARDS.intersection(module):
                if module in exact and _distribution(items[exact[module][0]]) == _distribution(item):
                    from ._activate import duplicate

                    duplicate(module, items[exact[module][0]], item)
                # An application's contract and a package's for the same module both apply.
                exact[module] = (*exact.get(module, ()), index)
            elif module.endswith("*") and not _WILDCARDS.intersection(module[:-1]):
                prefixed.setdefault(module[:-1], []).append(index)
            else:
                patterned.append((module, index))
        self._items = items
        self.exact = exact
        self.prefixes = tuple(prefixed)
        self._prefixed = tuple((prefix, tuple(indices)) for prefix, indices in prefixed.items())
        self.on_violation = on_violation
        self.ignore = tuple(ignore)
        self._ignored: Callable[[str], Match[str] | None] | None = None
        self._patterned: tuple[tuple[Callable[[str], Match[str] | None], int], ...] = ()
        self.pattern: Callable[[str], Match[str] | None] | None = None
        if self.ignore or patterned:
            # Only ignored names and patterns other than ``prefix*`` need ``re``.
            from ._finder import compile_patterns

            self._ignored, self._patterned, self.pattern = compile_patterns(self.ignore, patterned)

    @classmethod
    def load(cls, contracts: "PathSpec", *, on_violation: "str | None" = None) -> "Registry":
        """Load every contract file in ``contracts`` (files and folders of ``*.yml``/``*.yaml``),
        through the compiled cache.

        :raises ContractError: for the first file that cannot be used, or a missing path.
        """
        from ._cache import compiled_contracts

        return cls(compiled_contracts(contracts), on_violation=on_violation)

    @property
    def contracts(self) -> "tuple[Plain, ...]":
        """The plain data of every contract, in the order they were given."""
        return tuple(self._plain(index) for index in range(len(self._items)))

    def covers(self, name: str) -> bool:
        """Whether any contract governs module ``name`` (and it is not ignored)."""
        if name in self.exact or name.startswith(self.prefixes) or (self.pattern is not None and self.pattern(name)):
            return self._ignored is None or self._ignored(name) is None
        return False

    def contracts_for(self, name: str) -> "tuple[Plain, ...]":
        """Every contract whose ``module`` matches ``name``: exact and patterns alike; none if ignored."""
        if self._ignored is not None and self._ignored(name) is not None:
            return ()
        found = list(self.exact.get(name, ()))
        for prefix, indices in self._prefixed:
            if name.startswith(prefix):
                found.extend(indices)
        for match, index in self._patterned:
            if match(name) is not None:
                found.append(index)
        return tuple(self._plain(index) for index in found)

    def check_modules(self) -> set[str]:
        """The modules the contracts' checks will import (see ``_finder.preload_check_modules``)."""
        needs: set[str] = set()
        for item in self._items:
            if isinstance(item, tuple):
                needs.update(item[3])
            else:
                from ._finder import check_modules

                needs.update(check_modules(item))
        return needs

    def mode(self, contract: "Plain") -> str:
        """``"raise"`` or ``"warn"`` for ``contract``, after this registry's override."""
        return self.on_violation or contract["on_violation"]

    def _plain(self, index: int) -> "Plain":
        item = self._items[index]
        if isinstance(item, tuple):
            # Another thread may decode the same item meanwhile: both get equal data.
            item = self._items[index] = decode(item)
        return item

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> "Iterator[Plain]":
        return iter(self.contracts)

    def __repr__(self) -> str:
        names = ", ".join(module_of(item) for item in self._items[:5])
        more = ", ..." if len(self._items) > 5 else ""
        return f"<Registry of {len(self._items)} contracts: {names}{more}>"


def module_of(item: "Item") -> str:
    """The ``module`` a contract governs, decoded or not."""
    return item[0] if isinstance(item, tuple) else str(item["module"])


def _distribution(item: "Item") -> object:
    # Only package contracts (``_packages``) carry one, and those are always decoded.
    return None if isinstance(item, tuple) else item.get("distribution")


def decode(item: "Compiled") -> "dict[str, Any]":
    """The plain data of a contract from a cache entry.

    The cache file's digest was checked when it was read, so this fails only if the file was
    written wrongly; the contract is then parsed again, and if that fails too the module is
    refused (fail closed: the finder turns any exception into "not mine").
    """
    module, source, blob, _ = item
    try:
        plain = marshal.loads(blob)
        if type(plain) is not dict or plain.get("module") != module:
            raise ValueError(f"the cache entry of {source} is not the contract of {module}")
    except Exception:
        from ._activate import decoded_again

        return decoded_again(module, source)
    plain["source"] = source
    return plain


def _as_plain(contract: "Plain | Contract") -> "Plain":
    # Imported here: only attrs ``Contract`` objects need unstructuring.
    from ._convert import to_plain

    return to_plain(contract)  # type: ignore[arg-type]


class ContractFinder:
    """Finds the real spec of a protected module and wraps its loader in a checking proxy."""

    __slots__ = ("registry", "_source", "_stamp", "_warned")

    # Marks our finder across copies of this module (a re-imported package, a .pth and a
    # src checkout), so that installing never stacks a second finder.
    _importspy_hook_finder = True

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        # What install() loaded the registry from, so invalidate_caches() can re-read it.
        self._source: Settings | None = None
        self._stamp: object = None
        self._warned: set[int] = set()

    def __repr__(self) -> str:
        return f"<ContractFinder over {len(self.registry)} contracts>"

    def find_spec(
        self, fullname: str, path: "Sequence[str] | None" = None, target: "ModuleType | None" = None
    ) -> "ModuleSpec | None":
        registry = self.registry
        if fullname not in registry.exact and not fullname.startswith(registry.prefixes):
            pattern = registry.pattern
            if pattern is None or pattern(fullname) is None:
                return None
        # A check running in this thread imports what it needs: those imports are the hook's
        # own (see _guard.hook_is_importing). No check can run before _guard is loaded, and
        # looking it up instead of importing it keeps this path import-free.
        guard = sys.modules.get("importspy_hook._guard")
        if (guard is not None and guard.hook_is_importing()) or fullname.startswith("importspy_hook."):
            # The hook's own modules, imported when first needed (even by a check), are part
            # of the import machinery, like importlib's: a "*" contract must not guard them.
            return None
        try:
            # Imported here: the checks are needed at the first protected import.
            from ._guard import guarded_spec

            return guarded_spec(self, fullname, path, target)
        except Exception:
            # A later finder's error will surface when the import system asks it directly.
            return None

    def invalidate_caches(self) -> None:
        """Forget cached distribution versions and re-read changed contract files (README,
        "Python API"); never raises for a bad contract, which keeps the previous ones."""
        from ._finder import invalidate

        invalidate(self)


def put_in_front(registry: Registry) -> ContractFinder:
    """Give the one :class:`ContractFinder` these contracts and put it first on ``sys.meta_path``."""
    finder = installed()
    if finder is None:
        finder = ContractFinder(registry)
    else:
        finder.registry = registry
        remove(finder)
    sys.meta_path.insert(0, finder)
    return finder


def remove(finder: object) -> None:
    """Take ``finder`` off ``sys.meta_path`` (no error if it is not there)."""
    try:
        sys.meta_path.remove(finder)  # type: ignore[arg-type]
    except ValueError:
        pass


def installed() -> "ContractFinder | None":
    """The installed finder (of any copy of this module), or ``None``."""
    for finder in sys.meta_path:
        if getattr(type(finder), "_importspy_hook_finder", False):
            return finder  # type: ignore[return-value]
    return None


# Shown as importspy_hook.Registry and importspy_hook.ContractFinder, where users find them.
Registry.__module__ = ContractFinder.__module__ = "importspy_hook"
