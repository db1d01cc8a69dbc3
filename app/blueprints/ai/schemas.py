"""Shapes of AI suggestions, product content versions, content jobs and token usage."""
import marshmallow as ma
from marshmallow import validate

from app.blueprints.common import PaginationArgsSchema
from app.blueprints.fields import UTCDateTime
from app.models import ContentChannel, ContentStatus, JobStatus, SuggestionKind, SuggestionStatus

TONES = ("friendly", "professional", "playful", "urgent")
_LANGUAGE = validate.Length(min=2, max=8)


class GeneratedSchema(ma.Schema):
    provider = ma.fields.String(metadata={"description": "openai, or template (offline, template-generated)"})
    model = ma.fields.String()
    prompt_version = ma.fields.String(metadata={"example": "product_content/email.v1"})
    template_generated = ma.fields.Boolean(
        metadata={"description": "Written by the offline templates, not by a language model"})


class SuggestionSchema(GeneratedSchema):
    id = ma.fields.UUID()
    campaign_id = ma.fields.UUID()
    batch_id = ma.fields.UUID(metadata={"description": "Suggestions written by one request share it"})
    kind = ma.fields.Enum(SuggestionKind, by_value=True)
    language = ma.fields.String()
    channel = ma.fields.String(metadata={"description": "The campaign's channel when it was suggested"})
    text = ma.fields.String()
    status = ma.fields.Enum(SuggestionStatus, by_value=True)
    fills_content = ma.fields.Boolean(
        metadata={"description": "Approving it writes the campaign's content for its language"})
    applied = ma.fields.Boolean(metadata={"description": "Approved and written into the campaign's content"})
    created_by_id = ma.fields.UUID(allow_none=True)
    decided_by_id = ma.fields.UUID(allow_none=True)
    decided_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()


class SuggestionBatchSchema(ma.Schema):
    suggestions = ma.fields.List(ma.fields.Nested(SuggestionSchema))


class SuggestionCreateSchema(ma.Schema):
    language = ma.fields.String(load_default=None, allow_none=True, validate=_LANGUAGE,
                                metadata={"description": "Default DEFAULT_CAMPAIGN_LANGUAGE; one of "
                                                         "ALLOWED_CAMPAIGN_LANGUAGES"})
    language_code = ma.fields.String(load_default=None, allow_none=True, validate=_LANGUAGE,
                                     metadata={"description": "Same as language"})
    tone = ma.fields.String(load_default=None, allow_none=True, validate=validate.OneOf(TONES))
    product_ids = ma.fields.List(ma.fields.UUID(), load_default=list, validate=validate.Length(max=10),
                                 metadata={"description": "Products the campaign is about (this account's)"})


class SuggestionQueryArgsSchema(PaginationArgsSchema):
    status = ma.fields.Enum(SuggestionStatus, by_value=True, load_default=None)
    kind = ma.fields.Enum(SuggestionKind, by_value=True, load_default=None)
    language = ma.fields.String(load_default=None, validate=_LANGUAGE)


class DecisionSchema(ma.Schema):
    action = ma.fields.String(required=True, validate=validate.OneOf(("approve", "reject")))


class ContentSchema(GeneratedSchema):
    id = ma.fields.UUID()
    product_id = ma.fields.UUID()
    job_id = ma.fields.UUID(allow_none=True)
    channel = ma.fields.Enum(ContentChannel, by_value=True)
    language = ma.fields.String()
    version = ma.fields.Integer(metadata={"description": "1 for the first generation of a channel and language"})
    tone = ma.fields.String()
    subject = ma.fields.String(allow_none=True)
    body = ma.fields.String()
    hashtags = ma.fields.List(ma.fields.String())
    status = ma.fields.Enum(ContentStatus, by_value=True)
    edited = ma.fields.Boolean(metadata={"description": "Changed by a person after it was generated"})
    created_by_id = ma.fields.UUID(allow_none=True)
    updated_by_id = ma.fields.UUID(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class ContentBatchSchema(ma.Schema):
    contents = ma.fields.List(ma.fields.Nested(ContentSchema))


class GenerateContentSchema(ma.Schema):
    channels = ma.fields.List(ma.fields.Enum(ContentChannel, by_value=True), load_default=None,
                              validate=validate.Length(min=1, max=3),
                              metadata={"description": "Default: social, email and whatsapp"})
    languages = ma.fields.List(ma.fields.String(validate=_LANGUAGE), load_default=None,
                               validate=validate.Length(min=1, max=10),
                               metadata={"description": "Default: DEFAULT_CAMPAIGN_LANGUAGE"})
    language_code = ma.fields.String(load_default=None, allow_none=True, validate=_LANGUAGE,
                                     metadata={"description": "One language (same as languages: [code])"})
    tone = ma.fields.String(load_default=None, allow_none=True, validate=validate.OneOf(TONES))
    keywords = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=100)), load_default=list,
                              validate=validate.Length(max=20))
    audience = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300),
                                metadata={"example": "runners in their thirties"})


class ContentUpdateSchema(ma.Schema):
    subject = ma.fields.String(validate=validate.Length(min=1, max=120))
    body = ma.fields.String(validate=validate.Length(min=1, max=5000))
    hashtags = ma.fields.List(ma.fields.String(validate=validate.Length(min=2, max=60)),
                              validate=validate.Length(min=1, max=10))
    status = ma.fields.Enum(ContentStatus, by_value=True)

    @ma.validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ma.ValidationError("Send at least one of subject, body, hashtags, status.", "_schema")


class ContentQueryArgsSchema(PaginationArgsSchema):
    channel = ma.fields.Enum(ContentChannel, by_value=True, load_default=None)
    language = ma.fields.String(load_default=None, validate=_LANGUAGE)
    status = ma.fields.Enum(ContentStatus, by_value=True, load_default=None)


class ContentJobSchema(ma.Schema):
    id = ma.fields.UUID()
    product_id = ma.fields.UUID()
    status = ma.fields.Enum(JobStatus, by_value=True)
    channels = ma.fields.List(ma.fields.String())
    languages = ma.fields.List(ma.fields.String())
    tone = ma.fields.String()
    total = ma.fields.Integer()
    done = ma.fields.Integer()
    progress = ma.fields.Float(metadata={"description": "Percent done"})
    error = ma.fields.String(allow_none=True)
    created_at = UTCDateTime()
    started_at = UTCDateTime(allow_none=True)
    finished_at = UTCDateTime(allow_none=True)


class UsageSchema(ma.Schema):
    provider = ma.fields.String()
    template_generated = ma.fields.Boolean()
    tokens_this_month = ma.fields.Integer()
    cost_this_month = ma.fields.Float(metadata={"description": "USD"})
    monthly_token_budget = ma.fields.Integer(metadata={"description": "0: no limit"})
    allowed_languages = ma.fields.List(ma.fields.String())
    default_language = ma.fields.String()
