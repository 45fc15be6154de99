"""calendar token: the secret in each group's calendar subscription address

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    # Plain ADD COLUMN: a rebuilt table would lose its triggers.
    op.add_column("working_group", sa.Column("calendar_token", sa.String(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL starts from the whole schema in 0014
    with op.batch_alter_table("working_group") as batch_op:
        batch_op.drop_column("calendar_token")
