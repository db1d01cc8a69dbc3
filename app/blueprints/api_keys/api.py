"""API keys API: owners make and revoke the keys integrators call the API with."""
from flask.views import MethodView

from app.blueprints.api_keys.schemas import ApiKeyCreatedSchema, ApiKeyCreateSchema, ApiKeySchema
from app.blueprints.common import Blueprint, PaginationArgsSchema, page_response, page_schema
from app.security import current_account, current_user, owner_required
from app.services import api_keys

api_blp = Blueprint("api-keys-api", __name__, url_prefix="/api/v1/api-keys",
                    description="Keys for integrators: one account each, read or write (owners)")


@api_blp.route("")
class ApiKeys(MethodView):
    decorators = [owner_required]

    @api_blp.arguments(PaginationArgsSchema, location="query")
    @api_blp.response(200, page_schema(ApiKeySchema, "api_keys"))
    def get(self, args):
        """The account's API keys, live ones first (the keys themselves are never shown again)"""
        return page_response(api_keys.list_keys(current_account(), **args), "api_keys")

    @api_blp.arguments(ApiKeyCreateSchema)
    @api_blp.response(201, ApiKeyCreatedSchema)
    def post(self, data):
        """Make a key that acts in this account as you, with at most its scope; the answer shows it once"""
        return api_keys.create_key(current_account(), actor=current_user(), **data)


@api_blp.route("/<uuid:key_id>")
class ApiKeyById(MethodView):
    decorators = [owner_required]

    @api_blp.response(200, ApiKeySchema)
    def get(self, key_id):
        """One API key"""
        return api_keys.get_key(current_account(), key_id)

    @api_blp.response(200, ApiKeySchema)
    def delete(self, key_id):
        """Revoke the key: it stops working at once; it stays listed as revoked (409 if it was already)"""
        return api_keys.revoke_key(api_keys.get_key(current_account(), key_id), actor=current_user())
