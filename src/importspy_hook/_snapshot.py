"""The platform snapshot (:class:`Snapshot`, :func:`snapshot`), the spellings of platforms that
contracts accept, and installed distributions' versions.

The package's core checks ``runtime`` rules against a plain tuple of the same facts
(``host_facts``), so that a protected import defines no class for them; this module names them
for the public API, the command line and the wording of violations.
"""

import os
import sys

from _importspy_hook_guard import enter_own_imports, host_facts, host_os, leave_own_imports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    _Facts = tuple[str, str, str, str, tuple[int, int, int, int, int], str]
else:
    _Facts = tuple

__all__ = ["ARCH_ALIASES", "IMPLEMENTATIONS", "OS_ALIASES", "Snapshot", "host_os", "snapshot"]


class Snapshot(_Facts):
    """The facts about this process that ``runtime`` rules are checked against (immutable).

    :ivar os: canonical OS name (``linux``, ``darwin``, ``windows``, ...).
    :ivar arch: canonical CPU architecture (``x86_64``, ``arm64``, ...).
    :ivar machine: the architecture exactly as the host reports it.
    :ivar python: the interpreter version as PEP 440 text, such as ``3.11.7`` or ``3.13.0rc1``.
    :ivar python_key: the version as a comparable tuple ``(major, minor, micro, rank, serial)``.
    :ivar implementation: ``cpython``, ``pypy``, ...
    """

    __slots__ = ()

    def __new__(cls) -> "Snapshot":
        return super().__new__(cls, host_facts())

    @property
    def os(self) -> str:
        return self[0]

    @property
    def arch(self) -> str:
        return self[1]

    @property
    def machine(self) -> str:
        return self[2]

    @property
    def python(self) -> str:
        return self[3]

    @property
    def python_key(self) -> tuple[int, int, int, int, int]:
        return self[4]

    @property
    def implementation(self) -> str:
        return self[5]

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
        return f"Snapshot({', '.join(f'{k}={v!r}' for k, v in self.as_dict().items())})"


# Shown as importspy_hook.Snapshot, where users find it.
Snapshot.__module__ = "importspy_hook"

_snapshot: "Snapshot | None" = None


def snapshot() -> Snapshot:
    """The platform snapshot of this process, built on first use and then reused."""
    global _snapshot
    if _snapshot is None:
        _snapshot = Snapshot()
    return _snapshot


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

# Distribution name -> installed version (None: not installed), until invalidate_caches().
_distributions: dict[str, str | None] = {}


def distribution_version(name: str) -> str | None:
    """Installed version of distribution ``name`` (``Snapshot.distribution_version``)."""
    try:
        return _distributions[name]
    except KeyError:
        pass
    version = _version_from_folder_name(name)
    if version is None:
        # Not found as a ``.dist-info`` folder (an egg, a zip, a finder's own distributions, or
        # not installed at all): importlib.metadata, which costs several milliseconds, decides.
        outer = enter_own_imports()
        try:
            from importlib import metadata

            try:
                version = metadata.version(name)
            except metadata.PackageNotFoundError:
                version = None
        finally:
            leave_own_imports(outer)
    _distributions[name] = version
    return version


def _version_from_folder_name(name: str) -> str | None:
    """The version in the name of the first ``<name>-<version>.dist-info`` folder on
    ``sys.path``, found as importlib.metadata finds it (first path entry first, names compared
    normalised); ``None`` when the first match is something else (``.egg-info``) or there is none.

    Installers name the folder after the ``Name`` and ``Version`` of its METADATA (PEP 427,
    the binary distribution format), so reading the folder name spares importing
    importlib.metadata (with zipfile, csv, email) at a check.
    """
    wanted = _normalized(name)
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in names:
            if folder.endswith(".dist-info"):
                stem, kind = folder[:-10], "dist"
            elif folder.endswith(".egg-info"):
                stem, kind = folder[:-9], "egg"
            else:
                continue
            dist, sep, version = stem.partition("-")
            if _normalized(dist) == wanted:
                return version if kind == "dist" and sep and version else None
    return None


def _normalized(name: str) -> str:
    # PEP 503: lower case, every run of "-", "_" and "." one "-" (without ``re``).
    out: list[str] = []
    for char in name.lower():
        if char in "-_.":
            if not out or out[-1] != "-":
                out.append("-")
        else:
            out.append(char)
    return "".join(out)


def forget_distributions() -> None:
    """Drop cached distribution versions (called from ``invalidate_caches``)."""
    _distributions.clear()
