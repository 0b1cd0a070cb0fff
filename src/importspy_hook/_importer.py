"""Finding the module that imports a protected module.

The importer is the first frame, walking outwards from the loader, whose module is not part
of the import machinery. A ``sys._getframe`` walk costs about 2 µs; ``inspect.stack()``
costs about 200 µs and imports ``inspect`` (15 ms), so it is never used here.
"""

import sys

# No ``from __future__ import annotations`` here: this module is imported at start-up or at the
# first protected import, where importing ``__future__`` costs about 1.5 % of a bare start
# (README, "Performance"). Annotations that name type-only imports are quoted instead.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import FrameType

# Top-level packages whose frames are never the importer. ``_frozen_importlib`` runs with
# ``__name__ == "importlib._bootstrap"``; the two backports stand in for importlib on old
# interpreters (entry-point loading imports plugins from inside importlib.metadata).
MACHINERY: frozenset[str] = frozenset(
    {
        "importlib",
        "importlib_metadata",
        "importlib_resources",
        "pkgutil",
        "runpy",
        "importspy_hook",
        "_frozen_importlib",
        "_frozen_importlib_external",
    }
)


class Importer:
    """The module that triggered a protected import, as it is at that moment.

    :ivar name: the importer's ``__name__`` (``None`` if its globals have none).
    :ivar file: the code's file name (``co_filename``).
    :ivar line: the line being executed.
    :ivar namespace: the importer's live globals: what it has defined so far.
    """

    __slots__ = ("name", "file", "line", "namespace")

    def __init__(self, name: str | None, file: str, line: int, namespace: "Mapping[str, object]") -> None:
        self.name = name
        self.file = file
        self.line = line
        self.namespace = namespace

    def describe(self) -> str:
        return f"{self.name or '<unnamed code>'} ({self.file}:{self.line})"

    def __repr__(self) -> str:
        return f"Importer(name={self.name!r}, file={self.file!r}, line={self.line!r})"


def is_machinery(name: object) -> bool:
    return isinstance(name, str) and name.partition(".")[0] in MACHINERY


def find_importer(depth: int = 1) -> "Importer | None":
    """The first frame outside the import machinery, ``depth`` frames above the caller."""
    frame: FrameType | None
    try:
        frame = sys._getframe(depth + 1)
    except ValueError:  # the stack is shallower than ``depth``
        return None
    while frame is not None:
        namespace = frame.f_globals
        name = namespace.get("__name__")
        if not is_machinery(name):
            return Importer(
                name if isinstance(name, str) else None,
                frame.f_code.co_filename,
                frame.f_lineno or 0,
                namespace,
            )
        frame = frame.f_back
    return None
