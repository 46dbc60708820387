"""The requirement IDs the update capability claims exist in the catalog."""

from __future__ import annotations

from securable.catalog import load_catalog
from securable.device.update import REQUIREMENTS


def test_claimed_requirements_are_catalog_items() -> None:
    catalog = load_catalog()
    titles = {rid: catalog.item(rid).title for rid in REQUIREMENTS}
    assert titles["nistir8259a:SU-3"] and titles["nistir8425:SU-1"]
    assert len(set(REQUIREMENTS)) == len(REQUIREMENTS)
