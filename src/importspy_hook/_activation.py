"""Drop-in activation's problems: what activation (the resident core) reports, and how it fails closed.

``importspy_hook.pth`` (and, from Python 3.15, the PEP 829 ``importspy_hook.start`` entry
point) activates the hook in every interpreter of the environment; this module is only
imported when something there needs saying or handling.

Nothing here may stop the interpreter: ``site`` prints a traceback and skips the rest of the
file for any exception from a ``.pth`` line (``Lib/site.py`` ``addpackage``). Every problem is
one line on stderr instead, and the process fails closed: a module whose contract could not
be read cannot be imported, while unrelated imports go on.
"""

import os
import sys

from _importspy_hook_guard import CONTRACTS_VARIABLE, ON_VIOLATION_VARIABLE, STRICT_VARIABLE, is_pattern, module_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, NoReturn

    from _importspy_hook_guard import Compiled, Item, Registry
    from importspy_hook._errors import ContractError


def report(text: str) -> None:
    """One line on stderr, prefixed so that it can be found in a log."""
    stream = sys.stderr
    if stream is not None:  # pythonw and some services run without a stderr
        try:
            stream.write(f"importspy_hook: {text}\n")
            stream.flush()
        except (OSError, ValueError):
            pass


def failed(exc: Exception) -> None:
    """Activation itself failed: a bug. Say so, once; imports run unguarded."""
    report(
        f"could not be activated ({type(exc).__name__}: {_one_line(str(exc))}); imports run unguarded. "
        f"Unset {CONTRACTS_VARIABLE} to silence this, and report it as a bug"
    )


def unknown_mode(mode: str) -> None:
    """``IMPORTSPY_HOOK_ON_VIOLATION`` is neither raise nor warn: each contract's own applies."""
    report(
        f"{ON_VIOLATION_VARIABLE}={mode!r} is neither raise nor warn; each contract's own "
        f"on_violation applies. Set it to raise or warn, or unset it"
    )


def unknown_strict(value: str) -> None:
    """``IMPORTSPY_HOOK_STRICT`` is no boolean: strict mode is on, since it was asked for."""
    report(
        f"{STRICT_VARIABLE}={value!r} is neither 1/true/yes/on nor 0/false/no/off; strict mode is on. "
        f"Set it to 1 or 0, or unset it"
    )


def strict_failed(exc: Exception) -> None:
    """Strict mode could not be turned on: a bug. Say so; first imports are still checked."""
    report(
        f"strict mode could not be turned on ({type(exc).__name__}: {_one_line(str(exc))}); only first "
        f"imports of protected modules are checked. Report it as a bug"
    )


def unusable_path(path: str, exc: Exception) -> None:
    """A path in ``IMPORTSPY_HOOK_CONTRACTS`` that does not exist or cannot be listed."""
    problem = _as_contract_error(path, exc)
    report(f"{_located(problem)}; its contracts are not enforced. Fix the path in {CONTRACTS_VARIABLE}")


def unreadable_folders(problems: "list[Exception]") -> None:
    """Subfolders of a contract path that cannot be listed: their contracts are unknown, so
    nothing can refuse their modules; the readable contracts of the path stay in force."""
    for problem in problems:
        report(
            f"{_located(_as_contract_error('', problem))}; the contracts in it are not enforced "
            f"(the others are). Fix its permissions"
        )


def install_reporting(registry: "Registry", strict: bool) -> None:
    """:func:`importspy_hook.install` for activation: a warning becomes its line on stderr."""
    from importspy_hook import _install
    from importspy_hook._install import install

    # What is imported before start-up activation was imported by the interpreter or an
    # earlier .pth file: only a contract naming such a module exactly is worth a word.
    _install.at_start_up = True
    try:
        install(registry, strict=strict)
    except Warning as warning:
        # Only under -W error: install() warns about contracted modules imported before
        # start-up finished, and then changes nothing. The hook is still wanted: the warning
        # becomes its line, and the hook is installed without it.
        report(_one_line(str(warning)))
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            install(registry, strict=strict)
    finally:
        _install.at_start_up = False


def _as_contract_error(path: str, exc: Exception) -> "ContractError":
    from importspy_hook._errors import ContractError

    if isinstance(exc, ContractError):
        return exc
    return ContractError(path, f"{type(exc).__name__}: {exc}")


def refusing(file: str, exc: Exception) -> "list[Item]":
    """Contracts that refuse the modules a broken ``file`` governs (fail closed), reported once."""
    problem = _as_contract_error(file, exc)
    modules = module_names(file)
    if not modules:
        report(f"{_located(problem)}; the file was ignored, since not even its module name can be read. Fix the file")
        return []
    names = ", ".join(modules)
    report(f"{_located(problem)}; imports of {names} are refused until the file is fixed")
    text = f"its contract could not be read ({_located(problem)}), so the import is refused; fix the contract"
    return [refusal(module, file, problem.line or 1, text) for module in modules]


def refusal(module: str, file: str, line: int, problem: str) -> "dict[str, Any]":
    """The plain data of a contract that refuses every import of ``module`` (fail closed):
    the loader reports ``problem`` (what could not be read, and what to do) as the violation."""
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


def decoded_again(module: str, source: str, stat: "tuple[int, int, int, int]") -> "dict[str, Any]":
    """A cache entry that could not be decoded: the contract parsed again if the file is still
    the one this process trusted at start-up (``stat``: size, mtime, ctime, inode), else a
    contract that refuses ``module``, saying why."""
    from importspy_hook._reading.cache import slow_items

    if _stat_key(source) == stat:
        (again,) = slow_items([source], use_entries=False)
        if isinstance(again, dict) and _stat_key(source) == stat:
            return again
        if not isinstance(again, dict):
            problem = f"its compiled contract could not be read and parsing it failed ({again}); fix the contract"
            return refusal(module, source, 1, problem)
    problem = (
        f"its contract {source} changed after this process started, and the version it started with can no "
        f"longer be read (its compiled cache was rewritten or removed meanwhile), so the import is refused; "
        f"restart the process to apply the current contract"
    )
    return refusal(module, source, 1, problem)


def changed_since_indexed(
    item: "Compiled", key: "tuple[int, int, int, int] | None", started_at: int, index_file: str
) -> "dict[str, Any]":
    """A contract of the start index whose file is no longer the one the index was written
    from (``key``: its stat key now, None when it is gone): the contract as the file is now
    when it last changed before this process started, else a contract that refuses the
    module, saying why. The index is removed, so that the next start lists the contracts."""
    from _importspy_hook_guard import COMPILED_MODULE, COMPILED_SOURCE, decode_compiled

    forget_index(index_file)
    module, source = item[COMPILED_MODULE], item[COMPILED_SOURCE]
    restart = "so the import is refused; restart the process to apply the contract as it is now"
    if key is None:
        gone = f"its contract {source} was removed or renamed after this process started, {restart}"
        return refusal(module, source, 1, gone)
    if not _changed_before(key[2], started_at):
        return refusal(module, source, 1, f"its contract {source} changed after this process started, {restart}")
    from importspy_hook._reading.cache import isolated_items

    (again,) = isolated_items([source])
    if isinstance(again, Exception):
        problem = _as_contract_error(source, again)
        text = f"its contract could not be read ({_located(problem)}), so the import is refused; fix the contract"
        return refusal(module, source, problem.line or 1, text)
    plain = decode_compiled(again) if isinstance(again, tuple) else dict(again)
    if _stat_key(source) != key:
        return refusal(module, source, 1, f"its contract {source} changed after this process started, {restart}")
    if plain["module"] != module:
        return refusal(
            module,
            source,
            1,
            f"its contract {source} was edited in place to govern {plain['module']} instead, which this "
            f"process's start did not see, {restart}",
        )
    return plain


def _changed_before(ctime: int, started_at: int) -> bool:
    # Whether a change at ``ctime`` was made before a process that started at ``started_at``:
    # with a margin for the clock's granularity, whole seconds on some file systems.
    from _importspy_hook_guard import CLOCK_LAG_NS, RACY_NS

    return ctime < started_at - (RACY_NS if ctime % 1_000_000_000 == 0 else CLOCK_LAG_NS)


def damaged_index(index_file: str) -> "NoReturn":
    """The contracts of a start index cannot be read back: removed, and the import refused."""
    forget_index(index_file)
    raise RuntimeError(
        f"the start index {index_file} is damaged or was replaced since this process started, so which "
        f"contracts apply is unknown; it was removed: restart the process"
    )


def forget_index(index_file: str) -> None:
    """Remove a start index that no longer holds, so that the next start lists the contracts."""
    try:
        os.unlink(index_file)
    except OSError:
        pass


def _stat_key(path: str) -> "tuple[int, int, int, int] | None":
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def claimed_twice(module: str, first: "Item", second: "Item") -> None:
    """Two contracts govern exact name ``module``: both apply when one is the application's and
    one a package's (a package contract carries its ``distribution``).

    :raises ContractError: when both are of one kind.
    """
    problem = _second_claim(module, _decoded(first), _decoded(second))
    if problem is not None:
        raise problem


def duplicate_claims(items: "Iterable[Item]") -> "list[ContractError]":
    """Every contract that claims an exact module name a contract of the same kind claimed
    before it (the one rule for "two contracts for one module")."""
    owners: dict[tuple[str, object], Any] = {}
    problems: list[ContractError] = []
    for item in items:
        module = module_of(item)
        if is_pattern(module):  # patterns may overlap; exact names may not
            continue
        plain = _decoded(item)
        first = owners.setdefault((module, plain.get("distribution")), plain)
        if first is not plain:
            problem = _second_claim(module, first, plain)
            if problem is not None:
                problems.append(problem)
    return problems


def _second_claim(module: str, one: "Any", two: "Any") -> "ContractError | None":
    from importspy_hook._errors import ContractError

    if one.get("distribution") != two.get("distribution"):
        return None
    return ContractError(
        str(two["source"]),
        f"module {module} already has a contract in {one['source']}; merge the two files or remove one",
        two["lines"].get("module", 1),
    )


def _decoded(item: "Item") -> "Any":
    from _importspy_hook_guard import decode_compiled

    return decode_compiled(item) if isinstance(item, tuple) else item


def without_duplicates(items: "list[Item]") -> "list[Item]":
    """Two files that claim one module name: neither can be trusted over the other, so both
    give way to one contract that refuses the module until the files are merged."""
    claims: dict[str, list[Item]] = {}
    for item in items:
        module = module_of(item)
        if not is_pattern(module):  # patterns may overlap; exact names may not
            claims.setdefault(module, []).append(item)
    refusals: dict[str, Item] = {}
    for module, claimants in claims.items():
        if len(claimants) < 2:
            continue
        broken = [c for c in claimants if isinstance(c, dict) and "unreadable" in c]
        if broken:
            refusals[module] = broken[0]  # already reported with its file's own problem
            continue
        first, second = _decoded(claimants[0]), _decoded(claimants[1])
        file, line = second["source"], second["lines"].get("module", 1)
        problem = f"module {module} already has a contract in {first['source']}; merge the two files"
        report(f"{file}:{line}: {problem}, or remove one; imports of {module} are refused until then")
        refusals[module] = refusal(
            module, file, line, f"two contracts govern it ({file}:{line}: {problem}), so the import is refused"
        )
    if not refusals:
        return items
    return [c for c in items if module_of(c) not in refusals] + list(refusals.values())


def module_names(file: str) -> list[str]:
    """Best effort: the module names a contract file gives at its top level, even when it is broken.

    Reads ``module: NAME`` lines (quoted or not) without YAML, so that a file with a syntax
    error elsewhere still refuses its module. Empty when the file cannot be read or names none.
    """
    try:
        with open(file, "rb") as stream:
            # utf-8-sig and universal line ends: a file saved with a byte order mark or CRLF
            # line ends names its module like any other.
            text = stream.read(1 << 20).decode("utf-8-sig", "replace").replace("\r\n", "\n").replace("\r", "\n")
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
