"""Pages: the media library (upload with drag and drop and progress, thumbnails, filters) and signed downloads."""
import uuid

from flask import Blueprint, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from app.blueprints.common import page_number
from app.blueprints.media import file_url
from app.blueprints.forms import error_text
from app.blueprints.media.forms import AttachForm, FilterForm, UploadForm, with_campaigns
from app.blueprints.media.schemas import MediaStatusSchema, MediaUploadedSchema
from app.errors import DomainError, ValidationError, render_error
from app.extensions import db
from app.models import FileType, MediaStatus
from app.security import current_account, current_user, editor_required, viewer_required
from app.services import campaign_media, media

pages_bp = Blueprint("media", __name__)
PAGE_SIZE = 24


@pages_bp.app_template_filter("filesize")
def filesize(size: int | None) -> str:
    value = float(size or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return ""


@pages_bp.get("/media")
@viewer_required
def index():
    campaigns = campaign_media.campaign_choices(current_account())
    filters = FilterForm(request.args)
    with_campaigns(filters, campaigns, _("Any campaign"))
    valid = filters.validate()
    args = {k: v for k, v in request.args.items() if v and k in ("file_type", "status", "campaign_id")}
    page = media.list_media(
        current_account(), page=page_number(), size=PAGE_SIZE,
        file_type=FileType(args["file_type"]) if valid and "file_type" in args else None,
        status=MediaStatus(args["status"]) if valid and "status" in args else None,
        campaign_id=uuid.UUID(args["campaign_id"]) if valid and "campaign_id" in args else None)
    upload_form = UploadForm()
    with_campaigns(upload_form, campaigns, _("None"))
    return render_template("media/index.html", page=page, filters=filters, args=args, upload_form=upload_form,
                           campaigns=campaigns, campaign_names={str(cid): name for cid, name in campaigns},
                           file_url=file_url)


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


@pages_bp.post("/media/upload")
@editor_required
def upload():
    form = UploadForm()
    with_campaigns(form, campaign_media.campaign_choices(current_account()), "")
    uploads = [f for f in request.files.getlist("file") if f and f.filename]
    try:
        if not form.validate_on_submit():
            raise ValidationError(details=form.errors or {"csrf_token": [_("The form expired; reload the page.")]})
        if not uploads:
            raise ValidationError(details={"file": [_("Choose a file to upload.")]})
        items = [media.upload_file(current_account(), actor=current_user(), stream=f.stream, filename=f.filename,
                                   declared_type=FileType(form.file_type.data) if form.file_type.data else None,
                                   campaign_id=uuid.UUID(form.campaign_id.data) if form.campaign_id.data else None)
                 for f in uploads]
    except DomainError as exc:
        if _wants_json():
            return render_error(exc.status_code, exc.message, exc.details)
        flash(error_text(exc), "danger")
        return redirect(url_for("media.index"))
    if _wants_json():
        return jsonify(MediaUploadedSchema().dump(items[0])), 202
    flash(_("Uploaded %(count)s file(s); processing has started.", count=len(items)), "success")
    return redirect(url_for("media.index"))


@pages_bp.get("/media/<uuid:file_id>/status.json")
@viewer_required
def status(file_id):
    return jsonify(MediaStatusSchema().dump(media.get_file(current_account(), file_id)))


@pages_bp.post("/media/<uuid:file_id>/campaign")
@editor_required
def attach(file_id):
    form = AttachForm()
    with_campaigns(form, [], "")  # any id: the service checks it is a live campaign of this account
    item = media.get_file(current_account(), file_id)
    try:
        if not form.validate_on_submit():
            raise ValidationError(details=form.errors)
        campaign_id = uuid.UUID(form.campaign_id.data) if form.campaign_id.data else None
        campaign_media.attach_file(item, actor=current_user(), campaign_id=campaign_id)
        flash(_("Attached to the campaign.") if campaign_id else _("Detached from its campaign."), "success")
    except DomainError as exc:
        flash(error_text(exc), "danger")
    return redirect(request.referrer or url_for("media.index"))


@pages_bp.post("/media/<uuid:file_id>/delete")
@editor_required
def delete(file_id):
    item = media.get_file(current_account(), file_id)
    name = item.filename
    try:
        media.delete_file(item, actor=current_user())
        flash(_("Deleted %(name)s.", name=name), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(error_text(exc), "danger")
    return redirect(url_for("media.index"))


@pages_bp.get("/media/download/<token>")
def download(token):
    """Serve a file to whoever holds a valid signed link (img tags, e-mails); the signature is the permission.

    On S3 the answer is a redirect to a presigned URL, so large files never pass through the web process.
    """
    found = media.open_download(token)
    if found.url is not None:
        response = redirect(found.url, code=302)
    else:
        response = send_file(found.stream, mimetype=found.mime_type, download_name=found.media.filename,
                             max_age=300, conditional=False)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response

