"""The compiled contract cache, seen from real interpreters in an installed venv: warm starts
read no YAML, and an entry that is stale, corrupt or cannot be written never changes what is
enforced."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from conftest import Environment, Project, Result

HEAVY = ("ruamel.yaml", "cattrs", "attrs", "attr", "click", "packaging", "inspect", "typing", "platform")
HEAVY += ("importlib.metadata",)

PROTECTED = """
    module: app.keys
    importers:
      allow: ["app", "app.*", "__main__"]
    runtime:
      python: ">=3.10"
      env:
        STAGE: {one_of: [prod, staging]}
        API_KEY: {required: true, secret: true}
"""

APP = {
    "app/__init__.py": "",
    "app/keys.py": "KEY = 'k'\n",
    "app/billing.py": "from app import keys\n",
    "plugins/__init__.py": "",
    "plugins/evil.py": "import app.keys\n",
    "contracts/app.keys.yml": PROTECTED,
}

REPORT = f"""
    import sys
    try:
        __import__(sys.argv[1])
    except ImportError as exc:
        print("REFUSED", type(exc).__name__, [v.rule for v in getattr(exc, "violations", ())])
    else:
        print("IMPORTED")
    print("HEAVY", sorted(m for m in {HEAVY!r} if m in sys.modules))
"""

ON = {"IMPORTSPY_HOOK_CONTRACTS": "contracts", "STAGE": "prod", "API_KEY": "x"}
# The cache file of the contracts folder: one per folder and interpreter version (its digests
# differ between versions), an entry per contract file in it. The installed venvs run the
# tests' own interpreter.
ENTRY = Path("contracts", "__importspy_cache__", f"contracts.{sys.implementation.cache_tag}.marshal")


def user_entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.marshal")) if folder.is_dir() else []


class TestWarmStart:
    def test_first_start_writes_an_entry_beside_the_contracts(self, installed: Environment, project: Project) -> None:
        result = installed.run(project.write(APP), REPORT, "app.billing", env=ON)
        assert "IMPORTED" in result.stdout, result.output
        assert (project.root / ENTRY).is_file()
        assert (project.root / ENTRY.parent / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"

    def test_one_cache_file_holds_the_entries_of_every_contract_in_the_folder(
        self, installed: Environment, project: Project
    ) -> None:
        # One file per folder: a start-up opens and unmarshals one file, not one per contract.
        project.write(APP).write({"contracts/app.billing.yml": "module: app.billing\nimporters:\n  allow: ['*']\n"})
        installed.run(project, REPORT, "app.billing", env=ON)
        cache = project.root / ENTRY.parent
        assert sorted(p.name for p in cache.iterdir()) == [".gitignore", ENTRY.name]
        result = installed.run(project, REPORT, "app.billing", env=ON)
        assert "IMPORTED" in result.stdout, result.output
        assert "HEAVY []" in result.stdout

    def test_warm_start_and_a_passing_import_load_no_yaml_side(self, installed: Environment, project: Project) -> None:
        installed.run(project.write(APP), REPORT, "app.billing", env=ON)
        result = installed.run(project, REPORT, "app.billing", env=ON)
        assert "IMPORTED" in result.stdout, result.output
        assert "HEAVY []" in result.stdout
        assert result.stderr == ""

    def test_warm_start_still_refuses_a_denied_importer(self, installed: Environment, project: Project) -> None:
        installed.run(project.write(APP), REPORT, "app.billing", env=ON)
        result = installed.run(project, REPORT, "plugins.evil", env=ON)
        assert "REFUSED ImporterViolation ['importers.allow']" in result.stdout, result.output
        assert "HEAVY []" in result.stdout

    def test_contracts_folder_search_skips_the_cache_folder(self, installed: Environment, project: Project) -> None:
        # Nothing in the cache folder must ever be read as a contract itself.
        project.write(APP).write({"contracts/__importspy_cache__/trap.yml": "module: app.billing\nschema: 9\n"})
        result = installed.run(project, REPORT, "app.billing", env=ON)
        assert "IMPORTED" in result.stdout, result.output
        assert result.stderr == ""

    def test_install_in_code_uses_the_cache_too(self, project: Project) -> None:
        code = "import importspy_hook\nimportspy_hook.install('contracts')\n" + textwrap.dedent(REPORT)
        project.write(APP)
        project.run(code, "app.billing", env={"STAGE": "prod", "API_KEY": "x"})
        result = project.run(code, "app.billing", env={"STAGE": "prod", "API_KEY": "x"})
        assert "IMPORTED" in result.stdout, result.output
        assert "HEAVY []" in result.stdout

    def test_start_up_and_a_passing_import_load_the_core_module_only(
        self, installed: Environment, project: Project
    ) -> None:
        # Each module imported at start-up costs about 1 % of a bare start
        # (docs/performance.rst): activation and a passing import run in the resident core.
        code = (
            "import sys\n"
            "ours = lambda: sorted(m for m in sys.modules if m.startswith(('importspy_hook', '_importspy_hook')))\n"
            "print('START', ours())\n"
            "import app.billing\n"
            "print('IMPORT', ours())\n"
        )
        project.write(APP)
        # A contract changed less than 2 s before its bytes were hashed is hashed again at
        # each start (git's "racily clean" rule, _importspy_hook_guard.RACY_NS): wait that out first.
        time.sleep(2.1)
        installed.run(project, REPORT, "app.billing", env=ON)
        result = installed.run(project, code, env=ON)
        assert "START ['_importspy_hook_guard']" in result.stdout, result.output
        assert "IMPORT ['_importspy_hook_guard']" in result.stdout


class TestInvalidation:
    def test_edited_contract_is_read_again(self, installed: Environment, project: Project) -> None:
        installed.run(project.write(APP), REPORT, "plugins.evil", env=ON)
        project.write({"contracts/app.keys.yml": PROTECTED.replace('"app.*"', '"plugins.*"')})
        result = installed.run(project, REPORT, "plugins.evil", env=ON)
        assert "IMPORTED" in result.stdout, result.output

    def test_edit_that_keeps_size_and_mtime_is_still_seen(self, installed: Environment, project: Project) -> None:
        # Copies that keep times (cp -p, tar, rsync -t, builds with a fixed SOURCE_DATE_EPOCH)
        # can bring other bytes of the same size under the same mtime.
        contract = project.write(APP).root / "contracts" / "app.keys.yml"
        installed.run(project, REPORT, "plugins.evil", env=ON)
        before = contract.stat()
        edited = PROTECTED.replace('"app.*"', '"plug*"')
        assert len(edited) == len(PROTECTED)
        project.write({"contracts/app.keys.yml": edited})
        os.utime(contract, ns=(before.st_atime_ns, before.st_mtime_ns))
        result = installed.run(project, REPORT, "plugins.evil", env=ON)
        assert "IMPORTED" in result.stdout, result.output

    def test_edit_that_keeps_size_and_mtime_is_seen_once_the_stat_key_is_trusted(
        self, installed: Environment, project: Project
    ) -> None:
        # More than 2 s after a contract was last changed, its entry is trusted on its stat
        # key alone, without reading the contract: the key holds st_ctime_ns, which the edit
        # and the os.utime that puts the old mtime back both move forward.
        contract = project.write(APP).root / "contracts" / "app.keys.yml"
        time.sleep(2.1)
        installed.run(project, REPORT, "plugins.evil", env=ON)
        trusted = installed.run(project, REPORT, "plugins.evil", env=ON)
        assert "REFUSED ImporterViolation" in trusted.stdout, trusted.output
        before = contract.stat()
        edited = PROTECTED.replace('"app.*"', '"plug*"')
        project.write({"contracts/app.keys.yml": edited})
        os.utime(contract, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert (contract.stat().st_size, contract.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
        result = installed.run(project, REPORT, "plugins.evil", env=ON)
        assert "IMPORTED" in result.stdout, result.output

    def test_edited_contract_is_rebuilt_without_losing_the_other_entries(
        self, installed: Environment, project: Project
    ) -> None:
        project.write(APP).write({"contracts/app.billing.yml": "module: app.billing\nimporters:\n  allow: ['*']\n"})
        installed.run(project, REPORT, "app.billing", env=ON)
        project.write({"contracts/app.keys.yml": PROTECTED.replace('"app.*"', '"plugins.*"')})
        rebuilt = installed.run(project, REPORT, "plugins.evil", env=ON)
        assert "IMPORTED" in rebuilt.stdout, rebuilt.output
        assert "HEAVY []" in rebuilt.stdout  # parsed again (IMPORTED), by a child interpreter
        warm = installed.run(project, REPORT, "plugins.evil", env=ON)
        assert "IMPORTED" in warm.stdout, warm.output
        assert "HEAVY []" in warm.stdout  # both entries in the one file, fresh

    @pytest.mark.parametrize(
        "damage",
        [
            pytest.param(lambda entry: b"", id="empty"),
            pytest.param(lambda entry: b"\x00not marshal data\xff", id="garbage"),
            pytest.param(lambda entry: entry[: len(entry) // 2], id="truncated"),
            pytest.param(lambda entry: entry.replace(b"app.*", b"zzz.*"), id="altered"),
        ],
    )
    def test_corrupt_entry_is_ignored_and_rebuilt(
        self, installed: Environment, project: Project, damage: Callable[[bytes], bytes]
    ) -> None:
        installed.run(project.write(APP), REPORT, "app.billing", env=ON)
        entry = project.root / ENTRY
        entry.write_bytes(damage(entry.read_bytes()))
        allowed = installed.run(project, REPORT, "app.billing", env=ON)
        assert "IMPORTED" in allowed.stdout, allowed.output
        assert allowed.stderr == ""
        denied = installed.run(project, REPORT, "plugins.evil", env=ON)
        assert "REFUSED ImporterViolation ['importers.allow']" in denied.stdout, denied.output
        assert "HEAVY []" in denied.stdout  # the entry was written again, whole

    @pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_AS is POSIX")
    def test_damaged_index_length_is_not_read(self, installed: Environment, project: Project) -> None:
        # The index's length, after the header line and its 8-byte digest, set to 4 GB: the
        # start-up must not try to read (and allocate) that much. Under a 1 GB address-space
        # limit such a read fails, activation gives up and imports run unguarded.
        import resource

        installed.run(project.write(APP), REPORT, "app.billing", env=ON)
        entry = project.root / ENTRY
        data = entry.read_bytes()
        at = data.index(b"\n") + 9
        entry.write_bytes(data[:at] + b"\xff" * 4 + data[at + 4 :])

        def limit_memory() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

        done = installed.run(project, REPORT, "plugins.evil", env=ON, preexec_fn=limit_memory)
        assert "REFUSED ImporterViolation ['importers.allow']" in done.stdout, done.output
        assert done.stderr == ""

    def test_entry_whose_data_cannot_be_decoded_is_parsed_again(self, installed: Environment, project: Project) -> None:
        # A cache file with a valid digest whose entry holds bytes that are no contract's
        # data (only a writer's bug could make one): the contract is parsed again, and the
        # import is checked as usual, never let through unguarded.
        installed.run(project.write(APP), REPORT, "app.billing", env=ON)
        damage = (
            "import os, sys\n"
            "import _importspy_hook_guard\n"
            "from importspy_hook._reading import cache as _cache\n"
            "folder = os.path.abspath('contracts')\n"
            "entries, _ = _importspy_hook_guard.cache_entries(_cache.beside_cache(folder))\n"
            "entry = entries['app.keys.yml']\n"
            "_cache._store(folder, {'app.keys.yml': (*entry[:_importspy_hook_guard.ENTRY_OFFSET], b'\\x00 no')})\n"
            "print('DAMAGED', len(entries))\n"
        )
        assert "DAMAGED 1" in installed.run(project, damage).stdout
        denied = installed.run(project, REPORT, "plugins.evil", env=ON)
        assert "REFUSED ImporterViolation ['importers.allow']" in denied.stdout, denied.output
        allowed = installed.run(project, REPORT, "app.billing", env=ON)
        assert "IMPORTED" in allowed.stdout, allowed.output
        assert allowed.stderr == ""

    def test_contract_data_changed_after_start_up_is_not_trusted(
        self, installed: Environment, project: Project
    ) -> None:
        # Start-up reads the cache's index only; a contract's data is read at the first import
        # of its module. Data changed in between (the file rebuilt by another process, or
        # tampered with) no longer has the entry's digest: the contract is parsed again. Here
        # the change is valid marshal data that would let plugins.evil in.
        installed.run(project.write(APP), REPORT, "app.billing", env=ON)
        installed.run(project, REPORT, "app.billing", env=ON)
        tamper = (
            f"path = {str(ENTRY)!r}\n"
            "data = open(path, 'rb').read()\n"
            "print('TAMPERED', data.count(b'__main__'))\n"
            "open(path, 'wb').write(data.replace(b'__main__', b'plugins*'))\n"
        )
        code = tamper + textwrap.dedent(REPORT)
        denied = installed.run(project, code, "plugins.evil", env=ON)
        assert "TAMPERED 1" in denied.stdout, denied.output
        assert "REFUSED ImporterViolation ['importers.allow']" in denied.stdout, denied.output
        allowed = installed.run(project, code, "app.billing", env=ON)
        assert "IMPORTED" in allowed.stdout, allowed.output
        assert allowed.stderr == ""

    EDIT_AFTER_START = """
        import pathlib, shutil, sys, importspy_hook
        importspy_hook.install("contracts")
        contract = pathlib.Path("contracts/app.keys.yml")
        # An edit after start-up that would let plugins.evil in.
        contract.write_text(contract.read_text().replace('"app.*"', '"plugins.*"'))
        if sys.argv[1] == "cache-removed":
            shutil.rmtree("contracts/__importspy_cache__")
        try:
            import plugins.evil
        except ImportError as exc:
            print("REFUSED", type(exc).__name__, [v.rule for v in exc.violations])
            print("SAYS WHY", "changed after this process started" in str(exc))
        else:
            print("IMPORTED")
    """

    @pytest.mark.parametrize("cache", ["cache-kept", "cache-removed"])
    def test_edit_after_start_up_never_reaches_the_running_process(
        self, installed: Environment, project: Project, cache: str
    ) -> None:
        installed.run(project.write(APP), REPORT, "app.billing", env=ON)
        result = installed.run(project, self.EDIT_AFTER_START, cache, env={"STAGE": "prod", "API_KEY": "x"})
        if cache == "cache-kept":
            # The contract as it was at start-up is still in the cache: it is enforced.
            assert "REFUSED ImporterViolation ['importers.allow']" in result.stdout, result.output
        else:
            # That version can no longer be read: refused, saying why (never the edited file).
            assert "REFUSED ContractViolation ['contract.unreadable']" in result.stdout, result.output
            assert "SAYS WHY True" in result.stdout

    def test_entry_of_another_version_is_rebuilt(self, installed: Environment, project: Project) -> None:
        installed.run(project.write(APP), REPORT, "app.billing", env=ON)
        entry = project.root / ENTRY
        data = entry.read_bytes()
        header, _, rest = data.partition(b"\n")
        fields = header.split(b" ")
        assert fields[0] == b"importspy_hook-cache", header
        fields[1] = b"0"  # the cache format: an older writer's
        entry.write_bytes(b" ".join(fields) + b"\n" + rest)
        result = installed.run(project, REPORT, "plugins.evil", env=ON)
        assert "REFUSED ImporterViolation" in result.stdout, result.output
        assert "HEAVY []" in installed.run(project, REPORT, "plugins.evil", env=ON).stdout


@contextlib.contextmanager
def unwritable(folder: Path) -> Iterator[str]:
    """Make ``folder`` refuse new files, even to root; yields how it was done.

    As a user, ``chmod 555`` is enough. Root ignores file modes, so there the folder is made
    immutable with ``chattr +i`` (Linux, ext4/xfs/btrfs); where that is not available, the
    cache folder's name is taken by a plain file, so creating the folder fails just the same.
    """
    if os.name != "nt" and os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield "chmod 555"
        finally:
            folder.chmod(0o755)
        return
    chattr = shutil.which("chattr")
    if chattr and subprocess.run([chattr, "+i", str(folder)], capture_output=True, check=False).returncode == 0:
        try:
            yield "chattr +i"
        finally:
            subprocess.run([chattr, "-i", str(folder)], check=True)
        return
    blocker = folder / "__importspy_cache__"
    blocker.write_text("not a folder")
    try:
        yield "a file named __importspy_cache__"
    finally:
        blocker.unlink()


class TestReadOnlyContracts:
    def test_entries_go_to_the_user_cache_folder(self, installed: Environment, project: Project) -> None:
        project.write(APP)
        cache_home = project.root / "xdg-cache"
        env = dict(ON, XDG_CACHE_HOME=str(cache_home))
        with unwritable(project.root / "contracts"):
            first = installed.run(project, REPORT, "app.billing", env=env)
            second = installed.run(project, REPORT, "app.billing", env=env)
        assert "IMPORTED" in first.stdout, first.output
        assert not (project.root / ENTRY).exists()
        (name,) = user_entries(cache_home / "importspy_hook")
        assert name.endswith("-contracts.marshal")
        assert "IMPORTED" in second.stdout, second.output
        assert "HEAVY []" in second.stdout
        assert first.stderr == second.stderr == ""

    def test_cache_dir_variable_chooses_the_folder(self, installed: Environment, project: Project) -> None:
        project.write(APP)
        chosen = project.root / "chosen"
        env = dict(ON, IMPORTSPY_HOOK_CACHE_DIR=str(chosen))
        with unwritable(project.root / "contracts"):
            installed.run(project, REPORT, "app.billing", env=env)
        assert len(user_entries(chosen)) == 1

    def test_nothing_writable_still_enforces_every_start(self, installed: Environment, project: Project) -> None:
        project.write(APP)
        blocked = project.root / "blocked"
        blocked.write_text("a file, so no folder can be made here")
        env = dict(ON, IMPORTSPY_HOOK_CACHE_DIR=str(blocked / "cache"))
        with unwritable(project.root / "contracts"):
            for _ in range(2):
                result = installed.run(project, REPORT, "plugins.evil", env=env)
                assert "REFUSED ImporterViolation" in result.stdout, result.output
                assert result.stderr == ""


YAML_SIDE = ("ruamel.yaml", "cattrs", "attrs", "attr", "packaging")

ATTRS_GOVERNED = {
    "some/__init__.py": "",
    "some/allowed.py": "import attrs\n",
    "contracts/attrs.yml": "module: attrs\nimporters:\n  allow: [some.allowed]\n",
}

# Refused from __main__, then allowed from some.allowed in the same process: the contract is
# enforced, not merely refusing everything. Warnings are printed, so that one about attrs
# "imported before" the hook would show.
IMPORT_ATTRS = f"""
    import sys, warnings
    warnings.simplefilter("always")
    warnings.showwarning = lambda message, *rest: print("WARNING", message)
    print("LOADED", sorted(m for m in {YAML_SIDE!r} if m in sys.modules))
    try:
        import attrs
    except ImportError as exc:
        print("MAIN REFUSED", type(exc).__name__, [v.rule for v in exc.violations])
    else:
        print("MAIN IMPORTED")
    import some.allowed
    print("ALLOWED IMPORTED", some.allowed.attrs.__name__)
"""

INSTALL_THEN_IMPORT_ATTRS = """
    import sys, warnings
    warnings.simplefilter("always")
    warnings.showwarning = lambda message, *rest: print("WARNING", message)
    import importspy_hook
    importspy_hook.install("contracts")
""" + IMPORT_ATTRS.replace("    import sys, warnings\n", "", 1)


class TestSameResultWhateverTheCacheHolds:
    """A contract on a module the cold path's parsing imports (attrs here) is enforced on a
    cold start exactly as on a warm one: the contracts are parsed in a child interpreter."""

    def _assert_refused_from_main(self, result: Result) -> None:
        assert "LOADED []" in result.stdout, result.output
        assert "MAIN REFUSED ImporterViolation ['importers.allow']" in result.stdout, result.output
        assert "ALLOWED IMPORTED attrs" in result.stdout, result.output
        assert "WARNING" not in result.stdout, result.output

    def test_drop_in_activation_refuses_attrs_on_a_cold_and_a_warm_start(
        self, installed: Environment, project: Project
    ) -> None:
        project.write(ATTRS_GOVERNED)
        cold = installed.run(project, IMPORT_ATTRS, env={"IMPORTSPY_HOOK_CONTRACTS": "contracts"})
        assert (project.root / ENTRY).is_file()  # written by the child interpreter
        warm = installed.run(project, IMPORT_ATTRS, env={"IMPORTSPY_HOOK_CONTRACTS": "contracts"})
        self._assert_refused_from_main(cold)
        assert (cold.stdout, cold.stderr) == (warm.stdout, warm.stderr)
        assert cold.stderr == ""

    def test_install_refuses_attrs_on_a_cold_and_a_warm_start(self, project: Project) -> None:
        project.write(ATTRS_GOVERNED)
        cold = project.run(INSTALL_THEN_IMPORT_ATTRS)
        assert (project.root / ENTRY).is_file()
        warm = project.run(INSTALL_THEN_IMPORT_ATTRS)
        self._assert_refused_from_main(cold)
        assert (cold.stdout, cold.stderr) == (warm.stdout, warm.stderr)

    def test_install_with_a_mapped_spymodel_refuses_attrs_and_loads_no_yaml(self, project: Project) -> None:
        # An ImportSpy spymodel has no compiled cache: install() parses it in the child too,
        # at every start, so that the YAML side never loads before the finder is in place.
        project.write(ATTRS_GOVERNED).write(
            {
                "legacy/spymodel.yml": "filename: extension.py\nvariables:\n  - name: engine\n    value: docker\n",
                "pyproject.toml": (
                    '[tool.importspy-hook]\ncontracts = ["contracts"]\n'
                    'importspy_contracts = {"legacy/spymodel.yml" = "package"}\n'
                ),
                "package/__init__.py": "",
                "extension.py": "engine = 'docker'\nimport package\n",
            }
        )
        code = INSTALL_THEN_IMPORT_ATTRS.replace('install("contracts")', "install()") + (
            "    import extension\n    print('SPYMODEL KEPT', 'package' in sys.modules)\n"
        )
        for _ in range(2):  # the contract files' cache cold, then warm
            result = project.run(code)
            self._assert_refused_from_main(result)
            assert "SPYMODEL KEPT True" in result.stdout, result.output

    def test_install_with_a_broken_mapped_spymodel_names_its_line(self, project: Project) -> None:
        project.write(
            {
                "contracts/.keep": "",
                "legacy/spymodel.yml": "filename: extension.py\nvariablez: []\n",
                "pyproject.toml": (
                    '[tool.importspy-hook]\nimportspy_contracts = {"legacy/spymodel.yml" = "extension"}\n'
                ),
            }
        )
        result = project.run(
            """
            import sys, importspy_hook
            try:
                importspy_hook.install()
            except importspy_hook.ContractError as exc:
                print("ERROR", exc)
            print("LOADED", "ruamel.yaml" in sys.modules)
            """
        )
        assert "legacy/spymodel.yml:2:1: unknown key 'variablez'" in result.stdout, result.output
        assert "LOADED False" in result.stdout, result.output

    def test_stale_entry_is_parsed_without_loading_the_yaml_side(
        self, installed: Environment, project: Project
    ) -> None:
        project.write(ATTRS_GOVERNED)
        env = {"IMPORTSPY_HOOK_CONTRACTS": "contracts"}
        installed.run(project, IMPORT_ATTRS, env=env)
        project.write({"contracts/attrs.yml": "module: attrs\nimporters:\n  allow: [some.allowed, __main__]\n"})
        result = installed.run(project, IMPORT_ATTRS, env=env)
        assert "LOADED []" in result.stdout, result.output
        assert "MAIN IMPORTED" in result.stdout, result.output
        assert "WARNING" not in result.stdout, result.output

    def test_nothing_writable_still_refuses_attrs_at_every_start(
        self, installed: Environment, project: Project
    ) -> None:
        # The child cannot store the entries: it hands the plain data back.
        project.write(ATTRS_GOVERNED)
        blocked = project.root / "blocked"
        blocked.write_text("a file, so no folder can be made here")
        env = {"IMPORTSPY_HOOK_CONTRACTS": "contracts", "IMPORTSPY_HOOK_CACHE_DIR": str(blocked / "cache")}
        with unwritable(project.root / "contracts"):
            for _ in range(2):
                result = installed.run(project, IMPORT_ATTRS, env=env)
                self._assert_refused_from_main(result)
                assert result.stderr == ""

    def test_broken_contract_parsed_in_the_child_still_names_file_line_and_column(
        self, installed: Environment, project: Project
    ) -> None:
        project.write(ATTRS_GOVERNED).write({"contracts/attrs.yml": "module: attrs\nimporters:\n  alow: [x]\n"})
        result = installed.run(project, IMPORT_ATTRS, env={"IMPORTSPY_HOOK_CONTRACTS": "contracts"})
        assert "importspy_hook: contracts/attrs.yml:3:3: unknown key" in result.stderr, result.output
        assert "MAIN REFUSED" in result.stdout, result.output
        assert "LOADED []" in result.stdout, result.output
