"""``importers.require`` and ``provides`` checked from the source by ``check --static``.

For each kind of member, a module that keeps the contract passes and one that breaks it fails
with the run-time check's rule id; what the source cannot decide is a warning, an error only
with ``--undecided=error``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Project

PROVIDES = """
    module: lib.api
    provides:
      variables:
        - {name: VERSION, value: [1, 2]}
        - {name: NAME, annotation: str}
      functions:
        - name: connect
          arguments: [{name: url, annotation: str}, {name: timeout}]
          returns: Connection
      classes:
        - name: Connection
          bases: [Base]
          attributes:
            - {name: retries, value: 3}
            - {name: url, scope: instance}
            - {name: state, scope: instance, annotation: int}
          methods:
            - name: close
              arguments: [{name: self}]
            - {name: reset}
"""

KEEPS = """
from lib.base import Base as Base

VERSION = (1, 2)
NAME: str = "api"


class Connection(Base):
    retries = 3
    state: int

    def __init__(self, url):
        self.url = url

    def close(self) -> None: ...


def connect(url: str, timeout=3) -> Connection:
    return Connection(url)
"""

BASE = """
class Root:
    def reset(self): ...

class Base(Root):
    pass
"""


def static(project: Project, *args: str) -> tuple[int, dict[tuple[str, str], str]]:
    """Exit code, and each violation's message by (rule, member name in the message's label)."""
    result = project.python("-m", "importspy_hook", "check", "--static", "--format", "json", *args)
    assert result.returncode in (0, 1), result.output
    data = json.loads(result.stdout)
    found = {}
    for violation in data["violations"]:
        label = violation["message"].split(" in ", 1)[0]
        found[(violation["rule"], label)] = violation["message"]
    return result.returncode, found


@pytest.fixture
def sandbox(project: Project) -> Project:
    project.env["IMPORTSPY_HOOK_CACHE_DIR"] = str(project.root / ".cache")
    project.write({"contracts/lib.api.yml": PROVIDES, "lib/__init__.py": "", "lib/base.py": BASE})
    return project


class TestProvides:
    def test_a_module_that_provides_every_member_passes(self, sandbox: Project) -> None:
        sandbox.write({"lib/api.py": KEEPS})
        code, found = static(sandbox, "lib")
        assert (code, found) == (0, {})

    @pytest.mark.parametrize(
        ("change", "rule", "label"),
        [
            (("VERSION = (1, 2)", "VERSION = (1, 3)"), "provides.variable.value", "provides.variables.VERSION"),
            (("VERSION = (1, 2)", "OTHER = 1"), "provides.variable.missing", "provides.variables.VERSION"),
            (('NAME: str = "api"', 'NAME: bytes = b"api"'), "provides.variable.annotation", "provides.variables.NAME"),
            (
                ("def connect(url: str,", "def connect(address: str,"),
                "provides.function.argument",
                "provides.functions.connect",
            ),
            (
                ("def connect(url: str,", "def connect(url: bytes,"),
                "provides.function.annotation",
                "provides.functions.connect",
            ),
            (
                ("timeout=3) -> Connection", "timeout=3) -> None"),
                "provides.function.returns",
                "provides.functions.connect",
            ),
            (("def connect(", "connect = 3\ndef other("), "provides.function.kind", "provides.functions.connect"),
            (("class Connection(Base)", "class Connection"), "provides.class.bases", "provides.classes.Connection"),
            (
                ("    retries = 3", "    retries = 4"),
                "provides.attribute.value",
                "provides.classes.Connection.attributes.retries",
            ),
            (
                ("    retries = 3", "    tries = 3"),
                "provides.attribute.missing",
                "provides.classes.Connection.attributes.retries",
            ),
            (
                ("self.url = url", "self.address = url"),
                "provides.attribute.missing",
                "provides.classes.Connection.attributes.url",
            ),
            (
                ("    state: int", "    state: str"),
                "provides.attribute.annotation",
                "provides.classes.Connection.attributes.state",
            ),
            (
                ("def close(self)", "def shut(self)"),
                "provides.method.missing",
                "provides.classes.Connection.methods.close",
            ),
            (
                ("def close(self)", "def close(this)"),
                "provides.method.argument",
                "provides.classes.Connection.methods.close",
            ),
            (
                ("class Connection(Base)", "Connection = 1\nclass Other(Base)"),
                "provides.class.kind",
                "provides.classes.Connection",
            ),
        ],
    )
    def test_each_broken_member_is_reported_with_the_runtime_rule(
        self, sandbox: Project, change: tuple[str, str], rule: str, label: str
    ) -> None:
        assert change[0] in KEEPS
        sandbox.write({"lib/api.py": KEEPS.replace(*change)})
        code, found = static(sandbox, "lib")
        assert code == 1
        assert (rule, label) in found, found

    def test_an_inherited_method_is_found_in_the_base_class_source(self, sandbox: Project) -> None:
        sandbox.write({"lib/api.py": KEEPS, "lib/base.py": BASE.replace("def reset", "def restart")})
        code, found = static(sandbox, "lib")
        assert code == 1
        assert set(found) == {("provides.method.missing", "provides.classes.Connection.methods.reset")}

    @pytest.mark.parametrize(
        ("change", "label", "reason"),
        [
            (
                ("VERSION = (1, 2)", "import sys\nif sys.platform:\n    VERSION = (1, 2)"),
                "provides.variables.VERSION",
                "only under the if",
            ),
            (("def connect(", "@register\ndef connect("), "provides.functions.connect", "may replace the function"),
            (("VERSION = (1, 2)", "from os import *"), "provides.variables.VERSION", "star import"),
            (
                ("from lib.base import Base as Base", "from elsewhere import Base"),
                "provides.classes.Connection.methods.reset",
                "the source of its base Base is not read",
            ),
        ],
    )
    def test_what_the_source_cannot_decide_is_a_warning_or_an_error_when_asked(
        self, sandbox: Project, change: tuple[str, str], label: str, reason: str
    ) -> None:
        sandbox.write({"lib/api.py": "def register(f): return f\n" + KEEPS.replace(*change)})
        code, found = static(sandbox, "lib")
        assert code == 0, found
        (key,) = [k for k in found if k[1] == label]
        assert key[0].endswith(".undecided")
        assert reason in found[key]
        code, found = static(sandbox, "lib", "--undecided=error")
        assert code == 1
        assert key in found


class TestRequire:
    CONTRACT = """
        module: app.core
        importers:
          require:
            variables: [{name: PLUGIN_NAME}]
            classes:
              - name: Plugin
                bases: [BasePlugin]
                methods: [{name: run, arguments: [{name: self}]}]
    """

    def test_the_importer_defining_members_after_its_import_passes(self, project: Project) -> None:
        project.write(
            {
                "contracts/app.core.yml": self.CONTRACT,
                "app/__init__.py": "",
                "app/core.py": "class BasePlugin: ...\n",
                "plugins/__init__.py": "",
                "plugins/good.py": """
                    from app.core import BasePlugin
                    PLUGIN_NAME = "good"
                    class Plugin(BasePlugin):
                        def run(self): ...
                """,
                "plugins/bad.py": """
                    from app.core import BasePlugin
                    class Plugin:
                        def run(self): ...
                """,
            }
        )
        code, found = static(project, "app", "plugins")
        assert code == 1
        assert set(found) == {
            ("importers.require.variable.missing", "importers.require.variables.PLUGIN_NAME"),
            ("importers.require.class.bases", "importers.require.classes.Plugin"),
        }
        assert "the importer plugins.bad defines no variable PLUGIN_NAME" in "".join(found.values())

    @pytest.mark.parametrize("where", ["plugins/broken.py", "broken.py"])
    def test_a_tree_with_source_that_does_not_parse_is_a_usage_error(self, project: Project, where: str) -> None:
        project.write(
            {
                "contracts/app.core.yml": self.CONTRACT,
                "app/__init__.py": "",
                "app/core.py": "class BasePlugin: ...\n",
                "plugins/__init__.py": "",
                where: "from app.core import BasePlugin\ndef oops(:\n",
            }
        )
        result = project.python("-m", "importspy_hook", "check", "--static", ".")
        assert result.returncode == 2, result.output
        assert f"{where}:2: the source does not parse" in result.stderr
