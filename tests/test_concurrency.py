"""Threads, re-entrant checks and registry reloads, each in a fresh interpreter.

Every wait in the child scripts has a timeout, and every child runs under the fixture's own
timeout, so a deadlock fails the test instead of hanging the suite.
"""

from __future__ import annotations

import pytest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from conftest import Project

THREADS = 16

#: Records ContractWarnings (warn mode: one per check) from every thread.
RECORD_WARNINGS = """
import threading, warnings, importspy_hook
warnings.simplefilter("always")
CHECKS = []
_lock = threading.Lock()

def _record(message, category, *args, **kwargs):
    with _lock:
        CHECKS.append(str(message))

warnings.showwarning = _record
"""


class TestManyThreadsOneModule:
    FILES = {  # noqa: RUF012
        "shared.py": """
            import builtins, time
            builtins.RUNS.append(1)
            time.sleep(0.2)  # keeps the import in flight while the other threads arrive
            VALUE = object()
        """,
    }

    SCRIPT = (
        RECORD_WARNINGS
        + """
import builtins, sys, threading
builtins.RUNS = []
importspy_hook.install("contracts")
barrier = threading.Barrier(16)
outcomes = []

def load():
    barrier.wait(30)
    try:
        import shared
    except importspy_hook.ContractViolation as exc:
        outcomes.append(type(exc).__name__)
    else:
        outcomes.append(id(shared.VALUE))

threads = [threading.Thread(target=load) for _ in range(16)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(60)
print("ALIVE", sum(t.is_alive() for t in threads))
print("OUTCOMES", len(outcomes), len(set(outcomes)), outcomes[0])
print("RUNS", len(builtins.RUNS), "CHECKS", len(CHECKS))
"""
    )

    def test_sixteen_threads_see_one_execution_and_one_check(self, project: Project) -> None:
        project.write(
            {
                **self.FILES,
                "contracts/shared.yml": "module: shared\non_violation: warn\nimporters:\n  allow: ['nobody']\n",
            }
        )
        result = project.run(self.SCRIPT)
        assert "ALIVE 0" in result.stdout, result.output
        assert "OUTCOMES 16 1 " in result.stdout
        assert "RUNS 1 CHECKS 1" in result.stdout

    def test_sixteen_threads_are_all_refused_and_the_module_never_runs(self, project: Project) -> None:
        project.write({**self.FILES, "contracts/shared.yml": "module: shared\nimporters:\n  allow: ['nobody']\n"})
        result = project.run(self.SCRIPT)
        assert "ALIVE 0" in result.stdout, result.output
        assert "OUTCOMES 16 1 ImporterViolation" in result.stdout
        assert "RUNS 0 CHECKS 0" in result.stdout


class TestChainOfProtectedModules:
    def test_sixteen_threads_importing_a_ring_of_modules_finish_with_the_right_importers(
        self, project: Project
    ) -> None:
        files = {}
        for i in range(THREADS):
            following = (i + 1) % THREADS  # a ring: the last imports the first, so locks cross
            files[f"chain_{i}.py"] = f"import time\ntime.sleep(0.01)\nimport chain_{following}\n"
            files[f"contracts/chain_{i}.yml"] = (
                f"module: chain_{i}\non_violation: warn\nimporters:\n  allow: ['nobody']\n"
            )
        project.write(files)
        result = project.run(
            RECORD_WARNINGS
            + """
import re, sys, threading
importspy_hook.install("contracts")
barrier = threading.Barrier(16)
failures = []

def load(i):
    barrier.wait(30)
    try:
        __import__(f"chain_{i}")
    except BaseException as exc:
        failures.append(repr(exc))

threads = [threading.Thread(target=load, args=(i,)) for i in range(16)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(60)
print("ALIVE", sum(t.is_alive() for t in threads), "FAILURES", failures)
importers = {}
for message in CHECKS:
    found = re.match(r"(chain_\\d+) may not be imported by (\\S+) ", message)
    importers.setdefault(found[1], []).append(found[2])
print("CHECKED", len(importers), all(len(v) == 1 for v in importers.values()))
for name, (importer,) in sorted(importers.items()):
    number = int(name.split("_")[1])
    if importer not in ("__main__", f"chain_{(number - 1) % 16}"):
        print("WRONG IMPORTER", name, importer)
print("LOADED", sum(f"chain_{i}" in sys.modules for i in range(16)))
"""
        )
        assert "ALIVE 0 FAILURES []" in result.stdout, result.output
        assert "CHECKED 16 True" in result.stdout
        assert "WRONG IMPORTER" not in result.stdout
        assert "LOADED 16" in result.stdout


PACKAGES_RULE = """
importers:
  allow: ["__main__", "mymod"]
runtime:
  packages:
    attrs: ">=1"
"""


class TestChecksThatImport:
    """A check imports what its rules need (packaging, ``re``, and importlib.metadata with
    zipfile, csv, email when a distribution is not found by its folder name) at the first
    import of a module whose contract needs it, never at start-up."""

    RULES = """
runtime:
  env:
    STAGE: {matches: "pro?d"}
  packages:
    attrs: ">=1"
    no-such-distribution-here: {absent: true}
"""

    @pytest.mark.parametrize("pattern", ["*", "zipfile", "email.*", "importlib.metadata"])
    def test_contract_on_a_module_the_check_imports_neither_recurses_nor_breaks_it(
        self, project: Project, pattern: str
    ) -> None:
        project.write(
            {
                "mymod.py": "X = 1\n",
                "contracts/mymod.yml": "module: mymod\n" + self.RULES,
                "contracts/other.yml": f'module: "{pattern}"\nimporters:\n  allow: ["__main__", "mymod"]\n',
            }
        )
        result = project.run(
            """
            import sys, warnings, importspy_hook
            from fnmatch import fnmatchcase
            importspy_hook.install("contracts")
            before = set(sys.modules)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                import mymod
            print("MYMOD", mymod.X)
            # Which modules the check's imports load depends on the Python version (3.13's
            # importlib.metadata imports email lazily): a warning exactly when one is governed.
            # A wildcard never covers the standard library unless its literal start names it:
            # "*" governs only what is not in it (packaging, for the version rule).
            pattern = sys.argv[1]
            loaded = set(sys.modules) - before - {"mymod"}
            # and never the hook's own modules, which no contract guards.
            outside = [
                m for m in loaded
                if m.partition(".")[0] not in sys.stdlib_module_names and m.partition(".")[0] != "importspy_hook"
            ]
            governed = outside if pattern == "*" else [m for m in loaded if fnmatchcase(m, pattern)]
            warned = any("importspy_hook's own checks" in str(w.message) for w in caught)
            print("WARNED AS LOADED", warned == bool(governed))
            print("OWN MODULES NAMED", any("importspy_hook." in str(w.message) for w in caught))
            # Loaded whole by the check (importlib.metadata looked for the missing distribution).
            import re
            metadata = sys.modules["importlib.metadata"]
            print("WORKS", metadata.PackageNotFoundError.__name__, re.fullmatch("a", "a")[0])
            """,
            pattern,
            env={"STAGE": "prod"},
            timeout=60,
        )
        assert result.returncode == 0, result.output
        assert "MYMOD 1" in result.stdout, result.output
        assert "WARNED AS LOADED True" in result.stdout
        assert "OWN MODULES NAMED False" in result.stdout
        assert "WORKS PackageNotFoundError a" in result.stdout

    def test_module_a_check_did_not_need_stays_guarded(self, project: Project) -> None:
        # attrs is found by its .dist-info folder name: importlib.metadata (and email.parser
        # with it) is never imported, so a contract on email.parser still refuses it.
        project.write(
            {
                "mymod.py": "X = 1\n",
                "contracts/mymod.yml": "module: mymod\nruntime:\n  packages:\n    attrs: '>=1'\n",
                "contracts/parser.yml": "module: email.parser\nimporters:\n  allow: ['nobody']\n",
            }
        )
        result = project.run(
            """
            import sys, warnings, importspy_hook
            warnings.simplefilter("error")
            importspy_hook.install("contracts")
            import mymod
            print("MYMOD", mymod.X, "METADATA", "importlib.metadata" in sys.modules)
            try:
                import email.parser
            except importspy_hook.ImporterViolation as exc:
                print("REFUSED", [v.rule for v in exc.violations])
            """
        )
        assert "MYMOD 1 METADATA False" in result.stdout, result.output
        assert "REFUSED ['importers.allow']" in result.stdout


class TestReloadWhileImporting:
    def test_invalidate_caches_during_imports_never_breaks_an_import(self, project: Project) -> None:
        files = {f"mod_{i}.py": "X = 1\n" for i in range(40)}
        files.update(
            {f"contracts/mod_{i}.yml": f"module: mod_{i}\nimporters:\n  allow: ['__main__']\n" for i in range(40)}
        )
        project.write(files)
        result = project.run(
            """
            import importlib, pathlib, sys, threading, time, warnings, importspy_hook
            warnings.simplefilter("error")  # no warning may come from a good reload
            importspy_hook.install("contracts")
            errors, reloads = [], set()
            done = threading.Event()

            def reloader():
                contracts = pathlib.Path("contracts")
                flip = 0
                while not done.is_set() or len(reloads) < 2:
                    flip += 1
                    # Rewrite one contract (still valid, same rule) and reload the registry.
                    (contracts / "mod_0.yml").write_text(
                        "module: mod_0\\nimporters:\\n  allow: ['__main__']\\n" + "#" * flip + "\\n"
                    )
                    try:
                        importlib.invalidate_caches()
                    except BaseException as exc:
                        errors.append(repr(exc))
                    # The registry itself, not its id: a freed registry's id may be reused.
                    reloads.add(sys.meta_path[0].registry)

            def importer(start):
                for i in range(start, 40, 4):
                    time.sleep(0.02)  # spreads the imports over several reloads
                    try:
                        importlib.import_module(f"mod_{i}")
                    except BaseException as exc:
                        errors.append(repr(exc))

            background = threading.Thread(target=reloader)
            background.start()
            workers = [threading.Thread(target=importer, args=(s,)) for s in range(4)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(60)
            done.set()
            background.join(60)
            print("ERRORS", errors)
            print("LOADED", sum(f"mod_{i}" in sys.modules for i in range(40)))
            warnings.simplefilter("ignore")
            print("REGISTRY", len(sys.meta_path[0].registry), "RELOADS", len(reloads) > 1)
            """,
            timeout=120,
        )
        assert "ERRORS []" in result.stdout, result.output
        assert "LOADED 40" in result.stdout
        assert "REGISTRY 40 RELOADS True" in result.stdout
