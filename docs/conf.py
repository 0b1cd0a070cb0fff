"""Sphinx configuration of the importspy_hook documentation (``tox -e docs``)."""

from __future__ import annotations

import importspy_hook

project = "importspy_hook"
author = "importspy_hook developers"
copyright = "importspy_hook developers"
release = importspy_hook.__version__
version = release

extensions = ["sphinx.ext.autodoc", "sphinx_click"]
exclude_patterns = ["_build"]
html_theme = "furo"
html_title = f"importspy_hook {release}"

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
# Cross-references are checked (-n), but only to our public names: the standard library's
# and attrs' types would need an inventory fetched from their sites, and the private modules'
# types (the contract model's parts) are described in the contract reference instead.
nitpick_ignore_regex = [
    (r"py:(class|data|obj|exc)", r"(?!importspy_hook\.[A-Za-z]).*"),
    (r"py:(class|data|obj|exc)", r"importspy_hook\._.*"),
]
