"""The command-line examples of docs/cli.rst that use the shipped plugin host run as shown.

They run from the root of a copy of what a clone holds (``contracts/`` and ``examples/``), with
this interpreter's ``importspy-hook`` first on ``PATH``, one block at a time in order.
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
CLI_PAGE = (REPO / "docs" / "cli.rst").read_text(encoding="utf-8")

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="the examples are shell commands")


def example_blocks() -> list[list[tuple[str, str]]]:
    """The literal blocks whose commands use examples/: ``[(command, output), ...]`` each."""
    found = []
    for match in re.finditer(r"::\n\n((?:    .*\n|\n)+)", CLI_PAGE):
        lines = [line[4:] for line in match.group(1).splitlines()]
        pairs: list[tuple[str, str]] = []
        for line in lines:
            if line.startswith("$ "):
                pairs.append((line[2:], ""))
            elif pairs:
                pairs[-1] = (pairs[-1][0], pairs[-1][1] + line + "\n")
        if any("examples/" in command for command, _ in pairs):
            found.append([(command, output.rstrip("\n") + "\n") for command, output in pairs])
    return found


def host_neutral(text: str) -> str:
    """The starter contract's lines that name this host's Python, OS and CPU, made comparable."""
    text = re.sub(r'python: ">=3\.\d+"', 'python: ">=3.X"', text)
    text = re.sub(r"os: \[\w+\]", "os: [OS]", text)
    return re.sub(r"arch: \[\w+\]", "arch: [ARCH]", text)


@pytest.mark.parametrize("number", range(len(example_blocks())))
def test_the_plugin_host_examples_print_what_the_page_shows(number: int, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    skip = shutil.ignore_patterns("__pycache__", "__importspy_cache__")
    for name in ("contracts", "examples"):
        shutil.copytree(REPO / name, clone / name, ignore=skip)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMPORTSPY_HOOK_", "PYTHON", "NO_COLOR"))}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for command, shown in example_blocks()[number]:
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=clone,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
            check=False,
        )
        assert host_neutral(done.stdout) == host_neutral(shown), command
        assert done.returncode == (1 if "BROKEN" in shown else 0), command


def test_the_page_has_the_plugin_host_and_init_examples() -> None:
    commands = [command for block in example_blocks() for command, _ in block]
    assert "importspy-hook check examples/plugins/unregistered.py --as-importer-of app.core" in commands
    assert "importspy-hook init examples/app/base.py" in commands
