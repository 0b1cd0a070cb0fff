"""Strict mode: every import statement that reaches a protected module is checked against its
``importers`` rules, not only the first import, each case in a fresh interpreter."""

from __future__ import annotations

import textwrap

import pytest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from _pytest.pytester import Pytester

    from conftest import Environment, Project

pytest_plugins = ["pytester"]

KEYS_CONTRACT = """
    module: payments.keys
    importers:
      allow: ["payments.*", "app.*"]
      deny: ["plugins.*", "payments.plugins.*"]
"""

APP = {
    "payments/__init__.py": "",
    "payments/keys.py": "SECRET = 's3cr3t'\nLOADS = globals().get('LOADS', 0) + 1\n",
    "payments/billing.py": "import payments.keys\n",
    "payments/plugins/__init__.py": "",
    "plugins/__init__.py": "",
    "app/__init__.py": "",
    "contracts/payments.keys.yml": KEYS_CONTRACT,
}

# Each form of import statement, as written in a denied and in an allowed importer: (denied
# module, its source, allowed module, its source).
FORMS = {
    "import a.b": ("plugins.evil", "import payments.keys\n", "app.good", "import payments.keys\n"),
    "import a.b as c": ("plugins.evil", "import payments.keys as k\n", "app.good", "import payments.keys as k\n"),
    "from a import b (submodule)": (
        "plugins.evil",
        "from payments import keys\n",
        "app.good",
        "from payments import keys\n",
    ),
    "from a.b import name (attribute of a protected module)": (
        "plugins.evil",
        "from payments.keys import SECRET\n",
        "app.good",
        "from payments.keys import SECRET\n",
    ),
    "relative import": (
        "payments.plugins.evil",
        "from .. import keys\n",
        "payments.ledger",
        "from . import keys\n",
    ),
    "import in a function": (
        "plugins.evil",
        "def load():\n    import payments.keys\n    return payments.keys\nload()\n",
        "app.good",
        "def load():\n    import payments.keys\n    return payments.keys\nload()\n",
    ),
    "importlib.import_module": (
        "plugins.evil",
        "import importlib\nimportlib.import_module('payments.keys')\n",
        "app.good",
        "import importlib\nimportlib.import_module('payments.keys')\n",
    ),
}

IMPORT_BOTH = """
    import sys
    import importspy_hook
    {install}
    import payments.billing  # the first import, by an allowed importer
    for name in sys.argv[1:]:
        try:
            __import__(name)
        except ImportError as exc:
            print("REFUSED", name, type(exc).__name__, [v.rule for v in getattr(exc, "violations", ())])
            print("MESSAGE", exc)
        else:
            print("ADMITTED", name)
    print("LOADS", sys.modules["payments.keys"].LOADS)
"""


def module_file(name: str) -> str:
    return name.replace(".", "/") + ".py"


def write_form(project: Project, form: str) -> tuple[str, str]:
    denied, denied_source, allowed, allowed_source = FORMS[form]
    project.write({**APP, module_file(denied): denied_source, module_file(allowed): allowed_source})
    return denied, allowed


def run_both(project: Project, install: str, *names: str, env: dict[str, str] | None = None) -> str:
    result = project.run(textwrap.dedent(IMPORT_BOTH).replace("{install}", install), *names, env=env)
    assert result.returncode == 0, result.output
    return result.stdout


class TestEveryStatementIsChecked:
    @pytest.mark.parametrize("form", list(FORMS))
    def test_denied_importer_is_refused_after_an_allowed_importer_imported_the_module(
        self, project: Project, form: str
    ) -> None:
        denied, allowed = write_form(project, form)
        out = run_both(project, 'importspy_hook.install("contracts", strict=True)', denied, allowed)
        assert f"REFUSED {denied} ImporterViolation ['importers.deny']" in out, out
        assert f"MESSAGE payments.keys may not be imported by {denied} (" in out, out
        assert f"ADMITTED {allowed}" in out, out
        # The module ran once: a refused statement never runs it again.
        assert "LOADS 1" in out, out

    @pytest.mark.parametrize("form", ["import a.b", "from a import b (submodule)", "importlib.import_module"])
    def test_without_strict_mode_a_later_importer_is_not_checked(self, project: Project, form: str) -> None:
        denied, allowed = write_form(project, form)
        out = run_both(project, 'importspy_hook.install("contracts")', denied, allowed)
        assert f"ADMITTED {denied}" in out, out
        assert f"ADMITTED {allowed}" in out, out

    def test_import_module_taken_before_strict_mode_was_on_is_checked(self, project: Project) -> None:
        # importlib.metadata's entry points, pkgutil.resolve_name and plugin loaders hold
        # import_module from their own import, often before the hook is installed.
        project.write(
            {
                **APP,
                "plugins/loader.py": "from importlib import import_module\n",
                "plugins/evil.py": "from plugins.loader import import_module\nimport_module('payments.keys')\n",
            }
        )
        out = run_both(
            project, 'import plugins.loader\nimportspy_hook.install("contracts", strict=True)', "plugins.evil"
        )
        assert "REFUSED plugins.evil ImporterViolation ['importers.deny']" in out, out

    def test_refusal_names_the_line_of_the_statement(self, project: Project) -> None:
        project.write({**APP, "plugins/evil.py": "X = 1\n\n\nimport payments.keys\n"})
        out = run_both(project, 'importspy_hook.install("contracts", strict=True)', "plugins.evil")
        assert "plugins/evil.py:4): importers.deny in contracts/payments.keys.yml:4" in out, out

    def test_refused_edge_is_refused_at_every_statement(self, project: Project) -> None:
        project.write(
            {
                **APP,
                "plugins/evil.py": """
                    refused = 0
                    for _ in range(3):
                        try:
                            import payments.keys
                        except ImportError:
                            refused += 1
                    print("REFUSED TIMES", refused)
                """,
            }
        )
        out = run_both(project, 'importspy_hook.install("contracts", strict=True)', "plugins.evil")
        assert "REFUSED TIMES 3" in out, out

    def test_code_run_with_globals_of_its_own_is_checked_as_outside_any_module(self, project: Project) -> None:
        project.write(APP)
        out = run_both(
            project,
            'importspy_hook.install("contracts", strict=True)\n'
            "for namespace in ({}, {'__name__': 5}):\n"
            "    try:\n"
            "        exec('import payments.keys', namespace)\n"
            "    except ImportError as exc:\n"
            "        print('EXEC REFUSED', type(exc).__name__, str(exc).split(':')[0])\n",
        )
        assert out.count("EXEC REFUSED ImporterViolation payments.keys may not be imported by <unnamed code>") == 2, out

    def test_a_denied_first_import_is_refused_by_the_finder_alone(self, project: Project) -> None:
        project.write({**APP, "plugins/evil.py": "import payments.keys\n"})
        result = project.run(
            """
            import sys
            import importspy_hook
            importspy_hook.install("contracts", strict=True)
            try:
                import plugins.evil
            except ImportError as exc:
                print("REFUSED", exc)
            print("IMPORTED", "payments.keys" in sys.modules)
            """
        )
        assert result.stdout.count("REFUSED payments.keys may not be imported by plugins.evil") == 1, result.output
        assert "IMPORTED False" in result.stdout, result.output

    def test_parent_package_is_checked_when_a_submodule_statement_reaches_it(self, project: Project) -> None:
        project.write(
            {
                **APP,
                "contracts/payments.yml": 'module: payments\nimporters:\n  allow: ["app.*"]\n',
                "contracts/payments.keys.yml": "module: payments.keys\n",
                "app/first.py": "import payments.keys\n",
                "plugins/evil.py": "import payments.keys\n",
                "payments/billing.py": "",
            }
        )
        result = project.run(
            """
            import importspy_hook
            importspy_hook.install("contracts", strict=True)
            import app.first
            try:
                import plugins.evil
            except ImportError as exc:
                print("REFUSED", [v.rule for v in exc.violations], exc.name)
            """
        )
        assert "REFUSED ['importers.allow'] payments" in result.stdout, result.output

    def test_a_package_s_own_modules_may_always_reach_it(self, project: Project) -> None:
        project.write(
            {
                "payments/__init__.py": "",
                "payments/util.py": "",
                "payments/keys.py": "from . import util\nfrom payments import util as again\n",
                "app/__init__.py": "",
                "app/first.py": "import payments.keys\n",
                "contracts/payments.yml": 'module: payments\nimporters:\n  allow: ["app.*"]\n',
            }
        )
        result = project.run(
            """
            import importspy_hook
            importspy_hook.install("contracts", strict=True)
            import app.first
            print("IMPORTED")
            """
        )
        assert "IMPORTED" in result.stdout, result.output

    def test_runtime_rules_are_not_evaluated_again_for_an_imported_module(self, project: Project) -> None:
        project.write(
            {
                **APP,
                "contracts/payments.keys.yml": textwrap.dedent(KEYS_CONTRACT)
                + "runtime:\n  env:\n    STAGE: {required: true}\n",
                "app/good.py": "import payments.keys\n",
                "plugins/evil.py": "import payments.keys\n",
            }
        )
        result = project.run(
            """
            import os
            import importspy_hook
            importspy_hook.install("contracts", strict=True)
            import payments.billing
            del os.environ["STAGE"]
            import app.good
            print("ADMITTED app.good")
            try:
                import plugins.evil
            except ImportError as exc:
                print("REFUSED", [v.rule for v in exc.violations])
            """,
            env={"STAGE": "prod"},
        )
        assert "ADMITTED app.good" in result.stdout, result.output
        assert "REFUSED ['importers.deny']" in result.stdout, result.output

    def test_require_is_checked_at_each_importer(self, project: Project) -> None:
        project.write(
            {
                **APP,
                "contracts/payments.keys.yml": (
                    "module: payments.keys\nimporters:\n  require:\n    variables: [{name: AUDITED}]\n"
                ),
                "payments/billing.py": "AUDITED = True\nimport payments.keys\n",
                "app/good.py": "AUDITED = True\nimport payments.keys\n",
                "app/careless.py": "import payments.keys\n",
            }
        )
        out = run_both(project, 'importspy_hook.install("contracts", strict=True)', "app.good", "app.careless")
        assert "ADMITTED app.good" in out, out
        assert "REFUSED app.careless StructureViolation ['importers.require.variable.missing']" in out, out

    def test_an_import_statement_inside_a_check_is_not_checked(self, project: Project) -> None:
        # The "plugin?.*" pattern makes the check import fnmatch, itself under a contract that
        # refuses plugins: that import is the hook's own, never attributed to plugins.evil.
        project.write(
            {
                **APP,
                "contracts/payments.keys.yml": 'module: payments.keys\nimporters:\n  deny: ["plugin?.*"]\n',
                "contracts/fnmatch.yml": 'module: fnmatch\nimporters:\n  deny: ["plugins.*"]\n',
                "plugins/evil.py": "import payments.keys\n",
            }
        )
        out = run_both(project, 'importspy_hook.install("contracts", strict=True)', "plugins.evil")
        assert "REFUSED plugins.evil ImporterViolation ['importers.deny']" in out, out
        assert "MESSAGE payments.keys may not be imported by plugins.evil" in out, out


class TestWarnMode:
    def test_warns_once_per_edge_first_import_included(self, project: Project) -> None:
        project.write(
            {
                **APP,
                "contracts/payments.keys.yml": textwrap.dedent(KEYS_CONTRACT) + "on_violation: warn\n",
                "plugins/evil.py": "import payments.keys\n\ndef again():\n    import payments.keys\n",
                "plugins/other.py": "from payments import keys\n",
            }
        )
        result = project.run(
            """
            import warnings
            import importspy_hook
            warnings.simplefilter("always")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                importspy_hook.install("contracts", strict=True)
                import plugins.evil
                for _ in range(3):
                    plugins.evil.again()
                import plugins.other
                import plugins.other
            for warning in caught:
                print("WARNED", str(warning.message).split(" (")[0])
            """
        )
        warned = [line for line in result.stdout.splitlines() if line.startswith("WARNED")]
        assert warned == [
            "WARNED payments.keys may not be imported by plugins.evil",
            "WARNED payments.keys may not be imported by plugins.other",
        ], result.output


class TestInstallAndUninstall:
    def test_uninstall_puts_back_the_very_same_functions(self, project: Project) -> None:
        project.write(APP)
        result = project.run(
            """
            import builtins, importlib, _frozen_importlib
            import importspy_hook
            before = (builtins.__import__, _frozen_importlib._gcd_import, importlib.import_module)

            def now():
                return (builtins.__import__, _frozen_importlib._gcd_import, importlib.import_module)

            installation = importspy_hook.install("contracts", strict=True)
            print("WRAPPED", [a is not b for a, b in zip(now(), before)])
            installation.uninstall()
            print("RESTORED", [a is b for a, b in zip(now(), before)])
            importspy_hook.install("contracts", strict=True)
            importspy_hook.install("contracts", strict=True)
            importspy_hook.uninstall()
            print("RESTORED AGAIN", [a is b for a, b in zip(now(), before)])
            """
        )
        # importlib.import_module itself is left alone: what it calls is wrapped.
        assert "WRAPPED [True, True, False]" in result.stdout, result.output
        assert "RESTORED [True, True, True]" in result.stdout, result.output
        assert "RESTORED AGAIN [True, True, True]" in result.stdout, result.output

    def test_install_without_strict_turns_it_off_latest_wins(self, project: Project) -> None:
        project.write({**APP, "plugins/evil.py": "import payments.keys\n"})
        out = run_both(
            project,
            'importspy_hook.install("contracts", strict=True); importspy_hook.install("contracts")\n'
            "import builtins; print('BUILTIN', builtins.__import__ is __builtins__.__import__, "
            "type(builtins.__import__).__name__)",
            "plugins.evil",
        )
        assert "BUILTIN True builtin_function_or_method" in out, out
        assert "ADMITTED plugins.evil" in out, out

    def test_without_strict_mode_nothing_is_wrapped_or_imported(self, project: Project) -> None:
        project.write(APP)
        result = project.run(
            """
            import builtins, _frozen_importlib, sys
            before = (builtins.__import__, _frozen_importlib._gcd_import)
            import importspy_hook
            importspy_hook.install("contracts")
            import payments.billing
            print("SAME", builtins.__import__ is before[0], _frozen_importlib._gcd_import is before[1])
            print("LOADED", "importspy_hook._import_wrapper" in sys.modules)
            """
        )
        assert "SAME True True" in result.stdout, result.output
        assert "LOADED False" in result.stdout, result.output

    def test_another_tool_s_wrapper_installed_after_ours_keeps_working(self, project: Project) -> None:
        project.write({**APP, "plugins/evil.py": "import payments.keys\n", "app/good.py": "import payments.keys\n"})
        result = project.run(
            """
            import builtins, importlib, sys
            import importspy_hook
            original = builtins.__import__
            importspy_hook.install("contracts", strict=True)
            import payments.billing

            seen = []
            inner = builtins.__import__

            def other_tool(name, globals=None, locals=None, fromlist=(), level=0):
                seen.append(name)
                return inner(name, globals, locals, fromlist, level)

            builtins.__import__ = other_tool

            def attempt(name):
                sys.modules.pop(name, None)
                try:
                    __import__(name)
                except ImportError as exc:
                    return f"refused ({exc.name})"
                return "admitted"

            # Through the other tool's wrapper, the importer is still the module whose code runs.
            print("BOTH", attempt("plugins.evil"), attempt("app.good"))
            importspy_hook.uninstall()
            print("KEPT", builtins.__import__ is other_tool)
            seen.clear()
            print("AFTER", attempt("plugins.evil"), "payments.keys" in seen)
            builtins.__import__ = inner  # the other tool removes itself: ours, now inert
            print("INERT", attempt("plugins.evil"))
            importspy_hook.install("contracts", strict=True)
            print("AGAIN", attempt("plugins.evil"))
            importspy_hook.uninstall()
            print("ORIGINAL", builtins.__import__ is original)
            """
        )
        assert "BOTH refused (payments.keys) admitted" in result.stdout, result.output
        assert "KEPT True" in result.stdout, result.output
        assert "AFTER admitted True" in result.stdout, result.output
        assert "INERT admitted" in result.stdout, result.output
        assert "AGAIN refused (payments.keys)" in result.stdout, result.output
        assert "ORIGINAL True" in result.stdout, result.output

    def test_new_contracts_forget_the_decided_edges(self, project: Project) -> None:
        project.write(
            {
                **APP,
                "app/good.py": "def load():\n    import payments.keys\n",
                "contracts2/payments.keys.yml": 'module: payments.keys\nimporters:\n  deny: ["app.*"]\n',
            }
        )
        result = project.run(
            """
            import importspy_hook
            importspy_hook.install("contracts", strict=True)
            import payments.billing
            import app.good
            app.good.load()
            print("ADMITTED")
            importspy_hook.install("contracts2", strict=True)
            try:
                app.good.load()
            except ImportError as exc:
                print("REFUSED", [v.rule for v in exc.violations])
            """
        )
        assert "ADMITTED" in result.stdout, result.output
        assert "REFUSED ['importers.deny']" in result.stdout, result.output


class TestSettings:
    def test_pyproject_strict_true_turns_it_on(self, project: Project) -> None:
        project.write(
            {
                **APP,
                "plugins/evil.py": "import payments.keys\n",
                "pyproject.toml": '[tool.importspy-hook]\ncontracts = ["contracts"]\nstrict = true\n',
            }
        )
        out = run_both(project, "importspy_hook.install()", "plugins.evil")
        assert "REFUSED plugins.evil" in out, out

    def test_variable_overrides_pyproject_and_argument_overrides_variable(self, project: Project) -> None:
        project.write(
            {
                **APP,
                "plugins/evil.py": "import payments.keys\n",
                "pyproject.toml": '[tool.importspy-hook]\ncontracts = ["contracts"]\nstrict = true\n',
            }
        )
        out = run_both(project, "importspy_hook.install()", "plugins.evil", env={"IMPORTSPY_HOOK_STRICT": "0"})
        assert "ADMITTED plugins.evil" in out, out
        out = run_both(
            project, "importspy_hook.install(strict=True)", "plugins.evil", env={"IMPORTSPY_HOOK_STRICT": "0"}
        )
        assert "REFUSED plugins.evil" in out, out

    def test_strict_value_of_the_wrong_type_names_the_place(self, project: Project) -> None:
        project.write({**APP, "pyproject.toml": '[tool.importspy-hook]\ncontracts = ["contracts"]\nstrict = "yes"\n'})
        result = project.run("import importspy_hook\nimportspy_hook.install()\n")
        assert "pyproject.toml:3:1: [tool.importspy-hook] strict must be true or false" in result.stderr, result.output

    def test_unknown_variable_value_is_a_contract_error(self, project: Project) -> None:
        project.write(APP)
        result = project.run(
            "import importspy_hook\nimportspy_hook.install()\n",
            env={"IMPORTSPY_HOOK_STRICT": "maybe", "IMPORTSPY_HOOK_CONTRACTS": "contracts"},
        )
        assert "IMPORTSPY_HOOK_STRICT: must be 1/true/yes/on or 0/false/no/off, not 'maybe'" in result.stderr, (
            result.output
        )


class TestDropInActivation:
    @pytest.mark.parametrize("form", list(FORMS))
    def test_variable_turns_strict_mode_on_with_no_code_change(
        self, installed: Environment, project: Project, form: str
    ) -> None:
        denied, allowed = write_form(project, form)
        code = textwrap.dedent(IMPORT_BOTH).replace("{install}", "")
        env = {"IMPORTSPY_HOOK_CONTRACTS": "contracts", "IMPORTSPY_HOOK_STRICT": "1"}
        result = installed.run(project, code, denied, allowed, env=env)
        assert f"REFUSED {denied} ImporterViolation ['importers.deny']" in result.stdout, result.output
        assert f"ADMITTED {allowed}" in result.stdout, result.output
        assert "LOADS 1" in result.stdout, result.output
        assert result.stderr == "", result.output

    def test_a_start_that_imports_no_protected_module_does_not_load_strict_mode(
        self, installed: Environment, project: Project
    ) -> None:
        project.write({**APP, "plugins/evil.py": "import payments.keys\n"})
        code = """
            import builtins, sys
            import json
            print("BEFORE", builtins.__import__.__module__, "importspy_hook._import_wrapper" in sys.modules)
            import payments.billing
            print("AFTER", builtins.__import__.__module__)
            try:
                import plugins.evil
            except ImportError as exc:
                print("REFUSED", exc.name)
        """
        env = {"IMPORTSPY_HOOK_CONTRACTS": "contracts", "IMPORTSPY_HOOK_STRICT": "1"}
        result = installed.run(project, code, env=env)
        assert "BEFORE builtins False" in result.stdout, result.output
        assert "AFTER importspy_hook._import_wrapper" in result.stdout, result.output
        assert "REFUSED payments.keys" in result.stdout, result.output

    def test_module_imported_before_activation_is_checked_from_the_start(
        self, installed: Environment, project: Project
    ) -> None:
        # sitecustomize runs after the .pth files: a contracted module imported from a .pth
        # placed before ours stands in for "imported before activation".
        project.write({**APP, "plugins/evil.py": "import payments.keys\n"})
        pth = installed.site_packages / "aaa_strict_test.pth"
        pth.write_text(
            "import os, sys; os.environ.get('STRICT_TEST_ROOT') and (sys.path.insert(0, os.environ['STRICT_TEST_ROOT'])"
            " or __import__('payments.keys'))\n",
            encoding="utf-8",
        )
        try:
            env = {
                "IMPORTSPY_HOOK_CONTRACTS": "contracts",
                "IMPORTSPY_HOOK_STRICT": "1",
                "STRICT_TEST_ROOT": str(project.root),
            }
            code = """
                try:
                    import plugins.evil
                except ImportError as exc:
                    print("REFUSED", exc.name)
            """
            result = installed.run(project, code, env=env)
        finally:
            pth.unlink()
        assert "REFUSED payments.keys" in result.stdout, result.output

    def test_without_the_variable_activation_is_as_before(self, installed: Environment, project: Project) -> None:
        project.write({**APP, "plugins/evil.py": "import payments.keys\n"})
        code = textwrap.dedent(IMPORT_BOTH).replace(
            "{install}", "import builtins; print('WRAPPED', builtins.__import__.__module__)"
        )
        result = installed.run(project, code, "plugins.evil", env={"IMPORTSPY_HOOK_CONTRACTS": "contracts"})
        assert "WRAPPED builtins" in result.stdout, result.output
        assert "ADMITTED plugins.evil" in result.stdout, result.output

    def test_unknown_value_is_one_line_and_strict_mode_is_on(self, installed: Environment, project: Project) -> None:
        project.write({**APP, "plugins/evil.py": "import payments.keys\n"})
        code = textwrap.dedent(IMPORT_BOTH).replace("{install}", "")
        env = {"IMPORTSPY_HOOK_CONTRACTS": "contracts", "IMPORTSPY_HOOK_STRICT": "maybe"}
        result = installed.run(project, code, "plugins.evil", env=env)
        assert result.stderr.splitlines() == [
            "importspy_hook: IMPORTSPY_HOOK_STRICT='maybe' is neither 1/true/yes/on nor 0/false/no/off; "
            "strict mode is on. Set it to 1 or 0, or unset it"
        ], result.output
        assert "REFUSED plugins.evil" in result.stdout, result.output


PLUGIN_TESTS = {
    "test_billing": "def test_billing_reads_keys():\n    import payments.billing\n",
    "test_plugins": "def test_plugin_loads():\n    import plugins.evil\n",
}


class TestPytestPlugin:
    @pytest.fixture
    def suite(self, pytester: Pytester) -> Pytester:
        for name, text in {**APP, "plugins/evil.py": "import payments.keys\n"}.items():
            path = pytester.path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        pytester.makepyfile(**PLUGIN_TESTS)
        pytester.syspathinsert()
        return pytester

    def outcomes(self, suite: Pytester, strict: bool) -> tuple[dict[str, int], dict[str, int]]:
        suite.makepyprojecttoml(f'[tool.importspy-hook]\ncontracts = ["contracts"]\nstrict = {str(strict).lower()}\n')
        full = suite.runpytest_subprocess("--importspy-hook", "-p", "no:randomly", "-p", "no:cacheprovider")
        alone = suite.runpytest_subprocess("--importspy-hook", "-p", "no:cacheprovider", "test_plugins.py")
        return full.parseoutcomes(), alone.parseoutcomes()

    def test_strict_mode_gives_one_result_for_a_test_alone_and_in_the_full_run(self, suite: Pytester) -> None:
        full, alone = self.outcomes(suite, strict=True)
        assert full == {"passed": 1, "failed": 1}, full
        assert alone == {"failed": 1}, alone

    def test_without_strict_mode_the_result_depends_on_test_order(self, suite: Pytester) -> None:
        full, alone = self.outcomes(suite, strict=False)
        assert full == {"passed": 2}, full
        assert alone == {"failed": 1}, alone

    def test_header_says_strict_mode_is_on(self, suite: Pytester) -> None:
        suite.makepyprojecttoml('[tool.importspy-hook]\ncontracts = ["contracts"]\nstrict = true\n')
        result = suite.runpytest_subprocess("--importspy-hook", "test_billing.py")
        result.stdout.fnmatch_lines(["importspy-hook: guarding imports with 1 contracts, strict mode*"])
