"""With the hook installed, importing the standard library behaves exactly as without it.

The hook holds contracts for unrelated names (exact names and every kind of pattern), so
``find_spec`` runs its fast test on every import; nothing observable may change.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

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


GUARDING_EVERYTHING = {
    "contracts/everything.yml": 'module: "*"\nimporters: {deny: [nobody]}\nruntime: {python: ">=3", os: [OS]}\n',
}


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
    project.write({k: v.replace("OS", snapshot().os) for k, v in GUARDING_EVERYTHING.items()})
    compare(project)
