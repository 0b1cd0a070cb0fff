"""What a check imports for its rules (``_needs``): never at start-up, only at the first import
of a module whose contract needs it, safely under threads, and never a name read from a file."""

from __future__ import annotations

import textwrap

import pytest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from conftest import Environment, Project

# A contract set like the start-up benchmark's: simple rules, plus one contract (of a module
# the start never imports) with a ``packages`` and a ``matches`` rule.
SIMPLE = """
    module: app.service{n}
    importers:
      allow: ["app", "app.*", "__main__"]
    runtime:
      os: [linux, macos, windows]
      env:
        STAGE: {{one_of: [prod, staging, dev]}}
"""
HEAVY_RULES = """
    module: app.reports
    runtime:
      env:
        REGION: {matches: "eu-[a-z]+-[0-9]"}
      packages:
        attrs: ">=20"
"""
FILES = {
    "app/__init__.py": "",
    "app/reports.py": "VALUE = 1\n",
    "app/service0.py": "VALUE = 0\n",
    "contracts/app.reports.yml": HEAVY_RULES,
    **{f"contracts/app.service{n}.yml": SIMPLE.format(n=n) for n in range(5)},
}
LOADED = """
    import sys
    def loaded():
        return sorted(m for m in ("re", "packaging", "importlib.metadata", "fnmatch") if m in sys.modules)
    print("START", loaded())
    import app.service0
    print("SIMPLE", loaded())
    import app.reports
    print("NEEDED", loaded(), app.reports.VALUE)
"""
ON = {"IMPORTSPY_HOOK_CONTRACTS": "contracts", "STAGE": "prod", "REGION": "eu-west-1"}


def dedent(code: str) -> str:
    return textwrap.dedent(code).lstrip("\n")


class TestDeferredImports:
    def test_start_up_loads_no_module_a_rule_needs_until_its_module_is_imported(
        self, installed: Environment, project: Project
    ) -> None:
        project.write(FILES)
        installed.run(project, "pass", env=ON)  # the cold start writes the cache
        result = installed.run(project, LOADED, env=ON)
        assert result.returncode == 0, result.output
        assert "START []" in result.stdout, result.output
        assert "SIMPLE []" in result.stdout
        # attrs is found by its .dist-info folder name: importlib.metadata is never imported.
        assert "NEEDED ['packaging', 're'] 1" in result.stdout
        assert result.stderr == ""

    def test_rules_that_need_imports_are_still_enforced(self, installed: Environment, project: Project) -> None:
        project.write(FILES)
        installed.run(project, "pass", env=ON)
        result = installed.run(project, LOADED, env={**ON, "REGION": "us-east-1"})
        assert "importspy_hook.RuntimeViolation: app.reports may not be imported" in result.stderr, result.output
        assert "REGION" in result.stderr

    def test_distribution_found_by_folder_name_has_the_version_importlib_metadata_reads(self, project: Project) -> None:
        result = project.run(
            """
            import sys
            from importspy_hook._snapshot import distribution_version
            found = {name: distribution_version(name) for name in ("attrs", "Ruamel.Yaml", "ruamel_yaml", "pytest")}
            print("METADATA", "importlib.metadata" in sys.modules)
            from importlib import metadata
            print("SAME", found == {name: metadata.version(name) for name in found})
            print("MISSING", distribution_version("no-such-distribution-here"))
            """
        )
        assert "METADATA False" in result.stdout, result.output
        assert "SAME True" in result.stdout
        assert "MISSING None" in result.stdout

    @pytest.mark.parametrize("round_", range(3))
    def test_deferred_imports_under_threads_neither_deadlock_nor_break_a_module(
        self, project: Project, round_: int
    ) -> None:
        # Eight threads import protected modules whose checks import packaging, re and
        # importlib.metadata (a distribution not found by folder name), while eight others
        # import those modules and their dependencies themselves, all released at once.
        rules = """
            runtime:
              env:
                REGION: {matches: "eu-.*"}
              packages:
                attrs: ">=20"
                no-such-distribution-here: {absent: true}
        """
        files = {f"guarded_{i}.py": f"VALUE = {i}\n" for i in range(8)}
        files.update({f"contracts/guarded_{i}.yml": f"module: guarded_{i}\n" + dedent(rules) for i in range(8)})
        project.write(files)
        result = project.run(
            """
            import importlib, sys, threading, importspy_hook
            importspy_hook.install("contracts")
            for name in ("re", "packaging", "packaging.version", "packaging.specifiers", "importlib.metadata",
                         "email", "email.parser", "zipfile", "csv", "fnmatch"):
                sys.modules.pop(name, None)  # what the cold install loaded: imported again below
            names = [f"guarded_{i}" for i in range(8)]
            names += ["importlib.metadata", "email.parser", "zipfile", "csv", "packaging.specifiers", "re",
                      "packaging.version", "fnmatch"]
            barrier = threading.Barrier(len(names))
            errors, values = [], {}

            def load(name):
                barrier.wait(30)
                try:
                    values[name] = importlib.import_module(name)
                except BaseException as exc:
                    errors.append(f"{name}: {exc!r}")

            threads = [threading.Thread(target=load, args=(name,)) for name in names]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            print("ALIVE", sum(t.is_alive() for t in threads), "ERRORS", errors)
            print("VALUES", sorted(values[f"guarded_{i}"].VALUE for i in range(8)))
            import re
            from packaging.version import Version
            print("WORKING", bool(re.fullmatch("eu-.*", "eu-1")), Version("1.0") > Version("0.9"))
            """,
            env={"REGION": "eu-west-1"},
            timeout=120,
        )
        assert "ALIVE 0 ERRORS []" in result.stdout, result.output
        assert "VALUES [0, 1, 2, 3, 4, 5, 6, 7]" in result.stdout
        assert "WORKING True True" in result.stdout


class TestCacheIsData:
    def test_names_in_a_crafted_cache_are_never_imported(self, installed: Environment, project: Project) -> None:
        # The layout of an older format listed "modules its checks import" in each entry, and
        # start-up imported them: a cache listing ``this`` printed the Zen of Python at every
        # start. Whatever a cache holds, start-up imports nothing it names.
        project.write(FILES)
        installed.run(project, "pass", env=ON)
        craft = dedent(
            """
            import marshal, os, _importspy_hook_guard as core
            from importspy_hook._reading import cache
            folder = os.path.abspath("contracts")
            path = cache.beside_cache(folder)
            entries, end = core.cache_entries(path)
            data = open(path, "rb").read()
            # Each entry with the older layout's list of modules to import: ``this``.
            index = {name: (*entry[:core.ENTRY_OFFSET], ("this",), *entry[core.ENTRY_OFFSET:])
                     for name, entry in entries.items()}
            packed = marshal.dumps(index)
            indexed = len(packed).to_bytes(4, "little") + packed
            with open(path, "wb") as stream:
                stream.write(core.CACHE_HEADER + core.keyed_digest(indexed) + indexed + data[end:])
            print("CRAFTED", len(index))
            """
        )
        assert "CRAFTED" in installed.run(project, craft).stdout
        result = installed.run(
            project, "import sys\nprint('THIS', 'this' in sys.modules)\nimport app.service0\n", env=ON
        )
        assert "Beautiful is better than ugly" not in result.stdout, result.output
        assert "THIS False" in result.stdout
        assert result.returncode == 0, result.output
