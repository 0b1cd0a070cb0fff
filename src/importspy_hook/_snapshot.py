"""The platform snapshot: what ``runtime`` rules are checked against.

Static facts (OS, architecture, Python) are read once per process. Environment variables are
read live at each check, since a process may set them after start-up. Installed distribution
versions are read on first need and kept until ``importlib.invalidate_caches()``.

This module is on the enforcement path: it must not import ``platform`` (which pulls in
``re``, ``subprocess`` and more) nor ``importlib.metadata`` until a contract asks for packages.
"""

import os
import sys
from _thread import _local

# No ``from __future__ import annotations`` here: this module is imported at start-up or at the
# first protected import, where importing ``__future__`` costs about 1.5 % of a bare start
# (README, "Performance"). Annotations that name type-only imports are quoted instead.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

#: Spellings accepted in contracts and reported by hosts, mapped to the canonical name.
OS_ALIASES: dict[str, str] = {
    "linux": "linux",
    "darwin": "darwin",
    "macos": "darwin",
    "osx": "darwin",
    "windows": "windows",
    "win32": "windows",
    "cygwin": "cygwin",
    "msys": "msys",
    "freebsd": "freebsd",
    "openbsd": "openbsd",
    "netbsd": "netbsd",
    "dragonfly": "dragonfly",
    "aix": "aix",
    "sunos": "sunos",
    "solaris": "sunos",
    "android": "android",
    "ios": "ios",
    "emscripten": "emscripten",
    "wasi": "wasi",
}

ARCH_ALIASES: dict[str, str] = {
    "x86_64": "x86_64",
    "amd64": "x86_64",
    "x64": "x86_64",
    "x86-64": "x86_64",
    "arm64": "arm64",
    "aarch64": "arm64",
    "x86": "x86",
    "i386": "x86",
    "i486": "x86",
    "i586": "x86",
    "i686": "x86",
    "armv7l": "armv7l",
    "armv7": "armv7l",
    "armv6l": "armv6l",
    "ppc64le": "ppc64le",
    "ppc64": "ppc64",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "loongarch64": "loongarch64",
    "mips64": "mips64",
    "wasm32": "wasm32",
}

IMPLEMENTATIONS: frozenset[str] = frozenset({"cpython", "pypy", "graalpy", "ironpython", "jython", "micropython"})

_RELEASE_LEVELS = {"alpha": ("a", 0), "beta": ("b", 1), "candidate": ("rc", 2), "final": ("", 3)}


class Snapshot:
    """The facts about this process that ``runtime`` rules are checked against.

    :ivar os: canonical OS name (``linux``, ``darwin``, ``windows``, ...).
    :ivar arch: canonical CPU architecture (``x86_64``, ``arm64``, ...).
    :ivar machine: the architecture exactly as the host reports it.
    :ivar python: the interpreter version as PEP 440 text, such as ``3.11.7`` or ``3.13.0rc1``.
    :ivar python_key: the version as a comparable tuple ``(major, minor, micro, rank, serial)``.
    :ivar implementation: ``cpython``, ``pypy``, ...
    """

    __slots__ = ("os", "arch", "machine", "python", "python_key", "implementation")

    os: str
    arch: str
    machine: str
    python: str
    python_key: tuple[int, int, int, int, int]
    implementation: str

    def __init__(self) -> None:
        vi = sys.version_info
        suffix, rank = _RELEASE_LEVELS.get(vi.releaselevel, ("", 3))
        python = f"{vi.major}.{vi.minor}.{vi.micro}"
        if suffix:
            python += f"{suffix}{vi.serial}"
        machine = _machine()
        set_ = object.__setattr__
        set_(self, "os", host_os(sys.platform))
        set_(self, "machine", machine)
        set_(self, "arch", ARCH_ALIASES.get(machine.lower(), machine.lower()))
        set_(self, "python", python)
        set_(self, "python_key", (vi.major, vi.minor, vi.micro, rank, vi.serial if suffix else 0))
        set_(self, "implementation", sys.implementation.name)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Snapshot is immutable")

    @property
    def environ(self) -> "Mapping[str, str]":
        """The live process environment (read at each check, never copied)."""
        return os.environ

    def distribution_version(self, name: str) -> str | None:
        """Installed version of distribution ``name``, or ``None`` when it is not installed."""
        return distribution_version(name)

    def as_dict(self) -> dict[str, object]:
        """The static facts as a plain dictionary (no environment values)."""
        return {
            "os": self.os,
            "arch": self.arch,
            "machine": self.machine,
            "python": self.python,
            "implementation": self.implementation,
        }

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items())
        return f"Snapshot({fields})"


def host_os(platform: str) -> str:
    """Canonical OS name for a ``sys.platform`` value (``linux``, ``win32``, ``freebsd14`` ...)."""
    if platform.startswith("linux"):
        return "linux"
    name = platform.rstrip("0123456789")
    return OS_ALIASES.get(name, name)


def _machine() -> str:
    try:
        return os.uname().machine
    except AttributeError:  # Windows has no uname; this is what platform.machine() reads there.
        env = os.environ
        return env.get("PROCESSOR_ARCHITEW6432") or env.get("PROCESSOR_ARCHITECTURE", "")


_snapshot: "Snapshot | None" = None
_distributions: dict[str, str | None] = {}


class _OwnImports(_local):
    active = False


_own_imports = _OwnImports()


def hook_is_importing() -> bool:
    """Whether this thread is running a check, so that any import now is the hook's own.

    A check may import what it needs on first use (``fnmatch``, ``re``, ``packaging``, and
    ``importlib.metadata`` with ``zipfile``, ``csv``, ``email``, ...). Those imports belong to
    the hook, like the import machinery's, and are not checked (the finder returns ``None``
    for them): otherwise a contract on one of them, or a ``"*"`` pattern, would be checked
    from inside its own check and recurse.
    """
    return _own_imports.active


def enter_own_imports() -> bool:
    """Mark this thread as running a check; returns the previous mark for :func:`leave_own_imports`."""
    outer = _own_imports.active
    _own_imports.active = True
    return outer


def leave_own_imports(outer: bool) -> None:
    _own_imports.active = outer


def snapshot() -> "Snapshot":
    """The platform snapshot of this process, built on first use and then reused."""
    global _snapshot
    if _snapshot is None:
        _snapshot = Snapshot()
    return _snapshot


def distribution_version(name: str) -> str | None:
    try:
        return _distributions[name]
    except KeyError:
        pass
    outer = enter_own_imports()
    try:
        # Imported here: importlib.metadata costs several milliseconds and is needed only by
        # contracts with a ``packages`` rule.
        from importlib import metadata

        try:
            version: str | None = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = None
    finally:
        leave_own_imports(outer)
    _distributions[name] = version
    return version


def forget_distributions() -> None:
    """Drop cached distribution versions (called from ``invalidate_caches``)."""
    _distributions.clear()
