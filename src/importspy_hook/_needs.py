"""What a registry needs beyond the resident core: its name patterns compiled, and the modules
its contracts' checks import.

A leaf module (it imports nothing of the package), so that the core, the compiled cache and
``install()`` can all use it without an import circle.
"""

import sys

# No ``from __future__ import annotations`` here: this module is imported at start-up when a
# registry has patterns other than ``prefix*``. Annotations that name type-only imports are quoted.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from _importspy_hook_guard import Registry


def preload_check_modules(registry: "Registry") -> None:
    """Import now, before the finder is in place, what the contracts' checks will import.

    A check that first imports ``importlib.metadata`` while the user's own import of one of
    its dependencies (``email``, ``zipfile``, ...) is half done would get that module half
    initialised (the module lock is re-entrant) and fail, or leave it broken for later imports.
    Loading these modules at install time avoids it; they are the hook's own imports, so a
    contract on one of them is reported as "imported before importspy_hook was installed".
    """
    needs = registry.check_modules()
    for name in sorted(needs):
        if name not in sys.modules:
            try:
                __import__(name)
            except ImportError:  # packaging missing: the check that needs it will say so
                pass
    if "importlib.metadata" in needs:
        # Reading one distribution's metadata imports what importlib.metadata loads lazily
        # (email.parser, ...): this package's own. Nothing is cached: versions are still read
        # when checked.
        try:
            from importlib import metadata

            metadata.version("importspy-hook")
        except Exception:
            pass


def compile_patterns(ignore: "tuple[str, ...]", patterned: "list[tuple[str, int]]") -> "tuple[Any, Any, Any]":
    """``Registry``'s matchers: of the ignored names, of each pattern other than ``prefix*``
    (with the index of its contract), and of all those patterns at once."""
    import re
    from fnmatch import translate

    ignored = re.compile("|".join(f"(?:{translate(p)})" for p in ignore)).match if ignore else None
    each = tuple((re.compile(translate(p)).match, i) for p, i in patterned)
    combined = re.compile("|".join(f"(?:{translate(p)})" for p, _ in patterned)).match if patterned else None
    return ignored, each, combined


def check_modules(plain: "Mapping[str, Any]") -> tuple[str, ...]:
    """The modules the checks of contract ``plain`` import when they run.

    Only ``?`` and ``[...]`` importer patterns need ``fnmatch`` (``_violations`` matches
    ``*``-only patterns itself); ``packages`` need ``importlib.metadata`` and packaging; an
    env ``matches`` needs ``re``.
    """
    needs: set[str] = set()
    importers = plain.get("importers") or {}
    patterns = [*(importers.get("allow") or ()), *(importers.get("deny") or ())]
    if any(char in pattern for pattern in patterns for char in "?["):
        needs.add("fnmatch")
    for alternative in plain.get("runtime") or ():
        if alternative.get("packages"):
            needs.update(("importlib.metadata", "packaging.specifiers", "packaging.version"))
        if any(rule.get("matches") for rule in (alternative.get("env") or {}).values()):
            needs.add("re")
    return tuple(sorted(needs))
