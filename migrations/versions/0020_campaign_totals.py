"""campaigns: each campaign's metric totals on its own row, kept by triggers on campaign_metrics, so a detail or a
list page reads them with the row (no sum per read) and a read's fingerprint is the row's alone

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 04:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

TOTALS = ("views_total", "clicks_total", "conversions_total", "spend_total")

# One function for every statement that writes metrics: it adds what the statement inserted and takes away what it
# deleted, per campaign, from the statement's transition tables (an INSERT ... ON CONFLICT DO UPDATE fires both
# the INSERT and the UPDATE triggers, each with its own rows). metrics_updated_at is when the campaign's metrics
# last changed. Writers that touch many campaigns lock them first, in id order (services.campaign_stats).
KEEP = """
CREATE FUNCTION campaign_metrics_keep_totals() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    added text := 'SELECT campaign_id, impressions, clicks, conversions, spend, updated_at FROM new_rows';
    taken text := 'SELECT campaign_id, -impressions, -clicks, -conversions, -spend, NULL::timestamptz FROM old_rows';
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE campaigns SET views_total = 0, clicks_total = 0, conversions_total = 0, spend_total = 0,
                             metrics_updated_at = now()
         WHERE metrics_updated_at IS NOT NULL;
        RETURN NULL;
    END IF;
    -- A transition table exists only for the events that have it: the statement names only those.
    EXECUTE format($sql$
        WITH delta (campaign_id, views, clicks, conversions, spend, changed_at) AS (%s),
        per_campaign AS (
            SELECT campaign_id, sum(views) AS views, sum(clicks) AS clicks, sum(conversions) AS conversions,
                   sum(spend) AS spend, max(changed_at) AS changed_at
              FROM delta GROUP BY campaign_id
        )
        UPDATE campaigns c
           SET views_total = c.views_total + d.views, clicks_total = c.clicks_total + d.clicks,
               conversions_total = c.conversions_total + d.conversions, spend_total = c.spend_total + d.spend,
               metrics_updated_at = CASE WHEN $1 = 'DELETE' THEN now()
                                         ELSE greatest(c.metrics_updated_at, d.changed_at) END
          FROM per_campaign d
         WHERE c.id = d.campaign_id
    $sql$, CASE TG_OP WHEN 'INSERT' THEN added WHEN 'DELETE' THEN taken ELSE added || ' UNION ALL ' || taken END)
    USING TG_OP;
    RETURN NULL;
END $$;
"""
TRIGGERS = """
CREATE TRIGGER campaign_metrics_totals_insert AFTER INSERT ON campaign_metrics
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_metrics_keep_totals();
CREATE TRIGGER campaign_metrics_totals_update AFTER UPDATE ON campaign_metrics
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION campaign_metrics_keep_totals();
CREATE TRIGGER campaign_metrics_totals_delete AFTER DELETE ON campaign_metrics
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_metrics_keep_totals();
CREATE TRIGGER campaign_metrics_totals_truncate AFTER TRUNCATE ON campaign_metrics
    FOR EACH STATEMENT EXECUTE FUNCTION campaign_metrics_keep_totals();
"""


def upgrade():
    for name in TOTALS[:3]:
        op.add_column('campaigns', sa.Column(name, sa.BigInteger(), nullable=False, server_default='0'))
    op.add_column('campaigns', sa.Column('spend_total', sa.Numeric(), nullable=False, server_default='0'))
    op.add_column('campaigns', sa.Column('metrics_updated_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("""
        UPDATE campaigns c SET views_total = t.views, clicks_total = t.clicks, conversions_total = t.conversions,
                               spend_total = t.spend, metrics_updated_at = t.changed_at
          FROM (SELECT campaign_id, sum(impressions) AS views, sum(clicks) AS clicks,
                       sum(conversions) AS conversions, sum(spend) AS spend, max(updated_at) AS changed_at
                  FROM campaign_metrics GROUP BY campaign_id) t
         WHERE c.id = t.campaign_id
    """)
    op.execute(KEEP)
    op.execute(TRIGGERS)


def downgrade():
    for event in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER campaign_metrics_totals_{event} ON campaign_metrics")
    op.execute("DROP FUNCTION campaign_metrics_keep_totals()")
    for name in (*TOTALS, "metrics_updated_at"):
        op.drop_column('campaigns', name)
