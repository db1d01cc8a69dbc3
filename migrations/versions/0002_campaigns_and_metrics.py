"""campaigns: one model for every channel, Amazon Ads sync state, daily metrics fact table

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:29:11.961525

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    # Trigram indexes make the list's case-insensitive search (ILIKE '%term%') an index scan.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table('campaigns',
    sa.Column('created_by_id', sa.UUID(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('budget', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('keywords', postgresql.ARRAY(sa.String(length=100)), nullable=False),
    sa.Column('start_date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('demographics', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('target_locations', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('media_files', postgresql.ARRAY(sa.UUID()), nullable=False),
    sa.Column('audience', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('content', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('ads_status', sa.String(length=10), nullable=True),
    sa.Column('external_id', sa.String(length=20), nullable=True),
    sa.Column('last_synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sync_error', sa.Text(), nullable=True),
    sa.Column('sync_attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.CheckConstraint("ads_status IS NULL OR ads_status IN ('PENDING', 'PROCESSING', 'ACTIVE', 'FAILED')", name='ck_campaigns_ads_status'),
    sa.CheckConstraint("channel IN ('amazon_ads', 'email', 'whatsapp', 'social_media', 'display', 'search')", name='ck_campaigns_channel'),
    sa.CheckConstraint("priority IN ('low', 'medium', 'high')", name='ck_campaigns_priority'),
    sa.CheckConstraint("status IN ('draft', 'scheduled', 'active', 'paused', 'finished', 'cancelled')", name='ck_campaigns_status'),
    sa.CheckConstraint('budget > 0', name='ck_campaigns_budget_positive'),
    sa.CheckConstraint('end_date IS NULL OR start_date IS NULL OR end_date > start_date', name='ck_campaigns_end_after_start'),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('external_id')
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index('ix_campaigns_account_created', ['account_id', sa.literal_column('created_at DESC')], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
        batch_op.create_index(batch_op.f('ix_campaigns_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_campaigns_account_status_created', ['account_id', 'status', sa.literal_column('created_at DESC')], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
        batch_op.create_index('ix_campaigns_account_status_channel_created', ['account_id', 'status', 'channel', sa.literal_column('created_at DESC')], unique=False, postgresql_where=sa.text('deleted_at IS NULL'))
        batch_op.create_index('ix_campaigns_ads_open', ['ads_status'], unique=False, postgresql_where=sa.text("external_id IS NOT NULL AND deleted_at IS NULL AND ads_status IN ('PROCESSING', 'ACTIVE')"))
        batch_op.create_index('ix_campaigns_name_trgm', ['name'], unique=False, postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
        batch_op.create_index('ix_campaigns_description_trgm', ['description'], unique=False, postgresql_using='gin', postgresql_ops={'description': 'gin_trgm_ops'})
        batch_op.create_index('uq_campaigns_account_name', ['account_id', sa.literal_column('lower(name)')], unique=True, postgresql_where=sa.text('deleted_at IS NULL'))

    op.create_table('campaign_metrics',
    sa.Column('campaign_id', sa.UUID(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('site', sa.String(length=120), nullable=False),
    sa.Column('impressions', sa.BigInteger(), nullable=False),
    sa.Column('clicks', sa.BigInteger(), nullable=False),
    sa.Column('conversions', sa.BigInteger(), nullable=False),
    sa.Column('spend', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('impressions >= 0 AND clicks >= 0 AND conversions >= 0 AND spend >= 0', name='ck_campaign_metrics_non_negative'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'day', 'site')
    )
    with op.batch_alter_table('campaign_metrics', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_metrics_totals', ['campaign_id'], unique=False, postgresql_include=['impressions', 'clicks', 'conversions', 'spend', 'updated_at'])


def downgrade():
    op.drop_table('campaign_metrics')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index('uq_campaigns_account_name', postgresql_where=sa.text('deleted_at IS NULL'))
        batch_op.drop_index('ix_campaigns_name_trgm', postgresql_using='gin')
        batch_op.drop_index('ix_campaigns_description_trgm', postgresql_using='gin')
        batch_op.drop_index('ix_campaigns_ads_open', postgresql_where=sa.text("external_id IS NOT NULL AND deleted_at IS NULL AND ads_status IN ('PROCESSING', 'ACTIVE')"))
        batch_op.drop_index('ix_campaigns_account_status_created', postgresql_where=sa.text('deleted_at IS NULL'))
        batch_op.drop_index('ix_campaigns_account_status_channel_created', postgresql_where=sa.text('deleted_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_campaigns_account_id'))
        batch_op.drop_index('ix_campaigns_account_created', postgresql_where=sa.text('deleted_at IS NULL'))

    op.drop_table('campaigns')
