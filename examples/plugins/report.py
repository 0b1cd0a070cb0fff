"""A plugin that keeps contracts/app.core.yml: it defines Plugin and register before importing the core."""

from app.base import BasePlugin


class Plugin(BasePlugin):
    name = "report"

    def run(self) -> None:
        print("report ran")


def register(registry: dict[str, type]) -> None:
    registry[Plugin.name] = Plugin


import app.core  # noqa: E402, F401 (contracts/app.core.yml asks for Plugin and register before this import)
