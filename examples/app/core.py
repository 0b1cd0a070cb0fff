"""The plugin host's core: it loads plugins by module name."""

import importlib


def load_plugins(names: list[str]) -> list[object]:
    return [importlib.import_module(name).Plugin() for name in names]
