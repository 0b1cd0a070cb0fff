"""The snapshot canonicalises this host's OS and architecture with the same mappings that
contracts are validated against: a contract that says ``macos`` or ``aarch64`` must match a
host that reports ``darwin`` or ``arm64``, and the other way round."""

from __future__ import annotations

from _importspy_hook_guard import HOST_ARCH, HOST_OS, host_os
from importspy_hook._snapshot import ARCH_ALIASES, OS_ALIASES


def test_host_arch_spellings_agree_with_the_contract_spellings() -> None:
    for spelling, canonical in ARCH_ALIASES.items():
        assert HOST_ARCH.get(spelling, spelling) == canonical, spelling


def test_host_os_spellings_agree_with_the_contract_spellings() -> None:
    for spelling, canonical in OS_ALIASES.items():
        assert HOST_OS.get(spelling, spelling) == canonical, spelling
        assert host_os(spelling) == canonical, spelling
