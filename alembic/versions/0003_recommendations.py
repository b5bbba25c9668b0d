"""Recommendation requests with their results, and vectors of products added after training.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('product_vectors',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('model_version', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('text_vector', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('product_id', 'model_version')
    )
    op.create_table('recommendation_requests',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('subject_product_id', sa.Integer(), nullable=True),
    sa.Column('query', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('client_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('latency_ms', sa.Float(), nullable=True),
    sa.Column('model_version', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('recommendation_requests', schema=None) as batch_op:
        batch_op.create_index('ix_recommendation_requests_latest', ['user_id', 'kind', 'requested_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_recommendation_requests_subject_product_id'), ['subject_product_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('recommendation_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_requests_subject_product_id'))
        batch_op.drop_index('ix_recommendation_requests_latest')

    op.drop_table('recommendation_requests')
    op.drop_table('product_vectors')
