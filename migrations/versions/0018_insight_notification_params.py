"""notifications: a message key's values (params), so each member reads a notification in their own language

Rows written before have no params and keep being read as their stored English title and body.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 20:00:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('notifications', sa.Column('params', postgresql.JSONB(astext_type=sa.Text()), nullable=True))


def downgrade():
    op.drop_column('notifications', 'params')
