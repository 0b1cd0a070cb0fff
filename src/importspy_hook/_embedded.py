"""Embedded mode: :func:`guard`, called at the top of a protected module, checks who imports it.

A library protects its module without the application's help: no ``install()``, no ``.pth``.
The rules are the hook's own: the importer is found as the finder finds it, the ``importers``
and ``runtime`` rules are evaluated by the core and worded by the same code, and a failure
raises the same :class:`~importspy_hook.ContractViolation` subclass with the same message.
Raised from the module's top-level code, it stops the rest of that code, and the import system
removes the half-run module from ``sys.modules`` (``importlib._bootstrap._load_unlocked``).
"""

import os
import sys

# The package core's interface, in one place: finding the importer (the rule that decides which
# frames are the import machinery), evaluating and wording ``importers`` and ``runtime`` (raising
# the violation), the compiled cache of a contract file, and the proxy loader whose frame shows
# that the hook checked this very load.
from _importspy_hook_guard import GuardedLoader, compiled_items, is_machinery, name_matches, refusal, run_checks
from _importspy_hook_guard import decode_compiled as decode

# No ``from __future__ import annotations`` here, as in the core: this module is imported at
# the first guard() call, on the path of the protected import. Annotations that name
# type-only imports are quoted instead.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from os import PathLike
    from types import FrameType, ModuleType
    from typing import Any

    from _importspy_hook_guard import ImporterFacts
    from importspy_hook._reading.model import Contract

    Plain = Mapping[str, Any]

# The frame of a GuardedLoader.exec_module call: the hook wrapped this load and checked it
# before the module's code ran (in create_module, or there).
_HOOK_EXEC = GuardedLoader.exec_module.__code__
# Keys of the plain data that say what a contract checks (not where it was read from).
_RULE_KEYS = ("module", "lines", "schema", "on_violation", "importers", "runtime", "provides")


def guard(contract: "str | PathLike[str] | Mapping[str, Any] | Contract") -> "ModuleType | None":
    """Check the module that is importing the caller against ``contract``; call it at the top
    of the protected module, before the code it protects.

    The importer is found as the hook finds it (the first frame outside the import machinery);
    its name is checked against ``importers`` (``allow``, ``deny``), what it has defined so far
    against ``importers.require``, and this process against ``runtime``. No ``install()`` is
    needed. When the hook is installed and has already checked this load against the same
    contract, it is not checked a second time.

    :param contract: a contract file (a relative path is relative to the calling module's
        folder), a mapping in the contract format, or a :class:`Contract`. A mapping may leave
        out ``module:``, which then is the calling module's name.
    :returns: the importing module (``sys.modules["__main__"]`` for a script or ``python -c``
        code), or ``None`` when no module is importing the caller (``python -m``, interpreter
        start-up, code run by ``exec`` with a namespace of its own).
    :raises ImporterViolation: the importer may not import the module (``importers.allow``,
        ``importers.deny``).
    :raises RuntimeViolation: this process does not fit ``runtime``.
    :raises StructureViolation: the importer lacks what ``importers.require`` asks.
    :raises ContractError: the contract cannot be used: not found, not valid, for another
        module, or with ``provides`` (which guard() cannot check: the module has not run yet).
    """
    caller = sys._getframe(1)
    namespace = caller.f_globals
    name = _module_name(namespace)
    plain = _plain_contract(contract, caller, name)
    if name == "__main__":
        # A file run as a script has no module name of its own: it is the module its contract
        # names (which governs it whatever its pattern), run by no importer.
        name = plain["module"]
    # The importer: the first frame above the caller that is neither the caller's module (a
    # guard() call made from a function of the module) nor the import machinery.
    hooked: FrameType | None = None
    frame = caller.f_back
    while frame is not None:
        globals_ = frame.f_globals
        if globals_ is not namespace and not is_machinery(globals_.get("__name__")):
            break
        if frame.f_code is _HOOK_EXEC:
            hooked = frame
        frame = frame.f_back
    if hooked is None or not _checked_by_hook(hooked, plain):
        importer: ImporterFacts | None = None
        if frame is not None:
            found = frame.f_globals.get("__name__")
            importer = (
                found if isinstance(found, str) else None,
                frame.f_code.co_filename,
                frame.f_lineno or 0,
                frame.f_globals,
            )
        origin = namespace.get("__file__")
        run = namespace.get("__name__") == "__main__" and namespace.get("__spec__") is not None
        try:
            run_checks(True, name, origin, (plain,), _OWN_MODE, importer, run=run)
        except Exception as error:
            # The traceback ends here, at the guard() line of the protected module, not in the
            # frames that worded the violation; an error while deciding refuses (fail closed).
            refused = refusal(name, error)
            if refused is error:
                raise refused from None
            raise refused from error
    if frame is None:
        return None
    found = frame.f_globals.get("__name__")
    module = sys.modules.get(found) if isinstance(found, str) else None
    return module if module is not None and getattr(module, "__dict__", None) is frame.f_globals else None


class _OwnMode:
    # What the check asks of a registry: raise or warn, as the contract itself says (there is
    # no registry to override it; building one would cost a few microseconds per guard()).
    __slots__ = ()

    def mode(self, contract: "Plain") -> str:
        return str(contract["on_violation"])


_OWN_MODE: "Any" = _OwnMode()


def _module_name(namespace: "Mapping[str, Any]") -> str:
    # The caller's module name; under ``python -m`` the module runs as __main__, and its spec
    # keeps the name it is run by (PEP 451).
    name = namespace.get("__name__")
    spec = namespace.get("__spec__")
    if name == "__main__" and spec is not None and getattr(spec, "name", None):
        return str(spec.name)
    return str(name)


def _plain_contract(contract: object, caller: "FrameType", name: str) -> "Plain":
    # The plain data of the contract guard() was given, for module ``name``.
    if isinstance(contract, (str, os.PathLike)):
        path = os.fspath(contract)
        if not os.path.isabs(path):
            file = caller.f_globals.get("__file__")
            path = os.path.join(os.path.dirname(file) if isinstance(file, str) else os.getcwd(), path)
        # isolated: a contract without a fresh cache entry is parsed in a child interpreter, as
        # install() does, so that guard() imports no YAML side into the process either.
        (item,) = compiled_items([path], True)
        if isinstance(item, Exception):
            raise item
        plain: Plain = decode(item) if isinstance(item, tuple) else item
    else:
        # Imported here: a mapping or a Contract object is structured and validated by the
        # reading side (cattrs); a contract file in the compiled cache needs none of it.
        from _collections_abc import Mapping

        from importspy_hook._errors import ContractError
        from importspy_hook._reading.model import Contract
        from importspy_hook._reading.structuring import structure_mapping, to_plain

        if isinstance(contract, Contract):
            plain = to_plain(contract)
        elif isinstance(contract, Mapping):
            mapping = dict(contract)
            mapping.setdefault("module", name)
            plain = to_plain(structure_mapping(mapping, caller.f_code.co_filename, caller.f_lineno))
        else:
            raise ContractError(
                caller.f_code.co_filename,
                f"guard() takes a contract file, a mapping in the contract format or a Contract, "
                f"not {type(contract).__name__}",
                caller.f_lineno,
            )
    _check_usable(plain, name)
    return plain


def _check_usable(plain: "Plain", name: str) -> None:
    # A contract guard() can check for module ``name``.
    module = plain["module"]
    provides = plain["provides"] is not None
    if (name == "__main__" or name_matches(name, module)) and not provides:
        return
    from importspy_hook._errors import ContractError

    lines = plain["lines"]
    if provides:
        line = lines.get("provides", lines.get(""))
        message = (
            f"provides cannot be checked by guard(): it is called at the top of {name}, before the "
            f"code that defines what provides asks for has run; check provides with the hook "
            f"(install() or the .pth) or `importspy-hook check`, or remove it from this contract"
        )
    else:
        line = lines.get("module", lines.get(""))
        message = (
            f"module: this contract governs {module}, but guard() is called by {name}; give guard() "
            f"the contract of {name}, or correct module:"
        )
    raise ContractError(str(plain["source"]) or f"the contract given to guard() by {name}", message, line)


def _checked_by_hook(frame: "FrameType", plain: "Plain") -> bool:
    # Whether the hook's proxy loader in ``frame`` checked this load against the same rules.
    loader = frame.f_locals.get("self")
    contracts: tuple[Plain, ...] = getattr(loader, "_contracts", ())
    return any(all(other.get(key) == plain[key] for key in _RULE_KEYS) for other in contracts)


def __tracebackhide__(excinfo: "Any") -> bool:
    # pytest hides a frame whose globals say so: a violation's report then ends at the
    # protected module's guard() line with the contract's message.
    from importspy_hook._failure import is_violation

    return is_violation(excinfo)
