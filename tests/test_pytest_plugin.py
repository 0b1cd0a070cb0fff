"""The pytest plugin, run in real pytest sessions (pytester, each in a fresh interpreter)."""

from __future__ import annotations

import pytest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from _pytest.pytester import Pytester

    from conftest import Environment, Project

pytest_plugins = ["pytester"]

CONTRACT = """
module: app.core
importers:
  allow: ["app", "app.*"]
"""

TESTS = """
def test_imports_the_core():
    import app.core

def test_unrelated():
    import json
"""


@pytest.fixture
def app(pytester: Pytester) -> Pytester:
    pytester.makepyfile(**{"app/__init__": "", "app/core": "CORE = 1\n"})
    (pytester.path / "policy").mkdir()
    (pytester.path / "policy" / "app.core.yml").write_text(CONTRACT.lstrip(), encoding="utf-8")
    pytester.makepyfile(test_app=TESTS)
    pytester.syspathinsert()
    return pytester


def pyproject(pytester: Pytester, extra: str = "") -> None:
    pytester.makepyprojecttoml('[tool.importspy-hook]\ncontracts = ["policy"]\n' + extra)


class TestEnabling:
    def test_not_enabled_the_session_is_unguarded(self, app: Pytester) -> None:
        pyproject(app)
        result = app.runpytest_subprocess()
        result.assert_outcomes(passed=2)

    def test_command_line_option_guards_the_session(self, app: Pytester) -> None:
        pyproject(app)
        result = app.runpytest_subprocess("--importspy-hook")
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(["importspy-hook: guarding imports with 1 contracts"])

    def test_ini_setting_guards_the_session(self, app: Pytester) -> None:
        pyproject(app, "\n[tool.pytest.ini_options]\nimportspy_hook = true\n")
        result = app.runpytest_subprocess()
        result.assert_outcomes(passed=1, failed=1)

    def test_the_session_ends_with_the_hook_removed(self, app: Pytester) -> None:
        pyproject(app)
        app.makeconftest(
            """
            import atexit, sys
            def report():
                print("FINDERS", [type(f).__name__ for f in sys.meta_path if type(f).__name__ == "ContractFinder"])
            atexit.register(report)
            """
        )
        result = app.runpytest_subprocess("--importspy-hook", "-s")
        result.stdout.fnmatch_lines(["FINDERS []"])

    def test_broken_configuration_is_a_usage_error_naming_the_place(self, app: Pytester) -> None:
        pyproject(app, "on_violaton = 'warn'\n")
        result = app.runpytest_subprocess("--importspy-hook")
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines(
            ["*importspy-hook: */pyproject.toml:3:1: unknown key 'on_violaton' in *did you mean 'on_violation'?*"]
        )


class TestReport:
    def test_violation_shows_the_contract_message_not_import_machinery(self, app: Pytester) -> None:
        pyproject(app)
        result = app.runpytest_subprocess("--importspy-hook")
        result.stdout.fnmatch_lines(
            [
                ">       import app.core",
                "E       importspy_hook.*ImporterViolation: app.core may not be imported by test_app (*test_app.py:2):"
                " importers.allow in *app.core.yml:3 is *",
            ]
        )
        assert "_loader.py" not in result.stdout.str()
        assert "importlib" not in result.stdout.str()

    def test_violation_while_collecting_a_test_module_is_as_short(self, app: Pytester) -> None:
        pyproject(app)
        app.makepyfile(test_app="import app.core\n\ndef test_nothing():\n    pass\n")
        result = app.runpytest_subprocess("--importspy-hook")
        result.stdout.fnmatch_lines(
            ["E   importspy_hook.*ImporterViolation: app.core may not be imported by test_app *"]
        )
        assert "_loader.py" not in result.stdout.str()

    def test_conftest_imports_are_guarded_too(self, app: Pytester) -> None:
        pyproject(app)
        app.makeconftest("import app.core\n")
        result = app.runpytest_subprocess("--importspy-hook")
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines(
            ["E   importspy_hook.*ImporterViolation: app.core may not be imported by conftest *"]
        )


class TestSameResultWhateverTheCacheHolds:
    def test_a_contract_on_attrs_refuses_it_with_a_cold_and_a_warm_cache(self, app: Pytester) -> None:
        # Reading contracts imports attrs (the YAML side): the plugin reads them in a child
        # interpreter when the cache is cold, so attrs is guarded from the first session on.
        pyproject(app)
        (app.path / "policy" / "attrs.yml").write_text(
            "module: attrs\nimporters:\n  allow: [some.allowed]\n", encoding="utf-8"
        )
        app.makepyfile(test_uses_attrs="import attrs\n\ndef test_attrs():\n    assert attrs.define\n")
        cold = app.runpytest_subprocess("--importspy-hook", "test_uses_attrs.py")
        assert (app.path / "policy" / "__importspy_cache__").is_dir()
        warm = app.runpytest_subprocess("--importspy-hook", "test_uses_attrs.py")
        for result in (cold, warm):
            result.assert_outcomes(errors=1)
            result.stdout.fnmatch_lines(["*ImporterViolation*importers.allow*"])
            assert "imported before" not in result.stdout.str()


class TestCost:
    def test_a_session_without_the_option_loads_no_contract_machinery(self, app: Pytester) -> None:
        pyproject(app)
        app.makepyfile(
            test_modules="""
            import sys

            def test_nothing_heavy_was_imported():
                loaded = {"importspy_hook._reading", "ruamel", "cattrs", "attr"}
                assert not loaded & set(sys.modules)
            """
        )
        result = app.runpytest_subprocess("test_modules.py")
        result.assert_outcomes(passed=1)


DROP_IN_TESTS = {
    "pytest.ini": "[pytest]\nfilterwarnings = error\n",
    "test_guarded.py": "import attrs\n\ndef test_uses_attrs():\n    assert attrs.define\n",
    "contracts/all.yml": 'module: "*"\n',
    "contracts/attrs.yml": 'module: attrs\nimporters:\n  allow: ["test_*", "attr", "attr.*", "cattrs", "cattrs.*"]\n',
}


class TestDropInActivation:
    """pytest in an environment where the .pth activates the hook, without ``--importspy-hook``."""

    def test_filterwarnings_error_gives_the_result_of_a_run_without_the_hook(
        self, project: Project, environment_with_pytest: Environment
    ) -> None:
        project.write(DROP_IN_TESTS)
        code = "import sys, pytest; sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider']))"
        bare = environment_with_pytest.run(project, code)
        assert bare.returncode == 0, bare.output
        active = {"IMPORTSPY_HOOK_CONTRACTS": str(project.root / "contracts")}
        cold = environment_with_pytest.run(project, code, env=active)
        assert (project.root / "contracts" / "__importspy_cache__").is_dir()
        warm = environment_with_pytest.run(project, code, env=active)
        for result in (cold, warm):
            assert result.returncode == 0, result.output
            assert "1 passed" in result.stdout
            assert "PytestAssertRewriteWarning" not in result.output

    def test_test_modules_are_checked_and_their_assertions_still_rewritten(
        self, project: Project, environment_with_pytest: Environment
    ) -> None:
        project.write(
            {
                "test_guarded.py": "def test_compares():\n    left = [1, 2]\n    assert left == [1, 3]\n",
                "contracts/test_guarded.yml": "module: test_guarded\nruntime:\n  env:\n    GUARD: {equals: 'on'}\n",
            }
        )
        code = "import sys, pytest; sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider']))"
        contracts = str(project.root / "contracts")
        refused = environment_with_pytest.run(project, code, env={"IMPORTSPY_HOOK_CONTRACTS": contracts})
        assert "RuntimeViolation" in refused.output, refused.output
        assert "runtime.env.equals" in refused.output or "GUARD" in refused.output
        allowed = environment_with_pytest.run(project, code, env={"IMPORTSPY_HOOK_CONTRACTS": contracts, "GUARD": "on"})
        # Rewritten: pytest explains the failed comparison item by item.
        assert "1 failed" in allowed.stdout, allowed.output
        assert "At index 1 diff: 2 != 3" in allowed.stdout
