"""Shapes of media files, uploads and their processing status (seed 002)."""
import marshmallow as ma
from flask_smorest.fields import Upload

from app.blueprints.common import PaginationArgsSchema
from app.blueprints.fields import UTCDateTime
from app.blueprints.media import file_url
from app.models import FileType, MediaStatus


class _DropBlank(ma.Schema):
    @ma.pre_load
    def drop_blank(self, data, **_kwargs):
        # HTML forms send "" for an untouched field; that means "not given".
        return {k: v for k, v in data.items() if v not in ("", None)}


class MediaUploadFormSchema(_DropBlank):
    campaign_id = ma.fields.UUID(load_default=None, metadata={"description": "Attach the file to this campaign"})
    file_type = ma.fields.Enum(FileType, by_value=True, load_default=None,
                               metadata={"description": "Optional; refused (422) if the content is another type"})


class MediaUploadFilesSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": "JPEG/PNG/WebP/GIF, MP4/WebM, MP3/OGG/WAV or PDF"})


class MediaUploadDocSchema(MediaUploadFilesSchema, MediaUploadFormSchema):
    """The whole multipart body, for the OpenAPI document (parsing reads form and files separately)."""


class MediaUploadedSchema(ma.Schema):
    file_id = ma.fields.UUID(attribute="id")
    filename = ma.fields.String()
    url = ma.fields.Function(lambda m: file_url(m), metadata={"description": "Signed URL, expires (MEDIA_URL_TTL)"})
    status = ma.fields.Enum(MediaStatus, by_value=True)
    message = ma.fields.String()


class MediaStatusSchema(ma.Schema):
    file_id = ma.fields.UUID(attribute="id")
    status = ma.fields.Enum(MediaStatus, by_value=True)
    progress = ma.fields.Integer()
    message = ma.fields.String(allow_none=True)
    error = ma.fields.String(allow_none=True)


class MediaFileSchema(ma.Schema):
    id = ma.fields.UUID()
    filename = ma.fields.String()
    original_filename = ma.fields.String()
    file_type = ma.fields.Enum(FileType, by_value=True)
    mime_type = ma.fields.String()
    size = ma.fields.Integer()
    url = ma.fields.Function(lambda m: file_url(m))
    thumbnail_url = ma.fields.Function(lambda m: file_url(m, "thumbnail"), allow_none=True)
    status = ma.fields.Enum(MediaStatus, by_value=True)
    progress = ma.fields.Integer()
    message = ma.fields.String(allow_none=True)
    error = ma.fields.String(allow_none=True)
    width = ma.fields.Integer(allow_none=True)
    height = ma.fields.Integer(allow_none=True)
    duration = ma.fields.Float(allow_none=True, metadata={"description": "Seconds, where the container says it"})
    page_count = ma.fields.Integer(allow_none=True)
    metadata = ma.fields.Dict(attribute="meta")
    upload_date = UTCDateTime(attribute="created_at")
    processed_date = UTCDateTime(attribute="processed_at", allow_none=True)
    user_id = ma.fields.UUID(attribute="uploaded_by", allow_none=True)
    campaign_id = ma.fields.UUID(allow_none=True)


class MediaUpdateSchema(ma.Schema):
    campaign_id = ma.fields.UUID(required=True, allow_none=True, metadata={"description": "null detaches"})


class MediaQueryArgsSchema(PaginationArgsSchema, _DropBlank):
    campaign_id = ma.fields.UUID()
    file_type = ma.fields.Enum(FileType, by_value=True)
    status = ma.fields.Enum(MediaStatus, by_value=True)
