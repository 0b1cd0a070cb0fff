"""Every import edge of a source tree: which module imports which, in which file, on which line.

The graph of packages is built by grimp, whose parser and graph are compiled (Rust) and which
keeps its own cache: on Django's 885 modules it is several times faster than an :mod:`ast`
pass in Python, cold or warm (``benchmarks/static.py``). grimp is imported here only, so
that nothing outside ``check --static`` pays for it. Loose module files (scripts beside the
packages) and imports of modules outside the tree are read from the source facts instead.

An edge is what the import hook would see: ``import a.b.c`` and ``from a.b import c`` also
import ``a`` and ``a.b``, so each is an edge into those packages too, unless the importer lives
inside them (a package is always imported before its own modules run).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, NamedTuple

from importspy_hook.static.facts import absolute
from importspy_hook.static.factscache import source_facts

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


class Unreadable(ValueError):
    """A module of the tree whose source does not parse: its edges cannot be known."""


class Edge(NamedTuple):
    """One import statement's edge into ``imported``."""

    importer: str
    file: str
    line: int
    imported: str


class SourceModule(NamedTuple):
    """A module of the tree: its name, its file and whether it is a package's ``__init__``."""

    name: str
    file: str
    is_package: bool


class Tree:
    """The modules found under the given paths (package folders, module files, source roots).

    :ivar modules: every module by name.
    :ivar packages: top-level package name -> the folder that holds it.
    :ivar loose: module names of files outside any package.
    """

    def __init__(self) -> None:
        self.modules: dict[str, SourceModule] = {}
        self.packages: dict[str, str] = {}
        self.loose: list[str] = []

    def add_path(self, path: str) -> None:
        """Add a package folder, a ``.py`` file or a source root (a folder of packages and modules).

        :raises ValueError: for a path that is none of these.
        """
        path = os.path.abspath(path)
        if os.path.isfile(path):
            if not path.endswith(".py"):
                raise ValueError(f"{path}: not a .py file; give package folders, .py files or source roots")
            parts, folder = _module_parts(path)
            if len(parts) > 1 or parts[0] != os.path.basename(path)[:-3]:
                self.add_package(parts[0], folder)
            else:
                self.add_loose(parts[0], path)
        elif os.path.isdir(path):
            if os.path.isfile(os.path.join(path, "__init__.py")):
                parts, folder = _module_parts(os.path.join(path, "__init__.py"))
                self.add_package(parts[0], folder)
                return
            for entry in sorted(os.listdir(path)):
                full = os.path.join(path, entry)
                if entry.endswith(".py") and entry[:-3].isidentifier() and os.path.isfile(full):
                    self.add_loose(entry[:-3], full)
                elif entry.isidentifier() and os.path.isfile(os.path.join(full, "__init__.py")):
                    self.add_package(entry, path)
        else:
            raise ValueError(f"{path}: no such file or folder")

    def add_loose(self, name: str, file: str) -> None:
        if name not in self.modules:
            self.modules[name] = SourceModule(name, file, False)
            self.loose.append(name)

    def add_package(self, name: str, root: str) -> None:
        if name in self.packages:
            return
        self.packages[name] = root
        for folder, subfolders, files in os.walk(os.path.join(root, name)):
            if "__init__.py" not in files:
                subfolders[:] = []
                continue
            subfolders[:] = sorted(s for s in subfolders if s.isidentifier())
            package = os.path.relpath(folder, root).replace(os.sep, ".")
            for file in files:
                if file.endswith(".py") and file[:-3].isidentifier():
                    is_init = file == "__init__.py"
                    module = package if is_init else f"{package}.{file[:-3]}"
                    self.modules[module] = SourceModule(module, os.path.join(folder, file), is_init)

    def find_file(self, name: str) -> SourceModule | None:
        """A module of the tree, or one found on ``sys.path`` by its file (never imported)."""
        known = self.modules.get(name)
        if known is not None:
            return known
        parts = name.split(".")
        if not all(p.isidentifier() for p in parts):
            return None
        for entry in sys.path:
            base = os.path.join(entry or ".", *parts)
            if os.path.isfile(base + ".py"):
                return SourceModule(name, base + ".py", False)
            if os.path.isfile(os.path.join(base, "__init__.py")):
                return SourceModule(name, os.path.join(base, "__init__.py"), True)
        return None

    def is_module(self, name: str) -> bool:
        if name in self.modules:
            return True
        parts = name.split(".")
        for entry in sys.path:
            base = os.path.join(entry or ".", *parts)
            if os.path.isfile(base + ".py") or os.path.isdir(base):
                return True
        return False


def _module_parts(file: str) -> tuple[list[str], str]:
    """The dotted parts of ``file``'s module (walking up through packages) and its root folder."""
    folder, base = os.path.split(file)
    parts = [] if base == "__init__.py" else [base[:-3]]
    while os.path.isfile(os.path.join(folder, "__init__.py")) and os.path.dirname(folder) != folder:
        parts.insert(0, os.path.basename(folder))
        folder = os.path.dirname(folder)
    return parts, folder


def parents_of(name: str) -> list[str]:
    """``a.b.c`` -> ``["a.b.c", "a.b", "a"]``."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def implied(importer: str, is_package: bool, imported: str) -> list[str]:
    """The modules an import of ``imported`` by ``importer`` imports as it runs: ``imported`` and its
    parents, except the packages ``importer`` itself lives in (already imported before it ran)."""
    own = set(parents_of(importer if is_package else importer.rpartition(".")[0] or importer))
    if not is_package and "." not in importer:
        own = set()
    found = [imported]
    found.extend(p for p in parents_of(imported)[1:] if p not in own)
    return found


def statement_targets(tree: Tree, module: SourceModule, entry: dict[str, Any]) -> list[str]:
    """The modules one import statement from the source facts imports (before its parents)."""
    if entry["level"]:
        package = module.name if module.is_package else module.name.rpartition(".")[0]
        base = absolute(entry["module"], entry["level"], package)
        if base is None:
            return []
    else:
        base = entry["module"]
    if entry["name"] is None:
        return [base]
    targets = [base] if base else []
    if entry["name"] != "*":
        candidate = f"{base}.{entry['name']}" if base else entry["name"]
        if tree.is_module(candidate):
            targets.append(candidate)
    return targets


def source_edges(
    tree: Tree, name: str, include_type_checking: bool, wanted: Callable[[str], bool] = lambda _: True
) -> Iterator[Edge]:
    """The edges of module ``name`` read from its source facts (for loose files and imports of
    modules outside the tree)."""
    module = tree.modules[name]
    facts = source_facts(module.file)
    if facts is None:
        return
    if facts["error"]:
        line, _, message = facts["error"].partition(": ")
        raise Unreadable(
            f"{module.file}:{line}: the source does not parse ({message}), so its imports cannot be read; fix it"
        )
    for entry in facts["imports"]:
        if entry["type_checking"] and not include_type_checking:
            continue
        for target in statement_targets(tree, module, entry):
            for imported in implied(name, module.is_package, target):
                if wanted(imported):
                    yield Edge(name, module.file, entry["line"], imported)


def package_graph(tree: Tree, include_type_checking: bool, cache_dir: str | None) -> Any:
    """grimp's graph of the tree's packages, external imports squashed into their top-level names.

    The packages are found by name as grimp requires, from the tree's folders put first on
    ``sys.path``; a module of the same name imported in this process is set aside meanwhile,
    so that the folders given are read and not what this process imported.
    """
    # Imported here: only ``check --static`` builds graphs.
    import importlib

    import grimp

    roots = list(dict.fromkeys(tree.packages.values()))
    saved_path = list(sys.path)
    saved = {name: sys.modules.pop(name) for name in tree.packages if name in sys.modules}
    sys.path[:0] = roots
    importlib.invalidate_caches()
    try:
        return grimp.build_graph(
            *sorted(tree.packages),
            include_external_packages=True,
            exclude_type_checking_imports=not include_type_checking,
            cache_dir=cache_dir,
        )
    except grimp.exceptions.SourceSyntaxError as exc:
        raise Unreadable(
            f"{exc.filename}:{exc.lineno}: the source does not parse, so its imports cannot be read; fix it"
        ) from None
    finally:
        sys.path[:] = saved_path
        sys.modules.update(saved)
        importlib.invalidate_caches()


def tree_edges(
    tree: Tree,
    include_type_checking: bool,
    protected: Callable[[str], bool],
    outside: Callable[[str], bool],
    cache_dir: str | None,
) -> Iterator[Edge]:
    """Every edge of the tree into a module for which ``protected`` is true.

    :param outside: whether a top-level name outside the tree holds protected modules; the
        importers of such a name are read from their source facts, since grimp names only the
        top-level package of an external import.
    """
    if tree.packages:
        graph = package_graph(tree, include_type_checking, cache_dir)
        for importer in sorted(graph.modules):
            module = tree.modules.get(importer)
            if module is None:
                continue
            reread = False
            for imported in graph.find_modules_directly_imported_by(importer):
                if imported not in tree.modules and imported.partition(".")[0] not in tree.packages:
                    reread = reread or outside(imported.partition(".")[0])
                    continue
                targets = [t for t in implied(importer, module.is_package, imported) if protected(t)]
                if not targets:
                    continue
                for details in graph.get_import_details(importer=importer, imported=imported):
                    for target in targets:
                        yield Edge(importer, module.file, details["line_number"], target)
            if reread:
                yield from source_edges(
                    tree,
                    importer,
                    include_type_checking,
                    lambda name: name not in tree.modules and protected(name),
                )
    for name in tree.loose:
        yield from source_edges(tree, name, include_type_checking, protected)
