"""The start index, seen from real interpreters in an installed venv: a start with the same
contract paths as an earlier one reads one file and lists no folder, yet a contract added,
edited or removed is never missed, and a running process never applies a later edit."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import user_cache_home

TYPE_CHECKING = False
if TYPE_CHECKING:
    from conftest import Environment, Project, Result

PROTECTED = """
    module: app.keys
    importers:
      allow: ["app", "app.*", "__main__"]
"""

APP = {
    "app/__init__.py": "",
    "app/keys.py": "KEY = 'k'\n",
    "app/billing.py": "from app import keys\n",
    "plugins/__init__.py": "",
    "plugins/evil.py": "import app.keys\n",
    "contracts/app.keys.yml": PROTECTED,
    "contracts/more/app.billing.yml": "module: app.billing\nimporters:\n  allow: ['*']\n",
}

ON = {"IMPORTSPY_HOOK_CONTRACTS": "contracts"}

REPORT = """
    import sys
    import _importspy_hook_guard as core
    registry = core.installed_finder().registry
    print("INDEXED", registry._pending is not None)
    {before}
    try:
        __import__(sys.argv[1])
    except ImportError as exc:
        print("REFUSED", type(exc).__name__, exc)
    else:
        print("IMPORTED")
"""

# Activation as the .pth file runs it, with an audit hook that records every file opened and
# every folder listed (os.open and os.scandir raise audit events; os.stat does not).
AUDITED = """
    import os, sys
    import _importspy_hook_guard as core
    seen = []
    watched = ("open", "os.scandir", "os.listdir")
    sys.addaudithook(lambda event, args: seen.append((event, str(args[0]))) if event in watched else None)
    os.environ["IMPORTSPY_HOOK_CONTRACTS"] = "contracts"
    core.activate_from_environment()
    print("SEEN", [(event, os.path.basename(path)) for event, path in seen])
"""


def index_files(project: Project) -> list[Path]:
    """The start indexes written: beside the contracts, or in the user cache folder."""
    beside = (project.root / "contracts" / "__importspy_cache__").glob("start-*.marshal")
    user = (Path(user_cache_home(project.root)) / "importspy_hook").glob("start-*.marshal")
    return sorted([*beside, *user])


def report(installed: Environment, project: Project, module: str, before: str = "") -> Result:
    code = REPORT.replace("{before}", before.replace("\n", "\n    "))
    return installed.run(project, code, module, env=ON)


@pytest.fixture
def indexed(wheel_environment: Environment, project: Project) -> Project:
    """A project whose contracts were last changed more than 2 s ago, started once since:
    the next start with the same paths reads the start index."""
    project.write(APP)
    wheel_environment.run(project, "pass", env=ON)  # writes the cache beside the contracts
    # A folder changed in the last 2 s could change again within its stamp's clock tick
    # unseen (_importspy_hook_guard.RACY_NS): no index is written for it until then.
    time.sleep(2.1)
    wheel_environment.run(project, "pass", env=ON)
    assert len(index_files(project)) == 1
    return project


def edit_in_place(path: Path, old: str, new: str) -> None:
    """Rewrite a file's bytes in place (as many editors save): its folder does not change."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    with path.open("r+", encoding="utf-8") as stream:
        stream.truncate(0)
        stream.write(text.replace(old, new))


def test_a_start_from_the_index_opens_one_file_and_lists_no_folder(
    wheel_environment: Environment, indexed: Project
) -> None:
    (index,) = index_files(indexed)
    from_index = wheel_environment.run(indexed, AUDITED)
    assert f"SEEN [('open', '{index.name}')]" in from_index.stdout, from_index.output
    # Without the index, the same start lists both folders and opens both cache files.
    index.unlink()
    listed = wheel_environment.run(indexed, AUDITED)
    assert "('os.scandir', 'contracts')" in listed.stdout, listed.output
    assert "('os.scandir', 'more')" in listed.stdout


def test_the_index_is_kept_beside_the_contracts(indexed: Project) -> None:
    # As trusted as the contracts, like the compiled cache; not in the user's cache folder.
    (index,) = index_files(indexed)
    assert index.parent == indexed.root / "contracts" / "__importspy_cache__"


def test_a_start_from_the_index_enforces_its_contracts(wheel_environment: Environment, indexed: Project) -> None:
    denied = report(wheel_environment, indexed, "plugins.evil")
    assert "INDEXED True" in denied.stdout, denied.output
    assert "REFUSED ImporterViolation" in denied.stdout
    allowed = report(wheel_environment, indexed, "app.billing")
    assert "INDEXED True" in allowed.stdout, allowed.output
    assert "IMPORTED" in allowed.stdout


def test_a_contract_added_to_a_folder_is_enforced_at_the_next_start(
    wheel_environment: Environment, indexed: Project
) -> None:
    indexed.write({"contracts/more/plugins.evil.yml": "module: plugins.evil\nimporters:\n  deny: ['__main__']\n"})
    result = report(wheel_environment, indexed, "plugins.evil")
    assert "INDEXED False" in result.stdout, result.output
    assert "REFUSED ImporterViolation plugins.evil may not be imported by __main__" in result.stdout


def test_a_contract_edited_in_place_before_the_start_applies_as_edited(
    wheel_environment: Environment, indexed: Project
) -> None:
    edit_in_place(indexed.root / "contracts" / "app.keys.yml", '"app.*"', '"plugins.*"')
    time.sleep(0.3)  # the start comes after the edit, by more than the clock's lag
    result = report(wheel_environment, indexed, "plugins.evil")
    assert "INDEXED True" in result.stdout, result.output
    assert "IMPORTED" in result.stdout
    # The index no longer holds, so the next start lists the contracts (and writes it anew
    # once they have been left alone for 2 s).
    assert index_files(indexed) == []
    again = report(wheel_environment, indexed, "plugins.evil")
    assert "INDEXED False" in again.stdout, again.output
    assert "IMPORTED" in again.stdout


def test_a_contract_edited_after_the_start_is_never_applied(wheel_environment: Environment, indexed: Project) -> None:
    # The edit would let plugins.evil in; this process started before it, and cannot know
    # whether the file it started with is the one the index was written from: refused.
    edit = (
        "from pathlib import Path\n"
        "contract = Path('contracts', 'app.keys.yml')\n"
        "contract.write_text(contract.read_text().replace('\"app.*\"', '\"plugins.*\"'))"
    )
    result = report(wheel_environment, indexed, "plugins.evil", before=edit)
    assert "INDEXED True" in result.stdout, result.output
    assert "REFUSED ContractViolation" in result.stdout
    assert "its contract contracts/app.keys.yml changed after this process started" in result.stdout
    assert "restart the process" in result.stdout
    # A restart applies the edit.
    restarted = report(wheel_environment, indexed, "plugins.evil")
    assert "IMPORTED" in restarted.stdout, restarted.output


def test_a_contract_removed_after_the_start_refuses_its_module(
    wheel_environment: Environment, indexed: Project
) -> None:
    remove = "import os\nos.remove(os.path.join('contracts', 'more', 'app.billing.yml'))"
    result = report(wheel_environment, indexed, "app.billing", before=remove)
    assert "INDEXED True" in result.stdout, result.output
    assert "REFUSED ContractViolation" in result.stdout
    assert "was removed or renamed after this process started" in result.stdout
    restarted = report(wheel_environment, indexed, "app.billing")
    assert "IMPORTED" in restarted.stdout, restarted.output


def test_a_contract_edited_in_place_to_govern_another_module(wheel_environment: Environment, indexed: Project) -> None:
    # The start read the index, which says the file governs app.keys: the module the file
    # governs now is unknown to it, so the one it governed is refused until a restart.
    edit_in_place(indexed.root / "contracts" / "app.keys.yml", "module: app.keys", "module: app.other")
    time.sleep(0.3)
    result = report(wheel_environment, indexed, "app.keys")
    assert "REFUSED ContractViolation" in result.stdout, result.output
    assert "was edited in place to govern app.other instead" in result.stdout
    restarted = report(wheel_environment, indexed, "app.keys")
    assert "IMPORTED" in restarted.stdout, restarted.output


def test_a_damaged_index_is_not_used(wheel_environment: Environment, indexed: Project) -> None:
    (index,) = index_files(indexed)
    data = bytearray(index.read_bytes())
    data[data.index(b"\n") + 20] ^= 0xFF  # in the head, which its digest covers
    index.write_bytes(bytes(data))
    result = report(wheel_environment, indexed, "plugins.evil")
    assert "INDEXED False" in result.stdout, result.output
    assert "REFUSED ImporterViolation" in result.stdout
    assert result.stderr == ""


def test_damaged_contracts_in_the_index_refuse_protected_imports(
    wheel_environment: Environment, indexed: Project
) -> None:
    # The contracts' part of the index is read at start and checked at the first protected
    # import: damaged, the import fails closed and the index is removed.
    (index,) = index_files(indexed)
    data = bytearray(index.read_bytes())
    data[-5] ^= 0xFF
    index.write_bytes(bytes(data))
    result = report(wheel_environment, indexed, "app.billing")
    assert "INDEXED True" in result.stdout, result.output
    assert "REFUSED" in result.stdout
    assert "is damaged" in result.stdout
    assert index_files(indexed) == []
    restarted = report(wheel_environment, indexed, "app.billing")
    assert "IMPORTED" in restarted.stdout, restarted.output


def test_threads_that_read_the_index_at_once_all_get_its_contracts(
    wheel_environment: Environment, indexed: Project
) -> None:
    # Sixteen threads ask for the contracts at once: each reads them from the file opened at
    # start-up, and only one may close it (a second close would fail, or close a file another
    # part of the program has opened under the same number meanwhile).
    code = """
        import os, sys, threading
        import _importspy_hook_guard as core
        registry = core.installed_finder().registry
        print("INDEXED", registry._pending is not None)
        sys.setswitchinterval(1e-6)
        barrier = threading.Barrier(16)
        results = []
        def run():
            barrier.wait()
            try:
                results.append(registry.contracts_for("app.billing")[0]["module"])
            except Exception as exc:
                results.append(repr(exc))
        threads = [threading.Thread(target=run) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print("RESULTS", sorted(set(results)), len(results))
    """
    # Enough contracts that reading them takes a while, for the threads to meet there.
    indexed.write({f"contracts/bulk/app.bulk{i}.yml": f"module: app.bulk{i}\n" for i in range(400)})
    wheel_environment.run(indexed, "pass", env=ON)
    time.sleep(2.1)
    wheel_environment.run(indexed, "pass", env=ON)
    for _ in range(3):
        result = wheel_environment.run(indexed, code, env=ON)
        assert "INDEXED True" in result.stdout, result.output
        assert "RESULTS ['app.billing'] 16" in result.stdout, result.output
