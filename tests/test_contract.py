"""Contract files that cannot be used: ``ContractError`` with the exact ``file:line:col``.

Loading a contract does not touch the import system, so these run in-process.
"""

from __future__ import annotations

import os
import pickle
import textwrap
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from importspy_hook import Contract, ContractError, load_contract

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import Project

ERRORS: list[tuple[str, str, str]] = [
    (
        "unknown top-level key suggests the closest",
        "module: a\nimporter:\n  allow: [x]\n",
        'c.yml:2:1: unknown key "importer"; did you mean "importers"? '
        "allowed here: module, schema, on_violation, importers, runtime, provides",
    ),
    (
        "unknown nested key suggests the closest",
        "module: a\nimporters:\n  alow: [x]\n",
        'c.yml:3:3: unknown key "alow"; did you mean "allow"? allowed here: allow, deny, require',
    ),
    (
        "unknown env rule key",
        "module: a\nruntime:\n  env:\n    X: {equal: a}\n",
        'c.yml:4:9: unknown key "equal"; did you mean "equals"? '
        "allowed here: equals, one_of, matches, required, absent, secret",
    ),
    ("wrong type", "module: a\nimporters:\n  allow: 3\n", "c.yml:3:10: expected a list, got the number 3"),
    ("wrong type of choice", "module: a\non_violation: [raise]\n", "c.yml:2:15: expected text, got a list"),
    ("bad choice", "module: a\non_violation: ignore\n", 'c.yml:2:15: on_violation must be raise or warn, not "ignore"'),
    (
        "bad importer pattern",
        "module: a\nimporters:\n  allow: ['a..b']\n",
        'c.yml:3:11: "a..b" is not a module name or pattern; '
        'write dotted names such as "payments.keys" or "payments.*"',
    ),
    (
        "bad module name",
        "module: 'payments keys'\n",
        'c.yml:1:9: "payments keys" is not a module name or pattern; '
        'write dotted names such as "payments.keys" or "payments.*"',
    ),
    ("unbalanced bracket", "module: 'a.[bc'\n", 'c.yml:1:9: "a.[bc" has an unbalanced [ ] in its pattern'),
    (
        "bad python specifier",
        "module: a\nruntime:\n  python: '>=>3'\n",
        'c.yml:3:11: ">=>3" is not a PEP 440 specifier; write for example ">=3.10,<4" or "==3.11.*"',
    ),
    (
        "python specifier with a post release",
        "module: a\nruntime: {python: '>=3.10.post1'}\n",
        'c.yml:2:19: ">=3.10.post1": interpreter versions have no epoch, post, dev or local part; '
        "use a release such as 3.11 or 3.13.0rc1",
    ),
    (
        "bad package specifier",
        "module: a\nruntime:\n  packages:\n    requests: latest\n",
        'c.yml:4:15: "latest" is not a PEP 440 specifier; write for example ">=2.31" or "~=1.4"',
    ),
    (
        "bad distribution name",
        "module: a\nruntime:\n  packages:\n    '-x': '>=1'\n",
        'c.yml:4:11: "-x" is not a distribution name',
    ),
    (
        "unquoted env true",
        "module: a\nruntime:\n  env:\n    DEBUG: true\n",
        "c.yml:4:12: expected text or a mapping of required, absent, equals, one_of, matches, secret; got true; "
        'the environment holds only text, so quote it: "true"',
    ),
    (
        "unquoted env number",
        "module: a\nruntime:\n  env:\n    WORKERS: 3\n",
        "c.yml:4:14: expected text or a mapping of required, absent, equals, one_of, matches, secret; "
        "got a number; the environment holds only text, so quote it",
    ),
    (
        "unquoted env null",
        "module: a\nruntime:\n  env:\n    MODE: null\n",
        "c.yml:4:11: expected text or a mapping of required, absent, equals, one_of, matches, secret; got null; "
        'the environment holds only text, so quote it: "null"',
    ),
    (
        "unquoted env true in equals",
        "module: a\nruntime:\n  env:\n    DEBUG: {equals: true}\n",
        'c.yml:4:21: expected text, got true; the environment holds only text, so quote it: "true"',
    ),
    (
        "unquoted env number in one_of",
        "module: a\nruntime:\n  env:\n    LEVEL: {one_of: ['1', 2]}\n",
        "c.yml:4:27: expected text, got a number; the environment holds only text, so quote it",
    ),
    (
        "unknown os with suggestion",
        "module: a\nruntime:\n  os: [linux, macoss]\n",
        'c.yml:3:15: unknown os "macoss"; did you mean "darwin"? known: aix, android, cygwin, darwin, '
        "dragonfly, emscripten, freebsd, ios, linux, msys, netbsd, openbsd, sunos, wasi, windows",
    ),
    (
        "empty os list",
        "module: a\nruntime: {os: []}\n",
        "c.yml:2:15: the os list is empty, so nothing could pass; name at least one os",
    ),
    (
        "os given as a number",
        "module: a\nruntime: {os: 3}\n",
        "c.yml:2:15: expected an os name or a list of them, got the number 3",
    ),
    (
        "regular expression with nested repetition",
        "module: a\nruntime:\n  env:\n    R: {matches: '(a+)+'}\n",
        'c.yml:4:18: "(a+)+" has repetitions that could take more than 1,000,000 steps to match a value '
        "of 256 characters; bound the repetitions ({1,32} rather than + or *), end each one with a "
        "character it cannot match ([a-z]+-), and nest none inside another",
    ),
    (
        "invalid regular expression",
        "module: a\nruntime:\n  env:\n    R: {matches: '(a'}\n",
        'c.yml:4:18: "(a" is not a valid regular expression: missing ), unterminated subpattern at position 0',
    ),
    (
        "invalid annotation",
        "module: a\nprovides:\n  functions:\n    - {name: f, returns: 'int)'}\n",
        'c.yml:4:26: "int)" is not a Python expression, so it cannot be an annotation',
    ),
    (
        "null returns",
        "module: a\nprovides:\n  functions:\n    - name: f\n      returns:\n",
        'c.yml:5:7: expected an annotation; to require "-> None" write the text None, quoted or not',
    ),
    (
        "bad scope",
        "module: a\nprovides:\n  classes:\n    - name: C\n      attributes: [{name: x, scope: object}]\n",
        'c.yml:5:37: scope must be class or instance, not "object"',
    ),
    (
        "bad identifier",
        "module: a\nprovides:\n  variables: [{name: 1x}]\n",
        'c.yml:3:22: "1x" is not a Python identifier',
    ),
    (
        "missing name of a member",
        "module: a\nprovides:\n  functions:\n    - {returns: int}\n",
        'c.yml:4:7: missing required key "name"',
    ),
    (
        "schema other than 1",
        "schema: 2\nmodule: a\n",
        "c.yml:1:9: schema 2 is not supported; this version reads schema 1",
    ),
    ("schema as text", "schema: '1'\nmodule: a\n", 'c.yml:1:9: expected a whole number, got the text "1"'),
    ("duplicate key", "module: a\nmodule: b\n", "c.yml:2:1: duplicate key 'module' (first given on line 1)"),
    (
        "YAML syntax error",
        "module: a\nimporters: [\n",
        "c.yml:3:1: not valid YAML: while parsing a flow node expected the node content, but found '<stream end>'",
    ),
    (
        "YAML indentation error",
        "module: a\n  bad: indent\n",
        "c.yml:2:6: not valid YAML: mapping values are not allowed here",
    ),
    ("missing module key", "importers:\n  allow: [x]\n", 'c.yml:1:1: missing required key "module"'),
    ("empty file", "", "c.yml:1:1: is empty; a contract needs at least a 'module:' key"),
    ("only comments", "# nothing yet\n", "c.yml:1:1: is empty; a contract needs at least a 'module:' key"),
    ("a list, not a mapping", "- module: a\n", "c.yml:1:1: a contract is a mapping with a 'module:' key, not a list"),
    (
        "python object tag is refused",
        "module: !!python/object:os.system a\n",
        "c.yml:1:9: the tag tag:yaml.org,2002:python/object:os.system is not allowed: contracts hold only "
        "strings, numbers, booleans, null, lists and mappings; remove the tag",
    ),
    (
        "python apply tag is refused",
        "module: a\nimporters: !!python/object/apply:os.system [echo hi]\n",
        "c.yml:2:12: the tag tag:yaml.org,2002:python/object/apply:os.system is not allowed on a list; remove it",
    ),
    (
        "merge keys are refused",
        "base: &b {allow: [x]}\nmodule: a\nimporters:\n  <<: *b\n",
        "c.yml:4:3: merge keys (<<) are not supported in contracts; write the entries out",
    ),
    (
        "empty runtime list",
        "module: a\nruntime: []\n",
        "c.yml:2:10: runtime is an empty list; give one mapping, or a list of alternatives",
    ),
    (
        "absent with a value rule",
        "module: a\nruntime: {env: {X: {absent: true, equals: 'a'}}}\n",
        "c.yml:2:20: absent: true cannot be combined with equals, one_of or matches",
    ),
    (
        "value of an instance attribute",
        "module: a\nprovides:\n  classes:\n    - name: C\n      attributes: [{name: x, scope: instance, value: 1}]\n",
        "c.yml:5:20: the value of instance attribute x cannot be checked before an instance exists; "
        "remove value, or make it a class attribute (scope: class)",
    ),
]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def error_of(text: str) -> ContractError:
    with open("c.yml", "w", encoding="utf-8") as file:
        file.write(text)
    with pytest.raises(ContractError) as caught:
        load_contract("c.yml")
    return caught.value


class TestContractErrors:
    @pytest.mark.parametrize(("text", "expected"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
    @pytest.mark.usefixtures("here")
    def test_message_with_exact_position(self, text: str, expected: str) -> None:
        assert str(error_of(text)) == expected

    @pytest.mark.usefixtures("here")
    def test_every_problem_of_a_file_is_listed(self) -> None:
        exc = error_of("module: a\nimporters:\n  alow: [x]\nruntime:\n  env:\n    DEBUG: true\n")
        assert [(line, column) for line, column, _ in exc.problems] == [(3, 3), (6, 12)]
        assert str(exc).splitlines()[1].startswith("c.yml:6:12: expected text or a mapping")
        assert (exc.file, exc.line, exc.column) == ("c.yml", 3, 3)

    @pytest.mark.usefixtures("here")
    def test_is_a_value_error_never_an_import_error(self) -> None:
        exc = error_of("module: a\nschema: 3\n")
        assert isinstance(exc, ValueError)
        assert not isinstance(exc, ImportError)

    @pytest.mark.usefixtures("here")
    def test_survives_pickling(self) -> None:
        exc = error_of("module: a\nimporters:\n  alow: [x]\nruntime:\n  env:\n    DEBUG: true\n")
        copy = pickle.loads(pickle.dumps(exc))
        assert (type(copy), str(copy), copy.problems) == (ContractError, str(exc), exc.problems)

    @pytest.mark.usefixtures("here")
    def test_missing_file_has_no_position(self) -> None:
        with pytest.raises(ContractError) as caught:
            load_contract("nowhere.yml")
        assert str(caught.value) == "nowhere.yml: cannot be read: No such file or directory"
        assert caught.value.line is None

    @pytest.mark.usefixtures("here")
    def test_folder_given_as_a_file(self) -> None:
        os.mkdir("folder.yml")
        with pytest.raises(ContractError) as caught:
            load_contract("folder.yml")
        assert str(caught.value) == "folder.yml: is a folder, not a contract file"

    @pytest.mark.usefixtures("here")
    def test_not_utf8(self) -> None:
        with open("c.yml", "wb") as file:
            file.write(b"module: a\n# caf\xe9\n")
        with pytest.raises(ContractError) as caught:
            load_contract("c.yml")
        assert str(caught.value) == "c.yml:2:6: is not UTF-8 text"

    @pytest.mark.usefixtures("here")
    def test_valid_contract_loads(self) -> None:
        contract = load_contract_text(
            """
            module: payments.keys
            importers: {allow: [payments], deny: ["payments.plugins.*"]}
            runtime: {os: macos, arch: AMD64, env: {MODE: production}, python: ">=3.10"}
            provides:
              functions: [{name: f, returns: None}]
            """
        )
        assert contract.module == "payments.keys"
        assert contract.runtime[0].os == ("darwin",)
        assert contract.runtime[0].arch == ("x86_64",)
        assert contract.runtime[0].env["MODE"].equals == "production"
        assert contract.provides is not None
        assert contract.provides.functions[0].returns == "None"


def load_contract_text(text: str) -> object:
    with open("c.yml", "w", encoding="utf-8") as file:
        file.write(textwrap.dedent(text).lstrip())
    return load_contract("c.yml")


BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['x'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


class TestHostileFiles:
    def test_alias_bomb_is_refused_without_expanding_it(self, project: Project) -> None:
        # 9**9 (387 million) entries once expanded: a hang or a memory error without the bound.
        project.write({"c.yml": BOMB + "module: a\n"})
        result = project.run(
            """
            import importspy_hook
            try:
                importspy_hook.load_contract("c.yml")
            except importspy_hook.ContractError as exc:
                print(exc)
            """,
            timeout=60,
        )
        assert "has more than 20000 entries once aliases are expanded" in result.stdout, result.output
        assert result.stdout.startswith("c.yml:")

    @pytest.mark.usefixtures("here")
    def test_deep_nesting_is_refused(self) -> None:
        exc = error_of("module: a\nx: " + "[" * 200 + "]" * 200 + "\n")
        assert "is nested more than 32 levels deep" in str(exc)


class TestInstallWithBrokenContracts:
    def test_install_raises_and_installs_nothing(self, project: Project) -> None:
        project.write({"contracts/a.yml": "module: a\nimporters:\n  alow: [x]\n", "a.py": ""})
        result = project.run(
            """
            import importspy_hook, sys
            try:
                importspy_hook.install("contracts")
            except importspy_hook.ContractError as exc:
                print("ERROR", exc)
            print("FINDERS", sum(isinstance(f, importspy_hook.ContractFinder) for f in sys.meta_path))
            import a, json
            print("IMPORTED")
            """
        )
        assert 'ERROR contracts/a.yml:3:3: unknown key "alow"' in result.stdout, result.output
        assert "FINDERS 0" in result.stdout
        assert "IMPORTED" in result.stdout

    def test_missing_folder_names_the_folder_alone(self, project: Project) -> None:
        result = project.run(
            """
            import importspy_hook
            try:
                importspy_hook.install("contracts")
            except importspy_hook.ContractError as exc:
                print("ERROR", exc)
            """
        )
        assert "ERROR contracts: no such contract file or folder; check the path, or create it" in result.stdout, (
            result.output
        )

    def test_contract_broken_after_install_never_fails_an_import(self, project: Project) -> None:
        project.write(
            {
                "contracts/a.yml": "module: a\nimporters: {allow: [__main__]}\n",
                "a.py": "",
                "b.py": "",
            }
        )
        result = project.run(
            """
            import importspy_hook, pathlib
            importspy_hook.install("contracts")
            pathlib.Path("contracts/a.yml").write_text("module: [\\n")
            pathlib.Path("contracts/b.yml").write_text("!!python/object:os.system x\\n")
            import json, b, a
            print("IMPORTED")
            """
        )
        assert "IMPORTED" in result.stdout, result.output


def _as_mappings() -> list[Any]:
    # The cases of ERRORS past the YAML reader, as the data it gives: the same contract
    # written as a Python object.
    import tempfile

    from importspy_hook._reading.document import read_document

    cases = []
    with tempfile.TemporaryDirectory() as folder:
        for name, text, expected in ERRORS:
            path = os.path.join(folder, "c.yml")
            with open(path, "w", encoding="utf-8") as file:
                file.write(text)
            try:
                data = read_document(path).data
            except ContractError:
                continue  # a YAML-level problem (a tag, an alias, an empty file): no mapping to give
            cases.append(pytest.param(data, expected.split(": ", 1)[1], id=name))
    return cases


class TestContractFromDict:
    def test_a_valid_mapping_builds_the_contract_a_file_would(self, here: Path) -> None:
        text = (
            "module: payments.keys\nimporters:\n  allow: ['payments.*']\n  deny: [plugins.evil]\n"
            "runtime:\n  python: '>=3.10'\n  os: Linux\n  env: {STAGE: {one_of: [prod, dev]}}\n"
        )
        (here / "c.yml").write_text(text, encoding="utf-8")
        from_file = load_contract("c.yml")
        mapping = {
            "module": "payments.keys",
            "importers": {"allow": ("payments.*",), "deny": ["plugins.evil"]},
            "runtime": {"python": ">=3.10", "os": "Linux", "env": {"STAGE": {"one_of": ["prod", "dev"]}}},
        }
        from_mapping = Contract.from_dict(mapping, source="app/policy.py")
        assert from_mapping == attrs.evolve(from_file, source="app/policy.py", lines={})

    @pytest.mark.parametrize(("mapping", "message"), _as_mappings())
    def test_every_problem_a_file_reports_is_reported_for_the_mapping(self, mapping: object, message: str) -> None:
        with pytest.raises(ContractError) as caught:
            Contract.from_dict(mapping)  # type: ignore[arg-type]
        first = str(caught.value).splitlines()[0]
        assert first == message or first.endswith(": " + message)

    @pytest.mark.parametrize(
        ("mapping", "expected"),
        [
            (
                {"module": "a", "importers": {"alow": ["x"]}},
                'importers.alow: unknown key "alow"; did you mean "allow"? allowed here: allow, deny, require',
            ),
            (
                {"module": "a", "runtime": [{"os": "linux"}, {"env": {"STAGE": {"equal": "x"}}}]},
                'runtime[1].env.STAGE.equal: unknown key "equal"; did you mean "equals"? '
                "allowed here: equals, one_of, matches, required, absent, secret",
            ),
            (
                {"module": "a", "provides": {"functions": [{"name": "f"}, {"returns": "int"}]}},
                'provides.functions[1]: missing required key "name"',
            ),
            ({"importers": {"allow": ["x"]}}, 'missing required key "module"'),
            ({"module": "a", "schema": 2}, "schema: schema 2 is not supported; this version reads schema 1"),
            (["module", "a"], "a contract is a mapping with a 'module:' key, not a list"),
        ],
    )
    def test_problems_start_with_their_key_path(self, mapping: object, expected: str) -> None:
        with pytest.raises(ContractError) as caught:
            Contract.from_dict(mapping)  # type: ignore[arg-type]
        assert str(caught.value) == expected
        assert (caught.value.file, caught.value.line) == ("", None)

    def test_every_problem_is_listed_after_the_source(self) -> None:
        with pytest.raises(ContractError) as caught:
            Contract.from_dict(
                {"module": "a", "importers": {"alow": ["x"]}, "runtime": {"env": {"DEBUG": True}}}, source="app.py"
            )
        lines = str(caught.value).splitlines()
        assert len(lines) == 2
        assert lines[0].startswith('app.py: importers.alow: unknown key "alow"')
        assert lines[1].startswith("app.py: runtime.env.DEBUG: expected text or a mapping")
        assert isinstance(caught.value, ValueError)
        assert not isinstance(caught.value, ImportError)
