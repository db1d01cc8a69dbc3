"""messaging: WhatsApp windows (when a customer last wrote to us, which opens 24 hours of free-form messages)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 14:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('whatsapp_windows',
    sa.Column('customer_id', sa.UUID(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('last_inbound_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id')
    )
    # Status callbacks find their message by Twilio's SID.
    op.create_index('ix_messages_provider_id', 'messages', ['provider_id'], unique=False,
                    postgresql_where=sa.text('provider_id IS NOT NULL'))


def downgrade():
    op.drop_index('ix_messages_provider_id', table_name='messages', postgresql_where=sa.text('provider_id IS NOT NULL'))
    op.drop_table('whatsapp_windows')
