"""A plugin that keeps contracts/app.core.yml: it imports the core at its top and defines Plugin and register."""

import app.core
from app.base import BasePlugin


class Plugin(BasePlugin):
    name = "report"

    def run(self) -> None:
        print("report ran")


def register(registry: dict[str, type]) -> None:
    registry[Plugin.name] = Plugin


app.core.load_plugins([])
