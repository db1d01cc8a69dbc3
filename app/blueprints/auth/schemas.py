"""Request and response shapes of authentication and profiles."""
import marshmallow as ma
from marshmallow import validate

from app.blueprints.fastdump import FastDumpSchema
from app.blueprints.fields import UTCDateTime
from app.models import UserRole


class UserSchema(FastDumpSchema):
    id = ma.fields.UUID(dump_only=True)
    username = ma.fields.String()
    email = ma.fields.String()
    full_name = ma.fields.String()
    role = ma.fields.Enum(UserRole, by_value=True)
    status = ma.fields.Function(lambda u: u.status.value)
    language = ma.fields.String()
    timezone = ma.fields.String()
    is_verified = ma.fields.Boolean()
    created_at = UTCDateTime()
    last_login = UTCDateTime(allow_none=True)


class RegisterSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    email = ma.fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = ma.fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))
    full_name = ma.fields.String(load_default="", validate=validate.Length(max=120))
    role = ma.fields.Enum(UserRole, by_value=True, load_default=UserRole.STORE_OWNER)
    language = ma.fields.String(load_default=None, validate=validate.Length(max=8))
    timezone = ma.fields.String(load_default=None, validate=validate.Length(max=64))
    account_name = ma.fields.String(load_default=None, validate=validate.Length(max=120),
                                    metadata={"description": "Name of the account created for you"})


class LoginSchema(ma.Schema):
    username = ma.fields.String(validate=validate.Length(max=254), metadata={"description": "Username or email"})
    email = ma.fields.String(validate=validate.Length(max=254))
    password = ma.fields.String(required=True, load_only=True, validate=validate.Length(max=256))

    @ma.validates_schema
    def _one_login(self, data, **_kwargs):
        if not data.get("username") and not data.get("email"):
            raise ma.ValidationError("Give a username or an email.", "username")


class RefreshSchema(ma.Schema):
    refresh_token = ma.fields.String(load_default=None, validate=validate.Length(max=512),
                                     metadata={"description": "Or send it as 'Authorization: Bearer <refresh>' "
                                               "or let the browser send the httpOnly cookie"})


class TokenSchema(ma.Schema):
    access_token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True, metadata={"example": "bearer"})
    expires_in = ma.fields.Integer(required=True, metadata={"example": 1800})
    refresh_token = ma.fields.String(required=True)
    refresh_expires_at = UTCDateTime(required=True)
    user = ma.fields.Nested(UserSchema)


class RegisteredSchema(TokenSchema):
    """The new user, field by field, and a token pair: a new user is signed in at once."""

    id = ma.fields.UUID(attribute="user.id")
    username = ma.fields.String(attribute="user.username")
    email = ma.fields.String(attribute="user.email")
    full_name = ma.fields.String(attribute="user.full_name")
    role = ma.fields.Enum(UserRole, by_value=True, attribute="user.role")
    status = ma.fields.Function(lambda pair: pair.user.status.value)
    language = ma.fields.String(attribute="user.language")
    timezone = ma.fields.String(attribute="user.timezone")
    is_verified = ma.fields.Boolean(attribute="user.is_verified")
    created_at = UTCDateTime(attribute="user.created_at")


class ProfileUpdateSchema(ma.Schema):
    full_name = ma.fields.String(validate=validate.Length(max=120))
    email = ma.fields.String(validate=validate.Length(min=3, max=254))
    language = ma.fields.String(validate=validate.Length(max=8))
    timezone = ma.fields.String(validate=validate.Length(max=64))


class PasswordChangeSchema(ma.Schema):
    current_password = ma.fields.String(required=True, load_only=True, validate=validate.Length(max=256))
    new_password = ma.fields.String(required=True, load_only=True, validate=validate.Length(max=256))
