"""ai content: product copy versions, content jobs, campaign suggestions, AI token usage

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 17:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

ENUMS = ("content_job_status", "content_channel", "content_status", "suggestion_kind", "suggestion_status")


def _owned():
    return [
        sa.Column('id', sa.UUID(), nullable=False),
        sa.Column('account_id', sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    ]


def _timestamps():
    return [
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    ]


def _generated():
    return [
        sa.Column('provider', sa.String(length=20), nullable=False),
        sa.Column('model', sa.String(length=100), nullable=False),
        sa.Column('prompt_version', sa.String(length=100), nullable=False),
    ]


def upgrade():
    op.create_table('content_jobs',
    *_owned(), *_timestamps(),
    sa.Column('product_id', sa.UUID(), nullable=False),
    sa.Column('created_by_id', sa.UUID(), nullable=True),
    sa.Column('status', sa.Enum('queued', 'running', 'completed', 'failed', name='content_job_status'), nullable=False),
    sa.Column('channels', postgresql.ARRAY(sa.String(length=20)), nullable=False),
    sa.Column('languages', postgresql.ARRAY(sa.String(length=8)), nullable=False),
    sa.Column('tone', sa.String(length=20), nullable=False),
    sa.Column('keywords', postgresql.ARRAY(sa.String(length=100)), nullable=False),
    sa.Column('audience', sa.String(length=300), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
    )
    op.create_index('ix_content_jobs_account_id', 'content_jobs', ['account_id'])
    op.create_index('ix_content_jobs_product_id', 'content_jobs', ['product_id'])

    op.create_table('product_contents',
    *_owned(), *_timestamps(), *_generated(),
    sa.Column('product_id', sa.UUID(), nullable=False),
    sa.Column('job_id', sa.UUID(), nullable=True),
    sa.Column('channel', sa.Enum('social', 'email', 'whatsapp', name='content_channel'), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('tone', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('hashtags', postgresql.ARRAY(sa.String(length=60)), nullable=False),
    sa.Column('status', sa.Enum('draft', 'approved', 'archived', name='content_status'), nullable=False),
    sa.Column('created_by_id', sa.UUID(), nullable=True),
    sa.Column('updated_by_id', sa.UUID(), nullable=True),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['content_jobs.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.UniqueConstraint('product_id', 'channel', 'language', 'version', name='uq_product_contents_version'),
    )
    op.create_index('ix_product_contents_account_id', 'product_contents', ['account_id'])
    op.create_index('ix_product_contents_job_id', 'product_contents', ['job_id'])
    op.create_index('ix_product_contents_product_created', 'product_contents', ['product_id', sa.text('created_at DESC')])

    op.create_table('campaign_suggestions',
    *_owned(), *_timestamps(), *_generated(),
    sa.Column('campaign_id', sa.UUID(), nullable=False),
    sa.Column('batch_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.Enum('title', 'subject', 'body', 'hashtags', 'summary', name='suggestion_kind'), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='suggestion_status'), nullable=False),
    sa.Column('created_by_id', sa.UUID(), nullable=True),
    sa.Column('decided_by_id', sa.UUID(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], ondelete='SET NULL'),
    )
    op.create_index('ix_campaign_suggestions_account_id', 'campaign_suggestions', ['account_id'])
    op.create_index('ix_campaign_suggestions_campaign_created', 'campaign_suggestions',
                    ['campaign_id', sa.text('created_at DESC')])

    op.create_table('ai_usage',
    *_owned(),
    sa.Column('actor_id', sa.UUID(), nullable=True),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('model', sa.String(length=100), nullable=False),
    sa.Column('task', sa.String(length=40), nullable=False),
    sa.Column('prompt_tokens', sa.Integer(), nullable=False),
    sa.Column('completion_tokens', sa.Integer(), nullable=False),
    sa.Column('total_tokens', sa.Integer(), nullable=False),
    sa.Column('cost', sa.Numeric(precision=12, scale=6), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ondelete='SET NULL'),
    )
    op.create_index('ix_ai_usage_account_id', 'ai_usage', ['account_id'])
    op.create_index('ix_ai_usage_account_created', 'ai_usage', ['account_id', 'created_at'],
                    postgresql_include=['total_tokens'])


def downgrade():
    op.drop_table('ai_usage')
    op.drop_table('campaign_suggestions')
    op.drop_table('product_contents')
    op.drop_table('content_jobs')
    for name in ENUMS:
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
