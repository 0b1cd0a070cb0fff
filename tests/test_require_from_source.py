"""``importers.require`` at run time reads what the importer has not run yet from its source.

A plugin imports the core at its top, as plugins are written, and defines ``Plugin`` after the
import: the hook checks the live namespace for what has run and the importer's source facts
for the rest, without running anything twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Project

CONTRACT = """
    module: app.core
    importers:
      require:
        variables: [{name: PLUGIN_API, value: 2}]
        functions: [{name: register, arguments: [{name: registry}]}]
        classes:
          - name: Plugin
            bases: [BasePlugin]
            attributes: [{name: name, scope: class}]
            methods: [{name: run, arguments: [{name: self}]}]
"""

CORE = """
class BasePlugin:
    name = "base"

    def run(self): ...
"""

GOOD = """
from app.core import BasePlugin

PLUGIN_API = 2


class Plugin(BasePlugin):
    name = "good"

    def run(self): ...


def register(registry): ...
"""

IMPORT = """
    import importspy_hook, sys
    importspy_hook.install("contracts")
    try:
        __import__(sys.argv[1])
    except importspy_hook.ContractViolation as exc:
        print("REFUSED", sorted(v.rule for v in exc.violations))
        print(exc)
    else:
        print("IMPORTED")
"""


@pytest.fixture
def sandbox(project: Project) -> Project:
    project.env["IMPORTSPY_HOOK_CACHE_DIR"] = str(project.root / ".cache")
    return project.write(
        {"contracts/app.core.yml": CONTRACT, "app/__init__.py": "", "app/core.py": CORE, "plugins/__init__.py": ""}
    )


class TestImportAtTheTop:
    def test_a_plugin_defining_its_members_after_the_import_is_allowed(self, sandbox: Project) -> None:
        sandbox.write({"plugins/good.py": GOOD})
        result = sandbox.run(IMPORT, "plugins.good")
        assert result.stdout.startswith("IMPORTED"), result.output

    def test_a_plugin_that_never_defines_plugin_is_refused_naming_its_file(self, sandbox: Project) -> None:
        sandbox.write({"plugins/bad.py": GOOD.replace("class Plugin(BasePlugin):", "class Other(BasePlugin):")})
        result = sandbox.run(IMPORT, "plugins.bad")
        assert "REFUSED ['importers.require.class.missing']" in result.stdout, result.output
        assert "the importer plugins.bad (plugins/bad.py) defines no class Plugin" in result.stdout

    def test_inherited_members_are_read_from_the_base_class_source(self, sandbox: Project) -> None:
        # Plugin's run and name come from app.core's BasePlugin, which is being imported.
        sandbox.write(
            {"plugins/inherits.py": GOOD.replace('    name = "good"\n\n    def run(self): ...\n', "    pass\n")}
        )
        result = sandbox.run(IMPORT, "plugins.inherits")
        assert result.stdout.startswith("IMPORTED"), result.output

    def test_what_has_run_wins_over_what_is_written(self, sandbox: Project) -> None:
        source = GOOD.replace("from app.core import BasePlugin", "PLUGIN_API = 1\nfrom app.core import BasePlugin")
        sandbox.write({"plugins/early.py": source.replace("PLUGIN_API = 2", "PLUGIN_API = 3")})
        result = sandbox.run(IMPORT, "plugins.early")
        assert "REFUSED ['importers.require.variable.value']" in result.stdout, result.output
        assert "PLUGIN_API must be 2, but the importer plugins.early has 1" in result.stdout

    def test_a_wrong_signature_in_the_source_is_refused(self, sandbox: Project) -> None:
        sandbox.write({"plugins/sig.py": GOOD.replace("def register(registry)", "def register()")})
        result = sandbox.run(IMPORT, "plugins.sig")
        assert "REFUSED ['importers.require.function.argument']" in result.stdout, result.output

    def test_a_member_the_source_cannot_decide_is_refused_with_the_reason(self, sandbox: Project) -> None:
        source = GOOD.replace("class Plugin(BasePlugin):", "import sys\nif sys.argv:\n  class Plugin(BasePlugin):")
        source = source.replace('    name = "good"', '      name = "good"').replace("    def run", "      def run")
        sandbox.write({"plugins/maybe.py": source})
        result = sandbox.run(IMPORT, "plugins.maybe")
        assert "REFUSED ['importers.require.class.undecided']" in result.stdout, result.output
        assert "it is bound only under the if at line" in result.stdout
        assert "only when the importer is itself imported through the hook" in result.stdout
        assert "give it a contract" in result.stdout


MAYBE = GOOD.replace("class Plugin(BasePlugin):", "import sys\nif sys.platform:\n  class Plugin(BasePlugin):")
MAYBE = MAYBE.replace('    name = "good"', '      name = "good"').replace("    def run", "      def run")
DECORATED = GOOD.replace(
    "class Plugin(BasePlugin):", "def keep(cls):\n    return cls\n\n\n@keep\nclass Plugin(BasePlugin):"
)


class TestUndecidedMembersOfAGuardedImporter:
    """An importer with a contract of its own is loaded through the hook, which sees it finish:
    what its source leaves undecided is checked on the finished module."""

    @pytest.mark.parametrize("source", [MAYBE, DECORATED], ids=["under-an-if", "behind-a-decorator"])
    def test_an_undecided_member_defined_by_the_end_is_allowed(self, sandbox: Project, source: str) -> None:
        sandbox.write({"plugins/late.py": source, "contracts/plugins.late.yml": "module: plugins.late\n"})
        result = sandbox.run(IMPORT, "plugins.late")
        assert result.stdout.startswith("IMPORTED"), result.output

    def test_an_undecided_member_missing_at_the_end_is_refused_naming_it(self, sandbox: Project) -> None:
        source = MAYBE.replace("if sys.platform:", "if not sys.platform:")
        sandbox.write({"plugins/late.py": source, "contracts/plugins.late.yml": "module: plugins.late\n"})
        code = IMPORT + "    print('LEFT', 'plugins.late' in sys.modules)\n"
        result = sandbox.run(code, "plugins.late")
        assert "REFUSED ['importers.require.class.missing']" in result.stdout, result.output
        assert "defines no class Plugin" in result.stdout
        assert "checked once the importer had finished running" in result.stdout
        assert "LEFT False" in result.stdout  # the failed import leaves no half-made plugin

    def test_an_unguarded_importer_is_refused_saying_how_to_get_the_check(self, sandbox: Project) -> None:
        sandbox.write({"plugins/late.py": DECORATED})
        result = sandbox.run(IMPORT, "plugins.late")
        assert "REFUSED ['importers.require.class.undecided']" in result.stdout, result.output
        assert "may replace the class" in result.stdout
        assert "give it a contract" in result.stdout


class TestWithoutSource:
    def test_code_without_a_source_file_counts_only_what_has_run_and_says_so(self, sandbox: Project) -> None:
        code = "import importspy_hook; importspy_hook.install('contracts')\nimport app.core\nPLUGIN_API = 2\n"
        result = sandbox.python("-c", code)
        assert "StructureViolation" in result.stderr, result.output
        assert "the importer has no source file to read, <string>, so only what it defined before this import" in (
            result.stderr
        )
