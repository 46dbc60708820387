"""FCC IoT Registry element 10 (47 CFR § 8.222(b)(10)): whether the manufacturer maintains an SBOM / HBOM.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("maintains_sbom", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("maintains_hbom", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_column("maintains_hbom")
        batch.drop_column("maintains_sbom")
