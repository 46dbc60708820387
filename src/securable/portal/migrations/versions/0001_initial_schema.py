"""Initial portal schema: admins, sessions, tokens, products, versions, components, reports/cases,
vulnerabilities, VEX statements, advisories, published CSAF documents.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "admins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("manufacturer_name", sa.String(length=200), nullable=False),
        sa.Column("manufacturer_address", sa.Text(), nullable=False),
        sa.Column("manufacturer_email", sa.String(length=254), nullable=False),
        sa.Column("manufacturer_website", sa.String(length=500), nullable=False),
        sa.Column("intended_purpose", sa.Text(), nullable=False),
        sa.Column("security_properties", sa.Text(), nullable=False),
        sa.Column("known_risks", sa.Text(), nullable=False),
        sa.Column("support_end", sa.Date(), nullable=False),
        sa.Column("support_type", sa.Text(), nullable=False),
        sa.Column("updates_automatic", sa.Boolean(), nullable=False),
        sa.Column("update_instructions", sa.Text(), nullable=False),
        sa.Column("disable_auto_update", sa.Text(), nullable=False),
        sa.Column("default_password_change", sa.Text(), nullable=False),
        sa.Column("secure_setup", sa.Text(), nullable=False),
        sa.Column("data_security_changes", sa.Text(), nullable=False),
        sa.Column("disposal", sa.Text(), nullable=False),
        sa.Column("integrator_info", sa.Text(), nullable=False),
        sa.Column("security_capabilities", sa.Text(), nullable=False),
        sa.Column("after_support", sa.Text(), nullable=False),
        sa.Column("vulnerability_management", sa.Text(), nullable=False),
        sa.Column("documentation_url", sa.String(length=500), nullable=False),
        sa.Column("eu_doc_url", sa.String(length=500), nullable=False),
        sa.Column("label_authorized_on", sa.Date(), nullable=True),
        sa.Column("label_status", sa.String(length=64), nullable=False),
        sa.Column("cla_name", sa.String(length=200), nullable=False),
        sa.Column("cla_contact", sa.String(length=500), nullable=False),
        sa.Column("cyberlab_name", sa.String(length=200), nullable=False),
        sa.Column("cyberlab_contact", sa.String(length=500), nullable=False),
        sa.Column("standards", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "admin_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["admin_id"], ["admins.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["admin_id"], ["admins.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "product_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("sbom_json", sa.Text(), nullable=True),
        sa.Column("sbom_source", sa.String(length=32), nullable=False),
        sa.Column("sbom_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assessment_json", sa.Text(), nullable=True),
        sa.Column("assessment_attached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("product_id", "version"),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reporter_name", sa.String(length=200), nullable=False),
        sa.Column("reporter_contact", sa.String(length=300), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("affected_versions", sa.String(length=300), nullable=False),
        sa.Column("impact", sa.Text(), nullable=False),
        sa.Column("exploitation", sa.Text(), nullable=False),
        sa.Column("suggested_mitigation", sa.Text(), nullable=False),
        sa.Column("wants_credit", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("public_note", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_update_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("triaged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fixed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disclosed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actively_exploited", sa.Boolean(), nullable=False),
        sa.Column("aware_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("member_states", sa.String(length=200), nullable=False),
        sa.Column("early_warning_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notification_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("final_report_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("receipt"),
    )
    op.create_table(
        "advisories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("profile", sa.String(length=32), nullable=False),
        sa.Column("vulnerability_ids", sa.Text(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("revision_history", sa.Text(), nullable=False),
        sa.Column("initial_release_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("current_release_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tracking_id"),
    )
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "components",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("purl", sa.String(length=500), nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("bom_ref", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["product_versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "vulnerabilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ident", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("cwe", sa.String(length=16), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ident"),
    )
    op.create_table(
        "published_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advisory_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sha512", sa.String(length=128), nullable=False),
        sa.Column("initial_release_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("current_release_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("tracking_id", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["advisory_id"], ["advisories.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("advisory_id"),
        sa.UniqueConstraint("path"),
    )
    op.create_table(
        "vex_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vulnerability_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("justification", sa.String(length=64), nullable=False),
        sa.Column("impact_statement", sa.Text(), nullable=False),
        sa.Column("action_statement", sa.Text(), nullable=False),
        sa.Column("remediation", sa.String(length=32), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["component_id"], ["components.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["version_id"], ["product_versions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["vulnerability_id"], ["vulnerabilities.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("vex_statements")
    op.drop_table("published_documents")
    op.drop_table("vulnerabilities")
    op.drop_table("components")
    op.drop_table("case_events")
    op.drop_table("advisories")
    op.drop_table("reports")
    op.drop_table("product_versions")
    op.drop_table("api_tokens")
    op.drop_table("admin_sessions")
    op.drop_table("products")
    op.drop_table("admins")
