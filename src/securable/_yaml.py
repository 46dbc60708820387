"""Reading YAML that securable did not write, with limits, so a hostile file fails fast and clearly.

``yaml.safe_load`` refuses arbitrary objects but not a document that is small on disk and huge in
memory: anchors and aliases let 1 KiB of "billion laughs" describe 10⁹ nodes. Loading it is
cheap (aliases share one node), but everything after — the JSON Schema validation, turning dates
into strings, a report — walks the *expanded* tree and never ends. Deep nesting
(``[[[[…``) exhausts the recursive parser, and a multi-megabyte file that is not a declaration at
all costs seconds of parsing before its first error.

So every YAML input (``product.yaml``, the catalog's data files) goes through :func:`load_yaml_file`
or :func:`parse_yaml`, which:

1. check the size before reading (``stat``, then read at most the cap plus one byte, since a
   file can grow or lie about its size);
2. cap the nesting depth while the document is composed;
3. measure the composed node graph as it would be expanded — every alias counted as a full copy of
   what it refers to, memoised per node so measuring is linear — and refuse it when the expansion
   exceeds a node budget or an alias refers to its own ancestor (a cycle);

and raise the caller's :class:`~securable.errors.SecurableError` subclass with one line naming the
file, what is wrong and the fix. Ordinary documents, anchors and merge keys (``<<: *defaults``)
load as before.

Only :mod:`securable.errors` is imported, so the catalog (which may import nothing else of
securable) can use this module too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from securable.errors import SecurableError, UsageError

__all__ = [
    "DEFAULT_LIMITS",
    "YamlLimits",
    "dates_as_text",
    "load_yaml_file",
    "parse_yaml",
    "read_text_capped",
]


@dataclass(frozen=True)
class YamlLimits:
    """What one YAML input may cost.

    ``max_bytes`` — size on disk (1 MiB: a product declaration is a few KiB, the largest catalog
    file about 30 KiB). ``max_nodes`` — nodes of the document with every alias expanded.
    ``max_depth`` — nesting, also counted through aliases.
    """

    max_bytes: int = 1 << 20
    max_nodes: int = 100_000
    max_depth: int = 64


DEFAULT_LIMITS = YamlLimits()


def _size(n: int) -> str:
    """``1 MiB``, ``12.9 MiB``, ``64 KiB``, ``900 bytes``."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"


class _LimitExceeded(Exception):
    """Internal: the document breaks one of the :class:`YamlLimits`; carries the one-line reason."""


# libyaml's composer when present (about 13x faster: the catalog is read at every start-up); its
# parser stops at its own nesting limit, and _check_expansion caps depth before construction.
_BASE: Any = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader


class _LimitedLoader(_BASE):  # type: ignore[misc]
    """A safe loader that stops composing past ``max_depth`` levels of nesting (pure-Python path)."""

    limits: YamlLimits = DEFAULT_LIMITS

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._depth += 1
        try:
            if self._depth > self.limits.max_depth:
                raise _LimitExceeded(f"nested more than {self.limits.max_depth} levels deep")
            node: Node | None = super().compose_node(parent, index)
            return node
        finally:
            self._depth -= 1


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_expansion(root: Node, limits: YamlLimits) -> None:
    """Refuse a node graph whose alias-expanded form is too big or too deep, or is cyclic.

    Iterative depth-first walk (a chain of aliases may be deeper than Python's recursion limit);
    each node is measured once and its expanded size and depth memoised, so a document of *n*
    composed nodes costs O(*n*) however much its aliases would expand to.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            on_path.discard(key)
            if size[key] > limits.max_nodes:
                raise _LimitExceeded(
                    f"anchors and aliases expand to more than {limits.max_nodes:,} nodes "
                    "(a 'billion laughs' document?)"
                )
            if depth[key] > limits.max_depth:
                raise _LimitExceeded(f"nested more than {limits.max_depth} levels deep (aliases expanded)")
            continue
        if key in size:
            continue
        if key in on_path:
            raise _LimitExceeded("an alias refers to a node that contains it (a recursive document)")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node) if id(k) not in size)


def parse_yaml(
    text: str,
    *,
    ref: str,
    fix: str,
    error: type[SecurableError] = UsageError,
    limits: YamlLimits = DEFAULT_LIMITS,
) -> Any:
    """The one YAML document in ``text`` as plain Python data, within ``limits``.

    Raises ``error`` (``"<ref>: <where>: <problem>"``, ``diagnostics=fix``) for invalid YAML and
    for a document over the limits; an empty document is ``None``.
    """
    if len(text) > limits.max_bytes:
        raise _too_big(ref, len(text), limits, error)
    loader_class = type("_Loader", (_LimitedLoader,), {"limits": limits})
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, limits)
        return loader.construct_document(node)
    except _LimitExceeded as exc:
        raise error(
            f"{ref}: refused: {exc}",
            diagnostics="write the document out without deep nesting or alias chains; "
            "securable reads declarations and data files, not generated structures",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        problem = getattr(exc, "problem", None) or exc
        raise error(f"{ref}: {where}: not valid YAML ({problem})", diagnostics=fix) from None
    finally:
        loader.dispose()


def _too_big(ref: str, size: int, limits: YamlLimits, error: type[SecurableError]) -> SecurableError:
    return error(
        f"{ref}: {_size(size)} is over the {_size(limits.max_bytes)} limit for this YAML file",
        diagnostics=f"check that {ref} is the file you meant: a declaration or data file is a few KiB",
    )


def read_text_capped(
    path: Path,
    *,
    ref: str,
    error: type[SecurableError] = UsageError,
    limits: YamlLimits = DEFAULT_LIMITS,
) -> str:
    """``path`` as UTF-8 text, refused before reading when it is larger than ``limits.max_bytes``.

    ``OSError`` and ``UnicodeDecodeError`` propagate: callers word those for their own input.
    """
    if path.stat().st_size > limits.max_bytes:
        raise _too_big(ref, path.stat().st_size, limits, error)
    with path.open("rb") as handle:
        data = handle.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:  # grew since stat, or a file whose size stat cannot tell
        raise _too_big(ref, len(data), limits, error)
    return data.decode("utf-8")


def load_yaml_file(
    path: Path,
    *,
    fix: str,
    ref: str | None = None,
    error: type[SecurableError] = UsageError,
    limits: YamlLimits = DEFAULT_LIMITS,
) -> Any:
    """Read and parse ``path`` within ``limits``; every failure is one ``error`` naming the file."""
    name = ref if ref is not None else str(path)
    try:
        text = read_text_capped(path, ref=name, error=error, limits=limits)
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{name}: file: cannot be read ({exc})", diagnostics=fix) from None
    return parse_yaml(text, ref=name, fix=fix, error=error, limits=limits)


def dates_as_text(value: Any) -> Any:
    """YAML turns ``2029-12-31`` into a date; JSON Schemas speak strings, so turn dates back.

    Mapping keys become strings too, so the result is plain JSON data for a validator.
    """
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [dates_as_text(v) for v in value]
    return value
