"""Initial server schema: project, devices, invites, items (ciphertext), blobs.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("meta", sa.Column("key", sa.String(64), primary_key=True),
                    sa.Column("value", sa.String(512), nullable=False))
    op.create_table(
        "project",
        sa.Column("project_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("suite", sa.String(32), nullable=False),
        sa.Column("sign_public", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.Integer, nullable=False))
    op.create_table(
        "device",
        sa.Column("device_id", sa.String(16), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("pseudonym", sa.String(120), nullable=False),
        sa.Column("suite", sa.String(32), nullable=False),
        sa.Column("sign_public", sa.LargeBinary, nullable=False),
        sa.Column("kem_public", sa.LargeBinary, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("joined_at", sa.Integer, nullable=False),
        sa.Column("revoked_at", sa.Integer, nullable=True))
    op.create_table(
        "invite",
        sa.Column("invite_id", sa.String(32), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.Integer, nullable=False),
        sa.Column("used_at", sa.Integer, nullable=True),
        sa.Column("used_by", sa.String(16), nullable=True))
    op.create_table(
        "item",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("epoch_id", sa.String(32), nullable=False),
        sa.Column("sender", sa.String(16), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("received_at", sa.BigInteger, nullable=False),
        sa.Column("pushed_by", sa.String(16), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sqlite_autoincrement=True)
    op.create_index("ix_item_epoch", "item", ["epoch_id", "seq"])
    op.create_table(
        "epoch_recipient",
        sa.Column("epoch_id", sa.String(32), primary_key=True),
        sa.Column("device_id", sa.String(16), primary_key=True))
    op.create_index("ix_epoch_recipient_device", "epoch_recipient", ["device_id", "epoch_id"])
    op.create_table(
        "blob",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("epoch_id", sa.String(32), nullable=False),
        sa.Column("length", sa.BigInteger, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("uploader", sa.String(16), nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("completed_at", sa.BigInteger, nullable=True),
        sa.Column("seq", sa.BigInteger, nullable=True))


def downgrade() -> None:
    for name in ("blob", "epoch_recipient", "item", "invite", "device", "project", "meta"):
        op.drop_table(name)
