"""The resident core of importspy_hook: what a guarded start and a passing import run.

Drop-in activation (``importspy_hook.pth``, and ``_importspy_hook_start`` for PEP 829) imports
this module and nothing else: the registry, the finder, the compiled cache's warm path, the
proxy loader, the importer, the platform's facts and the rules evaluated into rule ids. The
package ``importspy_hook`` is the public face; its other modules use the names here that have
no leading underscore, and this module imports them only where first needed: ``_reading.cache``
on a cache miss, ``_activation`` for a problem to report, ``_failure`` to word a violation,
``_install`` for ``invalidate_caches`` and a finder in front.

PYTEST_DONT_REWRITE: pytest marks the modules of its plugins' distributions for assertion
rewriting and warns about any it finds imported already, which drop-in activation always does
(this module has no assertions to rewrite).
"""

# A top-level module beside the .pth file rather than a submodule of the package: importing
# ``importspy_hook`` first would list the package's folder and load one more file at every
# guarded start (about 0.15 ms, docs/performance.rst). For the same reason what start-up and a
# passing import need is in this one module, typed with type comments, and plain tuples with
# named index constants stand where a class would only name fields (docs/internals.rst). Its
# classes have no ``__slots__``: building the slot descriptors of the three took about 40 µs
# of every guarded start, and there are a handful of their instances.

import marshal
import os
import sys
from _thread import get_ident

TYPE_CHECKING = False
if TYPE_CHECKING:
    # The noqa: some of these names appear only in type comments, which ruff does not read
    # (mypy does).
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence  # noqa: F401
    from importlib.machinery import ModuleSpec  # noqa: F401
    from os import PathLike
    from re import Match  # noqa: F401
    from types import CodeType, FrameType, ModuleType  # noqa: F401
    from typing import Any, Final  # noqa: F401

    from importspy_hook._errors import Violation  # noqa: F401
    from importspy_hook._reading.model import Contract  # noqa: F401

    Plain = Mapping[str, Any]
    PathSpec = str | PathLike[str] | Iterable[str | PathLike[str]]
    # A contract from a fresh cache entry, not read yet (fields: the COMPILED_* indices
    # below); its plain data (without "source") is ``marshal.dumps``'d at the offset in the
    # cache file, and has that digest.
    Compiled = tuple[str, str, str, int, int, bytes, tuple[int, int, int, int]]
    Item = Plain | Compiled
    # The module that triggered a protected import: ``(__name__ or None, file, line, its live
    # globals)``; ``_violations.Importer`` names the fields for the wording side.
    ImporterFacts = tuple[str | None, str, int, Mapping[str, object]]
    # The facts runtime rules are checked against: ``(os, arch, machine, python,
    # python_key, implementation)``; ``_snapshot.Snapshot`` names them.
    Facts = tuple[str, str, str, str, tuple[int, int, int, int, int], str]
    # What failed in one contract, as ``check_before`` found it: the contract's index, its
    # importers failure (``importer_failure``), and the failures of every runtime alternative
    # (``runtime_failures``) when none holds.
    Failed = tuple[int, tuple[str, str | None] | None, list[list[tuple[str, str]]] | None]

# The package's version (read by hatch; ``importspy_hook.__version__`` is this).
__version__ = "0.1.0"

# What the checks read of a contract's plain data; ``Registry`` trusts a dict that has them
# all (the cache's, the loader's) and validates any other mapping.
PLAIN_KEYS = frozenset(("module", "source", "lines", "schema", "on_violation", "importers", "runtime", "provides"))


# -- Drop-in activation ------------------------------------------------------------------

CONTRACTS_VARIABLE = "IMPORTSPY_HOOK_CONTRACTS"
ON_VIOLATION_VARIABLE = "IMPORTSPY_HOOK_ON_VIOLATION"
ON_VIOLATION = ("raise", "warn")
STRICT_VARIABLE = "IMPORTSPY_HOOK_STRICT"
# The spellings of a boolean variable; anything else is reported, and strict mode is on.
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def contract_paths(value):  # type: (str) -> list[str]
    # The one reading of IMPORTSPY_HOOK_CONTRACTS: paths separated by os.pathsep; an empty
    # entry ("a::b", a trailing separator) names nothing.
    return [path for path in value.split(os.pathsep) if path.strip()]


def violation_mode(value):  # type: (str) -> str | None
    # The one reading of IMPORTSPY_HOOK_ON_VIOLATION: "raise" or "warn" in any case, blank for
    # each contract's own setting. Raises ValueError for anything else (the caller's policy
    # decides what that does).
    mode = value.strip().lower()
    if mode and mode not in ON_VIOLATION:
        raise ValueError(mode)
    return mode or None


def strict_setting(value):  # type: (str) -> bool | None
    # The one reading of IMPORTSPY_HOOK_STRICT: 1/true/yes/on or 0/false/no/off in any case,
    # blank for not set (None). Raises ValueError for anything else (the caller's policy
    # decides what that does).
    flag = value.strip().lower()
    if flag in _TRUE:
        return True
    if flag in _FALSE:
        return False if flag else None
    raise ValueError(flag)


# Strict mode asked for by activation and not on yet. Its wrappers check import statements
# that reach a protected module already imported; until the finder first sees a protected
# name, none is (activation turns strict mode on at once when one was imported before it),
# so strict mode is turned on then (``_guarded_spec``), and a start that imports no
# protected module does not import strict mode's module (about 0.3 ms: benchmarks/startup.py).
strict_pending = False

# The values of the variables last activated. CPython runs .pth lines twice in some virtual
# environments (cpython #75723: site.venv() and site.main() both add site-packages), and
# site.addsitedir() runs them again whenever it is called: activate once per values.
_activated = None  # type: tuple[str, str, str] | None


def activate_from_environment():  # type: () -> None
    # Called by importspy_hook.pth and the PEP 829 entry point (_importspy_hook_start). It
    # never raises: site would print a traceback and skip the rest of the .pth file
    # (Lib/site.py ``addpackage``). Each problem is one line on stderr (``_activation``).
    global _activated, strict_pending
    contracts = os.environ.get(CONTRACTS_VARIABLE, "")
    if not contracts.strip():
        return
    values = (contracts, os.environ.get(ON_VIOLATION_VARIABLE, ""), os.environ.get(STRICT_VARIABLE, ""))
    if values == _activated:
        return
    _activated = values
    try:
        try:
            mode = violation_mode(values[1])
        except ValueError:
            from importspy_hook._activation import unknown_mode

            unknown_mode(values[1])
            mode = None
        paths = contract_paths(contracts)
        index = start_index(paths)
        registry = None if index is None else indexed_registry(index, mode)
        if registry is None:
            registry = _listed_registry(paths, mode, index)
        try:
            strict = bool(strict_setting(values[2]))
        except ValueError:
            from importspy_hook._activation import unknown_strict

            unknown_strict(values[2])
            strict = True  # asked for, if misspelt
        # ``registry.covers`` for every imported module, without a method call per name (an
        # activated registry ignores nothing).
        imported = tuple(sys.modules)
        prefixes = registry.prefixes
        if (
            not registry.exact.keys().isdisjoint(imported)
            or (prefixes and any(name.startswith(prefixes) for name in imported))
            or (registry.pattern is not None and any(map(registry.pattern, imported)))
        ):
            # Contracted modules imported already: install() warns about them, which is
            # otherwise more than start-up needs.
            from importspy_hook._activation import install_reporting

            install_reporting(registry, strict=strict)
        else:
            put_in_front(registry)
            strict_pending = strict
    except Exception as exc:
        from importspy_hook._activation import failed

        failed(exc)


def _listed_registry(paths, mode, index):
    # type: (list[str], str | None, tuple[tuple[str, str], str] | None) -> Registry
    # The registry of every contract under ``paths``, listed and each contract's cache entry
    # checked by its stat key; written as the start index when nothing needed saying, so that
    # the next start reads that instead (``indexed_registry``).
    import time

    listed_at = time.time_ns()
    files = []  # type: list[str]
    unreadable = []  # type: list[Exception]
    searched = []  # type: list[str]
    clean = True
    for path in paths:
        try:
            files.extend(contract_files(path, unreadable, searched))
        except ValueError as exc:  # a ContractError, or a path the OS refuses (a NUL byte)
            from importspy_hook._activation import unusable_path

            unusable_path(path, exc)
            clean = False
    if unreadable:
        from importspy_hook._activation import unreadable_folders

        unreadable_folders(unreadable)
        clean = False
    items = []  # type: list[Item]
    for file, item in zip(files, compiled_items(files, True), strict=True):
        if isinstance(item, Exception):
            # Reported, and the modules it governs are refused (fail closed).
            from importspy_hook._activation import refusing

            items.extend(refusing(file, item))
            clean = False
        else:
            clean = clean and type(item) is tuple
            items.append(item)
    exact = [m for m in map(module_of, items) if not is_pattern(m)]
    if len(set(exact)) < len(exact):
        from importspy_hook._activation import without_duplicates

        items = without_duplicates(items)
        clean = False
    registry = Registry(items, on_violation=mode)
    if clean and index is not None:
        stamps = _stamps(searched, listed_at)
        # Asked first, so that a deployment where nothing can be written (a read-only file
        # system and home) does not import the writer at every start only to fail.
        if stamps is not None and any(map(_can_write, index[0])):
            from importspy_hook._reading.cache import store_start_index

            store_start_index(index, stamps, registry)
    return registry


def _can_write(file):  # type: (str) -> bool
    # Whether ``file`` could be written: its folder, or the nearest folder above that exists,
    # is writable by this process.
    folder = os.path.dirname(os.path.abspath(file))
    while not os.path.isdir(folder):
        parent = os.path.dirname(folder)
        if parent == folder:
            return False
        folder = parent
    return os.access(folder, os.W_OK)


# -- Contract files and the compiled cache's warm path (``_reading.cache`` has the rest) -------------

SUFFIXES = (".yml", ".yaml")
CACHE_FOLDER = "__importspy_cache__"
CACHE_SUFFIX = ".marshal"
# Bump when the layout changes (``_reading.cache`` describes it); the package version is in the header.
CACHE_FORMAT = 5
CACHE_TAG = sys.implementation.cache_tag or sys.implementation.name
CACHE_FILE = f"contracts.{CACHE_TAG}{CACHE_SUFFIX}"
CACHE_HEADER = f"importspy_hook-cache {CACHE_FORMAT} {__version__} {CACHE_TAG} marshal {marshal.version}\n".encode()
# How much older than its hashing a contract's ctime must be for its stat key alone to vouch
# for its bytes: more than the coarsest file-time granularity (FAT: 2 s) and the lag of the
# kernel's coarse clock behind time.time_ns().
RACY_NS = 2_000_000_000
# Windows reports the creation time as st_ctime, which a write does not change.
CTIME_IS_CHANGE_TIME = os.name != "nt"
_HASH_KEY = 0x1A5B_C0DE_0003

# The fields of a cache index entry (``_reading.cache`` describes the format): the contract's
# stat key when its bytes were hashed, their digest, when, the module it governs, and where
# its plain data is (offset from the end of the index, length, digest).
ENTRY_SIZE = 0  # type: Final
ENTRY_MTIME = 1  # type: Final
ENTRY_CTIME = 2  # type: Final
ENTRY_INODE = 3  # type: Final
ENTRY_BYTES_DIGEST = 4  # type: Final
ENTRY_HASHED_AT = 5  # type: Final
ENTRY_MODULE = 6  # type: Final
ENTRY_OFFSET = 7  # type: Final
ENTRY_LENGTH = 8  # type: Final
ENTRY_DATA_DIGEST = 9  # type: Final
ENTRY_FIELDS = 10  # type: Final
# The fields of a Compiled contract: the module, the contract file, the cache file, the
# offset and length of its plain data in that file and their digest, and the contract's stat
# key (size, mtime, ctime, inode) this process trusted the entry under.
COMPILED_MODULE = 0  # type: Final
COMPILED_SOURCE = 1  # type: Final
COMPILED_CACHE_FILE = 2  # type: Final
COMPILED_OFFSET = 3  # type: Final
COMPILED_LENGTH = 4  # type: Final
COMPILED_DIGEST = 5  # type: Final
COMPILED_STAT = 6  # type: Final


def contract_files(paths, unreadable=None, searched=None):
    # type: (PathSpec, list[Exception] | None, list[str] | None) -> list[str]
    # Files as given, folders searched recursively for *.yml and *.yaml in any case (hidden
    # entries and __* folders skipped, symlinked folders followed once), in sorted order.
    # Raises ContractError for a missing path or a folder that cannot be read; a subfolder
    # that cannot be read is added to ``unreadable`` instead when a list is given, so that
    # the readable contracts of the path stay in force. ``searched``, when a list is given,
    # gets every folder listed and every file given as a path: what the start index stamps.
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files = []  # type: list[str]
    for entry in paths:
        path = os.fspath(entry)
        found = []  # type: list[str]
        if _search(path, found, unreadable, None, True, searched):
            files.extend(sorted(found))
        elif os.path.exists(path):
            files.append(path)
            if searched is not None:
                searched.append(path)
        else:
            from importspy_hook._errors import ContractError

            raise ContractError(path, "no such contract file or folder; check the path, or create it")
    return files


def _search(folder, found, unreadable, seen, top, searched=None):
    # type: (str, list[str], list[Exception] | None, set[str] | None, bool, list[str] | None) -> bool
    # Adds the contract files under ``folder`` to ``found``; False when it is no folder.
    # os.scandir rather than os.walk: no generator to drive, and the entry types come with
    # the listing. Listing first, rather than asking os.path.isdir, saves a stat at every
    # start-up. ``seen``: the real paths of the symlinked folders followed, against loops.
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as error:
        # A folder that cannot be listed would silently leave its modules unguarded.
        from importspy_hook._errors import ContractError

        problem = ContractError(
            folder,
            f"cannot be read: {error.strerror or error}; make it readable by this process, or remove it from the paths",
        )
        if top or unreadable is None:
            raise problem from None
        unreadable.append(problem)
        return True
    if searched is not None:
        searched.append(folder)
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        if entry.is_dir():
            if name.startswith("__"):
                continue
            if entry.is_symlink():
                real = os.path.realpath(entry.path)
                seen = set() if seen is None else seen
                if real in seen:
                    continue
                seen.add(real)
            _search(entry.path, found, unreadable, seen, False, searched)
        elif name.lower().endswith(SUFFIXES):
            found.append(entry.path)
    return True


def compiled_items(files, isolated=False):  # type: (list[str], bool) -> list[Item | Exception]
    # For each file, in order: its compiled contract, or the exception that says why it cannot
    # be used. An entry fresh by its stat key alone gives a Compiled tuple, read and decoded
    # when a module it governs is first imported; hashing, the user cache, parsing and
    # storing are left to ``_reading.cache``: ``isolated`` (activation, install()) has them
    # done in a child interpreter, so that the YAML side never loads into a guarded process.
    results = []  # type: list[Item | Exception | None]
    rest = []  # type: list[int]
    folders = {}  # type: dict[str, tuple[str, dict[str, Any], int]]
    # str.rpartition rather than os.path.split, a Python function, where there is one separator.
    posix = os.altsep is None
    for file in files:
        if posix:
            head, sep, name = file.rpartition(os.sep)
            folder = head or sep  # "/x.yml": the root
        else:
            folder, name = os.path.split(file)
        found = folders.get(folder)
        if found is None:
            # os.path.abspath normalises too, a Python function: only for relative folders.
            absolute = folder if os.path.isabs(folder) else os.path.abspath(folder)
            cache_file = os.path.join(absolute, CACHE_FOLDER, CACHE_FILE)
            found = folders[folder] = (cache_file, *cache_entries(cache_file))
        entry = found[1].get(name)
        if entry is not None and CTIME_IS_CHANGE_TIME:
            try:
                info = os.stat(file)
            except OSError:
                pass
            else:
                if (
                    entry[ENTRY_SIZE] == info.st_size
                    and entry[ENTRY_MTIME] == info.st_mtime_ns
                    and entry[ENTRY_CTIME] == info.st_ctime_ns
                    and entry[ENTRY_INODE] == info.st_ino
                    and entry[ENTRY_CTIME] < entry[ENTRY_HASHED_AT] - RACY_NS
                ):
                    results.append(
                        (
                            entry[ENTRY_MODULE],
                            file,
                            found[0],
                            found[2] + entry[ENTRY_OFFSET],
                            entry[ENTRY_LENGTH],
                            entry[ENTRY_DATA_DIGEST],
                            entry[:4],
                        )
                    )
                    continue
        rest.append(len(results))
        results.append(None)
    if rest:
        from importspy_hook._reading.cache import isolated_items, slow_items

        slow = isolated_items if isolated else slow_items
        for index, item in zip(rest, slow([files[i] for i in rest]), strict=True):
            results[index] = item
    return results  # type: ignore[return-value]


# Cache file -> (its entries, where their plain data starts), read once per process.
_loaded = {}  # type: dict[str, tuple[dict[str, Any], int]]


def cache_entries(cache_file):  # type: (str) -> tuple[dict[str, Any], int]
    # The index of ``cache_file`` (contract file name -> flat entry) and the offset the
    # entries' offsets count from; no entries when the file is missing, unreadable, damaged
    # or of another version (it is then rebuilt as contracts are parsed). Layout: ``_reading.cache``.
    # Only the header and the index are read: each contract's data is read when a module it
    # governs is first imported, most never are.
    found = _loaded.get(cache_file)
    if found is not None:
        return found
    found = _loaded[cache_file] = ({}, 0)
    try:
        fd = os.open(cache_file, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return found
    try:
        read = read_head(fd, CACHE_HEADER, 4096, 1 << 24)  # one page: the index of about 30 contracts
    except OSError:
        return found
    finally:
        os.close(fd)
    if read is None:
        return found
    data, start, end = read
    try:
        entries = marshal.loads(memoryview(data)[start:end])
    except Exception:
        return found
    if type(entries) is not dict:
        return found
    for entry in entries.values():
        if type(entry) is not tuple or len(entry) != ENTRY_FIELDS:
            return found
    found = _loaded[cache_file] = (entries, end)
    return found


def read_head(fd, header, first, limit):  # type: (int, bytes, int, int) -> tuple[bytes, int, int] | None
    # The head of a cache file or start index, read from ``fd``: ``header``, an 8-byte keyed
    # digest of the rest of the head, its length (4 bytes, little-endian), then the head
    # itself, ``data[start:end]``. None when the header differs, the file ends first, or the
    # digest does not match. ``first``: the size of the first read, enough for most heads;
    # ``limit``: a damaged length must not make a start-up allocate gigabytes.
    data = os.read(fd, first)
    start = len(header) + 12
    if not data.startswith(header):
        return None
    end = start + int.from_bytes(data[start - 4 : start], "little")
    if end > limit:
        return None
    while len(data) < end:
        more = os.read(fd, end - len(data))
        if not more:
            return None
        data += more
    if data[start - 12 : start - 4] != keyed_digest(memoryview(data)[start - 4 : end]):
        return None
    return data, start, end


def forget_cache_file(cache_file):  # type: (str) -> None
    # Called when ``cache_file`` was rewritten: its index is read again at the next need.
    _loaded.pop(cache_file, None)


def read_blob(cache_file, offset, length, digest):  # type: (str, int, int, bytes) -> bytes | None
    # The bytes at ``offset`` in ``cache_file``, if they still have ``digest``: the file may
    # have been replaced since its index was read.
    try:
        fd = os.open(cache_file, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        os.lseek(fd, offset, os.SEEK_SET)
        blob = os.read(fd, length)
    except OSError:
        return None
    finally:
        os.close(fd)
    return blob if keyed_digest(blob) == digest else None


def keyed_digest(data):  # type: (bytes | memoryview) -> bytes
    # An 8-byte keyed digest: ``_imp.source_hash``, the SipHash of hash-based .pyc files, a
    # builtin (no import to pay); FNV-1a where it is missing.
    import _imp

    source_hash = getattr(_imp, "source_hash", None)
    if source_hash is not None:
        return source_hash(_HASH_KEY, data)  # type: ignore[no-any-return]
    from importspy_hook._reading.cache import fnv1a

    return fnv1a(bytes(data)).to_bytes(8, "little")


# -- The start index ----------------------------------------------------------------------
# A start that lists its contracts and finds every one fresh in the compiled cache writes,
# for the next start with the same contract paths, the registry it built and a stamp of every
# folder it listed; that start reads one file and stats those folders, nothing per contract
# (a folder's mtime changes when a file in it is added, removed or renamed). A contract
# edited in place is found when a module it governs is first imported (``decode_indexed``).
# Layout: header, digest and length of the head, the head ``(key, stamps, exact, shared,
# prefixed, patterned, heads, length and digest of the items)``, then the items, the ``Compiled``
# tuples, marshalled: read with the head, unmarshalled at the first protected import.

CACHE_DIR_VARIABLE = "IMPORTSPY_HOOK_CACHE_DIR"
START_INDEX_HEADER = CACHE_HEADER.replace(b"-cache ", b"-start ", 1)
# How long after this process started a contract may have changed for the change to count
# as made before it, on a file system whose times have sub-second precision: the lag of the
# kernel's coarse clock behind time.time_ns() is a few milliseconds. Whole-second times get
# RACY_NS.
CLOCK_LAG_NS = 100_000_000


def user_cache_dir():  # type: () -> str
    # The folder for what cannot be written beside the contracts, and for the start index.
    chosen = os.environ.get(CACHE_DIR_VARIABLE)
    if chosen:
        return chosen
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~\\AppData\\Local")
        return os.path.join(base, "importspy_hook", "Cache")
    if sys.platform == "darwin":
        return os.path.expanduser("~/Library/Caches/importspy_hook")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, "importspy_hook")


def start_index(paths):  # type: (list[str]) -> tuple[tuple[str, str], str] | None
    # Where the start index of these contract paths may be, and the key it must hold: in the
    # cache folder beside the first path's contracts, as trusted as they are, else in the
    # user's cache folder (as the compiled cache falls back). None where a contract's change
    # cannot be dated (Windows: st_ctime is the creation time).
    if not CTIME_IS_CHANGE_TIME or not paths:
        return None
    try:
        # Relative paths name other folders from another working folder.
        key = "\0".join(paths if all(map(os.path.isabs, paths)) else [os.getcwd(), *paths])
        name = f"start-{keyed_digest(os.fsencode(key)).hex()}.{CACHE_TAG}{CACHE_SUFFIX}"
    except (OSError, ValueError):
        return None
    return (os.path.join(paths[0], CACHE_FOLDER, name), os.path.join(user_cache_dir(), name)), key


def indexed_registry(index, mode):  # type: (tuple[tuple[str, str], str], str | None) -> Registry | None
    # The registry of the start index if its stamps still hold, else None (list the contracts).
    # Only the head is read: the file stays open, and the contracts are read from it at the
    # first protected import (``Registry._loaded``); a later start may replace the file
    # meanwhile, but not the one this process opened.
    places, key = index
    for index_file in places:
        try:
            fd = os.open(index_file, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except OSError:
            continue
        try:
            registry = _indexed(fd, index_file, key, mode)
        except (OSError, ValueError, TypeError, EOFError):
            registry = None
        if registry is not None:
            return registry
        os.close(fd)
    return None


def _indexed(fd, index_file, key, mode):  # type: (int, str, str, str | None) -> Registry | None
    read = read_head(fd, START_INDEX_HEADER, 1 << 16, 1 << 26)
    if read is None:
        return None
    data, start, end = read
    import time

    started_at = time.time_ns()
    head = marshal.loads(memoryview(data)[start:end])
    found, stamps, exact, shared, prefixed, patterned, heads, length, digest = head
    if found != key:
        return None
    for path, mtime, ctime, inode in stamps:
        info = os.stat(path)
        if info.st_mtime_ns != mtime or info.st_ctime_ns != ctime or info.st_ino != inode:
            return None
    pending = (index_file, [fd], end, length, digest, started_at)
    return Registry.indexed((exact, shared, prefixed, patterned, heads), pending, mode)


def indexed_items(index_file, opened, offset, length, digest):
    # type: (str, list[int], int, int, bytes) -> list[Any]
    # The contracts of a start index, from the file this process opened at start-up
    # (``opened``: its descriptor, until closed). Should that descriptor no longer be the file
    # (a daemon closes every descriptor it inherits, and the number is reused), it is left
    # alone and the file is read again by its path. Threads that get here at once each read;
    # one closes, since list.pop hands the descriptor to one of them.
    blob = _read_at(opened[0], None, offset, length) if opened else None
    if blob is not None and keyed_digest(blob) == digest:
        try:
            os.close(opened.pop())
        except (IndexError, OSError):
            pass
    else:
        blob = _read_at(-1, index_file, offset, length)
    items = marshal.loads(blob) if blob is not None and keyed_digest(blob) == digest else None
    if type(items) is not list:
        from importspy_hook._activation import damaged_index

        damaged_index(index_file)
    return items


def _read_at(fd, path, offset, length):  # type: (int, str | None, int, int) -> bytes | None
    try:
        if path is not None:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            return os.pread(fd, length, offset)
        finally:
            if path is not None:
                os.close(fd)
    except OSError:
        return None


def _stamps(paths, listed_at):  # type: (list[str], int) -> list[tuple[str, int, int, int]] | None
    # (path, mtime, ctime, inode) of each folder listed, when every one was last changed well
    # before the listing began; else None, since a change in the clock tick of its stamp
    # would go unseen (``RACY_NS``).
    stamps = []
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            return None
        if info.st_ctime_ns >= listed_at - RACY_NS:
            return None
        stamps.append((path, info.st_mtime_ns, info.st_ctime_ns, info.st_ino))
    return stamps


# -- The registry -------------------------------------------------------------------------


class Registry:
    """Contracts keyed by module name (exact names and ``fnmatch`` patterns).

    Built for the finder's question about every import: one dict test for exact names, one
    ``str.startswith`` for ``prefix*`` patterns, one combined regular expression for the rest.

    Wildcard patterns (``*``, ``app*``, ``?`` and ``[...]`` forms) skip the modules of the
    standard library (``sys.stdlib_module_names`` and their submodules) and built-in modules,
    unless the pattern's literal start names one (``email.*``, ``json*``); exact names govern
    any module.

    :param contracts: :class:`~importspy_hook.Contract` objects, mappings in the contract
        format (validated here, as a file is), or the plain data of contracts
        (``Registry.contracts``, the compiled cache).
    :param on_violation: ``"raise"`` or ``"warn"`` to override every contract's own
        ``on_violation``; ``None`` keeps each contract's.
    :param ignore: module names and ``fnmatch`` patterns that are never guarded, even when a
        contract's pattern matches them.
    :raises ContractError: for a mapping that is not a valid contract (with the key path of
        each problem), or when two contracts govern the same exact module name (unless one
        is the application's and one a package's, marked by ``distribution`` in its data).
    """

    def __init__(self, contracts=(), *, on_violation=None, ignore=()):
        # type: (Iterable[Plain | Contract | Compiled], str | None, Iterable[str]) -> None
        if on_violation is not None and on_violation not in ON_VIOLATION:
            raise ValueError(f"on_violation must be 'raise' or 'warn', not {on_violation!r}")
        items = list(contracts)  # type: list[Any]
        exact = {}  # type: dict[str, int]
        # Exact names with more than one contract (an application's and a package's).
        shared = {}  # type: dict[str, tuple[int, ...]]
        prefixed = {}  # type: dict[str, list[int]]
        patterned = []  # type: list[tuple[str, int]]
        # Index of each wildcard contract -> the system module its pattern names, or "".
        heads = {}  # type: dict[int, str]
        for index, given in enumerate(items):
            item = given
            if type(item) is tuple:
                module = item[COMPILED_MODULE]
            else:
                if type(item) is not dict or not item.keys() >= PLAIN_KEYS:
                    # Imported here: only Contract objects and mappings in the contract format
                    # (validated, so that a bad one fails now, not inside an import) need it.
                    from importspy_hook._reading.structuring import plain_contract

                    item = items[index] = plain_contract(item, index)
                module = str(item["module"])
            if not ("*" in module or "?" in module or "[" in module):  # is_pattern, inlined
                if module in exact:
                    from importspy_hook._activation import claimed_twice

                    claimed_twice(module, items[exact[module]], item)
                    # An application's contract and a package's for the same module both apply.
                    shared[module] = (*shared.get(module, (exact[module],)), index)
                else:
                    exact[module] = index
                continue
            heads[index] = _named_system(module)
            if module[-1] == "*" and not ("*" in module[:-1] or "?" in module or "[" in module):
                prefixed.setdefault(module[:-1], []).append(index)
            else:
                patterned.append((module, index))
        self._items = items  # type: list[Any] | None
        self.on_violation = on_violation
        self.ignore = tuple(ignore)
        self._arrange(exact, shared, prefixed, patterned, heads)

    def _arrange(self, exact, shared, prefixed, patterned, heads):
        # type: (dict[str, int], dict[str, tuple[int, ...]], dict[str, list[int]], list[tuple[str, int]], dict[int, str]) -> None
        self._heads = heads
        # The standard-library and built-in top-level names some wildcard pattern names.
        self.named_system = frozenset(heads.values())
        # Exact name -> the index of its contract (of its first, when ``_shared`` has more):
        # a plain int per name, since a start from the index builds one per contract.
        self.exact = exact
        self._shared = shared
        self.prefixes = tuple(prefixed)
        self._prefixed = tuple((prefix, tuple(indices)) for prefix, indices in prefixed.items())
        self._patterns = patterned
        self._ignored = None  # type: Callable[[str], Match[str] | None] | None
        self._patterned = ()  # type: tuple[tuple[Callable[[str], Match[str] | None], int], ...]
        self.pattern = None  # type: Callable[[str], Match[str] | None] | None
        # A registry of the start index: (its file, that file's descriptor in a list, where
        # the items are in it, their length and digest, when this process started); the
        # items are read at the first need (``_loaded``).
        self._pending = None  # type: tuple[str, list[int], int, int, bytes, int] | None
        if self.ignore or patterned:
            # Only ignored names and patterns other than ``prefix*`` need ``re``.
            from importspy_hook._needs import compile_patterns

            self._ignored, self._patterned, self.pattern = compile_patterns(self.ignore, patterned)

    @classmethod
    def indexed(cls, arrangement, pending, on_violation):
        # type: (tuple[Any, ...], tuple[str, list[int], int, int, bytes, int], str | None) -> Registry
        # A registry of the start index (``indexed_registry``): arranged as the index holds it,
        # its contracts read at the first need (``_loaded``).
        registry = cls.__new__(cls)
        registry.on_violation = on_violation
        registry.ignore = ()
        registry._arrange(*arrangement)
        registry._items = None
        registry._pending = pending
        return registry

    def arrangement(self):  # type: () -> tuple[Any, ...]
        # What the start index keeps of this registry (``_reading.cache.store_start_index``).
        prefixed = {prefix: list(indices) for prefix, indices in self._prefixed}
        return self.exact, self._shared, prefixed, self._patterns, self._heads, self._loaded()

    def _loaded(self):  # type: () -> list[Any]
        items = self._items
        if items is None:
            items = self._items = indexed_items(*self._pending[:5])  # type: ignore[index]
        return items

    @classmethod
    def load(cls, contracts, *, on_violation=None):  # type: (PathSpec, str | None) -> Registry
        """Load every contract file in ``contracts`` (files and folders of ``*.yml``/``*.yaml``),
        through the compiled cache.

        :raises ContractError: the first problem found (a file that cannot be used, a missing
            path, two contracts for one module).
        """
        from importspy_hook._reading.settings import Settings, collect

        paths = [contracts] if isinstance(contracts, (str, os.PathLike)) else list(contracts)
        found, problems = collect(Settings([os.fspath(path) for path in paths], on_violation))
        if problems:
            raise problems[0]
        return cls(found, on_violation=on_violation)

    @property
    def contracts(self):  # type: () -> tuple[Plain, ...]
        """The plain data of every contract, in the order they were given."""
        return tuple(map(self._plain, range(len(self))))

    def covers(self, name):  # type: (str) -> bool
        """Whether any contract governs module ``name`` (and it is not ignored)."""
        if name in self.exact:
            return self._ignored is None or self._ignored(name) is None
        if name.startswith(self.prefixes) or (self.pattern is not None and self.pattern(name)):
            return bool(self.contracts_for(name))
        return False

    def contracts_for(self, name):  # type: (str) -> tuple[Plain, ...]
        """Every contract whose ``module`` matches ``name``: exact and patterns alike; none if ignored."""
        if self._ignored is not None and self._ignored(name) is not None:
            return ()
        first = self.exact.get(name)
        found = [] if first is None else list(self._shared.get(name) or (first,))
        wild = []  # type: list[int]
        for prefix, indices in self._prefixed:
            if name.startswith(prefix):
                wild.extend(indices)
        for match, index in self._patterned:
            if match(name) is not None:
                wild.append(index)
        if wild:
            top = name.partition(".")[0]
            if top in _STDLIB or top in _BUILTIN:
                wild = [index for index in wild if self._heads[index] == top]
            found.extend(wild)
        return tuple(map(self._plain, found))

    def mode(self, contract):  # type: (Plain) -> str
        """``"raise"`` or ``"warn"`` for ``contract``, after this registry's override."""
        return self.on_violation or contract["on_violation"]  # type: ignore[no-any-return,unused-ignore]

    def _plain(self, index):  # type: (int) -> Plain
        items = self._items if self._items is not None else self._loaded()
        item = items[index]
        if type(item) is tuple:
            # Another thread may decode the same item meanwhile: both get equal data.
            pending = self._pending
            if pending is None:
                item = items[index] = decode_compiled(item)
            else:
                item = items[index] = decode_indexed(item, pending[5], pending[0])
        return item  # type: ignore[no-any-return]

    def __len__(self):  # type: () -> int
        return len(self._items if self._items is not None else self._loaded())

    def __iter__(self):  # type: () -> Iterator[Plain]
        return iter(self.contracts)

    def __repr__(self):  # type: () -> str
        items = self._loaded()
        names = ", ".join(map(module_of, items[:5]))
        return f"<Registry of {len(items)} contracts: {names}{', ...' if len(items) > 5 else ''}>"


# Wildcard patterns skip these modules and their submodules unless they name them
# (``_named_system``); both are built into the interpreter, so free to read at start-up.
_STDLIB = sys.stdlib_module_names
_BUILTIN = sys.builtin_module_names


def _named_system(pattern):  # type: (str) -> str
    # The standard-library or built-in top-level name that ``pattern``'s literal start names
    # ("email" for "email.*" and "email*"), or "": "*", "e*" and "[ej]son" name none.
    cut = len(pattern)
    for char in "*?[":
        found = pattern.find(char)
        if 0 <= found < cut:
            cut = found
    head = pattern[:cut].partition(".")[0]
    return head if head in _STDLIB or head in _BUILTIN else ""


def is_pattern(module):  # type: (str) -> bool
    # Whether a contract's ``module`` is an fnmatch pattern rather than one exact name.
    return "*" in module or "?" in module or "[" in module


def module_of(item):  # type: (Item) -> str
    # The ``module`` a contract governs, decoded or not.
    return item[COMPILED_MODULE] if isinstance(item, tuple) else str(item["module"])


def decode_compiled(item):  # type: (Compiled) -> dict[str, Any]
    # The plain data of a contract from a cache entry. If it cannot be read back (another
    # process rewrote the cache file), the contract is parsed again while the file is still
    # the one this process trusted at start-up; otherwise, or when parsing fails, the module
    # is refused (fail closed): a running process never applies a later edit.
    module, source, cache_file, offset, length, digest, stat = item
    try:
        plain = marshal.loads(read_blob(cache_file, offset, length, digest))  # type: ignore[arg-type]
        if type(plain) is not dict or plain.get("module") != module:
            raise ValueError(f"the cache entry of {source} is not the contract of {module}")
    except Exception:
        from importspy_hook._activation import decoded_again

        return decoded_again(module, source, stat)
    plain["source"] = source
    return plain


def decode_indexed(item, started_at, index_file):  # type: (Compiled, int, str) -> dict[str, Any]
    # ``decode_compiled`` for a contract of the start index, whose file the start did not
    # stat: if it is no longer the file the index was written from, ``_activation`` decides
    # what applies (the file as it was when this process started, or a refusal).
    try:
        info = os.stat(item[COMPILED_SOURCE])
    except OSError:
        key = None
    else:
        key = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    if key == item[COMPILED_STAT]:
        return decode_compiled(item)
    from importspy_hook._activation import changed_since_indexed

    return changed_since_indexed(item, key, started_at, index_file)


# -- The finder ---------------------------------------------------------------------------


class ContractFinder:
    """Finds the real spec of a protected module and wraps its loader in a checking proxy."""

    # Marks our finder across copies of this module (a re-imported package, a .pth and a
    # src checkout), so that installing never stacks a second finder.
    _importspy_hook_finder = True

    def __init__(self, registry):  # type: (Registry) -> None
        self.registry = registry
        # What install() loaded the registry from, so invalidate_caches() can re-read it.
        self._source = None  # type: Any
        self._stamp = None  # type: object
        self._warned = set()  # type: set[int]

    def __repr__(self):  # type: () -> str
        return f"<ContractFinder over {len(self.registry)} contracts>"

    def find_spec(self, fullname, path=None, target=None):
        # type: (str, Sequence[str] | None, ModuleType | None) -> ModuleSpec | None
        # Another finder put first after install() is reported at the first import that sees
        # it (``_install.front_seen``): it may load protected modules without asking us.
        meta_path = sys.meta_path
        front = meta_path[0] if meta_path else self
        if front is not self and id(front) not in self._warned:
            self._warned.add(id(front))  # first: importing _install comes back through here
            from importspy_hook._install import front_seen

            front_seen(self, front)
        registry = self.registry
        if fullname not in registry.exact:
            if not fullname.startswith(registry.prefixes):
                pattern = registry.pattern
                if pattern is None or pattern(fullname) is None:
                    return None
            # Only wildcards matched: they skip the standard library and built-in modules,
            # except those a pattern names (selective enforcement, ``Registry``).
            top = fullname.partition(".")[0]
            if (top in _STDLIB or top in _BUILTIN) and top not in registry.named_system:
                return None
        # Imports made by a check running in this thread are the hook's own (see
        # ``_checking``), and so are the hook's own modules, imported when first needed: part
        # of the import machinery, like importlib's, a "*" contract must not guard them.
        if get_ident() in _checking or (fullname == "importspy_hook" or fullname.startswith("importspy_hook.")):
            return None
        try:
            return _guarded_spec(self, fullname, path, target)
        except Exception as error:
            # Fail closed: an error while deciding (ours, or a finder's we asked) refuses the
            # protected module. Raised from find_spec it ends this import, and no later finder
            # is asked (importlib._bootstrap._find_spec), so the module never loads unguarded.
            # Near the recursion limit, building the refusal may fail again: that error ends
            # the import just the same.
            raise refusal(fullname, error) from error

    def invalidate_caches(self):  # type: () -> None
        """Forget cached distribution versions and re-read changed contract files (README,
        "Python API"); never raises for a bad contract, which keeps the previous ones."""
        from importspy_hook._install import invalidate

        invalidate(self)


def put_in_front(registry):  # type: (Registry) -> ContractFinder
    # The one ContractFinder, given these contracts and put first on sys.meta_path.
    finder = installed_finder()
    if finder is None:
        finder = ContractFinder(registry)
    else:
        finder.registry = registry
        remove_finder(finder)
    sys.meta_path.insert(0, finder)
    return finder


def remove_finder(finder):  # type: (object) -> None
    try:
        sys.meta_path.remove(finder)  # type: ignore[arg-type]
    except ValueError:
        pass


def installed_finder():  # type: () -> ContractFinder | None
    # The installed finder, of any copy of this module.
    for finder in sys.meta_path:
        if getattr(type(finder), "_importspy_hook_finder", False):
            return finder  # type: ignore[return-value]
    return None


def _guarded_spec(finder, fullname, path, target):
    # type: (ContractFinder, str, Sequence[str] | None, ModuleType | None) -> ModuleSpec | None
    # The slow path of find_spec, for a name the registry covers: the real spec from the
    # other finders, its loader wrapped in a checking proxy.
    global strict_pending
    if strict_pending:
        strict_pending = False
        try:
            from importspy_hook._import_wrapper import enable

            enable(finder)
        except Exception as exc:  # a bug: said once, and this import is still checked
            from importspy_hook._activation import strict_failed

            strict_failed(exc)
    meta_path = sys.meta_path
    spec = None  # type: ModuleSpec | None
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
            from importspy_hook._failure import refuse_unchecked

            return refuse_unchecked(spec, contracts, registry)
    return spec


# -- The proxy loader ---------------------------------------------------------------------

# Strict mode's decided (importer, module) edges while it is on (``_import_wrapper`` sets
# and empties it), else None.
strict_edges = None  # type: dict[tuple[str | None, str], bool] | None


class GuardedLoader:
    # Wraps one load of one protected module; a new proxy is made for every load. It forwards
    # every attribute but create_module, get_code and exec_module to the real loader, and
    # hands the real loader back to the module once the checks pass (as
    # importlib.util.LazyLoader does).

    def __init__(self, real, contracts, registry, origin=None):
        # type: (Any, tuple[Plain, ...], Registry, str | None) -> None
        self._real = real
        self._origin = origin
        self._contracts = contracts
        self._registry = registry
        self._checked = False

    def __getattr__(self, name):  # type: (str) -> object
        return getattr(self._real, name)

    # isinstance() falls back to ``__class__`` when the type does not match (Objects/abstract.c
    # ``object_isinstance``): ``isinstance(find_spec(name).loader, SourceFileLoader)`` answers
    # for the real loader, as it does without the hook; type() still shows the proxy.
    # A loader that is a class keeps the proxy's: importlib tells classes apart (BuiltinImporter).
    @property  # type: ignore[misc]
    def __class__(self):  # type: () -> type
        real = self._real
        return GuardedLoader if isinstance(real, type) else type(real)

    def __repr__(self):  # type: () -> str
        return f"<GuardedLoader of {self._real!r}>"

    def create_module(self, spec):  # type: (ModuleSpec) -> ModuleType | None
        # Checked here, before the module object exists, for two reasons. An extension
        # module's code runs in create_module (single-phase init runs it all there). And a
        # refused import must leave nothing in sys.modules: a thread that finds the module
        # there while this import is running waits for it, then gets the object it found
        # even if the import failed (import.c ``import_ensure_initialized``), an empty shell
        # of the refused module. exec_module still checks when create_module was not called
        # (``importlib.reload``).
        importer = find_importer(1, spec.name)
        refused = _decide(True, spec.name, spec.origin, self, importer)
        if refused is not None:
            raise refused
        self._checked = True
        if strict_edges is not None:
            # Strict mode: this first import decided the edge; the import statement's own
            # check (``_import_wrapper``) must not decide it, nor warn about it, again.
            strict_edges[(importer[0] if importer is not None else None, spec.name)] = True
        create = getattr(self._real, "create_module", None)
        return None if create is None else create(spec)

    def get_code(self, fullname):  # type: (str) -> CodeType | None
        # runpy (``python -m``, ``runpy.run_module``) takes the code object from the loader and
        # runs it itself, never calling exec_module (runpy.py ``_get_module_details``): check
        # such a run like an import by runpy's caller (under ``python -m`` only runpy frames
        # are on the stack, so the importer is None). Other callers only look at the code.
        if sys._getframe(1).f_globals.get("__name__") == "runpy":
            refused = _decide(True, fullname, self._origin, self, find_importer(1, fullname), run=True)
            if refused is not None:
                raise refused
        return self._real.get_code(fullname)  # type: ignore[no-any-return,unused-ignore]

    def exec_module(self, module):  # type: (ModuleType) -> None
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
            refused = _decide(True, name, origin, self, find_importer(1, name))
            if refused is not None:
                raise refused
        try:
            real.exec_module(module)
        except BaseException:
            if _deferred:
                _deferred.pop(self, None)
            raise
        if _deferred:
            refused = _run_deferred(self, name, module)
            if refused is not None:
                raise refused
        refused = _decide(False, name, origin, self, module)
        if refused is not None:
            raise refused


# Checks waiting for a guarded module to finish running, by the loader running it: an
# ``importers.require`` member its source does not decide, checked on the finished module
# (``defer_until_run``). Empty unless such a check waits: a passing import tests it and moves on.
_deferred = {}  # type: dict[GuardedLoader, list[Callable[[ModuleType], None]]]


def defer_until_run(name, check):  # type: (str, Callable[[ModuleType], None]) -> bool
    # Runs ``check(module)`` once module ``name`` has finished running, when it is being loaded
    # through a GuardedLoader on this thread's stack (it has a contract of its own); ``check``
    # raises to refuse, and the import of ``name`` fails. False, and nothing kept, otherwise.
    code = GuardedLoader.exec_module.__code__
    frame = sys._getframe(1)  # type: FrameType | None
    while frame is not None:
        if frame.f_code is code:
            local = frame.f_locals
            loader = local.get("self")
            if getattr(local.get("module"), "__name__", None) == name and isinstance(loader, GuardedLoader):
                _deferred.setdefault(loader, []).append(check)
                return True
        frame = frame.f_back
    return False


def _run_deferred(loader, name, module):  # type: (GuardedLoader, str, ModuleType) -> BaseException | None
    for check in _deferred.pop(loader, None) or ():
        try:
            check(module)
        except Exception as error:
            return refusal(name, error)
    return None


def _decide(before, name, origin, loader, subject, **options):
    # type: (bool, str, str | None, GuardedLoader, object, **Any) -> BaseException | None
    # Runs the checks before the module's code runs (``subject``: the importer) or after it
    # (``subject``: the module) for one load; returns what the loader must raise, or None.
    # Raised from the loader's own frame, a refused import's traceback shows one frame of the
    # hook, not the wording behind it (and import.c ``remove_importlib_frames`` drops
    # importlib's frames from an ImportError's traceback).
    try:
        if before:
            _prepare(loader._contracts, loader._registry)
        run_checks(before, name, origin, loader._contracts, loader._registry, subject, **options)
    except Exception as error:
        return refusal(name, error)
    return None


def run_checks(before, name, origin, contracts, registry, subject, **options):
    # type: (bool, str, str | None, Sequence[Plain], Registry, object, **Any) -> None
    # ``check_before`` or ``check_after``, logged at DEBUG when someone listens; raises the
    # violation (or its warning, under an error filter).
    check = check_before if before else check_after  # type: Any
    if sys.modules.get("logging") is not None:
        # Nobody can listen to a logger before ``logging`` is imported, and importing it
        # costs milliseconds: until some other code imports it, this is one dict lookup.
        from importspy_hook._failure import debug_logger, logged

        if debug_logger() is not None:
            logged(check, before, name, origin, contracts, registry, subject, **options)
            return
    check(name, origin, contracts, registry, subject, **options)


def refusal(name, error):  # type: (str, Exception) -> Exception
    # What a failed check raises: a violation (or its warning, made an error by a filter) as
    # it is, with the frames that worded it dropped; any other error as a violation of its own,
    # rule ``hook.error`` (deciding failed, so the module is refused: fail closed), caused by it.
    if isinstance(error, Warning) or (isinstance(error, ImportError) and hasattr(error, "violations")):
        return error.with_traceback(None)
    try:
        from importspy_hook._failure import undecided

        refused = undecided(name, error)  # type: Exception
    except Exception:
        refused = ImportError(name + " is refused: importspy_hook could not decide whether it may be imported")
    refused.__cause__ = error
    return refused


def _prepare(contracts, registry):  # type: (Sequence[Plain], Registry) -> None
    # What the checks of ``contracts`` import (``re``, ``fnmatch``, packaging, and
    # importlib.metadata for a distribution not found by its folder name), imported now, at
    # the first import of a module they govern, and never at start-up: a start pays nothing
    # for the rules of modules it does not import. Here, in the loader, the import system holds
    # only this module's lock (``find_spec`` runs under the global import lock, where importing
    # could deadlock with a thread that is importing one of these modules), and these imports
    # are done before any rule is evaluated and before user code runs.
    needs = None  # type: list[str] | None
    distributions = None  # type: list[str] | None
    for contract in contracts:
        for alternative in contract["runtime"]:
            for distribution, package in alternative["packages"].items():
                distributions = [*(distributions or ()), distribution]
                if package["version"] is not None and "packaging.specifiers" not in sys.modules:
                    needs = [*(needs or ()), "packaging.version", "packaging.specifiers"]
            for env in alternative["env"].values():
                if env["matches"] is not None and "re" not in sys.modules:
                    needs = [*(needs or ()), "re"]
        importers = contract["importers"]
        if importers is not None and "fnmatch" not in sys.modules:
            for pattern in (*importers["deny"], *(importers["allow"] or ())):
                if "?" in pattern or "[" in pattern:
                    needs = [*(needs or ()), "fnmatch"]
    if needs or distributions:
        from importspy_hook._needs import import_for_checks

        import_for_checks(needs or [], distributions or [], registry)


def __tracebackhide__(excinfo):  # type: (Any) -> bool
    # pytest hides a frame whose globals say so (a callable decides per exception): a
    # violation's report then ends at the importing line with the contract's message.
    from importspy_hook._failure import is_violation

    return is_violation(excinfo)


# -- The checks on the path of an import that passes -------------------------------------
# Rules are evaluated into rule ids. When one fails, or a contract has ``importers.require``
# or ``provides``, ``_failure`` words the violations (``_violations``, ``_structure``) from the
# same functions and raises or warns.


def check_before(name, origin, contracts, registry, importer, *, run=False):
    # type: (str, str | None, Sequence[Plain], Registry, ImporterFacts | None, bool) -> list[Violation]
    # Importer name, then runtime (no alternatives, or one without a failure), then importer
    # structure; raises or warns on a violation, and returns the violations only warned about.
    # Each rule is evaluated once, here: what failed is handed to the wording side, which
    # only words it (``_failure.report_before``).
    facts = host_facts()
    name_of_importer = importer[0] if importer is not None else None
    required = False
    failed = None  # type: list[Failed] | None
    outer = enter_own_imports()
    try:
        for index, contract in enumerate(contracts):
            refused = importer_failure(contract, name_of_importer)
            alternatives = contract["runtime"]  # type: Sequence[Plain]
            runtime = None  # type: list[list[tuple[str, str]]] | None
            if alternatives:
                runtime = []
                for rule in alternatives:
                    found = runtime_failures(rule, facts)
                    if not found:
                        runtime = None
                        break
                    runtime.append(found)
            if "unreadable" in contract or refused is not None or runtime is not None:
                failed = [*(failed or ()), (index, refused, runtime)]
            importers = contract["importers"]
            required = required or (importers is not None and importers["require"] is not None)
    finally:
        leave_own_imports(outer)
    if failed is None and not required:
        return []
    from importspy_hook._failure import report_before

    return report_before(name, origin, contracts, registry, importer, failed or [], run=run)


def check_after(name, origin, contracts, registry, module):
    # type: (str, str | None, Sequence[Plain], Registry, ModuleType) -> list[Violation]
    # ``provides``: what the protected module must define once it ran.
    for contract in contracts:
        if contract["provides"] is not None:
            from importspy_hook._failure import report_after

            return report_after(name, origin, contracts, registry, module)
    return []


def importer_failure(contract, name):  # type: (Plain, str | None) -> tuple[str, str | None] | None
    # ("importers.deny", pattern), ("importers.allow", None), or None when the importer named
    # ``name`` (None: no module) may import under ``contract``; deny wins.
    importers = contract["importers"]  # type: Plain | None
    if importers is None:
        return None
    deny = importers["deny"]  # type: Sequence[str]
    if name is None:
        # An importer that cannot be known may be a denied one: refused by a deny-list as by
        # an allow-list (which says it first, when there is one).
        if deny and importers["allow"] is None:
            return ("importers.deny", None)
    else:
        for pattern in deny:
            if name_matches(name, pattern):
                return ("importers.deny", pattern)
    allow = importers["allow"]  # type: Sequence[str] | None
    if allow is not None and (name is None or not any(name_matches(name, p) for p in allow)):
        return ("importers.allow", None)
    return None


def name_matches(name, pattern):  # type: (str, str) -> bool
    # fnmatch.fnmatchcase; patterns without ``?`` and ``[...]`` are matched here, since
    # fnmatch pulls in ``re`` (with enum, functools, collections: about 10 ms at start-up).
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


def runtime_failures(rule, facts):  # type: (Plain, Facts) -> list[tuple[str, str]]
    # (rule id, key) of each part of one runtime alternative that fails: ``key`` is the
    # variable or distribution name for env and packages, else the field's name.
    found = []  # type: list[tuple[str, str]]
    python = rule["python"]  # type: Plain | None
    if python is not None and not python_matches(python["clauses"], facts[4], facts[3]):
        found.append(("runtime.python", "python"))
    for key, actual in (("implementation", facts[5]), ("os", facts[0]), ("arch", facts[1])):
        allowed = rule[key]  # type: Sequence[str] | None
        if allowed is not None and actual not in allowed:
            found.append((f"runtime.{key}", key))
    env = rule["env"]  # type: Mapping[str, Plain]
    if env:
        environ = os.environ
        for name, env_rule in env.items():
            failed = env_failure(env_rule, environ.get(name))
            if failed is not None:
                found.append((f"runtime.env.{failed}", name))
    packages = rule["packages"]  # type: Mapping[str, Plain]
    if packages:
        # Imported here: only contracts with a ``packages`` rule need them (and packaging).
        from importspy_hook._snapshot import distribution_version
        from importspy_hook._violations import package_failure

        for name, package_rule in packages.items():
            failed = package_failure(package_rule, distribution_version(name))
            if failed is not None:
                found.append((f"runtime.packages.{failed}", name))
    return found


def env_failure(rule, value):  # type: (Plain, str | None) -> str | None
    # The part of an env rule that ``value`` (None: unset) fails: absent, required, equals,
    # one_of or matches; None when it holds.
    if rule["absent"]:
        return None if value is None else "absent"
    if value is None:
        return "required" if rule["required"] else None
    equals = rule["equals"]  # type: str | None
    if equals is not None and value != equals:
        return "equals"
    one_of = rule["one_of"]  # type: Sequence[str] | None
    if one_of is not None and value not in one_of:
        return "one_of"
    matches = rule["matches"]  # type: str | None
    if matches is not None:
        # Imported here, like ``re`` by it: only contracts with a ``matches`` rule need it.
        from importspy_hook._violations import full_match

        if not full_match(matches, value):
            return "matches"
    return None


def python_matches(clauses, version, text):
    # type: (Iterable[Mapping[str, Any]], tuple[int, int, int, int, int], str) -> bool
    # Whether the interpreter (``Snapshot.python_key`` and ``.python``) satisfies every clause
    # of a ``runtime.python`` specifier. Contracts are compiled when loaded, ``packaging``
    # parsing the specifier into clauses of plain data {"operator", "release", "pre",
    # "wildcard", "text"}, so that checking needs no import. Interpreter versions are release
    # versions with an optional pre-release and never carry epochs, post, dev or local
    # segments: for them this subset of PEP 440 is exact (the test suite compares it with
    # ``packaging`` over a grid). Pre-releases of the interpreter are admitted when the
    # arithmetic holds: ">=3.10" means a 3.14 rc too.
    for clause in clauses:
        operator = clause["operator"]
        if operator == "===":
            if clause["text"] != text:
                return False
            continue
        release = tuple(clause["release"])  # type: tuple[int, ...]
        width = max(len(release), 3)
        mine = version[:3] + (0,) * (width - 3)
        if clause["wildcard"]:
            if (mine[: len(release)] == release) != (operator == "=="):
                return False
            continue
        theirs = release + (0,) * (width - len(release))
        pre = clause["pre"]  # type: Sequence[int] | None
        my_key = (mine, version[3:])
        their_key = (theirs, (3, 0) if pre is None else tuple(pre))  # (3, 0): a final release
        if operator == "==":
            holds = my_key == their_key
        elif operator == "!=":
            holds = my_key != their_key
        elif operator == ">=":
            holds = my_key >= their_key
        elif operator == "<=":
            holds = my_key <= their_key
        elif operator == ">":
            holds = my_key > their_key
        elif operator == "<":
            # PEP 440: "<V" excludes pre-releases of V itself unless V is a pre-release.
            holds = my_key < their_key and not (pre is None and mine == theirs)
        elif operator == "~=":
            holds = my_key >= their_key and mine[: len(release) - 1] == release[:-1]
        else:
            raise ValueError(f"unknown specifier operator {operator!r}")
        if not holds:
            return False
    return True


# -- The importer -------------------------------------------------------------------------
# The first frame, walking outwards from the loader, whose module is not part of the import
# machinery. A ``sys._getframe`` walk costs about 2 us; ``inspect.stack()`` costs about
# 200 us and imports ``inspect`` (15 ms).

# Top-level packages whose frames are never the importer. ``_frozen_importlib`` runs with
# ``__name__ == "importlib._bootstrap"``; the two backports stand in for importlib on old
# interpreters (entry-point loading imports plugins from inside importlib.metadata).
MACHINERY = frozenset(
    {
        "importlib",
        "importlib_metadata",
        "importlib_resources",
        "pkgutil",
        "runpy",
        "importspy_hook",
        "_importspy_hook_guard",
        "_importspy_hook_start",
        "_frozen_importlib",
        "_frozen_importlib_external",
    }
)


def is_machinery(name):  # type: (object) -> bool
    return isinstance(name, str) and name.partition(".")[0] in MACHINERY


# The functions that run a callable on another module's behalf (a thread's target, an
# executor's work item, an event loop's callback, a logging factory, a scheduled event,
# mock.patch's target lookup; None: any function of the module): the module that asked is
# gone from the stack by then, so an import made from them has an unknown importer, never
# the dispatcher. Their own imports (module level, or of their own package) are theirs.
DISPATCHERS = {
    "threading": ("run",),
    "concurrent.futures.thread": ("run",),
    "asyncio.events": ("_run",),
    "logging.config": None,
    "sched": ("run",),
    "unittest.mock": None,
}  # type: dict[str, tuple[str, ...] | None]
# The key of an unknown importer's namespace that names the dispatching module.
VIA = "__importspy_hook_via__"
# Where an extension module's own code runs while it is imported (ExtensionFileLoader).
_EXTENSION_STEPS = ("create_module", "exec_module")
_EXTERNAL = ("importlib._bootstrap_external", "_frozen_importlib_external")


def find_importer(depth=1, target=None):  # type: (int, str | None) -> ImporterFacts | None
    # The first frame outside the import machinery, ``depth`` frames above the caller, for
    # an import of ``target``. An importer that cannot be known has no name: ``None`` when no
    # Python frame made the import (an atexit hook, a C callback), else ``(None, file, line,
    # namespace)`` of the dispatching module's frame (README, "Who the importer is").
    frame = None  # type: FrameType | None
    try:
        frame = sys._getframe(depth + 1)
    except ValueError:  # the stack is shallower than ``depth``
        return None
    while frame is not None:
        namespace = frame.f_globals
        name = namespace.get("__name__")
        if is_machinery(name):
            if frame.f_code.co_name in _EXTENSION_STEPS and name in _EXTERNAL:
                # An extension module's initialisation (PyInit runs in these) is the importer.
                loader = frame.f_locals.get("self")
                spec = frame.f_locals.get("spec") or getattr(frame.f_locals.get("module"), "__spec__", None)
                if type(loader).__name__ == "ExtensionFileLoader" and spec is not None:
                    return (spec.name, spec.origin or "", 0, {})
        elif not isinstance(name, str):
            return (None, frame.f_code.co_filename, frame.f_lineno or 0, namespace)
        elif (
            target is not None
            and frame.f_code.co_name == "__getattr__"
            and target.startswith(name + ".")
            and getattr(namespace.get("__getattr__"), "__code__", None) is frame.f_code
        ):
            # A package's module __getattr__ (PEP 562, lazy submodules) imports on behalf of
            # the module that asked for the attribute: ``from payments import keys``.
            pass
        elif (
            name in DISPATCHERS
            and _dispatches(frame.f_code.co_name, DISPATCHERS[name])
            and not (target or "").startswith(name.partition(".")[0] + ".")
        ):
            # No namespace: an unknown importer meets no ``importers.require``.
            return (None, frame.f_code.co_filename, frame.f_lineno or 0, {VIA: name})
        else:
            return (name, frame.f_code.co_filename, frame.f_lineno or 0, namespace)
        frame = frame.f_back
    return None


def _dispatches(function, functions):  # type: (str, tuple[str, ...] | None) -> bool
    return function != "<module>" and (functions is None or function in functions)


# -- The platform's facts ---------------------------------------------------------------
# Static facts (OS, architecture, Python) are read once per process, as a plain tuple
# (``_snapshot.Snapshot`` names them); environment variables live at each check, since a
# process may set them after start-up; distribution versions on first need (``_snapshot``).
# It never imports ``platform`` (which pulls in ``re``, ``subprocess`` and more).

_RELEASE_LEVELS = {"alpha": ("a", 0), "beta": ("b", 1), "candidate": ("rc", 2), "final": ("", 3)}
# This host's spellings that differ from the canonical names (``_snapshot`` has them all).
HOST_ARCH = {"amd64": "x86_64", "x64": "x86_64", "x86-64": "x86_64", "aarch64": "arm64", "armv7": "armv7l"}
HOST_ARCH.update(dict.fromkeys(("i386", "i486", "i586", "i686"), "x86"))
HOST_OS = {"win32": "windows", "macos": "darwin", "osx": "darwin", "solaris": "sunos"}
_facts_of_this_host = None  # type: Facts | None


def host_facts():  # type: () -> Facts
    # (os, arch, machine, python, python_key, implementation) of this process.
    global _facts_of_this_host
    if _facts_of_this_host is None:
        vi = sys.version_info
        suffix, rank = _RELEASE_LEVELS.get(vi.releaselevel, ("", 3))
        python = f"{vi.major}.{vi.minor}.{vi.micro}{suffix}{vi.serial if suffix else ''}"
        try:
            machine = os.uname().machine
        except AttributeError:  # Windows has no uname; this is what platform.machine() reads there.
            machine = os.environ.get("PROCESSOR_ARCHITEW6432") or os.environ.get("PROCESSOR_ARCHITECTURE", "")
        key = (vi.major, vi.minor, vi.micro, rank, vi.serial if suffix else 0)
        arch = HOST_ARCH.get(machine.lower(), machine.lower())
        _facts_of_this_host = (host_os(sys.platform), arch, machine, python, key, sys.implementation.name)
    return _facts_of_this_host


def host_os(platform):  # type: (str) -> str
    # Canonical OS name for a sys.platform value (linux, win32, freebsd14 ...).
    if platform.startswith("linux"):
        return "linux"
    # The whole value first: "win32" is Windows, not a version 32 of "win".
    name = HOST_OS.get(platform) or platform.rstrip("0123456789")
    return HOST_OS.get(name, name)


# -- The hook's own imports ---------------------------------------------------------------
# A check may import what it needs on first use (fnmatch, re, packaging, and
# importlib.metadata with zipfile, csv, email, ...). Those imports belong to the hook, like
# the import machinery's, and are not checked (the finder returns None for them): otherwise
# a contract on one of them, or a "*" pattern, would be checked from inside its own check and
# recurse. The threads running a check now: a set of thread idents rather than a
# threading.local subclass, which costs 40 us to create at the first protected import.
_checking = set()  # type: set[int]


def _after_fork_in_child():  # type: () -> None
    # Only the thread that called fork() lives on in the child. A thread the child starts later
    # may be given the ident of one that was running a check in the parent, and would then pass
    # unchecked: keep the forking thread's own mark only.
    ident = get_ident()
    mine = ident in _checking
    _checking.clear()
    if mine:
        _checking.add(ident)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def enter_own_imports():  # type: () -> bool
    # Marks this thread as running a check; returns the previous mark for leave_own_imports.
    ident = get_ident()
    outer = ident in _checking
    _checking.add(ident)
    return outer


def leave_own_imports(outer):  # type: (bool) -> None
    if not outer:
        _checking.discard(get_ident())


def in_own_imports():  # type: () -> bool
    # Whether this thread is running a check: its imports are the hook's own.
    return get_ident() in _checking


# Shown as importspy_hook.X in reprs and tracebacks, where users find them.
Registry.__module__ = ContractFinder.__module__ = "importspy_hook"
