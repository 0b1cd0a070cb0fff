"""The JSON Schema of contract files: shipped, printed, and in agreement with the loader.

Every contract the project shows (contracts/, the README and docs/, the tests' own contracts)
is loaded by the real loader and validated against the schema: what the loader accepts, the
schema accepts. A sample of broken contracts is refused by both.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import textwrap
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

import importspy_hook
from importspy_hook._reading.schema import contract_schema, schema_text

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
# Top-level keys of ImportSpy's spymodel.yml, which the loader also reads; the schema is the
# native format's.
IMPORTSPY_KEYS = {"filename", "version", "variables", "functions", "classes", "deployments"}


def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(contract_schema())


def plain(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def loads(text: str, tmp_path: Path) -> bool:
    """Whether the real loader accepts ``text`` as a contract file."""
    path = tmp_path / "contract.yml"
    path.write_text(text, encoding="utf-8")
    try:
        importspy_hook.load_contract(str(path))
    except importspy_hook.ContractError:
        return False
    return True


def yaml_blocks(path: Path) -> list[str]:
    """The ``.. code-block:: yaml`` bodies of a reStructuredText file that are whole contracts."""
    found = []
    text = path.read_text(encoding="utf-8")
    for match in re.finditer(r"\.\. code-block:: yaml\n\n((?:    .*\n|\n)+)", text):
        body = textwrap.dedent(match.group(1))
        if re.search(r"^module:", body, re.M):
            found.append(body)
    return found


def shown_contracts() -> list[tuple[str, str]]:
    """``(where, text)`` of every contract the repository shows a user."""
    shown = [
        (str(p.relative_to(REPO)), p.read_text(encoding="utf-8")) for p in sorted((REPO / "contracts").glob("*.yml"))
    ]
    for page in [REPO / "README.rst", *sorted((REPO / "docs").glob("*.rst"))]:
        shown += [(f"{page.relative_to(REPO)} block {n}", body) for n, body in enumerate(yaml_blocks(page), 1)]
    return shown


def fixture_contracts() -> list[tuple[str, str]]:
    """``(where, text)`` of the contracts the tests write: module-level texts with a module: key."""
    found = []
    for path in sorted(TESTS.glob("test_*.py")):
        module = importlib.import_module(path.stem)
        for name, value in sorted(vars(module).items()):
            if name.isupper() and isinstance(value, str) and re.search(r"^module:", textwrap.dedent(value), re.M):
                found.append((f"{path.name}:{name}", textwrap.dedent(value).lstrip("\n")))
    return found


class TestShippedSchema:
    def test_the_package_ships_the_schema_the_model_gives(self) -> None:
        shipped = resources.files("importspy_hook").joinpath("contract.schema.json").read_text(encoding="utf-8")
        assert shipped == schema_text(), (
            "regenerate it: importspy-hook schema -o src/importspy_hook/contract.schema.json"
        )

    def test_the_source_tree_holds_the_same_file(self) -> None:
        source = REPO / "src" / "importspy_hook" / "contract.schema.json"
        assert source.read_text(encoding="utf-8") == schema_text()

    def test_the_schema_command_prints_it(self) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "importspy_hook", "schema"], capture_output=True, text=True, timeout=60, check=False
        )
        assert (done.returncode, done.stdout) == (0, schema_text())

    def test_the_schema_command_writes_it_to_a_file(self, tmp_path: Path) -> None:
        target = tmp_path / "importspy-hook.schema.json"
        done = subprocess.run(
            [sys.executable, "-m", "importspy_hook", "schema", "--output", str(target)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert target.read_text(encoding="utf-8") == schema_text()

    def test_it_is_a_valid_draft_2020_12_schema(self) -> None:
        schema = contract_schema()
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)

    def test_every_key_of_the_model_is_in_the_schema(self) -> None:
        # A key the loader accepts must be a key the editor offers.
        from importspy_hook._reading import model

        schema = contract_schema()
        for name in ("Importers", "Runtime", "Members", "Function", "Argument", "Variable", "Attribute", "Class"):
            cls = getattr(model, name)
            expected = {f.name for f in cls.__attrs_attrs__} - {"has_value", "source", "lines"}
            assert set(schema["$defs"][name]["properties"]) == expected, name
        assert set(schema["properties"]) == {"module", "schema", "on_violation", "importers", "runtime", "provides"}


class TestExamplesValidate:
    @pytest.mark.parametrize(("where", "text"), shown_contracts(), ids=lambda v: v if "/" in v or "." in v else "")
    def test_every_contract_the_project_shows_validates(self, where: str, text: str, tmp_path: Path) -> None:
        assert loads(text, tmp_path), f"{where} is not a valid contract"
        errors = [e.message for e in validator().iter_errors(plain(text))]
        assert errors == [], where

    def test_the_shown_contracts_include_every_shipped_file_and_the_docs(self) -> None:
        where = [w for w, _ in shown_contracts()]
        assert {"contracts/app.core.yml", "contracts/payments.keys.yml"} <= set(where)
        assert any(w.startswith("docs/contracts.rst") for w in where)
        assert any(w.startswith("docs/migrating.rst") for w in where)

    def test_every_test_contract_the_loader_accepts_validates(self, tmp_path: Path) -> None:
        fixtures = fixture_contracts()
        assert len(fixtures) >= 10
        accepted = 0
        for where, text in fixtures:
            if "HOST_" in text or "{{" in text or IMPORTSPY_KEYS & set(plain(text) or ()) or not loads(text, tmp_path):
                continue  # a template its test fills in, an ImportSpy spymodel, or broken on purpose
            accepted += 1
            assert [e.message for e in validator().iter_errors(plain(text))] == [], where
        assert accepted >= 5


BROKEN = {
    "unknown top-level key": "module: a\nimporter: {allow: [b]}\n",
    "no module": "importers: {allow: [b]}\n",
    "module not a name": "module: .a\n",
    "another format version": "module: a\nschema: 2\n",
    "on_violation not raise or warn": "module: a\non_violation: stop\n",
    "allow as text, not a list": "module: a\nimporters: {allow: 'b.*'}\n",
    "unknown importers key": "module: a\nimporters: {alow: [b]}\n",
    "unknown os": "module: a\nruntime: {os: beos}\n",
    "unknown implementation": "module: a\nruntime: {implementation: brython}\n",
    "empty runtime list": "module: a\nruntime: []\n",
    "unquoted environment value": "module: a\nruntime: {env: {DEBUG: true}}\n",
    "empty one_of": "module: a\nruntime: {env: {STAGE: {one_of: []}}}\n",
    "absent with equals": "module: a\nruntime: {env: {STAGE: {absent: true, equals: x}}}\n",
    "absent with a version": "module: a\nruntime: {packages: {requests: {absent: true, version: '>=1'}}}\n",
    "package rule key misspelt": "module: a\nruntime: {packages: {requests: {versions: '>=1'}}}\n",
    "function without a name": "module: a\nprovides: {functions: [{returns: str}]}\n",
    "returns null": "module: a\nprovides: {functions: [{name: f, returns: null}]}\n",
    "name not an identifier": "module: a\nprovides: {variables: [{name: not an id}]}\n",
    "attribute scope unknown": "module: a\nprovides: {classes: [{name: C, attributes: [{name: x, scope: both}]}]}\n",
    "bases as text": "module: a\nprovides: {classes: [{name: C, bases: Base}]}\n",
    "a list, not a mapping": "- module: a\n",
}


class TestBrokenContractsAreRefused:
    @pytest.mark.parametrize("case", sorted(BROKEN))
    def test_the_loader_and_the_schema_both_refuse(self, case: str, tmp_path: Path) -> None:
        text = BROKEN[case]
        assert not loads(text, tmp_path), f"the loader accepts {case!r}: not a broken sample"
        assert list(validator().iter_errors(plain(text))), f"the schema accepts {case!r}"

    def test_case_and_aliases_of_names_are_accepted_as_the_loader_accepts_them(self, tmp_path: Path) -> None:
        text = "module: a\nruntime: {os: [Linux, macos], arch: AMD64, implementation: CPython}\n"
        assert loads(text, tmp_path)
        assert list(validator().iter_errors(plain(text))) == []
