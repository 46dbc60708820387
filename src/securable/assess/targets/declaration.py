"""The declaration target: the manufacturer's ``product.yaml`` conformance statement.

It plays the part that ETSI TS 103 701 gives to the ICS (per requirement: implemented or not
applicable, with a justification) and the IXIT (structured facts the assessor tests against:
interfaces, services, support period, update policy, disclosure contact). The format is
``securable/product/v1``, defined by ``securable/assess/data/product.schema.json``; a commented
example ships as ``examples/product.yaml``.

Structural problems (wrong types, unknown fields, a malformed date) are rejected here with one line
naming the field. Missing *content* (no support period, no disclosure contact) is not an input
error: the declaration checks report it as a failing finding, because that is an assessment result.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from securable._yaml import dates_as_text, parse_yaml, read_text_capped
from securable.assess.facts._memo import fact
from securable.assess.model import TargetKind
from securable.assess.targets.components import Component, Connection, read_components, read_connections
from securable.errors import DeclarationError

__all__ = [
    "CollectedData",
    "Component",
    "Connection",
    "Declaration",
    "DeclaredService",
    "RequirementStatement",
    "SupportPeriod",
    "load_schema",
    "month_end",
]

SCHEMA_ID = "securable/product/v1"
_FIX = "correct product.yaml (see examples/product.yaml for every field, with comments)"


@cache
def load_schema() -> dict[str, Any]:
    """The JSON Schema of ``product.yaml`` (package data)."""
    text = resources.files("securable.assess").joinpath("data/product.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def month_end(value: str) -> dt.date:
    """The last day a ``YYYY-MM`` (or the day a ``YYYY-MM-DD``) denotes."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        return dt.date(parts[0], parts[1], parts[2])
    return dt.date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])


@dataclass(frozen=True)
class RequirementStatement:
    """One row of the ICS: the manufacturer's statement about one requirement."""

    id: str
    status: str  # implemented | not_applicable | not_implemented
    justification: str = ""
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeclaredService:
    """One entry of ``services:``: a software service the manufacturer says runs on the device."""

    name: str
    port: int | None = None
    protocol: str = ""
    start_at_boot: bool | None = None  # None: the declaration does not say
    purpose: str = ""


@dataclass(frozen=True)
class SupportPeriod:
    """The ``support:`` section with its months read as dates (``None`` where not declared).

    ``end`` is the last day of the declared end month; ``end_text``/``start_text`` keep the
    manufacturer's own spelling (``2031-03``) for messages and evidence.
    """

    end: dt.date | None = None
    start: dt.date | None = None
    end_text: str = ""
    start_text: str = ""
    statement_url: str = ""


@dataclass(frozen=True)
class CollectedData:
    """One entry of ``data_collected:``: a kind of data the product keeps."""

    name: str
    personal: bool = False


@dataclass(frozen=True)
class Declaration:
    """A validated ``product.yaml``. Sections are kept as plain mappings (already schema-checked)."""

    ref: str
    data: Mapping[str, Any]
    statements: Mapping[str, RequirementStatement] = field(default_factory=dict)
    # where relative component paths (firmware, app package) are resolved; None: as given
    base: Path | None = None

    kind = TargetKind.DECLARATION

    @classmethod
    def load(cls, path: str | Path) -> Declaration:
        """Read and validate ``path``; raises :class:`DeclarationError` naming the field and the fix."""
        source = Path(path)
        if source.exists() and not source.is_file():
            raise DeclarationError(
                f"declaration '{source}' is not a regular file", diagnostics="give the path of product.yaml"
            )
        try:
            text = read_text_capped(source, ref=str(source), error=DeclarationError)
        except FileNotFoundError:
            raise DeclarationError(
                f"declaration '{source}' does not exist", diagnostics="check the path given to --manifest"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise DeclarationError(
                f"declaration '{source}' cannot be read ({exc})", diagnostics=_FIX
            ) from None
        return cls.from_text(text, ref=str(source), base=source.resolve().parent)

    @classmethod
    def from_text(cls, text: str, *, ref: str = "product.yaml", base: Path | None = None) -> Declaration:
        """Parse ``text`` within the safe loader's limits (size, nesting, alias expansion)."""
        raw = parse_yaml(text, ref=ref, fix=_FIX, error=DeclarationError)
        return cls.from_mapping(raw, ref=ref, base=base)

    @classmethod
    def from_mapping(cls, raw: Any, *, ref: str = "product.yaml", base: Path | None = None) -> Declaration:
        data = dates_as_text(raw)
        if not isinstance(data, dict):
            raise DeclarationError(f"{ref}: the top level must be a mapping", diagnostics=_FIX)
        if data.get("schema") != SCHEMA_ID:
            raise DeclarationError(
                f"{ref}: field 'schema' must be '{SCHEMA_ID}' (found {data.get('schema')!r})",
                diagnostics=f"add `schema: {SCHEMA_ID}` as the first line",
            )
        error = best_match(Draft202012Validator(load_schema()).iter_errors(data))
        if error is not None:
            where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
            raise DeclarationError(f"{ref}: field '{where}': {error.message}", diagnostics=_FIX)
        for key in ("support",):
            section = data.get(key) or {}
            for name in ("start", "end"):
                if name in section:
                    try:
                        month_end(section[name])
                    except ValueError:
                        raise DeclarationError(
                            f"{ref}: field '{key}.{name}': {section[name]!r} is not a real date",
                            diagnostics=_FIX,
                        ) from None
        statements = {
            req_id: RequirementStatement(
                id=req_id,
                status=row["status"],
                justification=str(row.get("justification", "")).strip(),
                evidence=tuple(row.get("evidence", ())),
            )
            for req_id, row in (data.get("requirements") or {}).items()
        }
        declaration = cls(ref=ref, data=data, statements=statements, base=base)
        _ = declaration.connections  # a dangling name, a duplicate or a self-loop: exit 2 now
        return declaration

    # --- typed accessors --------------------------------------------------------------------

    def section(self, name: str) -> Mapping[str, Any]:
        value = self.data.get(name)
        return value if isinstance(value, dict) else {}

    def items(self, name: str) -> list[Mapping[str, Any]]:
        value = self.data.get(name)
        return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []

    @property
    def product_name(self) -> str:
        return str(self.section("product").get("name", ""))

    @property
    def context(self) -> str:
        return str(self.data.get("context", "consumer"))

    # --- facts several checks read (computed once per declaration) ----------------------------

    @fact
    def documentation(self) -> Mapping[str, str]:
        """``documentation:`` as name → link text (every value a string)."""
        return {str(k): str(v) for k, v in self.section("documentation").items()}

    @fact
    def services(self) -> tuple[DeclaredService, ...]:
        """The declared ``services:``, in the order written (read by the boot and host cross-checks)."""
        return tuple(
            DeclaredService(
                name=str(row.get("name", "")),
                port=port if isinstance(port := row.get("port"), int) else None,
                protocol=str(row.get("protocol", "")),
                start_at_boot=boot if isinstance(boot := row.get("start_at_boot"), bool) else None,
                purpose=str(row.get("purpose", "")),
            )
            for row in self.items("services")
        )

    @fact
    def support(self) -> SupportPeriod:
        """The support period with its months as dates (already validated in :meth:`from_mapping`)."""
        section = self.section("support")
        end, start = section.get("end"), section.get("start")
        return SupportPeriod(
            end=month_end(end) if isinstance(end, str) else None,
            start=month_end(start) if isinstance(start, str) else None,
            end_text=end if isinstance(end, str) else "",
            start_text=start if isinstance(start, str) else "",
            statement_url=str(section.get("statement_url", "")),
        )

    @fact
    def data_collected(self) -> tuple[CollectedData, ...]:
        """The declared ``data_collected:`` entries (``personal`` is false unless stated)."""
        return tuple(
            CollectedData(name=str(row.get("name", "")), personal=row.get("personal") is True)
            for row in self.items("data_collected")
        )

    @fact
    def components(self) -> tuple[Component, ...]:
        """The product's components; one implied device when the declaration names none."""
        return read_components(
            self.items("components"), product_name=self.product_name, ref=self.ref, base=self.base
        )

    @fact
    def connections(self) -> tuple[Connection, ...]:
        """The declared connections between components (names checked against the components)."""
        return read_connections(self.items("connections"), self.components, ref=self.ref)

    def component(self, name: str) -> Component | None:
        return next((c for c in self.components if c.name == name), None)

    def implemented_evidence(self, req_id: str) -> tuple[str, ...]:
        """The evidence links of ``req_id`` when it is declared ``implemented``, else ``()``."""
        statement = self.statements.get(req_id)
        if statement is None or statement.status != "implemented":
            return ()
        return statement.evidence
