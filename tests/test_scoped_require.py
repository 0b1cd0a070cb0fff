"""Scoped ``importers.require``: a list of entries, each applying to the importers its ``match`` names.

"Plugins must define PLUGIN_NAME" must not refuse the host, which is allowed but is no plugin.
The same contract is checked at run time (a fresh interpreter importing through the hook) and
from the source (``check --static``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Project

CONTRACT = """
    module: app.core
    importers:
      allow: ["app.*", "plugins.*"]
      require:
        - match: ["plugins.*"]
          variables: [{name: PLUGIN_NAME}]
        - match: ["plugins.strict*"]
          functions: [{name: register}]
"""

FILES = {
    "contracts/app.core.yml": CONTRACT,
    "app/__init__.py": "",
    "app/core.py": "",
    "app/host.py": "import app.core\n",
    "plugins/__init__.py": "",
    "plugins/good.py": "PLUGIN_NAME = 'good'\nimport app.core\n",
    "plugins/nameless.py": "import app.core\n",
    "plugins/strict_one.py": "PLUGIN_NAME = 's'\nimport app.core\n",
}

IMPORT = """
    import importspy_hook, sys
    importspy_hook.install("contracts")
    try:
        __import__(sys.argv[1])
    except importspy_hook.ContractViolation as exc:
        print("REFUSED", [v.rule for v in exc.violations])
        print(exc)
    else:
        print("IMPORTED")
"""


@pytest.fixture
def sandbox(project: Project) -> Project:
    project.env["IMPORTSPY_HOOK_CACHE_DIR"] = str(project.root / ".cache")
    return project.write(FILES)


class TestAtRunTime:
    def test_the_host_without_plugin_name_is_allowed(self, sandbox: Project) -> None:
        result = sandbox.run(IMPORT, "app.host")
        assert result.stdout.startswith("IMPORTED"), result.output

    def test_a_plugin_with_plugin_name_is_allowed(self, sandbox: Project) -> None:
        result = sandbox.run(IMPORT, "plugins.good")
        assert result.stdout.startswith("IMPORTED"), result.output

    def test_a_plugin_without_plugin_name_is_refused(self, sandbox: Project) -> None:
        result = sandbox.run(IMPORT, "plugins.nameless")
        assert "REFUSED ['importers.require.variable.missing']" in result.stdout, result.output
        assert "the importer plugins.nameless (plugins/nameless.py) defines no variable PLUGIN_NAME" in result.stdout
        assert "contracts/app.core.yml:6" in result.stdout  # the entry's variables line

    def test_every_entry_that_matches_applies(self, sandbox: Project) -> None:
        result = sandbox.run(IMPORT, "plugins.strict_one")
        assert "REFUSED ['importers.require.function.missing']" in result.stdout, result.output


class TestFromTheSource:
    def test_only_the_matched_importers_are_required_to_define_members(self, sandbox: Project) -> None:
        result = sandbox.python("-m", "importspy_hook", "check", "--static", "app", "plugins", "--format", "json")
        assert result.returncode == 1, result.output
        found = {(v["importer"], v["rule"]) for v in json.loads(result.stdout)["violations"]}
        assert found == {
            ("plugins.nameless", "importers.require.variable.missing"),
            ("plugins.strict_one", "importers.require.function.missing"),
        }


class TestContract:
    @pytest.mark.parametrize(
        ("require", "message"),
        [
            ("[{variables: [{name: X}]}]", 'missing required key "match"'),
            ("{match: [a], variables: []}", "match belongs to an entry of a list"),
            ("3", "or a list of entries with match:"),
        ],
    )
    def test_a_malformed_scoped_require_is_a_contract_error(self, project: Project, require: str, message: str) -> None:
        project.write({"contracts/x.yml": f"module: x\nimporters:\n  require: {require}\n"})
        result = project.python("-m", "importspy_hook", "lint", "contracts")
        assert result.returncode == 2
        assert "contracts/x.yml:3:" in result.stdout
        assert message in result.stdout
