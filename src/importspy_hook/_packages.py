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

from __future__ import annotations

import os

from ._errors import ContractError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from importlib.metadata import Distribution, EntryPoint
    from typing import Any

    Plain = Mapping[str, Any]

GROUP = "importspy_hook.contracts"
_WILDCARDS = "*?["


def package_contracts() -> list[Plain]:
    """The contracts of every installed distribution's ``importspy_hook.contracts`` entry points.

    Each is the plain data of the contract with ``distribution`` set to the distribution name.

    :raises ContractError: for a folder that does not exist, an invalid contract, or a
        contract for a module outside its distribution.
    """
    # Imported here: reading entry points scans every installed distribution's metadata,
    # which only install(entry_points=True) asks for.
    from importlib.metadata import entry_points

    from ._convert import to_plain
    from ._load import contract_files, load_contract

    found: list[Plain] = []
    for entry in sorted(entry_points(group=GROUP), key=lambda e: (e.name, e.value)):
        dist = entry.dist
        dist_name = dist.metadata["Name"] if dist is not None else entry.name
        folder = _folder(entry, dist_name)
        owned = owned_modules(dist) or {entry.module.partition(".")[0]}
        for file in contract_files(folder):
            contract = load_contract(file)
            plain = dict(to_plain(contract))
            _check_owned(plain, dist_name, owned)
            plain["distribution"] = dist_name
            found.append(plain)
    return found


def _folder(entry: EntryPoint, dist_name: str) -> str:
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


def owned_modules(dist: Distribution | None) -> set[str]:
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


def _check_owned(plain: Plain, dist_name: str, owned: set[str]) -> None:
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
