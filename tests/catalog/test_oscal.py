"""OSCAL export validates against compliance-trestle's models (generated from NIST's OSCAL schema)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from trestle.oscal.catalog import Catalog as OscalCatalog
from trestle.oscal.profile import Profile as OscalProfile

from securable.catalog import Kind, load_catalog
from securable.catalog.oscal import catalog_document, oscal_id, profile_document, write_oscal

FIXED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _walk(controls: list[OscalControl]) -> list[OscalControl]:  # type: ignore[name-defined]
    out = []
    for control in controls:
        out.append(control)
        out.extend(_walk(control.controls or []))
    return out


OscalControl = object  # for the annotation above; trestle's Control type is read dynamically


@pytest.fixture(scope="module")
def oscal_catalog() -> OscalCatalog:
    doc = catalog_document(load_catalog(), now=FIXED)
    return OscalCatalog.model_validate(doc["catalog"])


def test_catalog_validates_and_holds_every_item(oscal_catalog: OscalCatalog) -> None:
    cat = load_catalog()
    groups = {g.id: g for g in oscal_catalog.groups or []}
    assert set(groups) == set(cat.frameworks)
    controls = [c for g in groups.values() for c in _walk(g.controls or [])]
    assert {c.id for c in controls} == {oscal_id(i.id) for i in cat.items()}
    by_id = {c.id: c for c in controls}
    control = by_id[oscal_id("nistir8425:IAC-1b")]
    props = {p.name: p.value for p in control.props or []}
    assert props["label"] == "nistir8425:IAC-1b"
    assert props["level"] in {"shall", "should"}
    assert props["confidence"] in {"source", "derived"}
    assert control.parts and control.parts[0].name == "statement"


def test_crosswalk_links_point_at_existing_controls(oscal_catalog: OscalCatalog) -> None:
    controls = {c.id: c for g in oscal_catalog.groups or [] for c in _walk(g.controls or [])}
    links = [link.href for c in controls.values() for link in c.links or []]
    assert links, "crosswalks must be exported as links"
    for href in links:
        assert href.startswith("#") and href[1:] in controls, href
    dp2 = {link.href for link in controls[oscal_id("nistir8425:DP-2")].links or []}
    assert any(h.startswith("#en303645_") for h in dp2)
    assert any(h.startswith("#cra_") for h in dp2)


def test_every_profile_validates_and_selects_known_controls(oscal_catalog: OscalCatalog) -> None:
    cat = load_catalog()
    known = {c.id for g in oscal_catalog.groups or [] for c in _walk(g.controls or [])}
    for key, profile in cat.profiles.items():
        doc = profile_document(cat, key, now=FIXED)
        parsed = OscalProfile.model_validate(doc["profile"])
        with_ids = parsed.imports[0].include_controls[0].with_ids  # type: ignore[index]
        ids = [w.root if hasattr(w, "root") else str(w) for w in with_ids]
        assert ids and set(ids) <= known
        assert len(ids) == len(profile.item_ids)
        assert all(cat.item(i).kind is Kind.REQUIREMENT for i in profile.item_ids)


def test_write_oscal_writes_reproducible_json(tmp_path: Path) -> None:
    cat = load_catalog()
    first = write_oscal(cat, "nistir8425", tmp_path / "a", now=FIXED)
    second = write_oscal(cat, "nistir8425", tmp_path / "b", now=FIXED)
    assert [p.name for p in first] == ["securable-catalog.json", "securable-profile-nistir8425.json"]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
        json.loads(a.read_text())
