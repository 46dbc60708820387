"""Requirements as versioned data: frameworks, items, crosswalks and profiles.

This half imports no other half of securable. Everything that cites a requirement — checks,
verdicts, reports, the portal — resolves it through :func:`load_catalog`.
"""

from securable.catalog.catalog import DEFAULT_PROFILE, Catalog, build_catalog, load_catalog
from securable.catalog.model import (
    Confidence,
    Framework,
    Item,
    Kind,
    Level,
    Mapping,
    Profile,
    Relation,
    Tailoring,
)
from securable.catalog.registries import Registry, RegistryElement, fcc_iot_registry

__all__ = [
    "DEFAULT_PROFILE",
    "Catalog",
    "Confidence",
    "Framework",
    "Item",
    "Kind",
    "Level",
    "Mapping",
    "Profile",
    "Registry",
    "RegistryElement",
    "Relation",
    "Tailoring",
    "build_catalog",
    "fcc_iot_registry",
    "load_catalog",
]
