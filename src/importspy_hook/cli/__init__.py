"""The command line, ``importspy-hook`` and ``python -m importspy_hook``: the commands
(:mod:`.commands`), evaluating contracts without raising (:mod:`.evaluation`), the report and
its renderings (:mod:`.report`) and the starter contract of ``init`` (:mod:`.starter`)."""

from importspy_hook.cli.commands import cli, main

__all__ = ["cli", "main"]
