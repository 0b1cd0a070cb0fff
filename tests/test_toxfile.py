"""The project's tox plugin (toxfile.py): every installed interpreter found, every skip named.

The README's test command is plain ``tox``; on a machine whose interpreters come from pyenv or
uv it must find them without extra variables, and an interpreter it cannot find must be named,
not hidden in a green run.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from types import ModuleType

pytest.importorskip("tox")

REPO = Path(__file__).resolve().parent.parent


def toxfile() -> ModuleType:
    spec = importlib.util.spec_from_file_location("toxfile", REPO / "toxfile.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def test_pyenv_and_uv_interpreters_are_offered_newest_patch_first_per_minor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pyenv = tmp_path / "pyenv" / "versions"
    executable(pyenv / "3.10.2" / "bin" / "python3.10")
    newest_310 = executable(pyenv / "3.10.13" / "bin" / "python3.10")
    py312 = executable(pyenv / "3.12.1" / "bin" / "python3.12")
    executable(pyenv / "2.7.18" / "bin" / "python2.7")  # older than requires-python: never offered
    executable(pyenv / "3.9.18" / "bin" / "python3.9")
    executable(pyenv / "pypy3.10-7.3.12" / "bin" / "python3.10")  # not a CPython release folder
    (pyenv / "3.13.0" / "bin").mkdir(parents=True)  # a broken install without its executable
    uv = tmp_path / "uv"
    py311 = executable(uv / "cpython-3.11.7-linux-x86_64-gnu" / "bin" / "python3.11")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(uv))

    assert toxfile().installed_pythons() == [str(newest_310), str(py311), str(py312)]


def test_no_pyenv_and_no_uv_offers_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "none"))
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(tmp_path / "none"))
    assert toxfile().installed_pythons() == []


def test_a_skipped_interpreter_is_named_after_the_summary(tmp_path: Path) -> None:
    (tmp_path / "toxfile.py").write_text((REPO / "toxfile.py").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "tox.ini").write_text(
        # Python 3.19 is years away: an interpreter no machine has.
        "[tox]\nenv_list = py319\nskip_missing_interpreters = true\n\n[testenv]\nskip_install = true\n"
        "commands = python -c pass\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOX_", "PYTHON"))}
    done = subprocess.run(
        [sys.executable, "-m", "tox", "run", "--root", str(tmp_path), "--workdir", str(tmp_path / ".tox")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert "NOT TESTED: py319 was skipped: could not find python interpreter" in output, output
    assert output.rstrip().splitlines()[-1].startswith("NOT TESTED: py319")
