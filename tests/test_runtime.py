"""``runtime`` rules checked against the real interpreter, platform, environment and packages."""

from __future__ import annotations

import json
from importlib import metadata
from typing import TYPE_CHECKING, Any

import pytest

from importspy_hook import snapshot

if TYPE_CHECKING:
    from conftest import Project, Result

HOST = snapshot()
OTHER_OS = "aix" if HOST.os != "aix" else "linux"
OTHER_IMPLEMENTATION = "pypy" if HOST.implementation != "pypy" else "cpython"
OTHER_ARCH = "s390x" if HOST.arch != "s390x" else "riscv64"
PYTEST_VERSION = metadata.version("pytest")
ABSENT_DISTRIBUTION = "importspy-hook-surely-absent-distribution"

# Variable names the parent's environment will not hold, so that the child sees only ours.
STAGE = "IMPORTSPY_TEST_STAGE"
REGION = "IMPORTSPY_TEST_REGION"

REPORT = """
    import importspy_hook, pathlib
    importspy_hook.install("contracts")
    try:
        import guarded
    except importspy_hook.ContractViolation as exc:
        print("VIOLATION", type(exc).__name__, [v.rule for v in exc.violations])
        print("MESSAGE", exc)
    else:
        print("IMPORTED")
    print("RAN", pathlib.Path("side-effect").exists())
"""


def guard(project: Project, contract: dict[str, Any], env: dict[str, str] | None = None) -> Result:
    """Import ``guarded`` under ``contract`` (written as JSON, which is YAML) and report."""
    (project.root / "side-effect").unlink(missing_ok=True)
    project.write(
        {
            "guarded.py": "import pathlib\npathlib.Path('side-effect').write_text('ran')\n",
            "contracts/guarded.yml": json.dumps({"module": "guarded", **contract}),
        }
    )
    return project.run(REPORT, env=env)


def passes(result: Result) -> bool:
    assert "RAN" in result.stdout, result.output
    return "IMPORTED" in result.stdout and "RAN True" in result.stdout


def fails_with(result: Result, cls: str, *rules: str) -> bool:
    assert "RAN False" in result.stdout, result.output
    return f"VIOLATION {cls} {list(rules)!r}" in result.stdout


class TestPlatform:
    def test_python_specifier_that_holds(self, project: Project) -> None:
        assert passes(guard(project, {"runtime": {"python": ">=3.10,<4"}}))

    def test_python_specifier_that_fails_names_the_running_version(self, project: Project) -> None:
        result = guard(project, {"runtime": {"python": "<3.10"}})
        assert fails_with(result, "RuntimeViolation", "runtime.python"), result.output
        assert f'runtime.python in contracts/guarded.yml:1 is "<3.10" but this is Python {HOST.python}' in result.stdout

    def test_implementation_that_holds(self, project: Project) -> None:
        assert passes(guard(project, {"runtime": {"implementation": [HOST.implementation]}}))

    def test_implementation_that_fails(self, project: Project) -> None:
        result = guard(project, {"runtime": {"implementation": OTHER_IMPLEMENTATION}})
        assert fails_with(result, "RuntimeViolation", "runtime.implementation"), result.output
        assert f'is ["{OTHER_IMPLEMENTATION}"] but this is {HOST.implementation}' in result.stdout

    def test_os_that_holds(self, project: Project) -> None:
        assert passes(guard(project, {"runtime": {"os": [OTHER_OS, HOST.os]}}))

    def test_os_that_fails(self, project: Project) -> None:
        result = guard(project, {"runtime": {"os": OTHER_OS}})
        assert fails_with(result, "RuntimeViolation", "runtime.os"), result.output
        assert f"but this is {HOST.os}" in result.stdout

    def test_macos_is_an_alias_of_darwin(self, project: Project) -> None:
        result = guard(project, {"runtime": {"os": "macos"}})
        if HOST.os == "darwin":
            assert passes(result)
        else:
            assert fails_with(result, "RuntimeViolation", "runtime.os"), result.output
            assert 'runtime.os in contracts/guarded.yml:1 is ["darwin"]' in result.stdout

    def test_arch_that_holds(self, project: Project) -> None:
        assert passes(guard(project, {"runtime": {"arch": HOST.arch}}))

    def test_arch_that_fails(self, project: Project) -> None:
        result = guard(project, {"runtime": {"arch": [OTHER_ARCH]}})
        assert fails_with(result, "RuntimeViolation", "runtime.arch"), result.output
        assert f"but this is {HOST.arch}" in result.stdout

    @pytest.mark.skipif(HOST.arch not in ("x86_64", "arm64"), reason="aliases exist for x86_64 and arm64")
    def test_arch_aliases_are_case_insensitive(self, project: Project) -> None:
        alias = {"x86_64": "AMD64", "arm64": "AArch64"}[HOST.arch]
        assert passes(guard(project, {"runtime": {"arch": alias}}))
        other = {"x86_64": "AArch64", "arm64": "Amd64"}[HOST.arch]
        assert fails_with(guard(project, {"runtime": {"arch": other}}), "RuntimeViolation", "runtime.arch")


class TestEnvironment:
    def test_equals_that_holds(self, project: Project) -> None:
        assert passes(guard(project, {"runtime": {"env": {STAGE: {"equals": "prod"}}}}, env={STAGE: "prod"}))

    def test_equals_that_fails_shows_expected_and_found(self, project: Project) -> None:
        result = guard(project, {"runtime": {"env": {STAGE: {"equals": "prod"}}}}, env={STAGE: "dev"})
        assert fails_with(result, "RuntimeViolation", "runtime.env.equals"), result.output
        assert f'requires {STAGE} to be "prod", but it is "dev"' in result.stdout

    def test_shorthand_text_means_equals(self, project: Project) -> None:
        contract = {"runtime": {"env": {STAGE: "prod"}}}
        assert passes(guard(project, contract, env={STAGE: "prod"}))
        assert fails_with(guard(project, contract, env={STAGE: "dev"}), "RuntimeViolation", "runtime.env.equals")

    def test_one_of_that_holds(self, project: Project) -> None:
        contract = {"runtime": {"env": {STAGE: {"one_of": ["prod", "staging"]}}}}
        assert passes(guard(project, contract, env={STAGE: "staging"}))

    def test_one_of_that_fails(self, project: Project) -> None:
        contract = {"runtime": {"env": {STAGE: {"one_of": ["prod", "staging"]}}}}
        result = guard(project, contract, env={STAGE: "dev"})
        assert fails_with(result, "RuntimeViolation", "runtime.env.one_of"), result.output
        assert f'requires {STAGE} to be one of ["prod", "staging"], but it is "dev"' in result.stdout

    def test_matches_is_a_full_match(self, project: Project) -> None:
        contract = {"runtime": {"env": {REGION: {"matches": "eu-[a-z]+-[0-9]"}}}}
        assert passes(guard(project, contract, env={REGION: "eu-west-1"}))
        result = guard(project, contract, env={REGION: "eu-west-12"})
        assert fails_with(result, "RuntimeViolation", "runtime.env.matches"), result.output
        assert f'requires {REGION} to match "eu-[a-z]+-[0-9]" in full, but it is "eu-west-12"' in result.stdout

    def test_required_that_holds(self, project: Project) -> None:
        assert passes(guard(project, {"runtime": {"env": {STAGE: {"required": True}}}}, env={STAGE: ""}))

    def test_required_that_fails(self, project: Project) -> None:
        result = guard(project, {"runtime": {"env": {STAGE: {"required": True}}}})
        assert fails_with(result, "RuntimeViolation", "runtime.env.required"), result.output
        assert f"requires {STAGE} to be set, and it is not; set {STAGE}" in result.stdout

    def test_a_rule_with_required_false_holds_when_unset(self, project: Project) -> None:
        assert passes(guard(project, {"runtime": {"env": {STAGE: {"equals": "prod", "required": False}}}}))

    def test_absent_that_holds(self, project: Project) -> None:
        assert passes(guard(project, {"runtime": {"env": {STAGE: {"absent": True}}}}))

    def test_absent_that_fails(self, project: Project) -> None:
        result = guard(project, {"runtime": {"env": {STAGE: {"absent": True}}}}, env={STAGE: "x"})
        assert fails_with(result, "RuntimeViolation", "runtime.env.absent"), result.output
        assert f"requires {STAGE} to be unset, but it is set; unset {STAGE}" in result.stdout

    def test_every_failing_variable_is_reported(self, project: Project) -> None:
        contract = {"runtime": {"env": {STAGE: "prod", REGION: {"absent": True}}}}
        result = guard(project, contract, env={STAGE: "dev", REGION: "eu"})
        assert fails_with(result, "RuntimeViolation", "runtime.env.equals", "runtime.env.absent"), result.output


class TestPackages:
    def test_version_that_holds(self, project: Project) -> None:
        assert passes(guard(project, {"runtime": {"packages": {"pytest": ">=1"}}}))

    def test_version_that_fails_names_the_installed_version(self, project: Project) -> None:
        result = guard(project, {"runtime": {"packages": {"pytest": {"version": "<1"}}}})
        assert fails_with(result, "RuntimeViolation", "runtime.packages.version"), result.output
        assert f"requires pytest <1, but pytest {PYTEST_VERSION} is installed" in result.stdout

    def test_missing_distribution(self, project: Project) -> None:
        result = guard(project, {"runtime": {"packages": {ABSENT_DISTRIBUTION: ">=1"}}})
        assert fails_with(result, "RuntimeViolation", "runtime.packages.missing"), result.output
        assert f"requires {ABSENT_DISTRIBUTION} to be installed, and it is not" in result.stdout

    def test_absent_that_holds(self, project: Project) -> None:
        assert passes(guard(project, {"runtime": {"packages": {ABSENT_DISTRIBUTION: {"absent": True}}}}))

    def test_absent_that_fails(self, project: Project) -> None:
        result = guard(project, {"runtime": {"packages": {"pytest": {"absent": True}}}})
        assert fails_with(result, "RuntimeViolation", "runtime.packages.absent"), result.output
        assert f"requires pytest not to be installed, but pytest {PYTEST_VERSION} is" in result.stdout


class TestAlternatives:
    def test_second_alternative_holding_is_enough(self, project: Project) -> None:
        contract = {"runtime": [{"os": OTHER_OS}, {"implementation": HOST.implementation}]}
        assert passes(guard(project, contract))

    def test_no_alternative_holding_reports_each(self, project: Project) -> None:
        contract = {"runtime": [{"os": OTHER_OS}, {"implementation": OTHER_IMPLEMENTATION}]}
        result = guard(project, contract)
        assert fails_with(result, "RuntimeViolation", "runtime.os", "runtime.implementation"), result.output
        assert "none of the 2 runtime alternatives holds: runtime[0].os" in result.stdout
        assert "; runtime[1].implementation in contracts/guarded.yml:1 is" in result.stdout
        assert result.stdout.count("none of the 2 runtime alternatives holds") == 1


SECRET = "s3cr3t-VALUE-never-shown"
EXPECTED_SECRET = "expected-PASSWORD-never-shown"

SECRET_REPORT = """
    import importspy_hook, logging, sys, traceback, warnings
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    logging.getLogger("child").debug("logging is on")
    importspy_hook.install("contracts")
    try:
        import guarded
    except importspy_hook.ContractViolation as exc:
        logging.getLogger("child").exception("import failed: %s", exc)
        print("STR", str(exc))
        print("REPR", repr(exc))
        print("VIOLATIONS", exc.violations)
        traceback.print_exc()
    import guarded  # again, uncaught: the interpreter prints the traceback
"""


class TestSecrets:
    @pytest.mark.parametrize(
        "rule",
        [
            {"equals": EXPECTED_SECRET, "secret": True},
            {"one_of": [EXPECTED_SECRET, "other"], "secret": True},
            {"matches": "expected-[A-Z]+-never", "secret": True},
        ],
        ids=["equals", "one_of", "matches"],
    )
    def test_secret_value_never_appears_in_any_output(self, project: Project, rule: dict[str, Any]) -> None:
        project.write(
            {
                "guarded.py": "",
                "contracts/guarded.yml": json.dumps({"module": "guarded", "runtime": {"env": {STAGE: rule}}}),
            }
        )
        result = project.run(SECRET_REPORT, env={STAGE: SECRET})
        assert result.returncode == 1, result.output
        assert "DEBUG:child:logging is on" in result.stderr
        # Only a runtime rule failed: the header blames the runtime, not the importer.
        assert "STR guarded may not be imported in this runtime (imported by __main__" in result.stdout
        assert "REPR RuntimeViolation(" in result.stdout
        assert "ERROR:child:import failed" in result.stderr
        assert result.stderr.count("RuntimeViolation: guarded may not be imported") >= 2, result.output
        assert "(the value is secret and not shown)" in result.stdout
        assert SECRET not in result.output
        assert "s3cr3t" not in result.output
        assert EXPECTED_SECRET not in result.output

    def test_names_that_look_secret_are_hidden_without_the_flag(self, project: Project) -> None:
        name = "IMPORTSPY_TEST_API_TOKEN"
        project.write(
            {
                "guarded.py": "",
                "contracts/guarded.yml": json.dumps({"module": "guarded", "runtime": {"env": {name: "expected"}}}),
            }
        )
        result = project.run(SECRET_REPORT, env={name: SECRET})
        assert "(the value is secret and not shown)" in result.stdout, result.output
        assert SECRET not in result.output


class TestExceptionClass:
    """The class raised follows the first violation in check order."""

    def test_importer_violation_first_when_names_and_runtime_fail(self, project: Project) -> None:
        contract = {"importers": {"allow": ["nobody"]}, "runtime": {"os": OTHER_OS}}
        result = guard(project, contract)
        assert fails_with(result, "ImporterViolation", "importers.allow", "runtime.os"), result.output

    def test_runtime_violation_first_when_runtime_and_require_fail(self, project: Project) -> None:
        contract = {
            "importers": {"require": {"variables": [{"name": "PLUGIN_API"}]}},
            "runtime": {"os": OTHER_OS},
        }
        result = guard(project, contract)
        assert fails_with(result, "RuntimeViolation", "runtime.os", "importers.require.variable.missing"), result.output

    def test_structure_violation_when_only_require_fails(self, project: Project) -> None:
        result = guard(project, {"importers": {"require": {"functions": [{"name": "register"}]}}})
        assert fails_with(result, "StructureViolation", "importers.require.function.missing"), result.output

    def test_violations_are_import_errors_but_not_module_not_found(self, project: Project) -> None:
        project.write({"guarded.py": "", "contracts/guarded.yml": "module: guarded\nruntime: {os: " + OTHER_OS + "}\n"})
        result = project.run(
            """
            import importspy_hook
            importspy_hook.install("contracts")
            try:
                import guarded
            except ModuleNotFoundError:
                print("SWALLOWED")
            except ImportError as exc:
                print("IMPORT ERROR", exc.name, exc.path, exc.importer, exc.violations[0].contract)
            """
        )
        assert f"IMPORT ERROR guarded {project.root / 'guarded.py'} __main__ contracts/guarded.yml:2" in (
            result.stdout
        ), result.output

    def test_violation_survives_pickling(self, project: Project) -> None:
        # Violations cross process boundaries (multiprocessing, pytest-xdist) with their details.
        project.write({"guarded.py": "", "contracts/guarded.yml": f"module: guarded\nruntime: {{os: {OTHER_OS}}}\n"})
        result = project.run(
            """
            import importspy_hook, pickle
            importspy_hook.install("contracts")
            try:
                import guarded
            except importspy_hook.ContractViolation as exc:
                copy = pickle.loads(pickle.dumps(exc))
                same = copy.violations == exc.violations and str(copy) == str(exc)
                print(type(copy).__name__, copy.name, copy.importer, same)
            """
        )
        assert "RuntimeViolation guarded __main__ True" in result.stdout, result.output
