"""The loaded catalog: items by ID, their tree, crosswalks in both directions, and profiles."""

from __future__ import annotations

import difflib
from collections import defaultdict
from functools import cache
from pathlib import Path

from securable.catalog.evidence import load_check_evidence
from securable.catalog.loader import DATA_DIR, load_crosswalk, load_framework, load_profiles
from securable.catalog.model import Framework, Item, Kind, Mapping, Profile
from securable.errors import CatalogDataError, UnknownRequirementError

DEFAULT_PROFILE = "nistir8425"
#: The command that lists each kind of ID, named in "unknown ID" errors.
_LISTED_BY = {
    "requirement": "securable catalog list",
    "framework": "securable catalog frameworks",
    "profile": "securable catalog profiles",
}


class Catalog:
    """Read-only view over every framework, crosswalk and profile securable knows.

    Build it with :func:`load_catalog`; the instance is immutable after construction, so it is
    safe to share between threads.
    """

    def __init__(
        self,
        frameworks: dict[str, Framework],
        items: list[Item],
        mappings: list[Mapping],
        profiles: dict[str, Profile],
    ) -> None:
        self.frameworks = dict(frameworks)
        self._items = {i.id: i for i in items}
        self._children: dict[str, list[str]] = defaultdict(list)
        for item in items:
            if item.parent is not None:
                self._children[item.parent].append(item.id)
        self._mappings: dict[str, list[Mapping]] = defaultdict(list)
        for row in mappings:
            self._mappings[row.source_id].append(row)
            self._mappings[row.target_id].append(row.reversed())
        self.profiles = dict(profiles)

    # --- items ------------------------------------------------------------------------------

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def __len__(self) -> int:
        return len(self._items)

    def item(self, item_id: str) -> Item:
        """The item with this full ID; an unknown ID raises with the closest known IDs."""
        try:
            return self._items[item_id]
        except KeyError:
            raise self._unknown("requirement", item_id, list(self._items)) from None

    def items(self, framework: str | None = None, *, kind: Kind | None = None) -> list[Item]:
        """Items in catalog order, optionally of one framework and/or one kind."""
        if framework is not None:
            self.framework(framework)
        return [
            i
            for i in self._items.values()
            if (framework is None or i.framework == framework) and (kind is None or i.kind is kind)
        ]

    def framework(self, key: str) -> Framework:
        try:
            return self.frameworks[key]
        except KeyError:
            raise self._unknown("framework", key, list(self.frameworks)) from None

    def children(self, item_id: str) -> list[Item]:
        self.item(item_id)
        return [self._items[c] for c in self._children.get(item_id, [])]

    def ancestors(self, item_id: str) -> list[Item]:
        """Parent first, root last."""
        out: list[Item] = []
        parent = self.item(item_id).parent
        while parent is not None:
            out.append(self._items[parent])
            parent = self._items[parent].parent
        return out

    def descendants(self, item_id: str) -> list[Item]:
        out: list[Item] = []
        for child in self.children(item_id):
            out.append(child)
            out.extend(self.descendants(child.id))
        return out

    def evidencing_checks(self, item_id: str) -> list[tuple[str, str]]:
        """``(check id, how)`` for every check whose findings cite this item or one below it.

        ``how`` is ``cites`` (primary framework), ``also`` (reached through a crosswalk) or
        ``direct`` (a justified extra citation), from ``data/check-evidence.yaml``.
        """
        wanted = {item_id, *(d.id for d in self.descendants(item_id))}
        out: list[tuple[str, str]] = []
        for check, entry in load_check_evidence().items():
            for how, ids in (
                ("cites", entry.cites),
                ("also", entry.also),
                ("direct", tuple(i for i, _w in entry.direct)),
            ):
                if wanted.intersection(ids):
                    out.append((check, how))
                    break
        return out

    # --- crosswalks -------------------------------------------------------------------------

    def mappings(self, item_id: str, *, to: str | None = None) -> list[Mapping]:
        """Crosswalk rows from this item (read in either direction), optionally into one framework."""
        self.item(item_id)
        if to is not None:
            self.framework(to)
        rows = self._mappings.get(item_id, [])
        return [r for r in rows if to is None or self._items[r.target_id].framework == to]

    def mapped_ids(self, item_id: str, *, to: str | None = None) -> list[str]:
        """Distinct target IDs of :meth:`mappings`, in catalog order."""
        order = {k: n for n, k in enumerate(self._items)}
        return sorted({r.target_id for r in self.mappings(item_id, to=to)}, key=order.__getitem__)

    # --- profiles ---------------------------------------------------------------------------

    def profile(self, key: str = DEFAULT_PROFILE) -> Profile:
        try:
            return self.profiles[key]
        except KeyError:
            raise self._unknown("profile", key, list(self.profiles)) from None

    def profile_items(self, key: str = DEFAULT_PROFILE) -> list[Item]:
        return [self._items[i] for i in self.profile(key).item_ids]

    # --- helpers ----------------------------------------------------------------------------

    def suggest(self, wrong: str, candidates: list[str] | None = None, n: int = 3) -> list[str]:
        """The closest known IDs to a mistyped one (case-insensitive)."""
        pool = candidates if candidates is not None else list(self._items)
        lowered = {c.lower(): c for c in pool}
        hits = difflib.get_close_matches(wrong.lower(), list(lowered), n=n, cutoff=0.5)
        return [lowered[h] for h in hits]

    def _unknown(self, what: str, wrong: str, pool: list[str]) -> UnknownRequirementError:
        close = self.suggest(wrong, pool)
        hint = f"did you mean {', '.join(close)}?" if close else f"`{_LISTED_BY[what]}` lists the {what} IDs"
        return UnknownRequirementError(f"unknown {what} '{wrong}'", diagnostics=hint)


def build_catalog(data_dir: Path) -> Catalog:
    """Load and validate every data file under ``data_dir`` (see :mod:`securable.catalog.loader`)."""
    fw_dir = data_dir / "frameworks"
    files = sorted(fw_dir.glob("*.yaml"))
    if not files:
        raise CatalogDataError(
            f"{fw_dir}: no framework files found",
            diagnostics="reinstall securable; its package data is missing",
        )
    frameworks: dict[str, Framework] = {}
    items: list[Item] = []
    for file in files:
        framework, fw_items = load_framework(file)
        frameworks[framework.key] = framework
        items.extend(fw_items)
    by_id = {i.id: i for i in items}
    mappings: list[Mapping] = []
    for file in sorted((data_dir / "crosswalks").glob("*.yaml")):
        mappings.extend(load_crosswalk(file, by_id))
    children: dict[str, list[str]] = defaultdict(list)
    for item in items:
        if item.parent is not None:
            children[item.parent].append(item.id)
    profiles = load_profiles(data_dir / "profiles", by_id, children)
    return Catalog(frameworks, items, mappings, profiles)


@cache
def load_catalog(data_dir: Path | None = None) -> Catalog:
    """The catalog from securable's package data (or another data folder), loaded once."""
    return build_catalog(data_dir or DATA_DIR)
