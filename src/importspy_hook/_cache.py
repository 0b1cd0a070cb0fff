"""The compiled contract cache: the plain data of each parsed contract, stored with ``marshal``.

Parsing YAML and structuring it with cattrs costs tens of milliseconds and imports ruamel.yaml,
cattrs and attrs; the checks only need the plain data (``_convert.to_plain``). So each parsed
contract is stored as one entry, and a warm start reads the entry and imports none of them.

An entry is keyed by the contract's absolute path, size and ``st_mtime_ns``, and holds the
contract's bytes, which must equal the file's current bytes. The bytes stand in for a hash
of them: comparing them is exact and imports nothing, where ``zlib`` (about 0.4 ms),
``_blake2`` (0.25 ms) or ``hashlib`` (2.7 ms, through ``_hashlib``) would each cost more than
reading every entry (``-X importtime``, docs/performance.rst).

Entries live in a ``__importspy_cache__`` folder beside the contract, or, when that folder
cannot be written, in the user's cache folder (``IMPORTSPY_HOOK_CACHE_DIR`` chooses another).
They are written to a temporary file and moved in place with ``os.replace``, so a reader never
sees half an entry. An entry that is missing, stale, from another version or not readable is
ignored and rebuilt; a cache that cannot be written is not an error, only a slower start.
"""

from __future__ import annotations

import marshal
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from os import PathLike
    from typing import Any

    PathSpec = str | PathLike[str] | Iterable[str | PathLike[str]]

CACHE_FOLDER = "__importspy_cache__"
CACHE_DIR_VARIABLE = "IMPORTSPY_HOOK_CACHE_DIR"
SUFFIX = ".marshal"
# Bump when the plain data's layout changes; the package version is part of the tag as well,
# so that a new release never reads an older release's entries.
FORMAT = 1
# The same bound as ``_yaml.MAX_BYTES``; a larger file fails to parse and is never cached.
_MAX_BYTES = 1 << 20


def compiled_contracts(paths: PathSpec) -> list[dict[str, Any]]:
    """The plain data of every contract named by ``paths``, from the cache where it is fresh.

    :raises ContractError: for the first file that cannot be used, or a missing path.
    """
    from ._load import contract_files

    return [compiled_contract(file) for file in contract_files(paths)]


def compiled_contract(file: str) -> dict[str, Any]:
    """The plain data of contract ``file``: the cached entry when it is fresh, else parsed and stored.

    :raises ContractError: when the file cannot be read or is not a valid contract.
    """
    source = _read(file)
    if source is not None:
        key, raw = source
        for entry in entry_paths(key[0]):
            plain = _read_entry(entry, key, raw)
            if plain is not None:
                plain["source"] = file
                return plain
    plain = _parse(file)
    if source is not None and _read(file) == source:
        # Stored only when the file did not change while it was parsed, so that an entry
        # never holds data of other bytes than its own.
        _store(key, raw, plain)
    return plain


def entry_paths(path: str) -> tuple[str, str]:
    """Where the entry of the contract at absolute ``path`` is looked for: beside it, then the user's cache."""
    folder, name = os.path.split(path)
    return (
        os.path.join(folder, CACHE_FOLDER, name + SUFFIX),
        os.path.join(user_cache_dir(), f"{_path_hash(path):016x}-{name}{SUFFIX}"),
    )


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


def _tag() -> str:
    from . import __version__

    return f"importspy_hook-cache {FORMAT} {__version__} marshal {marshal.version}"


def _read(file: str) -> tuple[tuple[str, int, int], bytes] | None:
    """``((absolute path, size, mtime_ns), bytes)`` of ``file``, or ``None`` when it cannot be read."""
    try:
        with open(file, "rb") as stream:
            stat = os.fstat(stream.fileno())
            raw = stream.read(_MAX_BYTES + 1)
    except OSError:
        return None
    return (os.path.abspath(file), stat.st_size, stat.st_mtime_ns), raw


def _read_entry(entry: str, key: tuple[str, int, int], raw: bytes) -> dict[str, Any] | None:
    try:
        with open(entry, "rb") as stream:
            data = marshal.loads(stream.read())
    except Exception:
        # Missing, unreadable, truncated or not marshal data: all mean "rebuild it".
        return None
    if (
        type(data) is tuple
        and len(data) == 4
        and data[0] == _tag()
        and data[1] == key
        and data[2] == raw
        and type(data[3]) is dict
    ):
        return data[3]
    return None


def _parse(file: str) -> dict[str, Any]:
    # Imported here: parsing needs ruamel.yaml, cattrs and attrs, which a warm cache never loads.
    from ._convert import to_plain
    from ._load import load_contract

    return to_plain(load_contract(file))


def _store(key: tuple[str, int, int], raw: bytes, plain: dict[str, Any]) -> None:
    data = dict(plain)
    data["source"] = key[0]
    try:
        payload = marshal.dumps((_tag(), key, raw, data))
    except ValueError:
        return  # not plain data after all: check it every time rather than fail
    beside, user = entry_paths(key[0])
    for entry, marker in ((beside, True), (user, False)):
        if _write_atomically(entry, payload, ignore_marker=marker):
            return


def _write_atomically(entry: str, payload: bytes, *, ignore_marker: bool) -> bool:
    folder = os.path.dirname(entry)
    temporary = f"{entry}.{os.getpid()}.tmp"
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
