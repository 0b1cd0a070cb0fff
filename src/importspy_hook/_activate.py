"""Drop-in activation: install the hook at interpreter start-up from environment variables.

``importspy_hook.pth`` (and, from Python 3.15, the PEP 829 ``importspy_hook.start`` entry
point) calls :func:`activate` in every interpreter of the environment. With
``IMPORTSPY_HOOK_CONTRACTS`` unset the ``.pth`` line never imports this module at all.

Nothing here may stop the interpreter: ``site`` prints a traceback and skips the rest of the
file for any exception from a ``.pth`` line (``Lib/site.py`` ``addpackage``). Every problem is
one line on stderr instead, and the process fails closed: a module whose contract could not
be read cannot be imported, while unrelated imports go on.
"""

import os
import sys

# No ``from __future__ import annotations`` here: this module is imported at start-up or at the
# first protected import, where importing ``__future__`` costs about 1.5 % of a bare start
# (README, "Performance"). Annotations that name type-only imports are quoted instead.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._errors import ContractError
    from ._registry import Registry

CONTRACTS_VARIABLE = "IMPORTSPY_HOOK_CONTRACTS"
ON_VIOLATION_VARIABLE = "IMPORTSPY_HOOK_ON_VIOLATION"

# The variables' values that were last activated. CPython runs .pth lines twice in some
# virtual environments (cpython #75723: site.venv() and site.main() both add site-packages),
# and site.addsitedir() runs them again whenever it is called: activate only once per values.
_activated: tuple[str, str] | None = None


def activate() -> None:
    """Install the hook over the contracts named by ``IMPORTSPY_HOOK_CONTRACTS``, if it is set.

    The variable holds contract files and folders separated by ``os.pathsep``, as
    :func:`importspy_hook.install` takes them. ``IMPORTSPY_HOOK_ON_VIOLATION`` (``raise`` or
    ``warn``) overrides every contract's ``on_violation``. Calling it again with the same
    values does nothing. It never raises: problems are reported on stderr, one line each.
    """
    global _activated
    contracts = os.environ.get(CONTRACTS_VARIABLE, "")
    if not contracts.strip():
        return
    values = (contracts, os.environ.get(ON_VIOLATION_VARIABLE, ""))
    if values == _activated:
        return
    _activated = values
    try:
        _install(*values)
    except Exception as exc:
        report(
            f"could not be activated ({type(exc).__name__}: {_one_line(str(exc))}); imports run unguarded. "
            f"Unset {CONTRACTS_VARIABLE} to silence this, and report it as a bug"
        )


def report(text: str) -> None:
    """One line on stderr, prefixed so that it can be found in a log."""
    stream = sys.stderr
    if stream is not None:  # pythonw and some services run without a stderr
        try:
            stream.write(f"importspy_hook: {text}\n")
            stream.flush()
        except (OSError, ValueError):
            pass


def _install(contracts: str, mode: str) -> None:
    from ._finder import install

    on_violation: str | None = mode.strip().lower() or None
    if on_violation not in (None, "raise", "warn"):
        report(
            f"{ON_VIOLATION_VARIABLE}={mode!r} is neither raise nor warn; each contract's own "
            f"on_violation applies. Set it to raise or warn, or unset it"
        )
        on_violation = None
    registry = _registry(contracts.split(os.pathsep), on_violation)
    try:
        install(registry)
    except Warning as warning:
        # Only under -W error: install() warns about contracted modules imported before
        # start-up finished, and then changes nothing. The hook is still wanted: the warning
        # becomes its line, and the hook is installed without it.
        report(_one_line(str(warning)))
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            install(registry)


def _registry(paths: list[str], on_violation: str | None) -> "Registry":
    from ._registry import Registry

    return Registry(_without_duplicates(_readable_contracts(paths)), on_violation=on_violation)


def _readable_contracts(paths: list[str]) -> "list[dict[str, Any]]":
    from ._cache import compiled_contract, contract_files

    plain: list[dict[str, Any]] = []
    for path in paths:
        if not path.strip():
            continue  # "a::b" or a trailing separator: nothing was named there
        try:
            files = contract_files(path)
        except ValueError as exc:  # a ContractError, or a path the OS refuses (a NUL byte)
            problem = _as_contract_error(path, exc)
            report(f"{_located(problem)}; its contracts are not enforced. Fix the path in {CONTRACTS_VARIABLE}")
            continue
        for file in files:
            try:
                plain.append(compiled_contract(file))
            except Exception as exc:
                # Whatever went wrong with this one file, its module is refused and the others
                # are still enforced.
                plain.extend(_refusing(file, _as_contract_error(file, exc)))
    return plain


def _as_contract_error(path: str, exc: Exception) -> "ContractError":
    # Imported here: a start-up without problems never needs _errors.
    from ._errors import ContractError

    if isinstance(exc, ContractError):
        return exc
    return ContractError(path, f"{type(exc).__name__}: {exc}")


def _refusing(file: str, exc: "ContractError") -> "list[dict[str, Any]]":
    """Contracts that refuse the modules a broken ``file`` governs (fail closed), reported once."""
    modules = module_names(file)
    if not modules:
        report(f"{_located(exc)}; the file was ignored, since not even its module name can be read. Fix the file")
        return []
    names = ", ".join(modules)
    report(f"{_located(exc)}; imports of {names} are refused until the file is fixed")
    problem = f"its contract could not be read ({_located(exc)}), so the import is refused; fix the contract"
    return [_refusal(module, file, exc.line or 1, problem) for module in modules]


def _refusal(module: str, file: str, line: int, problem: str) -> "dict[str, Any]":
    return {
        "module": module,
        "source": file,
        "lines": {"": line},
        "schema": 1,
        "on_violation": "raise",
        "importers": None,
        "runtime": [],
        "provides": None,
        "unreadable": problem,
    }


def _without_duplicates(plain: "list[dict[str, Any]]") -> "list[dict[str, Any]]":
    """Two files that claim one module name: neither can be trusted over the other, so both
    give way to one contract that refuses the module until the files are merged."""
    claims: dict[str, list[dict[str, Any]]] = {}
    for contract in plain:
        module: str = contract["module"]
        if not any(c in module for c in "*?["):  # patterns may overlap; exact names may not
            claims.setdefault(module, []).append(contract)
    refusals: dict[str, dict[str, Any]] = {}
    for module, contracts in claims.items():
        if len(contracts) < 2:
            continue
        broken = [c for c in contracts if "unreadable" in c]
        if broken:
            refusals[module] = broken[0]  # already reported with its file's own problem
            continue
        first, second = contracts[0], contracts[1]
        file, line = second["source"], second["lines"].get("module", 1)
        problem = f"module {module} already has a contract in {first['source']}; merge the two files"
        report(f"{file}:{line}: {problem}, or remove one; imports of {module} are refused until then")
        refusals[module] = _refusal(
            module, file, line, f"two contracts govern it ({file}:{line}: {problem}), so the import is refused"
        )
    if not refusals:
        return plain
    return [c for c in plain if c["module"] not in refusals] + list(refusals.values())


def module_names(file: str) -> list[str]:
    """Best effort: the module names a contract file gives at its top level, even when it is broken.

    Reads ``module: NAME`` lines (quoted or not) without YAML, so that a file with a syntax
    error elsewhere still refuses its module. Empty when the file cannot be read or names none.
    """
    try:
        with open(file, "rb") as stream:
            text = stream.read(1 << 20).decode("utf-8", "replace")
    except OSError:
        return []
    # Imported here: only broken contracts need it.
    import re

    found: list[str] = []
    for match in re.finditer(r"""^module[ \t]*:[ \t]*(["']?)([^\s"'#]+)\1[ \t]*(?:#.*)?$""", text, re.MULTILINE):
        name = match.group(2)
        if re.fullmatch(r"[A-Za-z_*?\[][A-Za-z0-9_*?\[\]!-]*(\.[A-Za-z0-9_*?\[\]!-]+)*", name) and name not in found:
            found.append(name)
    return found


def _located(exc: "ContractError") -> str:
    """``file:line:col: message`` of the first problem, noting how many more there are."""
    line, column, message = exc.problems[0]
    place = exc.file if line is None else f"{exc.file}:{line}" if column is None else f"{exc.file}:{line}:{column}"
    more = len(exc.problems) - 1
    extra = f" (and {more} more problem{'s' if more > 1 else ''} in the file)" if more else ""
    return f"{place}: {_one_line(message)}{extra}"


def _one_line(text: str) -> str:
    return "; ".join(part.strip() for part in text.splitlines() if part.strip())
