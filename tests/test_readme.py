"""Every example README.rst shows runs as written, and prints what the README says it prints.

The shell blocks are taken from the README itself and run by bash with this interpreter's
``python`` and ``importspy-hook`` first on ``PATH``: the set-up and plugin-host commands in a
copy of the repository's ``contracts/`` and ``examples/`` (what a fresh clone has), the
quickstart in an empty folder, and the examples that go on from it in the folder it made.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.rst").read_text(encoding="utf-8")
# The temporary folder the README's sample output was taken in; a run's own folder replaces it.
SHOWN_TMP = re.search(r"/tmp/tmp\.[A-Za-z0-9]+", README)

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="the README's examples are bash")


def section(title: str) -> str:
    """The text of the README section titled ``title`` (up to the next top-level title)."""
    found = re.search(rf"^{re.escape(title)}\n=+\n(.*?)(?=^[^\n]+\n=+\n|\Z)", README, re.M | re.S)
    assert found, f"README has no section {title!r}"
    return found.group(1)


def blocks(text: str, directive: str) -> list[str]:
    """The bodies of the ``directive`` blocks (``.. code-block:: console``, ``Output...::``) in text."""
    found = []
    for match in re.finditer(rf"{re.escape(directive)}\n\n((?:    .*\n|\n)+)", text):
        body = "\n".join(line[4:] for line in match.group(1).splitlines())
        found.append(body.strip("\n") + "\n")
    return found


def commands(text: str) -> list[tuple[str, str]]:
    """``(command, output)`` for each ``$`` line of the console blocks of a section."""
    pairs: list[tuple[str, str]] = []
    for body in blocks(text, ".. code-block:: console"):
        for line in body.splitlines():
            if line.startswith("$ "):
                pairs.append((line[2:], ""))
            else:
                pairs[-1] = (pairs[-1][0], pairs[-1][1] + line + "\n")
    return pairs


def environment(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("IMPORTSPY_HOOK_", "PYTHON", "STAGE", "PAYMENTS_", "NO_COLOR"))
    }
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env["TMPDIR"] = str(tmp_path / "tmp")
    return env


def run(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        check=False,
    )


def expected_status(command: str, output: str) -> int:
    """The exit status a shown example has: 1 for a broken contract or a refused import."""
    if "BROKEN" in output or ("ImporterViolation" in output and "| tail" not in command):
        return 1
    return 0


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """What a fresh clone holds that the examples read: contracts/ and examples/."""
    root = tmp_path / "clone"
    skip = shutil.ignore_patterns("__pycache__", "__importspy_cache__")
    for name in ("contracts", "examples"):
        shutil.copytree(REPO / name, root / name, ignore=skip)
    return root


class TestSetUp:
    def test_the_first_command_checks_the_shipped_contracts_as_shown(self, clone: Path, tmp_path: Path) -> None:
        if sys.platform != "linux" or sys.implementation.name != "cpython":
            pytest.skip("payments.keys asks for CPython on Linux")
        (command, shown), _ = commands(section("Set-up"))
        install, separator, rest = command.partition(" && ")
        # The install step is what the test environment itself was made with.
        assert (install, separator) == ("python -m pip install .", " && ")
        done = run(rest, clone, environment(tmp_path))
        assert (done.returncode, done.stdout) == (0, shown)

    def test_ci_runs_exactly_the_documented_test_command(self) -> None:
        _, (command, shown) = commands(section("Set-up"))
        assert shown == ""
        script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
        assert script.rstrip("\n").splitlines()[-1] == command

    def test_the_set_up_commands_are_in_the_first_80_lines(self) -> None:
        head = "\n".join(README.splitlines()[:80])
        for command, _ in commands(section("Set-up")):
            assert f"$ {command}" in head


class TestQuickstart:
    @staticmethod
    def quickstart(tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
        """Run the quickstart from an empty folder: the result, that folder, and the one it made."""
        (script,) = blocks(section("Quickstart"), ".. code-block:: bash")
        here = tmp_path / "here"
        here.mkdir()
        folder_file = tmp_path / "folder"
        done = subprocess.run(
            ["bash", "-e", "-c", f'{script}\necho "$PWD" > {folder_file}\n'],
            cwd=here,
            env=environment(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done, here, Path(folder_file.read_text(encoding="utf-8").strip())

    def test_the_quickstart_prints_what_the_readme_shows(self, tmp_path: Path) -> None:
        done, _, folder = self.quickstart(tmp_path)
        (shown,) = blocks(section("Quickstart"), "Output of a real run (the first line is long)::")
        assert SHOWN_TMP is not None
        assert done.stdout.replace(str(folder), SHOWN_TMP.group()) == shown
        assert done.stderr == ""

    def test_the_quickstart_writes_nothing_in_the_folder_it_is_pasted_in(self, tmp_path: Path) -> None:
        _, here, folder = self.quickstart(tmp_path)
        assert list(here.iterdir()) == []
        assert folder.parent == tmp_path / "tmp"

    def test_the_three_ways_run_in_the_quickstart_folder_as_shown(self, tmp_path: Path) -> None:
        _, _, folder = self.quickstart(tmp_path)
        examples = commands(section("Three ways to use it"))
        assert len(examples) == 5
        assert SHOWN_TMP is not None
        for command, shown in examples:
            done = run(command, folder, environment(tmp_path))
            assert done.stdout.replace(str(folder), SHOWN_TMP.group()) == shown, command
            assert done.returncode == expected_status(command, shown), command


class TestPluginHost:
    def test_the_plugin_checks_print_what_the_readme_shows(self, clone: Path, tmp_path: Path) -> None:
        examples = commands(section("A plugin host"))
        assert len(examples) == 2
        for command, shown in examples:
            done = run(command, clone, environment(tmp_path))
            assert (done.returncode, done.stdout) == (expected_status(command, shown), shown), command


class TestShownContract:
    def test_the_contract_shown_is_the_shipped_file(self) -> None:
        (shown,) = blocks(section("A contract"), ".. code-block:: yaml")
        assert shown == (REPO / "contracts" / "payments.keys.yml").read_text(encoding="utf-8")
