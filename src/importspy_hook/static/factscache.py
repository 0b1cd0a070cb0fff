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
Within a process, facts are also kept in memory: each file is read at most once per process.
A cache that cannot be written is not an error, only a slower run.
"""

from __future__ import annotations

import marshal
import os
import sys
import time
from _imp import source_hash
from typing import Any

from importspy_hook.static.facts import FORMAT, read_facts

# The header names this format and the interpreter: ``ast.unparse`` spells some expressions
# differently across Python versions, and marshal's format is per version.
_HEADER = f"importspy-facts {FORMAT} {sys.implementation.cache_tag} {marshal.version}\n".encode()
_KEY = 0x1A2B3C4D  # fixed: digests must be the same in every process
# A ctime this close to the hashing moment may hide a write within the clock's granularity.
_RACY_NS = 2_000_000_000
_CTIME_IS_CHANGE_TIME = os.name != "nt"
_MAX_BYTES = 8 << 20

# file -> (stat key, facts), for the life of the process.
_memory: dict[str, tuple[tuple[int, int, int, int], dict[str, Any]]] = {}


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
    else:
        facts = read_facts(data, file)
    _write(cache_file, (key, digest, when, facts))
    _memory[file] = (key, facts)
    return facts


def cache_folder() -> str:
    """Where the facts are kept: ``facts`` in the user's cache folder."""
    from importspy_hook._reading.cache import user_cache_dir

    return os.path.join(user_cache_dir(), "facts")


def _cache_file(file: str) -> str:
    name = os.path.abspath(file)
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
    try:
        with open(cache_file, "rb") as stream:
            data = stream.read()
    except OSError:
        return None
    if not data.startswith(_HEADER):
        return None
    try:
        entry = marshal.loads(memoryview(data)[len(_HEADER) :])
    except (ValueError, EOFError, TypeError):
        return None
    if not isinstance(entry, tuple) or len(entry) != 4 or not isinstance(entry[3], dict):
        return None
    return entry


def _write(cache_file: str, entry: tuple[Any, ...]) -> None:
    from _thread import get_ident

    temporary = f"{cache_file}.{os.getpid()}.{get_ident()}.tmp"
    try:
        os.makedirs(os.path.dirname(cache_file), exist_ok=True)
        with open(temporary, "wb") as stream:
            stream.write(_HEADER + marshal.dumps(entry))
        os.replace(temporary, cache_file)
    except (OSError, ValueError):
        try:
            os.unlink(temporary)
        except OSError:
            pass
