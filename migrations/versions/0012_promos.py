"""promos: stores, products, stock, flash promos, reservations, notification log

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 16:00:06

"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geography
from sqlalchemy.dialects import postgresql

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('products',
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('images', postgresql.ARRAY(sa.UUID()), server_default='{}', nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('price >= 0', name='ck_products_price_positive'),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'sku', name='uq_products_account_sku')
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_account_id'), ['account_id'], unique=False)

    op.create_geospatial_table('stores',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=500), server_default='', nullable=False),
    sa.Column('location', Geography(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeogFromText', name='geography', nullable=False), nullable=False),
    sa.Column('timezone', sa.String(length=64), server_default='UTC', nullable=False),
    sa.Column('opening_hours', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'name', name='uq_stores_account_name')
    )
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_stores_location', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_stores_account_id'), ['account_id'], unique=False)

    op.create_table('store_products',
    sa.Column('store_id', sa.UUID(), nullable=False),
    sa.Column('product_id', sa.UUID(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('base_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('base_price >= 0', name='ck_store_products_base_price'),
    sa.CheckConstraint('stock >= 0', name='ck_store_products_stock'),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('store_id', 'product_id', name='uq_store_products_store_product')
    )
    with op.batch_alter_table('store_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_store_products_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_store_products_product_id'), ['product_id'], unique=False)

    op.create_table('promos',
    sa.Column('store_product_id', sa.UUID(), nullable=False),
    sa.Column('store_id', sa.UUID(), nullable=False),
    sa.Column('title', sa.String(length=200), server_default='', nullable=False),
    sa.Column('promo_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'active', 'finished', 'cancelled', name='promo_status'), nullable=False),
    sa.Column('radius_m', sa.Integer(), server_default='2000', nullable=False),
    sa.Column('audience', sa.Enum('all', 'new', 'frequent', name='promo_audience'), nullable=False),
    sa.Column('channel', sa.Enum('push', 'email', 'whatsapp', name='promo_channel'), nullable=False),
    sa.Column('max_per_customer', sa.Integer(), server_default='1', nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('max_per_customer > 0', name='ck_promos_max_per_customer'),
    sa.CheckConstraint('radius_m > 0', name='ck_promos_radius'),
    sa.CheckConstraint('starts_at < ends_at', name='ck_promos_window'),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['store_product_id'], ['store_products.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('promos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_promos_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_promos_account_starts', ['account_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_promos_open', ['status', 'starts_at', 'ends_at'], unique=False, postgresql_where=sa.text("status IN ('scheduled', 'active')"))
        batch_op.create_index('ix_promos_store_product_window', ['store_product_id', 'starts_at', 'ends_at'], unique=False)

    op.create_table('notification_logs',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('promo_id', sa.UUID(), nullable=False),
    sa.Column('customer_id', sa.UUID(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    # promo_channel was created with the promos table.
    sa.Column('channel', postgresql.ENUM('push', 'email', 'whatsapp', name='promo_channel', create_type=False),
              nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=True),
    sa.Column('distance_m', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('queued', 'sending', 'sent', 'failed', 'skipped', name='promo_notification_status'), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('provider_id', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['promo_id'], ['promos.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id', 'promo_id', 'sent_on', name='uq_notification_logs_customer_promo_day')
    )
    with op.batch_alter_table('notification_logs', schema=None) as batch_op:
        batch_op.create_index('ix_notification_logs_promo_status', ['promo_id', 'status'], unique=False)

    op.create_table('reservations',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('promo_id', sa.UUID(), nullable=False),
    sa.Column('store_product_id', sa.UUID(), nullable=False),
    sa.Column('customer_id', sa.UUID(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('held', 'confirmed', 'cancelled', 'expired', name='reservation_status'), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('quantity > 0', name='ck_reservations_quantity'),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['promo_id'], ['promos.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_product_id'], ['store_products.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token')
    )
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.create_index('ix_reservations_held_expiry', ['expires_at'], unique=False, postgresql_where=sa.text("status = 'held'"))
        batch_op.create_index('ix_reservations_promo_customer', ['promo_id', 'customer_id', 'status'], unique=False)
        batch_op.create_index('ix_reservations_store_product_held', ['store_product_id', 'expires_at'], unique=False, postgresql_where=sa.text("status = 'held'"))



def downgrade():
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_index('ix_reservations_store_product_held', postgresql_where=sa.text("status = 'held'"))
        batch_op.drop_index('ix_reservations_promo_customer')
        batch_op.drop_index('ix_reservations_held_expiry', postgresql_where=sa.text("status = 'held'"))

    op.drop_table('reservations')
    with op.batch_alter_table('notification_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_logs_promo_status')

    op.drop_table('notification_logs')
    with op.batch_alter_table('promos', schema=None) as batch_op:
        batch_op.drop_index('ix_promos_store_product_window')
        batch_op.drop_index('ix_promos_open', postgresql_where=sa.text("status IN ('scheduled', 'active')"))
        batch_op.drop_index('ix_promos_account_starts')
        batch_op.drop_index(batch_op.f('ix_promos_account_id'))

    op.drop_table('promos')
    with op.batch_alter_table('store_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_store_products_product_id'))
        batch_op.drop_index(batch_op.f('ix_store_products_account_id'))

    op.drop_table('store_products')
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stores_account_id'))
        batch_op.drop_geospatial_index('idx_stores_location', postgresql_using='gist', column_name='location')

    op.drop_geospatial_table('stores')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_account_id'))

    op.drop_table('products')
    for name in ('reservation_status', 'promo_notification_status', 'promo_channel', 'promo_audience', 'promo_status'):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
