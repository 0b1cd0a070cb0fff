"""Source facts kept per file, so that a second run parses nothing that did not change.

Entries are keyed as the compiled contract cache keys its entries: the source's stat key
``(size, st_mtime_ns, st_ctime_ns, st_ino)`` and the digest of its bytes (``_imp.source_hash``,
CPython's keyed SipHash for hash-based ``.pyc`` files). An entry is used without reading the
source when the stat key is the same and the ctime is older than the moment the bytes were
hashed by more than the clock's granularity (git's "racily clean" rule, explained in
:mod:`importspy_hook._cache`); otherwise the bytes are read and hashed, and an entry whose digest
still matches is used (and re-keyed). Only a changed source is parsed again.

Each source file has one small cache file, ``<digest of its path>-<name>.facts.marshal`` in the
``facts`` folder of the user's cache folder (``IMPORTSPY_HOOK_CACHE_DIR`` chooses another), so
that read-only trees such as site-packages are cached too and a run-time lookup opens one file.
The file holds the header, then ``(stat key, digest, hashed at, facts without members and
imports, member names, member offsets, where the imports start)`` and each member's facts (and
the import statements) marshalled on their own: a run-time check of two required members
unmarshals those two, not the hundreds a large module defines (:class:`LazyMembers`). Within a
process, facts are also kept in memory: each file is read at most once per process. A cache that
cannot be written is not an error, only a slower run.
"""

from __future__ import annotations

import marshal
import os
import sys
import time
from _imp import source_hash
from collections.abc import Iterator, Mapping
from typing import Any

from importspy_hook.static.facts import FORMAT, read_facts

# The header names this format and the interpreter: ``ast.unparse`` spells some expressions
# differently across Python versions, and marshal's format is per version.
_HEADER = f"importspy-facts {FORMAT}.4 {sys.implementation.cache_tag} {marshal.version}\n".encode()
_KEY = 0x1A2B3C4D  # fixed: digests must be the same in every process
# A ctime this close to the hashing moment may hide a write within the clock's granularity.
_RACY_NS = 2_000_000_000
_CTIME_IS_CHANGE_TIME = os.name != "nt"
_MAX_BYTES = 8 << 20

# file -> (stat key, facts), for the life of the process.
_memory: dict[str, tuple[tuple[int, int, int, int], dict[str, Any]]] = {}


class _CachedFacts(dict[str, Any]):
    """Facts read from the cache: the import statements are unmarshalled when first asked for
    (a run-time ``require`` check never asks)."""

    __slots__ = ("_imports",)

    def __init__(self, facts: dict[str, Any], imports: bytes) -> None:
        super().__init__(facts)
        self._imports = imports

    def __missing__(self, key: str) -> Any:
        if key != "imports":
            raise KeyError(key)
        found = self["imports"] = marshal.loads(self._imports)
        return found


class LazyMembers(Mapping[str, Any]):
    """The members of cached facts, each unmarshalled when it is first asked for.

    The names are one newline-separated bytes string, searched in place: a check of two members
    of a module that defines hundreds builds two objects, not hundreds."""

    __slots__ = ("_data", "_names", "_offsets", "_loaded")

    def __init__(self, data: bytes, names: bytes, offsets: bytes) -> None:
        self._data = data
        self._names = names  # b"\nfirst\nsecond\n"
        # Member i's blob spans offsets[i] to offsets[i + 1] (4-byte little-endian numbers).
        self._offsets = offsets
        self._loaded: dict[str, Any] = {}

    def _position(self, name: str) -> int:
        found = self._names.find(b"\n" + name.encode() + b"\n")
        return -1 if found < 0 else self._names.count(b"\n", 0, found)

    def __getitem__(self, name: str) -> Any:
        found = self._loaded.get(name)
        if found is None:
            position = self._position(name)
            if position < 0:
                raise KeyError(name)
            at = position * 4
            start = int.from_bytes(self._offsets[at : at + 4], "little")
            end = int.from_bytes(self._offsets[at + 4 : at + 8], "little")
            found = self._loaded[name] = marshal.loads(self._data[start:end])
        return found

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._loaded or self._position(name) >= 0)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names[1:-1].decode().split("\n") if len(self._names) > 1 else ())

    def __len__(self) -> int:
        return self._names.count(b"\n") - 1 if len(self._names) > 1 else 0


def source_facts(file: str) -> dict[str, Any] | None:
    """The facts of the Python source ``file`` (see :mod:`.facts`), or ``None`` when it cannot
    be read. Unchanged files are served from memory or from the cache, never parsed again."""
    try:
        info = os.stat(file)
    except OSError:
        return None
    key = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    known = _memory.get(file)
    if known is not None and known[0] == key:
        return known[1]
    cache_file = _cache_file(file)
    entry = _read_entry(cache_file)
    if entry is not None and entry[0] == key and _CTIME_IS_CHANGE_TIME and info.st_ctime_ns < entry[2] - _RACY_NS:
        cached: dict[str, Any] = entry[3]
        _memory[file] = (key, cached)
        return cached
    when = time.time_ns()  # taken before the read: a later change gets a later ctime
    raw = _read_source(file)
    if raw is None:
        return None
    info, data = raw
    key = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    digest = source_hash(_KEY, data)
    if entry is not None and entry[1] == digest:
        facts: dict[str, Any] = entry[3]
        if entry[0] != key:  # touched, not changed: keyed again, so that the next run trusts it
            _write(cache_file, key, digest, when, facts)
    else:
        facts = read_facts(data, file)
        _write(cache_file, key, digest, when, facts)
    _memory[file] = (key, facts)
    return facts


def cache_folder() -> str:
    """Where the facts are kept: ``facts`` in the user's cache folder."""
    from _importspy_hook_guard import CACHE_DIR_VARIABLE, user_cache_dir

    chosen = os.environ.get(CACHE_DIR_VARIABLE)
    known = _folders.get(chosen)
    if known is None:
        known = _folders[chosen] = os.path.join(user_cache_dir(), "facts")
    return known


# The cache folder by the value of IMPORTSPY_HOOK_CACHE_DIR: worked out once per value.
_folders: dict[str | None, str] = {}


def _cache_file(file: str) -> str:
    name = file if os.path.isabs(file) else os.path.abspath(file)
    return os.path.join(
        cache_folder(), f"{source_hash(_KEY, os.fsencode(name)).hex()}-{os.path.basename(name)}.facts.marshal"
    )


def _read_source(file: str) -> tuple[os.stat_result, bytes] | None:
    try:
        with open(file, "rb") as stream:
            info = os.fstat(stream.fileno())
            if info.st_size > _MAX_BYTES:
                return None
            data = stream.read()
    except OSError:
        return None
    # A file that changed while it was read is read again next time.
    return (info, data) if len(data) == info.st_size else None


def _read_entry(cache_file: str) -> tuple[Any, ...] | None:
    """``(stat key, digest, hashed at, facts)`` of a cache file, the members left to unmarshal."""
    try:
        with open(cache_file, "rb") as stream:
            data = stream.read()
    except OSError:
        return None
    if not data.startswith(_HEADER):
        return None
    try:
        size = int.from_bytes(data[len(_HEADER) : len(_HEADER) + 4], "little")
        start = len(_HEADER) + 4
        head = marshal.loads(data[start : start + size])
    except (ValueError, EOFError, TypeError):
        return None
    if not isinstance(head, tuple) or len(head) != 7 or not isinstance(head[3], dict):
        return None
    key, digest, when, rest, index, offsets, imports = head
    body = data[start + size :]
    facts = _CachedFacts(rest, body[imports:])
    facts["members"] = LazyMembers(body, index, offsets)
    return key, digest, when, facts


def _write(cache_file: str, key: tuple[int, ...], digest: bytes, when: int, facts: dict[str, Any]) -> None:
    from _thread import get_ident

    blobs: list[bytes] = []
    offsets = [0]
    members: Mapping[str, Any] = facts["members"]
    for name in members:
        blob = marshal.dumps(members[name])
        blobs.append(blob)
        offsets.append(offsets[-1] + len(blob))
    index = ("\n" + "".join(f"{name}\n" for name in members)).encode() if members else b"\n"
    blobs.append(marshal.dumps(facts["imports"]))
    rest = {k: v for k, v in facts.items() if k not in ("members", "imports")}
    packed = b"".join(o.to_bytes(4, "little") for o in offsets)
    head = marshal.dumps((key, digest, when, rest, index, packed, offsets[-1]))
    payload = _HEADER + len(head).to_bytes(4, "little") + head + b"".join(blobs)
    temporary = f"{cache_file}.{os.getpid()}.{get_ident()}.tmp"
    try:
        os.makedirs(os.path.dirname(cache_file), exist_ok=True)
        with open(temporary, "wb") as stream:
            stream.write(payload)
        os.replace(temporary, cache_file)
    except (OSError, ValueError):
        try:
            os.unlink(temporary)
        except OSError:
            pass
