"""ImportSpy 0.4 ``spymodel.yml`` contracts, read as native contracts and migrated.

The contracts are written the way ImportSpy's documentation writes them (its plugin example,
``deployments`` -> ``systems`` -> ``pythons``, environment variables and secrets), with the
running interpreter's version and architecture filled in so that the tests hold anywhere.
"""

from __future__ import annotations

import platform
import sys
import textwrap

import pytest

from importspy_hook._reading.importspy import migrate
from importspy_hook._reading.load import load_contract

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from conftest import Project

MAJOR_MINOR = f"{sys.version_info.major}.{sys.version_info.minor}"
ARCH = platform.machine()

# ImportSpy's plugin-architecture example: spymodel.yml sits beside the protected core
# (package.py) and describes the extension that imports it.
PLUGIN_SPYMODEL = f"""
module: package
filename: extension.py
variables:
  - name: engine
    value: docker
  - name: plugin_name
    value: plugin name
classes:
  - name: Extension
    attributes:
      - type: instance
        name: extension_instance_name
        value: extension_instance_value
      - type: class
        name: extension_name
        value: extension_value
    methods:
      - name: __init__
        arguments:
          - name: self
        return_annotation:
      - name: add_extension
        arguments:
          - name: self
          - name: msg
            annotation: str
        return_annotation: str
      - name: remove_extension
        arguments:
          - name: self
    superclasses:
      - name: Plugin
deployments:
  - arch: {ARCH}
    systems:
      - os: {platform.system().lower()}
        pythons:
          - version: {MAJOR_MINOR}
            interpreter: CPython
            modules:
              - filename: extension.py
                variables:
                  - name: author
                    value: Luca Atella
"""

EXTENSION = """
import pathlib
from plugin_interface import Plugin

author = "Luca Atella"
plugin_name = "plugin name"
engine = "docker"


class Extension(Plugin):
    extension_name = "extension_value"

    def __init__(self) -> None:
        self.extension_instance_name = "extension_instance_value"

    def add_extension(self, msg: str) -> str:
        return "Extension has added"

    def remove_extension(self):
        pass


import package
"""

PLUGIN_FILES = {
    "plugin_interface.py": "class Plugin:\n    pass\n",
    "package.py": "import pathlib\npathlib.Path('core-ran').write_text('ran')\n",
    "extension.py": EXTENSION,
    "contracts/spymodel.yml": PLUGIN_SPYMODEL,
}

REPORT = """
    import importspy_hook, pathlib, sys
    try:
        importspy_hook.install()
        __import__(sys.argv[1])
    except importspy_hook.ContractViolation as exc:
        print("VIOLATION", type(exc).__name__, exc.importer, sorted(v.rule for v in exc.violations))
        print("MESSAGE", exc)
    except importspy_hook.ContractError as exc:
        print("CONTRACT ERROR", exc)
    else:
        print("IMPORTED")
    print("RAN", pathlib.Path("core-ran").exists())
"""


def spymodel(body: str, module: str = "package") -> str:
    return f"module: {module}\nfilename: extension.py\n" + textwrap.dedent(body).lstrip("\n")


def deployment(python: str = f"version: {MAJOR_MINOR}", environment: str = "") -> str:
    lines = [
        "deployments:",
        f"  - arch: {ARCH}",
        "    systems:",
        f"      - os: {platform.system().lower()}",
    ]
    if environment:
        lines.append("        environment:")
        lines.extend("          " + line for line in textwrap.dedent(environment).strip().splitlines())
    lines.append("        pythons:")
    lines.append(f"          - {python}")
    return "\n".join(lines) + "\n"


class TestPluginArchitecture:
    def test_compliant_extension_may_import_the_core(self, project: Project) -> None:
        result = project.write(PLUGIN_FILES).run(REPORT, "extension")
        assert "IMPORTED" in result.stdout, result.output
        assert "RAN True" in result.stdout

    def test_extension_missing_a_method_and_a_class_attribute_is_refused(self, project: Project) -> None:
        broken = EXTENSION.replace('    extension_name = "extension_value"\n', "").replace(
            "    def remove_extension(self):\n        pass\n", ""
        )
        result = project.write({**PLUGIN_FILES, "extension.py": broken}).run(REPORT, "extension")
        assert (
            "VIOLATION StructureViolation extension "
            "['importers.require.attribute.missing', 'importers.require.method.missing']"
        ) in result.stdout, result.output
        assert "RAN False" in result.stdout

    def test_wrong_variable_value_and_annotation_of_an_argument(self, project: Project) -> None:
        broken = EXTENSION.replace('engine = "docker"', 'engine = "podman"').replace("msg: str", "msg: bytes")
        result = project.write({**PLUGIN_FILES, "extension.py": broken}).run(REPORT, "extension")
        assert (
            "VIOLATION StructureViolation extension "
            "['importers.require.method.annotation', 'importers.require.variable.value']"
        ) in result.stdout, result.output

    def test_members_required_under_a_python_entry_are_checked(self, project: Project) -> None:
        broken = EXTENSION.replace('author = "Luca Atella"', 'author = "someone else"')
        result = project.write({**PLUGIN_FILES, "extension.py": broken}).run(REPORT, "extension")
        assert "['importers.require.variable.value']" in result.stdout, result.output

    def test_another_module_than_filename_may_not_import_the_core(self, project: Project) -> None:
        project.write({**PLUGIN_FILES, "intruder.py": "import package\n"})
        result = project.run(REPORT, "intruder")
        assert "VIOLATION ImporterViolation intruder ['importers.allow', " in result.stdout, result.output

    def test_violation_points_into_the_spymodel(self, project: Project) -> None:
        broken = EXTENSION.replace('engine = "docker"', 'engine = "podman"').replace("Luca Atella", "someone")
        result = project.write({**PLUGIN_FILES, "extension.py": broken}).run(REPORT, "extension")
        assert "importers.require.variables.engine in contracts/spymodel.yml:4:" in result.stdout, result.output
        assert "importers.require.variables.author in contracts/spymodel.yml:43:" in result.stdout


class TestVersionAndInterpreter:
    def test_a_major_minor_version_matches_any_micro_release(self, project: Project) -> None:
        files = {**PLUGIN_FILES, "contracts/spymodel.yml": spymodel(deployment(f"version: {MAJOR_MINOR}"))}
        result = project.write(files).run(REPORT, "extension")
        assert "IMPORTED" in result.stdout, result.output

    def test_version_mismatch_is_a_runtime_violation(self, project: Project) -> None:
        files = {**PLUGIN_FILES, "contracts/spymodel.yml": spymodel(deployment('version: "3.9"'))}
        result = project.write(files).run(REPORT, "extension")
        assert "VIOLATION RuntimeViolation extension ['runtime.python']" in result.stdout, result.output
        assert '"==3.9.*"' in result.stdout
        assert "RAN False" in result.stdout

    def test_interpreter_mismatch_is_a_runtime_violation(self, project: Project) -> None:
        python = f"version: {MAJOR_MINOR}\n            interpreter: PyPy"
        files = {**PLUGIN_FILES, "contracts/spymodel.yml": spymodel(deployment(python))}
        result = project.write(files).run(REPORT, "extension")
        assert "VIOLATION RuntimeViolation extension ['runtime.implementation']" in result.stdout, result.output

    def test_any_deployment_that_holds_is_enough(self, project: Project) -> None:
        body = deployment('version: "3.9"') + deployment(f"version: {MAJOR_MINOR}").replace("deployments:\n", "")
        files = {**PLUGIN_FILES, "contracts/spymodel.yml": spymodel(body)}
        result = project.write(files).run(REPORT, "extension")
        assert "IMPORTED" in result.stdout, result.output

    def test_architecture_names_are_case_insensitive(self, project: Project) -> None:
        body = deployment().replace(f"arch: {ARCH}", f"arch: {ARCH.upper()}")
        files = {**PLUGIN_FILES, "contracts/spymodel.yml": spymodel(body)}
        result = project.write(files).run(REPORT, "extension")
        assert "IMPORTED" in result.stdout, result.output


class TestEnvironment:
    ENV = """
        variables:
          - name: MODE
            value: production
          - name: REGION
    """

    def test_matching_variable_and_presence_only_variable_pass(self, project: Project) -> None:
        files = {**PLUGIN_FILES, "contracts/spymodel.yml": spymodel(deployment(environment=self.ENV))}
        result = project.write(files).run(REPORT, "extension", env={"MODE": "production", "REGION": "eu"})
        assert "IMPORTED" in result.stdout, result.output

    def test_variable_mismatch_names_expected_and_found(self, project: Project) -> None:
        files = {**PLUGIN_FILES, "contracts/spymodel.yml": spymodel(deployment(environment=self.ENV))}
        result = project.write(files).run(REPORT, "extension", env={"MODE": "development", "REGION": "eu"})
        assert "VIOLATION RuntimeViolation extension ['runtime.env.equals']" in result.stdout, result.output
        assert 'requires MODE to be "production", but it is "development"' in result.stdout

    def test_secret_passes_when_set_and_its_value_never_shows(self, project: Project) -> None:
        environment = "variables:\n  - name: MODE\n    value: production\nsecrets:\n  - API_TOKEN\n"
        files = {**PLUGIN_FILES, "contracts/spymodel.yml": spymodel(deployment(environment=environment))}
        project.write(files)
        passed = project.run(REPORT, "extension", env={"MODE": "production", "API_TOKEN": "hunter2"})
        assert "IMPORTED" in passed.stdout, passed.output
        failed = project.run(REPORT, "extension", env={"MODE": "staging", "API_TOKEN": "hunter2"})
        assert "['runtime.env.equals']" in failed.stdout, failed.output
        assert "hunter2" not in failed.output

    def test_unset_secret_is_a_runtime_violation(self, project: Project) -> None:
        files = {**PLUGIN_FILES, "contracts/spymodel.yml": spymodel(deployment(environment="secrets: [API_TOKEN]"))}
        result = project.write(files).run(REPORT, "extension")
        assert "VIOLATION RuntimeViolation extension ['runtime.env.required']" in result.stdout, result.output


class TestInvalidSpymodel:
    def test_unknown_key_is_an_error_with_the_closest_key(self, project: Project) -> None:
        files = {**PLUGIN_FILES, "contracts/spymodel.yml": spymodel("functionz:\n  - name: run\n")}
        result = project.write(files).run(REPORT, "extension")
        assert (
            "contracts/spymodel.yml:3:1: unknown key 'functionz' in an ImportSpy top; did you mean 'functions'?"
        ) in result.stdout, result.output

    def test_spymodel_without_module_asks_for_one(self, project: Project) -> None:
        files = {**PLUGIN_FILES, "contracts/spymodel.yml": PLUGIN_SPYMODEL.replace("module: package\n", "")}
        result = project.write(files).run(REPORT, "extension")
        assert "contracts/spymodel.yml:1:1: is an ImportSpy contract that names no module to guard" in result.stdout

    def test_pyproject_maps_a_spymodel_to_its_module(self, project: Project) -> None:
        files = {
            **PLUGIN_FILES,
            "contracts/spymodel.yml": "",
            "legacy/spymodel.yml": PLUGIN_SPYMODEL.replace("module: package\n", ""),
            "pyproject.toml": (
                '[tool.importspy-hook]\ncontracts = []\nimportspy_contracts = {"legacy/spymodel.yml" = "package"}\n'
            ),
        }
        del files["contracts/spymodel.yml"]
        project.write(files).write({"intruder.py": "import package\n"})
        result = project.run(REPORT, "intruder")
        assert "VIOLATION ImporterViolation intruder ['importers.allow', " in result.stdout, result.output

    def test_check_command_reads_the_spymodel_the_pyproject_maps(self, project: Project) -> None:
        # As install() reads it: the command line honours importspy_contracts too.
        files = {
            **PLUGIN_FILES,
            "legacy/spymodel.yml": PLUGIN_SPYMODEL.replace("module: package\n", ""),
            "pyproject.toml": (
                '[tool.importspy-hook]\ncontracts = []\nimportspy_contracts = {"legacy/spymodel.yml" = "package"}\n'
            ),
        }
        project.write(files).write({"intruder.py": "import package\n"})
        listed = project.python("-m", "importspy_hook", "list")
        assert "legacy/spymodel.yml" in listed.stdout, listed.output
        # contracts = [] names no folder: the spymodel in ./contracts is not read (as by install()).
        assert "contracts/spymodel.yml" not in listed.stdout
        checked = project.python("-m", "importspy_hook", "check", "--as-importer-of", "package", "intruder")
        assert checked.returncode == 1, checked.output
        assert "importers.allow" in checked.stdout

    def test_the_described_script_run_directly_may_import(self, project: Project) -> None:
        # ImportSpy's own users run ``python extension.py``: the importer is __main__.
        project.write({**PLUGIN_FILES, "contracts/spymodel.yml": PLUGIN_SPYMODEL})
        main = (project.root / "extension.py").read_text(encoding="utf-8")
        runner = "import importspy_hook, runpy, sys\nimportspy_hook.install('contracts')\n"
        project.write({"run_it.py": runner + "runpy.run_path('extension.py', run_name='__main__')\nprint('RAN')\n"})
        result = project.python("run_it.py")
        assert "RAN" in result.stdout, result.output + main

    @pytest.mark.parametrize("layout", ["mapped", "in_folder"])
    def test_a_failed_return_annotation_names_the_line_of_return_annotation(
        self, project: Project, layout: str
    ) -> None:
        spymodel_text = textwrap.dedent(PLUGIN_SPYMODEL).lstrip("\n")
        if layout == "mapped":
            files = {
                **PLUGIN_FILES,
                "legacy/spymodel.yml": spymodel_text.replace("module: package\n", ""),
                "pyproject.toml": (
                    '[tool.importspy-hook]\ncontracts = []\nimportspy_contracts = {"legacy/spymodel.yml" = "package"}\n'
                ),
            }
            written = files["legacy/spymodel.yml"]
        else:
            files = {**PLUGIN_FILES, "contracts/spymodel.yml": spymodel_text}
            written = spymodel_text
        expected = written.splitlines().index("        return_annotation: str") + 1
        wrong = EXTENSION.replace(
            "def add_extension(self, msg: str) -> str:", "def add_extension(self, msg: str) -> int:"
        )
        assert wrong != EXTENSION
        result = project.write(files).write({"extension.py": wrong}).run(REPORT, "extension")
        assert "importers.require.method.returns" in result.stdout, result.output
        assert f"spymodel.yml:{expected}: Extension.add_extension must be annotated -> str" in result.stdout

    def test_lint_reads_the_configuration_as_check_does(self, project: Project) -> None:
        broken = PLUGIN_SPYMODEL.replace("module: package\n", "") + "functionz:\n  - name: run\n"
        files = {
            **PLUGIN_FILES,
            "contracts/broken.yml": "module: [\n",  # not read: contracts = [] names no folder
            "legacy/spymodel.yml": broken,
            "pyproject.toml": (
                '[tool.importspy-hook]\ncontracts = []\nimportspy_contracts = {"legacy/spymodel.yml" = "package"}\n'
            ),
        }
        linted = project.write(files).python("-m", "importspy_hook", "lint")
        assert linted.returncode == 2, linted.output
        assert "legacy/spymodel.yml:" in linted.stdout
        assert "functionz" in linted.stdout
        assert "contracts/broken.yml" not in linted.output
        assert "1 contract file: 1 problem" in linted.stderr


class TestMigrate:
    def test_migrated_contract_is_a_valid_native_contract(self, tmp_path: Path) -> None:
        source = tmp_path / "spymodel.yml"
        source.write_text(PLUGIN_SPYMODEL.replace("module: package\n", ""), encoding="utf-8")
        text = migrate(str(source), "package")
        target = tmp_path / "package.yml"
        target.write_text(text, encoding="utf-8")
        contract = load_contract(target)
        assert contract.module == "package"
        assert contract.importers is not None
        assert contract.importers.allow == ("extension", "*.extension", "__main__")
        assert contract.runtime[0].python is not None
        assert contract.runtime[0].python.text == f"=={MAJOR_MINOR}.*"

    def test_migrated_contract_lists_every_difference_in_comments(self, tmp_path: Path) -> None:
        source = tmp_path / "spymodel.yml"
        source.write_text(PLUGIN_SPYMODEL, encoding="utf-8")
        text = migrate(str(source))
        assert text.startswith(f"# Migrated from the ImportSpy contract {source}.\n")
        assert "#   - instance attribute Extension.extension_instance_name: its value is not checked" in text
        assert "#   - filename: extension.py became importers.allow: [extension, '*.extension', __main__]" in text
        assert '\nschema: 1\nmodule: package\nimporters:\n  allow: [extension, "*.extension", __main__]\n' in text

    def test_unquoted_version_keeps_its_spelling(self, tmp_path: Path) -> None:
        source = tmp_path / "spymodel.yml"
        source.write_text(spymodel(deployment("version: 3.10")), encoding="utf-8")
        assert 'python: "==3.10.*"' in migrate(str(source))


class TestMigrateCommand:
    def test_migrate_writes_a_contract_that_lint_accepts(self, project: Project) -> None:
        project.write({"legacy/spymodel.yml": PLUGIN_SPYMODEL.replace("module: package\n", "")})
        migrated = project.python(
            "-m",
            "importspy_hook",
            "migrate",
            "legacy/spymodel.yml",
            "--module",
            "package",
            "-o",
            "contracts/package.yml",
        )
        assert migrated.returncode == 0, migrated.output
        assert "wrote contracts/package.yml" in migrated.stderr
        linted = project.python("-m", "importspy_hook", "lint", "contracts")
        assert linted.returncode == 0, linted.output
        assert "1 contract file: no problems" in linted.stderr

    def test_migrate_prints_to_standard_output_by_default(self, project: Project) -> None:
        project.write({"spymodel.yml": PLUGIN_SPYMODEL})
        result = project.python("-m", "importspy_hook", "migrate", "spymodel.yml")
        assert result.returncode == 0, result.output
        assert "\nschema: 1\nmodule: package\n" in result.stdout

    def test_invalid_spymodel_is_a_contract_error_with_exit_2(self, project: Project) -> None:
        project.write({"spymodel.yml": "filename: extension.py\nclases: []\n"})
        result = project.python("-m", "importspy_hook", "migrate", "spymodel.yml", "--module", "package")
        assert result.returncode == 2, result.output
        assert "spymodel.yml:2:1: unknown key 'clases' in an ImportSpy top; did you mean 'classes'?" in result.stderr
