"""Shapes of accounts and memberships."""
import marshmallow as ma
from marshmallow import validate

from app.blueprints.common import PaginationArgsSchema
from app.blueprints.fields import UTCDateTime
from app.models import InvitationStatus, MemberRole


class AccountSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String()
    timezone = ma.fields.String()
    language = ma.fields.String()
    default_region = ma.fields.String(metadata={"description": "The account's country (ISO 3166-1 alpha-2): "
                                                               "national phone numbers are read in it"})
    currency = ma.fields.String(metadata={"description": "ISO 4217; the default of new campaigns"})
    created_at = UTCDateTime(dump_only=True)


class AccountCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=120))
    timezone = ma.fields.String(load_default=None, validate=validate.Length(max=64))
    language = ma.fields.String(load_default=None, validate=validate.Length(max=8))
    default_region = ma.fields.String(load_default=None, validate=validate.Regexp(r"^[A-Za-z]{2}$"))
    currency = ma.fields.String(load_default=None, validate=validate.Regexp(r"^[A-Za-z]{3}$"))


class AccountUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=120))
    timezone = ma.fields.String(validate=validate.Length(max=64))
    language = ma.fields.String(validate=validate.Length(max=8))
    default_region = ma.fields.String(validate=validate.Regexp(r"^[A-Za-z]{2}$"))
    currency = ma.fields.String(validate=validate.Regexp(r"^[A-Za-z]{3}$"))


class MemberSchema(ma.Schema):
    user_id = ma.fields.UUID()
    username = ma.fields.Function(lambda m: m.user.username)
    email = ma.fields.Function(lambda m: m.user.email)
    full_name = ma.fields.Function(lambda m: m.user.full_name)
    role = ma.fields.Enum(MemberRole, by_value=True)
    created_at = UTCDateTime()


class MemberUpdateSchema(ma.Schema):
    role = ma.fields.Enum(MemberRole, by_value=True, required=True)


class InvitationSchema(ma.Schema):
    id = ma.fields.UUID()
    account_id = ma.fields.UUID()
    account_name = ma.fields.Function(lambda i: i.account.name)
    email = ma.fields.String()
    role = ma.fields.Enum(MemberRole, by_value=True)
    status = ma.fields.Enum(InvitationStatus, by_value=True)
    invited_by = ma.fields.Function(lambda i: i.invited_by.full_name or i.invited_by.username if i.invited_by else None)
    expires_at = UTCDateTime()
    created_at = UTCDateTime()


class InvitationCreateSchema(ma.Schema):
    email = ma.fields.String(required=True, validate=validate.Length(min=3, max=254),
                             metadata={"description": "Email of the person to invite; they accept once signed in"})
    role = ma.fields.Enum(MemberRole, by_value=True, load_default=MemberRole.VIEWER)


class AccountQueryArgsSchema(PaginationArgsSchema):
    pass
