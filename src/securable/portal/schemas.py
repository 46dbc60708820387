"""Input models of the JSON API (pydantic). Forms are converted into the same models, so both paths share
one set of limits and one validation."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SLUG = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
VERSION = r"^[A-Za-z0-9][A-Za-z0-9._+~-]{0,63}$"
Text = Field(default="", max_length=5000)
Url = Field(default="", max_length=500, pattern=r"^(https?://\S+)?$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReportIn(Strict):
    """A vulnerability report or security question from anyone (IR 8425 IQR-1a/1b)."""

    kind: Literal["vulnerability", "query"] = "vulnerability"
    title: str = Field(min_length=3, max_length=300)
    description: str = Field(min_length=10, max_length=20000)
    reporter_name: str = Field(default="", max_length=200)
    reporter_contact: str = Field(default="", max_length=300)
    product: str = Field(default="", max_length=64)
    affected_versions: str = Field(default="", max_length=300)
    impact: str = Text
    exploitation: str = Text
    suggested_mitigation: str = Text
    wants_credit: bool = False


class ReportReceipt(BaseModel):
    receipt: str
    status: str
    status_text: str
    received: str
    acknowledge_by: str
    next_update_by: str | None
    status_url: str


class ProductIn(Strict):
    slug: str = Field(pattern=SLUG)
    name: str = Field(min_length=1, max_length=200)
    model: str = Field(default="", max_length=200)
    description: str = Text
    manufacturer_name: str = Field(min_length=1, max_length=200)
    manufacturer_address: str = Field(default="", max_length=1000)
    manufacturer_email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    manufacturer_website: str = Url
    intended_purpose: str = Text
    security_properties: str = Text
    known_risks: str = Text
    support_end: dt.date
    support_type: str = Text
    updates_automatic: bool = True
    update_instructions: str = Text
    disable_auto_update: str = Text
    default_password_change: str = Text
    secure_setup: str = Text
    data_security_changes: str = Text
    disposal: str = Text
    integrator_info: str = Text
    security_capabilities: str = Text
    after_support: str = Text
    vulnerability_management: str = Text
    documentation_url: str = Url
    eu_doc_url: str = Url
    label_authorized_on: dt.date | None = None
    label_status: str = Field(default="", max_length=64)
    cla_name: str = Field(default="", max_length=200)
    cla_contact: str = Field(default="", max_length=500)
    cyberlab_name: str = Field(default="", max_length=200)
    cyberlab_contact: str = Field(default="", max_length=500)
    maintains_sbom: bool = False
    maintains_hbom: bool = False
    standards: str = Text


class ComponentIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    version: str = Field(default="", max_length=100)
    purl: str = Field(default="", max_length=500)
    supplier: str = Field(default="", max_length=200)


class VersionIn(Strict):
    version: str = Field(pattern=VERSION)
    released_on: dt.date | None = None
    components: list[ComponentIn] = Field(default_factory=list, max_length=5000)


class TransitionIn(Strict):
    to: Literal["triaged", "confirmed", "rejected", "fixed", "disclosed"]
    note: str = Field(default="", max_length=5000)
    public_note: str | None = Field(default=None, max_length=5000)


class ExploitedIn(Strict):
    aware_at: dt.datetime
    member_states: str = Field(default="", max_length=200)

    @field_validator("aware_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2026-11-28T10:00:00Z")
        return value


class SentIn(Strict):
    stage: Literal["early_warning", "notification", "final_report"]


class VulnerabilityIn(Strict):
    ident: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
    title: str = Field(min_length=3, max_length=300)
    description: str = Field(min_length=10, max_length=20000)
    cwe: str = Field(default="", max_length=16, pattern=r"^(CWE-[0-9]{1,6})?$")
    case_receipt: str = Field(default="", max_length=64)


class VexIn(Strict):
    vulnerability: str = Field(min_length=3, max_length=64)
    product: str = Field(pattern=SLUG)
    version: str = Field(pattern=VERSION)
    component: str = Field(default="", max_length=300, description="bom-ref of a component of that version")
    status: Literal["not_affected", "affected", "fixed", "under_investigation"]
    justification: Literal[
        "",
        "component_not_present",
        "vulnerable_code_not_present",
        "vulnerable_code_not_in_execute_path",
        "vulnerable_code_cannot_be_controlled_by_adversary",
        "inline_mitigations_already_exist",
    ] = ""
    impact_statement: str = Text
    action_statement: str = Text
    remediation: Literal["", "vendor_fix", "workaround", "mitigation", "no_fix_planned", "none_available"] = (
        ""
    )


class AdvisoryIn(Strict):
    title: str = Field(min_length=3, max_length=300)
    summary: str = Field(min_length=10, max_length=20000)
    vulnerabilities: list[str] = Field(min_length=1, max_length=100)
    profile: Literal["csaf_security_advisory", "csaf_vex"] = "csaf_security_advisory"
    case_receipt: str = Field(default="", max_length=64)


class AdvisoryEditIn(Strict):
    """A change to an advisory; a published one goes out with its next revision."""

    title: str = Field(min_length=3, max_length=300)
    summary: str = Field(min_length=10, max_length=20000)
    vulnerabilities: list[str] = Field(min_length=1, max_length=100)
    profile: Literal["csaf_security_advisory", "csaf_vex"] = "csaf_security_advisory"


class PublishIn(Strict):
    summary: str = Field(default="", max_length=1000, description="revision history entry")


class LoginIn(Strict):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64]
