"""Forms of a messaging campaign: compose (audience, content per language, test address), send and schedule."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from app.blueprints.auth.forms import LANGUAGE_CHOICES, TIMEZONE_CHOICES

VARIABLE_LINE = re.compile(r"^\s*([^=\s]+)\s*=\s*(.*?)\s*$")


class SendNowForm(FlaskForm):
    """Nothing to fill in: the CSRF token is the form."""


class ScheduleForm(FlaskForm):
    send_at = DateTimeLocalField(_l("Send at"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()],
                                 description=_l("The time on the clock in the time zone below."))
    timezone = SelectField(_l("Time zone"), choices=TIMEZONE_CHOICES)
    local_time = BooleanField(_l("At this time in each customer's own time zone"))


class LanguageContentForm(Form):
    """One language's content: subject and body (email); body, or an approved template (WhatsApp)."""

    language = SelectField(_l("Language"), choices=[SelectChoice("", "—")] + LANGUAGE_CHOICES)
    subject = StringField(_l("Subject"), render_kw={"maxlength": 900})
    body = TextAreaField(_l("Body"), render_kw={"rows": 7})
    content_sid = StringField(_l("Approved template SID"), render_kw={"placeholder": "HX…"},
                              description=_l("Instead of a body: a template Twilio approved for WhatsApp."))
    variables = TextAreaField(_l("Template variables"), render_kw={"rows": 2, "placeholder": "1 = {{ first_name }}"},
                              description=_l("One per line: number = text"))

    def is_blank(self) -> bool:
        return not any((self[name].data or "").strip() for name in ("subject", "body", "content_sid", "variables"))


class ComposeForm(FlaskForm):
    audience = SelectField(_l("Audience"), choices=[], validate_choice=False)
    contents = FieldList(FormField(LanguageContentForm), min_entries=1)
    test_address = StringField(_l("Send a test to"))
    test_language = SelectField(_l("In"), choices=LANGUAGE_CHOICES, validate_choice=False)

    def content(self, channel: str) -> dict:
        """The filled-in languages as the campaign's `content` ({"<language>": {...}}), blank rows left out."""
        content = {}
        for row in self.contents:
            if row.form.is_blank() and not row.form.language.data:
                continue
            item = row.form
            if channel == "email":
                value = {"subject": item.subject.data or "", "body": item.body.data or ""}
            elif (item.content_sid.data or "").strip():
                value = {"content_sid": item.content_sid.data.strip(), "variables": parse_variables(item.variables.data)}
            else:
                value = {"body": item.body.data or ""}
            content[item.language.data or ""] = value
        return content

    def load(self, content: dict) -> None:
        """Show a campaign's content: one row per language, and one blank row to add another."""
        while len(self.contents):
            self.contents.pop_entry()
        for language, item in (content or {}).items():
            self.contents.append_entry({
                "language": language, "subject": item.get("subject", ""), "body": item.get("body", ""),
                "content_sid": item.get("content_sid", ""),
                "variables": "\n".join(f"{k} = {v}" for k, v in (item.get("variables") or {}).items())})
        self.contents.append_entry({})


def parse_variables(text: str | None) -> dict:
    """"1 = {{ first_name }}" lines as {"1": "{{ first_name }}"}; lines without "=" are kept whole under their
    line number, so the service reports them rather than the form dropping them."""
    variables = {}
    for n, line in enumerate((l for l in (text or "").splitlines() if l.strip()), start=1):
        match = VARIABLE_LINE.match(line)
        key, value = (match.group(1), match.group(2)) if match else (str(n), line.strip())
        variables[key] = value
    return variables
