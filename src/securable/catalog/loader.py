"""Load and validate the catalog's package data.

Layout of ``securable/catalog/data``::

    frameworks/<key>.yaml     one file per framework: a ``framework`` header and its ``items``
    crosswalks/<a>--<b>.yaml  mapping rows between two frameworks
    profiles/<key>.yaml       profiles: a selection of items, optionally tailored from a base

Every problem is reported as one :class:`~securable.errors.CatalogDataError` naming the file,
the item and what is wrong, because a broken data file is an editing mistake someone must find.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping as MappingT
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from securable.catalog.model import Framework, Item, Kind, Mapping, Profile, Tailoring
from securable.errors import CatalogDataError

DATA_DIR = Path(__file__).parent / "data"
#: libyaml's safe loader parses the package data >10x faster than the pure-Python one; it is
#: what keeps ``securable catalog list`` quick to start. Same safe subset of YAML either way.
_SAFE_LOADER = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
_FIX = "correct the catalog data file and run `securable catalog list` again"


def _fail(file: Path, where: str, problem: str) -> CatalogDataError:
    return CatalogDataError(f"{file.name}: {where}: {problem}", diagnostics=_FIX)


def _read_yaml(file: Path) -> dict[str, Any]:
    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506 (safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        raise _fail(file, where, f"not valid YAML ({getattr(exc, 'problem', exc)})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(file, "file", f"cannot be read ({exc})") from None
    if not isinstance(data, dict):
        raise _fail(file, "file", "top level must be a mapping")
    return data


def _pydantic_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    return f"field '{loc}': {err['msg']}" if loc else err["msg"]


def load_framework(file: Path) -> tuple[Framework, list[Item]]:
    """Read one framework file into its header and items (IDs made full, parents checked)."""
    data = _read_yaml(file)
    header = data.get("framework")
    if not isinstance(header, dict):
        raise _fail(file, "framework", "missing the 'framework' header mapping")
    try:
        framework = Framework(**header)
    except (ValidationError, TypeError) as exc:
        problem = _pydantic_problem(exc) if isinstance(exc, ValidationError) else str(exc)
        raise _fail(file, "framework", problem) from None
    if file.stem != framework.key:
        raise _fail(file, "framework", f"key '{framework.key}' does not match the file name")
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise _fail(file, "items", "missing or empty 'items' list")

    items: list[Item] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_items):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str | int | float):
            raise _fail(file, f"item #{index + 1}", "each item must be a mapping with an 'id'")
        local = str(raw["id"])
        where = f"item {framework.key}:{local}"
        if ":" in local or not local.strip():
            raise _fail(file, where, "'id' is the item's own number, without the framework prefix")
        if local in seen:
            raise _fail(file, where, "duplicate id")
        parent = raw.get("parent")
        if parent is not None and str(parent) not in seen:
            raise _fail(file, where, f"parent '{parent}' is not an earlier item of this framework")
        fields = {k: v for k, v in raw.items() if k not in {"id", "parent"}}
        try:
            item = Item(
                id=f"{framework.key}:{local}",
                framework=framework.key,
                local_id=local,
                parent=f"{framework.key}:{parent}" if parent is not None else None,
                **fields,
            )
        except ValidationError as exc:
            raise _fail(file, where, _pydantic_problem(exc)) from None
        if not item.text.strip() or not item.title.strip():
            raise _fail(file, where, "'title' and 'text' must not be empty")
        seen.add(local)
        items.append(item)
    return framework, items


def load_crosswalk(file: Path, known: MappingT[str, Item]) -> list[Mapping]:
    """Read one crosswalk file; every row's two ends must be known items of different frameworks."""
    data = _read_yaml(file)
    header = data.get("crosswalk") or {}
    default_conf = header.get("confidence", "derived")
    default_ref = header.get("reference", "")
    rows = data.get("rows")
    if not isinstance(rows, list) or not rows:
        raise _fail(file, "rows", "missing or empty 'rows' list")
    out: list[Mapping] = []
    for index, row in enumerate(rows):
        where = f"row #{index + 1}"
        if not isinstance(row, dict) or "from" not in row or "to" not in row:
            raise _fail(file, where, "each row needs 'from' and 'to'")
        source = str(row["from"])
        targets = row["to"] if isinstance(row["to"], list) else [row["to"]]
        where = f"row #{index + 1} ({source})"
        if source not in known:
            raise _fail(file, where, f"'from' item '{source}' does not exist in the catalog")
        for target in map(str, targets):
            if target not in known:
                raise _fail(file, where, f"'to' item '{target}' does not exist in the catalog")
            if known[target].framework == known[source].framework:
                raise _fail(file, where, f"'{target}' is in the same framework as '{source}'")
            try:
                out.append(
                    Mapping(
                        source_id=source,
                        target_id=target,
                        relation=row.get("relation", "related"),
                        confidence=row.get("confidence", default_conf),
                        reference=row.get("reference", default_ref),
                        file=file.name,
                    )
                )
            except ValidationError as exc:
                raise _fail(file, where, _pydantic_problem(exc)) from None
    return out


def _with_descendants(ids: Iterable[str], children: MappingT[str, list[str]]) -> list[str]:
    out: list[str] = []
    stack = list(ids)[::-1]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(children.get(current, [])))
    return out


def load_profiles(
    directory: Path, items: MappingT[str, Item], children: MappingT[str, list[str]]
) -> dict[str, Profile]:
    """Read every profile and resolve its item list (base, frameworks, include, tailoring)."""
    raw: dict[str, tuple[Path, dict[str, Any]]] = {}
    for file in sorted(directory.glob("*.yaml")):
        data = _read_yaml(file)
        key = str(data.get("key", ""))
        if key != file.stem:
            raise _fail(file, "profile", f"key '{key}' does not match the file name")
        raw[key] = (file, data)

    order = {item_id: n for n, item_id in enumerate(items)}
    resolved: dict[str, Profile] = {}

    def resolve(key: str, chain: tuple[str, ...]) -> Profile:
        if key in resolved:
            return resolved[key]
        file, data = raw[key]
        if key in chain:
            raise _fail(file, f"profile {key}", f"base chain loops: {' -> '.join((*chain, key))}")
        selected: list[str] = []
        base = data.get("base")
        if base is not None:
            if base not in raw:
                raise _fail(file, f"profile {key}", f"base profile '{base}' does not exist")
            selected.extend(resolve(base, (*chain, key)).item_ids)
        for fw in data.get("frameworks", []) or []:
            fw_items = [i.id for i in items.values() if i.framework == fw]
            if not fw_items:
                raise _fail(file, f"profile {key}", f"framework '{fw}' has no items in the catalog")
            selected.extend(i for i in fw_items if items[i].kind is Kind.REQUIREMENT)

        def assessable(ids: Iterable[str], where: str) -> list[str]:
            for item_id in ids:
                if item_id not in items:
                    raise _fail(file, f"profile {key}", f"{where} item '{item_id}' does not exist")
            return [i for i in _with_descendants(ids, children) if items[i].kind is Kind.REQUIREMENT]

        selected.extend(assessable(data.get("include", []) or [], "included"))
        tailoring: list[Tailoring] = []
        for n, change in enumerate(data.get("tailoring", []) or []):
            try:
                t = Tailoring(**change)
            except (ValidationError, TypeError) as exc:
                problem = _pydantic_problem(exc) if isinstance(exc, ValidationError) else str(exc)
                raise _fail(file, f"profile {key} tailoring #{n + 1}", problem) from None
            if t.action not in {"add", "drop"}:
                raise _fail(file, f"profile {key} tailoring #{n + 1}", "action must be 'add' or 'drop'")
            if not t.reason.strip():
                raise _fail(file, f"profile {key} tailoring #{n + 1}", "every tailoring needs a reason")
            ids = assessable(t.items, "tailored")
            if t.action == "add":
                selected.extend(ids)
            else:
                dropped = set(ids)
                selected = [i for i in selected if i not in dropped]
            tailoring.append(t)
        unique = sorted(set(selected), key=order.__getitem__)
        fields = {k: v for k, v in data.items() if k not in {"tailoring", "item_ids"}}
        try:
            profile = Profile(**fields, tailoring=tuple(tailoring), item_ids=tuple(unique))
        except (ValidationError, TypeError) as exc:
            problem = _pydantic_problem(exc) if isinstance(exc, ValidationError) else str(exc)
            raise _fail(file, f"profile {key}", problem) from None
        if not profile.item_ids:
            raise _fail(file, f"profile {key}", "selects no assessable items")
        resolved[key] = profile
        return profile

    for key in raw:
        resolve(key, ())
    return resolved
