"""Roster statements: who coordinators approved and revoked, signed, with a counter.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roster",
        sa.Column("counter", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("signer", sa.String(16), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("received_at", sa.BigInteger, nullable=False))


def downgrade() -> None:
    op.drop_table("roster")
