"""accounts: invitations (members join only by accepting one) and users.token_version (ends sessions at once)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 13:10:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('token_version', sa.Integer(), server_default='0', nullable=False))
    status = postgresql.ENUM('pending', 'accepted', 'declined', 'revoked', name='invitation_status')
    status.create(op.get_bind())
    op.create_table(
        'invitations',
        sa.Column('id', sa.UUID(), nullable=False),
        sa.Column('account_id', sa.UUID(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', postgresql.ENUM(name='member_role', create_type=False), nullable=False),
        sa.Column('status', postgresql.ENUM(name='invitation_status', create_type=False), nullable=False),
        sa.Column('invited_by_id', sa.UUID(), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_invitations_account_id', 'invitations', ['account_id'])
    op.create_index('ix_invitations_email_lower', 'invitations', [sa.text('lower(email)')])
    op.create_index('uq_invitations_pending_email', 'invitations', ['account_id', sa.text('lower(email)')],
                    unique=True, postgresql_where=sa.text("status = 'pending'"))


def downgrade():
    op.drop_table('invitations')
    postgresql.ENUM(name='invitation_status').drop(op.get_bind())
    op.drop_column('users', 'token_version')
