"""Accounts API: list and open accounts, change their settings, manage members."""
from flask.views import MethodView
from flask_smorest import Blueprint

from app.blueprints.accounts.schemas import (
    AccountCreateSchema, AccountQueryArgsSchema, AccountSchema, AccountUpdateSchema, MemberCreateSchema, MemberSchema,
)
from app.blueprints.common import PaginationArgsSchema, page_response, page_schema
from app.errors import Forbidden
from app.models import MemberRole
from app.security import current_user, login_required
from app.services import accounts
from app.services.pagination import paginate

api_blp = Blueprint("accounts-api", __name__, url_prefix="/api/v1/accounts",
                    description="Accounts you work in (an agency's clients) and their members")


def _account_as(account_id, minimum: MemberRole):
    account, role = accounts.account_and_role(current_user(), account_id)
    if role.rank < minimum.rank:
        raise Forbidden(f"This needs the {minimum.value} role in the account")
    return account


@api_blp.route("")
class Accounts(MethodView):
    decorators = [login_required]

    @api_blp.arguments(AccountQueryArgsSchema, location="query")
    @api_blp.response(200, page_schema(AccountSchema, "accounts"))
    def get(self, args):
        """Accounts you can work in; pick one with the X-Account-Id header"""
        return page_response(paginate(accounts.accounts_for(current_user()), **args), "accounts")

    @api_blp.arguments(AccountCreateSchema)
    @api_blp.response(201, AccountSchema)
    def post(self, data):
        """Open a client account (agencies)"""
        return accounts.create_client_account(current_user(), **data)


@api_blp.route("/<uuid:account_id>")
class AccountById(MethodView):
    decorators = [login_required]

    @api_blp.response(200, AccountSchema)
    def get(self, account_id):
        """One account you belong to"""
        return _account_as(account_id, MemberRole.VIEWER)

    @api_blp.arguments(AccountUpdateSchema)
    @api_blp.response(200, AccountSchema)
    def patch(self, data, account_id):
        """Change the account's name or defaults (owners)"""
        account = _account_as(account_id, MemberRole.OWNER)
        return accounts.update_account(account, actor=current_user(), **data)


@api_blp.route("/<uuid:account_id>/members")
class Members(MethodView):
    decorators = [login_required]

    @api_blp.arguments(PaginationArgsSchema, location="query")
    @api_blp.response(200, page_schema(MemberSchema, "members"))
    def get(self, args, account_id):
        """Members of the account and their roles"""
        account = _account_as(account_id, MemberRole.VIEWER)
        return page_response(paginate(accounts.members_query(account), **args), "members")

    @api_blp.arguments(MemberCreateSchema)
    @api_blp.response(201, MemberSchema)
    def post(self, data, account_id):
        """Add an existing user to the account, or change their role (owners)"""
        account = _account_as(account_id, MemberRole.OWNER)
        return accounts.add_member(account, actor=current_user(), login=data["user"], role=data["role"])


@api_blp.route("/<uuid:account_id>/members/<uuid:user_id>")
class MemberById(MethodView):
    decorators = [login_required]

    @api_blp.response(204)
    def delete(self, account_id, user_id):
        """Remove a member (owners); the last owner cannot be removed"""
        account = _account_as(account_id, MemberRole.OWNER)
        accounts.remove_member(account, actor=current_user(), user_id=user_id)
