"""Media API: upload (checked by content), list, open, attach, delete, and processing status."""
from flask import url_for
from flask.views import MethodView

from app.blueprints.common import Blueprint, page_response, page_schema
from app.blueprints.media.schemas import (
    MediaFileSchema, MediaQueryArgsSchema, MediaUploadDocSchema, MediaStatusSchema, MediaUpdateSchema, MediaUploadedSchema,
    MediaUploadFilesSchema, MediaUploadFormSchema,
)
from app.security import current_account, current_user, editor_required, login_required
from app.services import media

api_blp = Blueprint("media-api", __name__, url_prefix="/api/v1/media",
                    description="Images, video, audio and PDFs for campaigns, processed in the background")


@api_blp.route("/upload")
class MediaUpload(MethodView):
    decorators = [editor_required]

    @api_blp.arguments(MediaUploadFormSchema, location="form")
    @api_blp.arguments(MediaUploadFilesSchema, location="files")
    @api_blp.response(202, MediaUploadedSchema)
    @api_blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": MediaUploadDocSchema}}})
    @api_blp.alt_response(413, description="Larger than MAX_UPLOAD_MB")
    @api_blp.alt_response(415, description="Content of a kind that is not accepted")
    def post(self, form, files):
        """Upload a file; its type is read from the content and processing starts in the background"""
        upload = files["file"]
        item = media.upload_file(current_account(), actor=current_user(), stream=upload.stream,
                                 filename=upload.filename, declared_type=form["file_type"],
                                 campaign_id=form["campaign_id"])
        return item, {"Location": url_for("media-api.MediaStatusById", file_id=item.id)}


@api_blp.route("")
class MediaFiles(MethodView):
    decorators = [login_required]

    @api_blp.arguments(MediaQueryArgsSchema, location="query")
    @api_blp.response(200, page_schema(MediaFileSchema, "files"))
    def get(self, args):
        """The account's files, newest first; filter by campaign_id, file_type and status"""
        return page_response(media.list_media(current_account(), **args), "files")


@api_blp.route("/<uuid:file_id>")
class MediaFileById(MethodView):
    @login_required
    @api_blp.response(200, MediaFileSchema)
    def get(self, file_id):
        """One file with its metadata and signed URLs"""
        return media.get_file(current_account(), file_id)

    @editor_required
    @api_blp.arguments(MediaUpdateSchema)
    @api_blp.response(200, MediaFileSchema)
    def patch(self, data, file_id):
        """Attach the file to a campaign, or detach it with null"""
        item = media.get_file(current_account(), file_id)
        return media.attach_to_campaign(item, actor=current_user(), campaign_id=data["campaign_id"])

    @editor_required
    @api_blp.response(204)
    @api_blp.alt_response(409, description="A scheduled or active campaign uses the file")
    def delete(self, file_id):
        """Delete the file and its stored copies"""
        media.delete_file(media.get_file(current_account(), file_id), actor=current_user())


@api_blp.route("/<uuid:file_id>/status")
class MediaStatusById(MethodView):
    decorators = [login_required]

    @api_blp.response(200, MediaStatusSchema)
    def get(self, file_id):
        """Processing status: uploading, processing, ready or failed, with progress and error"""
        return media.get_file(current_account(), file_id)
