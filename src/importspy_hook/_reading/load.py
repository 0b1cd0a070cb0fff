"""Loading one contract file into the :class:`~importspy_hook.Contract` model
(:func:`load_contract`, public); the YAML and cattrs side is imported only when it is called.
Loading every contract a configuration names is ``_reading.settings.collect``."""

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
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
