"""Embedded mode: a module calls ``importspy_hook.guard()`` at its top, in fresh interpreters.

No test here installs the hook unless it says so: the library guards itself.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from importspy_hook import snapshot

if TYPE_CHECKING:
    from conftest import Project

KEYS_CONTRACT = """
    module: payments.keys
    importers:
      allow: ["payments.*", "__main__"]
      deny: ["payments.plugins.*"]
"""

# The protected module: guard() first, then code with an effect that must not happen when
# the import is refused.
KEYS_WITH_FILE = """
    import pathlib, sys
    import importspy_hook

    importer = importspy_hook.guard("keys.yml")

    pathlib.Path("side-effect").write_text("ran")
    print("IMPORTER", None if importer is None else importer.__name__,
          importer is sys.modules.get(getattr(importer, "__name__", None)))
"""

KEYS_WITH_MAPPING = """
    import pathlib, sys
    import importspy_hook

    importer = importspy_hook.guard({
        "importers": {"allow": ["payments.*", "__main__"], "deny": ["payments.plugins.*"]},
    })

    pathlib.Path("side-effect").write_text("ran")
    print("IMPORTER", None if importer is None else importer.__name__,
          importer is sys.modules.get(getattr(importer, "__name__", None)))
"""

PAYMENTS = {
    "payments/__init__.py": "",
    "payments/keys.yml": KEYS_CONTRACT,
    "payments/billing.py": "from payments import keys\n",
    "payments/plugins/__init__.py": "",
    "payments/plugins/evil.py": "import payments.keys\n",
    "plugins/__init__.py": "",
    "plugins/evil.py": "import payments.keys\n",
}

REPORT = """
    import importspy_hook, pathlib, sys
    try:
        __import__(sys.argv[1])
    except importspy_hook.ContractViolation as exc:
        print("VIOLATION", type(exc).__name__, exc.importer, [v.rule for v in exc.violations])
        print("MESSAGE", exc)
    else:
        print("IMPORTED")
    print("RAN", pathlib.Path("side-effect").exists())
    print("LEFT", "payments.keys" in sys.modules, hasattr(sys.modules["payments"], "keys"))
    print("HOOK", any(type(f).__name__ == "ContractFinder" for f in sys.meta_path))
"""


@pytest.fixture(params=["file", "mapping"])
def payments(request: pytest.FixtureRequest, project: Project) -> Project:
    """The payments package, its keys module guarding itself with a contract file or a mapping."""
    keys = KEYS_WITH_FILE if request.param == "file" else KEYS_WITH_MAPPING
    return project.write({**PAYMENTS, "payments/keys.py": keys})


class TestImportedByAModule:
    def test_allowed_importer_is_returned_and_is_that_module(self, payments: Project) -> None:
        result = payments.run(REPORT, "payments.billing")
        assert "IMPORTER payments.billing True" in result.stdout, result.output
        assert "IMPORTED" in result.stdout
        assert "RAN True" in result.stdout
        assert "HOOK False" in result.stdout  # nothing was installed

    def test_denied_importer_stops_the_module_before_the_code_after_guard(self, payments: Project) -> None:
        result = payments.run(REPORT, "plugins.evil")
        assert "VIOLATION ImporterViolation plugins.evil ['importers.allow']" in result.stdout, result.output
        assert "RAN False" in result.stdout
        assert "IMPORTER" not in result.stdout
        assert "LEFT False False" in result.stdout

    def test_deny_wins_over_allow(self, payments: Project) -> None:
        result = payments.run(REPORT, "payments.plugins.evil")
        assert "VIOLATION ImporterViolation payments.plugins.evil ['importers.deny']" in result.stdout, result.output
        assert "RAN False" in result.stdout

    def test_violation_message_is_the_hooks(self, project: Project) -> None:
        # The same contract file, once enforced by the hook and once by guard(): one message.
        project.write({**PAYMENTS, "payments/keys.py": KEYS_WITH_FILE})
        guarded = project.run(REPORT, "plugins.evil")
        hooked = project.run(
            """
            import importspy_hook
            importspy_hook.install("payments/keys.yml")
            try:
                import plugins.evil
            except importspy_hook.ImporterViolation as exc:
                print("MESSAGE", exc)
            """
        )
        contract = project.root / "payments" / "keys.yml"
        expected = (
            f"MESSAGE payments.keys may not be imported by plugins.evil ({project.root / 'plugins' / 'evil.py'}:1): "
            f'importers.allow in {contract}:3 is ["payments.*", "__main__"] and plugins.evil matches none of them; '
            f"import payments.keys from an allowed module, or add a pattern for plugins.evil to importers.allow"
        )
        assert expected in guarded.stdout, guarded.output
        assert expected.replace(str(contract), "payments/keys.yml") in hooked.stdout, hooked.output

    def test_traceback_ends_at_the_guard_line_of_the_protected_module(self, payments: Project) -> None:
        result = payments.run("import plugins.evil\n")
        assert result.returncode == 1
        frames = [line.strip() for line in result.stderr.splitlines() if line.strip().startswith("File ")]
        assert frames[-2].endswith("in <module>"), result.stderr
        assert "keys.py" in frames[-2]
        assert "_embedded.py" in frames[-1]
        assert "importspy_hook.ImporterViolation: payments.keys may not be imported by plugins.evil" in result.stderr

    def test_importer_is_the_module_that_imports_from_inside_a_function(self, payments: Project) -> None:
        payments.write({"payments/lazy.py": "def load():\n    import payments.keys\n"})
        result = payments.run("import payments.lazy\npayments.lazy.load()\n")
        assert "IMPORTER payments.lazy True" in result.stdout, result.output

    def test_importlib_import_module_is_not_the_importer(self, payments: Project) -> None:
        payments.write({"plugins/dynamic.py": "import importlib\nimportlib.import_module('payments.keys')\n"})
        result = payments.run(REPORT, "plugins.dynamic")
        assert "VIOLATION ImporterViolation plugins.dynamic ['importers.allow']" in result.stdout, result.output


class TestImportedByCodeOutsideAModule:
    def test_main_script_is_the_importer(self, payments: Project) -> None:
        result = payments.run("import payments.keys\n")
        assert "IMPORTER __main__ True" in result.stdout, result.output

    def test_python_c_code_is_the_main_importer(self, payments: Project) -> None:
        result = payments.python("-c", "import payments.keys")
        assert "IMPORTER __main__ True" in result.stdout, result.output

    def test_python_c_code_refused_when_main_is_not_allowed(self, project: Project) -> None:
        contract = KEYS_CONTRACT.replace('"__main__"', '"app"')
        project.write({**PAYMENTS, "payments/keys.py": KEYS_WITH_FILE, "payments/keys.yml": contract})
        result = project.python("-c", "import payments.keys")
        assert "importspy_hook.ImporterViolation: payments.keys may not be imported by __main__ (<string>:1)" in (
            result.stderr
        ), result.output
        assert not (project.root / "side-effect").exists()

    def test_python_m_has_no_importer(self, payments: Project) -> None:
        result = payments.python("-m", "payments.keys")
        assert "importspy_hook.ImporterViolation: payments.keys may not be run by python -m" in result.stderr, (
            result.output
        )
        assert not (payments.root / "side-effect").exists()

    def test_python_m_allowed_when_no_importers_rule(self, project: Project) -> None:
        project.write({**PAYMENTS, "payments/keys.py": KEYS_WITH_FILE, "payments/keys.yml": "module: payments.keys\n"})
        result = project.python("-m", "payments.keys")
        assert "IMPORTER None " in result.stdout, result.output


class TestRuntime:
    CONTRACT = """
        module: payments.keys
        runtime:
          env:
            STAGE: {one_of: [prod, staging]}
    """

    def test_failing_runtime_rule_refuses_every_importer(self, project: Project) -> None:
        project.write({**PAYMENTS, "payments/keys.py": KEYS_WITH_FILE, "payments/keys.yml": self.CONTRACT})
        result = project.run(REPORT, "payments.billing", env={"STAGE": "dev"})
        assert "VIOLATION RuntimeViolation payments.billing ['runtime.env.one_of']" in result.stdout, result.output
        contract = project.root / "payments" / "keys.yml"
        assert (
            f"payments.keys may not be imported in this runtime (imported by payments.billing "
            f"({project.root / 'payments' / 'billing.py'}:1)): runtime.env.STAGE in {contract}:4 requires STAGE "
            f'to be one of ["prod", "staging"], but it is "dev"'
        ) in result.stdout
        assert "RAN False" in result.stdout
        assert "LEFT False False" in result.stdout

    def test_holding_runtime_rule_lets_the_module_run(self, project: Project) -> None:
        project.write({**PAYMENTS, "payments/keys.py": KEYS_WITH_FILE, "payments/keys.yml": self.CONTRACT})
        result = project.run(REPORT, "payments.billing", env={"STAGE": "prod"})
        assert "IMPORTER payments.billing True" in result.stdout, result.output

    def test_runtime_mapping_names_the_guard_call_as_the_contracts_place(self, project: Project) -> None:
        keys = f"""
            import importspy_hook
            importspy_hook.guard({{"runtime": {{"os": "{"windows" if snapshot().os != "windows" else "linux"}"}}}})
        """
        project.write({**PAYMENTS, "payments/keys.py": keys})
        result = project.run(REPORT, "payments.billing")
        assert "VIOLATION RuntimeViolation payments.billing ['runtime.os']" in result.stdout, result.output
        assert f"runtime.os in {project.root / 'payments' / 'keys.py'}:2 is" in result.stdout


class TestImporterRequire:
    def test_require_is_checked_against_what_the_importer_defined_so_far(self, project: Project) -> None:
        keys = """
            import importspy_hook
            importspy_hook.guard({"importers": {"require": {"functions": [{"name": "register"}]}}})
            print("LOADED")
        """
        project.write(
            {
                **PAYMENTS,
                "payments/keys.py": keys,
                "plugins/good.py": "def register(): pass\nimport payments.keys\n",
            }
        )
        good = project.run(REPORT, "plugins.good")
        bad = project.run(REPORT, "plugins.evil")
        assert "LOADED" in good.stdout, good.output
        assert "VIOLATION StructureViolation plugins.evil ['importers.require.function.missing']" in bad.stdout, (
            bad.output
        )


class TestWithTheHookInstalled:
    WARNING_CONTRACT = "module: payments.keys\non_violation: warn\nimporters: {allow: [app]}\n"

    def test_an_import_the_hook_checked_is_not_checked_again(self, project: Project) -> None:
        # In warn mode every check that fails warns: one warning means one check.
        project.write({**PAYMENTS, "payments/keys.py": KEYS_WITH_FILE, "payments/keys.yml": self.WARNING_CONTRACT})
        code = """
            import sys, warnings, importspy_hook
            if sys.argv[1] == "hooked":
                importspy_hook.install("payments/keys.yml")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                import payments.billing
            print("WARNINGS", len(caught), sorted({str(w.message).split(":")[0] for w in caught}))
        """
        hooked = project.run(code, "hooked")
        alone = project.run(code, "alone")
        expected = "WARNINGS 1 ['payments.keys may not be imported by payments.billing (" + str(project.root)
        assert expected in hooked.stdout, hooked.output
        assert expected in alone.stdout, alone.output
        assert "IMPORTER payments.billing True" in hooked.stdout

    def test_the_modules_own_contract_still_holds_when_the_hooks_differs(self, project: Project) -> None:
        # An application's contract cannot switch off the library's own guard.
        project.write(
            {
                **PAYMENTS,
                "payments/keys.py": KEYS_WITH_FILE,
                "contracts/app.yml": "module: payments.keys\nimporters: {allow: ['*']}\n",
            }
        )
        result = project.run(
            """
            import importspy_hook
            importspy_hook.install("contracts")
            try:
                import plugins.evil
            except importspy_hook.ImporterViolation as exc:
                print("VIOLATION", exc.violations[0].contract)
            """
        )
        assert f"VIOLATION {project.root / 'payments' / 'keys.yml'}:3" in result.stdout, result.output
        assert not (project.root / "side-effect").exists()


class TestUnusableContracts:
    def test_provides_is_a_contract_error_saying_why(self, project: Project) -> None:
        contract = "module: payments.keys\nprovides:\n  functions: [{name: sign}]\n"
        project.write({**PAYMENTS, "payments/keys.py": KEYS_WITH_FILE, "payments/keys.yml": contract})
        result = project.run(REPORT, "payments.billing")
        assert result.returncode == 1
        assert (
            f"importspy_hook.ContractError: {project.root / 'payments' / 'keys.yml'}:2: provides cannot be checked "
            f"by guard(): it is called at the top of payments.keys, before the code that defines what provides "
            f"asks for has run"
        ) in result.stderr, result.output
        assert not (project.root / "side-effect").exists()

    def test_bad_mapping_names_the_guard_call_and_the_key_path(self, project: Project) -> None:
        keys = """
            import importspy_hook
            importspy_hook.guard({"importers": {"alow": ["payments.*"]}})
            print("RAN")
        """
        project.write({**PAYMENTS, "payments/keys.py": keys})
        result = project.run(
            """
            import sys, importspy_hook
            try:
                import payments.billing
            except importspy_hook.ContractError as exc:
                print("ERROR", exc)
            print("LEFT", "payments.keys" in sys.modules)
            """
        )
        assert (
            f'ERROR {project.root / "payments" / "keys.py"}:2: importers.alow: unknown key "alow"; '
            f'did you mean "allow"? allowed here: allow, deny, require'
        ) in result.stdout, result.output
        assert "RAN" not in result.stdout
        assert "LEFT False" in result.stdout

    def test_contract_of_another_module_is_refused(self, project: Project) -> None:
        project.write({**PAYMENTS, "payments/keys.py": KEYS_WITH_FILE, "payments/keys.yml": "module: payments.other\n"})
        result = project.run(REPORT, "payments.billing")
        assert (
            "module: this contract governs payments.other, but guard() is called by payments.keys" in result.stderr
        ), result.output

    def test_missing_contract_file_is_a_contract_error(self, project: Project) -> None:
        project.write({**PAYMENTS, "payments/keys.py": KEYS_WITH_FILE})
        (project.root / "payments" / "keys.yml").unlink()
        result = project.run(REPORT, "payments.billing")
        assert f"importspy_hook.ContractError: {project.root / 'payments' / 'keys.yml'}: cannot be read" in (
            result.stderr
        ), result.output
        assert not (project.root / "side-effect").exists()


class TestContractObjects:
    def test_a_contract_object_is_checked(self, project: Project) -> None:
        keys = """
            import importspy_hook
            CONTRACT = importspy_hook.Contract.from_dict(
                {"module": "payments.keys", "importers": {"deny": ["plugins.*"]}}, source="payments/policy.py"
            )
            importspy_hook.guard(CONTRACT)
            print("LOADED")
        """
        project.write({**PAYMENTS, "payments/keys.py": keys})
        good = project.run(REPORT, "payments.billing")
        bad = project.run(REPORT, "plugins.evil")
        assert "LOADED" in good.stdout, good.output
        assert "VIOLATION ImporterViolation plugins.evil ['importers.deny']" in bad.stdout, bad.output
        assert 'importers.deny in payments/policy.py:1 has "plugins.*"' in bad.stdout


class TestCompiledCache:
    def test_a_contract_file_loads_no_yaml_or_cattrs_cold_or_warm(self, project: Project) -> None:
        project.write({**PAYMENTS, "payments/keys.py": KEYS_WITH_FILE})
        code = """
            import sys
            import payments.billing
            print("LOADED", sorted(n for n in ("ruamel.yaml", "cattrs", "attrs") if n in sys.modules))
        """
        first = project.run(code)
        second = project.run(code)
        assert "IMPORTER payments.billing True" in first.stdout, first.output
        assert (project.root / "payments" / "__importspy_cache__").is_dir()
        assert "IMPORTER payments.billing True" in second.stdout, second.output
        assert "LOADED []" in second.stdout
        # Cold too: the contract file is parsed in a child interpreter, as install() does.
        assert "LOADED []" in first.stdout, first.output


ROOT = Path(__file__).resolve().parents[1]


def embedded_example(document: Path) -> tuple[str, str] | None:
    """The bash block of ``document`` that calls ``importspy_hook.guard(``, and the output shown
    after it (``Output of a real run ...::``); ``None`` when the document has none."""
    text = document.read_text(encoding="utf-8")
    for block in text.split(".. code-block:: bash\n\n")[1:]:
        script, marker, rest = block.partition("\nOutput of a real run")
        if marker and "importspy_hook.guard(" in script:
            shown = rest.split("::\n\n", 1)[1].split("\n\n", 1)[0]
            return textwrap.dedent(script), textwrap.dedent(shown)
    return None


class TestQuickstart:
    @pytest.mark.skipif(shutil.which("bash") is None, reason="the quickstart is a bash script")
    @pytest.mark.parametrize("document", ["docs/embedded.rst", "README.rst"])
    def test_the_documented_embedded_example_prints_what_the_docs_show(self, tmp_path: Path, document: str) -> None:
        example = embedded_example(ROOT / document)
        if example is None:
            assert document == "README.rst"
            pytest.skip("the README has no embedded example yet")
        script, shown = example
        # As the README's quickstart test runs it: pasted in an empty folder, it makes its own
        # under TMPDIR, whose name replaces the one the docs show.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("IMPORTSPY_HOOK_", "PYTHON"))}
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["TMPDIR"] = str(tmp_path / "tmp")
        (tmp_path / "tmp").mkdir()
        (tmp_path / "here").mkdir()
        folder_file = tmp_path / "folder"
        done = subprocess.run(
            ["bash", "-e", "-c", f'{script}\necho "$PWD" > {folder_file}\n'],
            cwd=tmp_path / "here",
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        folder = folder_file.read_text(encoding="utf-8").strip()
        shown_folder = re.search(r"/tmp/tmp\.[A-Za-z0-9]+", shown)
        assert shown_folder is not None
        assert done.stdout.replace(folder, shown_folder.group()) == shown + "\n"
        assert done.stderr == ""
        assert list((tmp_path / "here").iterdir()) == []
