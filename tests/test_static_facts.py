"""The facts of a module's source (``importspy_hook.static.facts``) and their per-file cache."""

from __future__ import annotations

import os
import textwrap
from typing import TYPE_CHECKING, Any

from importspy_hook.static.facts import read_facts

if TYPE_CHECKING:
    from conftest import Project


def facts(source: str) -> dict[str, Any]:
    return read_facts(textwrap.dedent(source))


class TestMembers:
    def test_variables_keep_annotation_and_literal_value(self) -> None:
        found = facts("NAME: str = 'x'\nSIZES = (1, 2)\nWHEN = compute()\nONLY: int\n")
        members = found["members"]
        assert members["NAME"]["value"] == "x"
        assert found["annotations"]["NAME"] == "str"
        assert members["SIZES"]["value"] == [1, 2]
        assert members["WHEN"]["known"] is False
        assert "ONLY" not in members  # annotated only: the name does not exist at run time
        assert found["annotations"]["ONLY"] == "int"

    def test_functions_keep_every_parameter_kind_annotation_and_default(self) -> None:
        found = facts("async def f(a, /, b: int = 1, *args: str, c, d=None, **kw) -> 'R': ...\n")
        function = found["members"]["f"]
        assert function["async"] is True
        assert function["returns"] == "'R'"
        assert function["params"] == [
            ["a", "positional-only", None, None],
            ["b", "positional-or-keyword", "int", "1"],
            ["args", "var-positional", "str", None],
            ["c", "keyword-only", None, None],
            ["d", "keyword-only", None, "None"],
            ["kw", "var-keyword", None, None],
        ]

    def test_classes_keep_bases_resolved_through_imports_and_members(self) -> None:
        found = facts(
            """
            from app import base
            from app.core import BasePlugin as BP
            class Plugin(BP, base.Mixin):
                name = "p"
                size: int
                __slots__ = ("slot",)
                def __init__(self):
                    self.state = 1
                @staticmethod
                def run(x: int) -> None: ...
            """
        )
        plugin = found["members"]["Plugin"]
        assert plugin["bases"] == ["BP", "base.Mixin"]
        assert plugin["resolved"] == ["app.core.BasePlugin", "app.base.Mixin"]
        assert plugin["attributes"]["name"]["value"] == "p"
        assert plugin["annotations"] == {"size": "int"}
        assert plugin["instance"] == ["slot", "state"]
        assert set(plugin["methods"]) == {"__init__", "run"}
        assert plugin["methods"]["run"]["unsure"] is None  # staticmethod keeps the function

    def test_imports_say_where_they_sit(self) -> None:
        found = facts(
            """
            import a.b.c
            from .. import sibling as s
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from app import models
            try:
                import ujson
            except ImportError:
                ujson = None
            def later():
                from app.core import f
            """
        )
        rows = {(i["module"], i["name"]): i for i in found["imports"]}
        assert rows[("a.b.c", None)]["bound"] == "a"
        assert rows[("", "sibling")]["level"] == 2
        assert rows[("", "sibling")]["bound"] == "s"
        assert rows[("app", "models")]["type_checking"] is True
        assert rows[("ujson", None)]["guarded"] is True
        assert rows[("app.core", "f")]["function"] is True
        assert rows[("app.core", "f")]["line"] == 12
        assert "models" not in found["members"]  # never bound at run time


class TestUndecided:
    def test_a_definition_under_a_runtime_condition_may_be_missing(self) -> None:
        members = facts("import sys\nif sys.argv:\n    X = 1\n")["members"]
        assert "under the if at line 2" in members["X"]["maybe"]

    def test_a_name_bound_on_every_branch_exists(self) -> None:
        members = facts("import sys\nif sys.argv:\n    X = 1\nelse:\n    X = 2\n")["members"]
        assert members["X"]["maybe"] is None
        assert "bound differently" in members["X"]["unsure"]

    def test_an_unknown_decorator_may_replace_a_function(self) -> None:
        members = facts("@app.route('/')\ndef view(): ...\n")["members"]
        assert "app.route('/')" in members["view"]["unsure"]

    def test_star_imports_and_globals_writes_open_the_namespace(self) -> None:
        assert "star import" in facts("from os import *\n")["open"]
        assert "globals()" in facts("globals()['X'] = 1\n")["open"]
        assert "globals().update" in facts("globals().update(X=1)\n")["open"]
        assert facts("X = 1\n")["open"] is None

    def test_source_that_does_not_parse_is_an_error_not_an_exception(self) -> None:
        assert facts("def broken(:\n")["error"].startswith("1: ")


class TestCache:
    SCRIPT = """
        import sys
        from importspy_hook.static import facts, factscache

        if sys.argv[1] == "no-parse":
            def refuse(*args, **kwargs):
                raise AssertionError("parsed again")
            facts.read_facts = factscache.read_facts = refuse
        found = factscache.source_facts("lib.py")
        print(sorted(found["members"]))
    """

    def test_a_second_run_parses_nothing_unchanged_and_an_edit_is_read(self, project: Project) -> None:
        project.env["IMPORTSPY_HOOK_CACHE_DIR"] = str(project.root / "cache")
        project.write({"lib.py": "A = 1\n"})
        first = project.run(self.SCRIPT, "parse")
        assert first.stdout.strip() == "['A']", first.output
        # Within the racy window the stat key alone is not trusted: the bytes are hashed, not parsed.
        again = project.run(self.SCRIPT, "no-parse")
        assert again.stdout.strip() == "['A']", again.output
        old = os.stat(project.root / "lib.py")
        os.utime(project.root / "lib.py", ns=(old.st_atime_ns, old.st_mtime_ns + 10**9))  # touched only
        touched = project.run(self.SCRIPT, "no-parse")
        assert touched.stdout.strip() == "['A']", touched.output
        project.write({"lib.py": "B = 2\n"})
        edited = project.run(self.SCRIPT, "no-parse")
        assert "parsed again" in edited.stderr
        assert project.run(self.SCRIPT, "parse").stdout.strip() == "['B']"
