"""The resident core (``_importspy_hook_guard``) failing closed: an error while deciding, a
fork while another thread checks, and what a refused import's traceback shows."""

from __future__ import annotations

import os

import pytest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from conftest import Project

# The base tree of the reliability review: payments.keys may be imported by payments only.
BASE = {
    "payments/__init__.py": "",
    "payments/keys.py": 'print("KEYS RAN")\n',
    "plugins/__init__.py": "",
    "plugins/evil.py": "import payments.keys\n",
    "app/__init__.py": "",
    "contracts/payments.keys.yml": 'module: payments.keys\nimporters:\n  allow: ["payments", "payments.*"]\n',
}


class TestErrorWhileDeciding:
    def test_recursion_error_near_the_limit_never_lets_the_module_through(self, project: Project) -> None:
        project.write(BASE)
        result = project.run(
            """
            import sys, importspy_hook
            importspy_hook.install("contracts")
            sys.setrecursionlimit(200)
            outcomes = set()

            def dive(depth):
                if depth:
                    return dive(depth - 1)
                try:
                    import payments.keys
                except RecursionError:
                    outcomes.add("RecursionError")
                except ImportError as exc:
                    outcomes.add(type(exc).__name__)
                else:
                    outcomes.add("IMPORTED")
                    del sys.modules["payments.keys"]

            for depth in range(120, 200):
                try:
                    dive(depth)
                except RecursionError:
                    pass
            sys.setrecursionlimit(1000)
            print("OUTCOMES", sorted(outcomes))
            print("LOADED", "payments.keys" in sys.modules)
            """
        )
        assert "KEYS RAN" not in result.stdout, result.output
        assert "IMPORTED" not in result.stdout
        assert "LOADED False" in result.stdout

    def test_error_in_a_finder_we_ask_refuses_with_its_own_rule(self, project: Project) -> None:
        project.write(BASE)
        result = project.run(
            """
            import sys, importspy_hook

            class Broken:
                def find_spec(self, name, path=None, target=None):
                    if name == "payments.keys":
                        raise KeyError("broken finder")
                    return None

            importspy_hook.install("contracts")
            sys.meta_path.insert(1, Broken())
            try:
                import payments.keys
            except importspy_hook.ContractViolation as exc:
                print("REFUSED", [v.rule for v in exc.violations], "KeyError" in str(exc))
            print("LOADED", "payments.keys" in sys.modules)
            """
        )
        assert "REFUSED ['hook.error'] True" in result.stdout, result.output
        assert "LOADED False" in result.stdout
        assert "KEYS RAN" not in result.stdout


class TestFork:
    @pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
    def test_child_does_not_inherit_the_mark_of_a_thread_checking_in_the_parent(self, project: Project) -> None:
        project.write(BASE)
        result = project.run(
            """
            import os, sys, threading, warnings, importspy_hook
            import _importspy_hook_guard as core
            warnings.simplefilter("ignore", DeprecationWarning)  # fork() with threads, 3.12+
            importspy_hook.install("contracts")
            marked, release = threading.Event(), threading.Event()

            def checking():
                # What a check does while it imports what its rules need.
                outer = core.enter_own_imports()
                marked.set()
                release.wait(30)
                core.leave_own_imports(outer)

            thread = threading.Thread(target=checking)
            thread.start()
            marked.wait(30)
            pid = os.fork()
            if pid == 0:
                outcome = []

                def evil():
                    try:
                        import plugins.evil
                    except ImportError as exc:
                        outcome.append(type(exc).__name__)
                    else:
                        outcome.append("IMPORTED")

                child = threading.Thread(target=evil)
                child.start()
                child.join(30)
                print("CHILD", outcome, "MARKS", len(core._checking), flush=True)
                os._exit(0)
            os.waitpid(pid, 0)
            release.set()
            thread.join(30)
            """
        )
        assert "CHILD ['ImporterViolation'] MARKS 0" in result.stdout, result.output
        assert "KEYS RAN" not in result.stdout


class TestTraceback:
    def test_refused_import_shows_one_frame_of_the_hook(self, project: Project) -> None:
        project.write(BASE)
        result = project.run("import importspy_hook\nimportspy_hook.install('contracts')\nimport plugins.evil\n")
        assert "ImporterViolation" in result.stderr, result.output
        frames = [line for line in result.stderr.splitlines() if line.startswith('  File "')]
        ours = [line for line in frames if "importspy_hook" in line]
        assert len(ours) == 1, result.stderr
        assert "KEYS RAN" not in result.stdout

    def test_refused_import_under_pytest_ends_at_the_importing_line(self, project: Project) -> None:
        project.write(BASE)
        project.write(
            {
                "test_it.py": (
                    "import importspy_hook\n\n"
                    "def test_evil():\n"
                    "    importspy_hook.install('contracts')\n"
                    "    import plugins.evil\n"
                )
            }
        )
        result = project.python("-m", "pytest", "-q", "-p", "no:cacheprovider", "test_it.py")
        assert "ImporterViolation" in result.stdout, result.output
        assert "_importspy_hook_guard.py" not in result.stdout
        assert "_failure.py" not in result.stdout
