"""The PEP 829 start-up entry point of importspy_hook (``importspy_hook.start``, Python 3.15+).

A ``.start`` entry cannot be conditional, and ``pkgutil.resolve_name`` imports the named
module, parents included, before calling it. This module is therefore top-level and tiny, so
that with ``IMPORTSPY_HOOK_CONTRACTS`` unset start-up imports nothing of the hook's core
(the ``.pth`` line keeps the same gate for Python 3.10 to 3.14).

PYTEST_DONT_REWRITE: imported at start-up, before pytest could rewrite it (see the package's
docstring).
"""

import os


def activate() -> None:
    """Activate importspy_hook when ``IMPORTSPY_HOOK_CONTRACTS`` is set; otherwise do nothing."""
    if os.environ.get("IMPORTSPY_HOOK_CONTRACTS"):
        from _importspy_hook_guard import activate_from_environment

        activate_from_environment()
