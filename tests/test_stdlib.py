"""With the hook installed, importing the standard library behaves exactly as without it.

The hook holds contracts for unrelated names (exact names and every kind of pattern), so
``find_spec`` runs its fast test on every import; nothing observable may change. And a
wildcard pattern never guards the standard library unless its literal start names the module
(selective enforcement).
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import pytest

from importspy_hook import snapshot

if TYPE_CHECKING:
    from conftest import Project

# Modules with effects beyond their import: a browser, a window, printed text, a sound.
SIDE_EFFECTS = frozenset(
    {
        "antigravity",
        "this",
        "idlelib",
        "tkinter",
        "turtle",
        "turtledemo",
        "__hello__",
        "__phello__",
        "winsound",
        "msvcrt",
        "ensurepip",
        "venv",
    }
)
COUNT = 200


def chosen_modules() -> list[str]:
    """200 names spread evenly over the sorted standard library, the same on every run."""
    names = sorted(n for n in sys.stdlib_module_names if n not in SIDE_EFFECTS)
    return [names[i * len(names) // COUNT] for i in range(COUNT)]


UNRELATED_CONTRACTS = {
    "contracts/exact.yml": "module: myapp.core\nimporters: {allow: [nobody]}\n",
    "contracts/prefix.yml": 'module: "myapp.plugins.*"\nimporters: {allow: [nobody]}\n',
    "contracts/question.yml": 'module: "?yapp.secrets"\nruntime: {os: aix, python: "<3"}\n',
    "contracts/class.yml": 'module: "[mn]yapp.*.keys"\nprovides: {functions: [{name: never_defined}]}\n',
    "contracts/suffix.yml": 'module: "*.zz_internal"\nimporters: {deny: ["*"]}\n',
    "myapp/__init__.py": "",
    "myapp/core.py": "",
}

IMPORT_ALL = """
    import importlib, json, sys
    names = json.loads(sys.argv[1])
    if sys.argv[2] == "hooked":
        import importspy_hook
        importspy_hook.install("contracts")
    seen = {}
    for name in names:
        try:
            module = importlib.import_module(name)
        except BaseException as exc:
            seen[name] = ["error", type(exc).__name__]
            continue
        spec = getattr(module, "__spec__", None)
        loader = type(spec.loader).__name__ if spec is not None and spec.loader is not None else None
        seen[name] = ["ok", loader, type(module.__loader__).__name__, getattr(module, "__file__", None)]
    if sys.argv[2] == "hooked":
        # The hook was live all along: it is still first, and it still guards its own names.
        seen["<first finder>"] = type(sys.meta_path[0]).__name__
        try:
            import myapp.core
        except importspy_hook.ImporterViolation:
            seen["<guard>"] = "held"
    with open(sys.argv[2] + ".json", "w") as out:
        json.dump(seen, out)
"""


def guarding_by_name(names: list[str]) -> dict[str, str]:
    """A passing contract naming each module: wildcards skip the standard library."""
    rule = 'importers: {deny: [nobody]}\nruntime: {python: ">=3", os: [' + snapshot().os + "]}\n"
    return {f"contracts/named/{name}.yml": f"module: {name}\n{rule}" for name in names}


def compare(project: Project) -> None:
    names = chosen_modules()
    assert len(set(names)) == COUNT
    for mode in ("plain", "hooked"):
        result = project.run(IMPORT_ALL, json.dumps(names), mode, timeout=120)
        assert result.returncode == 0, result.output
    plain = json.loads((project.root / "plain.json").read_text())
    hooked = json.loads((project.root / "hooked.json").read_text())
    assert hooked.pop("<first finder>") == "ContractFinder"
    assert hooked.pop("<guard>") == "held"
    differences = {name: (plain[name], hooked[name]) for name in names if plain[name] != hooked[name]}
    assert not differences
    imported = sum(outcome[0] == "ok" for outcome in plain.values())
    assert imported > COUNT // 2, plain


def test_two_hundred_stdlib_imports_are_unchanged(project: Project) -> None:
    project.write(UNRELATED_CONTRACTS)
    compare(project)


def test_stdlib_imports_guarded_by_a_passing_contract_are_unchanged(project: Project) -> None:
    # Every module goes through the proxy loader, which must hand back the real one.
    project.write(UNRELATED_CONTRACTS)
    project.write(guarding_by_name(chosen_modules()))
    compare(project)


SELECTIVE = """
    import sys, warnings, importspy_hook
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        importspy_hook.install("contracts")
    # "imported before importspy_hook was installed and cannot be guarded": never the
    # interpreter's own modules.
    listed = [str(w.message).split(" w")[0].split(", ") for w in caught]
    print("WARNED", sorted(n for names in listed for n in names if n.partition(".")[0] in sys.stdlib_module_names))
    for name in sys.argv[1:]:
        try:
            __import__(name)
        except importspy_hook.ImporterViolation as exc:
            print("REFUSED", name, exc.name)
        else:
            print("IMPORTED", name)
"""


class TestSelectiveEnforcement:
    def test_star_contract_denying_a_module_leaves_its_stdlib_imports_alone(self, project: Project) -> None:
        project.write(
            {
                "contracts/everything.yml": 'module: "*"\nimporters: {deny: [__main__]}\n',
                "contracts/email.yml": 'module: "email.*"\nimporters: {deny: [__main__]}\n',
                "app/__init__.py": "",
                "app/core.py": "",
            }
        )
        result = project.run(SELECTIVE, "json", "xml.dom.minidom", "email.mime.text", "app.core")
        assert result.returncode == 0, result.output
        assert "WARNED []" in result.stdout, result.output
        assert "IMPORTED json" in result.stdout
        assert "IMPORTED xml.dom.minidom" in result.stdout
        # email.* names email: its submodules are still guarded (the first one imported refuses).
        assert "REFUSED email.mime.text email.mime" in result.stdout
        assert "REFUSED app.core app" in result.stdout

    @pytest.mark.parametrize(
        ("pattern", "module", "guarded"),
        [
            ("*", "colorsys", False),
            ("c*", "colorsys", False),
            ("?olorsys", "colorsys", False),
            ("[c]olorsys", "colorsys", False),
            ("*.util", "wsgiref.util", False),
            ("w*.util", "wsgiref.util", False),
            ("colorsys", "colorsys", True),
            ("colorsys*", "colorsys", True),
            ("wsgiref.*", "wsgiref.util", True),
            ("wsgiref.u?il", "wsgiref.util", True),
        ],
    )
    def test_a_pattern_guards_a_stdlib_module_only_when_its_literal_start_names_it(
        self, project: Project, pattern: str, module: str, guarded: bool
    ) -> None:
        project.write({"contracts/c.yml": f'module: "{pattern}"\nimporters: {{deny: [__main__]}}\n'})
        result = project.run(SELECTIVE, module)
        assert result.returncode == 0, result.output
        assert ("REFUSED" in result.stdout) is guarded, result.output

    def test_star_contract_still_guards_other_modules(self, project: Project) -> None:
        project.write({"contracts/everything.yml": 'module: "*"\nimporters: {deny: [__main__]}\n', "jsonish.py": ""})
        result = project.run(SELECTIVE, "jsonish", "os", "sys", "colorsys")
        assert result.returncode == 0, result.output
        assert result.stdout.splitlines() == [
            "WARNED []",
            "REFUSED jsonish jsonish",
            "IMPORTED os",
            "IMPORTED sys",
            "IMPORTED colorsys",
        ]
