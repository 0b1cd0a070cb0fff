"""A plugin that breaks contracts/app.core.yml: it imports the core before defining anything."""

import app.core
from app.base import BasePlugin


class Plugin(BasePlugin):
    name = "early"

    def run(self) -> None:
        print("early ran")


def register(registry: dict[str, type]) -> None:
    registry[Plugin.name] = Plugin


app.core.load_plugins([])
