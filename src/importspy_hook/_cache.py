"""The compiled contract cache: the plain data of each parsed contract, stored with ``marshal``.

Parsing YAML and structuring it with cattrs costs tens of milliseconds and imports ruamel.yaml,
cattrs and attrs; the checks only need the plain data (``_convert.to_plain``). So each parsed
contract is stored as one entry, and a warm start reads the entries and imports none of them.

The entries of the contracts of one folder are kept in one cache file (``contracts.marshal``),
so that a start-up opens and unmarshals one file per folder, not one per contract (0.2 ms
less for 20 contracts, README, "Performance"). An entry is keyed by the contract's file name in
that folder, its size and ``st_mtime_ns``, and holds the contract's bytes, which must equal
the file's current bytes. The bytes stand in for a hash
of them: comparing them is exact and imports nothing, where importing ``zlib`` (about 0.5 ms
here), ``_blake2`` (0.4 ms) or ``hashlib`` (3 ms and more, through ``_hashlib``) would cost
more than comparing every contract's bytes (``-X importtime``, README, "Performance").

The cache file lives in a ``__importspy_cache__`` folder beside the contracts, or, when that
folder cannot be written, in the user's cache folder (``IMPORTSPY_HOOK_CACHE_DIR`` chooses
another). It is written to a temporary file and moved in place with ``os.replace``, so a reader
never sees half a file. An entry that is missing, stale, from another version or not readable is
ignored and rebuilt; a cache that cannot be written is not an error, only a slower start.
"""

import marshal
import os
import sys

# No ``from __future__ import annotations`` here: this module is imported at start-up or at the
# first protected import, where importing ``__future__`` costs about 1.5 % of a bare start
# (README, "Performance"). Annotations that name type-only imports are quoted instead.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from os import PathLike
    from typing import Any, TypeGuard

    PathSpec = str | PathLike[str] | Iterable[str | PathLike[str]]

CACHE_FOLDER = "__importspy_cache__"
CACHE_DIR_VARIABLE = "IMPORTSPY_HOOK_CACHE_DIR"
SUFFIX = ".marshal"
CACHE_FILE = "contracts" + SUFFIX
#: The file names :func:`contract_files` finds in a folder.
SUFFIXES = (".yml", ".yaml")
# Bump when the plain data's layout changes; the package version is part of the tag as well,
# so that a new release never reads an older release's entries.
FORMAT = 2
# The same bound as ``_yaml.MAX_BYTES``; a larger file fails to parse and is never cached.
_MAX_BYTES = 1 << 20


def compiled_contracts(paths: "PathSpec") -> "list[dict[str, Any]]":
    """The plain data of every contract named by ``paths``, from the cache where it is fresh.

    :raises ContractError: for the first file that cannot be used, or a missing path.
    """
    return [compiled_contract(file) for file in contract_files(paths)]


def compiled_contract(file: str) -> "dict[str, Any]":
    """The plain data of contract ``file``: the cached entry when it is fresh, else parsed and stored.

    :raises ContractError: when the file cannot be read or is not a valid contract.
    """
    source = _read_source(file)
    if source is not None:
        key, raw = source
        folder, name = os.path.split(key[0])
        # The user cache's name is computed only on a miss beside: it hashes the folder's path.
        entry = _entries(beside_cache(folder)).get(name)
        if not _fresh(entry, key, raw):
            entry = _entries(user_cache(folder)).get(name)
        if _fresh(entry, key, raw):
            plain = dict(entry[3])
            plain["source"] = file
            return plain
    plain = _parse(file)
    if source is not None and _read_source(file) == source:
        # Stored only when the file did not change while it was parsed, so that an entry
        # never holds data of other bytes than its own.
        _store(key, raw, plain)
    return plain


def contract_files(paths: "str | PathLike[str] | Iterable[str | PathLike[str]]") -> list[str]:
    """The contract files named by ``paths``: files as given, folders searched recursively
    for ``*.yml`` and ``*.yaml`` (hidden entries skipped), in sorted order.

    :raises ContractError: for a path that does not exist, or a folder that cannot be read.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files: list[str] = []
    for entry in paths:
        path = os.fspath(entry)
        if os.path.isdir(path):
            found: list[str] = []
            for root, dirs, names in os.walk(path, onerror=_unreadable_folder):
                dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
                found.extend(os.path.join(root, n) for n in names if n.endswith(SUFFIXES) and not n.startswith("."))
            files.extend(sorted(found))
        elif os.path.exists(path):
            files.append(path)
        else:
            from ._errors import ContractError  # imported when needed, as below

            raise ContractError(path, "no such contract file or folder; check the path, or create it")
    return files


def _unreadable_folder(error: OSError) -> None:
    # os.walk skips folders it cannot list unless told; a skipped folder would silently
    # leave its modules unguarded. Imported here: a warm start-up never needs _errors.
    from ._errors import ContractError

    raise ContractError(
        str(error.filename),
        f"cannot be read: {error.strerror or error}; make it readable by this process, or remove it from the paths",
    )


def beside_cache(folder: str) -> str:
    """The cache file of the contracts in absolute ``folder``: ``__importspy_cache__`` beside them."""
    return os.path.join(folder, CACHE_FOLDER, CACHE_FILE)


def user_cache(folder: str) -> str:
    """The cache file of the contracts in absolute ``folder``, in the user's cache folder."""
    return os.path.join(user_cache_dir(), f"{_path_hash(folder):016x}-{os.path.basename(folder)}{SUFFIX}")


def user_cache_dir() -> str:
    """The folder for entries that cannot be written beside their contract."""
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


_tag: str | None = None


def tag() -> str:
    """What an entry must start with: this cache format, package version and marshal version."""
    global _tag
    if _tag is None:
        from . import __version__

        _tag = f"importspy_hook-cache {FORMAT} {__version__} marshal {marshal.version}"
    return _tag


def _read_bytes(path: str, limit: int) -> tuple[os.stat_result, bytes] | None:
    # os.open and one os.read of the known size: open() would build two io objects, and
    # read(n) would allocate n bytes up front (about 10 us per file at start-up, times 40).
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


def _read_source(file: str) -> tuple[tuple[str, int, int], bytes] | None:
    """``((absolute path, size, mtime_ns), bytes)`` of ``file``, or ``None`` when it cannot be read."""
    found = _read_bytes(file, _MAX_BYTES)
    if found is None:
        return None  # too large for a contract, or unreadable: parsing reports why
    stat, raw = found
    return (os.path.abspath(file), stat.st_size, stat.st_mtime_ns), raw


# Cache file -> its entries, read once per process: a start-up reads each folder's file once,
# not once per contract. Every entry is still checked against its contract's current bytes.
_loaded: "dict[str, dict[str, Any]]" = {}


def _entries(cache_file: str) -> "dict[str, Any]":
    """The entries of ``cache_file`` (contract file name -> entry); empty when it is missing,
    unreadable, corrupt or of another version (it is then rebuilt as contracts are parsed)."""
    entries = _loaded.get(cache_file)
    if entries is None:
        entries = _loaded[cache_file] = _read_cache_file(cache_file)
    return entries


def _fresh(entry: object, key: tuple[str, int, int], raw: bytes) -> "TypeGuard[tuple[int, int, bytes, dict[str, Any]]]":
    """Whether ``entry`` was made from exactly these bytes, of this size and ``st_mtime_ns``."""
    return (
        type(entry) is tuple
        and len(entry) == 4
        and entry[0] == key[1]
        and entry[1] == key[2]
        and entry[2] == raw
        and type(entry[3]) is dict
    )


def _read_cache_file(cache_file: str) -> "dict[str, Any]":
    found = _read_bytes(cache_file, 64 * _MAX_BYTES)
    if found is None:
        return {}
    try:
        data = marshal.loads(found[1])
    except Exception:
        return {}  # truncated, or not marshal data: rebuild it
    if type(data) is tuple and len(data) == 2 and data[0] == tag() and type(data[1]) is dict:
        return data[1]
    return {}


def _parse(file: str) -> "dict[str, Any]":
    # Imported here: parsing needs ruamel.yaml, cattrs and attrs, which a warm cache never loads.
    from ._convert import to_plain
    from ._load import load_contract

    return to_plain(load_contract(file))


def _store(key: tuple[str, int, int], raw: bytes, plain: "dict[str, Any]") -> None:
    folder, name = os.path.split(key[0])
    data = dict(plain)
    del data["source"]  # set from the path the contract is read by
    entry = (key[1], key[2], raw, data)
    try:
        marshal.dumps(entry)
    except ValueError:
        return  # not plain data after all: check it every time rather than fail
    for cache_file, ignore_marker in ((beside_cache(folder), True), (user_cache(folder), False)):
        # Entries of contracts that are gone are dropped; the others are kept as read.
        entries = {n: e for n, e in _entries(cache_file).items() if os.path.exists(os.path.join(folder, n))}
        entries[name] = entry
        if _write_atomically(cache_file, marshal.dumps((tag(), entries)), ignore_marker=ignore_marker):
            _loaded[cache_file] = entries
            return


def _write_atomically(entry: str, payload: bytes, *, ignore_marker: bool) -> bool:
    # Imported here: only writing needs it (a builtin module, so nearly free).
    from _thread import get_ident

    folder = os.path.dirname(entry)
    # Unique to this process and thread, so that concurrent writers never share a file.
    temporary = f"{entry}.{os.getpid()}.{get_ident()}.tmp"
    try:
        if not os.path.isdir(folder):
            os.makedirs(folder, exist_ok=True)
            if ignore_marker:
                # Like ``__pycache__``, the folder is not meant for version control.
                with open(os.path.join(folder, ".gitignore"), "w", encoding="utf-8") as stream:
                    stream.write("# Written by importspy_hook: compiled contracts, safe to delete.\n*\n")
        with open(temporary, "wb") as stream:
            stream.write(payload)
        os.replace(temporary, entry)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return False
    return True


def _path_hash(path: str) -> int:
    # 64-bit FNV-1a of the path, so that user-cache entry names stay short and distinct
    # without importing a hash module; a collision only costs a rebuild (the key is checked).
    value = 0xCBF29CE484222325
    for byte in os.fsencode(path):
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value
