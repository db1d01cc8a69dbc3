"""accounts: currency (ISO 4217), the default for new campaigns and the money shown on pages

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('accounts', sa.Column('currency', sa.String(length=3), server_default='USD', nullable=False))


def downgrade():
    op.drop_column('accounts', 'currency')
