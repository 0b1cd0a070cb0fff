"""Loading contract files and folders.

Finding contract files is on the start-up path of a warm cache (``_cache``), so this module
imports the YAML and cattrs side only inside :func:`load_contract`, and ``_errors`` only to
raise.
"""

import os

# No ``from __future__ import annotations`` here: this module is imported at start-up or at the
# first protected import, where importing ``__future__`` costs about 1.5 % of a bare start
# (docs/performance.rst). Annotations that name type-only imports are quoted instead.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from os import PathLike

    from ._contract import Contract

SUFFIXES = (".yml", ".yaml")


def load_contract(path: "str | PathLike[str]") -> "Contract":
    """Read one contract file (native, or ImportSpy's format with a ``module:`` key added).

    :raises ContractError: with ``file:line:col:`` for each problem in the file.
    """
    # Imported here: ruamel.yaml, cattrs and attrs (and json, re, textwrap for the ImportSpy
    # format) are needed only on a cache miss.
    from ._convert import structure_document
    from ._importspy import convert, is_spymodel
    from ._yaml import read_document

    document = read_document(os.fspath(path))
    if is_spymodel(document.data):
        # An ImportSpy contract with 'module:' added on top: read with its own mapping.
        return structure_document(convert(document).document)
    return structure_document(document)


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


def load_contracts(paths: "str | PathLike[str] | Iterable[str | PathLike[str]]") -> "list[Contract]":
    """Read every contract named by ``paths`` (see :func:`contract_files`)."""
    return [load_contract(file) for file in contract_files(paths)]
