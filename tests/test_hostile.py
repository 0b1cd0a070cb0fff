"""Hostile and broken input: arbitrary YAML, bombs, tags, regular expressions, secrets, files
that change under the hook.

Loading a contract is a pure function of a file, so the property tests call ``load_contract``
in this process; anything that could hang (alias bombs, deep nesting, pathological patterns)
runs in a child interpreter under the fixture's timeout instead.
"""

from __future__ import annotations

import re
import textwrap

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from importspy_hook import ContractError, load_contract

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from conftest import Project

#: A contract using every part of the format (issue 2's example), the seed of the mutations.
FULL = """\
schema: 1
module: payments.keys
on_violation: raise
importers:
  allow: ["payments", "payments.*", "__main__"]
  deny: ["payments.plugins.*"]
  require:
    variables:
      - {name: PLUGIN_API, value: 2, annotation: int}
    functions:
      - name: register
        arguments: [{name: registry, annotation: Registry}]
        returns: None
    classes:
      - name: Plugin
        bases: [BasePlugin]
        attributes: [{name: name, scope: class}]
        methods:
          - {name: run, arguments: [{name: self}]}
runtime:
  python: ">=3.10,<4"
  implementation: [cpython, pypy]
  os: [linux, darwin]
  arch: [x86_64, arm64]
  env:
    STAGE: {one_of: [prod, staging]}
    API_KEY: {required: true, secret: true}
    DEBUG: {absent: true}
    REGION: {matches: "eu-[a-z]+-[0-9]"}
    MODE: production
  packages:
    requests: ">=2.31"
    leftpad: {absent: true}
provides:
  functions: [{name: register}]
  classes: []
  variables: []
"""

# Where ContractError puts the problem: "file:line:col: message", one line per problem.
POSITIONED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): \S")

HOSTILE = settings(
    max_examples=150,
    deadline=None,  # no timing in unit tests; a hang is caught by the bounded input sizes
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def load_or_error(folder: Path, text: str) -> None:
    """The property: a Contract, or a ContractError whose every line starts ``file:line:col:``."""
    path = folder / "contract.yml"
    path.write_text(text, encoding="utf-8")
    try:
        load_contract(path)
    except ContractError as exc:
        lines = str(exc).splitlines()
        assert lines
        for line in lines:
            match = POSITIONED.match(line)
            assert match is not None, f"no file:line:col in {line!r} for {text!r}"
            assert match["file"] == str(path)
            assert 1 <= int(match["line"]) <= text.count("\n") + 2, (line, text)


def test_the_seed_contract_is_valid(tmp_path: Path) -> None:
    (tmp_path / "full.yml").write_text(FULL, encoding="utf-8")
    assert load_contract(tmp_path / "full.yml").module == "payments.keys"


YAML_ALPHABET = st.sampled_from([*" \n\t-:,[]{}#&*!|>'\"%@`?~.0123456789aeimnrsuxyz_=<", "\u00e9", "\ufeff"])


KEYS = st.sampled_from(
    [
        "module",
        "schema",
        "on_violation",
        "importers",
        "allow",
        "deny",
        "require",
        "runtime",
        "python",
        "env",
        "packages",
        "provides",
        "functions",
        "classes",
        "variables",
        "name",
        "value",
        "matches",
        "secret",
        "one_of",
        "equals",
        "absent",
        "required",
        "os",
        "arch",
        "implementation",
        "bases",
        "methods",
        "arguments",
        "returns",
        "annotation",
        "attributes",
        "scope",
        "x",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True),
    st.sampled_from(["payments.keys", "*", "[", ">=3.10", "linux", "eu-[a-z]+", "(a+)+", "None", "class", ""]),
    st.text(max_size=12),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=30,
)


class TestArbitraryInput:
    @HOSTILE
    @given(text=st.text(YAML_ALPHABET, max_size=400))
    @example(text="._")  # a YAML 1.1 float to ruamel's resolver, which float() then refuses
    def test_any_yaml_like_text_loads_or_fails_with_a_position(self, tmp_path: Path, text: str) -> None:
        load_or_error(tmp_path, text)

    @HOSTILE
    @given(text=st.text(max_size=200))
    def test_any_unicode_text_loads_or_fails_with_a_position(self, tmp_path: Path, text: str) -> None:
        load_or_error(tmp_path, text)

    @HOSTILE
    @given(document=st.dictionaries(KEYS, DOCUMENTS, max_size=6))
    def test_any_document_built_from_contract_words_loads_or_fails_with_a_position(
        self, tmp_path: Path, document: dict[str, object]
    ) -> None:
        import json

        # JSON is YAML: a generated structure, written as flow YAML.
        load_or_error(tmp_path, json.dumps(document, indent=1))


def _mutate(text: str, data: st.DataObject) -> str:
    lines = text.splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 4))):
        operation = data.draw(st.sampled_from(["delete", "duplicate", "swap", "replace", "insert", "indent"]))
        if not lines:
            break
        i = data.draw(st.integers(0, len(lines) - 1))
        if operation == "delete":
            del lines[i]
        elif operation == "duplicate":
            lines.insert(i, lines[i])
        elif operation == "swap":
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif operation == "indent":
            lines[i] = data.draw(st.sampled_from(["", " ", "  ", "\t", "    "])) + lines[i].lstrip(" ")
        else:
            line = lines[i]
            at = data.draw(st.integers(0, len(line)))
            piece = data.draw(st.text(YAML_ALPHABET, min_size=1, max_size=6))
            lines[i] = line[:at] + piece + line[at + (len(piece) if operation == "replace" else 0) :]
    return "".join(lines)


def test_an_anchor_defined_again_is_yaml_and_loads_without_a_warning(tmp_path: Path) -> None:
    # Found by the mutation search below: ruamel.yaml's ReusedAnchorWarning escaped the reader,
    # an error without a position under ``filterwarnings = error``. The later anchor wins.
    text = "module: payments.keys\non_violation: &mode raise\nschema: &mode 1\n"
    (tmp_path / "anchors.yml").write_text(text, encoding="utf-8")
    assert load_contract(tmp_path / "anchors.yml").on_violation == "raise"


class TestMutatedContracts:
    @HOSTILE
    @given(data=st.data())
    def test_any_mutation_of_a_valid_contract_loads_or_fails_with_a_position(
        self, tmp_path: Path, data: st.DataObject
    ) -> None:
        load_or_error(tmp_path, _mutate(FULL, data))


BOMB_SCRIPT = """
import sys, importspy_hook
try:
    importspy_hook.load_contract(sys.argv[1])
except importspy_hook.ContractError as exc:
    print("REFUSED", exc)
else:
    print("LOADED")
"""


def _billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghij":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [{', '.join(['*' + previous] * 9)}]")
    return "module: x\nbomb:\n" + textwrap.indent("\n".join(lines), "  ") + "\n"


class TestBombsAndTags:
    @pytest.mark.parametrize(
        ("document", "expected"),
        [
            (_billion_laughs(), "entries once aliases are expanded"),
            ("module: x\nx: " + "[" * 5000 + "]" * 5000 + "\n", "nested"),
            ("module: x\nx:\n" + "".join(" " * i + "- \n" for i in range(1, 400)), "nested"),
            ("module: x\nx: " + "{a: " * 2000 + "1" + "}" * 2000 + "\n", "nested"),
            ("module: x\n" + "# padding\n" * 120_000, "larger than"),
        ],
        ids=["billion-laughs", "deep-flow-lists", "deep-block-lists", "deep-flow-maps", "huge-file"],
    )
    def test_bombs_are_refused_quickly_with_a_clear_error(self, project: Project, document: str, expected: str) -> None:
        project.write({"bomb.yml": ""})
        (project.root / "bomb.yml").write_text(document, encoding="utf-8")
        result = project.run(BOMB_SCRIPT, "bomb.yml", timeout=60)  # a hang fails here
        assert result.returncode == 0, result.output
        assert result.stdout.startswith("REFUSED bomb.yml"), result.output
        assert expected in result.stdout

    @pytest.mark.parametrize(
        "value",
        [
            '!!python/object/apply:os.system ["touch pwned"]',
            "!!python/name:os.system",
            '!!python/object/new:os.system ["touch pwned"]',
            "!!python/module:os",
            "!custom thing",
            "!!binary aGVsbG8=",
            "!!set {a, b}",
            "!!omap [{a: 1}]",
            "!<tag:yaml.org,2002:python/tuple> [1, 2]",
        ],
    )
    def test_tags_that_build_objects_are_refused(self, tmp_path: Path, value: str) -> None:
        path = tmp_path / "tagged.yml"
        path.write_text(f"module: x\nprovides: {value}\n", encoding="utf-8")
        with pytest.raises(ContractError, match=r"tagged\.yml:2:\d+: .*tag") as caught:
            load_contract(path)
        assert "not allowed" in str(caught.value)
        assert not (tmp_path / "pwned").exists()


def _env_contract(pattern: str) -> str:
    return f"module: guarded\nruntime:\n  env:\n    REGION: {{matches: '{pattern}'}}\n"


class TestRegularExpressions:
    def test_invalid_pattern_is_refused_at_load_with_its_position(self, tmp_path: Path) -> None:
        path = tmp_path / "c.yml"
        path.write_text(_env_contract("eu-(west"), encoding="utf-8")
        with pytest.raises(ContractError, match=r"c\.yml:4:\d+: .*not a valid regular expression"):
            load_contract(path)

    @pytest.mark.parametrize(
        "pattern",
        ["(a+)+$", "(a|aa)*", "(a*)*b", "(.*a){20}", r"(\w+)\1", "a*a*a*a*b", ".*-.*-.*-.*-z", "(?:x+y?)+"],
    )
    def test_pathological_patterns_are_refused_at_load(self, tmp_path: Path, pattern: str) -> None:
        path = tmp_path / "c.yml"
        path.write_text(_env_contract(pattern), encoding="utf-8")
        with pytest.raises(ContractError, match=r"c\.yml:4:\d+: .*(repetition|back-reference|alternation)"):
            load_contract(path)

    @pytest.mark.parametrize(
        "pattern",
        ["eu-[a-z]+-[0-9]", "[a-z]+-[a-z]+-[0-9]+", r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}", "prod|staging"],
    )
    def test_ordinary_patterns_are_accepted(self, tmp_path: Path, pattern: str) -> None:
        path = tmp_path / "c.yml"
        path.write_text(_env_contract(pattern), encoding="utf-8")
        assert load_contract(path).module == "guarded"

    def test_matching_is_bounded_to_values_of_256_characters(self, project: Project) -> None:
        # The fixture's timeout catches a stall: the worst accepted shape backtracks fully on
        # the longest value that is matched, and a value one character longer never matches.
        script = """
            import importspy_hook, sys
            importspy_hook.install("contracts")
            try:
                import guarded
            except importspy_hook.RuntimeViolation as exc:
                print("REFUSED", [v.rule for v in exc.violations])
            else:
                print("IMPORTED")
        """
        project.write({"guarded.py": "", "contracts/a.yml": _env_contract("a*a*b")})
        assert "IMPORTED" in project.run(script, env={"REGION": "a" * 255 + "b"}, timeout=60).stdout
        longer = project.run(script, env={"REGION": "a" * 256 + "b"}, timeout=60)
        assert "REFUSED ['runtime.env.matches']" in longer.stdout, longer.output
        project.write({"contracts/a.yml": _env_contract("a*?a*?b")})
        worst = project.run(script, env={"REGION": "a" * 256}, timeout=60)
        assert "REFUSED ['runtime.env.matches']" in worst.stdout, worst.output


SECRET = "hunter2-Zq9-SECRET-VALUE"

#: An expected value a contract holds, as secret as the values of the environment.
EXPECTED = "sk-expected-Xv7-CONTRACT-VALUE"

SECRET_FILES = {
    "guarded.py": "",
    "contracts/guarded.yml": """
        module: guarded
        runtime:
          env:
            API_KEY: {matches: "sk-[a-z]+", secret: true}
            TOKEN: {one_of: [a, b]}
            PASSWORD: {equals: expected}
            STAGE_NAME: {matches: "dev-[a-z]+"}
            DB_PASS: {equals: expected}
            MYSQL_PWD: {one_of: [a, b]}
            DATABASE_URL: {matches: "postgres://.*"}
            BROKER: {equals: "amqp://guest@localhost/"}
    """,
    "contracts/marked.yml": """
        module: marked
        runtime:
          env:
            STAGE_NAME: {required: true, secret: true}
    """,
    "contracts/warned.yml": f"""
        module: warned
        on_violation: warn
        runtime:
          env:
            API_KEY: {{equals: "{EXPECTED}", secret: true}}
            SERVICE_DSN: {{one_of: ["{EXPECTED}-dsn"]}}
            PRIVATE_PEM: "{EXPECTED}-pem"
    """,
    "warned.py": "",
}

#: Every variable of SECRET_FILES, each holding a value built on SECRET.
SECRET_ENV = {
    "API_KEY": SECRET,
    "TOKEN": SECRET + "-token",
    "PASSWORD": SECRET + "-password",
    "STAGE_NAME": SECRET + "-stage",
    "DB_PASS": SECRET + "-db",
    "MYSQL_PWD": SECRET + "-mysql",
    "DATABASE_URL": f"mysql://admin:{SECRET}@db/prod",
    "BROKER": f"amqp://user:{SECRET}@rabbit/",
    "SERVICE_DSN": SECRET + "-dsn",
    "PRIVATE_PEM": SECRET + "-pem",
}

SWEEP = """
import io, logging, sys, traceback, warnings
logging.basicConfig(level=logging.DEBUG, stream=sys.stdout)
import importspy_hook
from importspy_hook import _snapshot, _violations

channels = []
registry = importspy_hook.Registry.load("contracts")
channels.append(repr(registry))
channels.append(repr(importspy_hook.load_contract("contracts/guarded.yml")))
installation = importspy_hook.install("contracts")
channels.append(repr(installation))
snap = importspy_hook.snapshot()
channels += [repr(snap), str(snap.as_dict())]
channels.append(repr(importspy_hook.load_contract("contracts/warned.yml")))
try:
    import guarded
except importspy_hook.ContractViolation as exc:
    channels += [str(exc), repr(exc), repr(exc.violations), traceback.format_exc()]
    channels += [repr(v) for v in exc.violations] + [str(v) for v in exc.violations]
    channels += traceback.TracebackException(type(exc), exc, exc.__traceback__, capture_locals=True).format()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import warned
for w in caught:
    channels += [str(w.message), warnings.formatwarning(w.message, w.category, w.filename, w.lineno)]
channels += importspy_hook.self_check()
print("\\n".join(channels))
print("CHANNELS", len(channels))
import guarded  # uncaught: the interpreter prints the traceback to stderr
"""


class TestSecrets:
    def test_secret_value_appears_in_no_output_channel(self, project: Project) -> None:
        project.write(SECRET_FILES)
        result = project.run(SWEEP, env=SECRET_ENV)
        assert "CHANNELS" in result.stdout, result.output
        assert "runtime.env" in result.output  # the violations were reported
        for name in SECRET_ENV:
            assert f"{name} " in result.output, name
        assert "Traceback" in result.stderr
        assert "(the value is secret and not shown)" in result.output
        assert SECRET not in result.output
        assert EXPECTED not in result.output

    def test_an_unquoted_secret_is_never_echoed(self, project: Project) -> None:
        # A number the YAML reader turns into an int: the contract is refused, and its value
        # stays out of the error on every channel that words it.
        digits = "8472619305"
        project.write(
            {
                "guarded.py": "",
                "contracts/pin.yml": f"""
                    module: guarded
                    runtime:
                      env:
                        PIN_CODE: {{equals: {digits}, secret: true}}
                        LEVEL: {{one_of: ["1", {digits}1]}}
                        SHORT_FORM: {digits}2
                """,
            }
        )
        script = """
            import importspy_hook
            for attempt in (importspy_hook.load_contract, importspy_hook.install):
                try:
                    attempt("contracts/pin.yml")
                except importspy_hook.ContractError as exc:
                    print("REFUSED", exc)
            __import__("_importspy_hook_guard").activate_from_environment()  # what the .pth line runs
            try:
                import guarded
            except ImportError as exc:
                print("IMPORT", exc)
        """
        result = project.run(script, env={"IMPORTSPY_HOOK_CONTRACTS": "contracts", "PIN_CODE": digits})
        lint = project.python("-m", "importspy_hook", "lint", "contracts")
        output = result.output + lint.output
        assert result.stdout.count("REFUSED") == 2, result.output
        assert "IMPORT" in result.stdout  # fails closed
        assert "pin.yml:4:" in output
        assert "got a number; the environment holds only text, so quote it" in output
        assert digits not in output

    def test_the_compiled_cache_is_as_private_as_the_contracts(self, project: Project) -> None:
        project.write(
            {
                "guarded.py": "",
                "contracts/guarded.yml": f"module: guarded\nruntime:\n  env:\n"
                f"    API_KEY: {{equals: '{EXPECTED}', secret: true}}\n",
            }
        )
        (project.root / "contracts" / "guarded.yml").chmod(0o600)
        result = project.run("import importspy_hook; importspy_hook.install('contracts'); print('OK')")
        assert "OK" in result.stdout, result.output
        (cache,) = (project.root / "contracts" / "__importspy_cache__").glob("*.marshal")
        assert cache.stat().st_mode & 0o077 == 0, oct(cache.stat().st_mode)

    @pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
    def test_cli_check_output_never_contains_the_secret(self, project: Project, fmt: str) -> None:
        # The CLI is built in a parallel branch: this runs once importspy_hook.cli exists.
        pytest.importorskip("importspy_hook.cli")
        project.write(SECRET_FILES)
        env = SECRET_ENV
        result = project.python("-m", "importspy_hook", "check", "--contracts", "contracts", "--format", fmt, env=env)
        assert result.returncode == 1, result.output
        assert "API_KEY" in result.output
        assert "STAGE_NAME" in result.output
        assert SECRET not in result.output
        assert EXPECTED not in result.output
        snapshot = project.python(
            "-m",
            "importspy_hook",
            "snapshot",
            "--contracts",
            "contracts",
            "--env",
            "API_KEY",
            "--env",
            "TOKEN",
            "--env",
            "STAGE_NAME",
            "--env",
            "DATABASE_URL",
            "--env",
            "BROKER",
            env=env,
        )
        assert snapshot.returncode == 0, snapshot.output
        assert SECRET not in snapshot.output


class TestContractFilesThatChange:
    """Contracts are read by install(); later changes matter only after invalidate_caches()."""

    FILES = {  # noqa: RUF012
        "guarded.py": "",
        "other.py": "",
        "contracts/guarded.yml": "module: guarded\nimporters:\n  allow: ['nobody']\n",
    }

    @pytest.mark.parametrize(
        "change",
        [
            "path.write_text('module: guarded\\n')",  # rule dropped on disk
            "path.write_text('module: [unclosed\\n')",  # broken
            "path.unlink()",  # deleted
            "path.write_bytes(b'\\xff\\xfe garbage')",  # not UTF-8
            "path.unlink(); path.mkdir()",  # replaced by a folder
        ],
        ids=["changed", "broken", "deleted", "not-utf8", "now-a-folder"],
    )
    def test_change_on_disk_never_breaks_an_unrelated_import_nor_lifts_the_rule(
        self, project: Project, change: str
    ) -> None:
        project.write(self.FILES)
        result = project.run(
            f"""
            import pathlib, warnings, importspy_hook
            importspy_hook.install("contracts")
            path = pathlib.Path("contracts/guarded.yml")
            {change}
            import json, other
            print("UNRELATED IMPORTED")
            try:
                import guarded
            except importspy_hook.ImporterViolation:
                print("STILL REFUSED")
            """
        )
        assert "UNRELATED IMPORTED" in result.stdout, result.output
        assert "STILL REFUSED" in result.stdout
        assert result.returncode == 0
