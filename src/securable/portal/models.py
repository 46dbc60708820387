"""The portal's one data model (SQLAlchemy 2 ORM).

Every public artefact — product page, ``product.json``, CSAF advisory and VEX, OpenVEX, CycloneDX VEX and
SBOM, security.txt — is a *render* of these rows. Schema changes go through Alembic migrations in
``securable/portal/migrations``; ``Base.metadata`` is what they are generated from.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.ext.orderinglist import OrderingList, ordering_list
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


TS = DateTime(timezone=True)


class Admin(Base):
    """A portal account. ``role`` is ``admin`` (everything) or ``reviewer`` (the review pages of the
    products in :class:`ReviewerScope`, nothing else: no cases, no reporters' details)."""

    __tablename__ = "admins"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(TS)
    role: Mapped[str] = mapped_column(String(16), default="admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class AdminSession(Base):
    """A browser login. Only the SHA-256 of the cookie value is stored, so a database leak is no login."""

    __tablename__ = "admin_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    admin_id: Mapped[int] = mapped_column(ForeignKey("admins.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(TS)
    expires_at: Mapped[dt.datetime] = mapped_column(TS)

    admin: Mapped[Admin] = relationship()


class ApiToken(Base):
    """A bearer token for machine clients of the admin API (no cookie, hence no CSRF exposure)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(128))
    admin_id: Mapped[int] = mapped_column(ForeignKey("admins.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(TS)

    admin: Mapped[Admin] = relationship()


class Product(Base):
    """A product line as the buyer sees it, with what the FCC registry, CRA Annex II and IR 8425 ask."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    manufacturer_name: Mapped[str] = mapped_column(String(200))
    manufacturer_address: Mapped[str] = mapped_column(Text, default="")
    manufacturer_email: Mapped[str] = mapped_column(String(254))
    manufacturer_website: Mapped[str] = mapped_column(String(500), default="")
    intended_purpose: Mapped[str] = mapped_column(Text, default="")
    security_properties: Mapped[str] = mapped_column(Text, default="")
    known_risks: Mapped[str] = mapped_column(Text, default="")
    support_end: Mapped[dt.date] = mapped_column(Date)
    support_type: Mapped[str] = mapped_column(Text, default="")
    updates_automatic: Mapped[bool] = mapped_column(Boolean, default=True)
    update_instructions: Mapped[str] = mapped_column(Text, default="")
    disable_auto_update: Mapped[str] = mapped_column(Text, default="")
    default_password_change: Mapped[str] = mapped_column(Text, default="")
    secure_setup: Mapped[str] = mapped_column(Text, default="")
    data_security_changes: Mapped[str] = mapped_column(Text, default="")
    disposal: Mapped[str] = mapped_column(Text, default="")
    integrator_info: Mapped[str] = mapped_column(Text, default="")
    security_capabilities: Mapped[str] = mapped_column(Text, default="")
    after_support: Mapped[str] = mapped_column(Text, default="")
    vulnerability_management: Mapped[str] = mapped_column(Text, default="")
    documentation_url: Mapped[str] = mapped_column(String(500), default="")
    eu_doc_url: Mapped[str] = mapped_column(String(500), default="")
    label_authorized_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    label_status: Mapped[str] = mapped_column(String(64), default="")
    cla_name: Mapped[str] = mapped_column(String(200), default="")
    cla_contact: Mapped[str] = mapped_column(String(500), default="")
    cyberlab_name: Mapped[str] = mapped_column(String(200), default="")
    cyberlab_contact: Mapped[str] = mapped_column(String(500), default="")
    # 47 CFR § 8.222(b)(10): whether the manufacturer maintains these bills of materials
    maintains_sbom: Mapped[bool] = mapped_column(Boolean, default=False)
    maintains_hbom: Mapped[bool] = mapped_column(Boolean, default=False)
    standards: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(TS)
    updated_at: Mapped[dt.datetime] = mapped_column(TS)

    versions: Mapped[list[ProductVersion]] = relationship(
        back_populates="product", order_by="ProductVersion.id", cascade="all, delete-orphan"
    )


class ProductVersion(Base):
    """A firmware/software release of a product; SBOM, assessment and VEX statements hang off it."""

    __tablename__ = "product_versions"
    __table_args__ = (UniqueConstraint("product_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(64))
    released_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    sbom_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    sbom_source: Mapped[str] = mapped_column(String(32), default="")
    sbom_updated_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)
    assessment_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    assessment_attached_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(TS)

    product: Mapped[Product] = relationship(back_populates="versions")
    components: Mapped[list[Component]] = relationship(
        back_populates="product_version", order_by="Component.id", cascade="all, delete-orphan"
    )


class Component(Base):
    __tablename__ = "components"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("product_versions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100), default="")
    purl: Mapped[str] = mapped_column(String(500), default="")
    supplier: Mapped[str] = mapped_column(String(200), default="")
    bom_ref: Mapped[str] = mapped_column(String(300))

    product_version: Mapped[ProductVersion] = relationship(back_populates="components")


class Report(Base):
    """One inbound vulnerability report or security query, and the PSIRT case it becomes."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="vulnerability")
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    reporter_name: Mapped[str] = mapped_column(String(200), default="")
    reporter_contact: Mapped[str] = mapped_column(String(300), default="")
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), nullable=True
    )
    affected_versions: Mapped[str] = mapped_column(String(300), default="")
    impact: Mapped[str] = mapped_column(Text, default="")
    exploitation: Mapped[str] = mapped_column(Text, default="")
    suggested_mitigation: Mapped[str] = mapped_column(Text, default="")
    wants_credit: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="received")
    public_note: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[dt.datetime] = mapped_column(TS)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)
    last_update_at: Mapped[dt.datetime] = mapped_column(TS)
    triaged_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)
    fixed_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)
    disclosed_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)
    actively_exploited: Mapped[bool] = mapped_column(Boolean, default=False)
    aware_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)
    member_states: Mapped[str] = mapped_column(String(200), default="")
    early_warning_sent_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)
    notification_sent_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)
    final_report_sent_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)

    product: Mapped[Product | None] = relationship()
    events: Mapped[list[CaseEvent]] = relationship(order_by="CaseEvent.id", cascade="all, delete-orphan")


class CaseEvent(Base):
    """Audit trail of a case: who moved it where, when, and why."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(TS)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")


class Vulnerability(Base):
    __tablename__ = "vulnerabilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    ident: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    cwe: Mapped[str] = mapped_column(String(16), default="")
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(TS)

    report: Mapped[Report | None] = relationship()


class VexStatement(Base):
    """product version × (component) × vulnerability × status, with justification or action.

    Statements are never updated in place: a new statement for the same triple supersedes the old one, so the
    history stays for auditors (``superseded_at`` marks the old row).
    """

    __tablename__ = "vex_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    vulnerability_id: Mapped[int] = mapped_column(ForeignKey("vulnerabilities.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("product_versions.id", ondelete="CASCADE"))
    component_id: Mapped[int | None] = mapped_column(
        ForeignKey("components.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(32))
    justification: Mapped[str] = mapped_column(String(64), default="")
    impact_statement: Mapped[str] = mapped_column(Text, default="")
    action_statement: Mapped[str] = mapped_column(Text, default="")
    remediation: Mapped[str] = mapped_column(String(32), default="")
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(TS)
    superseded_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)

    vulnerability: Mapped[Vulnerability] = relationship()
    version: Mapped[ProductVersion] = relationship()
    component: Mapped[Component | None] = relationship()


class Advisory(Base):
    __tablename__ = "advisories"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_id: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    profile: Mapped[str] = mapped_column(String(32), default="csaf_security_advisory")
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(16), default="draft")
    revision: Mapped[int] = mapped_column(Integer, default=0)
    revision_history: Mapped[str] = mapped_column(Text, default="[]")
    initial_release_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)
    current_release_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(TS)

    links: Mapped[OrderingList[AdvisoryVulnerability]] = relationship(
        order_by="AdvisoryVulnerability.position",
        collection_class=ordering_list("position"),
        cascade="all, delete-orphan",
        back_populates="advisory",
    )
    report: Mapped[Report | None] = relationship()

    @property
    def vulnerabilities(self) -> list[Vulnerability]:
        """The vulnerabilities the advisory covers, in the order the author listed them."""
        return [link.vulnerability for link in self.links]

    @property
    def vulnerability_idents(self) -> list[str]:
        return [link.vulnerability.ident for link in self.links]


class AdvisoryVulnerability(Base):
    """One vulnerability an advisory covers: a row per pair, so a vulnerability can be found by advisory
    and an advisory by vulnerability, and a vulnerability cannot vanish while an advisory names it."""

    __tablename__ = "advisory_vulnerabilities"

    advisory_id: Mapped[int] = mapped_column(
        ForeignKey("advisories.id", ondelete="CASCADE"), primary_key=True
    )
    vulnerability_id: Mapped[int] = mapped_column(
        ForeignKey("vulnerabilities.id", ondelete="RESTRICT"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer)

    advisory: Mapped[Advisory] = relationship(back_populates="links")
    vulnerability: Mapped[Vulnerability] = relationship()


class TrackingCounter(Base):
    """The last number handed out per tracking-ID scope (``<prefix>-<year>``).

    Numbers come from an atomic ``UPDATE … RETURNING`` on this row, so two advisories created at the same
    moment get consecutive numbers instead of the same one; a rolled-back creation gives its number back.
    """

    __tablename__ = "tracking_counters"

    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class PublishedDocument(Base):
    """The frozen bytes of a released CSAF document, exactly as served and hashed in the provider tree."""

    __tablename__ = "published_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    advisory_id: Mapped[int] = mapped_column(ForeignKey("advisories.id", ondelete="CASCADE"), unique=True)
    path: Mapped[str] = mapped_column(String(200), unique=True)  # "2026/acme-sa-2026-0001.json"
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    sha512: Mapped[str] = mapped_column(String(128))
    initial_release_at: Mapped[dt.datetime] = mapped_column(TS)
    current_release_at: Mapped[dt.datetime] = mapped_column(TS)
    title: Mapped[str] = mapped_column(String(300))
    tracking_id: Mapped[str] = mapped_column(String(100))


class ReviewerScope(Base):
    """A reviewer may review the assessments of this product (one row per reviewer × product)."""

    __tablename__ = "reviewer_scopes"

    admin_id: Mapped[int] = mapped_column(ForeignKey("admins.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)


class Review(Base):
    """An uploaded assessment of a product under review: ``report.json`` and the ``product.yaml`` it read."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(200))
    profile: Mapped[str] = mapped_column(String(64))
    report_json: Mapped[str] = mapped_column(Text)
    declaration_yaml: Mapped[str] = mapped_column(Text)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(TS)

    product: Mapped[Product] = relationship()
    decisions: Mapped[list[ReviewDecision]] = relationship(
        order_by="ReviewDecision.id", cascade="all, delete-orphan", back_populates="review"
    )


class ReviewDecision(Base):
    """One reviewer decision on one requirement of a review, in ``decisions.yaml`` terms.

    Never updated in place: a new decision for the same requirement supersedes the old one
    (``superseded_at``), so the history of who decided what, when and why stays."""

    __tablename__ = "review_decisions"
    __table_args__ = (Index("ix_review_decisions_review", "review_id", "requirement"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    requirement: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(32))
    expires: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    rationale: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of links
    reviewer: Mapped[str] = mapped_column(String(64))
    decided_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(TS)
    superseded_at: Mapped[dt.datetime | None] = mapped_column(TS, nullable=True)

    review: Mapped[Review] = relationship(back_populates="decisions")
