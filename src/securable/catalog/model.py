"""Typed, frozen models of the requirement catalog.

The catalog is data (YAML files shipped in ``securable/catalog/data``); these models are what
the rest of securable sees. They are frozen so that a loaded catalog can be shared freely
between checks running in parallel.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Level(StrEnum):
    """How strongly the source states an item: ``shall`` (M), ``should`` (R) or neither."""

    SHALL = "shall"
    SHOULD = "should"
    INFORMATIVE = "informative"


class Kind(StrEnum):
    """``group`` items hold others (a capability, a clause); ``requirement`` items are assessed;
    ``informative`` items are context that no verdict attaches to (NIST IR 8562 takeaways)."""

    GROUP = "group"
    REQUIREMENT = "requirement"
    INFORMATIVE = "informative"


class Confidence(StrEnum):
    """``source``: checked against the publication or a near-verbatim transcription of it.
    ``derived``: securable's reading, to be confirmed against the publication."""

    SOURCE = "source"
    DERIVED = "derived"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Framework(_Frozen):
    """One source document: NIST IR 8425, ETSI EN 303 645 V2.1.1, Regulation (EU) 2024/2847…"""

    key: str
    title: str
    publisher: str
    version: str
    published: str
    document: str
    url: str = ""
    kind: str = "requirements"  # "requirements" or "informative"
    note: str = ""


class Item(_Frozen):
    """One numbered item of a framework, as its source numbers it.

    ``id`` is the full stable identifier ``<framework>:<item>`` that reports and checks cite.
    ``text`` is securable's paraphrase, never the source's own sentence.
    """

    id: str
    framework: str
    local_id: str
    title: str
    text: str
    parent: str | None = None
    kind: Kind = Kind.REQUIREMENT
    level: Level = Level.SHALL
    conditional: bool = False
    condition: str = ""
    source: str = ""
    confidence: Confidence = Confidence.DERIVED
    note: str = ""

    @property
    def level_label(self) -> str:
        """``M``, ``R``, ``M C``, ``R C`` (EN 303 645 Annex B style) or ``-``."""
        base = {Level.SHALL: "M", Level.SHOULD: "R", Level.INFORMATIVE: "-"}[self.level]
        return f"{base} C" if self.conditional else base


class Relation(StrEnum):
    """How a crosswalk row relates two items."""

    EQUIVALENT = "equivalent"
    RELATED = "related"
    SUBSET = "subset"  # the source item is narrower than the target
    SUPERSET = "superset"


class Mapping(_Frozen):
    """One crosswalk row between two items of different frameworks."""

    source_id: str
    target_id: str
    relation: Relation = Relation.RELATED
    confidence: Confidence = Confidence.DERIVED
    reference: str = ""  # the published mapping this row comes from, or why it is derived
    file: str = Field(default="", exclude=True)

    def reversed(self) -> Mapping:
        """The same row read from the other side (``subset`` becomes ``superset``)."""
        flip = {Relation.SUBSET: Relation.SUPERSET, Relation.SUPERSET: Relation.SUBSET}
        return Mapping(
            source_id=self.target_id,
            target_id=self.source_id,
            relation=flip.get(self.relation, self.relation),
            confidence=self.confidence,
            reference=self.reference,
            file=self.file,
        )


class Tailoring(_Frozen):
    """One change a tailored profile makes to its base, and why (NIST IR 8259C / 8562 sense)."""

    action: str  # "add" or "drop"
    items: tuple[str, ...]
    reason: str


class Profile(_Frozen):
    """A selection of catalog items to assess against, optionally tailored from another profile."""

    key: str
    title: str
    description: str
    context: str = ""  # consumer / industrial / medical / federal for context profiles
    base: str | None = None
    frameworks: tuple[str, ...] = ()  # every assessable item of these frameworks
    include: tuple[str, ...] = ()  # extra item IDs (with their descendants)
    tailoring: tuple[Tailoring, ...] = ()
    item_ids: tuple[str, ...] = ()  # resolved by the loader: the profile's items, in catalog order
