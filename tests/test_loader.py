"""The proxy loader: checks run before the module's code, and nothing else about loading changes."""

from __future__ import annotations

import _imp
import sys
import textwrap
from typing import TYPE_CHECKING

import pytest

from importspy_hook import snapshot

if TYPE_CHECKING:
    from conftest import Project

OTHER_OS = "aix" if snapshot().os != "aix" else "linux"

SIDE_EFFECT = """
    import pathlib
    pathlib.Path("side-effect").write_text("ran")

    def boom():
        raise RuntimeError("boom inside guarded")
"""

PACKAGE = {
    "guarded/__init__.py": SIDE_EFFECT,
    "guarded/data.txt": "payload\n",
}


class TestModuleCodeDoesNotRunOnViolation:
    @pytest.mark.parametrize(
        ("contract", "cls"),
        [
            ("importers: {allow: [nobody]}", "ImporterViolation"),
            (f"runtime: {{os: {OTHER_OS}}}", "RuntimeViolation"),
            ("importers: {require: {functions: [{name: register}]}}", "StructureViolation"),
        ],
        ids=["importer", "runtime", "require"],
    )
    def test_no_side_effect_and_no_module(self, project: Project, contract: str, cls: str) -> None:
        project.write({**PACKAGE, "contracts/guarded.yml": f"module: guarded\n{contract}\n"})
        result = project.run(
            """
            import importspy_hook, pathlib, sys
            importspy_hook.install("contracts")
            try:
                import guarded
            except importspy_hook.ContractViolation as exc:
                print("VIOLATION", type(exc).__name__)
            print("RAN", pathlib.Path("side-effect").exists(), "guarded" in sys.modules)
            """
        )
        assert f"VIOLATION {cls}" in result.stdout, result.output
        assert "RAN False False" in result.stdout

    def test_extension_module_is_checked_before_it_loads(self, project: Project) -> None:
        project.write({"contracts/array.yml": f"module: array\nruntime: {{os: {OTHER_OS}}}\n"})
        result = project.run(
            """
            import importspy_hook, sys
            importspy_hook.install("contracts")
            try:
                import array
            except importspy_hook.RuntimeViolation:
                print("VIOLATION", "array" in sys.modules)
            importspy_hook.uninstall()
            import array
            print("LOADER", type(array.__loader__).__name__)
            """
        )
        assert "VIOLATION False" in result.stdout, result.output
        assert "LOADER ExtensionFileLoader" in result.stdout


GUARDED_CONTRACT = {"contracts/guarded.yml": "module: guarded\nimporters: {allow: [__main__]}\n"}


class TestLoaderFeaturesKeepWorking:
    def run(self, project: Project, code: str) -> str:
        result = project.write({**PACKAGE, **GUARDED_CONTRACT}).run(
            "import importspy_hook\nimportspy_hook.install('contracts')\nimport guarded\n" + textwrap.dedent(code)
        )
        assert result.returncode == 0, result.output
        return result.stdout

    def test_real_loader_is_handed_back(self, project: Project) -> None:
        out = self.run(
            project,
            """
            import importlib.machinery as m
            real = m.SourceFileLoader
            print(type(guarded.__loader__).__name__, type(guarded.__spec__.loader).__name__)
            print(guarded.__loader__ is guarded.__spec__.loader, isinstance(guarded.__loader__, real))
            """,
        )
        assert "SourceFileLoader SourceFileLoader\nTrue True" in out

    def test_a_protected_spec_found_before_the_import_passes_isinstance_for_the_real_loader(
        self, project: Project
    ) -> None:
        refusing = {"contracts/guarded.yml": "module: guarded\nimporters: {allow: [nobody]}\n"}
        result = project.write({**PACKAGE, **refusing}).run(
            """
            import importlib.machinery as m, importlib.util, sys
            import importspy_hook
            importspy_hook.install("contracts")
            spec = importlib.util.find_spec("guarded")
            print("BEFORE", isinstance(spec.loader, m.SourceFileLoader), type(spec.loader).__name__)
            try:
                import guarded
            except ImportError as exc:
                print("STILL CHECKED", type(exc).__name__)
            """
        )
        assert "BEFORE True GuardedLoader" in result.stdout, result.output
        assert "STILL CHECKED ImporterViolation" in result.stdout

    def test_importlib_resources_files(self, project: Project) -> None:
        out = self.run(
            project,
            """
            import importlib.resources
            print(repr(importlib.resources.files("guarded").joinpath("data.txt").read_text()))
            """,
        )
        assert "'payload\\n'" in out

    def test_inspect_getsource(self, project: Project) -> None:
        out = self.run(project, "import inspect\nprint(inspect.getsource(guarded.boom))")
        assert 'raise RuntimeError("boom inside guarded")' in out

    def test_pkgutil_get_data(self, project: Project) -> None:
        out = self.run(project, "import pkgutil\nprint(pkgutil.get_data('guarded', 'data.txt'))")
        assert "b'payload\\n'" in out

    def test_traceback_shows_source_lines(self, project: Project) -> None:
        out = self.run(
            project,
            "import traceback\ntry:\n    guarded.boom()\nexcept RuntimeError:\n    print(traceback.format_exc())",
        )
        assert 'guarded/__init__.py", line 5, in boom\n    raise RuntimeError("boom inside guarded")' in out

    def test_traceback_of_failing_module_code_shows_source_lines(self, project: Project) -> None:
        project.write(
            {
                "guarded/__init__.py": "X = 1\nraise ValueError('top-level failure')\n",
                **GUARDED_CONTRACT,
            }
        )
        result = project.run("import importspy_hook\nimportspy_hook.install('contracts')\nimport guarded\n")
        assert "raise ValueError('top-level failure')\nValueError: top-level failure" in result.stderr, result.output

    def test_loader_methods_are_forwarded_before_the_module_runs(self, project: Project) -> None:
        project.write(
            {
                "guarded/__init__.py": "",
                **GUARDED_CONTRACT,
                "show.py": """
                    import importlib.util
                    spec = importlib.util.find_spec("guarded")
                    loader = spec.loader
                    print(type(loader).__name__, loader.is_package("guarded"), loader.get_filename("guarded"))
                    print(repr(loader.get_source("guarded")), loader.get_code("guarded") is not None)
                """,
            }
        )
        result = project.run("import importspy_hook\nimportspy_hook.install('contracts')\nimport show\n")
        assert "GuardedLoader True" in result.stdout, result.output
        assert "guarded/__init__.py" in result.stdout
        assert "'' True" in result.stdout

    def test_module_in_a_zip_file(self, project: Project) -> None:
        project.write(GUARDED_CONTRACT)
        result = project.run(
            """
            import zipfile, sys
            with zipfile.ZipFile("bundle.zip", "w") as bundle:
                bundle.writestr("guarded.py", "def f():\\n    return 'zipped'\\n")
            sys.path.insert(0, "bundle.zip")
            import importspy_hook, inspect
            importspy_hook.install("contracts")
            import guarded
            print(guarded.f(), type(guarded.__loader__).__name__, inspect.getsource(guarded.f).splitlines()[1])
            """
        )
        assert "zipped zipimporter     return 'zipped'" in result.stdout, result.output


RELOADED = {
    "guarded.py": "import os\nSTAGE = os.environ.get('IMPORTSPY_TEST_STAGE')\n",
    "contracts/guarded.yml": "module: guarded\nruntime: {env: {IMPORTSPY_TEST_STAGE: prod}}\n",
}


class TestReload:
    def test_reload_checks_again(self, project: Project) -> None:
        result = project.write(RELOADED).run(
            """
            import importlib, os, importspy_hook
            os.environ["IMPORTSPY_TEST_STAGE"] = "prod"
            importspy_hook.install("contracts")
            import guarded
            print("FIRST", guarded.STAGE)
            os.environ["IMPORTSPY_TEST_STAGE"] = "dev"
            try:
                importlib.reload(guarded)
            except importspy_hook.RuntimeViolation as exc:
                print("RELOAD", [v.rule for v in exc.violations])
            print("KEPT", guarded.STAGE, type(guarded.__loader__).__name__, type(guarded.__spec__.loader).__name__)
            os.environ["IMPORTSPY_TEST_STAGE"] = "prod"
            importlib.reload(guarded)
            print("AGAIN", type(guarded.__loader__).__name__)
            """
        )
        assert "FIRST prod" in result.stdout, result.output
        assert "RELOAD ['runtime.env.equals']" in result.stdout
        # The failed reload did not run the module again: its globals are those of the first run.
        # ... and it holds the real loader, not the proxy.
        assert "KEPT prod SourceFileLoader SourceFileLoader" in result.stdout
        assert "AGAIN SourceFileLoader" in result.stdout


WARN = {
    "guarded.py": SIDE_EFFECT,
    "plugin.py": "import os\nimport guarded\n",
    "contracts/guarded.yml": "module: guarded\non_violation: warn\nimporters: {allow: [app]}\nruntime: {os: "
    + OTHER_OS
    + "}\n",
}

WARN_REPORT = """
    import importspy_hook, pathlib, sys, warnings
    importspy_hook.install("contracts")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import plugin
    print("IMPORTED", "guarded" in sys.modules, pathlib.Path("side-effect").exists())
    for w in caught:
        print("WARNING", w.category.__name__, w.filename, w.lineno)
        print("TEXT", w.message)
"""


class TestWarnMode:
    def test_warn_lets_the_import_go_on_with_one_warning(self, project: Project) -> None:
        result = project.write(WARN).run(WARN_REPORT)
        assert "IMPORTED True True" in result.stdout, result.output
        assert result.stdout.count("WARNING") == 1
        assert f"WARNING ContractWarning {project.root / 'plugin.py'} 2" in result.stdout

    def test_warning_text_is_the_violation_text(self, project: Project) -> None:
        warned = project.write(WARN).run(WARN_REPORT)
        text = next(line for line in warned.stdout.splitlines() if line.startswith("TEXT "))[len("TEXT ") :]
        project.write({"contracts/guarded.yml": WARN["contracts/guarded.yml"].replace("warn", "raise")})
        raised = project.run(
            """
            import importspy_hook
            importspy_hook.install("contracts")
            try:
                import plugin
            except importspy_hook.ImporterViolation as exc:
                print("TEXT", exc)
            """
        )
        assert f"TEXT {text}" in raised.stdout, raised.output
        assert "importers.allow" in text
        assert "runtime.os" in text

    def test_warnings_as_errors_turn_warn_back_into_failure(self, project: Project) -> None:
        result = project.write(WARN).run(
            """
            import importspy_hook, pathlib, sys, warnings
            warnings.simplefilter("error", importspy_hook.ContractWarning)
            importspy_hook.install("contracts")
            try:
                import plugin
            except importspy_hook.ContractWarning as exc:
                print("RAISED", type(exc).__name__, "may not be imported by plugin" in str(exc))
            print("RAN", pathlib.Path("side-effect").exists(), "guarded" in sys.modules)
            """
        )
        assert "RAISED ContractWarning True" in result.stdout, result.output
        assert "RAN False False" in result.stdout

    def test_install_can_turn_every_contract_to_warn(self, project: Project) -> None:
        project.write({**WARN, "contracts/guarded.yml": "module: guarded\nimporters: {allow: [app]}\n"})
        result = project.run(WARN_REPORT.replace('install("contracts")', 'install("contracts", on_violation="warn")'))
        assert "IMPORTED True True" in result.stdout, result.output
        assert result.stdout.count("WARNING ContractWarning") == 1

    def test_warn_and_raise_contracts_on_one_module(self, project: Project) -> None:
        project.write({**WARN, "contracts/all.yml": 'module: "guard*"\nruntime: {python: "<3"}\n'})
        result = project.run(
            """
            import importspy_hook, pathlib, warnings
            importspy_hook.install("contracts")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    import plugin
                except importspy_hook.RuntimeViolation as exc:
                    print("RAISED", [v.rule for v in exc.violations])
            print("WARNED", len(caught), pathlib.Path("side-effect").exists())
            """
        )
        assert "RAISED ['runtime.python']" in result.stdout, result.output
        assert "WARNED 1 False" in result.stdout


class TestSpecsAndModulesLeftAlone:
    def test_spec_attributes_are_those_of_the_real_spec(self, project: Project) -> None:
        project.write({**PACKAGE, **GUARDED_CONTRACT, "guarded/sub.py": ""})
        code = """
            import importlib.util, sys
            HOOK
            spec = importlib.util.find_spec("guarded")
            print(spec.name, spec.origin, spec.cached, spec.has_location, spec.parent,
                  spec.submodule_search_locations, spec.loader_state, type(spec.loader).__name__)
        """
        plain = project.run(code.replace("HOOK", ""))
        hooked = project.run(code.replace("HOOK", "import importspy_hook; importspy_hook.install('contracts')"))
        assert plain.returncode == hooked.returncode == 0, plain.output + hooked.output
        assert plain.stdout.replace("SourceFileLoader", "GuardedLoader") == hooked.stdout

    def test_namespace_package_is_not_guarded(self, project: Project) -> None:
        project.write({"spaced/part.py": "", "contracts/spaced.yml": "module: spaced\nimporters: {allow: [nobody]}\n"})
        result = project.run(
            "import importspy_hook\nimportspy_hook.install('contracts')\n"
            "import spaced\nprint('IMPORTED', spaced.__file__)"
        )
        assert "IMPORTED None" in result.stdout, result.output

    @pytest.mark.skipif("itertools" not in sys.builtin_module_names, reason="itertools is built in here")
    def test_builtin_module_is_not_guarded(self, project: Project) -> None:
        project.write({"contracts/itertools.yml": "module: itertools\nimporters: {allow: [nobody]}\n"})
        result = project.run(
            "import sys\nsys.modules.pop('itertools', None)\n"
            "import importspy_hook\nimportspy_hook.install('contracts')\nimport itertools\n"
            "print('IMPORTED', itertools.__spec__.loader.__name__)"
        )
        assert "IMPORTED BuiltinImporter" in result.stdout, result.output

    @pytest.mark.skipif(not _imp.is_frozen("ntpath"), reason="ntpath is frozen from Python 3.11")
    def test_frozen_module_is_not_guarded(self, project: Project) -> None:
        project.write({"contracts/ntpath.yml": "module: ntpath\nimporters: {allow: [nobody]}\n"})
        result = project.run(
            "import sys\nsys.modules.pop('ntpath', None)\n"
            "import importspy_hook\nimportspy_hook.install('contracts')\nimport ntpath\n"
            "print('IMPORTED', ntpath.__spec__.loader.__name__)"
        )
        assert "IMPORTED FrozenImporter" in result.stdout, result.output
