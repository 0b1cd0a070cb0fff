"""The ``runtime.python`` evaluator agrees with ``packaging`` on every interpreter version.

The specifiers are compiled through the real loader path (``_reading.structuring._structure_python``),
and both sides are asked about the same versions, pre-releases included
(``SpecifierSet.contains(v, prereleases=True)``: a contract's ``>=3.10`` admits a 3.14
release candidate).
"""

from __future__ import annotations

import itertools

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from _importspy_hook_guard import python_matches
from importspy_hook import snapshot
from importspy_hook._reading.model import PythonSpec
from importspy_hook._reading.structuring import _structure_python, to_plain

_RANKS = {"a": 0, "b": 1, "rc": 2}


def interpreter(text: str) -> tuple[tuple[int, int, int, int, int], str]:
    """``Snapshot.python_key`` and ``Snapshot.python`` for an interpreter version such as ``3.13.0rc1``."""
    version = Version(text)
    major, minor, micro = version.release
    if version.pre is None:
        return (major, minor, micro, 3, 0), text
    letter, serial = version.pre
    return (major, minor, micro, _RANKS[letter], serial), text


VERSIONS = [
    f"3.{minor}.{micro}{pre}"
    for minor in range(9, 15)
    for micro, pre in [(0, "a1"), (0, "a2"), (0, "b1"), (0, "b3"), (0, "rc1"), (0, "rc2"), (0, ""), (1, ""), (7, "")]
] + ["3.13.1rc1", "3.12.10", "4.0.0a1", "4.0.0"]

SPECIFIERS = [
    ">=3.10",
    ">3.10",
    "<3.12",
    "<=3.12",
    "==3.11",
    "==3.11.0",
    "!=3.11",
    "==3.11.*",
    "!=3.11.*",
    "==3.*",
    "~=3.10",
    "~=3.10.2",
    "~=3.11.0",
    ">=3.10,<4",
    ">=3.9.0, <3.11.0",
    "<3.13",
    "<3.13.0",
    "<3.13.1",
    ">3.13",
    ">3.13.0",
    "<=3.13",
    ">=3.13",
    ">=3.13.0rc1",
    ">3.13.0rc1",
    "<3.13.0rc2",
    "<=3.13.0b3",
    "==3.13.0rc1",
    "!=3.13.0rc1",
    "==3.13.0a1",
    "~=3.13.0rc1",
    "~=3.12.0b1",
    ">=3.13.0a1,<3.14",
    "==3.12.*,!=3.12.1",
    ">=3.14.0b1",
    "<4.0.0a1",
    "===3.11.7",
    "===3.13.0rc1",
    "==3.11.7",
    ">=3",
    "<4",
    "~=3.13.0a1",
    ">3.13.0a1",
    "<3.13.0a2",
    "<=3.13.0rc1",
    "<3.14.0b1",
    ">3.12.7",
    "==3.11.0.0",
    "<3.11.0.1",
    "~=3.11.0.0",
    ">=3.9,!=3.10.*",
]


def compiled(specifier: str) -> dict[str, object]:
    spec = _structure_python(specifier, PythonSpec)
    return to_plain(spec)  # type: ignore[arg-type]


@pytest.mark.parametrize("specifier", SPECIFIERS)
def test_agrees_with_packaging(specifier: str) -> None:
    clauses = compiled(specifier)["clauses"]
    reference = SpecifierSet(specifier)
    disagreements = []
    for text in VERSIONS:
        key, spelled = interpreter(text)
        expected = reference.contains(Version(text), prereleases=True)
        if python_matches(clauses, key, spelled) != expected:  # type: ignore[arg-type]
            disagreements.append(f"{text}: packaging says {expected}")
    assert not disagreements, f"{specifier}: " + "; ".join(disagreements)


def test_running_interpreter_agrees_with_packaging() -> None:
    snap = snapshot()
    for specifier in SPECIFIERS:
        clauses = compiled(specifier)["clauses"]
        expected = SpecifierSet(specifier).contains(Version(snap.python), prereleases=True)
        assert python_matches(clauses, snap.python_key, snap.python) == expected, specifier  # type: ignore[arg-type]


def test_compiled_clauses_are_plain_data() -> None:
    import marshal

    for specifier in SPECIFIERS:
        plain = compiled(specifier)
        assert marshal.loads(marshal.dumps(plain)) == plain


def test_grid_covers_every_operator() -> None:
    operators = {clause["operator"] for s in SPECIFIERS for clause in compiled(s)["clauses"]}  # type: ignore[attr-defined]
    assert operators == {"==", "!=", "<", "<=", ">", ">=", "~=", "==="}
    assert any(c["wildcard"] for s in SPECIFIERS for c in compiled(s)["clauses"])  # type: ignore[attr-defined]
    assert any(c["pre"] for s in SPECIFIERS for c in compiled(s)["clauses"])  # type: ignore[attr-defined]
    assert len(list(itertools.product(VERSIONS, SPECIFIERS))) > 2000
