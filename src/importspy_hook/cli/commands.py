"""The ``importspy-hook`` command line (also ``python -m importspy_hook``).

Exit codes, the same for every command: 0 every contract kept (or nothing to report),
1 a contract was broken, 2 a usage or contract error (``file:line:col: message``),
3 an internal failure of this tool (re-run with ``--debug`` for the traceback).

This is the only module that imports click; the enforcement core never imports it.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

import click

from _importspy_hook_guard import __version__, is_pattern
from importspy_hook._errors import ContractError
from importspy_hook._reading.settings import DEFAULT_CONTRACTS

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from _importspy_hook_guard import Registry
    from importspy_hook._reading.settings import Settings

EXIT_KEPT = 0
EXIT_BROKEN = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

PROG = "importspy-hook"


class Problem(click.ClickException):
    """A usage problem the user can fix: printed as ``importspy-hook: error: ...``, exit 2."""

    exit_code = EXIT_USAGE

    def show(self, file: Any = None) -> None:
        click.echo(f"{PROG}: error: {self.message}", err=True)


class ContractProblems(click.ClickException):
    """Contract files that cannot be used: every problem as ``file:line:col: message``, exit 2."""

    exit_code = EXIT_USAGE

    def __init__(self, errors: Sequence[ContractError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = tuple(errors)

    def show(self, file: Any = None) -> None:
        for error in self.errors:
            click.echo(str(error), err=True)
        count = sum(len(e.problems) for e in self.errors)
        click.echo(f"{PROG}: {count} contract problem{'s' if count != 1 else ''}; fix them and run again", err=True)


class _Group(click.Group):
    """Turns failures into the documented exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except ContractError as exc:
            raise ContractProblems([exc]) from exc
        except Exception as exc:
            if ctx.params.get("debug"):
                import traceback

                traceback.print_exc()
            else:
                click.echo(
                    f"{PROG}: internal error: {type(exc).__name__}: {exc}\n"
                    f"This is a bug in {PROG}, not in your contracts; re-run with "
                    f"`{PROG} --debug ...` to see the traceback, and report it.",
                    err=True,
                )
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name=PROG, message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="Show the full traceback of an internal failure.")
def cli(debug: bool) -> None:
    """Check Python import contracts from the command line.

    Contracts are YAML files (one per module) in a contracts/ folder; see `check --help`.
    Exit codes: 0 all kept, 1 a contract broken, 2 usage or contract error, 3 internal failure.

    \b
    Examples:
      importspy-hook check                       # runtime of every contract in ./contracts
      importspy-hook check app.core              # import app.core and check it
      importspy-hook lint contracts
      python -m importspy_hook snapshot --env STAGE
      importspy-hook migrate spymodel.yml --module package
    """


# --- loading contracts ----------------------------------------------------------------------


def load_registry(contracts: Sequence[str], extra: Sequence[str] = (), *, optional: bool = False) -> Registry:
    """Every contract in ``contracts`` (default: the configured contracts, else ``./contracts``)
    and the ``extra`` files.

    Without ``contracts``, the configuration is honoured as ``install()`` reads it: ``ignore``,
    ``entry_points`` and ``importspy_contracts`` of ``[tool.importspy-hook]`` as well as
    ``contracts``.

    :param optional: whether a missing default folder simply means no contracts.
    :raises Problem: when the default folder is missing and nothing else was given.
    :raises ContractProblems: with every problem of every file that cannot be used.
    """
    from _importspy_hook_guard import Registry

    paths = list(contracts)
    settings = None
    if not paths:
        settings = configured_settings()
        paths = configured_contracts(settings)
    # ``contracts = []`` in pyproject.toml names no folder, as for install(): no default then.
    configured_none = settings is not None and not settings.contracts
    if not paths and not configured_none:
        if os.path.isdir(DEFAULT_CONTRACTS):
            paths.append(DEFAULT_CONTRACTS)
        elif not extra and not optional and not (settings is not None and settings.entry_points):
            raise Problem(
                f"no contracts folder at ./{DEFAULT_CONTRACTS} (the default); pass --contracts PATH, "
                f"or run from the folder that holds {DEFAULT_CONTRACTS}/"
            )
    # The configuration is honoured as install() reads it: spymodels mapped to a module,
    # contracts that installed distributions ship, ignored names.
    from importspy_hook._reading.settings import Settings, collect

    loaded, errors = collect(
        Settings(
            [*paths, *extra],
            ignore=settings.ignore if settings is not None else (),
            entry_points=settings is not None and settings.entry_points,
            importspy_contracts=settings.importspy_contracts if settings is not None else None,
        )
    )
    if errors:
        raise ContractProblems(errors)
    return Registry(loaded, ignore=settings.ignore if settings is not None else ())


def configured_settings() -> Settings:
    """The settings ``install()`` reads without arguments: ``IMPORTSPY_HOOK_CONTRACTS``, then
    ``[tool.importspy-hook]`` in the nearest pyproject.toml, then the defaults.

    :raises ContractError: for an invalid pyproject.toml table.
    """
    from importspy_hook._reading import settings as _config

    # on_violation is given: the commands report every broken rule whatever the mode, so an
    # IMPORTSPY_HOOK_ON_VIOLATION setting neither matters nor is checked here.
    return _config.resolve(on_violation="raise")


def configured_contracts(settings: Settings | None = None) -> list[str]:
    """The configured contract paths (see :func:`configured_settings`); empty when neither
    ``IMPORTSPY_HOOK_CONTRACTS`` nor ``contracts`` in pyproject.toml is set.

    :raises ContractError: for an invalid pyproject.toml table.
    """
    from importspy_hook._reading import settings as _config

    configured = (settings or configured_settings()).contracts
    return [] if configured == (_config.DEFAULT_CONTRACTS,) else list(configured)


def load_files(paths: Iterable[str], skip: Iterable[str] = ()) -> tuple[list[dict[str, Any]], list[ContractError]]:
    """The plain data of every contract named by ``paths``, through the compiled cache (a warm
    cache parses no YAML); a file given twice is read once, and a file whose real path is in
    ``skip`` not at all."""
    from _importspy_hook_guard import compiled_items, contract_files, decode_compiled

    contracts: list[dict[str, Any]] = []
    errors: list[ContractError] = []
    seen: set[str] = set(skip)
    for path in paths:
        try:
            files = contract_files(path)
        except ContractError as exc:
            errors.append(exc)
            continue
        chosen = []
        for file in files:
            key = os.path.realpath(file)
            if key not in seen:
                seen.add(key)
                chosen.append(file)
        for item in compiled_items(chosen):
            if isinstance(item, ContractError):
                errors.append(item)
            elif isinstance(item, Exception):
                raise item
            else:
                contracts.append(decode_compiled(item) if isinstance(item, tuple) else dict(item))
    errors.extend(_duplicates(contracts))
    return contracts, errors


def _duplicates(contracts: Iterable[dict[str, Any]]) -> list[ContractError]:
    from importspy_hook._activation import duplicate_claims

    return duplicate_claims(list(contracts))


def _emit(text: str, output: str | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        with open(output, "w", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as exc:
        raise Problem(f"cannot write {output}: {exc.strerror or exc}; choose another --output") from exc


def wants_color(stream: Any = None) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    stream = stream if stream is not None else sys.stdout
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


# --- check ----------------------------------------------------------------------------------

_contracts_option = click.option(
    "--contracts",
    "contracts",
    multiple=True,
    metavar="PATH",
    help="Contract file or folder (repeatable). Default: IMPORTSPY_HOOK_CONTRACTS, else contracts in "
    f"[tool.importspy-hook] of pyproject.toml, else ./{DEFAULT_CONTRACTS}",
)


@cli.command()
@_contracts_option
@click.option(
    "--contract", "extra", multiple=True, metavar="FILE", help="Add this contract file to those found (repeatable)."
)
@click.option(
    "--as-importer-of",
    "host",
    metavar="MODULE",
    help="Check TARGET as an importer of MODULE: its name against MODULE's importers.allow/deny, "
    "what it defines against MODULE's importers.require.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option("--output", "-o", metavar="FILE", help="Write the report to FILE instead of standard output.")
@click.option(
    "--static",
    "static",
    is_flag=True,
    help="Read the source under each TARGET (package folder, .py file or source root) without importing it, "
    "and check every import edge into every protected module. Default TARGETs: static in "
    "[tool.importspy-hook], else the packages in . and src/.",
)
@click.option(
    "--include-type-checking",
    is_flag=True,
    help="With --static: imports made only under `if TYPE_CHECKING:` are edges too.",
)
@click.option(
    "--undecided",
    type=click.Choice(["warning", "error"]),
    default="warning",
    show_default=True,
    help="With --static: what a fact the source cannot decide is (an error fails the run).",
)
@click.argument("targets", nargs=-1, metavar="[TARGET]...")
def check(
    contracts: tuple[str, ...],
    extra: tuple[str, ...],
    host: str | None,
    fmt: str,
    output: str | None,
    static: bool,
    include_type_checking: bool,
    undecided: str,
    targets: tuple[str, ...],
) -> None:
    """Check the environment, or modules, against their contracts.

    Without TARGET: evaluate the runtime part of every contract (Python, OS, architecture,
    environment variables, installed packages) in this environment.

    With TARGET (a dotted module name, a .py file or a package folder): import it here under
    the hook and report its contract's runtime and provides, and the contracts of the modules
    it imports. The command is TARGET's importer, so TARGET's own importers rules are not
    applied; --as-importer-of applies another module's importers rules to TARGET instead.

    Exit 0 when every contract is kept, 1 when one is broken, 2 for a usage or contract error.

    \b
    Examples:
      STAGE=prod importspy-hook check
      importspy-hook check app.core --format json
      importspy-hook check plugins/report.py --as-importer-of app.core
      importspy-hook check --format sarif --output importspy.sarif
      importspy-hook check --static src/ --format sarif
    """
    from importspy_hook.cli.report import render_json, render_sarif, render_text

    if host is not None and not targets:
        raise Problem("--as-importer-of needs a TARGET: the plugin module or file to check")
    if host is not None and static:
        raise Problem("--as-importer-of checks one imported TARGET; --static checks every importer already")
    if not static and (include_type_checking or undecided != "warning"):
        raise Problem("--include-type-checking and --undecided apply to --static only")
    registry = load_registry(contracts, extra)
    if static:
        report = _static_report(registry, targets, include_type_checking, undecided)
    else:
        # Imported here: importing TARGETs needs the hook's installer, --static does not.
        from importspy_hook.cli.evaluation import TargetError, resolve_target, runtime_report, target_report

        try:
            if targets:
                report = target_report(registry, [resolve_target(t) for t in targets], host)
            else:
                report = runtime_report(registry)
        except TargetError as exc:
            raise Problem(str(exc)) from exc
    if fmt == "json":
        text = render_json(report, __version__)
    elif fmt == "sarif":
        text = render_sarif(report, __version__)
    else:
        text = render_text(report, color=output is None and wants_color())
    _emit(text, output)
    raise click.exceptions.Exit(EXIT_KEPT if report.ok else EXIT_BROKEN)


def _static_report(registry: Registry, targets: Sequence[str], include_type_checking: bool, undecided: str) -> Any:
    # Imported here: the static engine (and grimp) is loaded by --static only.
    from importspy_hook.static.checker import StaticProblem, default_paths, static_report

    paths = list(targets)
    if not paths:
        from importspy_hook._reading import settings as _config

        pyproject = _config.find_pyproject()
        configured = _config.read_table(pyproject).get("static") if pyproject is not None else None
        paths = default_paths(configured)
        if not paths:
            raise Problem("--static found no packages in . or src/; give package folders, .py files or source roots")
    try:
        return static_report(registry, paths, include_type_checking=include_type_checking, undecided_level=undecided)
    except StaticProblem as exc:
        raise Problem(str(exc)) from exc


# --- lint -----------------------------------------------------------------------------------


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...")
def lint(paths: tuple[str, ...]) -> None:
    """Report every problem in contract files or folders (default ./contracts).

    Each problem is printed as file:line:col: message, all of them, not only the first.
    Exit 0 when every file is a valid contract, 2 otherwise.

    \b
    Examples:
      importspy-hook lint
      importspy-hook lint contracts/payments.keys.yml extra-contracts/
    """
    from _importspy_hook_guard import contract_files

    shipped: list[tuple[str, str, tuple[str, ...]]] = []
    mapped: dict[str, str] = {}
    if not paths:
        # The configuration as check and install() read it: contracts (``[]`` names none),
        # importspy_contracts and entry_points.
        settings = configured_settings()
        mapped = settings.importspy_contracts
        targets = configured_contracts(settings)
        if not targets and settings.contracts:
            targets = [DEFAULT_CONTRACTS]
            if (settings.entry_points or mapped) and not os.path.isdir(DEFAULT_CONTRACTS):
                targets = []  # as for the other commands: other sources alone are enough
        if settings.entry_points:
            from importspy_hook._reading.shipped import shipped_folders

            shipped = shipped_folders()
    else:
        targets = list(paths)
    loaded, errors = load_files(targets, skip={os.path.realpath(file) for file in mapped})
    if mapped:
        from importspy_hook._reading.importspy import load_spymodel

        for file, module in mapped.items():
            try:
                load_spymodel(file, module)
            except ContractError as exc:
                errors.append(exc)
    errors.extend(_shipped_problems(shipped))
    for error in errors:
        click.echo(str(error))
    for contract in loaded:
        for line, message in _unknown_arch(contract):
            click.echo(f"{contract['source']}:{line}: warning: {message}")
    count = len(mapped)
    mapped_real = {os.path.realpath(file) for file in mapped}
    for path in [*targets, *(folder for _, folder, _ in shipped)]:
        try:
            count += sum(os.path.realpath(file) not in mapped_real for file in contract_files(path))
        except ContractError:
            pass
    problems = sum(len(e.problems) for e in errors)
    files = f"{count} contract file{'s' if count != 1 else ''}"
    if problems:
        click.echo(f"{files}: {problems} problem{'s' if problems != 1 else ''}", err=True)
        raise click.exceptions.Exit(EXIT_USAGE)
    click.echo(f"{files}: no problems", err=True)


def _unknown_arch(contract: dict[str, Any]) -> list[tuple[int, str]]:
    """``(line, message)`` for each ``arch`` name of a contract's plain data that is not a known
    one: accepted as written (``platform.machine()`` answers sparc64, mips, ...), worth a
    warning in ``lint``, since a typo never matches this host."""
    import difflib

    from importspy_hook._snapshot import ARCH_ALIASES
    from importspy_hook._violations import quoted

    found = []
    lines: dict[str, int] = contract["lines"]
    for index, alternative in enumerate(contract["runtime"] or ()):
        for name in alternative.get("arch") or ():
            if name in ARCH_ALIASES.values():
                continue
            close = difflib.get_close_matches(name, list(ARCH_ALIASES), n=1)
            guess = f"; did you mean {quoted(ARCH_ALIASES[close[0]])}?" if close else ""
            line = lines.get(f"runtime/{index}/arch") or lines.get("runtime/arch") or 1
            found.append(
                (
                    line,
                    f"unknown arch {quoted(name)} is accepted as written and matches a machine that reports it{guess}",
                )
            )
    return found


def _shipped_problems(shipped: Iterable[tuple[str, str, tuple[str, ...]]]) -> list[ContractError]:
    """Every problem of the contracts distributions ship, each distribution on its own (an
    application contract and a package's for one module both apply; they are no duplicates)."""
    from importspy_hook._reading.shipped import check_owned

    errors: list[ContractError] = []
    for dist_name, folder, owned in shipped:
        loaded, problems = load_files([folder])
        errors.extend(problems)
        for contract in loaded:
            try:
                check_owned(contract, dist_name, set(owned))
            except ContractError as exc:
                errors.append(exc)
    return errors


# --- list -----------------------------------------------------------------------------------


@cli.command(name="list")
@_contracts_option
def list_(contracts: tuple[str, ...]) -> None:
    """Show a table of contracts: module, file, on_violation and the parts each one checks.

    \b
    Examples:
      importspy-hook list
      importspy-hook list --contracts contracts --contracts vendor/contracts
    """
    registry = load_registry(contracts)
    rows = [("MODULE", "FILE", "ON_VIOLATION", "CHECKS")]
    for contract in sorted(registry.contracts, key=lambda c: (c["module"], c["source"])):
        where = f"{contract['source']}:{contract['lines'].get('module', 1)}"
        checks = ", ".join(_checked_parts(contract)) or "-"
        if not registry.contracts_for(contract["module"]) and not is_pattern(contract["module"]):
            checks = "none: ignored by the configuration (ignore in [tool.importspy-hook])"
        rows.append((contract["module"], where, contract["on_violation"], checks))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])


def _checked_parts(contract: Any) -> list[str]:
    parts = []
    importers = contract["importers"]
    if importers is not None:
        if importers["allow"] is not None:
            parts.append("importers.allow")
        if importers["deny"]:
            parts.append("importers.deny")
        if importers["require"] is not None:
            parts.append("importers.require")
    for rule in contract["runtime"]:
        for key in ("python", "implementation", "os", "arch"):
            if rule[key] is not None:
                parts.append(f"runtime.{key}")
        for key in ("env", "packages"):
            if rule[key]:
                parts.append(f"runtime.{key}")
    if contract["provides"] is not None:
        parts.append("provides")
    return list(dict.fromkeys(parts))


# --- snapshot -------------------------------------------------------------------------------


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@click.option(
    "--env",
    "env_names",
    multiple=True,
    metavar="NAME",
    help="Show this variable's value too (repeatable); never shown for secret names.",
)
@_contracts_option
def snapshot(fmt: str, env_names: tuple[str, ...], contracts: tuple[str, ...]) -> None:
    """Print this process as runtime rules see it, to write a contract from.

    OS, architecture, Python version and implementation, and the NAMES of the environment
    variables. Values are shown only for names given with --env, and never for a name that
    looks secret (KEY, TOKEN, SECRET, PASSWORD, ...) or that a contract marks secret: true.

    \b
    Examples:
      importspy-hook snapshot
      importspy-hook snapshot --format json --env STAGE --env REGION
    """
    from importspy_hook._snapshot import snapshot as take_snapshot
    from importspy_hook._violations import has_credentials, is_secret_name, secret_variables

    secret = secret_variables(load_registry(contracts, optional=True).contracts) if (env_names or contracts) else ()
    snap = take_snapshot()
    environ = snap.environ
    values: dict[str, str] = {}
    withheld: list[str] = []
    unset: list[str] = []
    for name in dict.fromkeys(env_names):
        if name not in environ:
            unset.append(name)
        elif is_secret_name(name, None, secret) or has_credentials(environ[name]):
            withheld.append(name)
        else:
            values[name] = environ[name]
    data: dict[str, Any] = {
        **snap.as_dict(),
        "env": {"names": sorted(environ), "values": values, "withheld": withheld, "unset": unset},
    }
    if fmt == "json":
        import json

        click.echo(json.dumps(data, indent=2))
        return
    click.echo(_snapshot_yaml(data), nl=False)


def _snapshot_yaml(data: dict[str, Any]) -> str:
    import json

    from importspy_hook.cli.starter import scalar

    def seq(items: Iterable[str]) -> str:
        return "[" + ", ".join(scalar(i) for i in items) + "]"

    env = data["env"]
    lines = ["# This process as importspy_hook's runtime rules see it (`importspy-hook snapshot`)."]
    lines.extend(f"{key}: {scalar(str(data[key]))}" for key in ("python", "implementation", "os", "arch", "machine"))
    lines.append("env:")
    lines.append("  # every variable's name; values only for names asked for with --env")
    lines.append("  names:")
    lines.extend(f"    - {scalar(name)}" for name in env["names"])
    if env["values"]:
        lines.append("  values:")
        lines.extend(f"    {scalar(k)}: {json.dumps(v)}" for k, v in env["values"].items())
    else:
        lines.append("  values: {}")
    lines.append(f"  withheld: {seq(env['withheld'])}  # secret: value never shown")
    lines.append(f"  unset: {seq(env['unset'])}")
    return "\n".join(lines) + "\n"


# --- init -----------------------------------------------------------------------------------


@cli.command()
@click.argument("module")
@click.option("--output", "-o", metavar="FILE", help=f"Where to write it. Default: ./{DEFAULT_CONTRACTS}/MODULE.yml")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def init(module: str, output: str | None, force: bool) -> None:
    """Write a starter contract for MODULE (a module name, .py file or package folder).

    The module's source is read, never imported: its public functions (arguments and
    annotations), classes (bases, methods, attributes) and constants become `provides`, and
    this Python (as a lower bound) and OS become `runtime`. The YAML is commented for editing.
    It passes `lint` and `check`.

    \b
    Examples:
      importspy-hook init payments.keys
      importspy-hook init plugins/report.py --output contracts/report.yml --force
    """
    from pathlib import Path

    from importspy_hook.cli.evaluation import TargetError, resolve_target
    from importspy_hook.cli.starter import starter_contract
    from importspy_hook.static.factscache import source_facts

    try:
        target = resolve_target(module)
    except TargetError as exc:
        raise Problem(str(exc)) from exc
    file = Path(output or os.path.join(DEFAULT_CONTRACTS, f"{target.name}.yml"))
    if file.exists() and not force:
        raise Problem(f"{file} exists; pass --force to overwrite it, or --output another file")
    source = _source_file(target.name, target.root)
    if source is None:
        raise Problem(
            f"cannot find the source of {target.name}: no {target.name.replace('.', '/')}.py or package "
            f"folder here, in src/ or on sys.path; give the module's .py file or package folder"
        )
    facts = source_facts(source)
    if facts is None or facts["error"]:
        problem = facts["error"] if facts is not None else "it cannot be read"
        raise Problem(f"cannot read the source of {target.name}, {source}:{problem}")
    # ``check`` reads ./contracts unless told otherwise: a contract written elsewhere is named.
    default = os.path.abspath(DEFAULT_CONTRACTS)
    elsewhere = os.path.commonpath([default, os.path.abspath(file)]) != default
    contracts = f" --contracts {file.as_posix()}" if elsewhere else ""
    text = starter_contract(target.name, facts, file.as_posix(), file.as_posix() if elsewhere else None)
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise Problem(f"cannot write {file}: {exc.strerror or exc}") from exc
    click.echo(f"wrote {file}; edit it, then run: {PROG} lint {file} && {PROG} check {module}{contracts}", err=True)


def _source_file(name: str, root: str | None) -> str | None:
    """The source file of module ``name`` under ``root`` (default: here, ``src/``, then
    ``sys.path``), found by its path alone: nothing is imported."""
    roots = [root] if root is not None else [os.getcwd(), os.path.join(os.getcwd(), "src"), *sys.path]
    for folder in roots:
        base = os.path.join(folder or ".", *name.split("."))
        for candidate in (base + ".py", os.path.join(base, "__init__.py")):
            if os.path.isfile(candidate):
                return candidate
    return None


# --- migrate --------------------------------------------------------------------------------


@cli.command()
@click.argument("spymodel", metavar="SPYMODEL")
@click.option(
    "--module", "-m", metavar="NAME", help="The module the contract guards. Default: the file's own module: key."
)
@click.option("--output", "-o", metavar="FILE", help="Write the native contract to FILE instead of standard output.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def migrate(spymodel: str, module: str | None, output: str | None, force: bool) -> None:
    """Convert an ImportSpy 0.4 contract (spymodel.yml) into a native contract.

    The structure sections describe the importer (ImportSpy's embedded mode) and become
    importers.allow and importers.require; deployments become runtime alternatives. The YAML
    written lists, in comments, every difference from ImportSpy's behaviour. It passes lint.

    \b
    Examples:
      importspy-hook migrate spymodel.yml --module package
      importspy-hook migrate plugins/spymodel.yml -m app.core -o contracts/app.core.yml
    """
    from pathlib import Path

    from importspy_hook._reading.importspy import migrate as to_native

    text = to_native(spymodel, module)
    if output is not None and Path(output).exists() and not force:
        raise Problem(f"{output} exists; pass --force to overwrite it, or --output another file")
    if output is not None:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
    _emit(text, output)
    if output is not None:
        click.echo(
            f"wrote {output}; review the differences listed at its top, then run: {PROG} lint {output}", err=True
        )


# --- schema ---------------------------------------------------------------------------------


@cli.command()
@click.option("--output", "-o", metavar="FILE", help="Write the schema to FILE instead of standard output.")
def schema(output: str | None) -> None:
    """Print the JSON Schema (draft 2020-12) of contract files, for editors and tools.

    Save it beside the contracts and start each contract file with the comment
    `# yaml-language-server: $schema=importspy-hook.schema.json` for completion and checking
    in editors that use the YAML language server. lint checks what a schema cannot.

    \b
    Examples:
      importspy-hook schema --output contracts/importspy-hook.schema.json
    """
    from importspy_hook._reading.schema import schema_text

    _emit(schema_text(), output)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the command line (the ``importspy-hook`` console script)."""
    cli.main(args=list(argv) if argv is not None else None, prog_name=PROG)
    sys.exit(EXIT_KEPT)  # cli.main exits itself in standalone mode; this satisfies the type.
