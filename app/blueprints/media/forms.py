"""Media library forms: upload, filters, attach to a campaign."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField
from wtforms.validators import UUID, Optional

from app.blueprints.forms import choice_list
from app.models import FileType, MediaStatus

TYPE_LABELS = {FileType.IMAGE: _l("Image"), FileType.VIDEO: _l("Video"), FileType.AUDIO: _l("Audio"),
               FileType.DOCUMENT: _l("Document")}
STATUS_LABELS = {MediaStatus.UPLOADING: _l("Uploading"), MediaStatus.PROCESSING: _l("Processing"),
                 MediaStatus.READY: _l("Ready"), MediaStatus.FAILED: _l("Failed")}
TYPE_CHOICES = [("", _l("Any type"))] + [(t.value, TYPE_LABELS[t]) for t in FileType]
STATUS_CHOICES = [("", _l("Any status"))] + [(s.value, STATUS_LABELS[s]) for s in MediaStatus]


class UploadForm(FlaskForm):
    file = FileField(_l("Files"), render_kw={"multiple": True})
    file_type = SelectField(_l("Expected type"), choices=choice_list([("", _l("Detect from content"))] + TYPE_CHOICES[1:]), default="")
    campaign_id = SelectField(_l("Attach to campaign"), choices=[], validate_choice=False, validators=[Optional(), UUID()])


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    file_type = SelectField(_l("Type"), choices=choice_list(TYPE_CHOICES), default="", validators=[Optional()])
    status = SelectField(_l("Status"), choices=choice_list(STATUS_CHOICES), default="", validators=[Optional()])
    campaign_id = SelectField(_l("Campaign"), choices=[], validate_choice=False, validators=[Optional(), UUID()])


class AttachForm(FlaskForm):
    campaign_id = SelectField(_l("Campaign"), choices=[], validate_choice=False, validators=[Optional(), UUID()])


def with_campaigns(form, campaigns: list, empty) -> None:
    """Campaigns picked by name ("" first: none, or any); the service refuses another account's id."""
    form.campaign_id.choices = choice_list([("", empty)] + [(str(cid), name) for cid, name in campaigns])
