"""A sandbox per test: a small project written into ``tmp_path``, run by a fresh interpreter.

Every behaviour of the hook is tested through the real import system in a real subprocess,
so no test leaks ``sys.modules`` or ``sys.meta_path`` state into the next.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pathlib import Path


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Project:
    """Files in a temporary folder, and a way to run Python code over them."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    def write(self, files: dict[str, str]) -> Project:
        for name, text in files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return self

    def run(self, code: str, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Result:
        """Run ``code`` as ``__main__`` (a ``main.py`` script) with the project on ``sys.path``."""
        (self.root / "main.py").write_text(textwrap.dedent(code).lstrip("\n"), encoding="utf-8")
        return self.python("main.py", *args, env=env, timeout=timeout)

    def python(self, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Result:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("IMPORTSPY_HOOK_", "PYTHON"))}
        full_env["PYTHONDONTWRITEBYTECODE"] = "1"
        full_env["PYTHONPATH"] = str(self.root)
        full_env.update(self.env)
        full_env.update(env or {})
        done = subprocess.run(
            [sys.executable, *args],
            cwd=self.root,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)
