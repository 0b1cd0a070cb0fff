"""Contracts shipped by installed distributions (entry point group ``importspy_hook.contracts``).

Real distributions are built into wheels and installed into a fresh virtual environment once
per session; each test then runs that environment's interpreter on a small project.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

import importspy_hook

TYPE_CHECKING = False
if TYPE_CHECKING:
    from conftest import Project, Result

SHIPPER = {
    "pyproject.toml": """
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "shipper"
        version = "1.0"

        [project.entry-points."importspy_hook.contracts"]
        shipper = "shipper:contracts"
    """,
    "src/shipper/__init__.py": "",
    "src/shipper/api.py": "from shipper import secret\n",
    "src/shipper/secret.py": "import pathlib\npathlib.Path('secret-ran').write_text('ran')\n",
    "src/shipper/contracts/shipper.secret.yml": """
        # Only the shipper package itself may import its secret module.
        module: shipper.secret
        importers:
          allow: ["shipper", "shipper.*"]
    """,
}

OVERREACH = {
    "pyproject.toml": """
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "overreach"
        version = "1.0"

        [project.entry-points."importspy_hook.contracts"]
        overreach = "overreach.contracts"
    """,
    "src/overreach/__init__.py": "",
    "src/overreach/contracts/__init__.py": "",
    "src/overreach/contracts/app.core.yml": """
        module: app.core
        importers:
          allow: ["overreach"]
    """,
}


COURIER = {
    "pyproject.toml": """
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "courier"
        version = "1.0"

        [project.entry-points."importspy_hook.contracts"]
        courier = "courier:contracts"
    """,
    "src/courier/__init__.py": "",
    "src/courier/private.py": "",
    "src/courier/contracts/courier.private.yml": """
        module: courier.private
        importers:
          allow: ["courier.*"]
    """,
}


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def _environment(root: Path, wheels: list[Path]) -> Path:
    """A virtual environment with ``wheels`` installed and this importspy_hook importable."""
    venv.create(root, with_pip=False)
    python = root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The code under test and its dependencies, from the environment running these tests.
    source = Path(importspy_hook.__file__).parent.parent
    paths = [str(source), *(p for p in sys.path if p.endswith("site-packages"))]
    Path(site, "_under_test.pth").write_text("\n".join(paths) + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", *wheels],
        capture_output=True,
        check=True,
    )
    return python


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("distributions")
    sources = [
        _write(root / name, files)
        for name, files in (("shipper", SHIPPER), ("overreach", OVERREACH), ("courier", COURIER))
    ]
    out = root / "wheels"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, *sources],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"building the test distributions failed:\n{done.stdout}{done.stderr}")
    return {path.name.partition("-")[0]: path for path in out.glob("*.whl")}


@pytest.fixture(scope="session")
def shipper_python(tmp_path_factory: pytest.TempPathFactory, wheels: dict[str, Path]) -> Path:
    return _environment(tmp_path_factory.mktemp("venv-shipper"), [wheels["shipper"]])


@pytest.fixture(scope="session")
def overreach_python(tmp_path_factory: pytest.TempPathFactory, wheels: dict[str, Path]) -> Path:
    return _environment(tmp_path_factory.mktemp("venv-overreach"), [wheels["shipper"], wheels["overreach"]])


def run(python: Path, project: Project, code: str) -> Result:
    from conftest import Result

    (project.root / "main.py").write_text(textwrap.dedent(code).lstrip("\n"), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMPORTSPY_HOOK_", "PYTHON"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # The discovery cache of each test lives in its project, never in the user's cache folder.
    env["IMPORTSPY_HOOK_CACHE_DIR"] = str(project.root / "cache")
    done = subprocess.run(
        [python, "main.py"], cwd=project.root, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    return Result(done.returncode, done.stdout, done.stderr)


def command(python: Path, project: Project, *args: str) -> Result:
    """``python -m importspy_hook ARGS`` with the environment's interpreter, in the project."""
    from conftest import Result

    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMPORTSPY_HOOK_", "PYTHON"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["IMPORTSPY_HOOK_CACHE_DIR"] = str(project.root / "cache")
    done = subprocess.run(
        [python, "-m", "importspy_hook", *args],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


REPORT = """
    import importspy_hook, pathlib
    try:
        importspy_hook.install({args})
        {imports}
    except importspy_hook.ContractViolation as exc:
        print("VIOLATION", type(exc).__name__, exc.importer, sorted(v.rule for v in exc.violations))
        print("MESSAGE", exc)
    except importspy_hook.ContractError as exc:
        print("CONTRACT ERROR", exc)
    else:
        print("IMPORTED")
    print("RAN", pathlib.Path("secret-ran").exists())
"""


def report(args: str = "", imports: str = "import shipper.secret") -> str:
    return REPORT.replace("{args}", args).replace("{imports}", imports)


class TestShippedContracts:
    def test_entry_point_contract_guards_the_package_when_asked(self, project: Project, shipper_python: Path) -> None:
        project.write({"contracts/.keep": ""})
        result = run(shipper_python, project, report("'contracts', entry_points=True"))
        assert "VIOLATION ImporterViolation __main__ ['importers.allow']" in result.stdout, result.output
        assert "RAN False" in result.stdout
        assert 'shipper/contracts/shipper.secret.yml:4 is ["shipper", "shipper.*"]' in result.stdout

    def test_the_package_itself_may_still_import_its_module(self, project: Project, shipper_python: Path) -> None:
        project.write({"contracts/.keep": ""})
        result = run(shipper_python, project, report("'contracts', entry_points=True", "import shipper.api"))
        assert "IMPORTED" in result.stdout, result.output
        assert "RAN True" in result.stdout

    def test_shipped_contracts_are_off_by_default(self, project: Project, shipper_python: Path) -> None:
        project.write({"contracts/.keep": ""})
        result = run(shipper_python, project, report("'contracts'"))
        assert "IMPORTED" in result.stdout, result.output

    def test_pyproject_setting_turns_them_on(self, project: Project, shipper_python: Path) -> None:
        project.write({"contracts/.keep": "", "pyproject.toml": "[tool.importspy-hook]\nentry_points = true\n"})
        result = run(shipper_python, project, report())
        assert "VIOLATION ImporterViolation __main__ ['importers.allow']" in result.stdout, result.output


class TestCommandLine:
    def test_list_and_lint_read_shipped_contracts_when_configured(self, project: Project, shipper_python: Path) -> None:
        project.write({"pyproject.toml": "[tool.importspy-hook]\nentry_points = true\n"})
        listed = command(shipper_python, project, "list")
        assert listed.returncode == 0, listed.output
        assert "shipper/contracts/shipper.secret.yml:2" in listed.stdout
        linted = command(shipper_python, project, "lint")
        assert "1 contract file: no problems" in linted.stderr, linted.output

    def test_shipped_contracts_stay_out_unless_configured(self, project: Project, shipper_python: Path) -> None:
        project.write({"contracts/.keep": ""})
        listed = command(shipper_python, project, "list")
        assert listed.returncode == 0, listed.output
        assert "shipper.secret" not in listed.stdout

    def test_lint_reports_a_shipped_contract_that_reaches_too_far(
        self, project: Project, overreach_python: Path
    ) -> None:
        project.write({"contracts/.keep": "", "pyproject.toml": "[tool.importspy-hook]\nentry_points = true\n"})
        linted = command(overreach_python, project, "lint")
        assert linted.returncode == 2, linted.output
        assert "app.core.yml:1: module: app.core is not a module of distribution overreach" in linted.stdout
        listed = command(overreach_python, project, "list")
        assert listed.returncode == 2, listed.output
        assert "module: app.core is not a module of distribution overreach" in listed.stderr


class TestConflicts:
    def test_application_and_package_contracts_for_one_module_both_apply(
        self, project: Project, shipper_python: Path
    ) -> None:
        # The application's contract is looser on importers and adds a runtime rule; the
        # package's own rule still holds, and so does the application's.
        project.write(
            {
                "contracts/shipper.secret.yml": """
                    module: shipper.secret
                    importers:
                      allow: ["__main__", "shipper.*"]
                    runtime:
                      env:
                        STAGE: {required: true}
                """
            }
        )
        result = run(shipper_python, project, report("'contracts', entry_points=True"))
        assert "VIOLATION ImporterViolation __main__ ['importers.allow', 'runtime.env.required']" in result.stdout, (
            result.output
        )

    def test_a_package_cannot_govern_another_distributions_module(
        self, project: Project, overreach_python: Path
    ) -> None:
        project.write({"contracts/.keep": ""})
        result = run(overreach_python, project, report("'contracts', entry_points=True"))
        assert "CONTRACT ERROR " in result.stdout, result.output
        assert (
            "overreach/contracts/app.core.yml:1: module: app.core is not a module of distribution overreach, "
            "which ships this contract; a package's contract may only govern its own modules (overreach and "
            "their submodules)"
        ) in result.stdout


def pip(python: Path, *args: str | Path) -> None:
    """Run pip of the environment running these tests on the environment of ``python``."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def own_python(tmp_path_factory: pytest.TempPathFactory, wheels: dict[str, Path]) -> Path:
    """An environment of this test's own, with shipper installed: the test may change it."""
    return _environment(tmp_path_factory.mktemp("venv-own"), [wheels["shipper"]])


WARM = """
    import importspy_hook, sys
    importspy_hook.install('contracts', entry_points=True)
    print("METADATA", "importlib.metadata" in sys.modules)
    print("YAML", "ruamel.yaml" in sys.modules)
    for name in ("shipper.secret", "courier.private"):
        try:
            __import__(name)
        except importspy_hook.ContractViolation as exc:
            print("GUARDED", name, sorted(v.rule for v in exc.violations))
        except ImportError:
            print("MISSING", name)
        else:
            print("IMPORTED", name)
"""


class TestDiscoveryCache:
    def test_no_start_reads_entry_points_or_yaml_in_the_guarded_process(
        self, project: Project, shipper_python: Path
    ) -> None:
        # Cold, the discovery and the parsing run in a child interpreter (written to the
        # caches); warm, they are read from the caches. Either way the guarded process imports
        # neither, so a contract on a module they import means the same whatever the caches hold.
        project.write({"contracts/.keep": ""})
        cold = run(shipper_python, project, WARM)
        assert list((project.root / "cache").glob("entry-points-*.marshal")), cold.output
        warm = run(shipper_python, project, WARM)
        for result in (cold, warm):
            assert "METADATA False" in result.stdout, result.output
            assert "YAML False" in result.stdout, result.output
            assert "GUARDED shipper.secret ['importers.allow']" in result.stdout, result.output

    def test_a_distribution_installed_since_is_picked_up(
        self, project: Project, own_python: Path, wheels: dict[str, Path]
    ) -> None:
        project.write({"contracts/.keep": ""})
        before = run(own_python, project, WARM)
        assert "MISSING courier.private" in before.stdout, before.output
        pip(own_python, "install", "-q", "--no-deps", "--no-index", wheels["courier"])
        after = run(own_python, project, WARM)
        assert "GUARDED courier.private ['importers.allow']" in after.stdout
        assert "GUARDED shipper.secret ['importers.allow']" in after.stdout

    def test_an_uninstalled_distribution_no_longer_contributes_contracts(
        self, project: Project, own_python: Path, wheels: dict[str, Path]
    ) -> None:
        pip(own_python, "install", "-q", "--no-deps", "--no-index", wheels["courier"])
        project.write({"contracts/.keep": ""})
        before = run(own_python, project, WARM)
        assert "GUARDED courier.private ['importers.allow']" in before.stdout, before.output
        pip(own_python, "uninstall", "-q", "-y", "courier")
        after = run(own_python, project, WARM)
        assert "MISSING courier.private" in after.stdout, after.output
        assert "GUARDED shipper.secret ['importers.allow']" in after.stdout

    def test_a_corrupt_cache_file_is_rebuilt(self, project: Project, shipper_python: Path) -> None:
        project.write({"contracts/.keep": ""})
        run(shipper_python, project, WARM)
        written = list((project.root / "cache").glob("entry-points-*.marshal"))
        assert len(written) == 1, written
        written[0].write_bytes(b"\x00 not marshal data")
        rebuilt = run(shipper_python, project, WARM)
        assert "GUARDED shipper.secret ['importers.allow']" in rebuilt.stdout, rebuilt.output
        assert written[0].read_bytes() != b"\x00 not marshal data"  # rewritten
        warm = run(shipper_python, project, WARM)
        assert "GUARDED shipper.secret ['importers.allow']" in warm.stdout

    def test_an_editable_install_is_picked_up_and_its_contracts_follow_edits(
        self, project: Project, own_python: Path, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        source = _write(tmp_path_factory.mktemp("courier-source"), COURIER)
        project.write({"contracts/.keep": ""})
        run(own_python, project, WARM)  # the discovery cache, before the editable install
        pip(own_python, "install", "-q", "--no-deps", "-e", source)
        installed = run(own_python, project, WARM)
        assert "GUARDED courier.private ['importers.allow']" in installed.stdout, installed.output
        # The contract is edited in the project: no reinstall, the compiled cache sees the file.
        contract = source / "src/courier/contracts/courier.private.yml"
        contract.write_text("module: courier.private\nimporters:\n  allow: ['__main__']\n", encoding="utf-8")
        edited = run(own_python, project, WARM)
        assert "METADATA False" in edited.stdout, edited.output
        assert "IMPORTED courier.private" in edited.stdout
