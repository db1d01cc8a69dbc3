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
    # accounts/settings.html: {{ _(m.role.value) }}
    "member role": (_l("viewer"), _l("editor"), _l("owner")),
}
