"""``importspy-hook check --static``: every import edge into a protected module, read from the source.

Each test writes a project into ``tmp_path`` and runs ``python -m importspy_hook check --static``
in a fresh interpreter. Every module of the projects writes a side-effect file when it runs, so
the tests also show that nothing was imported.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, ClassVar

import pytest

if TYPE_CHECKING:
    from conftest import Project, Result

RUNS = "import pathlib; pathlib.Path(__file__ + '.ran').write_text('ran')\n"

CORE_CONTRACT = """
    module: app.core
    importers:
      deny: ["plugins.*", "app.legacy"]
    provides:
      functions: [{name: load_plugins}]
"""

EDGES = {
    "contracts/app.core.yml": CORE_CONTRACT,
    "app/__init__.py": RUNS,
    "app/core.py": RUNS + "def load_plugins(): ...\n",
    "app/host.py": RUNS + "from app import core\n",
    "app/legacy.py": RUNS + "from . import core as the_core\n",
    "plugins/__init__.py": RUNS,
    "plugins/evil.py": RUNS + "import os\nimport app.core as c\n",
    "plugins/lazy.py": RUNS + "def later():\n    from app.core import load_plugins\n    return load_plugins\n",
    "plugins/typed.py": RUNS
    + "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.core import load_plugins\n",
}


def static(project: Project, *args: str) -> Result:
    return project.python("-m", "importspy_hook", "check", "--static", *args)


@pytest.fixture
def sandbox(project: Project) -> Project:
    project.env["IMPORTSPY_HOOK_CACHE_DIR"] = str(project.root / ".cache")
    return project


def ran(project: Project) -> list[str]:
    return sorted(str(p.relative_to(project.root)) for p in project.root.rglob("*.ran"))


class TestEdges:
    def test_every_denied_importer_is_reported_with_its_file_and_line(self, sandbox: Project) -> None:
        sandbox.write(EDGES)
        result = static(sandbox, "app", "plugins")
        assert result.returncode == 1, result.output
        assert "app/legacy.py:2  importer: app.legacy" in result.stdout
        assert "plugins/evil.py:3  importer: plugins.evil" in result.stdout
        assert "plugins/lazy.py:3  importer: plugins.lazy" in result.stdout  # inside a function
        assert "app/host.py" not in result.stdout  # `from app import core` by an allowed importer
        assert result.stdout.count("importers.deny  ") == 3
        assert "plugins.typed" not in result.stdout  # only under TYPE_CHECKING: no edge
        assert ran(sandbox) == []

    def test_type_checking_imports_are_edges_when_asked(self, sandbox: Project) -> None:
        sandbox.write(EDGES)
        result = static(sandbox, "app", "plugins", "--include-type-checking")
        assert "plugins/typed.py:4  importer: plugins.typed" in result.stdout

    def test_a_submodule_imported_from_its_package_is_an_edge(self, sandbox: Project) -> None:
        sandbox.write(
            {
                "contracts/pay.yml": "module: pay.keys\nimporters:\n  allow: [pay.*]\n",
                "pay/__init__.py": RUNS,
                "pay/keys.py": RUNS,
                "pay/billing.py": RUNS + "from . import keys\n",
                "shop/__init__.py": RUNS,
                "shop/cart.py": RUNS + "from pay import keys as k\n",
            }
        )
        result = static(sandbox, ".")
        assert result.returncode == 1, result.output
        assert "shop/cart.py:2  importer: shop.cart" in result.stdout
        assert "pay.billing" not in result.stdout
        assert ran(sandbox) == []

    def test_a_package_contract_sees_imports_of_its_submodules(self, sandbox: Project) -> None:
        sandbox.write(
            {
                "contracts/pay.yml": "module: pay\nimporters:\n  allow: [pay.*, shop.ok]\n",
                "pay/__init__.py": RUNS,
                "pay/keys.py": RUNS,
                "shop/__init__.py": RUNS,
                "shop/ok.py": RUNS + "import pay.keys\n",
                "shop/cart.py": RUNS + "import pay.keys\n",
            }
        )
        result = static(sandbox, ".")
        assert "shop/cart.py:2  importer: shop.cart" in result.stdout
        assert "importer: shop.ok" not in result.stdout

    def test_loose_module_files_are_read_too(self, sandbox: Project) -> None:
        sandbox.write({**EDGES, "script.py": RUNS + "from app.core import load_plugins\n"})
        sandbox.write({"contracts/app.core.yml": CORE_CONTRACT.replace('"app.legacy"', '"script"')})
        result = static(sandbox, ".")
        assert "script.py:2  importer: script" in result.stdout
        assert ran(sandbox) == []

    def test_imports_of_a_protected_module_outside_the_tree_are_edges(self, sandbox: Project) -> None:
        sandbox.write(
            {
                "contracts/json.decoder.yml": "module: json.decoder\nimporters:\n  deny: [plugins.*]\n",
                "plugins/__init__.py": RUNS,
                "plugins/parse.py": RUNS + "import json\nfrom json import decoder\n",
                "plugins/plain.py": RUNS + "import json\n",
            }
        )
        result = static(sandbox, "plugins")
        assert result.returncode == 1, result.output
        assert "plugins/parse.py:3  importer: plugins.parse" in result.stdout
        assert "plugins.plain" not in result.stdout
        assert ran(sandbox) == []

    def test_a_tree_without_refused_edges_passes(self, sandbox: Project) -> None:
        sandbox.write({k: v for k, v in EDGES.items() if not k.startswith("plugins") and k != "app/legacy.py"})
        result = static(sandbox, "app")
        assert result.returncode == 0, result.output
        assert "KEPT   app.core" in result.stdout

    def test_default_paths_are_the_configured_ones(self, sandbox: Project) -> None:
        sandbox.write({**EDGES, "pyproject.toml": '[tool.importspy-hook]\nstatic = ["plugins"]\n'})
        result = static(sandbox)
        assert "plugins/evil.py:3" in result.stdout
        assert "app/legacy.py" not in result.stdout

    def test_default_paths_are_the_packages_here_and_in_src(self, sandbox: Project) -> None:
        sandbox.write({("src/" + k if k.startswith("app") else k): v for k, v in EDGES.items()})
        result = static(sandbox)
        assert "src/app/legacy.py:2" in result.stdout
        assert "plugins/evil.py:3" in result.stdout

    def test_a_missing_path_is_a_usage_error(self, sandbox: Project) -> None:
        sandbox.write(EDGES)
        result = static(sandbox, "nowhere")
        assert result.returncode == 2
        assert "nowhere: no such file or folder" in result.stderr


class TestFormats:
    def test_json_gives_the_importer_file_and_line(self, sandbox: Project) -> None:
        sandbox.write(EDGES)
        result = static(sandbox, "app", "plugins", "--format", "json")
        data = json.loads(result.stdout)
        assert data["ok"] is False
        found = {(v["importer"], v["importer_file"], v["importer_line"], v["rule"]) for v in data["violations"]}
        root = sandbox.root
        assert (root / "plugins/evil.py").samefile(next(f for i, f, _, _ in found if i == "plugins.evil"))
        assert {(i, line, r) for i, _, line, r in found} == {
            ("app.legacy", 2, "importers.deny"),
            ("plugins.evil", 3, "importers.deny"),
            ("plugins.lazy", 3, "importers.deny"),
        }

    def test_sarif_locates_the_import_statement_with_the_contract_related(self, sandbox: Project) -> None:
        sandbox.write(EDGES)
        result = static(sandbox, "app", "plugins", "--format", "sarif")
        (run,) = json.loads(result.stdout)["runs"]
        located = {}
        for item in run["results"]:
            (location,) = item["locations"]
            (related,) = item["relatedLocations"]
            located[location["physicalLocation"]["artifactLocation"]["uri"]] = (
                location["physicalLocation"]["region"]["startLine"],
                related["physicalLocation"]["artifactLocation"]["uri"],
                related["physicalLocation"]["region"]["startLine"],
            )
        assert located == {
            "app/legacy.py": (2, "contracts/app.core.yml", 3),
            "plugins/evil.py": (3, "contracts/app.core.yml", 3),
            "plugins/lazy.py": (3, "contracts/app.core.yml", 3),
        }


class TestAgreementWithTheHook:
    """Every edge the hook refuses at its first import is among the edges ``check --static`` reports."""

    TREE: ClassVar[dict[str, str]] = {
        "contracts/app.core.yml": "module: app.core\nimporters:\n  deny: [plugins.*]\n",
        "contracts/pay.keys.yml": "module: pay.keys\nimporters:\n  allow: [pay.*, app.*]\n",
        "contracts/pay.yml": "module: pay\nimporters:\n  deny: [shop.cart]\n",
        "app/__init__.py": "",
        "app/core.py": "import pay.keys\n",
        "pay/__init__.py": "",
        "pay/keys.py": "",
        "pay/billing.py": "from . import keys\n",
        "plugins/__init__.py": "",
        "plugins/top.py": "import os\nimport app.core\n",
        "plugins/lazy.py": "def load():\n    from app import core\n    return core\n\n\nload()\n",
        "plugins/aliased.py": "import pay.keys as k\n",
        "plugins/typed.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import app.core\n",
        "shop/__init__.py": "",
        "shop/cart.py": "from pay import keys\n",
        "shop/ok.py": "import app.core\n",
    }

    PROBE = """
        import re, sys
        import importspy_hook
        importspy_hook.install("contracts")
        try:
            __import__(sys.argv[1])
        except importspy_hook.ContractViolation as exc:
            line = re.search(r"\\(.*:(\\d+)\\)", str(exc)).group(1)
            print("REFUSED", exc.importer, line, exc.name)
    """

    def test_every_refused_edge_is_reported_statically(self, sandbox: Project) -> None:
        sandbox.write(self.TREE)
        refused = set()
        for module in ("app.core", "pay.billing", "plugins.top", "plugins.lazy", "plugins.aliased", "plugins.typed"):
            refused |= self.refused(sandbox, module)
        refused |= self.refused(sandbox, "shop.cart") | self.refused(sandbox, "shop.ok")
        assert refused == {
            ("plugins.top", 2, "app.core"),
            ("plugins.lazy", 2, "app.core"),
            ("plugins.aliased", 1, "pay.keys"),
            ("shop.cart", 1, "pay"),
        }
        result = sandbox.python("-m", "importspy_hook", "check", "--static", ".", "--format", "json")
        reported = {(v["importer"], v["importer_line"], v["module"]) for v in json.loads(result.stdout)["violations"]}
        assert refused <= reported, reported
        # shop.cart's `from pay import keys` is refused by pay's contract first at run time; pay.keys's
        # contract refuses it too, and the static check reports both.
        assert ("shop.cart", 1, "pay.keys") in reported

    def refused(self, project: Project, module: str) -> set[tuple[str, int, str]]:
        result = project.run(self.PROBE, module)
        assert result.returncode == 0, result.output
        found = set()
        for line in result.stdout.splitlines():
            _, importer, number, name = line.split()
            found.add((importer, int(number), name))
        return found
