"""The command line: ``importspy-hook`` / ``python -m importspy_hook``.

Commands that only read contracts run in this process through click's ``CliRunner``; commands
that import a TARGET run as real ``python -m importspy_hook`` subprocesses in a sandbox project,
so that no test sees another's modules.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

import importspy_hook
from importspy_hook.cli import cli

if TYPE_CHECKING:
    from conftest import Project

REPO = Path(__file__).resolve().parent.parent
OTHER_OS = "windows" if sys.platform != "win32" else "linux"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

STAGE_CONTRACT = """
    # Needs a production-like stage.
    module: service.api
    runtime:
      python: ">=3.8"
      env:
        CLI_TEST_STAGE: {one_of: [prod, staging]}
"""

PLAIN_CONTRACT = """
    module: service.db
    on_violation: warn
    importers:
      allow: ["service.*"]
    provides:
      functions: [{name: connect}]
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def contracts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder, made the current folder, with two contracts in ./contracts."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"contracts/service.api.yml": STAGE_CONTRACT, "contracts/service.db.yml": PLAIN_CONTRACT})
    return tmp_path / "contracts"


def cli_run(project: Project, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m importspy_hook ARGS`` in the project folder."""
    result = project.python("-m", "importspy_hook", *args, env=env)
    return subprocess.CompletedProcess(args, result.returncode, result.stdout, result.stderr)


class TestExitCodes:
    def test_all_contracts_kept_exits_0(self, contracts: Path) -> None:
        code, out, _ = invoke("check", env={"CLI_TEST_STAGE": "prod"})
        assert code == 0
        assert out.splitlines()[-1] == "2 kept, 0 broken"

    def test_a_broken_contract_exits_1(self, contracts: Path) -> None:
        code, out, _ = invoke("check", env={"CLI_TEST_STAGE": "dev"})
        assert code == 1
        assert "BROKEN service.api" in out

    def test_a_contract_error_exits_2_with_file_line_col(self, contracts: Path) -> None:
        (contracts / "service.api.yml").write_text("module: service.api\nruntime:\n  pyton: '>=3'\n", encoding="utf-8")
        code, out, err = invoke("check")
        assert code == 2
        assert out == ""
        assert err.splitlines()[0].startswith(f'{Path("contracts") / "service.api.yml"}:3:3: unknown key "pyton"')

    def test_a_missing_contracts_folder_exits_2_with_a_clear_message(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        code, _, err = invoke("check")
        assert code == 2
        assert "no contracts folder at ./contracts (the default)" in err
        assert "--contracts PATH" in err

    def test_a_missing_contracts_path_given_exits_2_naming_it(self, contracts: Path) -> None:
        code, _, err = invoke("check", "--contracts", "elsewhere")
        assert code == 2
        assert err.startswith("elsewhere: no such contract file or folder")

    def test_an_unknown_option_is_a_usage_error_exit_2(self, contracts: Path) -> None:
        code, _, err = invoke("check", "--colour")
        assert code == 2
        assert "No such option" in err

    def test_an_internal_failure_exits_3_with_a_hint_to_use_debug(
        self, contracts: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(registry: object) -> None:
            raise RuntimeError("the evaluator broke")

        monkeypatch.setattr("importspy_hook.cli.evaluation.runtime_report", broken)
        code, _, err = invoke("check")
        assert code == 3
        assert "internal error: RuntimeError: the evaluator broke" in err
        assert "--debug" in err
        assert "Traceback" not in err

    def test_debug_shows_the_traceback_of_an_internal_failure(
        self, contracts: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(registry: object) -> None:
            raise RuntimeError("the evaluator broke")

        monkeypatch.setattr("importspy_hook.cli.evaluation.runtime_report", broken)
        code, _, err = invoke("--debug", "check")
        assert code == 3
        assert "Traceback (most recent call last)" in err
        assert "RuntimeError: the evaluator broke" in err

    def test_python_dash_m_exits_with_each_code(self, project: Project) -> None:
        project.write({"contracts/service.api.yml": STAGE_CONTRACT})
        assert cli_run(project, "check", env={"CLI_TEST_STAGE": "prod"}).returncode == 0
        assert cli_run(project, "check", env={"CLI_TEST_STAGE": "dev"}).returncode == 1
        missing = cli_run(project, "check", "--contracts", "nowhere")
        assert missing.returncode == 2
        assert "nowhere: no such contract file or folder" in missing.stderr
        project.write({"contracts/broken.yml": "module: [x\n"})
        broken = cli_run(project, "check")
        assert broken.returncode == 2
        assert re.search(r"contracts/broken\.yml:\d+:\d+: not valid YAML", broken.stderr)

    def test_the_console_script_is_installed_and_works(self, project: Project) -> None:
        script = Path(sys.executable).with_name("importspy-hook")
        if not script.exists():
            pytest.skip("the console script is not installed next to this interpreter")
        project.write({"contracts/service.api.yml": STAGE_CONTRACT})
        done = project.run(
            "import subprocess, sys; sys.exit(subprocess.call([sys.argv[1], 'check']))",
            str(script),
            env={"CLI_TEST_STAGE": "staging"},
        )
        assert done.returncode == 0, done.output
        assert "1 kept, 0 broken" in done.stdout

    def test_version_prints_the_package_version(self) -> None:
        code, out, _ = invoke("--version")
        assert code == 0
        assert out == f"importspy-hook {importspy_hook.__version__}\n"


class TestHelp:
    @pytest.mark.parametrize("command", ["check", "lint", "list", "snapshot", "init"])
    def test_every_command_has_help_with_an_example(self, command: str) -> None:
        code, out, _ = invoke(command, "--help")
        assert code == 0
        assert "Examples:" in out
        assert f"importspy-hook {command}" in out


class TestTextFormat:
    def test_one_line_per_contract_then_violations_then_summary(self, contracts: Path) -> None:
        code, out, _ = invoke("check", env={"CLI_TEST_STAGE": "dev"})
        assert code == 1
        lines = out.splitlines()
        assert lines[0] == f"BROKEN service.api  {Path('contracts') / 'service.api.yml'}:2  [runtime]"
        assert lines[1].split() == ["runtime.env.one_of", f"{Path('contracts') / 'service.api.yml'}:6"]
        assert 'requires CLI_TEST_STAGE to be one of ["prod", "staging"], but it is "dev"' in lines[2]
        assert lines[3].startswith("KEPT   service.db")
        assert lines[-1] == "1 kept, 1 broken"

    def test_no_colour_when_the_output_is_not_a_terminal(self, project: Project) -> None:
        project.write({"contracts/service.api.yml": STAGE_CONTRACT})
        done = cli_run(project, "check", env={"CLI_TEST_STAGE": "dev"})
        assert done.returncode == 1
        assert "\x1b[" not in done.stdout

    @pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
    @pytest.mark.parametrize(("no_color", "coloured"), [(None, True), ("1", False)])
    def test_colour_only_on_a_terminal_and_never_with_no_color(
        self, project: Project, no_color: str | None, coloured: bool
    ) -> None:
        project.write({"contracts/service.api.yml": STAGE_CONTRACT})
        env = {"CLI_TEST_STAGE": "dev"}
        if no_color is not None:
            env["NO_COLOR"] = no_color
        out = run_on_terminal(project, ["check"], env)
        assert "BROKEN" in out
        assert ("\x1b[31m" in out) is coloured
        assert "1 broken" in ANSI.sub("", out)


def run_on_terminal(project: Project, args: list[str], env: dict[str, str]) -> str:
    """Run ``python -m importspy_hook ARGS`` with its standard output on a pseudo-terminal."""
    import pty

    leader, follower = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    full_env.update(env, PYTHONPATH=str(project.root))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "importspy_hook", *args],
            cwd=project.root,
            env=full_env,
            stdout=follower,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    assert done.returncode == 1, done.stderr
    return b"".join(chunks).decode()


class TestJsonFormat:
    def test_the_report_has_the_documented_keys_and_values(self, contracts: Path) -> None:
        code, out, _ = invoke("check", "--format", "json", env={"CLI_TEST_STAGE": "dev"})
        assert code == 1
        data = json.loads(out)
        assert set(data) == {"schema", "version", "tool", "ok", "targets", "summary", "contracts", "violations"}
        assert data["schema"] == "importspy-hook/check"
        assert data["version"] == 1
        assert data["tool"] == {"name": "importspy-hook", "version": importspy_hook.__version__}
        assert data["ok"] is False
        assert data["targets"] == []
        assert data["summary"] == {"kept": 1, "broken": 1}
        api_file = str(Path("contracts") / "service.api.yml")
        assert data["contracts"] == [
            {
                "module": "service.api",
                "subject": None,
                "file": api_file,
                "line": 2,
                "on_violation": "raise",
                "checked": ["runtime"],
                "status": "broken",
                "violations": 1,
            },
            {
                "module": "service.db",
                "subject": None,
                "file": str(Path("contracts") / "service.db.yml"),
                "line": 1,
                "on_violation": "warn",
                "checked": [],
                "status": "kept",
                "violations": 0,
            },
        ]
        (violation,) = data["violations"]
        assert set(violation) == {
            "module",
            "rule",
            "message",
            "contract",
            "file",
            "line",
            "importer",
            "importer_file",
            "importer_line",
            "level",
        }
        assert violation["module"] == "service.api"
        assert violation["rule"] == "runtime.env.one_of"
        assert violation["message"].startswith(f"runtime.env.CLI_TEST_STAGE in {api_file}:6 requires")
        assert violation["contract"] == f"{api_file}:6"
        assert violation["file"] == api_file
        assert violation["line"] == 6
        assert violation["importer"] is None
        assert violation["level"] == "error"

    def test_a_kept_run_is_ok_with_no_violations(self, contracts: Path) -> None:
        code, out, _ = invoke("check", "--format", "json", env={"CLI_TEST_STAGE": "prod"})
        assert code == 0
        data = json.loads(out)
        assert data["ok"] is True
        assert data["violations"] == []
        assert [c["status"] for c in data["contracts"]] == ["kept", "kept"]

    def test_output_writes_the_report_to_a_file(self, contracts: Path, tmp_path: Path) -> None:
        code, out, _ = invoke(
            "check", "--format", "json", "--output", str(tmp_path / "report.json"), env={"CLI_TEST_STAGE": "dev"}
        )
        assert code == 1
        assert out == ""
        assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["ok"] is False


class TestSarifFormat:
    def test_the_log_has_the_required_sarif_structure(self, contracts: Path) -> None:
        code, out, _ = invoke("check", "--format", "sarif", env={"CLI_TEST_STAGE": "dev"})
        assert code == 1
        log = json.loads(out)
        assert log["version"] == "2.1.0"
        assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
        (run,) = log["runs"]
        driver = run["tool"]["driver"]
        assert driver["name"] == "importspy-hook"
        assert driver["version"] == importspy_hook.__version__
        assert [rule["id"] for rule in driver["rules"]] == ["runtime.env.one_of"]
        assert driver["rules"][0]["shortDescription"]["text"]
        (result,) = run["results"]
        assert result["ruleId"] == "runtime.env.one_of"
        assert result["ruleIndex"] == 0
        assert result["level"] == "error"
        assert "CLI_TEST_STAGE" in result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "contracts/service.api.yml"
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert physical["region"]["startLine"] == 6
        assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == Path.cwd().resolve().as_uri() + "/"

    def test_one_rule_per_rule_id_however_many_results(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        write(
            tmp_path,
            {
                "contracts/a.yml": "module: a\nruntime:\n  env:\n    CLI_TEST_A: {required: true}\n",
                "contracts/b.yml": "module: b\non_violation: warn\nruntime: {env: {CLI_TEST_B: {required: true}}}\n",
                "contracts/c.yml": f"module: c\nruntime:\n  os: [{OTHER_OS}]\n",
            },
        )
        code, out, _ = invoke("check", "--format", "sarif")
        assert code == 1
        run = json.loads(out)["runs"][0]
        assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["runtime.env.required", "runtime.os"]
        results = {
            (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]): r for r in run["results"]
        }
        assert set(results) == {
            ("runtime.env.required", "contracts/a.yml"),
            ("runtime.env.required", "contracts/b.yml"),
            ("runtime.os", "contracts/c.yml"),
        }
        # A warn-mode contract's violation is a SARIF warning, the others errors.
        assert results[("runtime.env.required", "contracts/b.yml")]["level"] == "warning"
        assert results[("runtime.os", "contracts/c.yml")]["level"] == "error"
        assert results[("runtime.os", "contracts/c.yml")]["ruleIndex"] == 1


class TestCheckTarget:
    FILES = {  # noqa: RUF012
        "contracts/shop.cart.yml": """
            module: shop.cart
            importers:
              allow: ["nobody.*"]
            runtime:
              env:
                CLI_TEST_SHOP: {required: true}
            provides:
              functions: [{name: total}]
        """,
        "shop/__init__.py": "",
        "shop/cart.py": """
            open("cart-ran", "w").close()
            def total(items): return sum(items)
        """,
    }

    def test_a_module_name_is_imported_and_kept(self, project: Project) -> None:
        project.write(self.FILES)
        done = cli_run(project, "check", "shop.cart", env={"CLI_TEST_SHOP": "1"})
        assert done.returncode == 0, done.stderr
        # The command is the importer: the contract's importers.allow is not applied to it.
        assert done.stdout.splitlines()[0].startswith("KEPT   shop.cart")
        assert "[runtime, provides]" in done.stdout
        assert (project.root / "cart-ran").exists()

    def test_a_file_path_is_checked_as_its_dotted_module(self, project: Project) -> None:
        project.write(self.FILES)
        done = cli_run(project, "check", "--format", "json", "shop/cart.py", env={"CLI_TEST_SHOP": "1"})
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        assert data["targets"] == ["shop/cart.py"]
        assert data["contracts"][0]["subject"] == "shop.cart"

    def test_a_broken_runtime_is_reported_and_the_module_does_not_run(self, project: Project) -> None:
        project.write(self.FILES)
        done = cli_run(project, "check", "shop.cart")
        assert done.returncode == 1
        assert "runtime.env.required" in done.stdout
        assert not (project.root / "cart-ran").exists()

    def test_a_missing_provided_function_is_reported(self, project: Project) -> None:
        project.write(self.FILES)
        project.write({"shop/cart.py": "def subtotal(items): return 0\n"})
        done = cli_run(project, "check", "--format", "json", "shop.cart", env={"CLI_TEST_SHOP": "1"})
        assert done.returncode == 1
        (violation,) = json.loads(done.stdout)["violations"]
        assert violation["rule"] == "provides.function.missing"
        assert violation["module"] == "shop.cart"
        assert violation["contract"] == "contracts/shop.cart.yml:8"

    def test_a_contracted_module_the_target_imports_is_guarded_with_the_target_as_importer(
        self, project: Project
    ) -> None:
        project.write(self.FILES)
        project.write(
            {
                "contracts/shop.web.yml": "module: shop.web\nprovides:\n  variables: [{name: ROUTES}]\n",
                "shop/web.py": "import shop.cart\nROUTES = []\n",
            }
        )
        done = cli_run(project, "check", "--format", "json", "shop.web", env={"CLI_TEST_SHOP": "1"})
        assert done.returncode == 1
        data = json.loads(done.stdout)
        (violation,) = data["violations"]
        assert violation["rule"] == "importers.allow"
        assert violation["module"] == "shop.cart"
        assert violation["importer"] == "shop.web"

    def test_a_target_without_any_contract_is_a_usage_error(self, project: Project) -> None:
        project.write(self.FILES)
        project.write({"lonely.py": "X = 1\n"})
        done = cli_run(project, "check", "lonely")
        assert done.returncode == 2
        assert "no contract governs lonely or any module it imports" in done.stderr
        assert "importspy-hook init lonely" in done.stderr

    def test_a_target_that_fails_to_import_is_a_usage_error_naming_its_line(self, project: Project) -> None:
        project.write(self.FILES)
        project.write({"shop/cart.py": "x = 1\nraise ValueError('bad config')\n"})
        done = cli_run(project, "check", "shop.cart", env={"CLI_TEST_SHOP": "1"})
        assert done.returncode == 2
        assert "importing shop.cart failed: ValueError: bad config" in done.stderr
        assert f"{project.root / 'shop' / 'cart.py'}:2" in done.stderr

    def test_contract_adds_a_contract_file(self, project: Project) -> None:
        project.write(self.FILES)
        project.write({"extra/shop.yml": "module: shop\nprovides:\n  variables: [{name: NAME}]\n"})
        done = cli_run(project, "check", "--contract", "extra/shop.yml", "shop.cart", env={"CLI_TEST_SHOP": "1"})
        assert done.returncode == 1
        assert "BROKEN shop  extra/shop.yml:1  [provides]" in done.stdout
        assert "provides.variable.missing" in done.stdout


class TestAsImporterOf:
    FILES = {  # noqa: RUF012
        "contracts/app.core.yml": """
            module: app.core
            importers:
              deny: ["plugins.untrusted*"]
              require:
                classes:
                  - name: Plugin
                    methods: [{name: run, arguments: [{name: self}]}]
                functions: [{name: register, arguments: [{name: registry}]}]
        """,
        "app/__init__.py": "",
        "app/core.py": "PLUGINS = []\n",
    }

    def test_a_plugin_that_defines_what_the_core_requires_passes(self, project: Project) -> None:
        project.write(self.FILES)
        project.write(
            {
                "plugins/report.py": """
                    class Plugin:
                        def run(self): ...
                    def register(registry): ...
                    import app.core
                """,
            }
        )
        done = cli_run(project, "check", "plugins/report.py", "--as-importer-of", "app.core")
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.startswith("KEPT   app.core")
        assert "[importers" in done.stdout

    def test_a_plugin_missing_a_required_method_fails_without_importing_the_core(self, project: Project) -> None:
        project.write(self.FILES)
        project.write({"plugins/report.py": "class Plugin:\n    pass\ndef register(registry): ...\n"})
        done = cli_run(project, "check", "--format", "json", "plugins/report.py", "--as-importer-of", "app.core")
        assert done.returncode == 1
        (violation,) = json.loads(done.stdout)["violations"]
        assert violation["rule"] == "importers.require.method.missing"
        assert violation["module"] == "app.core"
        assert violation["importer"] == "report"

    def test_a_plugin_whose_name_is_denied_fails(self, project: Project) -> None:
        project.write(self.FILES)
        project.write(
            {
                "plugins/__init__.py": "",
                "plugins/untrusted_x.py": "class Plugin:\n    def run(self): ...\ndef register(registry): ...\n",
            }
        )
        done = cli_run(project, "check", "plugins/untrusted_x.py", "--as-importer-of", "app.core")
        assert done.returncode == 1
        assert "importers.deny" in done.stdout
        assert "importer: plugins.untrusted_x" in done.stdout

    def test_a_plugin_importing_the_core_at_its_top_is_checked_as_it_would_be_at_run_time(
        self, project: Project
    ) -> None:
        project.write(self.FILES)
        early = """
            import app.core
            class Plugin:
                pass
            def register(registry): ...
        """
        project.write({"plugins/early.py": early})
        done = cli_run(project, "check", "plugins/early.py", "--as-importer-of", "app.core")
        assert done.returncode == 1
        assert "importers.require.method.missing" in done.stdout
        assert "importer: early" in done.stdout
        project.write({"plugins/early.py": early.replace("pass", "def run(self): ...")})
        assert cli_run(project, "check", "plugins/early.py", "--as-importer-of", "app.core").returncode == 0

    def test_an_unknown_host_module_is_a_usage_error(self, project: Project) -> None:
        project.write(self.FILES)
        project.write({"plugins/report.py": "X = 1\n"})
        done = cli_run(project, "check", "plugins/report.py", "--as-importer-of", "app.other")
        assert done.returncode == 2
        assert "no contract governs app.other" in done.stderr


class TestLint:
    def test_clean_files_exit_0(self, contracts: Path) -> None:
        code, out, err = invoke("lint", str(contracts))
        assert code == 0
        assert out == ""
        assert err == "2 contract files: no problems\n"

    def test_an_unknown_arch_is_accepted_and_only_warned_about(self, project: Project) -> None:
        # sparc64 is a real platform.machine() value: a contract may name it.
        machine = os.uname().machine.lower() if hasattr(os, "uname") else "x86_64"
        project.write(
            {
                "guarded.py": "",
                "contracts/guarded.yml": f"module: guarded\nruntime:\n  arch: [sparc64, {machine}]\n",
                "contracts/other.yml": "module: other\nruntime:\n  arch: sparc64\n",
                "other.py": "",
            }
        )
        linted = cli_run(project, "lint")
        assert linted.returncode == 0, linted.stdout + linted.stderr
        assert 'contracts/guarded.yml:3: warning: unknown arch "sparc64" is accepted as written' in linted.stdout
        assert "2 contract files: no problems" in linted.stderr
        result = project.run(
            """
            import importspy_hook
            importspy_hook.install("contracts")
            import guarded
            try:
                import other
            except importspy_hook.RuntimeViolation as exc:
                print("REFUSED", [v.rule for v in exc.violations])
            """
        )
        assert "REFUSED ['runtime.arch']" in result.stdout, result.output

    def test_every_problem_of_every_file_is_reported_with_its_position(self, tmp_path: Path) -> None:
        write(
            tmp_path,
            {
                "a.yml": "module: a\non_violaton: raise\nruntime:\n  python: '>=three'\n",
                "more/b.yml": "module: b\nruntime:\n  env:\n    DEBUG: true\n",
                "more/c.yml": "module: app\n",
                "more/d.yml": "module: app\n",
            },
        )
        code, out, err = invoke("lint", str(tmp_path / "a.yml"), str(tmp_path / "more"), str(tmp_path / "nowhere"))
        assert code == 2
        lines = out.splitlines()
        a, b, c, d = (str(tmp_path / name) for name in ("a.yml", "more/b.yml", "more/c.yml", "more/d.yml"))
        assert lines[0].startswith(f'{a}:2:1: unknown key "on_violaton"; did you mean "on_violation"?')
        assert lines[1].startswith(f'{a}:4:11: ">=three" is not a PEP 440 specifier')
        assert lines[2].startswith(f"{b}:4:12: ")
        assert 'quote it: "true"' in lines[2]
        assert lines[3].startswith(f"{tmp_path / 'nowhere'}: no such contract file or folder")
        assert lines[4] == f"{d}:1: module app already has a contract in {c}; merge the two files or remove one"
        assert len(lines) == 5
        assert err == "4 contract files: 5 problems\n"


class TestList:
    def test_a_table_of_module_file_mode_and_checked_parts(self, contracts: Path) -> None:
        code, out, _ = invoke("list")
        assert code == 0
        header, api, db = out.splitlines()
        assert header.split() == ["MODULE", "FILE", "ON_VIOLATION", "CHECKS"]
        assert api.split() == [
            "service.api",
            f"{Path('contracts') / 'service.api.yml'}:2",
            "raise",
            "runtime.python,",
            "runtime.env",
        ]
        assert db.split() == [
            "service.db",
            f"{Path('contracts') / 'service.db.yml'}:1",
            "warn",
            "importers.allow,",
            "provides",
        ]


class TestSnapshot:
    def test_names_only_by_default(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        code, out, _ = invoke("snapshot", "--format", "json", env={"CLI_TEST_VISIBLE": "shown-only-on-request"})
        assert code == 0
        data = json.loads(out)
        snap = importspy_hook.snapshot()
        assert data["os"] == snap.os
        assert data["arch"] == snap.arch
        assert data["python"] == snap.python
        assert data["implementation"] == snap.implementation
        assert "CLI_TEST_VISIBLE" in data["env"]["names"]
        assert data["env"]["values"] == {}
        assert "shown-only-on-request" not in out

    def test_values_only_for_names_asked_for(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        env = {"CLI_TEST_VISIBLE": "eu-west-1", "CLI_TEST_OTHER": "not-asked"}
        code, out, _ = invoke(
            "snapshot", "--format", "json", "--env", "CLI_TEST_VISIBLE", "--env", "CLI_UNSET", env=env
        )
        assert code == 0
        data = json.loads(out)
        assert data["env"]["values"] == {"CLI_TEST_VISIBLE": "eu-west-1"}
        assert data["env"]["unset"] == ["CLI_UNSET"]
        assert "not-asked" not in out

    def test_a_secret_value_is_never_printed(self, project: Project) -> None:
        project.write(
            {"contracts/pay.yml": "module: pay\nruntime:\n  env:\n    CLI_MERCHANT: {required: true, secret: true}\n"}
        )
        env = {"CLI_API_TOKEN": "tok-s3cr3t-1", "CLI_MERCHANT": "merchant-s3cr3t-2", "CLI_STAGE": "prod"}
        for fmt in ("yaml", "json"):
            done = cli_run(
                project,
                "snapshot",
                "--format",
                fmt,
                "--env",
                "CLI_API_TOKEN",
                "--env",
                "CLI_MERCHANT",
                "--env",
                "CLI_STAGE",
                env=env,
            )
            assert done.returncode == 0, done.stderr
            assert "s3cr3t" not in done.stdout + done.stderr
            assert "CLI_API_TOKEN" in done.stdout
            assert "prod" in done.stdout
        data = json.loads(done.stdout)
        assert data["env"]["withheld"] == ["CLI_API_TOKEN", "CLI_MERCHANT"]
        assert data["env"]["values"] == {"CLI_STAGE": "prod"}

    def test_the_yaml_form_reads_back_as_the_json_form(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from ruamel.yaml import YAML

        monkeypatch.chdir(tmp_path)
        env = {"CLI_TEST_VISIBLE": "yes: no # not a comment", "CLI_PASSWORD": "hunter2"}
        args = ["--env", "CLI_TEST_VISIBLE", "--env", "CLI_PASSWORD"]
        _, as_yaml, _ = invoke("snapshot", *args, env=env)
        _, as_json, _ = invoke("snapshot", "--format", "json", *args, env=env)
        assert "hunter2" not in as_yaml
        assert json.loads(json.dumps(YAML(typ="safe", pure=True).load(as_yaml))) == json.loads(as_json)


class TestInit:
    MODULE = """
        from __future__ import annotations

        RETRIES: int = 3
        NAME = "toolkit"

        class Shape:
            sides = 0
            def area(self) -> float:
                return 0.0

        class Square(Shape):
            size: float
            def __init__(self, size: float) -> None:
                self.size = size

        def scale(shape: Shape, factor: float = 2.0) -> Shape | None:
            return shape

        def _private(): ...
    """

    def test_init_then_lint_then_check_passes(self, project: Project) -> None:
        project.write({"toolkit.py": self.MODULE})
        done = cli_run(project, "init", "toolkit")
        assert done.returncode == 0, done.stderr
        contract = (project.root / "contracts" / "toolkit.yml").read_text(encoding="utf-8")
        assert "module: toolkit" in contract
        assert "- name: scale" in contract
        assert "{name: factor, annotation: float}" in contract
        assert 'returns: "Shape | None"' in contract
        assert "bases: [Shape]" in contract
        assert "{name: RETRIES, annotation: int, value: 3}" in contract
        assert '{name: NAME, value: "toolkit"}' in contract
        assert "_private" not in contract
        assert "# Where the module may run" in contract
        major, minor = sys.version_info[:2]
        assert f'python: ">={major}.{minor}"' in contract
        lint = cli_run(project, "lint")
        assert lint.returncode == 0, lint.stdout
        check = cli_run(project, "check", "toolkit")
        assert check.returncode == 0, check.stdout + check.stderr
        assert "KEPT   toolkit" in check.stdout

    def test_the_starter_contract_catches_a_removed_function(self, project: Project) -> None:
        project.write({"toolkit.py": self.MODULE})
        assert cli_run(project, "init", "toolkit.py").returncode == 0
        project.write({"toolkit.py": self.MODULE.replace("def scale(", "def resize(")})
        check = cli_run(project, "check", "toolkit")
        assert check.returncode == 1
        assert "provides.function.missing" in check.stdout

    def test_init_refuses_to_overwrite_without_force(self, project: Project) -> None:
        project.write({"toolkit.py": self.MODULE, "contracts/toolkit.yml": "module: toolkit\n"})
        done = cli_run(project, "init", "toolkit")
        assert done.returncode == 2
        assert "contracts/toolkit.yml exists; pass --force" in done.stderr
        assert (project.root / "contracts" / "toolkit.yml").read_text(encoding="utf-8") == "module: toolkit\n"
        forced = cli_run(project, "init", "toolkit", "--force", "--output", "contracts/toolkit.yml")
        assert forced.returncode == 0
        assert "- name: scale" in (project.root / "contracts" / "toolkit.yml").read_text(encoding="utf-8")

    def test_init_writes_class_attribute_annotations_and_instance_attributes(self, project: Project) -> None:
        module = """
            class Shape:
                sides: int = 0
                def __init__(self) -> None:
                    self.color = "red"
                    self._hidden = 1
        """
        project.write({"shapes.py": module})
        assert cli_run(project, "init", "shapes").returncode == 0
        contract = (project.root / "contracts" / "shapes.yml").read_text(encoding="utf-8")
        assert "{name: sides, scope: class, annotation: int}" in contract
        assert "{name: color, scope: instance}" in contract
        assert "_hidden" not in contract
        check = cli_run(project, "check", "shapes")
        assert check.returncode == 0, check.stdout + check.stderr
        project.write({"shapes.py": module.replace("self.color", "self.colour")})
        assert cli_run(project, "check", "shapes").returncode == 1

    def test_init_never_copies_values_of_secret_looking_names(self, project: Project) -> None:
        secret = "sk-live-Zq9-never-in-a-file"
        project.write(
            {
                "settings.py": f"""
                    import os
                    API_TOKEN = os.environ.get("API_TOKEN")
                    SECRET_KEY = "{secret}-1"
                    DATABASE_PASSWORD = "{secret}-2"
                    DB_PASS = "{secret}-3"
                    BROKER = "amqp://user:{secret}@rabbit/"
                    MODE = "live"
                """
            }
        )
        done = cli_run(project, "init", "settings", env={"API_TOKEN": secret})
        assert done.returncode == 0, done.stderr
        contract = (project.root / "contracts" / "settings.yml").read_text(encoding="utf-8")
        assert secret not in contract + done.stdout + done.stderr
        assert "{name: SECRET_KEY}" in contract
        assert '{name: MODE, value: "live"}' in contract

    def test_init_names_the_contract_to_check_when_written_outside_contracts(self, project: Project) -> None:
        project.write({"toolkit.py": self.MODULE})
        done = cli_run(project, "init", "toolkit", "--output", "policy/toolkit.yml")
        assert done.returncode == 0, done.stderr
        assert "check toolkit --contracts policy/toolkit.yml" in done.stderr
        contract = (project.root / "policy" / "toolkit.yml").read_text(encoding="utf-8")
        assert "importspy-hook check toolkit --contracts policy/toolkit.yml" in contract
        check = cli_run(project, "check", "toolkit", "--contracts", "policy/toolkit.yml")
        assert check.returncode == 0, check.stdout + check.stderr

    def test_init_of_a_module_without_source_exits_2(self, project: Project) -> None:
        done = cli_run(project, "init", "no_such_module")
        assert done.returncode == 2
        assert "cannot find the source of no_such_module" in done.stderr

    def test_init_reads_the_source_without_importing_the_module(self, project: Project) -> None:
        ran = "import pathlib; pathlib.Path('ran.txt').write_text('ran')\n"
        module = textwrap.dedent(self.MODULE).replace("annotations\n", "annotations\n" + ran, 1)
        project.write({"toolkit.py": module})
        done = cli_run(project, "init", "toolkit")
        assert done.returncode == 0, done.stderr
        assert not (project.root / "ran.txt").exists()
        assert "- name: scale" in (project.root / "contracts" / "toolkit.yml").read_text(encoding="utf-8")

    def test_init_leaves_out_what_the_source_cannot_decide(self, project: Project) -> None:
        source = textwrap.dedent(self.MODULE) + "\nimport sys\nif sys.argv:\n    MAYBE = 1\n"
        source += "\n@register\ndef wrapped(a: int) -> int: ...\n"
        project.write({"toolkit.py": source.replace("from __future__ import annotations", "def register(f): return f")})
        assert cli_run(project, "init", "toolkit").returncode == 0
        contract = (project.root / "contracts" / "toolkit.yml").read_text(encoding="utf-8")
        assert "MAYBE" not in contract
        assert "    - name: wrapped\n" in contract
        assert "{name: a" not in contract


class TestShippedContracts:
    """The README's set-up command: the repository's own contracts/ folder."""

    def test_the_shipped_contracts_pass_in_the_documented_environment(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("STAGE", "PAYMENTS_"))}
        env.update(STAGE="staging", PAYMENTS_API_KEY="change-me")
        done = subprocess.run(
            [sys.executable, "-m", "importspy_hook", "check", "--contracts", "contracts"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if sys.platform != "linux" or sys.implementation.name != "cpython":
            pytest.skip("payments.keys asks for CPython on Linux")
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.splitlines()[-1] == "2 kept, 0 broken"
        assert "change-me" not in done.stdout

    def test_the_shipped_contracts_report_a_missing_variable(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("STAGE", "PAYMENTS_"))}
        done = subprocess.run(
            [sys.executable, "-m", "importspy_hook", "check"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 1
        assert "runtime.env.required" in done.stdout
        assert done.stdout.splitlines()[-1] == "1 kept, 1 broken"


class TestLayering:
    def test_using_the_hook_never_loads_the_command_line(self, project: Project) -> None:
        project.write({"contracts/service.api.yml": STAGE_CONTRACT, "service/__init__.py": "", "service/api.py": ""})
        done = project.run(
            """
            import sys, warnings
            import importspy_hook
            importspy_hook.install("contracts")
            try:
                import service.api
            except importspy_hook.RuntimeViolation:
                pass
            loaded = sorted(m for m in sys.modules if m == "click" or m.startswith(("click.", "importspy_hook.cli")))
            print(loaded)
            """
        )
        assert done.returncode == 0, done.output
        assert done.stdout == "[]\n"

    def test_check_with_a_warm_cache_loads_no_yaml_side(self, project: Project) -> None:
        # check reads contracts as install() does, through the compiled cache: once it is warm,
        # neither ruamel.yaml nor cattrs nor attrs is imported.
        project.write(
            {
                "contracts/service.api.yml": STAGE_CONTRACT,
                "contracts/service.reports.yml": (
                    "module: service.reports\nruntime:\n  env:\n    REGION: {matches: 'eu-.*'}\n"
                    "  packages:\n    attrs: '>=20'\n"
                ),
            }
        )
        code = """
            import atexit, sys
            yaml_side = ("ruamel", "ruamel.yaml", "cattrs", "attrs", "attr")
            atexit.register(lambda: print("LOADED", sorted(m for m in yaml_side if m in sys.modules)))
            from importspy_hook.cli import main
            main(["check", "--contracts", "contracts", "--format", "json"])
        """
        cold = project.run(code, env={"CLI_TEST_STAGE": "prod", "REGION": "eu-west-1"})
        assert "LOADED ['attr', 'attrs', 'cattrs', 'ruamel', 'ruamel.yaml']" in cold.stdout, cold.output
        warm = project.run(code, env={"CLI_TEST_STAGE": "prod", "REGION": "eu-west-1"})
        assert warm.returncode == 0, warm.output
        assert '"ok": true' in warm.stdout
        assert "LOADED []" in warm.stdout
