"""Forms of the AI content pages: generate, edit and decide."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import DataRequired, Length, Optional

from app.blueprints.ai.schemas import TONES
from app.blueprints.forms import choice_list

TONE_LABELS = {"friendly": _l("Friendly"), "professional": _l("Professional"), "playful": _l("Playful"),
               "urgent": _l("Urgent")}
CHANNEL_LABELS = {"social": _l("Social media"), "email": _l("Email"), "whatsapp": _l("WhatsApp")}
STATUS_LABELS = {"draft": _l("Draft"), "approved": _l("Approved"), "archived": _l("Archived")}


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SuggestionForm(FlaskForm):
    language = SelectField(_l("Language"), choices=[])
    tone = SelectField(_l("Tone"), choices=choice_list((t, TONE_LABELS[t]) for t in TONES), default="friendly")
    products = SelectMultipleField(_l("Products it is about"), choices=[], validate_choice=False)


class DecisionForm(FlaskForm):
    """Only the CSRF token: the button pressed says approve or reject."""


class GenerateContentForm(FlaskForm):
    channels = MultiCheckboxField(_l("Channels"), choices=choice_list(CHANNEL_LABELS.items()),
                                  default=list(CHANNEL_LABELS), validators=[DataRequired()])
    languages = MultiCheckboxField(_l("Languages"), choices=[], validators=[DataRequired()])
    tone = SelectField(_l("Tone"), choices=choice_list((t, TONE_LABELS[t]) for t in TONES), default="friendly")
    keywords = StringField(_l("Keywords"), validators=[Optional(), Length(max=500)],
                           description=_l("Comma-separated, e.g. trail running, spring"))
    audience = StringField(_l("Audience"), validators=[Optional(), Length(max=300)],
                           description=_l("Who it is for, e.g. weekend runners"))


class ContentEditForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[Optional(), Length(max=120)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 8})
    hashtags = StringField(_l("Hashtags"), validators=[Optional(), Length(max=700)],
                           description=_l("Separated by spaces, e.g. #TrailRunning #Spring"))
    status = SelectField(_l("Status"), choices=choice_list(STATUS_LABELS.items()))
