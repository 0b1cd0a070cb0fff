"""The pytest plugin: ``pytest --importspy-hook`` guards the test session with the configured contracts.

pytest loads this module in every session of an environment where importspy_hook is
installed, enabled or not, so at load time it imports only the package's face, the
exceptions and the installation API (and with it the resident core): contracts are read
only when the option or the ini setting ``importspy_hook = true`` turns the hook on. When
drop-in activation installed the hook already, the plugin only puts it back in front of
pytest's assertion rewriter.
"""

from __future__ import annotations

import sys

import pytest

from importspy_hook._errors import ContractError
from importspy_hook._install import Installation

_installed = pytest.StashKey[Installation]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("importspy-hook", "guard imports with importspy_hook contracts")
    group.addoption(
        "--importspy-hook",
        action="store_true",
        default=False,
        dest="importspy_hook",
        help="install the import hook for the session, with the contracts configured in [tool.importspy-hook] "
        "of pyproject.toml (or IMPORTSPY_HOOK_CONTRACTS, or ./contracts)",
    )
    parser.addini("importspy_hook", type="bool", default=False, help="install the import hook for the session")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # The earliest hook a plugin from an entry point gets: before conftest.py files and test
    # modules are imported, so their imports are guarded too.
    if not (early_config.known_args_namespace.importspy_hook or early_config.getini("importspy_hook")):
        _guard_in_front_of_the_rewriter()
        return
    # Imported here: only an enabled session reads settings and contracts.
    from importspy_hook._install import install
    from importspy_hook._reading.settings import load_registry, resolve

    inipath = early_config.inipath
    start = inipath.parent if inipath is not None and inipath.name == "pyproject.toml" else None
    try:
        settings = resolve(start=start)
        # isolated: contracts without a fresh cache entry are parsed in a child interpreter, so
        # that the YAML side (attrs among it) is not imported into the session unguarded.
        installation = install(load_registry(settings, isolated=True), strict=settings.strict)
    except ContractError as exc:
        raise pytest.UsageError(f"importspy-hook: {exc}") from None
    early_config.stash[_installed] = installation
    early_config.add_cleanup(installation.uninstall)


def _guard_in_front_of_the_rewriter() -> None:
    # With drop-in activation the finder is in place before pytest starts, and pytest then
    # puts its assertion rewriter first on sys.meta_path (before this hook runs): conftest
    # and test modules would be loaded by the rewriter without their contract checks. Back
    # in front, the finder finds their specs through the rewriter and wraps its loader, so
    # that assertions are still rewritten.
    from _importspy_hook_guard import installed_finder, put_in_front

    finder = installed_finder()
    if finder is not None and sys.meta_path[0] is not finder:
        put_in_front(finder.registry)


def pytest_report_header(config: pytest.Config) -> str | None:
    installation = config.stash.get(_installed, None)
    if installation is None:
        return None
    from importspy_hook._import_wrapper import enabled

    strict = ", strict mode: every import statement checked" if enabled() else ""
    return f"importspy-hook: guarding imports with {len(installation.registry)} contracts{strict}"
