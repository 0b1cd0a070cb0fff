"""Checks of ``importers.require`` and ``provides``: what a namespace must define.

The namespace is the importer's live globals (before the protected module runs) or the
protected module's ``__dict__`` (after it ran). Every list is a subset requirement: a member
that is named must exist; its value, annotation, bases, arguments and return annotation are
checked only where the contract gives them.

Functions are read from their code objects, not with ``inspect``: importing ``inspect``
costs about 15 ms, and ``inspect.signature`` is only a fallback for callables without
``__code__`` (builtins, ``functools.partial``).
"""

from _importspy_hook_guard import enter_own_imports, leave_own_imports, name_matches
from importspy_hook._errors import Violation
from importspy_hook._violations import is_secret_name, where

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from typing import Any

    Plain = Mapping[str, Any]
    # A required member left for the finished importer: (kind, spec, contract path, violations).
    Deferred = tuple[str, Plain, str, list[Violation]]
    from types import CodeType
else:
    # ``types.CodeType`` without importing ``types``: one module more at the first protected import.
    CodeType = type((lambda: None).__code__)

_MISSING = object()
_CO_VARARGS = 0x04
_CO_VARKEYWORDS = 0x08
_SHOWN_CHARS = 80
# Variables named like secrets (API_KEY, TOKEN, ...) may hold real ones: their values are never shown.
_SECRET = "the value is secret and not shown"


def check_members(
    contract: "Plain",
    section: str,
    namespace: "Mapping[str, object]",
    subject: str,
    importer: "str | None" = None,
    source: "str | None" = None,
    deferrable: "list[Deferred] | None" = None,
) -> list[Violation]:
    """Check ``namespace`` against ``contract[section]`` (``importers.require`` or ``provides``).

    :param subject: how messages name the namespace's owner, such as ``the importer app.main``.
    :param importer: the importer's module name, which chooses the entries of a scoped
        ``importers.require`` (a list of entries with ``match:``).
    :param source: for an importer that is still running, its code's file name: a required
        member it has not defined yet is looked up in that file's source facts
        (:mod:`importspy_hook.static`). What has run wins over what is written; a file name
        that is no readable source (``<string>``, a sourceless ``.pyc``) means only what has
        run counts, and the messages say so.
    :param deferrable: when given, a required member that the source leaves undecided is not
        reported but appended here as ``(kind, spec, path, violations)``: the caller checks it
        on the finished importer (:func:`check_finished`), or reports ``violations``.
    """
    if section == "provides":
        members: Plain | None = contract["provides"]
        return [] if members is None else _check_section(contract, section, members, "provides", namespace, subject)
    found: list[Violation] = []
    for entry, path in required_entries(contract, importer):
        found += _check_section(contract, section, entry, path, namespace, subject, source, importer, deferrable)
    return found


def check_finished(
    contract: "Plain", section: str, deferred: "Sequence[Deferred]", namespace: "Mapping[str, object]", subject: str
) -> list[Violation]:
    """Check the members ``check_members`` left in ``deferrable`` against the namespace of the
    importer once it has finished running."""
    checker = _MemberChecker(contract, section, subject)
    checker.note = " (checked once the importer had finished running: its source does not decide it)"
    annotations = namespace.get("__annotations__")
    if not isinstance(annotations, dict):
        annotations = {}
    for kind, spec, path, _ in deferred:
        if kind == "variables":
            checker.variable(spec, namespace, annotations, path)
        elif kind == "functions":
            checker.function(spec, namespace, path)
        else:
            checker.klass(spec, namespace, path)
    return checker.found


def required_entries(contract: "Plain", importer: "str | None") -> "list[tuple[Plain, str]]":
    """The ``importers.require`` members that apply to ``importer``, each with its contract path:
    the mapping form applies to every importer, each entry of the list form to the importers its
    ``match`` patterns name."""
    importers: Plain | None = contract["importers"]
    required = importers["require"] if importers is not None else None
    if required is None:
        return []
    if not isinstance(required, list):
        return [(required, "importers/require")]
    return [
        (entry, f"importers/require/{i}")
        for i, entry in enumerate(required)
        if importer is not None and any(name_matches(importer, pattern) for pattern in entry["match"])
    ]


def _check_section(
    contract: "Plain",
    section: str,
    members: "Plain",
    base: str,
    namespace: "Mapping[str, object]",
    subject: str,
    source: "str | None" = None,
    importer: "str | None" = None,
    deferrable: "list[Deferred] | None" = None,
) -> list[Violation]:
    checker = _MemberChecker(contract, section, subject)
    written: dict[str, list[Violation]] = {}
    if source is not None:
        missing = {
            spec["name"]
            for kind in ("variables", "functions", "classes")
            for spec in members[kind]
            if spec["name"] not in namespace
        }
        if missing:
            # Imported here: only an importer that has not yet defined a required member needs
            # its source read. Reading it runs no user code, so all it imports (ast, re, the
            # facts cache) is the hook's own, like the import machinery's.
            outer = enter_own_imports()
            try:
                from importspy_hook.static.running import check_written

                found = check_written(contract, section, members, base, source, subject, missing, importer)
            finally:
                leave_own_imports(outer)
            if found is None:
                checker.note = (
                    f" (the importer has no source file to read, {source}, so only what it defined "
                    f"before this import counts)"
                )
            else:
                written = found
    annotations = namespace.get("__annotations__")
    if not isinstance(annotations, dict):
        annotations = {}
    for kind in ("variables", "functions", "classes"):
        for i, spec in enumerate(members[kind]):
            path = f"{base}/{kind}/{i}"
            if spec["name"] not in written:
                if kind == "variables":
                    checker.variable(spec, namespace, annotations, path)
                elif kind == "functions":
                    checker.function(spec, namespace, path)
                else:
                    checker.klass(spec, namespace, path)
                continue
            violations = written.pop(spec["name"])
            if deferrable is not None and violations and all(v.rule.endswith(".undecided") for v in violations):
                deferrable.append((kind, spec, path, violations))
            else:
                checker.found.extend(violations)
    return checker.found


class MemberWording:
    """What the run-time checks (on the live module) and the static ones (on its source facts,
    ``static.members``) word alike: an annotation, a callable's arguments and return
    annotation, a missing attribute and a wrong value. A subclass says how it fails, and how
    it reads an annotation it found."""

    __slots__ = ()

    def fail(self, kind: str, problem: str, path: str, label: str, text: str) -> None:
        raise NotImplementedError

    def written(self, actual: "Any") -> "str | None":
        """How the annotation ``actual`` is shown in a message; None when there is none."""
        raise NotImplementedError

    def accepts(self, expected: str, actual: "Any") -> bool:
        """Whether the annotation ``actual`` (not None) is one the contract's ``expected`` names."""
        raise NotImplementedError

    def annotation(self, spec: "Plain", actual: "Any", kind: str, path: str, label: str, name: str) -> None:
        expected: str | None = spec["annotation"]
        if expected is None:
            return
        shown = self.written(actual)
        if shown is None:
            self.fail(kind, "annotation", path, label, f"{name} must be annotated {expected}, but it has no annotation")
        elif not self.accepts(expected, actual):
            self.fail(
                kind, "annotation", path, label, f"{name} must be annotated {expected}, but it is annotated {shown}"
            )

    def signature(
        self,
        spec: "Plain",
        params: "Mapping[str, Any]",
        returned: "Any",
        kind: str,
        path: str,
        label: str,
        name: str,
    ) -> None:
        """The contract's ``arguments`` and ``returns`` of callable ``name`` against its
        parameters (name -> annotation, in order) and its return annotation."""
        arguments: Sequence[Plain] = spec["arguments"]
        for i, argument in enumerate(arguments):
            arg_name: str = argument["name"]
            if arg_name not in params:
                have = ", ".join(params) or "no arguments"
                self.fail(
                    kind,
                    "argument",
                    f"{path}/arguments/{i}",
                    label,
                    f"{name} must take an argument {arg_name}, but it takes {have}",
                )
                continue
            self.annotation(
                argument, params[arg_name], kind, f"{path}/arguments/{i}", label, f"argument {arg_name} of {name}"
            )
        returns: str | None = spec["returns"]
        if returns is None:
            return
        shown = self.written(returned)
        if shown is None:
            text = f"{name} must be annotated -> {returns}, but it has no return annotation"
        elif not self.accepts(returns, returned):
            text = f"{name} must be annotated -> {returns}, but it is annotated -> {shown}"
        else:
            return
        self.fail(kind, "returns", f"{path}/returns", label, text)

    def wrong_variable_value(
        self, spec: "Plain", path: str, label: str, subject: object, name: str, actual: str
    ) -> None:
        """``actual``: how the value ``subject`` has is shown (never for a secret-looking ``name``)."""
        self.fail(
            "variable",
            "value",
            path,
            label,
            f"{name} must be {show(spec['value'])}, but {subject} has {actual}"
            if not is_secret_name(name)
            else f"{name} must have its expected value, but {subject} has another ({_SECRET})",
        )

    def no_instance_attribute(self, path: str, label: str, owner: str, name: str) -> None:
        self.fail(
            "attribute",
            "missing",
            path,
            label,
            f"{owner} has no instance attribute {name} (not annotated, not in __slots__ or fields, "
            f"and never assigned as self.{name} in a method); set self.{name} in __init__",
        )

    def no_class_attribute(self, path: str, label: str, owner: str, name: str) -> None:
        self.fail(
            "attribute",
            "missing",
            path,
            label,
            f"{owner} has no class attribute {name}; define {owner}.{name} in the class body",
        )

    def wrong_attribute_value(
        self, spec: "Plain", path: str, label: str, qualified: str, name: str, actual: str
    ) -> None:
        """``actual``: how the value found is shown (never for a secret-looking ``name``)."""
        self.fail(
            "attribute",
            "value",
            path,
            label,
            f"{qualified} must be {show(spec['value'])}, but it is {actual}"
            if not is_secret_name(name)
            else f"{qualified} must have its expected value, but it has another ({_SECRET})",
        )


class _MemberChecker(MemberWording):
    __slots__ = ("contract", "section", "subject", "found", "note")

    def __init__(self, contract: "Plain", section: str, subject: str) -> None:
        self.contract = contract
        self.section = section
        self.subject = subject
        self.found: list[Violation] = []
        # Said after a missing member: why the importer's source was not consulted.
        self.note = ""

    def fail(self, kind: str, problem: str, path: str, label: str, text: str) -> None:
        at = where(self.contract, path)
        if problem == "missing" and kind in ("variable", "function", "class"):
            text += self.note
        self.found.append(Violation(f"{self.section}.{kind}.{problem}", f"{self.section}.{label} in {at}: {text}", at))

    def variable(
        self, spec: "Plain", namespace: "Mapping[str, object]", annotations: "Mapping[str, object]", path: str
    ) -> None:
        name: str = spec["name"]
        label = f"variables.{name}"
        value = namespace.get(name, _MISSING)
        if value is _MISSING:
            self.fail("variable", "missing", path, label, f"{self.subject} defines no variable {name}; define {name}")
            return
        if spec["has_value"] and not same_value(value, spec["value"]):
            self.wrong_variable_value(spec, path, label, self.subject, name, show(value))
        self.annotation(spec, annotations.get(name, _MISSING), "variable", path, label, name)

    def written(self, actual: object) -> "str | None":
        return None if actual is _MISSING else spell(actual)

    def accepts(self, expected: str, actual: object) -> bool:
        return normalized(expected) in spellings(actual)

    def function(self, spec: "Plain", namespace: "Mapping[str, object]", path: str) -> None:
        name: str = spec["name"]
        label = f"functions.{name}"
        obj = namespace.get(name, _MISSING)
        if obj is _MISSING:
            self.fail("function", "missing", path, label, f"{self.subject} defines no function {name}; define {name}")
            return
        if not callable(obj) or isinstance(obj, type):
            self.fail("function", "kind", path, label, f"{name} must be a function, but it is {_kind_of(obj)}")
            return
        self.callable(spec, obj, "function", path, label, name)

    def callable(self, spec: "Plain", obj: object, kind: str, path: str, label: str, name: str) -> None:
        if not spec["arguments"] and spec["returns"] is None:
            return
        signature = parameters(obj)
        if signature is None:
            self.fail(kind, "arguments", path, label, f"the arguments of {name} cannot be read; it is {_kind_of(obj)}")
            return
        params, returned = signature
        self.signature(spec, params, returned, kind, path, label, name)

    def klass(self, spec: "Plain", namespace: "Mapping[str, object]", path: str) -> None:
        name: str = spec["name"]
        label = f"classes.{name}"
        cls = namespace.get(name, _MISSING)
        if cls is _MISSING:
            self.fail("class", "missing", path, label, f"{self.subject} defines no class {name}; define class {name}")
            return
        if not isinstance(cls, type):
            self.fail("class", "kind", path, label, f"{name} must be a class, but it is {_kind_of(cls)}")
            return
        mro = [k for k in cls.__mro__ if k is not object]
        bases: Sequence[str] = spec["bases"]
        for i, base in enumerate(bases):
            if not any(_named(k, base) for k in mro[1:]):
                have = ", ".join(k.__qualname__ for k in cls.__bases__ if k is not object) or "no bases"
                self.fail(
                    "class",
                    "bases",
                    f"{path}/bases/{i}",
                    label,
                    f"{name} must derive from {base}, but its bases are {have}",
                )
        attributes: Sequence[Plain] = spec["attributes"]
        for i, attribute in enumerate(attributes):
            self.attribute(attribute, cls, mro, f"{path}/attributes/{i}", f"{label}.attributes", name)
        methods: Sequence[Plain] = spec["methods"]
        for i, method in enumerate(methods):
            method_name: str = method["name"]
            method_path = f"{path}/methods/{i}"
            method_label = f"{label}.methods.{method_name}"
            found = _class_lookup(mro, method_name)
            qualified = f"{name}.{method_name}"
            if found is _MISSING:
                self.fail(
                    "method",
                    "missing",
                    method_path,
                    method_label,
                    f"{name} has no method {method_name}; define {qualified}",
                )
                continue
            if isinstance(found, (staticmethod, classmethod)):
                found = found.__func__
            if not callable(found):
                self.fail(
                    "method",
                    "kind",
                    method_path,
                    method_label,
                    f"{qualified} must be a method, but it is {_kind_of(found)}",
                )
                continue
            self.callable(method, found, "method", method_path, method_label, qualified)

    def attribute(self, spec: "Plain", cls: type, mro: list[type], path: str, label: str, owner: str) -> None:
        name: str = spec["name"]
        label = f"{label}.{name}"
        qualified = f"{owner}.{name}"
        annotation = _MISSING
        for k in mro:
            own = _own_annotations(k)
            if name in own:
                annotation = own[name]
                break
        if spec["scope"] == "instance":
            if annotation is _MISSING and not _instance_attribute(mro, name):
                self.no_instance_attribute(path, label, owner, name)
                return
        else:
            value = _class_lookup(mro, name)
            if value is _MISSING:
                self.no_class_attribute(path, label, owner, name)
                return
            if spec["has_value"] and not same_value(value, spec["value"]):
                self.wrong_attribute_value(spec, path, label, qualified, name, show(value))
        self.annotation(spec, annotation, "attribute", path, label, qualified)


def _kind_of(obj: object) -> str:
    if isinstance(obj, type):
        return f"the class {obj.__qualname__}"
    return f"a {type(obj).__name__}"


def _named(cls: type, text: str) -> bool:
    target = normalized(text)
    return target in (cls.__name__, cls.__qualname__, f"{cls.__module__}.{cls.__qualname__}")


def _class_lookup(mro: list[type], name: str) -> object:
    for k in mro:
        found = k.__dict__.get(name, _MISSING)
        if found is not _MISSING:
            return found
    return _MISSING


def _own_annotations(cls: type) -> "Mapping[str, object]":
    own = cls.__dict__.get("__annotations__")
    if own is None and "__annotate__" in cls.__dict__:  # 3.14: annotations are computed lazily
        own = getattr(cls, "__annotations__", None)
    return own if isinstance(own, dict) else {}


def _instance_attribute(mro: list[type], name: str) -> bool:
    for k in mro:
        namespace = k.__dict__
        slots = namespace.get("__slots__", ())
        if name == slots or (not isinstance(slots, str) and name in slots):
            return True
        fields = namespace.get("__dataclass_fields__") or {}
        if name in fields:
            return True
        if any(getattr(a, "name", None) == name for a in namespace.get("__attrs_attrs__", ())):
            return True
    return any(_assigns_attribute(member, name) for k in mro for member in k.__dict__.values())


def _assigns_attribute(member: object, name: str) -> bool:
    if isinstance(member, (staticmethod, classmethod)):
        member = member.__func__
    elif isinstance(member, property):
        member = member.fset
    for _ in range(100):  # a decorated method (functools.wraps): the assignment is in the wrapped one
        wrapped = getattr(member, "__wrapped__", None)
        if wrapped is None:
            break
        member = wrapped
    code = getattr(member, "__code__", None)
    if not isinstance(code, CodeType) or (name not in code.co_names and not _has_nested_code(code)):
        return False
    return any(_stores(c, name) for c in _code_tree(code))


def _has_nested_code(code: CodeType) -> bool:
    return any(hasattr(const, "co_code") for const in code.co_consts)


def _code_tree(code: CodeType) -> "Iterator[CodeType]":
    yield code
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            yield from _code_tree(const)


def _stores(code: CodeType, name: str) -> bool:
    if name not in code.co_names:
        return False
    # Imported here, as the hook's own import: ``dis`` is needed only when an instance
    # attribute is found nowhere else.
    outer = enter_own_imports()
    try:
        import dis
    finally:
        leave_own_imports(outer)

    return any(ins.opname == "STORE_ATTR" and ins.argval == name for ins in dis.get_instructions(code))


def parameters(obj: object) -> tuple[dict[str, object], object] | None:
    """Argument names with their annotations (or ``_MISSING``), and the return annotation."""
    func = obj
    for _ in range(100):
        if isinstance(func, (staticmethod, classmethod)):
            func = func.__func__
            continue
        wrapped = getattr(func, "__wrapped__", None)
        if wrapped is None:
            break
        func = wrapped
    code = getattr(func, "__code__", None)
    if code is None:
        return _parameters_from_signature(func)
    count = code.co_argcount + code.co_kwonlyargcount
    names = list(code.co_varnames[:count])
    if code.co_flags & _CO_VARARGS:
        names.append(code.co_varnames[count])
        count += 1
    if code.co_flags & _CO_VARKEYWORDS:
        names.append(code.co_varnames[count])
    annotations = getattr(func, "__annotations__", None)
    if not isinstance(annotations, dict):
        annotations = {}
    return {n: annotations.get(n, _MISSING) for n in names}, annotations.get("return", _MISSING)


def _parameters_from_signature(obj: object) -> tuple[dict[str, object], object] | None:
    # Imported here, as the hook's own import: only callables without a code object
    # (builtins, partials) need inspect.
    outer = enter_own_imports()
    try:
        import inspect
    finally:
        leave_own_imports(outer)

    try:
        signature = inspect.signature(obj)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    empty = inspect.Parameter.empty
    params = {p.name: (_MISSING if p.annotation is empty else p.annotation) for p in signature.parameters.values()}
    returned = _MISSING if signature.return_annotation is empty else signature.return_annotation
    return params, returned


def normalized(text: str) -> str:
    """An annotation's spelling with white space and ``typing.``/``builtins.`` prefixes removed."""
    text = "".join(text.split())
    for prefix in ("typing_extensions.", "typing.", "builtins."):
        text = text.replace(prefix, "")
    return text


def spellings(annotation: object) -> set[str]:
    """Every spelling that an annotation object can be written as in source."""
    if isinstance(annotation, str):
        return {normalized(annotation)}
    if annotation is None or annotation is type(None):
        return {"None"}
    found = set()
    if isinstance(annotation, type):
        found.add(annotation.__name__)
        found.add(annotation.__qualname__)
        found.add(normalized(f"{annotation.__module__}.{annotation.__qualname__}"))
    text = repr(annotation)
    if not text.startswith("<"):
        spelled = normalized(text).replace("NoneType", "None")
        found.add(spelled)
        # The repr qualifies every class (Optional[app.models.Registry]); source usually
        # names an imported class bare (Optional[Registry]).
        found.add(_unqualified(spelled))
    return found


def _unqualified(text: str) -> str:
    """``Optional[app.models.Registry]`` -> ``Optional[Registry]``."""
    out: list[str] = []
    word = ""
    for char in text:
        if char.isalnum() or char == "_":
            word += char
        elif char == "." and word and not word[0].isdigit():
            word = ""  # a qualifier: drop it
        else:
            out.append(word + char)
            word = ""
    out.append(word)
    return "".join(out)


def spell(annotation: object) -> str:
    if isinstance(annotation, str):
        return annotation
    if isinstance(annotation, type):
        return annotation.__qualname__
    if annotation is None:
        return "None"
    return normalized(repr(annotation))


def same_value(actual: object, expected: object) -> bool:
    """YAML values against Python values: bools are not ints, tuples compare as lists."""
    if isinstance(actual, bool) != isinstance(expected, bool):
        return False
    if isinstance(actual, tuple) and isinstance(expected, list):
        actual = list(actual)
    try:
        return bool(actual == expected)
    except Exception:
        return False


def show(value: object) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__} object>"
    if len(text) > _SHOWN_CHARS:
        text = text[:_SHOWN_CHARS] + "..."
    return text
