"""Accounts API: list and open accounts, change their settings, manage members."""
from flask.views import MethodView

from app.blueprints.accounts.schemas import (
    AccountCreateSchema, AccountQueryArgsSchema, AccountSchema, AccountUpdateSchema, InvitationCreateSchema,
    InvitationSchema, MemberSchema, MemberUpdateSchema,
)
from app.blueprints.common import Blueprint, PaginationArgsSchema, page_response, page_schema
from app.errors import Forbidden
from app.models import MemberRole
from app.security import current_user, login_required
from app.services import accounts, members

InvitationPageSchema = page_schema(InvitationSchema, "invitations")

api_blp = Blueprint("accounts-api", __name__, url_prefix="/api/v1",
                    description="Accounts you work in (an agency's clients), their members and invitations")


def _account_as(account_id, minimum: MemberRole):
    account, role = accounts.account_and_role(current_user(), account_id)
    if role.rank < minimum.rank:
        raise Forbidden(f"This needs the {minimum.value} role in the account")
    return account


@api_blp.route("/accounts")
class Accounts(MethodView):
    decorators = [login_required]

    @api_blp.arguments(AccountQueryArgsSchema, location="query")
    @api_blp.response(200, page_schema(AccountSchema, "accounts"))
    def get(self, args):
        """Accounts you can work in; pick one with the X-Account-Id header"""
        return page_response(accounts.list_accounts(current_user(), **args), "accounts")

    @api_blp.arguments(AccountCreateSchema)
    @api_blp.response(201, AccountSchema)
    def post(self, data):
        """Open a client account (agencies)"""
        return accounts.create_client_account(current_user(), **data)


@api_blp.route("/accounts/<uuid:account_id>")
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


@api_blp.route("/accounts/<uuid:account_id>/members")
class Members(MethodView):
    decorators = [login_required]

    @api_blp.arguments(PaginationArgsSchema, location="query")
    @api_blp.response(200, page_schema(MemberSchema, "members"))
    def get(self, args, account_id):
        """Members of the account and their roles (people join by accepting an invitation)"""
        account = _account_as(account_id, MemberRole.VIEWER)
        return page_response(members.list_members(account, **args), "members")


@api_blp.route("/accounts/<uuid:account_id>/members/<uuid:user_id>")
class MemberById(MethodView):
    decorators = [login_required]

    @api_blp.arguments(MemberUpdateSchema)
    @api_blp.response(200, MemberSchema)
    def patch(self, data, account_id, user_id):
        """Change a member's role (owners); the last owner cannot step down"""
        account = _account_as(account_id, MemberRole.OWNER)
        return members.change_member_role(account, actor=current_user(), user_id=user_id, role=data["role"])

    @api_blp.response(204)
    def delete(self, account_id, user_id):
        """Remove a member (owners), or leave the account (your own id, any role); the last owner stays"""
        leaving = user_id == current_user().id
        account = _account_as(account_id, MemberRole.VIEWER if leaving else MemberRole.OWNER)
        members.remove_member(account, actor=current_user(), user_id=user_id)


@api_blp.route("/accounts/<uuid:account_id>/invitations")
class AccountInvitations(MethodView):
    decorators = [login_required]

    @api_blp.arguments(PaginationArgsSchema, location="query")
    @api_blp.response(200, InvitationPageSchema)
    def get(self, args, account_id):
        """Open invitations of the account (owners)"""
        account = _account_as(account_id, MemberRole.OWNER)
        return page_response(members.list_invitations(account, **args), "invitations")

    @api_blp.arguments(InvitationCreateSchema)
    @api_blp.response(201, InvitationSchema)
    def post(self, data, account_id):
        """Invite an email address with a role (owners); the person joins when they accept. Inviting again updates it"""
        account = _account_as(account_id, MemberRole.OWNER)
        return members.invite_member(account, actor=current_user(), email=data["email"], role=data["role"])


@api_blp.route("/accounts/<uuid:account_id>/invitations/<uuid:invitation_id>")
class AccountInvitationById(MethodView):
    decorators = [login_required]

    @api_blp.response(204)
    def delete(self, account_id, invitation_id):
        """Withdraw an open invitation (owners)"""
        account = _account_as(account_id, MemberRole.OWNER)
        members.revoke_invitation(account, actor=current_user(), invitation_id=invitation_id)


@api_blp.route("/invitations")
class MyInvitations(MethodView):
    decorators = [login_required]

    @api_blp.arguments(PaginationArgsSchema, location="query")
    @api_blp.response(200, InvitationPageSchema)
    def get(self, args):
        """Invitations addressed to your email that you have not answered yet"""
        return page_response(members.list_invitations_for(current_user(), **args), "invitations")


@api_blp.route("/invitations/<uuid:invitation_id>/accept")
class AcceptInvitation(MethodView):
    decorators = [login_required]

    @api_blp.response(200, MemberSchema)
    def post(self, invitation_id):
        """Join the inviting account with the offered role; your default account does not change"""
        return members.accept_invitation(invitation_id, user=current_user())


@api_blp.route("/invitations/<uuid:invitation_id>/decline")
class DeclineInvitation(MethodView):
    decorators = [login_required]

    @api_blp.response(204)
    def post(self, invitation_id):
        """Decline an invitation addressed to you"""
        members.decline_invitation(invitation_id, user=current_user())
