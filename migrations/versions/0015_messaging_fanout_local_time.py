"""messaging: a fan-out without per-row foreign-key checks, one index for claims and counts, local-time delivery

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 17:40:00

Fan-out inserts a million messages in one statement. Its foreign keys (account, campaign, customer) cost a trigger
call per row, about 13 s of the 25 s a million took: they are replaced by what they were for, deleting a deleted
campaign's or customer's messages, done once per DELETE statement by triggers on campaigns and customers. The rows
themselves come from the customers and campaign the fan-out reads under the campaign's row lock, so they
reference rows that exist; a customer deleted while a fan-out runs leaves messages that the batch deletes.
`(campaign_id, batch_no, status)` and `(campaign_id, status)` become one `(campaign_id, status, batch_no)`: claims,
counts, completion checks and the log's filter all start with the campaign and status.

Local time: a message may be due later than its send starts (`due_at`, in each customer's zone); a send records
when it starts (`starts_at`: its time, or for local-time sends the first moment any zone reaches that wall time),
its waves of batches by due time, and how many batches it has handed to workers so far.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

CASCADES = """
CREATE FUNCTION messages_follow_deleted_campaigns() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM messages m USING gone g WHERE m.campaign_id = g.id;
    RETURN NULL;
END $$;
CREATE TRIGGER campaigns_delete_messages AFTER DELETE ON campaigns
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION messages_follow_deleted_campaigns();

-- Through the account's campaigns, so the unique (campaign_id, customer_id) index finds the rows.
CREATE FUNCTION messages_follow_deleted_customers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM messages m USING gone g, campaigns c
     WHERE c.account_id = g.account_id AND m.campaign_id = c.id AND m.customer_id = g.id;
    RETURN NULL;
END $$;
CREATE TRIGGER customers_delete_messages AFTER DELETE ON customers
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION messages_follow_deleted_customers();
"""


def upgrade():
    # Whatever an earlier cascade should have removed is gone before the triggers take over.
    op.execute("DELETE FROM messages m WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = m.customer_id)"
               " OR NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.id = m.campaign_id)")
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint('messages_account_id_fkey', type_='foreignkey')
        batch_op.drop_constraint('messages_campaign_id_fkey', type_='foreignkey')
        batch_op.drop_constraint('messages_customer_id_fkey', type_='foreignkey')
        batch_op.drop_index('ix_messages_campaign_batch')
        batch_op.drop_index('ix_messages_campaign_status')
        batch_op.create_index('ix_messages_campaign_status_batch', ['campaign_id', 'status', 'batch_no'], unique=False)
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(CASCADES)

    with op.batch_alter_table('campaign_sends', schema=None) as batch_op:
        batch_op.add_column(sa.Column('local_time', sa.Boolean(), server_default='false', nullable=False))
        batch_op.add_column(sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('released_batches', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('waves', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.execute("UPDATE campaign_sends SET starts_at = send_at, released_batches = batches")
    with op.batch_alter_table('campaign_sends', schema=None) as batch_op:
        batch_op.alter_column('starts_at', nullable=False)
        batch_op.drop_index('ix_campaign_sends_open', postgresql_where=sa.text("status IN ('scheduled', 'sending')"))
        batch_op.create_index('ix_campaign_sends_open', ['status', 'starts_at'], unique=False,
                              postgresql_where=sa.text("status IN ('scheduled', 'sending')"))


def downgrade():
    with op.batch_alter_table('campaign_sends', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_sends_open', postgresql_where=sa.text("status IN ('scheduled', 'sending')"))
        batch_op.create_index('ix_campaign_sends_open', ['status', 'send_at'], unique=False,
                              postgresql_where=sa.text("status IN ('scheduled', 'sending')"))
        batch_op.drop_column('waves')
        batch_op.drop_column('released_batches')
        batch_op.drop_column('starts_at')
        batch_op.drop_column('local_time')

    op.execute("DROP TRIGGER customers_delete_messages ON customers; DROP FUNCTION messages_follow_deleted_customers();"
               "DROP TRIGGER campaigns_delete_messages ON campaigns; DROP FUNCTION messages_follow_deleted_campaigns();")
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('due_at')
        batch_op.drop_index('ix_messages_campaign_status_batch')
        batch_op.create_index('ix_messages_campaign_status', ['campaign_id', 'status'], unique=False)
        batch_op.create_index('ix_messages_campaign_batch', ['campaign_id', 'batch_no', 'status'], unique=False)
        batch_op.create_foreign_key('messages_customer_id_fkey', 'customers', ['customer_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_foreign_key('messages_campaign_id_fkey', 'campaigns', ['campaign_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_foreign_key('messages_account_id_fkey', 'accounts', ['account_id'], ['id'],
                                    ondelete='CASCADE')
