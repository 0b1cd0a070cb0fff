"""The source facts of an importer that is still running, for ``importers.require`` at run time.

A plugin writes ``from app.core import BasePlugin`` at its top and defines ``Plugin`` after it,
so when the hook checks the import, ``Plugin`` has not run yet. The members the importer has not
defined yet are looked up in its source facts (:mod:`.factscache`: parsed at most once per file
per process, and once per change across processes); what has run is checked on the live objects
(:mod:`importspy_hook._structure`), so what has run wins over what is written. A member the
source cannot decide is checked on the finished importer when the hook sees it finish (the
importer is itself loaded through the hook), and refused otherwise, with the reason.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from importspy_hook.static.factscache import source_facts
from importspy_hook.static.members import Member, absolute_facts, check_facts, undecided

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    from importspy_hook._errors import Violation

    Plain = Mapping[str, Any]


def check_written(
    contract: Plain,
    section: str,
    members: Plain,
    path: str,
    source: str,
    subject: str,
    names: Collection[str],
    importer: str | None,
) -> dict[str, list[Violation]] | None:
    """The violations of each member of ``names`` (not defined yet by the running importer) in
    the importer's source ``source``; ``None`` when there is no readable source (``<string>``,
    the REPL, a sourceless ``.pyc``), so that only what has run counts."""
    if not source.endswith((".py", ".pyw")):
        return None
    facts = source_facts(source)
    if facts is None or facts["error"]:
        return None
    if importer:
        facts = absolute_facts(facts, importer, os.path.basename(source) == "__init__.py")
    named = _Named(subject, source)
    found = {}
    for name in names:
        violations = check_facts(contract, section, members, path, facts, named, _lookup, (name,))
        found[name] = [_worded(v) if undecided(v) else v for v in violations]
    return found


class _Named:
    """``the importer NAME (FILE)``, FILE relative to the working folder when it lies inside it,
    as a log reader finds it; worked out only when a message names it."""

    __slots__ = ("subject", "file")

    def __init__(self, subject: str, file: str) -> None:
        self.subject = subject
        self.file = file

    def __format__(self, spec: str) -> str:
        try:
            relative = os.path.relpath(self.file)
        except ValueError:  # another drive (Windows)
            relative = self.file
        return f"{self.subject} ({self.file if relative.startswith('..') else relative})"


def _worded(violation: Violation) -> Violation:
    from importspy_hook._errors import Violation

    return Violation(
        violation.rule,
        f"{violation.message}; the hook checks such a member once the importer has finished running "
        f"only when the importer is itself imported through the hook (it has a contract of its own, "
        f"even one without rules), and this importer is not: give it a contract, or define the member "
        f"before the import or where the source decides it (not under a condition, nor behind a decorator)",
        violation.contract,
    )


def _lookup(dotted: str) -> Member | None:
    """A member of another module by absolute name, from that module's source (never imported)."""
    parts = dotted.split(".")
    for i in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:i])
        file = _module_file(module)
        if file is None:
            continue
        facts = source_facts(file)
        if facts is None or facts["error"]:
            return None
        facts = absolute_facts(facts, module, os.path.basename(file) == "__init__.py")
        member: Member | None = facts["members"].get(parts[i])
        return member if i == len(parts) - 1 else None
    return None


def _module_file(name: str) -> str | None:
    """The source file of module ``name``: from ``sys.modules``, or found in its imported parent's
    ``__path__`` (a protected module being imported is not in ``sys.modules`` yet)."""
    module = sys.modules.get(name)
    file = getattr(module, "__file__", None)
    if isinstance(file, str):
        return file if file.endswith(".py") else None
    parent, _, last = name.rpartition(".")
    folders = getattr(sys.modules.get(parent), "__path__", None) if parent else sys.path
    for folder in folders or ():
        for candidate in (os.path.join(folder, last + ".py"), os.path.join(folder, last, "__init__.py")):
            if os.path.isfile(candidate):
                return candidate
    return None
