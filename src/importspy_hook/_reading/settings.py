"""Settings: ``install()``'s arguments, the environment, and ``[tool.importspy-hook]`` in pyproject.toml.

Each setting is taken from the first place that gives it, in this order: the argument passed
to :func:`~importspy_hook.install`, the environment variable (``IMPORTSPY_HOOK_CONTRACTS``,
``IMPORTSPY_HOOK_ON_VIOLATION``, ``IMPORTSPY_HOOK_STRICT``), the ``[tool.importspy-hook]`` table of the nearest
``pyproject.toml`` (searched upward from the working directory), then the default. The file
is only read when some setting is still open after the arguments and the environment.

Nothing here imports attrs, cattrs or ruamel.yaml: reading settings must stay cheap.
"""

from __future__ import annotations

import os
import sys

from _importspy_hook_guard import (
    CONTRACTS_VARIABLE,
    ON_VIOLATION_VARIABLE,
    STRICT_VARIABLE,
    contract_paths,
    strict_setting,
    violation_mode,
)
from importspy_hook._errors import ContractError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from os import PathLike
    from typing import Any

    from _importspy_hook_guard import Registry

    PathSpec = str | PathLike[str] | Iterable[str | PathLike[str]]

TABLE = "tool.importspy-hook"
DEFAULT_CONTRACTS = "contracts"
#: The keys of ``[tool.importspy-hook]`` and what each holds (used in messages).
KEYS: dict[str, str] = {
    "contracts": "a list of contract files and folders, relative to pyproject.toml",
    "on_violation": '"raise" or "warn"',
    "ignore": "a list of module names or fnmatch patterns that are never guarded",
    "entry_points": "true or false: also load the contracts that installed packages ship",
    "importspy_contracts": 'a table of ImportSpy spymodel files to module names: {"spymodel.yml" = "app.core"}',
    "static": "a list of package folders, module files and source roots for check --static, relative to pyproject.toml",
    "strict": "true or false: check every import statement of a protected module, not only the first import",
}
_ON_VIOLATION = ("raise", "warn")


class Settings:
    """The resolved settings :func:`~importspy_hook.install` uses.

    :ivar contracts: contract files and folders (absolute when they came from pyproject.toml).
    :ivar on_violation: ``"raise"``, ``"warn"``, or ``None`` for each contract's own setting.
    :ivar ignore: module names and patterns that are never guarded.
    :ivar entry_points: whether to load contracts shipped by installed distributions.
    :ivar importspy_contracts: ImportSpy ``spymodel.yml`` files and the module each governs.
    :ivar source: the pyproject.toml read, or ``None``.
    :ivar strict: whether every import statement of a protected module is checked (strict mode).
    """

    __slots__ = ("contracts", "on_violation", "ignore", "entry_points", "importspy_contracts", "source", "strict")

    contracts: tuple[str, ...]
    on_violation: str | None
    ignore: tuple[str, ...]
    entry_points: bool
    importspy_contracts: dict[str, str]
    source: str | None
    strict: bool

    def __init__(
        self,
        contracts: Iterable[str],
        on_violation: str | None = None,
        ignore: Iterable[str] = (),
        entry_points: bool = False,
        importspy_contracts: Mapping[str, str] | None = None,
        source: str | None = None,
        strict: bool = False,
    ) -> None:
        self.contracts = tuple(contracts)
        self.on_violation = on_violation
        self.ignore = tuple(ignore)
        self.entry_points = entry_points
        self.importspy_contracts = dict(importspy_contracts or {})
        self.source = source
        self.strict = strict

    def __repr__(self) -> str:
        return (
            f"Settings(contracts={self.contracts!r}, on_violation={self.on_violation!r}, ignore={self.ignore!r}, "
            f"entry_points={self.entry_points!r}, importspy_contracts={self.importspy_contracts!r}, "
            f"source={self.source!r}, strict={self.strict!r})"
        )


def resolve(
    contracts: PathSpec | None = None,
    *,
    on_violation: str | None = None,
    ignore: Iterable[str] | None = None,
    entry_points: bool | None = None,
    strict: bool | None = None,
    start: str | PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from arguments, then the environment, then pyproject.toml, then defaults.

    :param start: where the search for pyproject.toml begins (default: the working directory).
    :param environ: the environment to read (default: ``os.environ``).
    :raises ContractError: for an invalid pyproject.toml table or environment variable.
    """
    environ = os.environ if environ is None else environ
    paths: tuple[str, ...] | None = None
    if contracts is not None:
        given = [contracts] if isinstance(contracts, (str, os.PathLike)) else list(contracts)
        paths = tuple(os.fspath(p) for p in given)
    else:
        listed = contract_paths(environ.get(CONTRACTS_VARIABLE, ""))
        if listed:
            paths = tuple(listed)
    if on_violation is None:
        value = environ.get(ON_VIOLATION_VARIABLE, "")
        try:
            on_violation = violation_mode(value)
        except ValueError:
            raise ContractError(
                ON_VIOLATION_VARIABLE, f"must be 'raise' or 'warn', not {value!r}; fix or unset the variable"
            ) from None
    elif on_violation not in _ON_VIOLATION:
        raise ValueError(f"on_violation must be 'raise' or 'warn', not {on_violation!r}")
    if strict is None:
        strict = strict_from(environ)
    table: dict[str, Any] = {}
    source: str | None = None
    if paths is None or on_violation is None or ignore is None or entry_points is None or strict is None:
        source = find_pyproject(start)
        if source is not None:
            table = read_table(source)
    if paths is None:
        paths = tuple(table.get("contracts", (DEFAULT_CONTRACTS,)))
    return Settings(
        paths,
        on_violation if on_violation is not None else table.get("on_violation"),
        tuple(ignore) if ignore is not None else tuple(table.get("ignore", ())),
        entry_points if entry_points is not None else bool(table.get("entry_points", False)),
        table.get("importspy_contracts"),
        source,
        strict if strict is not None else bool(table.get("strict", False)),
    )


def strict_from(environ: Mapping[str, str]) -> bool | None:
    """``IMPORTSPY_HOOK_STRICT`` as a boolean, ``None`` when unset or empty.

    :raises ContractError: for a value that is no boolean.
    """
    value = environ.get(STRICT_VARIABLE, "")
    try:
        return strict_setting(value)
    except ValueError:
        raise ContractError(
            STRICT_VARIABLE, f"must be 1/true/yes/on or 0/false/no/off, not {value!r}; fix or unset the variable"
        ) from None


def find_pyproject(start: str | PathLike[str] | None = None) -> str | None:
    """The nearest ``pyproject.toml`` in ``start`` (default: the working directory) or above it."""
    here = os.path.abspath(os.fspath(start) if start is not None else os.getcwd())
    while True:
        candidate = os.path.join(here, "pyproject.toml")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _toml() -> Any:
    # Imported here: only install() without contracts and the CLI read pyproject.toml.
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli  # type: ignore[import-not-found,unused-ignore]

    return tomli


def read_table(file: str) -> dict[str, Any]:
    """The validated ``[tool.importspy-hook]`` table of ``file``, paths made absolute.

    An absent table is an empty dict: a project without settings uses the defaults.

    :raises ContractError: for TOML that does not parse, an unknown key (the closest known key
        is suggested) or a value of the wrong type. Messages carry ``file:line:col`` where the
        key's line can be found in the text (the TOML parser itself reports no positions of
        keys), else ``file:`` alone.
    """
    toml = _toml()
    try:
        with open(file, "rb") as stream:
            raw = stream.read()
    except OSError as exc:
        raise ContractError(file, f"cannot be read: {exc.strerror or exc}") from None
    text = raw.decode("utf-8", errors="replace")
    try:
        document = toml.loads(text)
    except toml.TOMLDecodeError as exc:
        line, column = _decode_error_position(exc)
        message = str(exc).split(" (at ")[0]
        raise ContractError(file, f"is not valid TOML: {message}", line, column) from None
    table = document.get("tool", {}).get("importspy-hook")
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise ContractError(file, f"[{TABLE}] must be a table of settings", *_key_position(text, None))
    base = os.path.dirname(os.path.abspath(file))
    settings: dict[str, Any] = {}
    problems: list[tuple[int | None, int | None, str]] = []
    for key, value in table.items():
        line, column = _key_position(text, key)
        if key not in KEYS:
            # Imported here: difflib is needed only to suggest a key for a typo.
            import difflib

            close = difflib.get_close_matches(key.replace("-", "_"), list(KEYS), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append((line, column, f"unknown key {key!r} in [{TABLE}]; {hint}known keys: {', '.join(KEYS)}"))
            continue
        problem = _check_value(key, value)
        if problem is not None:
            problems.append((line, column, f"[{TABLE}] {key} must be {KEYS[key]}; {problem}"))
            continue
        if key in ("contracts", "static"):
            settings[key] = [os.path.normpath(os.path.join(base, p)) for p in value]
        elif key == "importspy_contracts":
            settings[key] = {os.path.normpath(os.path.join(base, p)): m for p, m in value.items()}
        else:
            settings[key] = value
    if problems:
        line, column, message = problems[0]
        raise ContractError(file, message, line, column, problems=problems)
    return settings


def _check_value(key: str, value: object) -> str | None:
    if key in ("contracts", "ignore", "static"):
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            return f"found {value!r}"
    elif key == "on_violation":
        if value not in _ON_VIOLATION:
            return f"found {value!r}"
    elif key in ("entry_points", "strict"):
        if not isinstance(value, bool):
            return f"found {value!r}"
    elif key == "importspy_contracts" and (
        not isinstance(value, dict) or not all(isinstance(v, str) and v for v in value.values())
    ):
        return f"found {value!r}"
    return None


def _decode_error_position(exc: Exception) -> tuple[int | None, int | None]:
    line = getattr(exc, "lineno", None)  # Python 3.14 and tomli 2.1 give them as attributes
    column = getattr(exc, "colno", None)
    if line is None:
        # Imported here: only a broken pyproject.toml needs the message parsed.
        import re

        found = re.search(r"at line (\d+), column (\d+)", str(exc))
        if found is not None:
            line, column = int(found.group(1)), int(found.group(2))
    return line, column


def _key_position(text: str, key: str | None) -> tuple[int | None, int | None]:
    """Where ``key`` of ``[tool.importspy-hook]`` is written: a scan of the text, best effort."""
    # Imported here: only messages about the table need it.
    import re

    header = re.compile(r"""^\s*\[\s*tool\s*\.\s*(?:importspy-hook|"importspy-hook"|'importspy-hook')\s*\]""")
    other_header = re.compile(r"^\s*\[")
    inside = False
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        if header.match(line):
            if key is None:
                return number, line.index("[") + 1
            inside = True
            continue
        if inside and other_header.match(line):
            inside = False
        if inside and key is not None:
            found = re.match(rf"""^(\s*)["']?{re.escape(key)}["']?\s*[=.]""", line)
            if found is not None:
                return number, len(found.group(1)) + 1
    if key is None:
        return None, None
    # Dotted keys at the top level or in [tool]: ``importspy-hook.contracts = [...]``.
    for number, line in enumerate(lines, 1):
        if re.search(rf"""importspy-hook["']?\s*\.\s*["']?{re.escape(key)}["']?\s*=""", line):
            return number, len(line) - len(line.lstrip()) + 1
    return None, None


def collect(settings: Settings, *, isolated: bool = False) -> tuple[list[Any], list[ContractError]]:
    """Every contract the settings name, and every problem found on the way: the one loading
    pipeline of :func:`~importspy_hook.install`, ``Registry.load`` and the command line.

    Contract files and folders are read through the compiled cache; an ImportSpy spymodel
    mapped to a module in the settings is read once, with that module, even when it lies in a
    contracts folder; the contracts installed distributions ship are added when
    ``entry_points`` is set. No problem stops the collection: a missing path, a broken file
    and two contracts of one kind for one module are each reported. The caller chooses the
    policy (``install()`` raises the first, the command line reports them all; drop-in
    activation, which must cost nothing at start-up, reads contract files through the same
    cache in the resident core, and fails closed).

    :param isolated: parse contract files that have no fresh cache entry in a child
        interpreter (``_reading.cache.isolated_items``), so that the YAML side is not imported
        into a process about to be guarded (``install()``).
    :returns: the contracts (compiled, or their plain data), and the problems.
    """
    # Imported here: loading contracts needs the cache (and on a miss the YAML side);
    # reading settings does not.
    from _importspy_hook_guard import compiled_items, contract_files
    from importspy_hook._activation import duplicate_claims

    problems: list[ContractError] = []
    seen = {os.path.realpath(file) for file in settings.importspy_contracts}
    files: list[str] = []
    for path in settings.contracts:
        try:
            found = contract_files(path)
        except ContractError as exc:
            problems.append(exc)
            continue
        for file in found:
            key = os.path.realpath(file)
            if key not in seen:
                seen.add(key)
                files.append(file)
    contracts: list[Any] = []
    for file, item in zip(files, compiled_items(files, isolated), strict=True):
        if isinstance(item, ContractError):
            problems.append(item)
        elif isinstance(item, Exception):
            problems.append(ContractError(file, f"cannot be read: {item}"))
        else:
            contracts.append(item)
    if settings.importspy_contracts:
        models = list(settings.importspy_contracts.items())
        answers: list[Any] = [None] * len(models)
        if isolated:
            # Spymodels have no compiled cache: parsed in a child, as contract files on a miss.
            from importspy_hook._reading.cache import isolated_calls

            reader = "importspy_hook._reading.importspy"
            answers = isolated_calls([(reader, "plain_spymodel", (file, module)) for file, module in models])
        for (file, module), answer in zip(models, answers, strict=True):
            if answer is None:
                from importspy_hook._reading.importspy import plain_spymodel

                try:
                    contracts.append(plain_spymodel(file, module))
                except ContractError as exc:
                    problems.append(exc)
            elif isinstance(answer, ContractError):
                problems.append(answer)
            else:
                contracts.append(answer)
    if settings.entry_points:
        from importspy_hook._reading.shipped import package_contracts

        try:
            contracts.extend(package_contracts(isolated))
        except ContractError as exc:
            problems.append(exc)
    problems.extend(duplicate_claims(contracts))
    return contracts, problems


def load_registry(settings: Settings, *, isolated: bool = False) -> Registry:
    """Load every contract the settings name (:func:`collect`, ``isolated`` as there) into a
    :class:`~importspy_hook.Registry`.

    :raises ContractError: the first problem :func:`collect` found.
    """
    from _importspy_hook_guard import Registry

    contracts, problems = collect(settings, isolated=isolated)
    if problems:
        raise problems[0]
    return Registry(contracts, on_violation=settings.on_violation, ignore=settings.ignore)
