"""A plugin that breaks contracts/app.core.yml: it never defines register(registry)."""

import app.core
from app.base import BasePlugin


class Plugin(BasePlugin):
    name = "unregistered"

    def run(self) -> None:
        print("unregistered ran")


app.core.load_plugins([])
