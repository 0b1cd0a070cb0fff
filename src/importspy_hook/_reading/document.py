"""Reading a contract file into plain data, keeping the position of every entry.

ruamel.yaml composes the document into nodes, which keep their marks; the plain data is
built from the nodes here so that no tag can build a Python object (only the YAML core
schema's str, int, float, bool, null, map and seq are accepted) and so that alias expansion
and nesting are bounded: a "billion laughs" document fails fast with a clear message.
"""

from __future__ import annotations

import io

from importspy_hook._errors import ContractError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ruamel.yaml.nodes import Node

MAX_BYTES = 1 << 20
MAX_NODES = 20_000
MAX_DEPTH = 32

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset({_CORE + t for t in ("str", "int", "float", "bool", "null")})


class Document:
    """A contract file's plain data and where each entry stands.

    :ivar data: dicts, lists, str, int, float, bool and None.
    :ivar keys: ``path -> (line, column)`` (1-based) of each mapping key or list item;
        paths are ``/``-joined keys and indexes, ``""`` being the document itself.
    :ivar values: ``path -> (line, column)`` of each value.
    """

    __slots__ = ("file", "data", "keys", "values")

    def __init__(
        self, file: str, data: object, keys: dict[str, tuple[int, int]], values: dict[str, tuple[int, int]]
    ) -> None:
        self.file = file
        self.data = data
        self.keys = keys
        self.values = values


def read_document(file: str) -> Document:
    """Read and parse ``file``.

    :raises ContractError: unreadable, too large, not UTF-8, not YAML, or using a tag,
        duplicate key, merge key, excessive nesting or alias expansion.
    """
    try:
        with open(file, "rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise ContractError(file, "is a folder, not a contract file") from None
    except OSError as exc:
        raise ContractError(file, f"cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise ContractError(file, f"is larger than {MAX_BYTES} bytes; a contract is a short YAML file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ContractError(file, "is not UTF-8 text", line, column) from None
    return parse_document(file, text)


def parse_document(file: str, text: str) -> Document:
    """Parse contract text; ``file`` is only used in messages and positions."""
    # Imported here: ruamel.yaml is needed only to read contracts, never to check imports.
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    yaml = YAML(typ="safe", pure=True)
    # An anchor defined again is valid YAML (an alias refers to the latest one); ruamel.yaml
    # would say so with a warning, which the reader of an import's traceback cannot act on
    # and which a warnings filter set to "error" turns into a failure without a position.
    yaml.composer.warn_double_anchors = False
    try:
        root = yaml.compose(io.StringIO(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
        if mark is None:
            raise ContractError(file, f"not valid YAML: {problem}") from None
        raise ContractError(file, f"not valid YAML: {problem}", mark.line + 1, mark.column + 1) from None
    except ReaderError as exc:
        # A control character: the reader gives an offset, not a mark.
        at = exc.position if isinstance(exc.position, int) and 0 <= exc.position <= len(text) else 0
        character = exc.character if isinstance(exc.character, int) else 0
        raise ContractError(
            file,
            f"not valid YAML: the character U+{character:04X} is not allowed in YAML; remove it",
            text.count("\n", 0, at) + 1,
            at - (text.rfind("\n", 0, at) + 1) + 1,
        ) from None
    except YAMLError as exc:
        raise ContractError(file, f"not valid YAML: {exc}") from None
    except RecursionError:
        raise ContractError(file, f"is nested too deeply; contracts are at most {MAX_DEPTH} levels deep") from None
    if root is None:
        raise ContractError(file, "is empty; a contract needs at least a 'module:' key", 1, 1)
    builder = _Builder(file, yaml.constructor)
    try:
        data = builder.build(root, "", 0)
    except _TooLarge:
        data = None
    if builder.problems:
        line, column, _ = builder.problems[0]
        raise ContractError(file, builder.problems[0][2], line, column, problems=builder.problems)
    return Document(file, data, builder.keys, builder.values)


class _TooLarge(Exception):
    pass


class _Builder:
    def __init__(self, file: str, constructor: object) -> None:
        self.file = file
        self.constructor = constructor
        self.keys: dict[str, tuple[int, int]] = {"": (1, 1)}
        self.values: dict[str, tuple[int, int]] = {}
        self.problems: list[tuple[int | None, int | None, str]] = []
        self.nodes = 0

    def problem(self, node: Node, message: str) -> None:
        self.problems.append((node.start_mark.line + 1, node.start_mark.column + 1, message))

    def build(self, node: Node, path: str, depth: int) -> object:
        from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

        self.nodes += 1
        if self.nodes > MAX_NODES:
            if self.nodes == MAX_NODES + 1:
                self.problem(
                    node,
                    f"has more than {MAX_NODES} entries once aliases are expanded; "
                    f"contracts are small, so remove the anchors and aliases",
                )
            raise _TooLarge
        if depth > MAX_DEPTH:
            self.problem(node, f"is nested more than {MAX_DEPTH} levels deep")
            raise _TooLarge
        self.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        tag = str(node.tag)
        if isinstance(node, ScalarNode):
            if tag == _CORE + "timestamp":
                return node.value  # a date is just text in a contract
            if tag not in _SCALAR_TAGS:
                self.problem(
                    node,
                    f"the tag {tag} is not allowed: contracts hold only strings, numbers, "
                    f"booleans, null, lists and mappings; remove the tag",
                )
                return None
            try:
                return self.constructor.construct_object(node, deep=True)  # type: ignore[attr-defined]
            except (ValueError, ArithmeticError):
                # ruamel.yaml resolves some plain scalars to a number it then cannot build
                # (``._`` is a YAML 1.1 float to its resolver, and ``float(".")`` fails).
                kind = tag.rpartition(":")[2]
                self.problem(node, f"{node.value!r} cannot be read as a {kind}; quote it to make it text")
                return None
        if isinstance(node, SequenceNode):
            if tag != _CORE + "seq":
                self.problem(node, f"the tag {tag} is not allowed on a list; remove it")
            items = []
            for index, item in enumerate(node.value):
                child = f"{path}/{index}" if path else str(index)
                self.keys[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
                items.append(self.build(item, child, depth + 1))
            return items
        if isinstance(node, MappingNode):
            if tag != _CORE + "map":
                self.problem(node, f"the tag {tag} is not allowed on a mapping; remove it")
            mapping: dict[str, object] = {}
            for key_node, value_node in node.value:
                key_tag = str(key_node.tag)
                if key_tag == _CORE + "merge":
                    self.problem(key_node, "merge keys (<<) are not supported in contracts; write the entries out")
                    continue
                if not isinstance(key_node, ScalarNode) or key_tag not in _SCALAR_TAGS:
                    self.problem(key_node, "keys must be plain text")
                    continue
                key = str(self.constructor.construct_object(key_node, deep=True))  # type: ignore[attr-defined]
                child = f"{path}/{key}" if path else key
                if key in mapping:
                    first_line = self.keys[child][0]
                    self.problem(key_node, f"duplicate key {key!r} (first given on line {first_line})")
                    continue
                self.keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                mapping[key] = self.build(value_node, child, depth + 1)
                if isinstance(value_node, ScalarNode) and value_node.value == "" and not value_node.style:
                    # An empty value's mark is where the next token starts, often on a later
                    # line; point at its key instead.
                    self.values[child] = self.keys[child]
            return mapping
        self.problem(node, "unsupported YAML node")
        return None
