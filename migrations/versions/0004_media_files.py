"""media: uploaded files and their processing state

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:31:22.404319

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('media_files',
    sa.Column('uploaded_by', sa.UUID(), nullable=True),
    # No foreign key yet: campaigns arrive from another branch (the lead adds it when linearising).
    sa.Column('campaign_id', sa.UUID(), nullable=True),
    sa.Column('original_filename', sa.String(length=255), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('storage_key', sa.String(length=255), nullable=False),
    sa.Column('file_type', sa.Enum('image', 'video', 'audio', 'document', name='media_file_type'), nullable=False),
    sa.Column('mime_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.Enum('uploading', 'processing', 'ready', 'failed', name='media_status'), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=255), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('duration', sa.Float(), nullable=True),
    sa.Column('page_count', sa.Integer(), nullable=True),
    sa.Column('metadata', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('thumbnail_key', sa.String(length=255), nullable=True),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('storage_key')
    )
    with op.batch_alter_table('media_files', schema=None) as batch_op:
        batch_op.create_index('ix_media_files_account_campaign', ['account_id', 'campaign_id'], unique=False)
        batch_op.create_index('ix_media_files_account_created', ['account_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_media_files_account_id'), ['account_id'], unique=False)



def downgrade():
    with op.batch_alter_table('media_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_media_files_account_id'))
        batch_op.drop_index('ix_media_files_account_created')
        batch_op.drop_index('ix_media_files_account_campaign')

    op.drop_table('media_files')
    sa.Enum(name='media_status').drop(op.get_bind(), checkfirst=True)
    sa.Enum(name='media_file_type').drop(op.get_bind(), checkfirst=True)
