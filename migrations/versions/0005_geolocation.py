"""geolocation: places gazetteer (places, place_names, place_variants, geo_datasets) and its data

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:33:11

The tables are reference data (no account_id). Upgrading also loads them from the packaged gazetteer
(~10 s, COPY; skipped if the same build is loaded). Set GEO_LOAD_ON_MIGRATE=0 to leave them empty and
run `flask geo load` later.
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geography

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'geo_datasets',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('version', sa.String(length=120), nullable=False),
        sa.Column('places', sa.Integer(), nullable=False),
        sa.Column('names', sa.Integer(), nullable=False),
        sa.Column('variants', sa.Integer(), nullable=False),
        sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_table(
        'places',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('country_code', sa.String(length=2), nullable=False),
        sa.Column('admin1_code', sa.String(length=20), nullable=True),
        sa.Column('region_code', sa.String(length=10), nullable=True),
        sa.Column('population', sa.BigInteger(), nullable=False),
        sa.Column('location', Geography(geometry_type='POINT', srid=4326, spatial_index=False), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    # Reverse geocoding is a KNN (`<->`) walk of this GiST index.
    op.create_index('idx_places_location', 'places', ['location'], postgresql_using='gist')
    op.create_index('ix_places_country_region_population', 'places',
                    ['country_code', 'region_code', sa.literal_column('population DESC')])
    op.create_table(
        'place_names',
        sa.Column('place_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.Text(), nullable=False),
        sa.Column('is_primary', sa.Boolean(), nullable=False),
        sa.Column('population', sa.BigInteger(), nullable=False),
        sa.Column('country_code', sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(['place_id'], ['places.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('place_id', 'key'),
    )
    op.create_index('ix_place_names_key', 'place_names', ['key'])
    # Prefix search walks these in population order and stops at the limit.
    op.create_index('ix_place_names_prefix2', 'place_names',
                    [sa.literal_column('left(key, 2)'), sa.literal_column('population DESC')])
    op.create_index('ix_place_names_prefix3', 'place_names',
                    [sa.literal_column('left(key, 3)'), sa.literal_column('population DESC')])
    op.create_index('ix_place_names_country_prefix3', 'place_names',
                    ['country_code', sa.literal_column('left(key, 3)'), sa.literal_column('population DESC')])
    op.create_table(
        'place_variants',
        sa.Column('variant', sa.Text(), nullable=False),
        sa.Column('key', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('variant', 'key'),
    )
    if not op.get_context().as_sql:
        from app.services.geolocation_data import load_on_migrate

        load_on_migrate(op.get_bind())


def downgrade():
    op.drop_table('place_variants')
    op.drop_table('place_names')
    op.drop_table('places')
    op.drop_table('geo_datasets')
