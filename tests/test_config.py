"""``[tool.importspy-hook]`` in pyproject.toml, the environment, and install()'s arguments."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from conftest import Project

APP = {
    "app/__init__.py": "",
    "app/core.py": "",
    "app/tests/__init__.py": "",
    "app/tests/helpers.py": "",
    "outsider.py": "import app.core\nimport app.tests.helpers\n",
    "policy/app.core.yml": """
        module: "app.*"
        importers:
          allow: ["app", "app.*"]
    """,
    "strict/app.core.yml": """
        module: app.core
        importers:
          allow: ["nobody"]
    """,
}

# A runtime rule that never holds in the tests' environment.
GATED = {
    "gated/app.core.yml": """
        module: app.core
        runtime:
          env:
            IMPORTSPY_HOOK_TEST_NEVER_SET: {required: true}
    """,
}

# Installs with the given keyword arguments, from the given working directory, then imports outsider.
REPORT = """
    import importspy_hook, os, sys, warnings
    os.chdir(sys.argv[1])
    kwargs = eval(sys.argv[2]) if len(sys.argv) > 2 else {}
    try:
        importspy_hook.install(**kwargs)
    except importspy_hook.ContractError as exc:
        print("CONTRACT ERROR", exc)
        raise SystemExit
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            import outsider
        except importspy_hook.ContractViolation as exc:
            print("VIOLATION", exc.name, [v.rule for v in exc.violations])
        else:
            print("IMPORTED")
    print("WARNINGS", len(caught))
"""


def pyproject(table: str) -> dict[str, str]:
    return {"pyproject.toml": '[project]\nname = "app"\n\n[tool.importspy-hook]\n' + table}


class TestPyprojectTable:
    def test_install_without_arguments_reads_contracts_relative_to_pyproject(self, project: Project) -> None:
        project.write(APP).write(pyproject('contracts = ["policy"]\n')).write({"deep/er/.keep": ""})
        result = project.run(REPORT, "deep/er")
        assert "VIOLATION app.core ['importers.allow']" in result.stdout, result.output

    def test_on_violation_from_pyproject(self, project: Project) -> None:
        project.write(APP).write(pyproject('contracts = ["policy"]\non_violation = "warn"\n'))
        result = project.run(REPORT, ".")
        assert "IMPORTED" in result.stdout, result.output
        assert "WARNINGS 3" in result.stdout  # app.core, app.tests, app.tests.helpers

    def test_ignored_modules_are_never_guarded(self, project: Project) -> None:
        project.write(APP).write(
            pyproject('contracts = ["policy"]\nignore = ["app.tests", "app.tests.*", "app.core"]\n')
        )
        result = project.run(REPORT, ".")
        assert "IMPORTED" in result.stdout, result.output
        assert "WARNINGS 0" in result.stdout

    def test_without_table_the_contracts_folder_of_the_working_directory_is_used(self, project: Project) -> None:
        project.write(APP).write(
            {"pyproject.toml": '[project]\nname = "app"\n', "contracts/x.yml": APP["strict/app.core.yml"]}
        )
        result = project.run(REPORT, ".")
        assert "VIOLATION app.core ['importers.allow']" in result.stdout, result.output

    def test_the_nearest_pyproject_is_the_only_one_read(self, project: Project) -> None:
        project.write(APP).write(pyproject('contracts = ["policy"]\n'))
        project.write({"sub/pyproject.toml": '[project]\nname = "sub"\n', "sub/contracts/x.yml": "module: other\n"})
        result = project.run(REPORT, "sub")
        assert "IMPORTED" in result.stdout, result.output


class TestPrecedence:
    def test_environment_variable_wins_over_pyproject(self, project: Project) -> None:
        project.write(APP).write(pyproject('contracts = ["policy"]\non_violation = "raise"\n'))
        result = project.run(
            REPORT, ".", env={"IMPORTSPY_HOOK_CONTRACTS": "strict", "IMPORTSPY_HOOK_ON_VIOLATION": "warn"}
        )
        assert "IMPORTED" in result.stdout, result.output
        assert "WARNINGS 1" in result.stdout  # only strict/app.core.yml applied, and only warned

    def test_explicit_argument_wins_over_environment_and_pyproject(self, project: Project) -> None:
        project.write(APP).write(pyproject('contracts = ["strict"]\non_violation = "warn"\n'))
        result = project.run(REPORT, ".", "{'on_violation': 'raise'}", env={"IMPORTSPY_HOOK_ON_VIOLATION": "warn"})
        assert "VIOLATION app.core ['importers.allow']" in result.stdout, result.output

    def test_explicit_contracts_read_neither_environment_nor_pyproject(self, project: Project) -> None:
        project.write(APP).write(pyproject('contracts = ["policy"]\non_violation = "warn"\nignore = ["app.*"]\n'))
        result = project.run(REPORT, ".", "{'contracts': 'strict'}", env={"IMPORTSPY_HOOK_ON_VIOLATION": "warn"})
        assert "VIOLATION app.core ['importers.allow']" in result.stdout, result.output

    def test_explicit_ignore_applies_to_configured_contracts(self, project: Project) -> None:
        project.write(APP).write(pyproject('contracts = ["policy"]\n'))
        result = project.run(REPORT, ".", "{'ignore': ['app.*']}")
        assert "IMPORTED" in result.stdout, result.output


class TestInvalidTable:
    def test_unknown_key_suggests_the_closest_and_gives_its_line(self, project: Project) -> None:
        project.write(APP).write(pyproject('contracts = ["policy"]\n  on_violaton = "warn"\n'))
        result = project.run(REPORT, ".")
        file = project.root / "pyproject.toml"
        assert (
            f"CONTRACT ERROR {file}:6:3: unknown key 'on_violaton' in [tool.importspy-hook]; "
            "did you mean 'on_violation'?"
        ) in result.stdout, result.output

    def test_wrong_type_names_what_is_allowed(self, project: Project) -> None:
        project.write(APP).write(pyproject('contracts = "policy"\n'))
        result = project.run(REPORT, ".")
        file = project.root / "pyproject.toml"
        assert (
            f"CONTRACT ERROR {file}:5:1: [tool.importspy-hook] contracts must be a list of contract files "
            "and folders, relative to pyproject.toml; found 'policy'"
        ) in result.stdout, result.output

    def test_invalid_toml_gives_line_and_column(self, project: Project) -> None:
        project.write(APP).write(pyproject("on_violation = warn\n"))
        result = project.run(REPORT, ".")
        file = project.root / "pyproject.toml"
        assert f"CONTRACT ERROR {file}:5:16: is not valid TOML: Invalid value" in result.stdout, result.output

    def test_invalid_environment_value_is_a_contract_error(self, project: Project) -> None:
        project.write(APP).write(pyproject('contracts = ["policy"]\n'))
        result = project.run(REPORT, ".", env={"IMPORTSPY_HOOK_ON_VIOLATION": "explode"})
        assert "CONTRACT ERROR IMPORTSPY_HOOK_ON_VIOLATION: must be 'raise' or 'warn', not 'explode'" in (
            result.stdout
        ), result.output


IN_DEEP = "import os; os.chdir('deep'); from importspy_hook.cli import main; "


class TestCommandLine:
    def test_lint_and_list_without_paths_use_the_configured_contracts(self, project: Project) -> None:
        project.write(APP).write(pyproject('contracts = ["strict"]\n')).write({"deep/.keep": ""})
        listed = project.python(
            "-c", "import os; os.chdir('deep'); from importspy_hook.cli import main; main(['list'])"
        )
        assert listed.returncode == 0, listed.output
        assert "strict/app.core.yml" in listed.stdout
        linted = project.python(
            "-c", "import os; os.chdir('deep'); from importspy_hook.cli import main; main(['lint'])"
        )
        assert "1 contract file: no problems" in linted.stderr, linted.output

    def test_check_and_list_honour_the_configured_ignore(self, project: Project) -> None:
        project.write(APP).write(GATED).write(pyproject('contracts = ["gated"]\nignore = ["app.*"]\n'))
        checked = project.python("-m", "importspy_hook", "check")
        assert checked.returncode == 0, checked.output
        assert "app.core" not in checked.stdout
        listed = project.python("-m", "importspy_hook", "list")
        assert "none: ignored by the configuration" in listed.stdout, listed.output
        target = project.python("-m", "importspy_hook", "check", "app.core")
        assert target.returncode == 2, target.output
        assert "no contract governs app.core" in target.stderr

    def test_without_ignore_the_same_contract_is_checked(self, project: Project) -> None:
        project.write(APP).write(GATED).write(pyproject('contracts = ["gated"]\n'))
        checked = project.python("-m", "importspy_hook", "check")
        assert checked.returncode == 1, checked.output
        assert "runtime.env.required" in checked.stdout

    def test_contracts_given_on_the_command_line_ignore_the_configuration(self, project: Project) -> None:
        # As install("gated") does: with paths given, only the arguments count.
        project.write(APP).write(GATED).write(pyproject('contracts = ["gated"]\nignore = ["app.*"]\n'))
        checked = project.python("-m", "importspy_hook", "check", "--contracts", "gated")
        assert checked.returncode == 1, checked.output

    def test_environment_variable_wins_over_pyproject(self, project: Project) -> None:
        project.write(APP).write(pyproject('contracts = ["strict"]\n'))
        listed = project.python("-m", "importspy_hook", "list", env={"IMPORTSPY_HOOK_CONTRACTS": "policy"})
        assert "policy/app.core.yml" in listed.stdout, listed.output
        assert "strict/" not in listed.stdout
