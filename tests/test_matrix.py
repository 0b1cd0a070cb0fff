"""The import-system matrix: every way a module can be found and loaded, with the hook in front.

Each kind of module (plain, package, submodule, namespace portion, zip, sourceless ``.pyc``,
C extension, custom finder) is loaded by the same probe script three times in fresh
interpreters: without the hook, with a ``warn`` contract (so the import goes on and every
check leaves exactly one ``ContractWarning``), and with a ``raise`` contract. The tests then
say that the hooked run behaves exactly as the plain one, that the check ran once per load,
and that a refused module never ran.
"""

from __future__ import annotations

import json
import py_compile
import textwrap
import zipfile

import pytest

from conftest import Project

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

#: The body of every protected Python module: counts its runs, raises from a known line, and
#: defines a picklable class.
MODULE = """
import builtins
builtins.__dict__.setdefault("RUNS", []).append(__name__)

class Thing:
    pass

def boom():
    raise ValueError("boom from the protected module")

VALUE = 42
"""

#: Imports the module named in argv[1] and reports, as JSON, everything a user could notice.
PROBE = r'''
import builtins, json, os, sys, warnings

NAME, MODE = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.abspath("lib.zip"))
if os.path.isdir("elsewhere"):
    import importlib.abc, importlib.util

    class Elsewhere(importlib.abc.MetaPathFinder):
        """A custom finder *after* ours: serves packages from a folder not on sys.path."""

        def find_spec(self, fullname, path=None, target=None):
            folder = os.path.abspath(os.path.join("elsewhere", fullname))
            init = os.path.join(folder, "__init__.py")
            if not os.path.exists(init):
                return None
            return importlib.util.spec_from_file_location(fullname, init, submodule_search_locations=[folder])

    sys.meta_path.append(Elsewhere())

checks = []
if MODE != "nohook":
    import importspy_hook

    importspy_hook.install("contracts", on_violation="warn" if MODE == "warn" else "raise")
    warnings.simplefilter("always")
    original_showwarning = warnings.showwarning

    def record(message, category, *args, **kwargs):
        if issubclass(category, importspy_hook.ContractWarning):
            checks.append(str(message))
        else:
            original_showwarning(message, category, *args, **kwargs)

    warnings.showwarning = record

report = {}
try:
    import importlib
    mod = importlib.import_module(NAME)
except ImportError as exc:
    report["error"] = type(exc).__name__
    report["in_sys_modules"] = NAME in sys.modules
    report["runs"] = builtins.__dict__.get("RUNS", []).count(NAME)
    print(json.dumps(report))
    raise SystemExit(0)

report["checks_on_import"] = len(checks)
report["runs_on_import"] = builtins.__dict__.get("RUNS", []).count(NAME)
spec = mod.__spec__
report["loader"] = type(mod.__loader__).__qualname__
report["spec_loader_is_module_loader"] = spec.loader is mod.__loader__
report["spec"] = {
    "name": spec.name,
    "origin": spec.origin,
    "cached": spec.cached,
    "parent": spec.parent,
    "has_location": spec.has_location,
    "submodule_search_locations": spec.submodule_search_locations and list(spec.submodule_search_locations),
}
report["file"] = getattr(mod, "__file__", None)

def attempt(key, action):
    try:
        report[key] = action()
    except Exception as exc:
        report[key] = "error " + type(exc).__name__

is_package = spec.submodule_search_locations is not None
anchor = NAME if is_package else (spec.parent or NAME)

def resources():
    import importlib.resources
    return importlib.resources.files(anchor).joinpath("data.txt").read_text()

def get_data():
    import pkgutil
    data = pkgutil.get_data(anchor, "data.txt")
    return None if data is None else data.decode()

def getsource():
    import inspect
    return inspect.getsource(mod.boom).splitlines()[0]

def traceback_line():
    import traceback
    try:
        mod.boom()
    except ValueError:
        return traceback.format_exc().strip().splitlines()[-2].strip()

def pickled():
    import pickle
    thing = getattr(mod, "Thing", None) or getattr(mod, "array")
    obj = thing() if thing is not getattr(mod, "array", None) else thing("i", [1, 2])
    copy = pickle.loads(pickle.dumps(obj))
    return type(copy) is type(obj)

def reload():
    before = len(checks)
    again = importlib.reload(mod)
    return {
        "same_module": again is mod,
        "checks": len(checks) - before,
        "runs": builtins.__dict__.get("RUNS", []).count(NAME),
        "loader": type(mod.__loader__).__qualname__,
        "spec_loader_is_module_loader": mod.__spec__.loader is mod.__loader__,
    }

attempt("resources", resources)
attempt("get_data", get_data)
attempt("getsource", getsource)
attempt("traceback_line", traceback_line)
attempt("pickle", pickled)
attempt("reload", reload)
print(json.dumps(report))
'''


def _contract(name: str) -> str:
    # Nobody is allowed: every check is a violation, so warn mode counts checks exactly.
    return f'module: "{name}"\nimporters:\n  allow: ["nobody"]\n'


def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def _plain(root: Path) -> str:
    _write(root, {"target.py": MODULE, "data.txt": "plain data"})
    return "target"


def _package(root: Path) -> str:
    _write(root, {"target/__init__.py": MODULE, "target/data.txt": "package data"})
    return "target"


def _submodule(root: Path) -> str:
    _write(root, {"plainpkg/__init__.py": "", "plainpkg/target.py": MODULE, "plainpkg/data.txt": "sub data"})
    return "plainpkg.target"


def _namespace_portion(root: Path) -> str:
    _write(root, {"nspkg/target.py": MODULE, "nspkg/data.txt": "namespace data"})
    return "nspkg.target"


def _zipped(root: Path) -> str:
    with zipfile.ZipFile(root / "lib.zip", "w") as archive:
        archive.writestr("zipped/__init__.py", textwrap.dedent(MODULE))
        archive.writestr("zipped/data.txt", "zip data")
    return "zipped"


def _sourceless(root: Path) -> str:
    # PYTHONDONTWRITEBYTECODE is set for the children: the test compiles the .pyc itself and
    # puts it where SourcelessFileLoader looks (next to where the source was, no __pycache__).
    _write(root, {"compiled/__init__.py": MODULE, "compiled/data.txt": "pyc data"})
    source = root / "compiled" / "__init__.py"
    py_compile.compile(str(source), cfile=str(root / "compiled" / "__init__.pyc"), doraise=True)
    source.unlink()
    return "compiled"


def _extension(root: Path) -> str:
    # A real stdlib extension module that the probe's interpreter has not imported yet; its
    # code runs in create_module, which the proxy checks.
    return "array"


def _custom_finder(root: Path) -> str:
    _write(root, {"elsewhere/custompkg/__init__.py": MODULE, "elsewhere/custompkg/data.txt": "custom data"})
    return "custompkg"


KINDS = {
    "plain": _plain,
    "package": _package,
    "submodule": _submodule,
    "namespace_portion": _namespace_portion,
    "zip": _zipped,
    "sourceless": _sourceless,
    "extension": _extension,
    "custom_finder": _custom_finder,
}

#: Kinds whose module is Python code that counts its runs and defines ``boom``.
PYTHON_KINDS = [kind for kind in KINDS if kind != "extension"]


def _probe(project: Project, name: str, mode: str) -> dict[str, object]:
    result = project.python("main.py", name, mode)
    assert result.returncode == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines, result.output
    report: dict[str, object] = json.loads(lines[-1])
    return report


_PROBED: dict[str, dict[str, object]] = {}


def _matrix(kind: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One kind of module, probed without the hook, with a warn contract and a raise contract."""
    if kind not in _PROBED:
        root = tmp_path_factory.mktemp(kind)
        name = KINDS[kind](root)
        _write(root, {"main.py": PROBE, "contracts/target.yml": _contract(name)})
        project = Project(root)
        _PROBED[kind] = {
            "kind": kind,
            "name": name,
            "nohook": _probe(project, name, "nohook"),
            "warn": _probe(project, name, "warn"),
            "raise": _probe(project, name, "raise"),
        }
    return _PROBED[kind]


@pytest.fixture(params=list(KINDS))
def matrix(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return _matrix(request.param, tmp_path_factory)


class TestEveryKindOfModule:
    def test_refused_import_never_runs_the_module(self, matrix: dict[str, object]) -> None:
        refused = matrix["raise"]
        assert refused == {"error": "ImporterViolation", "in_sys_modules": False, "runs": 0}, matrix["kind"]

    def test_check_runs_once_per_load(self, matrix: dict[str, object]) -> None:
        hooked = matrix["warn"]
        assert isinstance(hooked, dict)
        assert hooked["checks_on_import"] == 1, matrix
        if matrix["kind"] in PYTHON_KINDS:
            assert hooked["runs_on_import"] == 1

    def test_loader_and_spec_look_as_without_the_hook(self, matrix: dict[str, object]) -> None:
        plain, hooked = matrix["nohook"], matrix["warn"]
        assert isinstance(plain, dict)
        assert isinstance(hooked, dict)
        assert hooked["loader"] != "GuardedLoader"
        assert hooked["spec_loader_is_module_loader"] is True
        for key in ("loader", "spec", "file"):
            assert hooked[key] == plain[key], (matrix["kind"], key)

    def test_resources_data_and_source_work_as_without_the_hook(self, matrix: dict[str, object]) -> None:
        plain, hooked = matrix["nohook"], matrix["warn"]
        assert isinstance(plain, dict)
        assert isinstance(hooked, dict)
        for key in ("resources", "get_data", "getsource", "traceback_line", "pickle"):
            assert hooked[key] == plain[key], (matrix["kind"], key, hooked[key], plain[key])

    def test_reload_checks_again_and_hands_back_the_real_loader(self, matrix: dict[str, object]) -> None:
        hooked = matrix["warn"]
        assert isinstance(hooked, dict)
        reload = hooked["reload"]
        assert isinstance(reload, dict), reload
        assert reload["same_module"] is True
        assert reload["checks"] == 1
        assert reload["loader"] == hooked["loader"]
        assert reload["spec_loader_is_module_loader"] is True
        if matrix["kind"] in PYTHON_KINDS:
            assert reload["runs"] == 2


class TestFeaturesReallyWork:
    """The comparison above could pass with both runs failing; these pin down the successes."""

    @pytest.mark.parametrize(
        ("kind", "expected"),
        [
            ("package", "package data"),
            ("submodule", "sub data"),
            ("zip", "zip data"),
            ("sourceless", "pyc data"),
            ("custom_finder", "custom data"),
        ],
    )
    def test_resources_and_get_data_read_the_data_file(
        self, kind: str, expected: str, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        report = _probe_kind(kind, "warn", tmp_path_factory)
        assert report["resources"] == expected
        assert report["get_data"] == expected

    @pytest.mark.parametrize("kind", ["plain", "package", "submodule", "namespace_portion", "zip", "custom_finder"])
    def test_source_and_traceback_lines_are_found(self, kind: str, tmp_path_factory: pytest.TempPathFactory) -> None:
        report = _probe_kind(kind, "warn", tmp_path_factory)
        assert report["getsource"] == "def boom():"
        assert report["traceback_line"] == 'raise ValueError("boom from the protected module")'
        assert report["pickle"] is True


def _probe_kind(kind: str, mode: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    report = _matrix(kind, tmp_path_factory)[mode]
    assert isinstance(report, dict)
    return report


#: Installs the hook at start-up, as the .pth activation does, so that ``python -m`` is guarded.
SITECUSTOMIZE = """
    import os, importspy_hook
    importspy_hook.install(os.path.join(os.path.dirname(os.path.abspath(__file__)), "contracts"))
"""

RUN_AS_MAIN = {
    "sitecustomize.py": SITECUSTOMIZE,
    "tool.py": """
        import pathlib
        pathlib.Path("side-effect").write_text(__name__)
    """,
    "app/__init__.py": "",
    "app/__main__.py": """
        import pathlib
        pathlib.Path("side-effect").write_text(__name__)
    """,
    "launcher.py": "import runpy\nrunpy.run_module('tool')\n",
    "intruder.py": "import runpy\nrunpy.run_module('tool')\n",
    "contracts/tool.yml": """
        module: tool
        importers:
          allow: ["launcher"]
    """,
    "contracts/app.yml": """
        module: app.__main__
        runtime:
          env:
            STAGE: prod
    """,
}


class TestRunAsMain:
    """``python -m`` and ``runpy.run_module`` never call exec_module: the proxy's get_code checks."""

    def test_python_m_of_a_module_with_importers_allow_is_refused(self, project: Project) -> None:
        result = project.write(RUN_AS_MAIN).python("-m", "tool")
        assert result.returncode == 1
        assert "tool may not be run by python -m" in result.stderr
        assert "importers.allow" in result.stderr
        assert not (project.root / "side-effect").exists()

    def test_python_m_checks_runtime_and_runs_when_it_holds(self, project: Project) -> None:
        refused = project.write(RUN_AS_MAIN).python("-m", "app")
        assert refused.returncode == 1
        assert "runtime.env.STAGE" in refused.stderr or "STAGE" in refused.stderr, refused.output
        assert not (project.root / "side-effect").exists()
        allowed = project.python("-m", "app", env={"STAGE": "prod"})
        assert allowed.returncode == 0, allowed.output
        assert (project.root / "side-effect").read_text() == "__main__"

    def test_run_module_is_checked_against_its_caller(self, project: Project) -> None:
        project.write(RUN_AS_MAIN)
        allowed = project.python("-c", "import launcher")
        assert allowed.returncode == 0, allowed.output
        assert (project.root / "side-effect").read_text() == "tool"
        (project.root / "side-effect").unlink()
        refused = project.python("-c", "import intruder")
        assert refused.returncode == 1
        # runpy re-raises a plain ImportError; ours is its __cause__.
        assert "ImporterViolation: tool may not be run by intruder" in refused.stderr, refused.output
        assert not (project.root / "side-effect").exists()


class TestLoadingByHand:
    def test_module_from_spec_and_exec_module_by_hand_are_checked(self, project: Project) -> None:
        project.write(
            {
                "target.py": MODULE,
                "contracts/target.yml": "module: target\nimporters:\n  allow: ['friend']\n",
                "friend.py": """
                    import importlib.util
                    spec = importlib.util.find_spec("target")
                    module = importlib.util.module_from_spec(spec)
                    spec.loader.exec_module(module)
                    VALUE = module.VALUE
                """,
            }
        )
        result = project.run(
            """
            import builtins, importlib.util, importspy_hook
            importspy_hook.install("contracts")
            import friend
            print("FRIEND", friend.VALUE, type(friend.importlib.util.find_spec("target").loader).__name__)
            spec = importlib.util.find_spec("target")
            try:
                # The check runs when the module object is made, before any code can run.
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
            except importspy_hook.ImporterViolation as exc:
                print("REFUSED", exc.importer)
            print("RUNS", builtins.RUNS.count("target"))
            """
        )
        assert "FRIEND 42 GuardedLoader" in result.stdout, result.output
        assert "REFUSED __main__" in result.stdout
        assert "RUNS 1" in result.stdout

    def test_namespace_package_itself_is_not_wrapped_but_its_modules_are(self, project: Project) -> None:
        project.write(
            {
                "nspkg/target.py": MODULE,
                "contracts/ns.yml": "module: nspkg\nimporters:\n  allow: ['nobody']\n",
                "contracts/target.yml": "module: nspkg.target\nimporters:\n  allow: ['nobody']\n",
            }
        )
        result = project.run(
            """
            import importspy_hook
            importspy_hook.install("contracts")
            import nspkg
            print("NAMESPACE", type(nspkg.__spec__.loader).__name__)
            try:
                import nspkg.target
            except importspy_hook.ImporterViolation:
                print("PORTION REFUSED")
            """
        )
        assert "NAMESPACE NamespaceLoader" in result.stdout or "NAMESPACE _NamespaceLoader" in result.stdout, (
            result.output
        )
        assert "PORTION REFUSED" in result.stdout


CONTRACT_ALLOW_MAIN = "module: {name}\nimporters:\n  allow: ['__main__']\n"
CONTRACT_ALLOW_NOBODY = "module: {name}\nimporters:\n  allow: ['nobody']\n"


class TestInvalidateCaches:
    """``importlib.invalidate_caches()`` re-reads changed contract files; a broken one keeps the last good set."""

    FILES = {  # noqa: RUF012
        "first.py": "",
        "second.py": "",
        "third.py": "",
        "contracts/first.yml": CONTRACT_ALLOW_MAIN.format(name="first"),
        "contracts/second.yml": CONTRACT_ALLOW_MAIN.format(name="second"),
    }

    SCRIPT = """
        import importlib, pathlib, sys, warnings, importspy_hook
        importspy_hook.install("contracts")
        contracts = pathlib.Path("contracts")

        def attempt(name):
            try:
                importlib.import_module(name)
            except importspy_hook.ContractViolation:
                print(name, "REFUSED")
            else:
                print(name, "IMPORTED")
            sys.modules.pop(name, None)

        {steps}
    """

    def _run(self, project: Project, steps: str) -> str:
        project.write(self.FILES)
        result = project.run(self.SCRIPT.replace("{steps}", textwrap.indent(textwrap.dedent(steps), " " * 8)))
        assert result.returncode == 0, result.output
        return result.output

    def test_contracts_are_read_once_until_caches_are_invalidated(self, project: Project) -> None:
        output = self._run(
            project,
            """
            (contracts / "first.yml").write_text("module: first\\nimporters:\\n  allow: ['nobody']\\n")
            (contracts / "third.yml").write_text("module: third\\nimporters:\\n  allow: ['nobody']\\n")
            (contracts / "second.yml").unlink()
            attempt("first"); attempt("second"); attempt("third")
            importlib.invalidate_caches()
            print("RELOADED")
            attempt("first"); attempt("second"); attempt("third")
            """,
        )
        before, after = output.split("RELOADED")
        assert before.split() == ["first", "IMPORTED", "second", "IMPORTED", "third", "IMPORTED"]
        assert after.split() == ["first", "REFUSED", "second", "IMPORTED", "third", "REFUSED"]

    def test_broken_contract_keeps_the_last_good_ones_and_warns_once(self, project: Project) -> None:
        output = self._run(
            project,
            """
            (contracts / "second.yml").write_text("module: second\\nimporterz: {}\\n")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                importlib.invalidate_caches()
                importlib.invalidate_caches()
            for warning in caught:
                print("WARNING", warning.category.__name__, warning.message)
            attempt("second")
            (contracts / "second.yml").write_text("module: second\\nimporters:\\n  allow: ['nobody']\\n")
            importlib.invalidate_caches()
            attempt("second")
            """,
        )
        warnings = [line for line in output.splitlines() if line.startswith("WARNING")]
        assert len(warnings) == 1, output
        assert "ContractWarning contracts were not reloaded, the previous ones stay in force" in warnings[0]
        assert "contracts/second.yml:2:1" in warnings[0]
        assert output.splitlines()[-2:] == ["second IMPORTED", "second REFUSED"]

    def test_deleted_contract_folder_keeps_the_last_good_ones(self, project: Project) -> None:
        output = self._run(
            project,
            """
            import shutil
            shutil.rmtree(contracts)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                importlib.invalidate_caches()
            print("WARNINGS", len(caught), caught[0].message if caught else "")
            attempt("json")
            import first
            print("first imported")
            """,
        )
        assert "WARNINGS 1 contracts were not reloaded" in output
        assert "no such contract file or folder" in output
        assert "json IMPORTED" in output
        assert "first imported" in output

    def test_unreadable_contract_keeps_the_last_good_ones(self, project: Project) -> None:
        output = self._run(
            project,
            """
            import os
            target = contracts / "first.yml"
            target.write_text("module: first\\nimporters:\\n  allow: ['nobody']\\n")
            os.chmod(target, 0)
            readable = os.access(target, os.R_OK)  # root reads anything
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                importlib.invalidate_caches()
            print("READABLE", readable, "WARNINGS", len(caught))
            attempt("first")
            os.chmod(target, 0o644)
            """,
        )
        if "READABLE True" in output:
            assert "first REFUSED" in output  # the changed file was simply read
        else:
            assert "WARNINGS 1" in output
            assert "first IMPORTED" in output


class TestInstallation:
    def test_uninstall_during_an_import_in_flight_still_finishes_its_checks(self, project: Project) -> None:
        project.write(
            {
                "slow.py": """
                    import builtins
                    builtins.STARTED.set()
                    builtins.PROCEED.wait(30)
                """,
                "contracts/slow.yml": "module: slow\nprovides:\n  functions: [{name: register}]\n",
                "later.py": "",
                "contracts/later.yml": CONTRACT_ALLOW_NOBODY.format(name="later"),
            }
        )
        result = project.run(
            """
            import builtins, threading, importspy_hook
            builtins.STARTED, builtins.PROCEED = threading.Event(), threading.Event()
            importspy_hook.install("contracts")
            outcome = []

            def load():
                try:
                    import slow
                except importspy_hook.StructureViolation as exc:
                    outcome.append(type(exc).__name__)
                else:
                    outcome.append("imported")

            thread = threading.Thread(target=load)
            thread.start()
            assert builtins.STARTED.wait(30)
            importspy_hook.uninstall()
            builtins.PROCEED.set()
            thread.join(30)
            print("IN FLIGHT", outcome, thread.is_alive())
            import later
            print("LATER IMPORTED")
            """
        )
        assert "IN FLIGHT ['StructureViolation'] False" in result.stdout, result.output
        assert "LATER IMPORTED" in result.stdout

    TAKEOVER = """
        import importlib.machinery, sys, warnings, importspy_hook
        importspy_hook.install("contracts")

        class Takeover:  # loads guarded itself, as typeguard's finder does for its packages
            def __repr__(self):
                return "<Takeover>"

            def find_spec(self, name, path=None, target=None):
                if name == "guarded":
                    return importlib.machinery.PathFinder.find_spec(name, path)
                return None

        sys.meta_path.insert(0, Takeover())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                import colorsys  # any import the guard sees
                import guarded
            except ImportError as exc:
                print("ERROR", exc)
        for warning in caught:
            print("WARNED", warning.filename.endswith("main.py"), warning.message)
        print("GUARDED", "guarded" in sys.modules)
    """

    def test_a_finder_in_front_that_loads_a_protected_module_is_reported_where_it_happens(
        self, project: Project
    ) -> None:
        project.write({"guarded.py": "", "contracts/guarded.yml": CONTRACT_ALLOW_NOBODY.format(name="guarded")})
        result = project.run(self.TAKEOVER)
        assert "WARNED True <Takeover> sits in front of importspy_hook's finder" in result.stdout, result.output
        assert "it would load guarded itself, unchecked" in result.stdout
        assert result.stdout.count("WARNED") == 1

    def test_a_finder_in_front_is_an_error_when_asked(self, project: Project) -> None:
        project.write({"guarded.py": "", "contracts/guarded.yml": CONTRACT_ALLOW_NOBODY.format(name="guarded")})
        result = project.run(self.TAKEOVER, env={"IMPORTSPY_HOOK_FINDER_IN_FRONT": "error"})
        assert "ERROR <Takeover> sits in front of importspy_hook's finder" in result.stdout, result.output
        assert "(IMPORTSPY_HOOK_FINDER_IN_FRONT=error)" in result.stdout
        assert "GUARDED False" in result.stdout

    def test_a_finder_in_front_that_loads_no_protected_module_is_not_reported(self, project: Project) -> None:
        project.write(
            {"guarded.py": "", "other.py": "", "contracts/guarded.yml": CONTRACT_ALLOW_NOBODY.format(name="other")}
        )
        result = project.run(self.TAKEOVER)
        assert "WARNED" not in result.stdout, result.output
        assert "GUARDED True" in result.stdout

    def test_finder_put_in_front_after_install_is_reported(self, project: Project) -> None:
        project.write(
            {
                "guarded.py": "",
                "other.py": "",
                "contracts/guarded.yml": CONTRACT_ALLOW_NOBODY.format(name="guarded"),
                "contracts/other.yml": CONTRACT_ALLOW_NOBODY.format(name="other"),
            }
        )
        result = project.run(
            """
            import importlib.machinery, sys, warnings, importspy_hook
            warnings.simplefilter("always")
            importspy_hook.install("contracts")
            print("CLEAN", importspy_hook.self_check())

            class Takeover:
                def __repr__(self):
                    return "<Takeover>"

                def find_spec(self, name, path=None, target=None):
                    if name == "guarded":
                        return importlib.machinery.PathFinder.find_spec(name, path)
                    return None

            # Reported once, attributed to the finder, at the first import the guard sees after
            # the insertion (whichever module self_check() or the code below imports first);
            # self_check() warns on its own too.
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                sys.meta_path.insert(0, Takeover())
                for problem in importspy_hook.self_check():
                    print("PROBLEM", problem)
                try:
                    import other
                except importspy_hook.ImporterViolation:
                    print("OTHER STILL REFUSED")
                try:
                    import other
                except importspy_hook.ImporterViolation:
                    pass
            auto = [w for w in caught if w.lineno == Takeover.find_spec.__code__.co_firstlineno]
            print("AUTO", len(auto), auto[0].message)
            importspy_hook.install("contracts")
            print("AFTER REINSTALL", importspy_hook.self_check())
            """
        )
        assert "CLEAN []" in result.stdout, result.output
        assert (
            "PROBLEM <Takeover> sits in front of importspy_hook's finder on sys.meta_path: it would load "
            "guarded itself, unchecked; call importspy_hook.install() after adding it, to put the guard back "
            "in front (with no arguments it reads IMPORTSPY_HOOK_CONTRACTS, as drop-in activation does); set "
            "IMPORTSPY_HOOK_FINDER_IN_FRONT=error to make this an error"
        ) in result.stdout
        assert "OTHER STILL REFUSED" in result.stdout
        assert "AUTO 1 <Takeover> sits in front of importspy_hook's finder" in result.stdout
        assert "AFTER REINSTALL []" in result.stdout
