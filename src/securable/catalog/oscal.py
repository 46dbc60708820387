"""OSCAL export of the catalog (one OSCAL catalog, all frameworks) and of a profile.

Why OSCAL: test labs and GRC tools (compliance-trestle, OSCAL viewers) exchange control catalogs
in it, so a lab can import securable's requirements and crosswalks without our Python.

Mapping: a group per framework, a control per item (nested under its parent), the paraphrase as
a ``statement`` part, level/kind/confidence as props in securable's namespace, the securable ID as
the standard ``label`` prop, and crosswalk rows as ``related`` links. IDs are ``<framework>_<item>``
because OSCAL tokens cannot hold ``:``. UUIDs are name-based (v5) so exports are reproducible.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from securable.catalog.catalog import Catalog
from securable.catalog.model import Item

OSCAL_VERSION = "1.1.2"
NS = "urn:securable:oscal"
_UUID_NS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:securable:catalog")
CATALOG_FILE = "securable-catalog.json"


def oscal_id(item_id: str) -> str:
    """``nistir8425:IAC-1b`` → ``nistir8425_IAC-1b`` (an OSCAL token)."""
    return item_id.replace(":", "_")


def _uuid(name: str) -> str:
    return str(uuid.uuid5(_UUID_NS, name))


def _timestamp(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "ns": NS, "value": value}


def _metadata(title: str, now: datetime | None, version: str) -> dict[str, Any]:
    return {
        "title": title,
        "last-modified": _timestamp(now),
        "version": version,
        "oscal-version": OSCAL_VERSION,
    }


def _control(cat: Catalog, item: Item) -> dict[str, Any]:
    props = [
        {"name": "label", "value": item.id},
        _prop("kind", item.kind.value),
        _prop("level", item.level.value),
        _prop("confidence", item.confidence.value),
    ]
    if item.conditional:
        props.append(_prop("conditional", "true"))
    if item.source:
        props.append(_prop("source-reference", item.source))
    control: dict[str, Any] = {
        "id": oscal_id(item.id),
        "class": item.kind.value,
        "title": item.title,
        "props": props,
        "parts": [{"id": f"{oscal_id(item.id)}_smt", "name": "statement", "prose": item.text}],
    }
    if item.condition:
        control["parts"].append(
            {
                "id": f"{oscal_id(item.id)}_cond",
                "name": "guidance",
                "title": "Condition",
                "prose": item.condition,
            }
        )
    links = [
        {
            "href": f"#{oscal_id(m.target_id)}",
            "rel": "related",
            "text": f"{m.relation.value}, {m.confidence.value}",
        }
        for m in cat.mappings(item.id)
    ]
    if links:
        control["links"] = links
    children = [_control(cat, child) for child in cat.children(item.id)]
    if children:
        control["controls"] = children
    return control


def catalog_document(cat: Catalog, *, version: str = "0.1.0", now: datetime | None = None) -> dict[str, Any]:
    """The whole catalog as an OSCAL ``catalog`` document (a Python dict ready for JSON)."""
    groups = []
    resources = []
    for key, fw in cat.frameworks.items():
        roots = [i for i in cat.items(key) if i.parent is None]
        resource_uuid = _uuid(f"resource:{key}")
        groups.append(
            {
                "id": key,
                "class": "framework",
                "title": f"{fw.document} — {fw.title}",
                "props": [_prop("framework-kind", fw.kind), _prop("source-version", fw.version)],
                "links": [{"href": f"#{resource_uuid}", "rel": "reference"}],
                "controls": [_control(cat, r) for r in roots],
            }
        )
        resource: dict[str, Any] = {
            "uuid": resource_uuid,
            "title": fw.document,
            "citation": {"text": f"{fw.publisher}, {fw.document}: {fw.title} ({fw.version}, {fw.published})"},
        }
        if fw.url:
            resource["rlinks"] = [{"href": fw.url}]
        resources.append(resource)
    return {
        "catalog": {
            "uuid": _uuid("catalog"),
            "metadata": _metadata("securable requirement catalog", now, version)
            | {
                "remarks": "Requirement texts are paraphrases by securable, not the sources' wording; "
                "each control's confidence prop says whether it was checked against the source."
            },
            "groups": groups,
            "back-matter": {"resources": resources},
        }
    }


def profile_document(
    cat: Catalog, key: str, *, version: str = "0.1.0", now: datetime | None = None
) -> dict[str, Any]:
    """One securable profile as an OSCAL ``profile`` importing the exported catalog."""
    profile = cat.profile(key)
    metadata = _metadata(profile.title, now, version)
    props = [_prop("securable-profile", profile.key)]
    if profile.context:
        props.append(_prop("context", profile.context))
    if profile.base:
        props.append(_prop("tailored-from", profile.base))
    metadata["props"] = props
    remarks = [profile.description]
    remarks.extend(f"{t.action} {', '.join(t.items)}: {t.reason}" for t in profile.tailoring)
    metadata["remarks"] = "\n\n".join(remarks)
    return {
        "profile": {
            "uuid": _uuid(f"profile:{key}"),
            "metadata": metadata,
            "imports": [
                {
                    "href": CATALOG_FILE,
                    "include-controls": [{"with-ids": [oscal_id(i) for i in profile.item_ids]}],
                }
            ],
            "merge": {"as-is": True},
        }
    }


def write_oscal(cat: Catalog, profile: str, out: Path, *, now: datetime | None = None) -> list[Path]:
    """Write the catalog and the profile into ``out``; returns the written paths."""
    out.mkdir(parents=True, exist_ok=True)
    catalog_path = out / CATALOG_FILE
    profile_path = out / f"securable-profile-{profile}.json"
    catalog_path.write_text(json.dumps(catalog_document(cat, now=now), indent=2, ensure_ascii=False) + "\n")
    profile_path.write_text(
        json.dumps(profile_document(cat, profile, now=now), indent=2, ensure_ascii=False) + "\n"
    )
    return [catalog_path, profile_path]
