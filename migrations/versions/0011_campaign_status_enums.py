"""campaigns: status and Amazon Ads status as PostgreSQL enums, like every other status

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 16:10:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

STATUSES = ('draft', 'scheduled', 'active', 'paused', 'finished', 'cancelled')
ADS_STATUSES = ('PENDING', 'PROCESSING', 'ACTIVE', 'FAILED')
ADS_OPEN = "external_id IS NOT NULL AND deleted_at IS NULL AND ads_status IN ('PROCESSING', 'ACTIVE')"


def upgrade():
    postgresql.ENUM(*STATUSES, name='campaign_status').create(op.get_bind())
    postgresql.ENUM(*ADS_STATUSES, name='ads_status').create(op.get_bind())
    # The partial index's predicate compares with text literals typed varchar: rebuild it on the enum.
    op.drop_index('ix_campaigns_ads_open', table_name='campaigns')
    op.drop_constraint('ck_campaigns_status', 'campaigns', type_='check')
    op.drop_constraint('ck_campaigns_ads_status', 'campaigns', type_='check')
    op.execute("ALTER TABLE campaigns ALTER COLUMN status TYPE campaign_status USING status::campaign_status, "
               "ALTER COLUMN ads_status TYPE ads_status USING ads_status::ads_status")
    op.create_index('ix_campaigns_ads_open', 'campaigns', ['ads_status'], postgresql_where=sa.text(ADS_OPEN))


def downgrade():
    op.drop_index('ix_campaigns_ads_open', table_name='campaigns')
    op.execute("ALTER TABLE campaigns ALTER COLUMN status TYPE varchar(10) USING status::text, "
               "ALTER COLUMN ads_status TYPE varchar(10) USING ads_status::text")
    op.create_check_constraint('ck_campaigns_status', 'campaigns', f"status IN {STATUSES}")
    op.create_check_constraint('ck_campaigns_ads_status', 'campaigns',
                               f"ads_status IS NULL OR ads_status IN {ADS_STATUSES}")
    op.create_index('ix_campaigns_ads_open', 'campaigns', ['ads_status'], postgresql_where=sa.text(ADS_OPEN))
    postgresql.ENUM(name='ads_status').drop(op.get_bind())
    postgresql.ENUM(name='campaign_status').drop(op.get_bind())
