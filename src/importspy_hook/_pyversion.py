"""Checking the running interpreter against a compiled PEP 440 specifier.

Contracts are compiled when loaded: ``packaging`` parses ``runtime.python`` into clauses of
plain data ``{"operator", "release", "pre", "wildcard", "text"}``. Checking them here needs
no import, so the enforcement path never loads ``packaging``. Interpreter versions are
release versions with an optional pre-release and never carry epochs, post, dev or local
segments, which is why this small subset of PEP 440 is exact for them; the test suite
compares it with ``packaging`` over a grid of versions and specifiers.

Pre-releases of the interpreter are always admitted when the arithmetic holds: a contract
that says ``>=3.10`` means a 3.14 release candidate too.
"""

# No ``from __future__ import annotations`` here: this module is imported at start-up or at the
# first protected import, where importing ``__future__`` costs about 1.5 % of a bare start
# (docs/performance.rst). Annotations that name type-only imports are quoted instead.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

_FINAL = (3, 0)


def _padded(release: "Sequence[int]", length: int) -> tuple[int, ...]:
    return tuple(release) + (0,) * (length - len(release))


def clause_holds(clause: "Mapping[str, Any]", version: tuple[int, int, int, int, int], text: str) -> bool:
    """Whether the interpreter ``version`` (``Snapshot.python_key``) satisfies one clause."""
    operator = clause["operator"]
    if operator == "===":
        return bool(clause["text"] == text)
    release: Sequence[int] = clause["release"]
    width = max(len(release), 3)
    mine = _padded(version[:3], width)
    if clause["wildcard"]:
        same = mine[: len(release)] == tuple(release)
        return same if operator == "==" else not same
    theirs = _padded(release, width)
    pre: Sequence[int] | None = clause["pre"]
    my_key = (mine, version[3:])
    their_key = (theirs, tuple(pre) if pre is not None else _FINAL)
    if operator == "==":
        return my_key == their_key
    if operator == "!=":
        return my_key != their_key
    if operator == ">=":
        return my_key >= their_key
    if operator == "<=":
        return my_key <= their_key
    if operator == ">":
        return my_key > their_key
    if operator == "<":
        # PEP 440: "<V" excludes pre-releases of V itself unless V is a pre-release.
        if pre is None and mine == theirs and version[3:] != _FINAL:
            return False
        return my_key < their_key
    if operator == "~=":
        prefix = tuple(release[:-1])
        return my_key >= their_key and mine[: len(prefix)] == prefix
    raise ValueError(f"unknown specifier operator {operator!r}")


def python_matches(clauses: "Iterable[Mapping[str, Any]]", version: tuple[int, int, int, int, int], text: str) -> bool:
    """Whether the interpreter satisfies every clause (a specifier set is a conjunction)."""
    return all(clause_holds(clause, version, text) for clause in clauses)
