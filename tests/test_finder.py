"""The guarded import through the real import system, in fresh interpreters."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from importspy_hook import Contract, ContractError, Registry, snapshot

if TYPE_CHECKING:
    from conftest import Project

KEYS_CONTRACT = """
    module: payments.keys
    importers:
      allow: ["payments", "payments.*", "__main__"]
      deny: ["payments.plugins.*"]
"""

PAYMENTS = {
    "payments/__init__.py": "",
    "payments/keys.py": """
        import pathlib
        pathlib.Path("side-effect").write_text("ran")
        KEY = "k"
    """,
    "payments/billing.py": "from payments import keys\n",
    "payments/plugins/__init__.py": "",
    "payments/plugins/evil.py": "import payments.keys\n",
    "plugins/__init__.py": "",
    "plugins/evil.py": "import payments.keys\n",
    "contracts/payments.keys.yml": KEYS_CONTRACT,
}

REPORT = """
    import importspy_hook, pathlib, sys
    importspy_hook.install("contracts")
    try:
        __import__(sys.argv[1])
    except importspy_hook.ContractViolation as exc:
        print("VIOLATION", type(exc).__name__, exc.importer, [v.rule for v in exc.violations])
        print("MESSAGE", exc)
    else:
        print("IMPORTED")
    print("RAN", pathlib.Path("side-effect").exists())
"""


class TestImporterNames:
    def test_allowed_importer_runs_the_module(self, project: Project) -> None:
        result = project.write(PAYMENTS).run(REPORT, "payments.billing")
        assert "IMPORTED" in result.stdout, result.output
        assert "RAN True" in result.stdout

    def test_denied_importer_does_not_run_module_code(self, project: Project) -> None:
        result = project.write(PAYMENTS).run(REPORT, "plugins.evil")
        assert "VIOLATION ImporterViolation plugins.evil ['importers.allow']" in result.stdout, result.output
        assert "RAN False" in result.stdout

    def test_deny_wins_over_allow(self, project: Project) -> None:
        result = project.write(PAYMENTS).run(REPORT, "payments.plugins.evil")
        assert "VIOLATION ImporterViolation payments.plugins.evil ['importers.deny']" in result.stdout, result.output
        assert "RAN False" in result.stdout

    def test_message_names_importer_place_and_contract_line(self, project: Project) -> None:
        result = project.write(PAYMENTS).run(REPORT, "plugins.evil")
        assert (
            "payments.keys may not be imported by plugins.evil "
            f"({project.root / 'plugins' / 'evil.py'}:1): importers.allow in contracts/payments.keys.yml:3 is "
            '["payments", "payments.*", "__main__"]'
        ) in result.stdout, result.output


class TestWhoIsTheImporter:
    def test_main_script_is_the_importer(self, project: Project) -> None:
        project.write(
            {**PAYMENTS, "contracts/payments.keys.yml": 'module: payments.keys\nimporters: {allow: ["app"]}\n'}
        )
        result = project.run(
            """
            import importspy_hook
            importspy_hook.install("contracts")
            try:
                import payments.keys
            except importspy_hook.ImporterViolation as exc:
                print("IMPORTER", exc.importer)
            """
        )
        assert "IMPORTER __main__" in result.stdout, result.output

    def test_main_script_allowed_by_the_main_pattern(self, project: Project) -> None:
        result = project.write(PAYMENTS).run(
            """
            import importspy_hook
            importspy_hook.install("contracts")
            import payments.keys
            print("IMPORTED", payments.keys.KEY)
            """
        )
        assert "IMPORTED k" in result.stdout, result.output

    def test_import_inside_a_function_is_attributed_to_its_module(self, project: Project) -> None:
        project.write(
            {
                **PAYMENTS,
                "plugins/lazy.py": """
                    def load():
                        import payments.keys
                        return payments.keys
                """,
                "payments/lazy.py": """
                    def load():
                        import payments.keys
                        return payments.keys
                """,
            }
        )
        result = project.run(
            """
            import importspy_hook, sys
            importspy_hook.install("contracts")
            import payments.lazy, plugins.lazy
            try:
                plugins.lazy.load()
            except importspy_hook.ImporterViolation as exc:
                print("DENIED", exc.importer)
            print("LOADED", payments.lazy.load().KEY)
            """
        )
        assert "DENIED plugins.lazy" in result.stdout, result.output
        assert "LOADED k" in result.stdout, result.output

    def test_from_package_import_submodule_is_checked(self, project: Project) -> None:
        result = project.write(PAYMENTS | {"plugins/evil.py": "from payments import keys\n"}).run(
            REPORT, "plugins.evil"
        )
        assert "VIOLATION ImporterViolation plugins.evil ['importers.allow']" in result.stdout, result.output
        assert "RAN False" in result.stdout

    def test_import_module_call_is_attributed_to_the_calling_module(self, project: Project) -> None:
        project.write(
            PAYMENTS
            | {
                "plugins/dynamic.py": """
                    import importlib
                    importlib.import_module("payments.keys")
                """,
                "payments/dynamic.py": """
                    import importlib
                    keys = importlib.import_module("payments.keys")
                """,
            }
        )
        denied = project.run(REPORT, "plugins.dynamic")
        assert "VIOLATION ImporterViolation plugins.dynamic ['importers.allow']" in denied.stdout, denied.output
        allowed = project.run(REPORT, "payments.dynamic")
        assert "IMPORTED" in allowed.stdout, allowed.output

    def test_parents_of_a_protected_module_import_freely(self, project: Project) -> None:
        project.write(
            {
                "a/__init__.py": "",
                "a/b/__init__.py": "",
                "a/b/c.py": "",
                "contracts/c.yml": 'module: a.b.c\nimporters: {allow: ["trusted"]}\n',
            }
        )
        result = project.run(
            """
            import importspy_hook, sys
            importspy_hook.install("contracts")
            import a.b
            print("PARENTS", "a" in sys.modules, "a.b" in sys.modules)
            try:
                import a.b.c
            except importspy_hook.ImporterViolation as exc:
                print("DENIED", exc.name, exc.importer)
            print("LOADED", "a.b.c" in sys.modules, "a.b" in sys.modules)
            """
        )
        assert "PARENTS True True" in result.stdout, result.output
        assert "DENIED a.b.c __main__" in result.stdout
        assert "LOADED False True" in result.stdout


NO_PYTHON_FRAME = """
    import _thread, importlib, sys, time
    import importspy_hook
    importspy_hook.install("contracts")
    failures = []
    sys.unraisablehook = lambda unraisable: failures.append(unraisable.exc_value)
    # The new thread's only frame is importlib's: no Python module does the import.
    _thread.start_new_thread(importlib.import_module, ("payments.keys",))
    for _ in range(1000):
        if failures or "payments.keys" in sys.modules:
            break
        time.sleep(0.01)
    for exc in failures:
        print("VIOLATION", type(exc).__name__, exc.importer, [v.rule for v in exc.violations])
        print("MESSAGE", exc)
    print("IMPORTED", "payments.keys" in sys.modules)
"""


class TestNoImporter:
    def test_no_allow_pattern_matches_a_missing_importer(self, project: Project) -> None:
        project.write(PAYMENTS | {"contracts/payments.keys.yml": 'module: payments.keys\nimporters: {allow: ["*"]}\n'})
        result = project.run(NO_PYTHON_FRAME)
        assert "VIOLATION ImporterViolation None ['importers.allow']" in result.stdout, result.output
        assert "no pattern matches an import made outside any named module" in result.stdout
        assert "IMPORTED False" in result.stdout

    def test_a_deny_list_refuses_a_missing_importer_as_an_allow_list_does(self, project: Project) -> None:
        # It could be a denied module's doing: nothing shows it is not.
        contract = 'module: payments.keys\nimporters: {deny: ["plugins", "plugins.*"]}\n'
        project.write(PAYMENTS | {"contracts/payments.keys.yml": contract})
        result = project.run(NO_PYTHON_FRAME)
        assert "VIOLATION ImporterViolation None ['importers.deny']" in result.stdout, result.output
        assert "so it cannot be shown to be outside them" in result.stdout
        assert "IMPORTED False" in result.stdout


class TestInstallation:
    def test_installing_twice_keeps_one_finder_and_the_latest_contracts(self, project: Project) -> None:
        project.write(
            PAYMENTS
            | {
                "strict/keys.yml": 'module: payments.keys\nimporters: {allow: ["nobody"]}\n',
                "open/keys.yml": "module: payments.keys\n",
            }
        )
        result = project.run(
            """
            import importspy_hook, sys
            importspy_hook.install("strict")
            importspy_hook.install("open")
            finders = [f for f in sys.meta_path if isinstance(f, importspy_hook.ContractFinder)]
            print("FINDERS", len(finders), sys.meta_path.index(finders[0]))
            import payments.keys
            print("IMPORTED")
            """
        )
        assert "FINDERS 1 0" in result.stdout, result.output
        assert "IMPORTED" in result.stdout

    def test_handle_uninstall_lifts_the_guard(self, project: Project) -> None:
        result = project.write(PAYMENTS).run(
            """
            import importspy_hook, sys
            handle = importspy_hook.install("contracts")
            handle.uninstall()
            handle.uninstall()  # twice is harmless
            print("FINDERS", sum(isinstance(f, importspy_hook.ContractFinder) for f in sys.meta_path))
            import plugins.evil
            print("IMPORTED")
            """
        )
        assert "FINDERS 0" in result.stdout, result.output
        assert "IMPORTED" in result.stdout

    def test_handle_as_context_manager_guards_only_inside(self, project: Project) -> None:
        result = project.write(PAYMENTS).run(
            """
            import importspy_hook, sys
            with importspy_hook.install("contracts"):
                try:
                    import plugins.evil
                except importspy_hook.ImporterViolation:
                    print("DENIED INSIDE")
            sys.modules.pop("plugins.evil", None)
            import plugins.evil
            print("IMPORTED OUTSIDE")
            """
        )
        assert "DENIED INSIDE" in result.stdout, result.output
        assert "IMPORTED OUTSIDE" in result.stdout

    def test_module_uninstall_removes_the_finder(self, project: Project) -> None:
        result = project.write(PAYMENTS).run(
            """
            import importspy_hook, sys
            importspy_hook.install("contracts")
            importspy_hook.uninstall()
            print("FINDERS", sum(isinstance(f, importspy_hook.ContractFinder) for f in sys.meta_path))
            import plugins.evil
            print("IMPORTED")
            """
        )
        assert "FINDERS 0" in result.stdout, result.output
        assert "IMPORTED" in result.stdout

    def test_contracted_module_imported_before_install_gets_a_warning(self, project: Project) -> None:
        result = project.write(PAYMENTS).run(
            """
            import warnings
            import payments.keys
            import importspy_hook
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                importspy_hook.install("contracts")
            for w in caught:
                print("WARNING", w.category.__name__, w.message)
            """
        )
        assert "WARNING ContractWarning payments.keys was imported before importspy_hook was installed" in (
            result.stdout
        ), result.output

    def test_warning_turned_error_leaves_nothing_installed(self, project: Project) -> None:
        result = project.write(PAYMENTS).run(
            """
            import warnings
            import payments.keys
            import importspy_hook, sys
            warnings.simplefilter("error", importspy_hook.ContractWarning)
            try:
                importspy_hook.install("contracts")
            except importspy_hook.ContractWarning:
                print("RAISED")
            print("FINDERS", sum(isinstance(f, importspy_hook.ContractFinder) for f in sys.meta_path))
            """
        )
        assert "RAISED\nFINDERS 0" in result.stdout, result.output

    def test_unrelated_imports_are_untouched(self, project: Project) -> None:
        result = project.write(PAYMENTS | {"other.py": "X = 1\n"}).run(
            """
            import importspy_hook, sys
            importspy_hook.install("contracts")
            import other, json, email.mime.text, plugins
            for name in ("other", "json", "email.mime.text", "plugins"):
                loader = sys.modules[name].__spec__.loader
                print(name, type(loader).__name__, sys.modules[name].__loader__ is loader)
            """
        )
        assert result.returncode == 0, result.output
        for line in result.stdout.splitlines():
            assert "Guarded" not in line
            assert line.endswith("True"), result.output


class TestContractsPerModule:
    def test_pattern_contract_guards_every_matching_module(self, project: Project) -> None:
        project.write(
            PAYMENTS
            | {
                "contracts/payments.keys.yml": 'module: "payments.*"\nimporters: {deny: ["plugins.*"]}\n',
                "payments/deep/__init__.py": "",
                "payments/deep/inner.py": "",
                "plugins/deep.py": "import payments.deep.inner\n",
            }
        )
        result = project.run(REPORT, "plugins.deep")
        assert "VIOLATION ImporterViolation plugins.deep ['importers.deny']" in result.stdout, result.output

    def test_exact_and_pattern_contracts_apply_together(self, project: Project) -> None:
        project.write(
            PAYMENTS
            | {
                "contracts/all.yml": 'module: "payments.*"\nruntime: {env: {STAGE: prod}}\n',
                "plugins/evil.py": "import payments.keys\n",
            }
        )
        result = project.run(REPORT, "plugins.evil", env={"STAGE": "dev"})
        assert "VIOLATION ImporterViolation plugins.evil ['importers.allow', 'runtime.env.equals']" in result.stdout, (
            result.output
        )
        # __main__ passes the exact contract's allow list, so only the pattern's runtime rule fails.
        allowed = project.run(REPORT, "payments.keys", env={"STAGE": "dev"})
        assert "VIOLATION RuntimeViolation __main__ ['runtime.env.equals']" in allowed.stdout, allowed.output
        passing = project.run(REPORT, "payments.keys", env={"STAGE": "prod"})
        assert "IMPORTED" in passing.stdout, passing.output

    def test_two_contracts_for_the_same_module_name_both_files(self, project: Project) -> None:
        project.write(PAYMENTS | {"contracts/again.yml": "module: payments.keys\n"})
        result = project.run(
            """
            import importspy_hook
            try:
                importspy_hook.install("contracts")
            except importspy_hook.ContractError as exc:
                print("ERROR", exc)
            """
        )
        assert "ERROR" in result.stdout, result.output
        assert "contracts/again.yml" in result.stdout
        assert "contracts/payments.keys.yml" in result.stdout


class TestImportMachineryIsNeverTheImporter:
    def test_relative_import_is_attributed_to_the_importing_module(self, project: Project) -> None:
        project.write(PAYMENTS | {"payments/plugins/relative.py": "from .. import keys\n"})
        result = project.run(REPORT, "payments.plugins.relative")
        assert "VIOLATION ImporterViolation payments.plugins.relative ['importers.deny']" in result.stdout, (
            result.output
        )

    def test_entry_point_load_is_attributed_to_the_caller(self, project: Project) -> None:
        project.write(
            PAYMENTS
            | {
                "evilplugins-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: evilplugins\nVersion: 1.0\n",
                "evilplugins-1.0.dist-info/entry_points.txt": "[payments.plugins]\nkeys = payments.keys\n",
                "plugins/host.py": """
                    from importlib.metadata import entry_points
                    for entry_point in entry_points(group="payments.plugins"):
                        entry_point.load()
                """,
            }
        )
        result = project.run(REPORT, "plugins.host")
        assert "VIOLATION ImporterViolation plugins.host ['importers.allow']" in result.stdout, result.output

    def test_pkgutil_resolve_name_is_attributed_to_the_caller(self, project: Project) -> None:
        project.write(PAYMENTS | {"plugins/resolver.py": "import pkgutil\npkgutil.resolve_name('payments.keys:KEY')\n"})
        result = project.run(REPORT, "plugins.resolver")
        assert "VIOLATION ImporterViolation plugins.resolver ['importers.allow']" in result.stdout, result.output

    def test_loading_a_spec_by_hand_is_checked(self, project: Project) -> None:
        project.write(
            PAYMENTS
            | {
                "plugins/manual.py": """
                    import importlib.util
                    spec = importlib.util.find_spec("payments.keys")
                    module = importlib.util.module_from_spec(spec)
                    spec.loader.exec_module(module)
                """
            }
        )
        result = project.run(REPORT, "plugins.manual")
        assert "VIOLATION ImporterViolation plugins.manual ['importers.allow']" in result.stdout, result.output
        assert "RAN False" in result.stdout

    def test_code_without_a_module_name_is_no_allowed_importer(self, project: Project) -> None:
        result = project.write(PAYMENTS).run(
            """
            import importspy_hook
            importspy_hook.install("contracts")
            try:
                exec("import payments.keys", {})
            except importspy_hook.ImporterViolation as exc:
                print("IMPORTER", exc.importer, [v.rule for v in exc.violations])
            """
        )
        assert "IMPORTER None ['importers.allow']" in result.stdout, result.output


FULL_CONTRACT = """
    module: payments.keys
    on_violation: raise
    importers:
      allow: ["payments", "payments.*", "__main__"]
      deny: ["payments.plugins.*"]
      require:
        variables:
          - {name: PLUGIN_API, value: 2, annotation: int}
        functions:
          - name: register
            arguments: [{name: registry, annotation: Registry}]
            returns: None
        classes:
          - name: Plugin
            bases: [BasePlugin]
            attributes: [{name: name, scope: class}]
            methods:
              - {name: run, arguments: [{name: self}]}
    runtime:
      python: ">=3.10,<4"
      implementation: [cpython, pypy]
      os: [HOST_OS]
      arch: [HOST_ARCH]
      env:
        STAGE: {one_of: [prod, staging]}
        API_KEY: {required: true, secret: true}
        DEBUG: {absent: true}
        REGION: {matches: "eu-[a-z]+-[0-9]"}
        MODE: production
      packages:
        pytest: ">=1"
        importspy-hook-surely-absent: {absent: true}
    provides:
      functions: [{name: register}]
"""

FULL_PROJECT = {
    "payments/__init__.py": "",
    "payments/base.py": "class BasePlugin:\n    name = 'base'\n",
    "payments/keys.py": "def register(registry): pass\n",
    "payments/host.py": """
        from payments.base import BasePlugin

        class Registry: pass

        PLUGIN_API: int = 2

        def register(registry: Registry) -> None: pass

        class Plugin(BasePlugin):
            name = "host"
            def run(self): pass

        import payments.keys
    """,
    "payments/bare.py": "import payments.keys\n",
}

GOOD_ENV = {"STAGE": "prod", "API_KEY": "k", "REGION": "eu-west-1", "MODE": "production"}


class TestTheIssueExample:
    """The example contract of the format's specification, end to end."""

    def write(self, project: Project) -> Project:
        host = snapshot()
        contract = FULL_CONTRACT.replace("HOST_OS", host.os).replace("HOST_ARCH", host.arch)
        return project.write({**FULL_PROJECT, "contracts/payments.keys.yml": contract})

    def test_an_importer_meeting_every_rule_imports_the_module(self, project: Project) -> None:
        result = self.write(project).run(REPORT, "payments.host", env=GOOD_ENV)
        assert "IMPORTED" in result.stdout, result.output

    def test_every_broken_rule_is_reported_in_check_order(self, project: Project) -> None:
        env = {"STAGE": "dev", "DEBUG": "1", "REGION": "us-east-1", "MODE": "test"}
        result = self.write(project).run(REPORT, "payments.bare", env=env)
        assert (
            "VIOLATION RuntimeViolation payments.bare ["
            "'runtime.env.one_of', 'runtime.env.required', 'runtime.env.absent', 'runtime.env.matches', "
            "'runtime.env.equals', 'importers.require.variable.missing', 'importers.require.function.missing', "
            "'importers.require.class.missing']"
        ) in result.stdout, result.output


DENY_PLUGINS = 'module: payments.keys\nimporters:\n  deny: ["plugins", "plugins.*"]\n'

#: plugins.evil has payments.keys imported on its behalf; each way runs in a fresh interpreter.
ON_BEHALF = {
    "thread": """
        import importlib, threading
        worker = threading.Thread(target=importlib.import_module, args=("payments.keys",))
        worker.start(); worker.join()
    """,
    "executor": """
        import importlib
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor() as pool:
            pool.submit(importlib.import_module, "payments.keys").result()
    """,
    "to_thread": """
        import asyncio, importlib
        asyncio.run(asyncio.to_thread(importlib.import_module, "payments.keys"))
    """,
    "call_soon": """
        import asyncio, importlib
        async def main():
            loop = asyncio.get_running_loop()
            loop.call_soon(importlib.import_module, "payments.keys")
            await asyncio.sleep(0.05)
        asyncio.run(main())
    """,
    "dict_config": """
        import logging.config
        handler = {"()": "importlib.import_module", "name": "payments.keys"}
        logging.config.dictConfig({"version": 1, "handlers": {"h": handler}})
    """,
    "mock_patch": """
        from unittest import mock
        with mock.patch("payments.keys.KEY", "other"):
            pass
    """,
    "atexit": """
        import atexit, importlib
        atexit.register(importlib.import_module, "payments.keys")
    """,
}

REPORT_ON_BEHALF = """
    import sys, threading
    import importspy_hook
    importspy_hook.install("contracts")
    failures = []
    def report(exc):
        print("RAISED", type(exc).__name__, exc)
        while exc is not None and not hasattr(exc, "violations"):  # wrapped by the dispatcher
            exc = exc.__cause__ or exc.__context__
        if exc is not None:
            print("VIOLATION", type(exc).__name__, exc.importer, [v.rule for v in exc.violations])
            print("MESSAGE", exc)
    sys.excepthook = lambda kind, exc, tb: report(exc)
    threading.excepthook = lambda args: report(args.exc_value)
    sys.unraisablehook = lambda unraisable: report(unraisable.exc_value)
    try:
        import plugins.evil
    except ImportError as exc:
        report(exc)
    print("IMPORTED", "payments.keys" in sys.modules)
"""


class TestImportsMadeOnAModulesBehalf:
    """Issue 15, "The importer, misattributed": a deny-list is not bypassed through code that
    runs the import for another module, and no dispatcher is blamed."""

    @pytest.mark.parametrize("way", sorted(ON_BEHALF))
    def test_a_deny_list_refuses_an_import_whose_importer_cannot_be_known(self, project: Project, way: str) -> None:
        project.write(PAYMENTS | {"plugins/evil.py": ON_BEHALF[way], "contracts/payments.keys.yml": DENY_PLUGINS})
        result = project.run(REPORT_ON_BEHALF)
        assert not (project.root / "side-effect").exists(), result.output
        assert "IMPORTED True" not in result.stdout
        if way == "mock_patch" and "has no attribute 'keys'" in result.output:
            # From 3.11, mock looks the target up with pkgutil.resolve_name, which turns the
            # refusal into "module 'payments' has no attribute 'keys'".
            return
        # Reported by whatever the dispatcher does with an exception (an event loop logs it).
        assert "importers.deny in contracts/payments.keys.yml:3" in result.output, result.output
        if way == "atexit":  # no Python frame at all runs an exit hook
            assert "the importer is code outside any module" in result.output
        else:
            assert "the importer is unknown (code run by " in result.output

    def test_an_allow_list_names_the_dispatcher_as_unknown_not_as_the_importer(self, project: Project) -> None:
        allow = 'module: payments.keys\nimporters:\n  allow: ["threading", "plugins.*"]\n'
        project.write(PAYMENTS | {"plugins/evil.py": ON_BEHALF["thread"], "contracts/payments.keys.yml": allow})
        result = project.run(REPORT_ON_BEHALF)
        assert "VIOLATION ImporterViolation None ['importers.allow']" in result.stdout, result.output
        assert "unknown (code run by threading for a module that cannot be known" in result.stdout

    def test_a_package_getattr_imports_on_behalf_of_the_module_that_asked(self, project: Project) -> None:
        lazy = """
            import importlib
            def __getattr__(name):
                return importlib.import_module(f"{__name__}.{name}")
        """
        allow = 'module: payments.keys\nimporters:\n  allow: ["payments", "payments.*"]\n'
        project.write(
            PAYMENTS
            | {
                "payments/__init__.py": lazy,
                "plugins/evil.py": "from payments import keys\n",
                "contracts/payments.keys.yml": allow,
            }
        )
        refused = project.run(REPORT_ON_BEHALF)
        assert "VIOLATION ImporterViolation plugins.evil ['importers.allow']" in refused.stdout, refused.output
        assert "IMPORTED False" in refused.stdout
        # The package itself may still use its lazy attribute.
        project.write({"plugins/evil.py": "import payments.billing\n"})
        allowed = project.run(REPORT_ON_BEHALF)
        assert "VIOLATION" not in allowed.stdout, allowed.output
        assert "IMPORTED True" in allowed.stdout


NATIVE = r"""
#include <Python.h>
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "native", NULL, -1, NULL};
PyMODINIT_FUNC PyInit_native(void) {
    PyObject *keys = PyImport_ImportModule("payments.keys");
    if (keys == NULL) return NULL;
    Py_DECREF(keys);
    return PyModule_Create(&def);
}
"""


def _build_extension(folder: Path) -> None:
    import sysconfig

    compiler = shutil.which("cc") or shutil.which("gcc")
    include = sysconfig.get_paths()["include"]
    if compiler is None or os.name != "posix" or not (Path(include) / "Python.h").exists():
        pytest.skip("needs a C compiler and the Python headers")
    source = folder / "native.c"
    source.write_text(NATIVE, encoding="utf-8")
    target = folder / f"native{sysconfig.get_config_var('EXT_SUFFIX')}"
    flags = ["-undefined", "dynamic_lookup"] if sys.platform == "darwin" else []
    subprocess.run(
        [compiler, "-shared", "-fPIC", f"-I{include}", str(source), "-o", str(target), *flags],
        check=True,
        capture_output=True,
    )


class TestExtensionModuleImporter:
    def test_an_extension_modules_initialisation_is_the_importer(self, project: Project) -> None:
        allow_main = 'module: payments.keys\nimporters:\n  allow: ["__main__"]\n'
        project.write(PAYMENTS | {"contracts/payments.keys.yml": allow_main})
        _build_extension(project.root)
        result = project.run(
            """
            import importspy_hook
            importspy_hook.install("contracts")
            try:
                import native
            except importspy_hook.ImporterViolation as exc:
                print("VIOLATION", exc.importer, [v.rule for v in exc.violations])
            """
        )
        assert "VIOLATION native ['importers.allow']" in result.stdout, result.output
        assert not (project.root / "side-effect").exists()


class TestContractsAsObjects:
    def test_registry_refuses_a_bad_mapping_at_construction_never_inside_an_import(self, project: Project) -> None:
        # The issue's example: a wrong key used to surface as a bare KeyError inside ``import json2``.
        project.write({"json2.py": "X = 1\n"})
        result = project.run(
            """
            import importspy_hook, sys
            try:
                importspy_hook.install(importspy_hook.Registry([{'module': 'json2', 'importers': {'alow': ['x']}}]))
            except importspy_hook.ContractError as exc:
                print("ERROR", exc)
            print("FINDERS", sum(isinstance(f, importspy_hook.ContractFinder) for f in sys.meta_path))
            import json2
            print("IMPORTED", json2.X)
            """
        )
        assert (
            f'ERROR {project.root / "main.py"}:3: contracts[0].importers.alow: unknown key "alow"; '
            f'did you mean "allow"? allowed here: allow, deny, require'
        ) in result.stdout, result.output
        assert "FINDERS 0" in result.stdout
        assert "IMPORTED 1" in result.stdout

    def test_registry_names_each_bad_mapping_by_its_index(self) -> None:
        with pytest.raises(ContractError) as caught:
            Registry([{"module": "a"}, {"module": "b", "runtime": {"os": "linx"}}])
        assert str(caught.value).startswith(f"{__file__}:")
        assert ': contracts[1].runtime.os: unknown os "linx"; did you mean "linux"?' in str(caught.value)

    def test_registry_refuses_incomplete_plain_data(self) -> None:
        with pytest.raises(ContractError) as caught:
            Registry([{"module": "a", "source": "a.yml", "lines": {}}])
        assert "contracts[0] looks like a contract's plain data but has no importers, on_violation, provides" in str(
            caught.value
        )

    def test_registry_takes_back_the_plain_data_it_gives(self) -> None:
        first = Registry([{"module": "a", "importers": {"allow": ["b"]}}, Contract.from_dict({"module": "c"})])
        again = Registry(first.contracts)
        assert again.contracts == first.contracts
        assert again.contracts[0]["importers"] == {"allow": ["b"], "deny": [], "require": None}

    @pytest.mark.parametrize(
        "given",
        [
            "{'module': 'payments.keys', 'importers': {'allow': ['payments.*']}}",
            "importspy_hook.Contract.from_dict({'module': 'payments.keys', 'importers': {'allow': ['payments.*']}})",
            "[importspy_hook.Contract.from_dict({'module': 'payments.keys', 'importers': {'allow': ['payments.*']}})]",
            "['others', {'module': 'payments.keys', 'importers': {'allow': ['payments.*']}}]",
        ],
        ids=["mapping", "contract", "list of contracts", "paths and a mapping"],
    )
    def test_install_takes_contract_objects(self, project: Project, given: str) -> None:
        project.write({**PAYMENTS, "others/other.yml": "module: other\n"})
        result = project.run(
            f"""
            import importspy_hook
            importspy_hook.install({given})
            try:
                import plugins.evil
            except importspy_hook.ImporterViolation as exc:
                print("VIOLATION", exc.violations[0].rule)
            import payments.billing
            print("IMPORTED")
            """
        )
        assert "VIOLATION importers.allow" in result.stdout, result.output
        assert "IMPORTED" in result.stdout

    def test_install_with_a_bad_mapping_raises_and_installs_nothing(self, project: Project) -> None:
        result = project.run(
            """
            import importspy_hook, sys
            try:
                importspy_hook.install({'module': 'a', 'importers': {'allow': 'b'}})
            except importspy_hook.ContractError as exc:
                print("ERROR", exc)
            print("FINDERS", sum(isinstance(f, importspy_hook.ContractFinder) for f in sys.meta_path))
            """
        )
        assert "contracts[0].importers.allow: expected a list, got the text" in result.stdout, result.output
        assert "FINDERS 0" in result.stdout
