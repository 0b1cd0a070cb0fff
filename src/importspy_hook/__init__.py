"""importspy_hook: let a module say who may import it, and under which conditions.

Contracts are YAML files keyed by module name; :func:`install` puts a ``sys.meta_path``
finder in front of the import system that checks the importer, the platform and what the
modules define, before a protected module's code runs.

This package's import is kept light: the YAML and attrs side (``load_contract``, the
``Contract`` model) is imported only when first used.
"""

from __future__ import annotations

from ._errors import (
    ContractError as ContractError,
)
from ._errors import (
    ContractViolation as ContractViolation,
)
from ._errors import (
    ContractWarning as ContractWarning,
)
from ._errors import (
    ImporterViolation as ImporterViolation,
)
from ._errors import (
    RuntimeViolation as RuntimeViolation,
)
from ._errors import (
    StructureViolation as StructureViolation,
)
from ._errors import (
    Violation as Violation,
)
from ._finder import (
    ContractFinder as ContractFinder,
)
from ._finder import (
    Installation as Installation,
)
from ._finder import (
    install as install,
)
from ._finder import (
    self_check as self_check,
)
from ._finder import (
    uninstall as uninstall,
)
from ._registry import Registry as Registry
from ._snapshot import Snapshot as Snapshot
from ._snapshot import snapshot as snapshot

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._contract import Contract as Contract
    from ._load import load_contract as load_contract

__version__ = "0.1.0"

__all__ = [
    "Contract",
    "ContractError",
    "ContractFinder",
    "ContractViolation",
    "ContractWarning",
    "ImporterViolation",
    "Installation",
    "Registry",
    "RuntimeViolation",
    "Snapshot",
    "StructureViolation",
    "Violation",
    "install",
    "load_contract",
    "self_check",
    "snapshot",
    "uninstall",
]


def __getattr__(name: str) -> object:
    # Loaded on first use: these need attrs, cattrs and ruamel.yaml, which checking does not.
    if name == "load_contract":
        from ._load import load_contract

        return load_contract
    if name == "Contract":
        from ._contract import Contract

        return Contract
    raise AttributeError(f"module 'importspy_hook' has no attribute {name!r}")
