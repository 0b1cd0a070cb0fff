"""Importer patterns made only of ``*`` are matched without ``fnmatch`` (which would import
``re`` at the first protected import); they must match exactly what ``fnmatchcase`` matches."""

from __future__ import annotations

from fnmatch import fnmatchcase

from hypothesis import given
from hypothesis import strategies as st

from _importspy_hook_guard import name_matches as _fnmatch

names = st.text(alphabet="ab._", max_size=8)
patterns = st.text(alphabet="ab.*", max_size=7)


class TestStarPatterns:
    @given(names, patterns)
    def test_star_patterns_match_as_fnmatchcase_does(self, name: str, pattern: str) -> None:
        assert _fnmatch(name, pattern) == fnmatchcase(name, pattern)

    @given(names, st.text(alphabet="ab.*?[]!", max_size=7))
    def test_other_patterns_still_match_as_fnmatchcase_does(self, name: str, pattern: str) -> None:
        assert _fnmatch(name, pattern) == fnmatchcase(name, pattern)
