"""``importers.require`` and ``provides``: what the importer and the protected module must define.

Every case runs twice: once as ``importers.require`` (the source is the importer's, run before
its ``import guarded``), once as ``provides`` (the source is the protected module's own).
"""

from __future__ import annotations

import ast
import json
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Project, Result

REPORT = """
    import importspy_hook, sys
    importspy_hook.install("contracts")
    try:
        import plugin
    except importspy_hook.ContractViolation as exc:
        print("VIOLATION", type(exc).__name__, [v.rule for v in exc.violations])
        print("MESSAGE", exc)
    else:
        print("IMPORTED")
    print("LOADED", "guarded" in sys.modules)
"""

SECTIONS = {"require": "importers.require", "provides": "provides"}


def check(project: Project, section: str, members: dict[str, Any], source: str) -> Result:
    """Import ``guarded`` from ``plugin`` with ``source`` in the importer or the module."""
    source = textwrap.dedent(source)
    if section == "require":
        contract = {"module": "guarded", "importers": {"require": members}}
        files = {"plugin.py": source + "\nimport guarded\n", "guarded.py": ""}
    else:
        contract = {"module": "guarded", "provides": members}
        files = {"plugin.py": "import guarded\n", "guarded.py": source}
    for name, text in files.items():
        (project.root / name).write_text(text, encoding="utf-8")
    project.write({"contracts/guarded.yml": json.dumps(contract)})
    return project.run(REPORT)


def outcome(result: Result, section: str) -> list[str]:
    """The rule ids of the violation (without the section), or ``[]`` when the import passed."""
    assert result.returncode == 0, result.output
    if "IMPORTED" in result.stdout:
        return []
    line = next(x for x in result.stdout.splitlines() if x.startswith("VIOLATION"))
    assert line.startswith("VIOLATION StructureViolation "), result.output
    rules: list[str] = ast.literal_eval(line.split(" ", 2)[2])
    prefix = SECTIONS[section] + "."
    assert all(r.startswith(prefix) for r in rules), rules
    return [r[len(prefix) :] for r in rules]


V = "PLUGIN_API"
CASES: list[tuple[str, dict[str, Any], str, list[str]]] = [
    # variables
    ("variable present", {"variables": [{"name": V}]}, "PLUGIN_API = 2", []),
    ("variable missing", {"variables": [{"name": V}]}, "OTHER = 2", ["variable.missing"]),
    ("variable value", {"variables": [{"name": V, "value": 2}]}, "PLUGIN_API = 2", []),
    ("variable wrong value", {"variables": [{"name": V, "value": 2}]}, "PLUGIN_API = 3", ["variable.value"]),
    ("variable true is not 1", {"variables": [{"name": V, "value": True}]}, "PLUGIN_API = 1", ["variable.value"]),
    ("variable null value", {"variables": [{"name": V, "value": None}]}, "PLUGIN_API = None", []),
    ("variable list value", {"variables": [{"name": V, "value": [1, "a"]}]}, "PLUGIN_API = (1, 'a')", []),
    ("variable annotation", {"variables": [{"name": V, "annotation": "int"}]}, "PLUGIN_API: int = 2", []),
    (
        "variable wrong annotation",
        {"variables": [{"name": V, "annotation": "str"}]},
        "PLUGIN_API: int = 2",
        ["variable.annotation"],
    ),
    (
        "variable not annotated",
        {"variables": [{"name": V, "annotation": "int"}]},
        "PLUGIN_API = 2",
        ["variable.annotation"],
    ),
    (
        "variable annotation spelling ignores typing prefix and spaces",
        {"variables": [{"name": V, "annotation": "typing.Optional[ int ]"}]},
        "from typing import Optional\nPLUGIN_API: Optional[int] = None",
        [],
    ),
    (
        "variable annotation as a string under postponed evaluation",
        {"variables": [{"name": V, "annotation": "dict[str,int]"}]},
        "from __future__ import annotations\nPLUGIN_API: dict[str, int] = {}",
        [],
    ),
    # functions
    ("function present", {"functions": [{"name": "register"}]}, "def register(registry): pass", []),
    ("function missing", {"functions": [{"name": "register"}]}, "", ["function.missing"]),
    ("function that is a number", {"functions": [{"name": "register"}]}, "register = 3", ["function.kind"]),
    ("function that is a class", {"functions": [{"name": "register"}]}, "class register: pass", ["function.kind"]),
    (
        "function arguments by name, more is fine",
        {"functions": [{"name": "register", "arguments": [{"name": "registry"}]}]},
        "def register(extra, registry=None, *, more=1): pass",
        [],
    ),
    (
        "function keyword-only, star and double-star arguments",
        {"functions": [{"name": "register", "arguments": [{"name": "flag"}, {"name": "a"}, {"name": "kw"}]}]},
        "def register(*a, flag, **kw): pass",
        [],
    ),
    (
        "function argument missing",
        {"functions": [{"name": "register", "arguments": [{"name": "registry"}]}]},
        "def register(reg): pass",
        ["function.argument"],
    ),
    (
        "function argument annotation",
        {"functions": [{"name": "register", "arguments": [{"name": "registry", "annotation": "Registry"}]}]},
        "class Registry: pass\ndef register(registry: Registry): pass",
        [],
    ),
    (
        "function argument wrong annotation",
        {"functions": [{"name": "register", "arguments": [{"name": "registry", "annotation": "Registry"}]}]},
        "def register(registry: int): pass",
        ["function.annotation"],
    ),
    (
        "function argument not annotated",
        {"functions": [{"name": "register", "arguments": [{"name": "registry", "annotation": "Registry"}]}]},
        "def register(registry): pass",
        ["function.annotation"],
    ),
    (
        "function annotations naming a class inside a generic, as source spells them",
        {
            "functions": [
                {
                    "name": "register",
                    "arguments": [
                        {"name": "registry", "annotation": "Optional[Registry]"},
                        {"name": "items", "annotation": "list[Registry]"},
                    ],
                    "returns": "dict[str, Registry]",
                }
            ]
        },
        "from typing import Optional\nclass Registry: pass\n"
        "def register(registry: Optional[Registry], items: list[Registry]) -> dict[str, Registry]: pass",
        [],
    ),
    (
        "function annotation qualified in the contract and in source",
        {"functions": [{"name": "register", "arguments": [{"name": "m", "annotation": "collections.abc.Mapping"}]}]},
        "import collections.abc\ndef register(m: collections.abc.Mapping): pass",
        [],
    ),
    (
        "function returns None",
        {"functions": [{"name": "register", "returns": "None"}]},
        "def register() -> None: pass",
        [],
    ),
    (
        "function returns None but not annotated",
        {"functions": [{"name": "register", "returns": "None"}]},
        "def register(): pass",
        ["function.returns"],
    ),
    (
        "function returns None but annotated int",
        {"functions": [{"name": "register", "returns": "None"}]},
        "def register() -> int: return 1",
        ["function.returns"],
    ),
    (
        "function returns omitted is not checked",
        {"functions": [{"name": "register"}]},
        "def register() -> int: return 1",
        [],
    ),
    (
        "function behind functools.wraps is read through __wrapped__",
        {"functions": [{"name": "register", "arguments": [{"name": "registry"}], "returns": "None"}]},
        """
        import functools
        def logged(f):
            @functools.wraps(f)
            def wrapper(*args, **kwargs):
                return f(*args, **kwargs)
            return wrapper
        @logged
        def register(registry) -> None: pass
        """,
        [],
    ),
    # classes
    ("class present", {"classes": [{"name": "Plugin"}]}, "class Plugin: pass", []),
    ("class missing", {"classes": [{"name": "Plugin"}]}, "", ["class.missing"]),
    ("class that is a function", {"classes": [{"name": "Plugin"}]}, "def Plugin(): pass", ["class.kind"]),
    (
        "class direct base",
        {"classes": [{"name": "Plugin", "bases": ["BasePlugin"]}]},
        "class BasePlugin: pass\nclass Plugin(BasePlugin): pass",
        [],
    ),
    (
        "class indirect base",
        {"classes": [{"name": "Plugin", "bases": ["BasePlugin"]}]},
        "class BasePlugin: pass\nclass Middle(BasePlugin): pass\nclass Plugin(Middle): pass",
        [],
    ),
    (
        "class builtin base spelled with builtins prefix",
        {"classes": [{"name": "Plugin", "bases": ["builtins.Exception"]}]},
        "class Plugin(ValueError): pass",
        [],
    ),
    (
        "class missing base",
        {"classes": [{"name": "Plugin", "bases": ["BasePlugin"]}]},
        "class BasePlugin: pass\nclass Plugin: pass",
        ["class.bases"],
    ),
    (
        "class attribute",
        {"classes": [{"name": "Plugin", "attributes": [{"name": "name", "scope": "class"}]}]},
        "class Plugin:\n    name = 'p'",
        [],
    ),
    (
        "class attribute inherited",
        {"classes": [{"name": "Plugin", "attributes": [{"name": "name"}]}]},
        "class Base:\n    name = 'p'\nclass Plugin(Base): pass",
        [],
    ),
    (
        "class attribute missing",
        {"classes": [{"name": "Plugin", "attributes": [{"name": "name"}]}]},
        "class Plugin:\n    def __init__(self):\n        self.name = 'p'",
        ["attribute.missing"],
    ),
    (
        "class attribute value",
        {"classes": [{"name": "Plugin", "attributes": [{"name": "name", "value": "p"}]}]},
        "class Plugin:\n    name = 'q'",
        ["attribute.value"],
    ),
    (
        "class attribute annotation",
        {"classes": [{"name": "Plugin", "attributes": [{"name": "name", "annotation": "str"}]}]},
        "class Plugin:\n    name: str = 'p'",
        [],
    ),
    (
        "class attribute wrong annotation",
        {"classes": [{"name": "Plugin", "attributes": [{"name": "name", "annotation": "str"}]}]},
        "class Plugin:\n    name: bytes = b'p'",
        ["attribute.annotation"],
    ),
    (
        "instance attribute assigned as self.x",
        {"classes": [{"name": "Plugin", "attributes": [{"name": "conn", "scope": "instance"}]}]},
        "class Plugin:\n    def open(self):\n        self.conn = object()",
        [],
    ),
    (
        "instance attribute assigned in a decorated method",
        {"classes": [{"name": "Plugin", "attributes": [{"name": "conn", "scope": "instance"}]}]},
        """
        import functools
        def logged(f):
            @functools.wraps(f)
            def wrapper(*args, **kwargs):
                return f(*args, **kwargs)
            return wrapper
        class Plugin:
            @logged
            def __init__(self):
                self.conn = object()
        """,
        [],
    ),
    (
        "instance attribute annotated in the class body",
        {"classes": [{"name": "Plugin", "attributes": [{"name": "conn", "scope": "instance", "annotation": "int"}]}]},
        "class Plugin:\n    conn: int",
        [],
    ),
    (
        "instance attribute as a dataclass field",
        {"classes": [{"name": "Plugin", "attributes": [{"name": "conn", "scope": "instance"}]}]},
        "import dataclasses\n@dataclasses.dataclass\nclass Plugin:\n    conn: object = None",
        [],
    ),
    (
        "instance attribute in __slots__",
        {"classes": [{"name": "Plugin", "attributes": [{"name": "conn", "scope": "instance"}]}]},
        "class Plugin:\n    __slots__ = ('conn', 'other')",
        [],
    ),
    (
        "instance attribute as the only slot",
        {"classes": [{"name": "Plugin", "attributes": [{"name": "conn", "scope": "instance"}]}]},
        "class Plugin:\n    __slots__ = 'conn'",
        [],
    ),
    (
        "instance attribute missing",
        {"classes": [{"name": "Plugin", "attributes": [{"name": "conn", "scope": "instance"}]}]},
        "class Plugin:\n    def open(self):\n        conn = 1\n        return self.conn",
        ["attribute.missing"],
    ),
    (
        "instance attribute not annotated",
        {"classes": [{"name": "Plugin", "attributes": [{"name": "conn", "scope": "instance", "annotation": "int"}]}]},
        "class Plugin:\n    def __init__(self):\n        self.conn = 1",
        ["attribute.annotation"],
    ),
    (
        "method",
        {"classes": [{"name": "Plugin", "methods": [{"name": "run", "arguments": [{"name": "self"}]}]}]},
        "class Plugin:\n    def run(self): pass",
        [],
    ),
    (
        "method inherited",
        {"classes": [{"name": "Plugin", "methods": [{"name": "run"}]}]},
        "class Base:\n    def run(self): pass\nclass Plugin(Base): pass",
        [],
    ),
    (
        "classmethod arguments",
        {"classes": [{"name": "Plugin", "methods": [{"name": "make", "arguments": [{"name": "cls"}]}]}]},
        "class Plugin:\n    @classmethod\n    def make(cls): pass",
        [],
    ),
    (
        "method missing",
        {"classes": [{"name": "Plugin", "methods": [{"name": "run"}]}]},
        "class Plugin: pass",
        ["method.missing"],
    ),
    (
        "method that is a number",
        {"classes": [{"name": "Plugin", "methods": [{"name": "run"}]}]},
        "class Plugin:\n    run = 3",
        ["method.kind"],
    ),
    (
        "method argument missing",
        {"classes": [{"name": "Plugin", "methods": [{"name": "run", "arguments": [{"name": "registry"}]}]}]},
        "class Plugin:\n    def run(self): pass",
        ["method.argument"],
    ),
    (
        "method argument annotation",
        {
            "classes": [
                {"name": "Plugin", "methods": [{"name": "run", "arguments": [{"name": "n", "annotation": "int"}]}]}
            ]
        },
        "class Plugin:\n    def run(self, n: str): pass",
        ["method.annotation"],
    ),
    (
        "method returns",
        {"classes": [{"name": "Plugin", "methods": [{"name": "run", "returns": "None"}]}]},
        "class Plugin:\n    def run(self) -> None: pass",
        [],
    ),
    (
        "method wrong returns",
        {"classes": [{"name": "Plugin", "methods": [{"name": "run", "returns": "None"}]}]},
        "class Plugin:\n    def run(self) -> int: return 1",
        ["method.returns"],
    ),
]


@pytest.mark.parametrize("section", list(SECTIONS))
class TestMembers:
    @pytest.mark.parametrize(("members", "source", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
    def test_member_rule(
        self, project: Project, section: str, members: dict[str, Any], source: str, expected: list[str]
    ) -> None:
        result = check(project, section, members, source)
        assert outcome(result, section) == expected, result.output

    def test_every_violation_is_collected(self, project: Project, section: str) -> None:
        members = {
            "variables": [{"name": "PLUGIN_API", "value": 2}],
            "functions": [{"name": "register"}],
            "classes": [{"name": "Plugin", "bases": ["BasePlugin"], "methods": [{"name": "run"}]}],
        }
        result = check(project, section, members, "PLUGIN_API = 1\nclass Plugin: pass")
        assert outcome(result, section) == [
            "variable.value",
            "function.missing",
            "class.bases",
            "method.missing",
        ], result.output


class TestMessages:
    def test_require_message_names_importer_member_and_contract_line(self, project: Project) -> None:
        result = check(project, "require", {"functions": [{"name": "register"}]}, "")
        assert (
            "importers.require.functions.register in contracts/guarded.yml:1: "
            "the importer plugin (plugin.py) defines no function register; define register"
        ) in result.stdout, result.output

    def test_provides_message_names_the_module(self, project: Project) -> None:
        result = check(project, "provides", {"variables": [{"name": V, "value": 2}]}, "PLUGIN_API = 3")
        assert "guarded does not provide what its contract requires: " in result.stdout, result.output
        assert "provides.variables.PLUGIN_API in contracts/guarded.yml:1: PLUGIN_API must be 2, but guarded has 3" in (
            result.stdout
        )


class TestProvides:
    def test_violation_removes_the_module_from_sys_modules(self, project: Project) -> None:
        result = check(project, "provides", {"functions": [{"name": "register"}]}, "X = 1")
        assert "VIOLATION StructureViolation ['provides.function.missing']" in result.stdout, result.output
        assert "LOADED False" in result.stdout

    def test_module_passing_provides_stays_imported(self, project: Project) -> None:
        result = check(project, "provides", {"functions": [{"name": "register"}]}, "def register(): pass")
        assert "IMPORTED" in result.stdout, result.output
        assert "LOADED True" in result.stdout

    def test_a_retried_import_is_checked_again(self, project: Project) -> None:
        check(project, "provides", {"functions": [{"name": "register"}]}, "X = 1")
        result = project.run(
            """
            import importspy_hook
            importspy_hook.install("contracts")
            for attempt in range(2):
                try:
                    import guarded
                except importspy_hook.StructureViolation:
                    print("VIOLATION", attempt)
            """
        )
        assert "VIOLATION 0\nVIOLATION 1" in result.stdout, result.output


class TestExampleContract:
    """The example in ``contracts/app.core.yml`` works as its comment says."""

    EXAMPLE = Path(__file__).resolve().parents[1] / "contracts" / "app.core.yml"

    def files(self, plugin: str) -> dict[str, str]:
        return {
            "contracts/app.core.yml": self.EXAMPLE.read_text(encoding="utf-8"),
            "app/__init__.py": "",
            "app/base.py": "class BasePlugin:\n    name = 'base'\n",
            "app/core.py": "def load_plugins(): return []\n",
            "app/plugins/__init__.py": "",
            "app/plugins/good.py": plugin,
        }

    GOOD = """
        from app.base import BasePlugin

        class Plugin(BasePlugin):
            name = "good"
            def run(self): pass

        def register(registry): pass

        import app.core
    """

    def test_conforming_plugin_imports_the_core(self, project: Project) -> None:
        result = project.write(self.files(self.GOOD)).run(REPORT.replace("import plugin", "import app.plugins.good"))
        assert "IMPORTED" in result.stdout, result.output

    def test_plugin_without_register_is_refused(self, project: Project) -> None:
        plugin = self.GOOD.replace("def register(registry)", "def setup(registry)")
        result = project.write(self.files(plugin)).run(REPORT.replace("import plugin", "import app.plugins.good"))
        assert "VIOLATION StructureViolation ['importers.require.function.missing']" in result.stdout, result.output


class TestSecrets:
    @pytest.mark.parametrize("section", list(SECTIONS))
    def test_value_of_a_secret_looking_variable_is_never_shown(self, project: Project, section: str) -> None:
        members = {
            "variables": [{"name": "API_TOKEN", "value": "expected-token"}],
            "classes": [{"name": "Client", "attributes": [{"name": "password", "value": "expected-password"}]}],
        }
        source = "API_TOKEN = 'real-token-value'\nclass Client:\n    password = 'real-password-value'"
        result = check(project, section, members, source)
        assert outcome(result, section) == ["variable.value", "attribute.value"]
        assert "API_TOKEN must have its expected value" in result.stdout
        assert "Client.password must have its expected value" in result.stdout
        for text in ("real-token-value", "real-password-value", "expected-token", "expected-password"):
            assert text not in result.output


REQUIRE_REGISTER = {
    "contracts/guarded.yml": json.dumps(
        {"module": "guarded", "importers": {"require": {"functions": [{"name": "register"}]}}}
    )
}


class TestImporterNamespaceAtImportTime:
    """``importers.require`` sees the importer's globals as they are when its import runs."""

    def test_definitions_after_the_import_statement_are_read_from_the_source(self, project: Project) -> None:
        project.write({**REQUIRE_REGISTER, "guarded.py": "", "plugin.py": "import guarded\ndef register(): pass\n"})
        result = project.run(REPORT)
        assert outcome(result, "require") == []

    def test_an_import_inside_a_function_sees_the_finished_module(self, project: Project) -> None:
        project.write(
            {
                **REQUIRE_REGISTER,
                "guarded.py": "",
                "plugin.py": "def load():\n    import guarded\n\ndef register(): pass\n\nload()\n",
            }
        )
        result = project.run(REPORT)
        assert outcome(result, "require") == []


class TestUserCodeRunByAChecksIsChecked:
    """Code of the user's that a check runs (``__eq__`` for ``value``, ``__repr__`` to word a
    violation, a property read) imports with the hook on: only the hook's own imports pass
    unchecked."""

    BASE = {  # noqa: RUF012
        "payments/__init__.py": "",
        "payments/keys.py": 'print("KEYS RAN")\n',
        "app/__init__.py": "",
        "contracts/payments.keys.yml": 'module: payments.keys\nimporters:\n  allow: ["payments", "payments.*"]\n',
        "contracts/app.settings.yml": ("module: app.settings\nprovides:\n  variables: [{name: MODE, value: live}]\n"),
    }
    SETTINGS = {  # noqa: RUF012
        "__eq__": """
            class Setting:
                def __eq__(self, other):
                    import payments.keys
                    return True
            MODE = Setting()
        """,
        "__repr__": """
            class Setting:
                def __eq__(self, other):
                    return False
                def __repr__(self):
                    import payments.keys
                    return "Setting()"
            MODE = Setting()
        """,
        # As lazy_object_proxy.Proxy does: the value is made by a factory on first use.
        "lazy proxy": """
            class Proxy:
                def __init__(self, factory):
                    self._factory = factory
                def __eq__(self, other):
                    return self._factory() == other
            def _make():
                import payments.keys
                return "live"
            MODE = Proxy(_make)
        """,
    }

    @pytest.mark.parametrize("method", ["__eq__", "__repr__", "lazy proxy"])
    def test_import_made_by_user_code_inside_a_check_is_checked(self, project: Project, method: str) -> None:
        project.write({**self.BASE, "app/settings.py": self.SETTINGS[method]})
        result = project.run(
            """
            import sys, importspy_hook
            importspy_hook.install("contracts")
            try:
                import app.settings
            except ImportError as exc:
                print("REFUSED", type(exc).__name__)
                print("MESSAGE", exc)
            print("KEYS LOADED", "payments.keys" in sys.modules)
            """
        )
        assert "KEYS RAN" not in result.stdout, result.output
        assert "KEYS LOADED False" in result.stdout
        # The user's code failed on the refused import: the value does not compare as required.
        assert "REFUSED StructureViolation" in result.stdout
        assert "MODE must be 'live'" in result.stdout
