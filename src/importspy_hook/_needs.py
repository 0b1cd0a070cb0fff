"""What a registry needs beyond the resident core: its name patterns compiled, and the modules
its contracts' checks import, imported when first needed.

It imports only the resident core, so that the core, the compiled cache and ``install()`` can
all use it without an import circle.
"""

import sys

from _importspy_hook_guard import enter_own_imports, leave_own_imports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from _importspy_hook_guard import Registry


# The only modules a check imports for its rules: names come from this set, never from a
# contract or a cache file.
CHECK_MODULES = frozenset({"fnmatch", "re", "packaging.version", "packaging.specifiers"})


def import_for_checks(names: "list[str]", distributions: "list[str]", registry: "Registry") -> None:
    """Import ``names`` (from :data:`CHECK_MODULES`) and look up the versions of
    ``distributions``, as the hook's own imports, unchecked.

    Called by the resident core at the first import of a module whose contract needs them,
    before its rules are evaluated. A module these imports load that a contract governs can no
    longer be guarded: it is reported with a :class:`ContractWarning`, as one imported before
    the hook was installed.
    """
    before = set(sys.modules)
    outer = enter_own_imports()
    try:
        for name in names:
            if name in CHECK_MODULES and name not in sys.modules:
                try:
                    __import__(name)
                except ImportError:  # packaging missing: the check that needs it says so
                    pass
        if distributions:
            from importspy_hook._snapshot import distribution_version

            for distribution in distributions:
                distribution_version(distribution)
    finally:
        leave_own_imports(outer)
    # The hook's own modules are never guarded (the finder passes them by), so they are not
    # reported either: only what a contract could have guarded and now cannot.
    loaded = sorted(
        name
        for name in set(sys.modules) - before
        if registry.covers(name) and name != "importspy_hook" and not name.startswith("importspy_hook.")
    )
    if loaded:
        import warnings

        from importspy_hook._errors import ContractWarning

        warnings.warn(
            ContractWarning(
                f"{', '.join(loaded)} {'was' if len(loaded) == 1 else 'were'} imported by importspy_hook's own "
                f"checks (for the rules of a module being imported) and cannot be guarded; import "
                f"{'it' if len(loaded) == 1 else 'them'} before that module, or remove the contract"
            ),
            stacklevel=2,
        )


def compile_patterns(ignore: "tuple[str, ...]", patterned: "list[tuple[str, int]]") -> "tuple[Any, Any, Any]":
    """``Registry``'s matchers: of the ignored names, of each pattern other than ``prefix*``
    (with the index of its contract), and of all those patterns at once."""
    import re
    from fnmatch import translate

    ignored = re.compile("|".join(f"(?:{translate(p)})" for p in ignore)).match if ignore else None
    each = tuple((re.compile(translate(p)).match, i) for p, i in patterned)
    combined = re.compile("|".join(f"(?:{translate(p)})" for p, _ in patterned)).match if patterned else None
    return ignored, each, combined
