"""The contract registry: compiled contracts indexed by the module names they govern.

The finder asks :meth:`Registry.covers` about every import in the process, so the index is
built for that question: one dict test for exact names, one ``str.startswith`` over a tuple
for patterns of the form ``prefix*`` (the common ``package.*``), and one combined regular
expression for any other pattern. Neither cost grows with the number of exact contracts, and
``re`` is only imported when a contract uses a pattern that needs it.
"""

# No ``from __future__ import annotations`` here: this module is imported at start-up or at the
# first protected import, where importing ``__future__`` costs about 1.5 % of a bare start
# (README, "Performance"). Annotations that name type-only imports are quoted instead.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from os import PathLike
    from re import Match
    from typing import Any

    from ._contract import Contract

    Plain = Mapping[str, Any]
    PathSpec = str | PathLike[str] | Iterable[str | PathLike[str]]

_WILDCARDS = frozenset("*?[")
ON_VIOLATION = ("raise", "warn")


class Registry:
    """Contracts keyed by module name (exact names and ``fnmatch`` patterns).

    :param contracts: compiled contracts (the plain data of ``Contract``) or
        :class:`~importspy_hook.Contract` objects.
    :param on_violation: ``"raise"`` or ``"warn"`` to override every contract's own
        ``on_violation``; ``None`` keeps each contract's.
    :param ignore: module names and ``fnmatch`` patterns that are never guarded, even when a
        contract's pattern matches them.
    :raises ContractError: when two contracts govern the same exact module name (unless one
        is the application's and one a package's, marked by ``distribution`` in its data).
    """

    __slots__ = (
        "contracts",
        "exact",
        "prefixes",
        "pattern",
        "on_violation",
        "ignore",
        "_ignored",
        "_prefixed",
        "_patterned",
    )

    contracts: "tuple[Plain, ...]"
    exact: "dict[str, tuple[Plain, ...]]"
    prefixes: tuple[str, ...]
    pattern: "Callable[[str], Match[str] | None] | None"
    on_violation: str | None
    ignore: tuple[str, ...]

    def __init__(
        self,
        contracts: "Iterable[Plain | Contract]" = (),
        *,
        on_violation: str | None = None,
        ignore: "Iterable[str]" = (),
    ) -> None:
        if on_violation is not None and on_violation not in ON_VIOLATION:
            raise ValueError(f"on_violation must be 'raise' or 'warn', not {on_violation!r}")
        plain = tuple(_as_plain(c) for c in contracts)
        exact: dict[str, tuple[Plain, ...]] = {}
        prefixed: dict[str, list[Plain]] = {}
        patterned: list[tuple[str, Plain]] = []
        for contract in plain:
            module: str = contract["module"]
            if not _WILDCARDS.intersection(module):
                first = exact[module][0] if module in exact else None
                if first is not None and first.get("distribution") == contract.get("distribution"):
                    # Imported here: activation imports this module at start-up, errors are rare.
                    from ._errors import ContractError

                    raise ContractError(
                        str(contract["source"]),
                        f"module {module} already has a contract in {first['source']}; "
                        f"merge the two files or remove one",
                        contract["lines"].get("module", 1),
                    )
                # An application's contract and a package's for the same module both apply.
                exact[module] = (*exact.get(module, ()), contract)
            elif module.endswith("*") and not _WILDCARDS.intersection(module[:-1]):
                prefixed.setdefault(module[:-1], []).append(contract)
            else:
                patterned.append((module, contract))
        self.contracts = plain
        self.exact = exact
        self.prefixes = tuple(prefixed)
        self._prefixed = tuple((prefix, tuple(cs)) for prefix, cs in prefixed.items())
        self.on_violation = on_violation
        self.ignore = tuple(ignore)
        self._ignored: Callable[[str], Match[str] | None] | None = None
        if self.ignore:
            # Imported here: only a registry with ignored names needs it.
            import re
            from fnmatch import translate

            self._ignored = re.compile("|".join(f"(?:{translate(p)})" for p in self.ignore)).match
        if patterned:
            # Imported here: only contracts with a pattern other than ``prefix*`` need it.
            import re
            from fnmatch import translate

            self._patterned = tuple((re.compile(translate(p)).match, c) for p, c in patterned)
            self.pattern = re.compile("|".join(f"(?:{translate(p)})" for p, _ in patterned)).match
        else:
            self._patterned = ()
            self.pattern = None

    @classmethod
    def load(cls, contracts: "PathSpec", *, on_violation: str | None = None) -> "Registry":
        """Load every contract file in ``contracts`` (files and folders of ``*.yml``/``*.yaml``).

        Parsed contracts are kept in the compiled cache (``_cache``), so that a warm load
        imports neither ruamel.yaml nor cattrs nor attrs.

        :raises ContractError: for the first file that cannot be used, or a missing path.
        """
        # Imported here: only loading from files needs the cache and the file search.
        from ._cache import compiled_contracts

        return cls(compiled_contracts(contracts), on_violation=on_violation)

    def covers(self, name: str) -> bool:
        """Whether any contract governs module ``name`` (and it is not ignored)."""
        if name in self.exact or name.startswith(self.prefixes) or (self.pattern is not None and self.pattern(name)):
            return self._ignored is None or self._ignored(name) is None
        return False

    def contracts_for(self, name: str) -> "tuple[Plain, ...]":
        """Every contract whose ``module`` matches ``name``: exact and patterns alike; none if ignored."""
        if self._ignored is not None and self._ignored(name) is not None:
            return ()
        found = list(self.exact.get(name, ()))
        for prefix, contracts in self._prefixed:
            if name.startswith(prefix):
                found.extend(contracts)
        for match, contract in self._patterned:
            if match(name) is not None:
                found.append(contract)
        return tuple(found)

    def mode(self, contract: "Plain") -> str:
        """``"raise"`` or ``"warn"`` for ``contract``, after this registry's override."""
        return self.on_violation or contract["on_violation"]

    def __len__(self) -> int:
        return len(self.contracts)

    def __iter__(self) -> "Iterator[Plain]":
        return iter(self.contracts)

    def __repr__(self) -> str:
        names = ", ".join(str(c["module"]) for c in self.contracts[:5])
        more = ", ..." if len(self.contracts) > 5 else ""
        return f"<Registry of {len(self.contracts)} contracts: {names}{more}>"


def _as_plain(contract: "Plain | Contract") -> "Plain":
    if isinstance(contract, dict):
        return contract
    # Imported here: only attrs ``Contract`` objects need unstructuring.
    from ._convert import to_plain

    return to_plain(contract)  # type: ignore[arg-type]
