"""Loading contract files and folders."""

from __future__ import annotations

import os

from ._convert import structure_document
from ._errors import ContractError
from ._importspy import convert, is_spymodel
from ._yaml import read_document

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from os import PathLike

    from ._contract import Contract

SUFFIXES = (".yml", ".yaml")


def load_contract(path: str | PathLike[str]) -> Contract:
    """Read one contract file (native, or ImportSpy's format with a ``module:`` key added).

    :raises ContractError: with ``file:line:col:`` for each problem in the file.
    """
    document = read_document(os.fspath(path))
    if is_spymodel(document.data):
        # An ImportSpy contract with 'module:' added on top: read with its own mapping.
        return structure_document(convert(document).document)
    return structure_document(document)


def contract_files(paths: str | PathLike[str] | Iterable[str | PathLike[str]]) -> list[str]:
    """The contract files named by ``paths``: files as given, folders searched recursively
    for ``*.yml`` and ``*.yaml`` (hidden entries skipped), in sorted order.

    :raises ContractError: for a path that does not exist.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files: list[str] = []
    for entry in paths:
        path = os.fspath(entry)
        if os.path.isdir(path):
            found: list[str] = []
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
                found.extend(os.path.join(root, n) for n in names if n.endswith(SUFFIXES) and not n.startswith("."))
            files.extend(sorted(found))
        elif os.path.exists(path):
            files.append(path)
        else:
            raise ContractError(path, "no such contract file or folder; check the path, or create it")
    return files


def load_contracts(paths: str | PathLike[str] | Iterable[str | PathLike[str]]) -> list[Contract]:
    """Read every contract named by ``paths`` (see :func:`contract_files`)."""
    return [load_contract(file) for file in contract_files(paths)]
