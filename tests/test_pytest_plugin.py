"""The pytest plugin, run in real pytest sessions (pytester, each in a fresh interpreter)."""

from __future__ import annotations

import pytest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from _pytest.pytester import Pytester

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
