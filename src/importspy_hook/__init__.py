"""importspy_hook: let a module say who may import it, and under which conditions.

Contracts are YAML files keyed by module name; :func:`install` puts a ``sys.meta_path``
finder in front of the import system that checks the importer, the platform and what the
modules define, before a protected module's code runs.

PYTEST_DONT_REWRITE: pytest marks the packages of its plugins for assertion rewriting and
warns about any it finds imported already, which drop-in activation always does; this
package has no assertions for pytest to rewrite.
"""

# The public face only: every name is imported from its home on first use (PEP 562), so that
# ``import importspy_hook`` (pytest loads the plugin module of every installed plugin, and with
# it this package) costs one small module. ``Contract`` and ``load_contract`` need attrs,
# cattrs and ruamel.yaml; checking imports never does. The resident core, what a guarded start
# and a passing import run, is the top-level module ``_importspy_hook_guard``.

TYPE_CHECKING = False
if TYPE_CHECKING:
    from _importspy_hook_guard import ContractFinder as ContractFinder
    from _importspy_hook_guard import Registry as Registry
    from _importspy_hook_guard import __version__ as __version__
    from importspy_hook._embedded import guard as guard
    from importspy_hook._errors import ContractError as ContractError
    from importspy_hook._errors import ContractViolation as ContractViolation
    from importspy_hook._errors import ContractWarning as ContractWarning
    from importspy_hook._errors import ImporterViolation as ImporterViolation
    from importspy_hook._errors import RuntimeViolation as RuntimeViolation
    from importspy_hook._errors import StructureViolation as StructureViolation
    from importspy_hook._errors import Violation as Violation
    from importspy_hook._install import Installation as Installation
    from importspy_hook._install import install as install
    from importspy_hook._install import self_check as self_check
    from importspy_hook._install import uninstall as uninstall
    from importspy_hook._reading.load import load_contract as load_contract
    from importspy_hook._reading.model import Contract as Contract
    from importspy_hook._snapshot import Snapshot as Snapshot
    from importspy_hook._snapshot import snapshot as snapshot

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
    "guard",
    "install",
    "load_contract",
    "self_check",
    "snapshot",
    "uninstall",
]

# Public name -> the module that defines it.
_HOMES = {
    "__version__": "_importspy_hook_guard",
    "Contract": "importspy_hook._reading.model",
    "ContractError": "importspy_hook._errors",
    "ContractFinder": "_importspy_hook_guard",
    "ContractViolation": "importspy_hook._errors",
    "ContractWarning": "importspy_hook._errors",
    "ImporterViolation": "importspy_hook._errors",
    "Installation": "importspy_hook._install",
    "Registry": "_importspy_hook_guard",
    "RuntimeViolation": "importspy_hook._errors",
    "StructureViolation": "importspy_hook._errors",
    "Violation": "importspy_hook._errors",
    "guard": "importspy_hook._embedded",
    "install": "importspy_hook._install",
    "load_contract": "importspy_hook._reading.load",
    "self_check": "importspy_hook._install",
    "Snapshot": "importspy_hook._snapshot",
    "snapshot": "importspy_hook._snapshot",
    "uninstall": "importspy_hook._install",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'importspy_hook' has no attribute {name!r}")
    value = getattr(__import__(home, None, None, (name,)), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({"__version__", *__all__})
