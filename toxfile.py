"""tox plugin of this project: find every installed interpreter, and name those not found.

tox looks for ``python3.10`` and the like on ``PATH``. Interpreters installed by pyenv or uv
are usually not there (pyenv's shims answer only for the versions ``PYENV_VERSION`` or a
``.python-version`` file selects), so a plain ``tox`` would skip them. This plugin offers
their executables to tox's discovery first (tox's ``--discover``), and after tox's own
summary prints one line per environment still skipped, so that a green run never hides an
interpreter nobody tested.
"""

from __future__ import annotations

import atexit
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tox.plugin import impl
from tox.tox_env.errors import Skip
from tox.tox_env.python.api import Python

if TYPE_CHECKING:
    from tox.config.sets import ConfigSet
    from tox.session.state import State
    from tox.tox_env.api import ToxEnv

# pyproject.toml's requires-python; older interpreters are not offered, since one that
# tox's discovery cannot probe (Python 2.7) makes it give up on the whole list.
OLDEST = (3, 10)

_skipped: list[tuple[str, str]] = []


def _newest_per_minor(candidates: list[tuple[tuple[int, ...], Path]]) -> list[str]:
    newest: dict[tuple[int, ...], tuple[tuple[int, ...], Path]] = {}
    for version, executable in candidates:
        minor = version[:2]
        if version >= OLDEST and executable.is_file() and (minor not in newest or version > newest[minor][0]):
            newest[minor] = (version, executable)
    return [str(executable) for _, executable in sorted(newest.values())]


def installed_pythons() -> list[str]:
    """CPython executables installed by pyenv and uv: the newest patch release of each minor."""
    candidates: list[tuple[tuple[int, ...], Path]] = []
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    if pyenv.is_dir():
        for folder in pyenv.iterdir():
            found = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", folder.name)
            if found:
                version = tuple(int(part) for part in found.groups())
                candidates.append((version, folder / "bin" / f"python{version[0]}.{version[1]}"))
    uv_default = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "uv" / "python"
    uv = Path(os.environ.get("UV_PYTHON_INSTALL_DIR") or uv_default)
    if uv.is_dir():
        for folder in uv.iterdir():
            found = re.fullmatch(r"cpython-(\d+)\.(\d+)\.(\d+)-.*", folder.name)
            if found:
                version = tuple(int(part) for part in found.groups())
                candidates.append((version, folder / "bin" / f"python{version[0]}.{version[1]}"))
    return _newest_per_minor(candidates)


def _report() -> None:
    for name, why in _skipped:
        print(f"NOT TESTED: {name} was skipped: {why} (looked on PATH, in pyenv and in uv)", file=sys.stderr)


@impl
def tox_add_core_config(core_conf: ConfigSet, state: State) -> None:
    options = state.conf.options
    found = [path for path in installed_pythons() if path not in (getattr(options, "discover", None) or [])]
    if found:
        options.discover = [*(getattr(options, "discover", None) or []), *found]


@impl
def tox_env_teardown(tox_env: ToxEnv) -> None:
    if not isinstance(tox_env, Python):
        return
    try:
        tox_env.base_python  # noqa: B018 (resolving it is the question asked)
    except Skip as exc:
        if not _skipped:
            atexit.register(_report)
        _skipped.append((tox_env.name, str(exc)))
