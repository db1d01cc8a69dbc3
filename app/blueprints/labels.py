"""Words the pages translate from stored values at run time, listed so that pybabel can see them.

Templates and forms pass values to gettext (`{{ _(campaign.status) }}`, `_l(p.value.title())`); the extractor only
reads literal strings, so without this list `pybabel update` marks these catalog entries obsolete and
`pybabel compile` leaves them out: the badges fall back to English. Nothing imports the labels at run time;
tests/platform/test_translations.py checks that every enum value shown this way is listed and translated.
"""
from flask_babel import lazy_gettext as _l

RUNTIME_LABELS = {
    # campaigns/_badges.html and detail.html: {{ _(status) }}; campaigns/forms.py: _l(s.title())
    "campaign status": (
        _l("draft"), _l("scheduled"), _l("active"), _l("paused"), _l("finished"), _l("cancelled"),
        _l("Draft"), _l("Scheduled"), _l("Active"), _l("Paused"), _l("Finished"), _l("Cancelled"),
    ),
    # campaigns/detail.html: {{ _(campaign.priority) }}; campaigns/forms.py: _l(p.value.title())
    "priority": (_l("low"), _l("medium"), _l("high"), _l("Low"), _l("Medium"), _l("High")),
    # campaigns templates: _(c.channel.replace("_", " ") | title); campaigns/forms.py the same in Python
    "channel": (_l("Amazon Ads"), _l("Email"), _l("Whatsapp"), _l("Social Media"), _l("Display"), _l("Search")),
    # customers/import_upload.html: {{ _(job.status.value) }}
    "import status": (_l("draft"), _l("queued"), _l("running"), _l("completed"), _l("failed")),
    # customers/index.html and form.html: {{ _(behaviour) }}
    "behaviour": (_l("new"), _l("frequent"), _l("returning")),
    # media/index.html: {{ _(item.file_type.value) }} and {{ _(item.status.value) }}
    "media type": (_l("image"), _l("video"), _l("audio"), _l("document")),
    "media status": (_l("uploading"), _l("processing"), _l("ready"), _l("failed")),
    # messaging/messages.html: {{ _(m.status.value) }}
    "message status": (_l("queued"), _l("sending"), _l("sent"), _l("delivered"), _l("read"), _l("failed"),
                       _l("skipped")),
    # accounts/settings.html: {{ _(m.role.value) }}
    "member role": (_l("viewer"), _l("editor"), _l("owner")),
}

# Service messages (English, as the API speaks) that pages show: app/blueprints/forms.py translates them when
# it puts them next to a field or at the top of a page, and errors/error.html does for error pages.
SERVICE_MESSAGES = (
    # errors.py and the domain errors' defaults
    _l("Validation error"), _l("The requested resource was not found"), _l("Internal server error"),
    _l("Authentication required"), _l("Insufficient permissions"), _l("Not found"), _l("Conflict with the current state"),
    _l("Invalid request"), _l("Service unavailable"), _l("An outside service failed"),
    _l("The upload is too large"), _l("This kind of content is not supported"),
    # campaigns (services/campaign_rules.py, services/campaigns.py)
    _l("Must be after start_date"), _l("This field is required"), _l("Must be greater than 0"),
    _l("Must be a number greater than 0"), _l("At most two decimals"), _l("Must be a three-letter ISO 4217 code, e.g. USD"),
    _l("Each keyword is at most 100 characters"), _l("At most 200 keywords"), _l("Must be between the years 1900 and 2200"),
    _l("age must be a range between 13 and 120, low to high"), _l("This name is already taken in the account"),
    _l("An active campaign cannot be deleted; cancel it first"),
    _l("Only amazon_ads campaigns sync with Amazon Ads"),
    # accounts and members (services/accounts.py, services/members.py)
    _l("Name is required."), _l("Must be an ISO 3166-1 country code such as 'ES'."),
    _l("Must be an ISO 4217 currency code such as 'EUR'."), _l("Already a member of this account."),
    _l("This person is already a member; change their role instead"), _l("An account needs at least one owner"),
    _l("An account with this email already exists."), _l("Email already registered"),
    # customers (services/customer_fields.py)
    _l("Not a phone number."), _l("Not a valid phone number for its country."),
    _l("Unknown country; use an ISO 3166 code such as 'ES'."),
    # media (services/media.py)
    _l("The file is empty."), _l("No such campaign in this account."),
    _l("This file is used by a scheduled or running campaign"),
    # segment rules (services/segments.py), shown under the builder's rows
    _l("value must be a number."), _l("value must be text."), _l("value must be a tag."),
    _l("value must be a non-empty list (at most 1,000 items)."), _l("value must be a whole number of days."),
    _l("value must be true, false, 'granted', 'withdrawn' or 'unknown'."),
    _l("value must be text, a number or true/false."), _l("km must be a number above 0 (at most 20,000)."),
    _l("point must be [longitude, latitude]."),
)
