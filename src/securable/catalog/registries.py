"""Public registries a labelled product is listed in, as data: today the FCC IoT Registry.

A label program's registry is not a list of requirements to assess but a list of facts the
manufacturer publishes per product, so it lives beside the frameworks rather than among them
(``data/registries/<key>.yaml``). The portal's product page and ``product.json`` are built from it,
so the fields shown and the rule they come from change in one place.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from securable.catalog.loader import DATA_DIR, _fail, _pydantic_problem, _read_yaml
from securable.catalog.model import Confidence

__all__ = ["Registry", "RegistryElement", "fcc_iot_registry", "load_registry"]


class RegistryElement(BaseModel):
    """One numbered element of the rule; ``keys`` are the ``product.json`` fields that carry it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1)
    title: str = Field(min_length=1)
    keys: tuple[str, ...] = Field(min_length=1)


class Registry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    title: str
    rule: str
    source: str
    confidence: Confidence
    note: str = ""
    elements: tuple[RegistryElement, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """Every ``product.json`` field of the registry, in the rule's order."""
        return tuple(k for element in self.elements for k in element.keys)

    def element_of(self, key: str) -> RegistryElement:
        return next(e for e in self.elements if key in e.keys)


def load_registry(file: Path) -> Registry:
    """Read and validate one registry file; a mistake is a CatalogDataError naming the file."""
    data = _read_yaml(file)
    try:
        registry = Registry.model_validate({**data.get("registry", {}), "elements": data.get("elements", [])})
    except ValidationError as exc:
        raise _fail(file, "registry", _pydantic_problem(exc)) from None
    numbers = [e.number for e in registry.elements]
    if numbers != sorted(set(numbers)):
        raise _fail(file, "elements", "numbers must be unique and in the rule's order")
    if len(registry.keys) != len(set(registry.keys)):
        raise _fail(file, "elements", "a product.json field belongs to one element only")
    return registry


@cache
def fcc_iot_registry() -> Registry:
    """The FCC IoT Registry's elements (47 CFR § 8.222(b), 2024 rule)."""
    return load_registry(DATA_DIR / "registries" / "fcc-iot-registry.yaml")
