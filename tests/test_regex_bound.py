"""``env.matches`` patterns: every pattern a contract accepts is matched in bounded time.

The hook matches with ``re``, which backtracks; a contract is refused at load when its pattern
could take too long on some value of at most 256 characters (longer values never match). The
search below writes small patterns from the constructs that backtrack (nested and sequenced
repetitions, optional parts, alternations, atomic groups, possessive repetitions, look-aheads)
and times every accepted one on the values that make ``re`` try the most splits.
"""

from __future__ import annotations

import re
import sys
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from importspy_hook import ContractError, load_contract

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from conftest import Project

#: The longest value a ``matches`` rule is tried on (README, "Runtime rules").
LONGEST = 256
#: A match slower than this on any value is a defect (issue 15, "Denial of service").
BOUND = 0.1

_ATOMS = st.sampled_from(["a", "b", "-", ".", "[ab]", "[a-z]", "a-"])
_QUANTIFIERS = ["?", "*", "+", "*?", "+?", "??", "{2}", "{0,3}", "{1,}", "{3,28}", "{28}"]
if sys.version_info >= (3, 11):
    _QUANTIFIERS += ["*+", "++", "?+"]


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    groups = ["(?:{})", "({})", "(?={})"] + (["(?>{})"] if sys.version_info >= (3, 11) else [])
    return st.one_of(
        st.tuples(inner, inner).map("".join),
        st.tuples(inner, inner).map(lambda pair: f"(?:{pair[0]}|{pair[1]})"),
        st.tuples(st.sampled_from(groups), inner).map(lambda pair: pair[0].format(pair[1])),
        st.tuples(inner, st.sampled_from(_QUANTIFIERS)).map(lambda pair: f"(?:{pair[0]}){pair[1]}"),
    )


PATTERNS = st.recursive(st.tuples(_ATOMS, st.sampled_from(["", *_QUANTIFIERS])).map("".join), _extend, max_leaves=8)


def _hard_values(pattern: str) -> list[str]:
    """Values that make a backtracking matcher try the most splits: one character repeated to
    the longest length, then spoiled at the end by another, so every split is tried and fails."""
    letters = sorted({c for c in pattern if c.isalpha() or c == "-"} | {"a"})
    values = []
    for c in letters:
        values.append(c * LONGEST)
        values.extend(c * (LONGEST - 1) + d for d in [*letters, "!"] if d != c)
    values.append(("a-" * LONGEST)[:LONGEST] + "!")
    values.append("ab" * (LONGEST // 2))
    return values


def _accepted(tmp_path: Path, pattern: str) -> bool:
    path = tmp_path / "c.yml"
    quoted = pattern.replace("'", "''")
    path.write_text(f"module: guarded\nruntime:\n  env:\n    REGION: {{matches: '{quoted}'}}\n", encoding="utf-8")
    try:
        load_contract(path)
    except ContractError:
        return False
    return True


def _slowest(compiled: re.Pattern[str], value: str) -> float:
    # The least of three timings: the machine is shared, and a pattern that backtracks
    # exponentially is slow every time.
    if len(value) > LONGEST:
        return 0.0  # never matched: the hook refuses a longer value without trying the pattern
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        compiled.fullmatch(value)
        best = min(best, time.perf_counter() - start)
        if best < BOUND:
            break
    return best


class TestPatternsAcceptedAreMatchedInBoundedTime:
    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(pattern=PATTERNS, value=st.text(alphabet="ab-", max_size=LONGEST))
    @example(pattern="(?:a?a?)+b", value="a" * 21)
    @example(pattern="(a?){28}a{28}", value="a" * 28)
    @example(pattern="(?:[a-z]?[a-z]?)+-prod", value="a" * 30)
    @example(pattern="a*?a*?b", value="a" * LONGEST)
    @example(pattern="a+[ab]{3,28}[a-z]{3,28}[a-z]?([ab]{3,28})", value="a" * LONGEST)
    @example(pattern="(?:(?:b{3,28}|.?)(?:.?|.?)){0,3}", value="b" * LONGEST)
    @example(pattern="[a-z]+-[a-z]+-[0-9]+", value="a-" * 128)
    def test_an_accepted_pattern_matches_every_value_within_the_bound(
        self, tmp_path: Path, pattern: str, value: str
    ) -> None:
        try:
            compiled = re.compile(pattern)
        except re.error:
            return
        if not _accepted(tmp_path, pattern):
            return
        for candidate in [value, *_hard_values(pattern)]:
            took = _slowest(compiled, candidate)
            assert took < BOUND, f"{pattern!r} took {took:.3f} s on {candidate[:40]!r}... ({len(candidate)} chars)"

    @pytest.mark.parametrize(
        "pattern",
        [
            "(?:a?a?)+b",
            "(a?){28}a{28}",
            "(?:[a-z]?[a-z]?)+-prod",
            "a*?a*?a*?a?a?b",
            "a*a*a*b",
            "a+[ab]{3,28}[a-z]{3,28}[a-z]?([ab]{3,28})",
            "(?i)[a-z]+A[a-z]+A[a-z]+A",
            pytest.param(
                "(?>(a+)+b)", marks=pytest.mark.skipif(sys.version_info < (3, 11), reason="atomic groups are 3.11+")
            ),
            pytest.param(
                "(?:a*+)+b", marks=pytest.mark.skipif(sys.version_info < (3, 11), reason="possessive repeats are 3.11+")
            ),
            "(?=(a+)+b)a",
        ],
    )
    def test_patterns_that_backtrack_for_seconds_are_refused_at_load(self, tmp_path: Path, pattern: str) -> None:
        path = tmp_path / "c.yml"
        path.write_text(f"module: guarded\nruntime:\n  env:\n    REGION: {{matches: '{pattern}'}}\n", encoding="utf-8")
        with pytest.raises(ContractError, match=r"c\.yml:4:\d+: .*repetitions that could take more than"):
            load_contract(path)


class TestAnImportUnderAPathologicalPattern:
    def test_install_refuses_the_contract_instead_of_hanging_the_import(self, project: Project) -> None:
        # The reviewer's repro: 30 characters made this import hang for more than 30 s.
        project.write(
            {
                "guarded.py": "print('GUARDED RAN')\n",
                "contracts/guarded.yml": "module: guarded\nruntime:\n  env:\n"
                "    REGION: {matches: '(?:[a-z]?[a-z]?)+-prod'}\n",
            }
        )
        result = project.run(
            """
            import importspy_hook
            try:
                importspy_hook.install("contracts")
            except importspy_hook.ContractError as exc:
                print("REFUSED", exc)
            import guarded
            """,
            env={"REGION": "a" * 30},
            timeout=20,
        )
        assert "REFUSED" in result.stdout, result.output
        assert "guarded.yml:4:" in result.stdout
        assert "repetitions that could take more than" in result.stdout
