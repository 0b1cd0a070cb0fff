"""importspy_hook: let a module say who may import it, and under which conditions.

Contracts are YAML files keyed by module name; :func:`install` puts a ``sys.meta_path``
finder in front of the import system that checks the importer, the platform and what the
modules define, before a protected module's code runs.

Importing this package imports nothing else: each public name is loaded on first use, and
the YAML and attrs side (``load_contract``, the ``Contract`` model) only by those two names.
"""

# Nothing is imported here: with drop-in activation this package is imported at every
# interpreter start-up (importspy_hook.pth), where each module costs a measurable share of
# ``python -c pass`` (README, "Performance"). Every public name is imported on first use by
# ``__getattr__`` below, and then kept in this module's namespace.

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._contract import Contract as Contract
    from ._errors import ContractError as ContractError
    from ._errors import ContractViolation as ContractViolation
    from ._errors import ContractWarning as ContractWarning
    from ._errors import ImporterViolation as ImporterViolation
    from ._errors import RuntimeViolation as RuntimeViolation
    from ._errors import StructureViolation as StructureViolation
    from ._errors import Violation as Violation
    from ._finder import Installation as Installation
    from ._finder import install as install
    from ._finder import self_check as self_check
    from ._finder import uninstall as uninstall
    from ._guard import Snapshot as Snapshot
    from ._guard import snapshot as snapshot
    from ._load import load_contract as load_contract
    from ._startup import ContractFinder as ContractFinder
    from ._startup import Registry as Registry

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

# Public name -> the private module that defines it. ``Contract`` and ``load_contract`` need
# attrs, cattrs and ruamel.yaml; checking imports never does.
_HOMES = {
    "Contract": "_contract",
    "ContractError": "_errors",
    "ContractFinder": "_startup",
    "ContractViolation": "_errors",
    "ContractWarning": "_errors",
    "ImporterViolation": "_errors",
    "Installation": "_finder",
    "Registry": "_startup",
    "RuntimeViolation": "_errors",
    "Snapshot": "_guard",
    "StructureViolation": "_errors",
    "Violation": "_errors",
    "install": "_finder",
    "load_contract": "_load",
    "self_check": "_finder",
    "snapshot": "_guard",
    "uninstall": "_finder",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'importspy_hook' has no attribute {name!r}")
    value = getattr(__import__(f"{__name__}.{home}", None, None, (name,)), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
