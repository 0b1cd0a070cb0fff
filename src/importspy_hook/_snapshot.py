"""The spellings of platforms that contracts accept, and the platform snapshot's public names.

:class:`Snapshot` and :func:`snapshot` live in ``_guard``, on the enforcement path; they are
imported from here by the command line and the load side, which also need the tables below to
validate what a contract spells (``_convert``).
"""

from ._guard import Snapshot as Snapshot
from ._guard import enter_own_imports, leave_own_imports
from ._guard import host_os as host_os
from ._guard import snapshot as snapshot

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
