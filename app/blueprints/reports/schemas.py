"""Shapes of exports and their query arguments."""
import marshmallow as ma
from marshmallow import validate

from app.blueprints.campaigns.schemas import CampaignQueryArgsSchema
from app.blueprints.customers.schemas import CustomerQueryArgsSchema
from app.blueprints.fields import UTCDateTime
from app.blueprints.messaging.schemas import MessageQueryArgsSchema
from app.blueprints.promos.schemas import PromoQueryArgsSchema
from app.models import ExportStatus

FORMAT = ma.fields.String(load_default="csv", validate=validate.OneOf(["csv", "pdf"]),
                          metadata={"description": "csv (streamed now) or pdf (rendered by a worker: 202 and a job)"})


def _without_paging(schema: type[ma.Schema], name: str, **fields) -> type[ma.Schema]:
    """The list's filters without page and size: an export takes every matching row."""
    declared = {k: v for k, v in schema._declared_fields.items() if k not in ("page", "size")}
    return ma.Schema.from_dict({**declared, **fields}, name=name)


CampaignExportArgsSchema = _without_paging(CampaignQueryArgsSchema, "CampaignExportArgsSchema", format=FORMAT)
CustomerExportArgsSchema = _without_paging(CustomerQueryArgsSchema, "CustomerExportArgsSchema", format=ma.fields.String(
    load_default="csv", validate=validate.OneOf(["csv"])))
MessageExportArgsSchema = _without_paging(MessageQueryArgsSchema, "MessageExportArgsSchema", format=ma.fields.String(
    load_default="csv", validate=validate.OneOf(["csv"])))

PromoExportArgsSchema = _without_paging(PromoQueryArgsSchema, "PromoExportArgsSchema", format=ma.fields.String(
    load_default="csv", validate=validate.OneOf(["csv"])))


class ExportJobSchema(ma.Schema):
    id = ma.fields.UUID()
    kind = ma.fields.String()
    format = ma.fields.String()
    filters = ma.fields.Dict()
    status = ma.fields.Enum(ExportStatus, by_value=True)
    progress = ma.fields.Integer(metadata={"description": "0-100"})
    message = ma.fields.String(allow_none=True)
    error = ma.fields.String(allow_none=True)
    filename = ma.fields.String(allow_none=True)
    size = ma.fields.Integer(allow_none=True)
    download_url = ma.fields.Method("_download_url", metadata={
        "description": "Once completed: a signed link valid for an hour (fetch this again for a fresh one)"})
    created_at = UTCDateTime()
    completed_at = UTCDateTime(allow_none=True)

    def _download_url(self, job):
        from app.blueprints.reports import download_url

        return download_url(job)
