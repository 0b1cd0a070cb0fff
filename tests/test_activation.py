"""Drop-in activation: real interpreters started in a venv that has the wheel (or the editable
tree) installed, guarded by IMPORTSPY_HOOK_CONTRACTS alone, with no change to the application."""

from __future__ import annotations

import os
import textwrap

import pytest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import Environment, Project

KEYS_CONTRACT = """
    module: payments.keys
    importers:
      allow: ["payments", "payments.*", "__main__"]
      deny: ["payments.plugins.*"]
"""

APP = {
    "payments/__init__.py": "",
    "payments/keys.py": """
        import pathlib
        pathlib.Path("side-effect").write_text("ran")
        KEY = "k"
    """,
    "payments/billing.py": "from payments import keys\n",
    "plugins/__init__.py": "",
    "plugins/evil.py": "import payments.keys\n",
    "contracts/payments.keys.yml": KEYS_CONTRACT,
}

# The application as it is: it knows nothing of importspy_hook.
IMPORT = """
    import pathlib, sys
    try:
        __import__(sys.argv[1])
    except ImportError as exc:
        print("REFUSED", type(exc).__name__, [v.rule for v in getattr(exc, "violations", ())])
        print("MESSAGE", exc)
    else:
        print("IMPORTED")
    print("RAN", pathlib.Path("side-effect").exists())
"""

FINDERS = """
    import sys
    print("FINDERS", sum(getattr(type(f), "_importspy_hook_finder", False) for f in sys.meta_path))
"""

ON = {"IMPORTSPY_HOOK_CONTRACTS": "contracts"}


def script(*parts: str) -> str:
    """Snippets of code, each dedented on its own, run one after the other."""
    return "".join(textwrap.dedent(part).lstrip("\n") for part in parts)


def stderr_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


class TestPackaging:
    def test_pth_and_start_files_are_at_the_root_of_site_packages(self, installed: Environment) -> None:
        site = installed.site_packages
        pth = (site / "importspy_hook.pth").read_text(encoding="utf-8")
        assert pth.count("\n") == 1
        assert pth.startswith('import os; os.environ.get("IMPORTSPY_HOOK_CONTRACTS")')
        assert (site / "importspy_hook.start").read_text(encoding="utf-8").split() == ["_importspy_hook_start:activate"]


class TestVariableUnset:
    @pytest.mark.parametrize("value", [None, ""])
    def test_nothing_of_importspy_hook_is_imported(
        self, installed: Environment, project: Project, value: str | None
    ) -> None:
        project.write(APP)
        env = {} if value is None else {"IMPORTSPY_HOOK_CONTRACTS": value}
        result = installed.run(
            project, "import sys\nprint(sorted(m for m in sys.modules if 'importspy_hook' in m))", env=env
        )
        assert result.stdout.strip() == "[]", result.output
        assert result.stderr == ""

    def test_imports_behave_as_without_the_hook(self, installed: Environment, project: Project) -> None:
        result = installed.run(project.write(APP), IMPORT, "plugins.evil")
        assert "IMPORTED" in result.stdout, result.output
        assert "RAN True" in result.stdout


class TestVariableSet:
    def test_denied_import_raises_importer_violation_with_no_code_change(
        self, installed: Environment, project: Project
    ) -> None:
        result = installed.run(project.write(APP), IMPORT, "plugins.evil", env=ON)
        assert "REFUSED ImporterViolation ['importers.allow']" in result.stdout, result.output
        assert "RAN False" in result.stdout
        assert result.stderr == ""

    def test_uncaught_violation_ends_the_application_like_any_import_error(
        self, installed: Environment, project: Project
    ) -> None:
        result = installed.run(project.write(APP), "import plugins.evil\n", env=ON)
        assert result.returncode == 1
        assert "ImporterViolation: payments.keys may not be imported by plugins.evil" in result.stderr

    def test_allowed_import_runs_the_module(self, installed: Environment, project: Project) -> None:
        result = installed.run(project.write(APP), IMPORT, "payments.billing", env=ON)
        assert "IMPORTED" in result.stdout, result.output
        assert "RAN True" in result.stdout

    def test_every_path_in_the_list_is_enforced(self, installed: Environment, project: Project) -> None:
        project.write(APP).write(
            {
                "more/billing.yml": """
                    module: payments.billing
                    importers:
                      allow: ["payments.*"]
                """
            }
        )
        both = {"IMPORTSPY_HOOK_CONTRACTS": os.pathsep.join(["contracts", "more/billing.yml"])}
        assert "REFUSED ImporterViolation" in installed.run(project, IMPORT, "payments.billing", env=both).stdout
        assert "REFUSED ImporterViolation" in installed.run(project, IMPORT, "plugins.evil", env=both).stdout

    def test_warn_mode_warns_and_lets_the_module_run(self, installed: Environment, project: Project) -> None:
        env = dict(ON, IMPORTSPY_HOOK_ON_VIOLATION="warn")
        result = installed.run(project.write(APP), IMPORT, "plugins.evil", env=env)
        assert "IMPORTED" in result.stdout, result.output
        assert "RAN True" in result.stdout
        assert "ContractWarning: payments.keys may not be imported by plugins.evil" in result.stderr

    def test_raise_mode_overrides_a_contract_that_only_warns(self, installed: Environment, project: Project) -> None:
        project.write(APP).write({"contracts/payments.keys.yml": KEYS_CONTRACT + "    on_violation: warn\n"})
        result = installed.run(project, IMPORT, "plugins.evil", env=dict(ON, IMPORTSPY_HOOK_ON_VIOLATION="raise"))
        assert "REFUSED ImporterViolation" in result.stdout, result.output

    def test_unknown_mode_is_reported_and_contracts_keep_their_own(
        self, installed: Environment, project: Project
    ) -> None:
        result = installed.run(
            project.write(APP), IMPORT, "plugins.evil", env=dict(ON, IMPORTSPY_HOOK_ON_VIOLATION="x")
        )
        assert stderr_lines(result.stderr) == [
            "importspy_hook: IMPORTSPY_HOOK_ON_VIOLATION='x' is neither raise nor warn; each contract's own "
            "on_violation applies. Set it to raise or warn, or unset it"
        ]
        assert "REFUSED ImporterViolation" in result.stdout


BROKEN_KEYS = {"contracts/payments.keys.yml": "module: payments.keys\nimporters:\n  allow: [payments\n"}


# ``stat`` is imported by ``os`` before site-packages is processed: no hook can guard it.
EARLY = {"contracts/stat.yml": "module: stat\nruntime: {os: [windows]}\n"}


class TestAlreadyImported:
    def test_contract_for_a_module_imported_before_start_up_is_reported(
        self, installed: Environment, project: Project
    ) -> None:
        result = installed.run(project.write(APP).write(EARLY), FINDERS, env=ON)
        assert "FINDERS 1" in result.stdout, result.output
        assert "ContractWarning: stat was imported before importspy_hook was installed" in result.stderr

    def test_under_warnings_as_errors_it_is_one_line_and_the_hook_still_runs(
        self, installed: Environment, project: Project
    ) -> None:
        env = dict(ON, PYTHONWARNINGS="error")
        result = installed.run(project.write(APP).write(EARLY), script(FINDERS, IMPORT), "plugins.evil", env=env)
        assert "FINDERS 1" in result.stdout, result.output
        assert "REFUSED ImporterViolation" in result.stdout
        (line,) = stderr_lines(result.stderr)
        assert line.startswith("importspy_hook: stat was imported before importspy_hook was installed"), line


class TestBrokenContracts:
    def test_one_stderr_line_names_file_position_and_what_to_do(self, installed: Environment, project: Project) -> None:
        result = installed.run(project.write(APP).write(BROKEN_KEYS), "import json\nprint('STARTED')\n", env=ON)
        assert result.returncode == 0
        assert "STARTED" in result.stdout
        (line,) = stderr_lines(result.stderr)
        assert line.startswith("importspy_hook: contracts/payments.keys.yml:4:1: not valid YAML: "), line
        assert line.endswith("; imports of payments.keys are refused until the file is fixed")
        assert "Traceback" not in result.stderr

    def test_protected_module_of_a_broken_contract_fails_closed(self, installed: Environment, project: Project) -> None:
        result = installed.run(project.write(APP).write(BROKEN_KEYS), IMPORT, "payments.billing", env=ON)
        assert "REFUSED ContractViolation ['contract.unreadable']" in result.stdout, result.output
        assert "its contract could not be read (contracts/payments.keys.yml:4:1: not valid YAML" in result.stdout
        # Any importer is refused alike: the header does not blame the one that tried.
        assert "MESSAGE payments.keys may not be imported (imported by payments.billing (" in result.stdout
        assert "RAN False" in result.stdout

    def test_other_contracts_are_still_enforced(self, installed: Environment, project: Project) -> None:
        project.write(APP).write({"contracts/zz.yml": "module: other\nruntime: {os: [plan9]}\n"})
        result = installed.run(project, IMPORT, "plugins.evil", env=ON)
        assert "REFUSED ImporterViolation" in result.stdout, result.output
        (line,) = stderr_lines(result.stderr)
        assert line.startswith('importspy_hook: contracts/zz.yml:2:16: unknown os "plan9"'), line

    def test_file_without_a_readable_module_name_is_reported_as_ignored(
        self, installed: Environment, project: Project
    ) -> None:
        project.write(APP).write({"contracts/zz.yml": "importers: {allow: [x]}\n"})
        result = installed.run(project, IMPORT, "payments.billing", env=ON)
        assert "IMPORTED" in result.stdout, result.output
        assert stderr_lines(result.stderr) == [
            'importspy_hook: contracts/zz.yml:1:1: missing required key "module"; the file was ignored, '
            "since not even its module name can be read. Fix the file"
        ]

    def test_missing_path_is_reported_and_the_rest_enforced(self, installed: Environment, project: Project) -> None:
        env = {"IMPORTSPY_HOOK_CONTRACTS": os.pathsep.join(["nowhere", "contracts"])}
        result = installed.run(project.write(APP), IMPORT, "plugins.evil", env=env)
        assert "REFUSED ImporterViolation" in result.stdout, result.output
        assert stderr_lines(result.stderr) == [
            "importspy_hook: nowhere: no such contract file or folder; check the path, or create it; "
            "its contracts are not enforced. Fix the path in IMPORTSPY_HOOK_CONTRACTS"
        ]

    def test_two_contracts_for_one_module_refuse_it(self, installed: Environment, project: Project) -> None:
        project.write(APP).write({"contracts/zz.yml": "module: payments.keys\n"})
        result = installed.run(project, IMPORT, "payments.billing", env=ON)
        assert "REFUSED ContractViolation ['contract.unreadable']" in result.stdout, result.output
        (line,) = stderr_lines(result.stderr)
        assert line == (
            "importspy_hook: contracts/zz.yml:1: module payments.keys already has a contract in "
            "contracts/payments.keys.yml; merge the two files, or remove one; imports of payments.keys "
            "are refused until then"
        )


class TestRunsOnce:
    AGAIN = """
        import site, sys, sysconfig
        site.addsitedir(sysconfig.get_paths()["purelib"])
        site.addsitedir(sysconfig.get_paths()["purelib"])
    """

    def test_pth_run_again_by_addsitedir_keeps_one_finder(self, installed: Environment, project: Project) -> None:
        result = installed.run(project.write(APP), script(self.AGAIN, FINDERS), env=ON)
        assert "FINDERS 1" in result.stdout, result.output

    def test_activation_error_is_reported_once(self, installed: Environment, project: Project) -> None:
        project.write(APP).write(BROKEN_KEYS)
        result = installed.run(project, script(self.AGAIN, FINDERS), env=ON)
        assert "FINDERS 1" in result.stdout, result.output
        assert len(stderr_lines(result.stderr)) == 1, result.stderr

    START = """
        import pkgutil, sys, sysconfig
        # What Python 3.15 does with a <name>.start file (PEP 829): resolve and call each entry.
        with open(sysconfig.get_paths()["purelib"] + "/importspy_hook.start") as stream:
            for entry in stream.read().split():
                pkgutil.resolve_name(entry)()
        print("MODULES", sorted(m for m in sys.modules if "importspy_hook" in m))
    """

    def test_start_entry_point_after_the_pth_keeps_one_finder(self, installed: Environment, project: Project) -> None:
        result = installed.run(project.write(APP), script(self.START, FINDERS), env=ON)
        assert "FINDERS 1" in result.stdout, result.output

    def test_start_entry_point_alone_activates(self, installed: Environment, project: Project) -> None:
        # Stands in for 3.15, where the .start file replaces the .pth import line.
        pth = installed.site_packages / "importspy_hook.pth"
        aside = pth.with_suffix(".aside")
        pth.rename(aside)
        try:
            result = installed.run(project.write(APP), script(self.START, FINDERS, IMPORT), "plugins.evil", env=ON)
        finally:
            aside.rename(pth)
        assert "FINDERS 1" in result.stdout, result.output
        assert "REFUSED ImporterViolation" in result.stdout

    def test_start_entry_point_with_the_variable_unset_imports_only_its_own_module(
        self, installed: Environment, project: Project
    ) -> None:
        result = installed.run(project.write(APP), script(self.START, FINDERS))
        assert "MODULES ['_importspy_hook_start']" in result.stdout, result.output
        assert "FINDERS 0" in result.stdout


def _without_file_access_override() -> None:
    # In the child, before exec: drop CAP_DAC_OVERRIDE (1) and CAP_DAC_READ_SEARCH (2) from
    # the bounding set (prctl PR_CAPBSET_DROP, 24), so that even root is refused a folder it
    # does not own whose mode says so, as another user is.
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


class TestContractFolders:
    """How activation reads the folders named in IMPORTSPY_HOOK_CONTRACTS (issue 15, item 4)."""

    @pytest.mark.parametrize("encode", [lambda t: t.replace("\n", "\r\n"), lambda t: "\ufeff" + t], ids=["crlf", "bom"])
    def test_a_broken_contract_saved_with_crlf_or_a_bom_refuses_its_module(
        self, installed: Environment, project: Project, encode: Callable[[str], str]
    ) -> None:
        project.write(APP)
        text = encode(BROKEN_KEYS["contracts/payments.keys.yml"])
        (project.root / "contracts" / "payments.keys.yml").write_bytes(text.encode("utf-8"))
        result = installed.run(project, IMPORT, "payments.billing", env=ON)
        assert "REFUSED ContractViolation ['contract.unreadable']" in result.stdout, result.output
        assert "imports of payments.keys are refused until the file is fixed" in result.stderr
        assert "RAN False" in result.stdout

    @pytest.mark.skipif(os.name != "posix", reason="folder modes and capabilities are POSIX")
    def test_an_unreadable_subfolder_leaves_the_other_contracts_in_force(
        self, installed: Environment, project: Project
    ) -> None:
        project.write(APP).write({"contracts/team/other.yml": "module: other\n"})
        private = project.root / "contracts" / "team"
        private.chmod(0o700)
        preexec = None
        if os.geteuid() == 0:
            # Run as root: the folder belongs to another user, and the child loses the
            # capabilities that let root read it anyway.
            os.chown(private, 65534, 65534)
            preexec = _without_file_access_override
        else:
            private.chmod(0)
        try:
            result = installed.run(project, IMPORT, "plugins.evil", env=ON, preexec_fn=preexec)
        finally:
            private.chmod(0o700)
        assert "REFUSED ImporterViolation" in result.stdout, result.output
        assert "RAN False" in result.stdout
        (line,) = stderr_lines(result.stderr)
        assert "contracts/team: cannot be read: Permission denied" in line, line
        assert line.endswith("the contracts in it are not enforced (the others are). Fix its permissions")

    @pytest.mark.skipif(os.name != "posix", reason="symbolic links to folders need privileges on Windows")
    def test_symlinked_subfolders_and_upper_case_suffixes_are_read(
        self, installed: Environment, project: Project
    ) -> None:
        project.write(APP)
        shared = project.root / "shared"
        shared.mkdir()
        (project.root / "contracts" / "payments.keys.yml").rename(shared / "payments.keys.YML")
        (project.root / "contracts" / "shared").symlink_to(shared, target_is_directory=True)
        # A link back up must not make the search loop.
        (shared / "loop").symlink_to(project.root / "contracts", target_is_directory=True)
        result = installed.run(project, IMPORT, "plugins.evil", env=ON)
        assert "REFUSED ImporterViolation" in result.stdout, result.output
        assert result.stderr == ""
        listed = project.python("-m", "importspy_hook", "list", "--contracts", "contracts")
        assert "payments.keys" in listed.stdout, listed.output


class TestOnlyActionableReports:
    """A "*" contract matches what no hook can precede: only what a user can act on is reported."""

    def test_a_star_contract_at_start_up_reports_nothing(self, installed: Environment, project: Project) -> None:
        project.write({"contracts/all.yml": 'module: "*"\n'})
        installed.run(project, "print('COLD')", env=ON)  # writes the compiled cache
        result = installed.run(project, "print('STARTED')", env=ON)
        assert "STARTED" in result.stdout
        assert result.stderr == "", result.stderr

    def test_install_with_a_star_contract_names_no_module_of_the_interpreter_or_the_hook(
        self, project: Project
    ) -> None:
        project.write({"contracts/all.yml": 'module: "*"\n', "mine.py": ""})
        script = """
            import warnings, mine
            import importspy_hook
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                importspy_hook.install("contracts")
            for warning in caught:
                print("WARNED", warning.message)
        """
        cold = project.run(script)
        result = project.run(script)
        assert cold.stdout == result.stdout, cold.output
        listed = result.stdout.partition("WARNED ")[2].partition(" imported before")[0].rpartition(" ")[0].split(", ")
        assert "mine" in listed, result.output
        for unactionable in ("sys", "builtins", "_imp", "site", "__main__", "importspy_hook", "_importspy_hook_guard"):
            assert unactionable not in listed, listed

    def test_install_with_a_star_contract_names_no_module_a_pth_file_imported(
        self, installed: Environment, project: Project
    ) -> None:
        # As setuptools' distutils-precedence.pth imports _distutils_hack at every start: no
        # call of install() can precede it. A module the program imported itself still counts.
        project.write({"contracts/all.yml": 'module: "*"\n', "mine.py": "", "early_by_pth.py": ""})
        pth = installed.site_packages / "aaa_early_test.pth"
        pth.write_text(
            "import os, sys; os.environ.get('EARLY_TEST_ROOT') and (sys.path.insert(0, os.environ['EARLY_TEST_ROOT'])"
            " or __import__('early_by_pth'))\n",
            encoding="utf-8",
        )
        script = """
            import sys, warnings, mine
            import importspy_hook
            print("EARLY", "early_by_pth" in sys.modules)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                importspy_hook.install("contracts")
            for warning in caught:
                print("WARNED", warning.message)
        """
        try:
            result = installed.run(project, script, env={"EARLY_TEST_ROOT": str(project.root)})
        finally:
            pth.unlink()
        assert "EARLY True" in result.stdout, result.output
        listed = result.stdout.partition("WARNED ")[2].partition(" imported before")[0].rpartition(" ")[0].split(", ")
        assert "mine" in listed, result.output
        assert "early_by_pth" not in listed, result.output
