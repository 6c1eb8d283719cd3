"""message shapes: a delivery may store only its values, and the message they fill in once per workspace

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.shapes import message

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_shapes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["workspaces.team_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_message_shapes_digest", "message_shapes", ["team_id", "digest"])
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shape_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_deliveries_shape_id_message_shapes", "message_shapes", ["shape_id"], ["id"])


def downgrade() -> None:
    # A shaped delivery is filled in again before the shapes go, so that every row holds its message.
    bind = op.get_bind()
    shapes = sa.table("message_shapes", sa.column("id", sa.Integer), sa.column("text", sa.Text))
    deliveries = sa.table(
        "deliveries", sa.column("id", sa.Integer), sa.column("shape_id", sa.Integer), sa.column("payload", sa.JSON)
    )
    texts = dict(bind.execute(sa.select(shapes.c.id, shapes.c.text)).all())
    shaped = sa.select(deliveries.c.id, deliveries.c.shape_id, deliveries.c.payload).where(
        deliveries.c.shape_id.is_not(None)
    )
    for row_id, shape_id, values in bind.execute(shaped).all():
        bind.execute(
            deliveries.update().where(deliveries.c.id == row_id).values(payload=message(texts[shape_id], values))
        )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint("fk_deliveries_shape_id_message_shapes", type_="foreignkey")
        batch_op.drop_column("shape_id")
    op.drop_table("message_shapes")
