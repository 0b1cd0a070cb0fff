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
from pathlib import Path

import pytest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def user_cache_home(root: Path) -> str:
    """The user's cache folder a test's interpreters see (``XDG_CACHE_HOME``): one per test,
    beside its project, so that facts and discovery caches neither leak between tests nor
    collect in the real home folder."""
    return str(root.parent / f"{root.name}-user-cache")


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
        full_env["XDG_CACHE_HOME"] = user_cache_home(self.root)
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


@pytest.fixture(autouse=True, scope="session")
def _user_cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # What runs in this process (click's CliRunner) or in interpreters started without a
    # Project (pytester, the README's commands) keeps its facts and discovery caches here
    # too, not in the real home folder.
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))
    yield
    patch.undo()


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


# -- Installed environments (drop-in activation) ------------------------------------------
#
# The wheel is built and installed into a fresh virtual environment once per session, and
# the working tree is installed in editable mode into another; tests start real interpreters
# in them, so the .pth and .start files are exercised as pip puts them in site-packages.

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Environment:
    """A virtual environment with importspy-hook installed, as a wheel or in editable mode."""

    kind: str
    root: Path

    @property
    def python(self) -> Path:
        return self.root / ("Scripts" if os.name == "nt" else "bin") / "python"

    @property
    def site_packages(self) -> Path:
        code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
        out = subprocess.run([str(self.python), "-c", code], capture_output=True, text=True, check=True).stdout
        return Path(out.strip())

    def run(
        self,
        project: Project,
        code: str,
        *args: str,
        env: dict[str, str] | None = None,
        timeout: float = 60,
        preexec_fn: Callable[[], object] | None = None,
    ) -> Result:
        """Run ``code`` as ``main.py`` in ``project.root`` with this environment's interpreter.

        Nothing is added to ``sys.path``: the project is found because the script's folder
        comes first, and importspy_hook because it is installed. ``preexec_fn`` runs in the
        child before it starts (POSIX), to set a resource limit, say.
        """
        (project.root / "main.py").write_text(textwrap.dedent(code).lstrip("\n"), encoding="utf-8")
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("IMPORTSPY_HOOK_", "PYTHON"))}
        full_env["PYTHONDONTWRITEBYTECODE"] = "1"
        full_env["XDG_CACHE_HOME"] = user_cache_home(project.root)
        full_env.update(project.env)
        full_env.update(env or {})
        done = subprocess.run(
            [str(self.python), "main.py", *args],
            cwd=project.root,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            preexec_fn=preexec_fn,
        )
        return Result(done.returncode, done.stdout, done.stderr)


def _pip(python: Path | str, *args: str) -> None:
    done = subprocess.run([str(python), "-m", "pip", "-q", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pip {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def _make_environment(base: Path, kind: str) -> Environment:
    environment = Environment(kind, base / f"venv-{kind}")
    subprocess.run([sys.executable, "-m", "venv", str(environment.root)], check=True, capture_output=True)
    if kind == "wheel":
        dist = base / "dist"
        _pip(sys.executable, "wheel", "--no-deps", "-w", str(dist), str(ROOT))
        (wheel,) = dist.glob("importspy_hook-*.whl")
        _pip(environment.python, "install", str(wheel))
    else:
        _pip(environment.python, "install", "-e", str(ROOT))
    return environment


@pytest.fixture(scope="session")
def wheel_environment(tmp_path_factory: pytest.TempPathFactory) -> Environment:
    return _make_environment(tmp_path_factory.mktemp("wheel"), "wheel")


@pytest.fixture(scope="session")
def editable_environment(tmp_path_factory: pytest.TempPathFactory) -> Environment:
    return _make_environment(tmp_path_factory.mktemp("editable"), "editable")


@pytest.fixture(params=["wheel", "editable"])
def installed(request: pytest.FixtureRequest) -> Environment:
    """Each install kind in turn: the built wheel, then the editable working tree."""
    environment: Environment = request.getfixturevalue(f"{request.param}_environment")
    return environment


@pytest.fixture(scope="session")
def environment_with_pytest(tmp_path_factory: pytest.TempPathFactory) -> Environment:
    """The built wheel installed with pytest (the version running this suite) beside it.

    pytest marks the packages of its plugins (here, importspy_hook, through its ``pytest11``
    entry point) for assertion rewriting only when they are installed as files, as from a
    wheel; drop-in activation imports the package before pytest starts.
    """
    environment = _make_environment(tmp_path_factory.mktemp("pytest"), "wheel")
    _pip(environment.python, "install", f"pytest=={pytest.__version__}")
    return environment
