"""export_jobs: reports rendered in the background, with progress and the stored file; activity_events: a
partial index for the audit log's security events

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 18:00:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0017'
down_revision = '0016'
branch_labels = None
AUDIT_EVENTS = (
    "auth.login", "auth.login_failed", "auth.logout", "auth.logout_everywhere", "auth.refresh_token_reused",
    "user.registered", "user.password_changed", "user.password_set", "user.role_changed", "user.enabled",
    "user.disabled", "account.created", "account.member_invited", "account.member_joined",
    "account.member_role_changed", "account.member_removed", "account.member_left", "account.invitation_revoked",
    "api_key.created", "api_key.revoked", "api_key.used", "webhook.created", "webhook.updated", "webhook.deleted",
    "webhook.disabled", "report.exported", "report.requested",
)
depends_on = None


def upgrade():
    op.create_table(
        'export_jobs',
        sa.Column('id', sa.UUID(), nullable=False),
        sa.Column('account_id', sa.UUID(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('format', sa.String(length=10), nullable=False),
        sa.Column('filters', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('status', sa.Enum('queued', 'running', 'completed', 'failed', name='export_status'), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('message', sa.String(length=255), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('storage_key', sa.String(length=255), nullable=True),
        sa.Column('filename', sa.String(length=255), nullable=True),
        sa.Column('size', sa.Integer(), nullable=True),
        sa.Column('requested_by', sa.UUID(), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['requested_by'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_export_jobs_account_id', 'export_jobs', ['account_id'])
    # The names as app/models/activity.AUDIT_EVENTS lists them today (a later change to the list adds a revision).
    op.create_index('ix_activity_events_audit', 'activity_events', [sa.text('created_at DESC')],
                    postgresql_where=sa.text("name IN (" + ", ".join(f"'{n}'" for n in AUDIT_EVENTS) + ")"))


def downgrade():
    op.drop_index('ix_activity_events_audit', table_name='activity_events')
    op.drop_table('export_jobs')
    sa.Enum(name='export_status').drop(op.get_bind(), checkfirst=True)
