"""Loading contract files and folders.

This module imports the YAML and cattrs side only inside :func:`load_contract`. Finding the
contract files (:func:`contract_files`) lives in ``_reading.cache``, beside the cache reader, since a
warm start-up needs only those two and each module imported there costs (README, "Performance").
"""

import os

from _importspy_hook_guard import contract_files

# No ``from __future__ import annotations`` here: this module is imported at start-up or at the
# first protected import, where importing ``__future__`` costs about 1.5 % of a bare start
# (README, "Performance"). Annotations that name type-only imports are quoted instead.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from os import PathLike

    from importspy_hook._reading.model import Contract


def load_contract(path: "str | PathLike[str]") -> "Contract":
    """Read one contract file (native, or ImportSpy's format with a ``module:`` key added).

    :raises ContractError: with ``file:line:col:`` for each problem in the file.
    """
    # Imported here: ruamel.yaml, cattrs and attrs (and json, re, textwrap for the ImportSpy
    # format) are needed only on a cache miss.
    from importspy_hook._reading.document import read_document
    from importspy_hook._reading.importspy import convert, is_spymodel
    from importspy_hook._reading.structuring import structure_document

    document = read_document(os.fspath(path))
    if is_spymodel(document.data):
        # An ImportSpy contract with 'module:' added on top: read with its own mapping.
        return structure_document(convert(document).document)
    return structure_document(document)


def load_contracts(paths: "str | PathLike[str] | Iterable[str | PathLike[str]]") -> "list[Contract]":
    """Read every contract named by ``paths`` (see :func:`contract_files`)."""
    return [load_contract(file) for file in contract_files(paths)]
