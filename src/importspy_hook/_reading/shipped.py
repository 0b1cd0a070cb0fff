"""Contracts that installed distributions ship for their own modules.

A distribution declares an entry point in the group ``importspy_hook.contracts`` whose value
names a folder of contract files inside one of its packages::

    [project.entry-points."importspy_hook.contracts"]
    shipper = "shipper:contracts"      # the folder shipper/contracts/
    # or  shipper = "shipper.contracts"  (the package folder itself)

The folder is found without importing the package (a package's ``__init__`` may itself be
guarded, and must not run before the hook is installed). A distribution's contract may only
govern that distribution's own top-level modules: it can add rules for them, never loosen or
replace an application's contract for someone else's module. When an application contract
and a package contract govern the same module, both apply (the stricter union holds).

This guards against a package's contracts reaching too far by mistake; it is not a defence
against a hostile distribution, which can run code when it is installed or imported.
"""

import marshal
import os
import sys

from importspy_hook._errors import ContractError

# No ``from __future__ import annotations``: with entry_points on, this module is imported at
# start-up, where importing ``__future__`` costs about 1.5 % of a bare start (as in ``_reading.cache``).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from importlib.metadata import Distribution, EntryPoint
    from typing import Any

    Plain = Mapping[str, Any]
    #: What discovery finds for one entry point: distribution name, contracts folder, the
    #: distribution's top-level modules.
    Shipped = tuple[str, str, tuple[str, ...]]

GROUP = "importspy_hook.contracts"
_METADATA_SUFFIXES = (".dist-info", ".egg-info")


def package_contracts(isolated: bool = False) -> "list[Plain]":
    """The contracts of every installed distribution's ``importspy_hook.contracts`` entry points.

    Each is the plain data of the contract with ``distribution`` set to the distribution name.
    The entry points are read from the discovery cache when no distribution was installed,
    upgraded or removed since (:func:`shipped_folders`), and the contracts from the compiled
    contract cache, so that a warm start imports neither ``importlib.metadata`` nor the YAML side.

    :param isolated: do what a cold cache needs (discovery, parsing) in a child interpreter,
        as ``_reading.settings.collect`` does for contract files: ``install()``.
    :raises ContractError: for a folder that does not exist, an invalid contract, or a
        contract for a module outside its distribution.
    """
    # Imported here: the compiled cache is only needed once distributions ship contracts.
    from _importspy_hook_guard import compiled_items, contract_files, decode_compiled

    found: list[Plain] = []
    for dist_name, folder, owned in shipped_folders(isolated):
        files = contract_files(folder)
        for file, item in zip(files, compiled_items(files, isolated), strict=True):
            if isinstance(item, ContractError):
                raise item
            if isinstance(item, Exception):
                raise ContractError(file, f"cannot be read: {item}")
            plain = decode_compiled(item) if type(item) is tuple else dict(item)  # type: ignore[arg-type]
            check_owned(plain, dist_name, set(owned))
            plain["distribution"] = dist_name
            found.append(plain)
    return found


def shipped_folders(isolated: bool = False) -> "list[Shipped]":
    """``(distribution, contracts folder, top-level modules)`` of each entry point of the group.

    Read from the discovery cache when its key still matches :func:`installed_key`, otherwise
    found with ``importlib.metadata`` (in a child interpreter when ``isolated``) and stored.

    :raises ContractError: for an entry point whose folder does not exist (never cached).
    """
    key = installed_key()
    cache_file = discovery_cache()
    cached = _read_discovery(cache_file, key)
    if cached is not None:
        return cached
    found = None
    if isolated:
        from importspy_hook._reading.cache import isolated_calls

        (answer,) = isolated_calls([(__name__, "discovered_on", (_path_entries(),))])
        if isinstance(answer, ContractError):
            raise answer
        if type(answer) is tuple:
            found = list(answer)
    if found is None:
        found = _discover()
    # Imported here: only a cold start writes the cache.
    from importspy_hook._reading.cache import _write_atomically

    _write_atomically(cache_file, marshal.dumps((_tag(), key, tuple(found))), ignore_marker=False)
    return found


def installed_key() -> "tuple[tuple[str, Any], ...]":
    """What changes whenever a distribution is installed, upgraded or removed on ``sys.path``.

    For each ``sys.path`` entry: the names of its ``*.dist-info`` and ``*.egg-info`` folders
    with their ``st_mtime_ns`` (a folder's mtime changes when a file is created in it, and pip
    writes a new metadata folder on every install, upgrade and reinstall), the ``st_mtime_ns``
    of a zip file, or ``None`` for an entry that is missing or cannot be read. Listing the
    entries rather than keying on the folders' own mtime keeps the cache warm when a program
    writes files into its script folder (``sys.path[0]``).
    """
    key: list[tuple[str, Any]] = []
    for entry in _path_entries():
        where = entry or "."
        try:
            names = os.listdir(where)
        except NotADirectoryError:
            try:
                key.append((entry, os.stat(where).st_mtime_ns))
            except OSError:
                key.append((entry, None))
            continue
        except OSError:
            key.append((entry, None))
            continue
        listed = []
        for name in sorted(names):
            if name.endswith(_METADATA_SUFFIXES):
                try:
                    listed.append((name, os.stat(os.path.join(where, name)).st_mtime_ns))
                except OSError:
                    listed.append((name, -1))
        key.append((entry, tuple(listed)))
    return tuple(key)


def discovery_cache() -> str:
    """The discovery cache file of this interpreter and ``sys.path``, in the user's cache folder.

    One file per interpreter and ``sys.path``, so that programs started from different folders
    in one environment do not overwrite each other's entry.
    """
    # Imported here, with the compiled cache's conventions (IMPORTSPY_HOOK_CACHE_DIR, XDG).
    from _importspy_hook_guard import CACHE_SUFFIX as SUFFIX
    from _importspy_hook_guard import user_cache_dir
    from importspy_hook._reading.cache import _path_hash

    name = "\0".join([sys.executable or "", *_path_entries()])
    return os.path.join(user_cache_dir(), f"entry-points-{_path_hash(name):016x}{SUFFIX}")


def _path_entries() -> list[str]:
    # importlib.metadata searches only the str entries of sys.path, as the path finder does.
    return [entry for entry in sys.path if isinstance(entry, str)]


def _tag() -> str:
    # Imported here like the rest of the cache machinery: only entry_points=True needs it.
    from importspy_hook._reading.cache import tag

    return tag() + " entry-points"


def _read_discovery(cache_file: str, key: object) -> "list[Shipped] | None":
    """The cached discovery when ``cache_file`` holds one for ``key`` whose folders all exist;
    ``None`` when it is missing, corrupt, of another version or stale (it is then rebuilt)."""
    from importspy_hook._reading.cache import read_bytes

    read = read_bytes(cache_file, 1 << 26)
    if read is None:
        return None
    try:
        data = marshal.loads(read[1])
    except Exception:
        return None  # truncated, or not marshal data: rebuild it
    if not (type(data) is tuple and len(data) == 3 and data[0] == _tag() and data[1] == key):
        return None
    if type(data[2]) is not tuple:
        return None
    found = []
    for item in data[2]:
        if not (
            type(item) is tuple
            and len(item) == 3
            and type(item[0]) is str
            and type(item[1]) is str
            and type(item[2]) is tuple
        ):
            return None
        if not os.path.isdir(item[1]):
            return None  # an editable project that moved: find the folder again
        found.append(item)
    return found


def discovered_on(path: "list[str]") -> "tuple[Shipped, ...]":
    """:func:`_discover` with ``sys.path`` set to ``path``: what a child interpreter runs for
    a parent with that path (``_reading.cache.isolated_calls``)."""
    saved = sys.path[:]
    sys.path[:] = path
    try:
        return tuple(_discover())
    finally:
        sys.path[:] = saved


def _discover() -> "list[Shipped]":
    # Imported here: reading entry points scans every installed distribution's metadata, and
    # importing importlib.metadata is most of its cost (README, "Contracts shipped by packages"); a warm start skips it.
    from importlib.metadata import entry_points

    found: list[Shipped] = []
    for entry in sorted(entry_points(group=GROUP), key=lambda e: (e.name, e.value)):
        dist = entry.dist
        dist_name = dist.metadata["Name"] if dist is not None else entry.name
        folder = _folder(entry, dist_name)
        owned = owned_modules(dist) or {entry.module.partition(".")[0]}
        found.append((dist_name, folder, tuple(sorted(owned))))
    return found


def _folder(entry: "EntryPoint", dist_name: str) -> str:
    # Imported here: find_spec is only needed to locate a package's files.
    from importlib.util import find_spec

    top, _, rest = entry.module.partition(".")
    where = f"entry point {entry.name} = {entry.value!r} of distribution {dist_name} (group {GROUP})"
    try:
        # A top-level name: find_spec imports nothing (a dotted one would import parents).
        spec = find_spec(top)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    if not locations:
        raise ContractError(where, f"{top} is not an installed package; reinstall {dist_name}")
    parts = [p for p in rest.split(".") if p]
    if entry.attr:
        parts.extend(entry.attr.split("."))
    folder = os.path.join(locations[0], *parts)
    if not os.path.isdir(folder):
        raise ContractError(where, f"names the folder {folder}, which does not exist; fix the entry point")
    return folder


def owned_modules(dist: "Distribution | None") -> set[str]:
    """The top-level module names ``dist`` installed, from its ``top_level.txt`` and ``RECORD``."""
    if dist is None:
        return set()
    owned: set[str] = set()
    top_level = dist.read_text("top_level.txt")
    if top_level:
        owned.update(line.strip() for line in top_level.splitlines() if line.strip())
    for path in dist.files or ():
        parts = path.parts
        if not parts or parts[0] in ("..", "__pycache__") or parts[0].endswith((".dist-info", ".data")):
            continue
        if len(parts) > 1:
            owned.add(parts[0])
        elif parts[0].endswith((".py", ".so", ".pyd")) and not parts[0].startswith("__editable__"):
            owned.add(parts[0].partition(".")[0])
    return {name for name in owned if name.isidentifier()}


def _governs_only(module: str, owned: set[str]) -> bool:
    return any(module == top or module.startswith(top + ".") for top in owned)


def check_owned(plain: "Plain", dist_name: str, owned: set[str]) -> None:
    """:raises ContractError: when ``plain`` governs a module outside ``owned``, the top-level
    modules of distribution ``dist_name`` that ships it."""
    module: str = plain["module"]
    if _governs_only(module, owned):
        return
    own = ", ".join(sorted(owned))
    raise ContractError(
        str(plain["source"]),
        f"module: {module} is not a module of distribution {dist_name}, which ships this contract; "
        f"a package's contract may only govern its own modules ({own} and their submodules). "
        f"Put a contract for {module} in the application's contracts instead",
        plain["lines"].get("module"),
    )
