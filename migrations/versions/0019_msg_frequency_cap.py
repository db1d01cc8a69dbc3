"""customer_send_quotas: each customer's sends of the last 24 hours, taken row by row in the claim, so two
campaigns sending to one customer at the same moment cannot both pass MAX_MESSAGES_PER_CUSTOMER_PER_DAY

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 20:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# No foreign key (its per-row check would be paid by every claim): a statement-level trigger follows deleted
# customers, as messages do (migration 0015).
FOLLOW = """
CREATE FUNCTION send_quotas_follow_deleted_customers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM customer_send_quotas q USING gone g WHERE q.customer_id = g.id;
    RETURN NULL;
END $$;
CREATE TRIGGER customers_delete_send_quotas AFTER DELETE ON customers
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION send_quotas_follow_deleted_customers();
"""


def upgrade():
    op.create_table(
        'customer_send_quotas',
        sa.Column('customer_id', sa.UUID(), nullable=False),
        sa.Column('account_id', sa.UUID(), nullable=False),
        sa.Column('recent', sa.ARRAY(sa.DateTime(timezone=True)), nullable=False),
        sa.PrimaryKeyConstraint('customer_id'),
    )
    op.execute(FOLLOW)
    # What the cap counted until now: messages the provider took in the last 24 hours.
    op.execute("INSERT INTO customer_send_quotas (customer_id, account_id, recent) "
               "SELECT customer_id, min(account_id::text)::uuid, array_agg(sent_at ORDER BY sent_at) FROM messages "
               "WHERE sent_at > now() - interval '1 day' AND status IN ('sent', 'delivered', 'read') "
               "GROUP BY customer_id")


def downgrade():
    op.execute("DROP TRIGGER customers_delete_send_quotas ON customers; "
               "DROP FUNCTION send_quotas_follow_deleted_customers();")
    op.drop_table('customer_send_quotas')
