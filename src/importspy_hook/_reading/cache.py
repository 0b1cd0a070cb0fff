"""The compiled contract cache: the plain data of each parsed contract, stored with ``marshal``.

Parsing YAML and structuring it with cattrs costs tens of milliseconds and imports ruamel.yaml,
cattrs and attrs; the checks only need the plain data (``_reading.structuring.to_plain``). So each parsed
contract is stored as one entry, and a warm start reads the entries and imports none of them.

The entries of the contracts of one folder are kept in one cache file, so that a start-up opens
one file per folder, not one per contract. The file is named after the interpreter
(``contracts.cpython-311.marshal``), like ``__pycache__`` files: the digests below differ
between Python versions. It holds a header, a digest of the index, the length of the index and
the index, with one flat entry per contract file name::

    (size, st_mtime_ns, st_ctime_ns, st_ino, digest of the bytes, hashed at (ns), module,
     offset, length, digest of the plain data)

(the core's ``ENTRY_*`` constants name the fields)

and then the plain data of every entry, each ``marshal.dumps``'d on its own at ``offset`` from
the end of the index. A start-up reads the header and the index only, and a contract's plain
data is read, checked against its digest and unmarshalled when a module it governs is first
imported: most never are. A damaged index is ignored whole, damaged plain data is parsed
again. Entries are flat because every object a start-up allocates counts (README,
"Performance").

An entry is used when its contract's stat key is the same and either the bytes' digest still
matches or the stat key alone proves the bytes unchanged: ``st_ctime_ns`` is set by the kernel
on every write, rename and ``utime`` (tools that keep mtimes, such as ``cp -p``, tar or
rsync, cannot set it), so a file whose ctime is older than the moment its bytes were hashed,
by more than the clock's granularity (``RACY_NS``), has not changed since. This is git's rule
for "racily clean" index entries; a newer ctime, or a system whose ``st_ctime`` is the
creation time (Windows), gets the bytes read and hashed. A warm start-up therefore stats each
contract and reads the index of one cache file (the core's ``decode_compiled`` reads the rest).

The warm path (stat, read the cache file, trust an entry by its stat key) is in the resident
core (``_importspy_hook_guard``), which drop-in activation imports; this module is
imported for the rest: hashing, the user cache folder, parsing and writing.

Digests are ``_imp.source_hash`` (the core's ``keyed_digest``), the keyed SipHash CPython uses for
hash-based ``.pyc`` files: a builtin, so free to import, where ``zlib`` (about 0.5 ms here), ``_blake2`` (0.4 ms) or
``hashlib`` (3 ms and more) would cost a start-up more than the work they save.

The cache file lives in a ``__importspy_cache__`` folder beside the contracts, or, when that
folder cannot be written, in the user's cache folder (``IMPORTSPY_HOOK_CACHE_DIR`` chooses
another). It is written to a temporary file and moved in place with ``os.replace``, so a reader
never sees half a file. An entry that is missing, stale, from another version or not readable is
ignored and rebuilt; a cache that cannot be written is not an error, only a slower start.
"""

import marshal
import os
import sys
import time

from _importspy_hook_guard import (
    CACHE_DIR_VARIABLE,
    CACHE_FILE,
    CACHE_FOLDER,
    CACHE_HEADER,
    CACHE_SUFFIX,
    CTIME_IS_CHANGE_TIME,
    ENTRY_BYTES_DIGEST,
    ENTRY_CTIME,
    ENTRY_DATA_DIGEST,
    ENTRY_HASHED_AT,
    ENTRY_LENGTH,
    ENTRY_MODULE,
    ENTRY_OFFSET,
    RACY_NS,
    START_INDEX_HEADER,
    cache_entries,
    forget_cache_file,
    keyed_digest,
    read_blob,
    user_cache_dir,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from os import PathLike
    from typing import Any, Final

    from _importspy_hook_guard import Compiled, Registry

    PathSpec = str | PathLike[str] | Iterable[str | PathLike[str]]
    # (size, st_mtime_ns, st_ctime_ns, st_ino, digest of the bytes, hashed at (ns)).
    Hashed = tuple[int, int, int, int, bytes, int]
    # An entry to store: what was hashed (``Hashed``), the module, the plain data.
    Update = tuple[int, int, int, int, bytes, int, str, bytes]

# The stat key is the first fields of an entry (and of ``Hashed``); an ``Update`` ends with the
# plain data where an entry has its offset.
_STAT_KEY: "Final" = 4
_UPDATE_BLOB: "Final" = 7
# The same bound as ``_reading.document.MAX_BYTES``; a larger file fails to parse and is never cached.
_MAX_BYTES = 1 << 20


class _Unparsed(Exception):
    """A file ``slow_items`` was told not to parse has no usable entry."""


def slow_items(
    files: "list[str]", *, use_entries: bool = True, parse: bool = True
) -> "list[dict[str, Any] | Compiled | Exception]":
    """The package core's ``compiled_items`` for the files whose entry beside them is not fresh by
    its stat key: hashed, looked up in the user cache, or parsed. Every cache file that
    changed is written once, at the end. With ``use_entries`` false, every file is parsed
    and its entry written anew; with ``parse`` false, none is (an ``_Unparsed`` stands for
    it)."""
    results: list[dict[str, Any] | Compiled | Exception] = []
    updates: dict[str, dict[str, Update]] = {}
    for file in files:
        try:
            results.append(_compiled(file, updates, use_entries, parse))
        except Exception as exc:
            results.append(exc)
    for folder, entries in updates.items():
        _store(folder, entries)
    return results


# What the child interpreter of ``isolated_items`` and ``isolated_calls`` runs: it reads the
# parent's ``sys.path``, the files and the calls from stdin, and writes one marshalled
# answer per file, then per call, to stdout. Its own entries are kept after the parent's:
# activation runs while site is still adding folders.
_CHILD = (
    "import marshal, sys\n"
    "path, files, calls = marshal.loads(sys.stdin.buffer.read())\n"
    "sys.path[:] = path + [p for p in sys.path if p not in path]\n"
    "from importspy_hook._reading.cache import child_answers\n"
    "sys.stdout.buffer.write(marshal.dumps(child_answers(files, calls)))\n"
)
# The variables the child keeps: the user cache folder decides where it writes the entries the
# parent then reads; the others would activate the hook in the child, or do nothing there.
_KEPT_VARIABLES = (CACHE_DIR_VARIABLE,)


def isolated_items(files: "list[str]") -> "list[dict[str, Any] | Compiled | Exception]":
    """:func:`slow_items` run in a child interpreter, for a process whose contracts govern
    modules the YAML side would import (drop-in activation, ``install()``).

    Parsing imports ruamel.yaml, cattrs, attrs and their imports before the finder is in
    place, where a later import of them would come from ``sys.modules`` unchecked: a contract
    on attrs would be enforced on a warm start and not on a cold one. The child parses, writes
    the cache entries and hands back each file's compiled contract, plain data or
    ContractError, so that this process imports nothing of the YAML side whatever the cache
    holds. Only the files that must be parsed go to the child: an entry proved fresh by
    hashing the bytes (an edit undone, a ``touch``, the first starts after a change) is used
    here, as no import is needed for it. A file the child could not answer for (an
    unexpected error, data marshal cannot carry), or a child that cannot run, is read here
    as before.
    """
    results: list[dict[str, Any] | Compiled | Exception | None] = []
    results.extend(slow_items(files, parse=False))
    unparsed = [i for i, item in enumerate(results) if isinstance(item, _Unparsed)]
    if not unparsed:
        return results  # type: ignore[return-value]
    pending = [files[i] for i in unparsed]
    answers = _run_child(pending)
    if answers is None or len(answers) != len(pending):
        answers = [("local",)] * len(pending)
    local: list[int] = []
    for index, answer in zip(unparsed, answers, strict=True):
        item = _from_answer(answer)
        if item is None:
            local.append(index)
        else:
            results[index] = item
    # The child rewrote the cache files: their indexes are read again when next needed.
    for folder in {os.path.dirname(os.path.abspath(file)) for file in pending}:
        forget_cache_file(beside_cache(folder))
        forget_cache_file(user_cache(folder))
    if local:
        for index, item in zip(local, slow_items([files[i] for i in local]), strict=True):
            results[index] = item
    return results  # type: ignore[return-value]


def isolated_calls(calls: "Sequence[tuple[str, str, tuple[Any, ...]]]") -> "list[Any]":
    """Other reading that imports the YAML side or ``importlib.metadata``, run in a child
    interpreter for the reason :func:`isolated_items` gives. Each call is ``(module, function,
    arguments)``, a function of this package's reading side that returns marshal data; for
    each, its result, the ContractError it raised, or None where the caller must call it itself
    (a child that cannot run, an unexpected error, a result marshal cannot carry)."""
    answers = _run_child([], calls)
    if answers is None or len(answers) != len(calls):
        return [None] * len(calls)
    return [_from_answer(answer) for answer in answers]


def _from_answer(answer: "Any") -> "Any":
    # A child's answer as the result it stands for, a ContractError, or None for "read it here".
    kind = answer[0] if type(answer) is tuple and answer else None
    if kind == "item":
        return answer[1]
    if kind == "error":
        from importspy_hook._errors import ContractError

        _, where, line, column, problems = answer
        return ContractError(where, "", line, column, problems=problems)
    return None


def child_answers(
    files: "list[str]", calls: "Sequence[tuple[str, str, tuple[Any, ...]]]" = ()
) -> "list[tuple[Any, ...]]":
    """What the child of :func:`isolated_items` and :func:`isolated_calls` hands back, as
    marshal data, for each file and then each call: ``("item", result)``, ``("error", file,
    line, column, problems)`` for a ContractError, or ``("local",)`` for the parent to do it
    itself."""
    from importspy_hook._errors import ContractError

    def answer(item: object) -> "tuple[Any, ...]":
        if type(item) is ContractError:
            found: tuple[Any, ...] = ("error", item.file, item.line, item.column, item.problems)
        elif isinstance(item, Exception):
            found = ("local",)
        else:
            found = ("item", item)
        try:
            marshal.dumps(found)
        except ValueError:
            found = ("local",)
        return found

    answers = [answer(item) for item in slow_items(files)]
    for module, function, arguments in calls:
        try:
            # Only this package's reading side: the request comes from the parent, but what
            # the child may run is kept to what it is there for.
            if not module.startswith("importspy_hook._reading."):
                raise ValueError(f"{module} is not a module of the reading side")
            answers.append(answer(getattr(__import__(module, fromlist=[function]), function)(*arguments)))
        except Exception as exc:
            answers.append(answer(exc))
    return answers


def _run_child(files: "list[str]", calls: "Sequence[tuple[str, str, tuple[Any, ...]]]" = ()) -> "list[Any] | None":
    # The answers of a child interpreter, or None when it cannot run or fails. posix_spawn
    # where there is one: subprocess would import threading, signal, selectors and more into
    # the guarded process, the very thing this avoids.
    executable = sys.executable
    if not executable:
        return None
    # -I: no PYTHON* variables, no user site, no script folder; the parent's sys.path is
    # handed over instead, so the child finds what this process finds.
    args = [executable, "-I", *(["-B"] if sys.dont_write_bytecode else []), "-c", _CHILD]
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMPORTSPY_HOOK_") or k in _KEPT_VARIABLES}
    request = marshal.dumps(([p for p in sys.path if type(p) is str], list(files), list(calls)))
    try:
        if hasattr(os, "posix_spawn"):
            output = _spawned(args, env, request)
        else:
            import subprocess

            done = subprocess.run(args, input=request, stdout=subprocess.PIPE, env=env, check=False)
            output = done.stdout if done.returncode == 0 else None
        answers = None if output is None else marshal.loads(output)
    except Exception:
        return None
    return answers if type(answers) is list else None


def _spawned(args: "list[str]", env: "dict[str, str]", request: bytes) -> bytes | None:
    # The child's stdout when it exits with 0. Its stdin gets the whole request first: the
    # child reads it all before it writes, so neither side can block the other.
    in_read, in_write = os.pipe()
    out_read, out_write = os.pipe()
    try:
        pid = os.posix_spawn(
            args[0],
            args,
            env,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, in_read, 0),
                (os.POSIX_SPAWN_DUP2, out_write, 1),
                (os.POSIX_SPAWN_CLOSE, in_write),
                (os.POSIX_SPAWN_CLOSE, out_read),
            ],
        )
    finally:
        os.close(in_read)
        os.close(out_write)
    chunks: list[bytes] = []
    try:
        view = memoryview(request)
        while view:
            view = view[os.write(in_write, view) :]
        os.close(in_write)
        in_write = -1
        while chunk := os.read(out_read, 1 << 16):
            chunks.append(chunk)
    finally:
        if in_write >= 0:
            os.close(in_write)
        os.close(out_read)
        _, status = os.waitpid(pid, 0)
    return b"".join(chunks) if os.waitstatus_to_exitcode(status) == 0 else None


def _compiled(
    file: str, updates: "dict[str, dict[str, Update]]", use_entries: bool, parse: bool = True
) -> "dict[str, Any] | Compiled":
    path = os.path.abspath(file)
    folder, name = os.path.split(path)
    try:
        info = os.stat(path)
    except OSError:
        info = None  # parsing says why it cannot be read
    if use_entries and info is not None and info.st_size <= _MAX_BYTES:
        key = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        # Beside the contracts first, then the user cache (its name hashes the folder's path,
        # so it is computed only on a miss beside); an entry trusted on its stat key first,
        # so that a read-only deployment, whose entries live in the user cache, reads no
        # contract's bytes.
        beside = beside_cache(folder)
        found = [(beside, cache_entries(beside))]
        first = found[0][1][0].get(name)
        if first is None or first[:_STAT_KEY] != key:
            user = user_cache(folder)
            found.append((user, cache_entries(user)))
        usable = [(cache_file, entry, end) for cache_file, (entries, end) in found if (entry := entries.get(name))]
        for cache_file, entry, end in usable:
            if entry[:_STAT_KEY] == key and CTIME_IS_CHANGE_TIME and key[2] < entry[ENTRY_HASHED_AT] - RACY_NS:
                return _compiled_entry(file, cache_file, entry, end, key)
        source = _hashed(path) if usable else None
        for cache_file, entry, end in usable:
            if source is not None and source[ENTRY_BYTES_DIGEST] == entry[ENTRY_BYTES_DIGEST]:
                if source[:_STAT_KEY] != entry[:_STAT_KEY] or source[ENTRY_CTIME] < source[ENTRY_HASHED_AT] - RACY_NS:
                    # Hashed again under a new stat key, or now long enough after the last
                    # change for the stat key to vouch for the bytes: store that.
                    blob = _blob(cache_file, entry, end)
                    if blob is not None:
                        updates.setdefault(folder, {})[name] = (*source, entry[ENTRY_MODULE], blob)
                return _compiled_entry(file, cache_file, entry, end, source[:_STAT_KEY])
    if not parse:
        raise _Unparsed(file)
    before = _hashed(path)
    plain = _parse(file)
    if before is not None and _hashed(path, before[5]) == before:
        # Stored only when the file did not change while it was parsed, so that an entry
        # never holds data of other bytes than its own.
        data = dict(plain)
        del data["source"]  # set from the path the contract is read by
        try:
            blob = marshal.dumps(data)
        except ValueError:
            return plain  # not plain data after all: check it every time rather than fail
        updates.setdefault(folder, {})[name] = (*before, plain["module"], blob)
    return plain


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


def _compiled_entry(
    file: str, cache_file: str, entry: "tuple[Any, ...]", end: int, key: "tuple[int, ...]"
) -> "Compiled":
    stat = (key[0], key[1], key[2], key[3])
    return (
        entry[ENTRY_MODULE],
        file,
        cache_file,
        end + entry[ENTRY_OFFSET],
        entry[ENTRY_LENGTH],
        entry[ENTRY_DATA_DIGEST],
        stat,
    )


def _blob(cache_file: str, entry: "tuple[Any, ...]", end: int) -> bytes | None:
    # The plain data of index ``entry`` of ``cache_file`` (whose index ends at ``end``).
    return read_blob(cache_file, end + entry[ENTRY_OFFSET], entry[ENTRY_LENGTH], entry[ENTRY_DATA_DIGEST])


def _hashed(path: str, at: "int | None" = None) -> "Hashed | None":
    """``(size, mtime_ns, ctime_ns, inode, digest, when)`` of the bytes of ``path``; ``None``
    when it cannot be read."""
    # The time is taken before the read: a change after it gets a later ctime.
    when = time.time_ns() if at is None else at
    found = read_bytes(path, _MAX_BYTES)
    if found is None:
        return None
    info, raw = found
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, keyed_digest(raw), when)


def beside_cache(folder: str) -> str:
    """The cache file of the contracts in absolute ``folder``: ``__importspy_cache__`` beside them."""
    return os.path.join(folder, CACHE_FOLDER, CACHE_FILE)


def user_cache(folder: str) -> str:
    """The cache file of the contracts in absolute ``folder``, in the user's cache folder."""
    return os.path.join(user_cache_dir(), f"{_path_hash(folder):016x}-{os.path.basename(folder)}{CACHE_SUFFIX}")


def tag() -> str:
    """What a cache file starts with: this cache format, package version, interpreter and
    marshal version."""
    return CACHE_HEADER.decode().rstrip("\n")


def _parse(file: str) -> "dict[str, Any]":
    # Imported here: parsing needs ruamel.yaml, cattrs and attrs, which a warm cache never loads.
    from importspy_hook._reading.load import load_contract
    from importspy_hook._reading.structuring import to_plain

    return to_plain(load_contract(file))


def _store(folder: str, updates: "dict[str, Update]") -> None:
    for cache_file, ignore_marker in ((beside_cache(folder), True), (user_cache(folder), False)):
        # Entries of contracts that are gone are dropped; the others are kept as read.
        entries, end = cache_entries(cache_file)
        kept: dict[str, Update] = {}
        for name, entry in entries.items():
            if name not in updates and os.path.exists(os.path.join(folder, name)):
                blob = _blob(cache_file, entry, end)
                if blob is not None:  # else the file changed since: the entry is parsed again
                    kept[name] = (*entry[:ENTRY_OFFSET], blob)
        kept.update(updates)
        index: dict[str, tuple[object, ...]] = {}
        blobs: list[bytes] = []
        offset = 0
        for name, entry in kept.items():
            blob = entry[_UPDATE_BLOB]
            index[name] = (*entry[:ENTRY_OFFSET], offset, len(blob), keyed_digest(blob))
            blobs.append(blob)
            offset += len(blob)
        packed = marshal.dumps(index)
        indexed = len(packed).to_bytes(4, "little") + packed
        payload = CACHE_HEADER + keyed_digest(indexed) + indexed + b"".join(blobs)
        if _write_atomically(cache_file, payload, ignore_marker=ignore_marker, mode=_mode_of(folder, kept)):
            # Read again when next needed, as a start-up reads it.
            forget_cache_file(cache_file)
            return


def store_start_index(
    index: "tuple[tuple[str, str], str]", stamps: "list[tuple[str, int, int, int]]", registry: "Registry"
) -> None:
    """Write the start index of ``registry`` (the core's ``indexed_registry`` reads it, and
    describes it): beside the first contracts, else in the user cache folder. A start index
    that cannot be written only costs the next start its listing."""
    places, key = index
    *arrangement, items = registry.arrangement()
    try:
        blob = marshal.dumps(items)
        head = marshal.dumps((key, stamps, *arrangement, len(blob), keyed_digest(blob)))
    except ValueError:
        return
    indexed = len(head).to_bytes(4, "little") + head
    payload = START_INDEX_HEADER + keyed_digest(indexed) + indexed + blob
    beside, user = places
    # Beside, only into a cache folder that is there already: making it would change the
    # contracts' folder, and with it the stamp just taken. It holds names and paths, no
    # contract's values; in the user cache folder only its owner may read it.
    if not os.path.isdir(os.path.dirname(beside)) or not _write_atomically(beside, payload, ignore_marker=True):
        _write_atomically(user, payload, ignore_marker=False, mode=0o600)


def _mode_of(folder: str, names: "Iterable[str]") -> int:
    # No one may read a contract's compiled form who may not read the contract: it holds the
    # same expected values, secret ones included. The umask narrows it further.
    mode = 0o666
    for name in names:
        try:
            mode &= os.stat(os.path.join(folder, name)).st_mode
        except OSError:
            mode &= 0o600
    return mode & 0o666


def _write_atomically(entry: str, payload: bytes, *, ignore_marker: bool, mode: int = 0o666) -> bool:
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
        # O_EXCL: a file left by a crashed writer of the same pid and thread would keep its mode.
        if os.path.lexists(temporary):
            os.unlink(temporary)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
        with open(fd, "wb") as stream:
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
    # FNV-1a of the path, so that user-cache file names stay short and distinct without
    # importing a hash module; a collision only costs a rebuild (every entry is checked).
    return fnv1a(os.fsencode(path))


def fnv1a(data: bytes) -> int:
    """64-bit FNV-1a of ``data``."""
    value = 0xCBF29CE484222325
    for byte in data:
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value
