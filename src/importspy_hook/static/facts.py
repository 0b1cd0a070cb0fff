"""The facts of one module's source, read with :mod:`ast`: what it defines and what it imports.

The facts answer the questions the run-time structure checks (:mod:`importspy_hook._structure`)
ask of a live namespace, without running the module: which names it binds, whether each is a
variable (with its annotation and literal value), a function (parameters, return annotation),
a class (bases, class and instance attributes, methods) or an imported name; and every
import statement with its line and context.

Facts are plain data (dicts, lists, strings, numbers), so that :mod:`.factscache` can store
them with :mod:`marshal`. A module's facts::

    {"format": FORMAT, "error": None or "LINE: message" (the source does not parse),
     "open": None or why names not listed may exist all the same (a star import, globals()),
     "members": {name: member}, "annotations": {name: annotation text},
     "imports": [import, ...]}

A member is ``{"kind": "variable" | "function" | "class" | "import", "line": N, "maybe": ...,
"unsure": ...}`` plus the fields of its kind (see :func:`_variable`, :func:`_function`,
:func:`_class`, :func:`_bind_import`). ``maybe`` says why the name may not exist when the module
has run (it is bound only under a runtime condition); ``unsure`` says why what it is cannot be
known (a decorator that may replace it, different bindings on different branches). Both are
``None`` when the source decides. Nothing is guessed: an undecided fact carries its reason.
"""

from __future__ import annotations

import ast
import gc
import sys
from bisect import bisect_left
from typing import Any

#: Raised whenever the shape of the facts changes, so that cached facts are read again.
FORMAT = 1

Facts = dict[str, Any]
Member = dict[str, Any]

# Decorators that leave a function a function with its own signature: the builtins and the
# functools wrappers the run-time checks see through (they follow ``__wrapped__``).
_TRANSPARENT_FUNCTION = frozenset(
    {
        "staticmethod",
        "classmethod",
        "property",
        "abstractmethod",
        "abc.abstractmethod",
        "cache",
        "lru_cache",
        "cached_property",
        "wraps",
        "functools.cache",
        "functools.lru_cache",
        "functools.cached_property",
        "functools.wraps",
        "override",
        "final",
        "typing.override",
        "typing.final",
        "typing_extensions.override",
        "typing_extensions.final",
    }
)
# Class decorators that return the class they are given (its name, bases and members kept).
_TRANSPARENT_CLASS = frozenset(
    {
        "final",
        "typing.final",
        "runtime_checkable",
        "typing.runtime_checkable",
        "total_ordering",
        "functools.total_ordering",
        "dataclass",
        "dataclasses.dataclass",
        "unique",
        "enum.unique",
    }
)
# Class decorators that build a new class (slotted attrs classes): the name, bases and methods
# stay, but class attribute values become field descriptors.
_REBUILDING_CLASS = frozenset(
    {"define", "frozen", "mutable", "attrs.define", "attrs.frozen", "attrs.mutable", "attr.s", "attr.attrs"}
)

if sys.version_info >= (3, 11):
    _TRY: tuple[type[ast.Try], ...] = (ast.Try, ast.TryStar)  # type: ignore[assignment]
else:
    _TRY = (ast.Try,)

_PARAMETER_KINDS = ("positional-only", "positional-or-keyword", "var-positional", "keyword-only", "var-keyword")


def read_facts(source: bytes | str, filename: str = "<source>") -> Facts:
    """The facts of a module's ``source`` (see the module docstring); never raises for bad source."""
    # Parsing allocates a node per token or so, and none of them forms a cycle: the collections
    # those allocations trigger find nothing and cost the most when the process holds a large
    # heap. They are held off while one file is read (and left off if they were off).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read(source, filename)
    finally:
        if collecting:
            gc.enable()


def _read(source: bytes | str, filename: str) -> Facts:
    try:
        tree = ast.parse(source, filename)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 1
        message = getattr(exc, "msg", None) or str(exc)
        return {
            "format": FORMAT,
            "error": f"{line}: {message}",
            "open": None,
            "members": {},
            "annotations": {},
            "imports": [],
        }
    raw = source if isinstance(source, bytes) else source.encode("utf-8", "surrogatepass")
    # Whole-tree walks only where the text shows they can find something.
    reader = _Reader(walrus=b":=" in raw, declares_global=b"global" in raw)
    members: dict[str, Member] = {}
    reader.block(tree.body, members, None)
    imports: list[dict[str, Any]] = []
    _collect_imports(tree.body, imports, False, False, False, _keyword_lines(raw))
    if b"globals" in raw:
        line = _globals_in_functions(tree)
        if line is not None:
            reader.make_open(f"globals() is used in a function at line {line}")
    return {
        "format": FORMAT,
        "error": None,
        "open": reader.open,
        "members": members,
        "annotations": reader.annotations,
        "imports": imports,
    }


def text(node: ast.AST) -> str:
    """An expression as source text (normalised by ``ast.unparse``)."""
    # Most annotations, defaults and bases are a name, a dotted name or a plain constant:
    # spelled here as ``ast.unparse`` spells them, without building an unparser for each
    # (``ast.unparse`` was a third of the facts' cost beyond parsing a 500-line module).
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        if isinstance(node.value, ast.Name):
            return f"{node.value.id}.{node.attr}"
    elif isinstance(node, ast.Constant) and node.kind is None:
        value = node.value
        if value is None or value is True or value is False or type(value) is int:
            return repr(value)
        if value is Ellipsis:
            return "..."
        if type(value) is str and value.isascii() and value.isprintable() and "'" not in value and "\\" not in value:
            return repr(value)
    return ast.unparse(node)


def is_type_checking(test: ast.expr) -> bool:
    """``if TYPE_CHECKING:`` or ``if typing.TYPE_CHECKING:`` (never true at run time)."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    names = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
    kinds = handler.type
    if kinds is None:
        return True
    found = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
    return any(isinstance(k, ast.Name) and k.id in names for k in found)


class _Reader:
    """Walks a block of statements as the interpreter would run it, binding names in a table."""

    def __init__(self, *, walrus: bool, declares_global: bool) -> None:
        self.walrus = walrus
        self.declares_global = declares_global
        self.open: str | None = None
        self.annotations: dict[str, str] = {}
        # Names bound by imports anywhere at module level, for resolving bases and annotations.
        self.aliases: dict[str, str] = {}

    def make_open(self, reason: str) -> None:
        if self.open is None:
            self.open = reason

    # -- blocks and branches -------------------------------------------------------------

    def block(self, body: list[ast.stmt], table: dict[str, Member], condition: str | None, cls: bool = False) -> None:
        for statement in body:
            self.statement(statement, table, condition, cls)

    def branches(
        self,
        table: dict[str, Member],
        bodies: list[list[ast.stmt]],
        reason: str,
        cls: bool,
        *,
        may_skip: bool,
    ) -> None:
        """Run each body on its own copy of ``table`` and merge: a name bound on every path is
        bound (unsure when the paths differ); a name bound on some paths only may be missing."""
        results = []
        for body in bodies:
            copy = dict(table)
            self.block(body, copy, reason, cls)
            results.append(copy)
        if may_skip:
            results.append(dict(table))
        names = {name for result in results for name in result}
        for name in names:
            found = [result.get(name) for result in results]
            if all(member is table.get(name) for member in found):
                continue
            present = [member for member in found if member is not None]
            chosen = dict(present[-1])
            if len(present) < len(found):
                chosen["maybe"] = chosen["maybe"] or f"it is bound only {reason}"
            elif any(_differs(member, chosen) for member in present):
                chosen["unsure"] = chosen["unsure"] or f"it is bound differently {reason}"
                chosen["maybe"] = next((m["maybe"] for m in present if m["maybe"]), None)
            table[name] = chosen

    def statement(self, node: ast.stmt, table: dict[str, Member], condition: str | None, cls: bool) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            table[node.name] = self.function(node)
            if self.declares_global:
                self.globals_in_function(node, table)
        elif isinstance(node, ast.ClassDef):
            table[node.name] = self.klass(node)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                self.assign(target, node.value, None, node, table, cls)
        elif isinstance(node, ast.AnnAssign):
            if isinstance(node.target, ast.Name) and node.simple:
                annotation = text(node.annotation)
                if not cls:
                    self.annotations[node.target.id] = annotation
                if node.value is None:
                    if cls:  # annotated in the class body only: an instance field
                        table.setdefault(node.target.id, _annotated_only(node, annotation))
                    return
            if node.value is not None:
                self.assign(node.target, node.value, text(node.annotation), node, table, cls)
        elif isinstance(node, ast.AugAssign):
            self.assign(node.target, None, None, node, table, cls)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            self.bind_imports(node, table)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    table.pop(target.id, None)
        elif isinstance(node, ast.If):
            if is_type_checking(node.test):
                self.block(node.orelse, table, condition, cls)  # the body never runs
            else:
                where = f"under the if at line {node.lineno}"
                self.branches(table, [node.body, node.orelse], where, cls, may_skip=False)
        elif isinstance(node, _TRY):
            where = f"in the try at line {node.lineno}"
            handlers = [h.body for h in node.handlers]
            self.branches(table, [node.body + node.orelse, *handlers], where, cls, may_skip=False)
            self.block(node.finalbody, table, condition, cls)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            for target in _targets(node.target) if not isinstance(node, ast.While) else []:
                table[target.id] = _unknown_variable(target.lineno)
            where = f"in the loop at line {node.lineno}"
            self.branches(table, [node.body + node.orelse], where, cls, may_skip=True)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                for target in _targets(item.optional_vars):
                    table[target.id] = _unknown_variable(target.lineno)
            self.block(node.body, table, condition, cls)
        elif isinstance(node, ast.Match):
            where = f"in the match at line {node.lineno}"
            self.branches(table, [case.body for case in node.cases], where, cls, may_skip=True)
        elif isinstance(node, ast.Expr):
            self.expression(node.value)
        if not self.walrus or not isinstance(node, (ast.Assign, ast.AugAssign, ast.Expr)):
            return
        for child in ast.walk(node):
            if isinstance(child, ast.NamedExpr) and isinstance(child.target, ast.Name):
                table[child.target.id] = _unknown_variable(child.lineno)

    def expression(self, value: ast.expr) -> None:
        """Module-level calls that make names the source does not spell."""
        if not isinstance(value, ast.Call):
            return
        func = value.func
        if not (isinstance(func, ast.Name) and func.id in ("exec", "setattr")) and not (
            isinstance(func, ast.Attribute) and func.attr in ("update", "__setitem__")
        ):
            return
        called = text(func)
        if called in ("exec", "globals().update", "globals().__setitem__", "vars().update", "locals().update"):
            self.make_open(f"{called}(...) at line {value.lineno} may define names")
        elif called == "setattr" and value.args and "sys.modules" in text(value.args[0]):
            self.make_open(f"setattr(sys.modules[...]) at line {value.lineno} may define names")

    # -- bindings ------------------------------------------------------------------------

    def assign(
        self,
        target: ast.expr,
        value: ast.expr | None,
        annotation: str | None,
        node: ast.stmt,
        table: dict[str, Member],
        cls: bool,
    ) -> None:
        if isinstance(target, ast.Name):
            name = target.id
            if value is None:  # augmented: the value changes at run time
                known = table.get(name)
                member = dict(known) if known is not None else _unknown_variable(node.lineno)
                if member["kind"] == "variable":
                    member["has_value"] = False
                    member["value"] = None
                    member["known"] = False
                table[name] = member
                return
            table[name] = self.value_member(name, value, annotation, node.lineno, table)
        elif isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
            for unpacked in _targets(target):  # the values are known only at run time
                table[unpacked.id] = _unknown_variable(node.lineno)
        elif isinstance(target, ast.Subscript) and text(target.value) in ("globals()", "vars()", "locals()"):
            self.make_open(f"{text(target.value)}[...] is assigned at line {node.lineno}")

    def value_member(
        self, name: str, value: ast.expr, annotation: str | None, line: int, table: dict[str, Member]
    ) -> Member:
        if isinstance(value, ast.Lambda):
            member = _function_facts(value.args, None, False, line)
            member["unsure"] = None
            return member
        if isinstance(value, ast.Name) and value.id in table and value.id != name:
            alias = dict(table[value.id])  # the same object under another name
            alias["line"] = line
            return alias
        member = _variable(line, annotation)
        try:
            member["value"] = _plain(ast.literal_eval(value))
            member["has_value"] = True
            member["known"] = True
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            member["known"] = False
        return member

    def bind_imports(self, node: ast.Import | ast.ImportFrom, table: dict[str, Member]) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname is not None:
                    origin, bound = alias.name, alias.asname
                else:
                    origin = bound = alias.name.partition(".")[0]
                table[bound] = _bind_import(origin, node.lineno)
                self.aliases.setdefault(bound, origin)
            return
        base = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                self.make_open(f"the star import from {base} at line {node.lineno} may define any name")
                continue
            bound = alias.asname or alias.name
            origin = f"{base}.{alias.name}" if not base.endswith(".") else f"{base}{alias.name}"
            table[bound] = _bind_import(origin, node.lineno)
            self.aliases.setdefault(bound, origin)

    def globals_in_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, table: dict[str, Member]) -> None:
        declared = {name for n in ast.walk(node) if isinstance(n, ast.Global) for name in n.names}
        if not declared:
            return
        for child in ast.walk(node):
            targets: list[ast.expr] = []
            if isinstance(child, ast.Assign):
                targets = child.targets
            elif isinstance(child, (ast.AnnAssign, ast.AugAssign)):
                targets = [child.target]
            else:
                continue
            for target in targets:
                if isinstance(target, ast.Name) and target.id in declared and target.id not in table:
                    member = _unknown_variable(child.lineno)
                    member["maybe"] = f"it is assigned only when {node.name}() runs (global at line {child.lineno})"
                    table[target.id] = member

    # -- functions and classes -----------------------------------------------------------

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> Member:
        returns = text(node.returns) if node.returns is not None else None
        member = _function_facts(node.args, returns, isinstance(node, ast.AsyncFunctionDef), node.lineno)
        opaque = [text(d) for d in node.decorator_list if _decorator_name(d) not in _TRANSPARENT_FUNCTION]
        if opaque:
            member["unsure"] = f"the decorator {opaque[0]} at line {node.lineno} may replace the function"
        member["decorators"] = [_decorator_name(d) for d in node.decorator_list]
        return member

    def klass(self, node: ast.ClassDef) -> Member:
        bases = [text(b) for b in node.bases]
        member: Member = {
            "kind": "class",
            "line": node.lineno,
            "maybe": None,
            "unsure": None,
            "bases": bases,
            "resolved": [self.resolve(b) for b in bases],
            "attributes": {},
            "methods": {},
            "annotations": {},
            "instance": [],
            "rebuilt": False,
        }
        for decorator in node.decorator_list:
            name = _decorator_name(decorator)
            if name in _REBUILDING_CLASS:
                member["rebuilt"] = True
            elif name not in _TRANSPARENT_CLASS:
                member["unsure"] = f"the decorator {text(decorator)} at line {node.lineno} may replace the class"
        body: dict[str, Member] = {}
        self.block(node.body, body, None, cls=True)
        instance: set[str] = set()
        for name, found in body.items():
            if found["kind"] == "function":
                member["methods"][name] = found
            elif found["kind"] == "annotated":
                member["annotations"][name] = found["annotation"]
            else:
                member["attributes"][name] = found
                if found.get("annotation") is not None:
                    member["annotations"][name] = found["annotation"]
                if name == "__slots__" and found.get("known"):
                    slots = found["value"]
                    instance.update(s for s in ([slots] if isinstance(slots, str) else slots) if isinstance(s, str))
        for statement in node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                _attribute_stores(statement.body, instance)
        member["instance"] = sorted(instance)
        return member

    def resolve(self, written: str) -> str:
        """A name as written, through the module's imports: ``base.Plugin`` -> ``app.base.Plugin``."""
        plain = written.partition("[")[0]
        head, dot, rest = plain.partition(".")
        origin = self.aliases.get(head)
        if origin is None:
            return plain
        return origin + dot + rest


def _differs(one: Member, other: Member) -> bool:
    return {k: v for k, v in one.items() if k != "line"} != {k: v for k, v in other.items() if k != "line"}


def _targets(node: ast.expr | None) -> list[ast.Name]:
    if node is None:
        return []
    return [n for n in ast.walk(node) if isinstance(n, ast.Name)]


def _attribute_stores(body: list[ast.stmt], found: set[str]) -> None:
    """Names assigned as ``obj.name = ...`` in a method and the code nested in it, as the
    run-time check finds them (``STORE_ATTR`` anywhere in the method's code objects).
    Assignments are statements, so only statement blocks and their targets are read."""
    for node in body:
        targets: list[ast.expr | None] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
            targets = [node.target]
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            targets = [item.optional_vars for item in node.items]
        for target in targets:
            _store_targets(target, found)
        for block in ("body", "orelse", "finalbody"):
            inner = getattr(node, block, None)
            if isinstance(inner, list):
                _attribute_stores(inner, found)
        for handler in getattr(node, "handlers", ()):
            _attribute_stores(handler.body, found)
        for case in getattr(node, "cases", ()):
            _attribute_stores(case.body, found)


def _store_targets(target: ast.expr | None, found: set[str]) -> None:
    if isinstance(target, ast.Attribute):
        found.add(target.attr)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _store_targets(element, found)
    elif isinstance(target, ast.Starred):
        _store_targets(target.value, found)


def _decorator_name(node: ast.expr) -> str:
    return text(node.func if isinstance(node, ast.Call) else node)


def _variable(line: int, annotation: str | None) -> Member:
    return {
        "kind": "variable",
        "line": line,
        "maybe": None,
        "unsure": None,
        "annotation": annotation,
        "has_value": False,
        "value": None,
        "known": False,
    }


def _unknown_variable(line: int) -> Member:
    return _variable(line, None)


def _annotated_only(node: ast.AnnAssign, annotation: str) -> Member:
    return {"kind": "annotated", "line": node.lineno, "maybe": None, "unsure": None, "annotation": annotation}


def _bind_import(origin: str, line: int) -> Member:
    return {"kind": "import", "line": line, "maybe": None, "unsure": None, "origin": origin}


def _function_facts(args: ast.arguments, returns: str | None, is_async: bool, line: int) -> Member:
    params: list[list[Any]] = []

    def add(arg: ast.arg, kind: int, default: ast.expr | None) -> None:
        annotation = text(arg.annotation) if arg.annotation is not None else None
        params.append([arg.arg, _PARAMETER_KINDS[kind], annotation, text(default) if default is not None else None])

    positional = args.posonlyargs + args.args
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for i, arg in enumerate(positional):
        add(arg, 0 if i < len(args.posonlyargs) else 1, defaults[i])
    if args.vararg is not None:
        add(args.vararg, 2, None)
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=False):
        add(arg, 3, default)
    if args.kwarg is not None:
        add(args.kwarg, 4, None)
    return {
        "kind": "function",
        "line": line,
        "maybe": None,
        "unsure": None,
        "params": params,
        "returns": returns,
        "async": is_async,
        "decorators": [],
    }


def _plain(value: object) -> object:
    """A literal as YAML would give it: tuples as lists (``same_value`` compares them so)."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _keyword_lines(raw: bytes) -> list[int]:
    """The numbers of the lines where ``import`` is written, in order."""
    lines: list[int] = []
    line = 1
    at = 0
    found = raw.find(b"import")
    while found >= 0:
        line += raw.count(b"\n", at, found)
        at = found
        if not lines or lines[-1] != line:
            lines.append(line)
        found = raw.find(b"import", found + 6)
    return lines


def _collect_imports(
    body: list[ast.stmt],
    found: list[dict[str, Any]],
    function: bool,
    type_checking: bool,
    guarded: bool,
    lines: list[int],
) -> None:
    """Every import statement in ``body`` and the blocks inside it, with whether it sits in a
    function, under ``if TYPE_CHECKING:``, or in a ``try`` whose ``except`` catches
    ``ImportError``. Imports are statements, so only statement blocks are walked, and only
    those whose lines (``lines``: where ``import`` is written) hold one."""
    for node in body:
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            first = bisect_left(lines, node.lineno)
            if first == len(lines) or lines[first] > (node.end_lineno or node.lineno):
                continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.partition(".")[0]
                found.append(_import_row(node, alias.name, None, 0, bound, function, type_checking, guarded))
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                row = _import_row(
                    node,
                    node.module or "",
                    alias.name,
                    node.level,
                    alias.asname or alias.name,
                    function,
                    type_checking,
                    guarded,
                )
                found.append(row)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _collect_imports(node.body, found, True, type_checking, guarded, lines)
        elif isinstance(node, ast.ClassDef):
            _collect_imports(node.body, found, function, type_checking, guarded, lines)
        elif isinstance(node, ast.If):
            _collect_imports(node.body, found, function, type_checking or is_type_checking(node.test), guarded, lines)
            _collect_imports(node.orelse, found, function, type_checking, guarded, lines)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            _collect_imports(node.body, found, function, type_checking, guarded, lines)
            _collect_imports(node.orelse, found, function, type_checking, guarded, lines)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            _collect_imports(node.body, found, function, type_checking, guarded, lines)
        elif isinstance(node, _TRY):
            catches = any(_catches_import_error(h) for h in node.handlers)
            _collect_imports(node.body, found, function, type_checking, guarded or catches, lines)
            for handler in node.handlers:
                _collect_imports(handler.body, found, function, type_checking, guarded, lines)
            _collect_imports(node.orelse, found, function, type_checking, guarded, lines)
            _collect_imports(node.finalbody, found, function, type_checking, guarded, lines)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                _collect_imports(case.body, found, function, type_checking, guarded, lines)


def _import_row(
    node: ast.stmt,
    module: str,
    name: str | None,
    level: int,
    bound: str,
    function: bool,
    type_checking: bool,
    guarded: bool,
) -> dict[str, Any]:
    return {
        "line": node.lineno,
        "module": module,
        "name": name,
        "level": level,
        "bound": bound,
        "function": function,
        "type_checking": type_checking,
        "guarded": guarded,
    }


def _globals_in_functions(tree: ast.Module) -> int | None:
    """The line of a ``globals()`` call inside a function, if any."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for child in ast.walk(node):
                if isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id == "globals":
                    return child.lineno
    return None


def absolute(module: str, level: int, package: str) -> str | None:
    """The absolute name of a relative import of ``module`` at ``level`` from ``package``
    (``None`` when it climbs above the top-level package), as ``importlib`` resolves it."""
    if level == 0:
        return module
    parts = package.split(".") if package else []
    if level - 1 > len(parts) or (level - 1 == len(parts) and not module):
        return None
    base = parts[: len(parts) - (level - 1)]
    if not base:
        return None
    return ".".join([*base, module]) if module else ".".join(base)
